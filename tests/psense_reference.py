"""Per-fit ArviZ reference for power-scaling sensitivity, used only by the tests.

:func:`psense_fit` runs ``arviz.psense_summary`` on one fit (posterior dims ``(chain, draw)``)
and returns the table of :mod:`bayes_netlm.sensitivity.power_scaling` (``prior_cjs``,
``likelihood_cjs``, ArviZ's ``diagnosis`` verbatim and the plain-language ``reading``). It is the
reference that the production batched implementation,
:func:`bayes_netlm.sensitivity.psense_batch.psense_fits`, is tested against fit by fit.
:func:`normal_log_prior` and :func:`normal_log_likelihood` give the per-draw densities of the
tests' summary-level (conjugate Normal) fits.

Only the log prior density of the parameters the prior sets change (log HR, log OR) needs to go
in ``log_prior``: priors of other parameters are held fixed, which is exactly the question the
prior sets ask. ``log_likelihood`` is the total log-likelihood per draw.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.sensitivity.power_scaling import (
    DEFAULT_LABELS,
    SAMPLE_DIMS,
    THRESHOLD,
    flat_prior_rows,
    table_rows,
)

_LOG_PRIOR_VAR = "log_prior"
_LOG_LIKELIHOOD_VAR = "log_likelihood"


def normal_log_prior(values: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Log density of a Normal(mean, sd) prior at each draw.

    Parameters
    ----------
    values : numpy.ndarray
        Posterior draws of the parameter, e.g. log HR, shape ``(chain, draw)``.
    mean, sd : float
        Prior mean and standard deviation on the same scale.

    Returns
    -------
    numpy.ndarray
        ``log N(values | mean, sd)``, same shape as ``values``.

    """
    if not sd > 0:
        raise InputError.single("prior sd", f"must be positive, got {sd}", "use sd > 0")
    return np.asarray(stats.norm.logpdf(np.asarray(values, dtype=float), loc=mean, scale=sd))


def normal_log_likelihood(values: np.ndarray, estimate: float, se: float) -> np.ndarray:
    """Log-likelihood of a summary-level estimate, ``log N(estimate | values, se)``, per draw.

    Parameters
    ----------
    values : numpy.ndarray
        Posterior draws of the true effect, e.g. log HR, shape ``(chain, draw)``.
    estimate : float
        The observed estimate on the same scale (e.g. the published log HR).
    se : float
        Its standard error.

    Returns
    -------
    numpy.ndarray
        Log-likelihood per draw, same shape as ``values``.

    """
    if not se > 0:
        raise InputError.single("standard error", f"must be positive, got {se}", "use se > 0")
    return np.asarray(stats.norm.logpdf(estimate, loc=np.asarray(values, dtype=float), scale=se))


def psense_fit(
    draws: Mapping[str, np.ndarray],
    log_prior: np.ndarray,
    log_likelihood: np.ndarray,
    *,
    labels: Mapping[str, str] | None = None,
    threshold: float = THRESHOLD,
    round_to: int = 3,
) -> pd.DataFrame:
    """Power-scaling sensitivity of one fit via ``arviz.psense_summary``: the per-fit reference.

    The batched :func:`bayes_netlm.sensitivity.psense_batch.psense_fits` must give these rows
    for each fit of its batch.

    Parameters
    ----------
    draws : mapping of str to numpy.ndarray
        Posterior draws per variable, each of shape ``(chain, draw)``.
    log_prior : numpy.ndarray
        Log prior density per draw, shape ``(chain, draw)``, of the parameters the prior sets
        change (see :func:`normal_log_prior`).
    log_likelihood : numpy.ndarray
        Total log-likelihood per draw, shape ``(chain, draw)``.
    labels : mapping of str to str, optional
        Plain names for the variables in ``reading`` (defaults: ``log_hr`` -> "log HR",
        ``log_or`` -> "log OR"; otherwise the variable name).
    threshold : float, default 0.05
        Sensitivity threshold, ArviZ's default.
    round_to : int, default 3
        Decimals of the sensitivity columns (ArviZ rounds after diagnosing).

    Returns
    -------
    pandas.DataFrame
        One row per variable: ``variable``, ``prior_cjs``, ``likelihood_cjs`` (ArviZ's
        power-scaling sensitivities), ``diagnosis`` (ArviZ's string, verbatim) and ``reading``.

    """
    names = {**DEFAULT_LABELS, **(labels or {})}
    tree = _build_tree(draws, log_prior, log_likelihood)  # validates shapes and values
    if np.ptp(log_prior) < 1e-12:
        return flat_prior_rows(list(draws))
    with _quiet_psense_log():
        raw = az.psense_summary(tree, threshold=threshold, round_to=round_to)
    return table_rows(
        [
            (str(v), float(r["prior"]), float(r["likelihood"]), str(r["diagnosis"]))
            for v, r in raw.iterrows()
        ],
        names,
        threshold,
    )


def _build_tree(
    draws: Mapping[str, np.ndarray], log_prior: np.ndarray, log_likelihood: np.ndarray
) -> xr.DataTree:
    """Validate the arrays and assemble the posterior / log_prior / log_likelihood DataTree."""
    if not draws:
        raise InputError.single("draws", "no posterior variables", "pass at least one variable")
    arrays = {
        **{f"draws[{name!r}]": np.asarray(v, dtype=float) for name, v in draws.items()},
        "log_prior": np.asarray(log_prior, dtype=float),
        "log_likelihood": np.asarray(log_likelihood, dtype=float),
    }
    shape = arrays["log_prior"].shape
    problems = []
    for where, arr in arrays.items():
        if arr.ndim != 2:
            problems.append(Problem(where, f"has shape {arr.shape}", "give shape (chain, draw)"))
        elif arr.shape != shape:
            problems.append(
                Problem(where, f"has shape {arr.shape}, log_prior {shape}", "use one shape")
            )
        elif not np.all(np.isfinite(arr)):
            problems.append(Problem(where, "has non-finite values", "check the draws/densities"))
    if problems:
        raise InputError(problems)
    dims = SAMPLE_DIMS
    return xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset(
                {name: (dims, np.asarray(v, dtype=float)) for name, v in draws.items()}
            ),
            "log_prior": xr.Dataset({_LOG_PRIOR_VAR: (dims, arrays["log_prior"])}),
            "log_likelihood": xr.Dataset({_LOG_LIKELIHOOD_VAR: (dims, arrays["log_likelihood"])}),
        }
    )


class _DropPotentialIssues(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("We detected potential issues")


@contextmanager
def _quiet_psense_log() -> Iterator[None]:
    # psense_summary logs (logging, not warnings) a generic "We detected potential issues ..."
    # pointer whenever a diagnosis starts with "potential". Our ``reading`` column states the
    # issue per variable, so that one message is dropped; other log records pass through.
    logger = logging.getLogger("arviz_stats.psense")
    log_filter = _DropPotentialIssues()
    logger.addFilter(log_filter)
    try:
        yield
    finally:
        logger.removeFilter(log_filter)
