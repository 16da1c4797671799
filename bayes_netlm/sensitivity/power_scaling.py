"""Power-scaling prior and likelihood sensitivity for the toolkit's MCMC fits.

Kallioinen et al. (2024, *Stat Comput* 34:57, https://doi.org/10.1007/s11222-023-10366-5)
perturb the posterior by raising the prior (or the likelihood) to a power ``alpha`` near 1 and
measure how far the posterior moves, with Pareto-smoothed importance weights (no refit). ArviZ
(``arviz_stats.psense_summary``, arviz-stats 1.3.3) reports, per posterior variable, the
*sensitivity*: the cumulative Jensen-Shannon (CJS) distance between the perturbed and the original
posterior divided by ``|log2 alpha|`` (average of ``alpha = 0.99`` and ``1.01``). These are the
``prior_cjs`` and ``likelihood_cjs`` columns here.

Thresholds and diagnoses are ArviZ's own (``threshold=0.05``, the paper's value), verbatim:

- ``"potential prior-data conflict"``: prior >= 0.05 **and** likelihood >= 0.05;
- ``"potential strong prior / weak likelihood"``: prior > 0.05 > likelihood;
- ``"✓"``: otherwise (no issue flagged).

The ``reading`` column turns the diagnosis into one sentence for a clinician. For ``"✓"`` it
distinguishes *the data dominate* (likelihood >= threshold) from *neither moves the posterior*
(both below: typical of a parameter whose prior is not in ``log_prior``, e.g. a nuisance
parameter, with a weak likelihood).

Only the log prior density of the parameters the prior sets change (log HR, log OR) needs to go
in ``log_prior``: priors of other parameters are held fixed, which is exactly the question the
prior sets ask. ``log_likelihood`` is the total log-likelihood per draw.

Batched fits (posterior dims ``(chain, draw, fit)``) must be analysed one fit at a time
(:func:`bayes_netlm.sensitivity.psense_batch.psense_fits`, tested against :func:`psense_fit`
here): ArviZ sums the log prior and log-likelihood over every non-sample
dimension, so one DataTree holding all fits would weight each fit's draws by the other fits'
densities.
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

__all__ = [
    "DIAGNOSIS_CONFLICT",
    "DIAGNOSIS_OK",
    "DIAGNOSIS_STRONG_PRIOR",
    "THRESHOLD",
    "DEFAULT_LABELS",
    "SAMPLE_DIMS",
    "diagnosis",
    "flat_prior_rows",
    "normal_log_likelihood",
    "normal_log_prior",
    "psense_fit",
    "table_rows",
]

#: ArviZ's default sensitivity threshold (``psense_summary(threshold=0.05)``).
THRESHOLD = 0.05
#: ArviZ's diagnosis strings (arviz-stats 1.3.3), verbatim.
DIAGNOSIS_CONFLICT = "potential prior-data conflict"
DIAGNOSIS_STRONG_PRIOR = "potential strong prior / weak likelihood"
DIAGNOSIS_OK = "✓"

COLUMNS = ["variable", "prior_cjs", "likelihood_cjs", "diagnosis", "reading"]
SAMPLE_DIMS = ("chain", "draw")
#: plain names of variables in the ``reading`` column
DEFAULT_LABELS = {"log_hr": "log HR", "log_or": "log OR", "hr": "HR", "or": "OR"}
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
    """Power-scaling sensitivity of one fit, via ``arviz.psense_summary``.

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


def diagnosis(prior: float, likelihood: float, threshold: float) -> str:
    """ArviZ's diagnosis rule (``psense_summary``), on the unrounded sensitivities."""
    if prior >= threshold and likelihood >= threshold:
        return DIAGNOSIS_CONFLICT
    if prior > threshold > likelihood:
        return DIAGNOSIS_STRONG_PRIOR
    return DIAGNOSIS_OK


def flat_prior_rows(variables: list[str]) -> pd.DataFrame:
    """The rows of a flat prior (e.g. Beta(1, 1) on both rates).

    Power-scaling it changes nothing, and ArviZ's Pareto smoothing cannot take constant weights.
    """
    flat = (
        "flat prior: power-scaling cannot perturb it, so this diagnostic is silent about "
        "prior dependence; the flat prior is still a choice that can drive the answer "
        "(compare the Jeffreys and informative priors)"
    )
    return pd.DataFrame(
        [
            {
                "variable": v,
                "prior_cjs": 0.0,
                "likelihood_cjs": np.nan,
                "diagnosis": "flat prior",
                "reading": flat,
            }
            for v in variables
        ],
        columns=COLUMNS,
    )


def table_rows(
    values: list[tuple[str, float, float, str]],
    names: Mapping[str, str],
    threshold: float,
    round_to: int | None = None,
) -> pd.DataFrame:
    """The table rows of ``(variable, prior, likelihood, diagnosis)``, rounded if asked."""
    rows = []
    for name, prior, likelihood, diagnosis in values:
        if round_to is not None:
            # as pandas' DataFrame.round in psense_summary
            prior = float(np.round(prior, round_to))
            likelihood = float(np.round(likelihood, round_to))
        rows.append(
            {
                "variable": name,
                "prior_cjs": prior,
                "likelihood_cjs": likelihood,
                "diagnosis": diagnosis,
                "reading": _reading(diagnosis, likelihood, threshold, names.get(name, name)),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


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


def _reading(diagnosis: str, likelihood: float, threshold: float, name: str) -> str:
    """One plain-language sentence for ArviZ's diagnosis of one variable."""
    if diagnosis == DIAGNOSIS_CONFLICT:
        return (
            f"potential prior-data conflict (ArviZ): scaling the prior and scaling the likelihood"
            f" both move the posterior of {name}; the answer depends on the prior"
        )
    if diagnosis == DIAGNOSIS_STRONG_PRIOR:
        return (
            f"the prior dominates and the data are weak: the posterior of {name} mostly"
            " restates the prior"
        )
    if diagnosis == DIAGNOSIS_OK:
        if likelihood >= threshold:
            return f"the data dominate: scaling the prior barely moves the posterior of {name}"
        return (
            f"neither scaling the prior nor the likelihood moves the posterior of {name}"
            " noticeably: it is not informed by this prior or these data"
        )
    raise RuntimeError(f"unknown ArviZ psense diagnosis {diagnosis!r}; update power_scaling.py")


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
