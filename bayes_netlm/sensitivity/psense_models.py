"""Per-draw log prior and log-likelihood of each model's fits, for power-scaling sensitivity.

The prior that is power-scaled is the prior a prior set changes: on log HR (summary-level and
Weibull models), on the log OR or on both rates (rate models). Log-likelihoods are recomputed
in NumPy from the same formulas as the models (see their modules' docstrings). Each function
builds the per-draw densities of every fit of a batch and hands them to
:func:`bayes_netlm.sensitivity.psense_batch.psense_fits`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats

from bayes_netlm.evidence.collapse import collapse
from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.modeling.hazard_ratio import HazardRatioEvidence
from bayes_netlm.modeling.weibull import SurvivalFit, model_data
from bayes_netlm.priors import BetaPrior, NormalPrior, RatePrior
from bayes_netlm.sensitivity.psense_batch import psense_fits

__all__ = ["hazard_ratio_psense", "rates_psense", "weibull_psense"]

Densities = Callable[[str, str, xr.Dataset], tuple[np.ndarray, np.ndarray]]


def _psense(posterior: xr.Dataset, variable: str, densities: Densities) -> pd.DataFrame:
    """Psense of every fit: ``densities(endpoint, prior_name, fit)`` gives (log prior, log lik)."""
    log_prior, log_likelihood = [], []
    for label in posterior["fit"].values:
        endpoint, prior_name = str(label).split("|", 1)
        fit = posterior.sel(fit=label).transpose("chain", "draw", ...)
        prior_values, likelihood_values = densities(endpoint, prior_name, fit)
        log_prior.append(xr.DataArray(prior_values, dims=("chain", "draw")))
        log_likelihood.append(xr.DataArray(likelihood_values, dims=("chain", "draw")))
    fits = posterior["fit"]
    return psense_fits(
        posterior[[variable]].transpose("chain", "draw", "fit"),
        xr.concat(log_prior, dim=fits).transpose("chain", "draw", "fit"),
        xr.concat(log_likelihood, dim=fits).transpose("chain", "draw", "fit"),
    )


def hazard_ratio_psense(
    posterior: xr.Dataset,
    evidence: Sequence[HazardRatioEvidence],
    priors: Mapping[str, NormalPrior],
) -> pd.DataFrame:
    """Power-scaling diagnostics of every summary-level fit (Normal prior, Normal likelihood)."""
    by_name = {e.name: e for e in evidence}

    def densities(endpoint: str, prior_name: str, fit: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
        prior, data = priors[prior_name], by_name[endpoint].data
        draws = fit["log_hr"].values
        return (
            stats.norm.logpdf(draws, prior.mean, prior.sd),
            stats.norm.logpdf(data.estimate, draws, data.sampling_se),
        )

    return _psense(posterior, "log_hr", densities)


def _interval_loglik(p: np.ndarray, low: int, high: int, n: int) -> np.ndarray:
    k = np.arange(low, high + 1)
    return special.logsumexp(stats.binom.logpmf(k, n, p[..., None]), axis=-1)


def rates_psense(
    posteriors: Mapping[str, xr.DataTree],
    comparisons: Sequence[RateEvidence],
    priors: Mapping[str, RatePrior],
    per_endpoint: Mapping[str, Mapping[str, RatePrior]] | None = None,
) -> pd.DataFrame:
    """Power-scaling diagnostics of every rate fit (both prior families).

    ``per_endpoint`` (comparison -> prior name -> prior) overrides ``priors`` where it has the
    comparison, as in :func:`bayes_netlm.modeling.rates.fit_rates`.
    """
    by_name = {c.name: c for c in comparisons}
    overrides = per_endpoint or {}

    def densities(endpoint: str, prior_name: str, fit: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
        prior, counts = overrides.get(endpoint, priors)[prior_name], by_name[endpoint]
        p_i, p_r = fit["p_index"].values, fit["p_reference"].values
        if isinstance(prior, BetaPrior):
            log_prior = stats.beta.logpdf(p_i, prior.a, prior.b) + stats.beta.logpdf(
                p_r, prior.a, prior.b
            )
        else:
            log_prior = stats.norm.logpdf(fit["log_or"].values, prior.mean, prior.sd)
        log_likelihood = _interval_loglik(
            p_i, counts.index.low, counts.index.high, counts.index.n
        ) + _interval_loglik(p_r, counts.reference.low, counts.reference.high, counts.reference.n)
        return log_prior, log_likelihood

    frames = []
    for tree in posteriors.values():
        posterior = tree.posterior.to_dataset()
        # the Beta family scales the prior on both rates (summarised by RD), log-OR the log OR
        variable = "log_or" if "log_or" in posterior else "rd"
        frames.append(_psense(posterior, variable, densities))
    return pd.concat(frames, ignore_index=True)


def _weibull_loglik(fit: xr.Dataset, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Weighted censored Weibull log-likelihood per draw of the data the model was given.

    ``values`` are the model's inputs (:func:`~bayes_netlm.modeling.weibull.model_data`): the
    collapsed rows with their weights and, with covariates, the standardised design, whose term
    ``design @ gamma`` joins the linear predictor. Within each group the shape is one number per
    draw, so the terms linear in the events are summed over rows once and each row costs one
    exponential per draw.
    """
    log_lambda0, log_k = fit["log_lambda0"].values, fit["log_k"].values
    delta = fit["delta_log_k"].values * values["group_shape"]
    beta = fit["beta"].values
    gamma = fit["gamma"].values if "design" in values else None  # (chain, draw, covariate)
    weighted_events = values["weight"] * values["event"]
    total = np.zeros_like(log_lambda0)
    for group in (0.0, 1.0):
        rows = values["group"] == group
        log_time, weight = values["log_time"][rows], values["weight"][rows]
        log_k_group = log_k + delta * group
        k = np.exp(log_k_group)
        eta = beta * group
        exponent = k[..., None] * (log_time - log_lambda0[..., None]) + eta[..., None]
        events = weighted_events[rows]
        total += np.sum(events) * (log_k_group - k * log_lambda0 + eta) + (k - 1) * (
            events @ log_time
        )
        if gamma is not None:
            x_gamma = gamma @ np.ascontiguousarray(values["design"][rows].T)
            exponent += x_gamma
            total += x_gamma @ events
        total -= np.exp(exponent) @ weight
    return total


def weibull_psense(
    posterior: xr.Dataset, fits: Sequence[SurvivalFit], priors: Mapping[str, NormalPrior]
) -> pd.DataFrame:
    """Power-scaling diagnostics of every Weibull fit.

    The prior scaled is the one on ``log_hr``, the log HR at each fit's reference time. The
    likelihood is that of the model's own inputs, covariates included.
    """
    by_name = {f.name: f for f in fits}
    covariates = [str(c) for c in posterior["covariate"].values] if "gamma" in posterior else []
    collapsed = {f.name: collapse(f.data) for f in fits}

    def densities(endpoint: str, prior_name: str, fit: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
        prior = priors[prior_name]
        rows = collapsed[endpoint]
        values = model_data(by_name[endpoint], prior, rows.counts.size, covariates, rows)
        log_prior = stats.norm.logpdf(fit["log_hr"].values, prior.mean, prior.sd)
        return log_prior, _weibull_loglik(fit, values)

    return _psense(posterior, "log_hr", densities)
