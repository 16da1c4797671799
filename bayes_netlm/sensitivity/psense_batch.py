"""Power-scaling sensitivity of a batch of fits in one pass of ArviZ's array functions.

:func:`psense_fits` gives, for every fit of a ``(chain, draw, fit)`` batch, the sensitivities and
diagnoses ``arviz.psense_summary`` gives for that fit alone (tested to 1e-10 against it, one fit
at a time, in the tests), without building one DataTree per fit: the steps of
``arviz_stats.psense`` are applied through ArviZ's array functions, which loop over the fit
dimension themselves. Fits with a flat prior get the flat-prior rows (power-scaling cannot
perturb a constant).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import count

import numpy as np
import pandas as pd
import xarray as xr

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.sensitivity.power_scaling import (
    DEFAULT_LABELS,
    SAMPLE_DIMS,
    THRESHOLD,
    diagnosis,
    flat_prior_rows,
    table_rows,
)

__all__ = ["ALPHAS", "psense_fits"]

#: ArviZ's power-scaling perturbations (``psense_summary(alphas=(0.99, 1.01))``)
ALPHAS = (0.99, 1.01)


def psense_fits(
    posterior: xr.Dataset,
    log_prior: xr.DataArray,
    log_likelihood: xr.DataArray,
    *,
    fit_dim: str = "fit",
    labels: Mapping[str, str] | None = None,
    threshold: float = THRESHOLD,
    round_to: int = 3,
) -> pd.DataFrame:
    """Power-scaling sensitivity of every fit of a batch, one fit at a time.

    Parameters
    ----------
    posterior : xarray.Dataset
        Posterior variables with dims ``(chain, draw, fit)``, one independent fit per label.
    log_prior, log_likelihood : xarray.DataArray
        Per-draw log prior density and total log-likelihood, dims ``(chain, draw, fit)``.
    fit_dim : str, default "fit"
        Name of the batch dimension.
    labels : mapping of str to str, optional
        Plain names for the variables in ``reading`` (defaults: ``log_hr`` -> "log HR",
        ``log_or`` -> "log OR", ``hr`` -> "HR", ``or`` -> "OR"; otherwise the variable name).
    threshold : float, default 0.05
        Sensitivity threshold, ArviZ's default.
    round_to : int, default 3
        Decimals of the sensitivity columns (rounded after diagnosing, as ArviZ does).

    Returns
    -------
    pandas.DataFrame
        One row per fit and variable: ``fit``, ``variable``, ``prior_cjs``, ``likelihood_cjs``
        (ArviZ's power-scaling sensitivities), ``diagnosis`` (ArviZ's string, verbatim, or
        ``"flat prior"``) and ``reading``.

    """
    names = {**DEFAULT_LABELS, **(labels or {})}
    order = (*SAMPLE_DIMS, fit_dim)
    _check_batch(
        [
            *((f"posterior variable {n!r}", posterior[n]) for n in posterior.data_vars),
            ("log_prior", log_prior),
            ("log_likelihood", log_likelihood),
        ],
        order,
    )
    posterior = posterior.transpose(*order)
    log_prior, log_likelihood = log_prior.transpose(*order), log_likelihood.transpose(*order)
    flat = np.ptp(log_prior.values, axis=(0, 1)) < 1e-12
    # flat priors cannot be power-scaled (constant weights): they are left out of ArviZ's part
    scaled = {fit_dim: np.flatnonzero(~flat)}
    sensitivity = {
        component: _sensitivity(posterior.isel(scaled), density.isel(scaled))
        for component, density in (("prior", log_prior), ("likelihood", log_likelihood))
        if not flat.all()
    }
    frames = []
    scaled_at = count()  # position among the scaled fits, in order
    for label, is_flat in zip(posterior[fit_dim].values, flat, strict=True):
        if is_flat:
            frame = flat_prior_rows([str(n) for n in posterior.data_vars])
        else:
            at = next(scaled_at)
            values = []
            for name in posterior.data_vars:
                prior = float(sensitivity["prior"][name].values[at])
                likelihood = float(sensitivity["likelihood"][name].values[at])
                values.append(
                    (str(name), prior, likelihood, diagnosis(prior, likelihood, threshold))
                )
            frame = table_rows(values, names, threshold, round_to)
        frame.insert(0, fit_dim, label.item() if isinstance(label, np.generic) else label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _check_batch(arrays: list[tuple[str, xr.DataArray]], order: tuple[str, ...]) -> None:
    """Each array has exactly the dims ``order`` (in any order) and finite values in every fit."""
    problems = [
        Problem(where, f"has dims {tuple(arr.dims)}", f"give dims exactly {order}")
        for where, arr in arrays
        if set(arr.dims) != set(order)
    ]
    if problems:
        raise InputError(problems)
    for where, arr in arrays:
        bad = ~np.isfinite(arr.transpose(*order).values).all(axis=(0, 1))
        if bad.any():
            fits = ", ".join(str(f) for f in arr[order[-1]].values[bad])
            raise InputError.single(where, f"has non-finite values in fits {fits}", "check them")


def _sensitivity(posterior: xr.Dataset, density: xr.DataArray) -> xr.Dataset:
    """ArviZ's power-scaling sensitivity of every variable, for every fit at once.

    The steps of ``arviz_stats.psense`` (Pareto-smoothed log weights of ``(alpha - 1) * density``
    normalised over the draws, then the CJS distance per variable), applied through ArviZ's array
    functions, which loop over the fit dimension themselves, instead of one DataTree per fit.
    """
    weights = []
    for alpha in ALPHAS:
        w = np.exp(density.azstats.power_scale_lw(alpha=alpha, dim=list(SAMPLE_DIMS)))
        weights.append(w / w.sum(SAMPLE_DIMS))
    result: xr.Dataset = posterior.azstats.power_scale_sense(
        lower_w=weights[0],
        upper_w=weights[1],
        lower_alpha=ALPHAS[0],
        upper_alpha=ALPHAS[1],
        sample_dims=list(SAMPLE_DIMS),
    )
    return result
