"""Per-draw log prior and log-likelihood of each model's fits, for power-scaling sensitivity.

The prior that is power-scaled is the prior a prior set changes: on log HR (summary-level and
Weibull models), on the log OR or on both rates (rate models). Log-likelihoods are recomputed
in NumPy from the same formulas as the models (see their modules' docstrings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats

from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.modeling.hazard_ratio import HazardRatioEvidence
from bayes_netlm.modeling.weibull import SurvivalFit
from bayes_netlm.power_scaling import psense_fit
from bayes_netlm.priors import BetaPrior, NormalPrior, RatePrior

__all__ = ["hazard_ratio_psense", "rates_psense", "weibull_psense"]


def _split(label: str) -> tuple[str, str]:
    endpoint, prior = label.split("|", 1)
    return endpoint, prior


def hazard_ratio_psense(
    posterior: xr.Dataset,
    evidence: Sequence[HazardRatioEvidence],
    priors: Mapping[str, NormalPrior],
) -> pd.DataFrame:
    """Power-scaling diagnostics of every summary-level fit (Normal prior, Normal likelihood)."""
    by_name = {e.name: e for e in evidence}
    rows = []
    for label in posterior["fit"].values:
        endpoint, prior_name = _split(str(label))
        prior, data = priors[prior_name], by_name[endpoint].data
        draws = posterior["log_hr"].sel(fit=label).values
        log_prior = stats.norm.logpdf(draws, prior.mean, prior.sd)
        log_likelihood = stats.norm.logpdf(data.estimate, draws, data.sampling_se)
        rows.append(psense_fit({"log_hr": draws}, log_prior, log_likelihood).assign(fit=label))
    return pd.concat(rows, ignore_index=True)


def _interval_loglik(p: np.ndarray, low: int, high: int, n: int) -> np.ndarray:
    k = np.arange(low, high + 1)
    return special.logsumexp(stats.binom.logpmf(k, n, p[..., None]), axis=-1)


def rates_psense(
    posteriors: Mapping[str, xr.DataTree],
    comparisons: Sequence[RateEvidence],
    priors: Mapping[str, RatePrior],
    baseline: NormalPrior,
) -> pd.DataFrame:
    """Power-scaling diagnostics of every rate fit (both prior families)."""
    by_name = {c.name: c for c in comparisons}
    rows = []
    for tree in posteriors.values():
        posterior = tree.posterior.to_dataset()
        for label in posterior["fit"].values:
            endpoint, prior_name = _split(str(label))
            prior, counts = priors[prior_name], by_name[endpoint]
            fit = posterior.sel(fit=label)
            p_i, p_r = fit["p_index"].values, fit["p_reference"].values
            if isinstance(prior, BetaPrior):
                log_prior = stats.beta.logpdf(p_i, prior.a, prior.b) + stats.beta.logpdf(
                    p_r, prior.a, prior.b
                )
                draws = {"rd": fit["rd"].values}
            else:
                log_or = fit["log_or"].values
                log_prior = stats.norm.logpdf(log_or, prior.mean, prior.sd)
                draws = {"log_or": log_or}
            log_likelihood = _interval_loglik(
                p_i, counts.index.low, counts.index.high, counts.index.n
            ) + _interval_loglik(
                p_r, counts.reference.low, counts.reference.high, counts.reference.n
            )
            rows.append(psense_fit(draws, log_prior, log_likelihood).assign(fit=label))
    return pd.concat(rows, ignore_index=True)


def _weibull_loglik(fit: xr.Dataset, survival: SurvivalFit) -> np.ndarray:
    data = survival.data
    log_lambda0 = fit["log_lambda0"].values[..., None]
    log_k = fit["log_k"].values[..., None]
    if survival.group_shape:
        log_k = log_k + fit["delta_log_k"].values[..., None] * data.index
    eta = fit["log_hr"].values[..., None] * data.index
    z = np.log(data.time) - log_lambda0
    k = np.exp(log_k)
    log_hazard = log_k - log_lambda0 + (k - 1) * z + eta
    return np.sum(data.event * log_hazard - np.exp(k * z + eta), axis=-1)


def weibull_psense(
    posterior: xr.Dataset, fits: Sequence[SurvivalFit], priors: Mapping[str, NormalPrior]
) -> pd.DataFrame:
    """Power-scaling diagnostics of every Weibull fit (the prior on log HR is scaled)."""
    by_name = {f.name: f for f in fits}
    rows = []
    for label in posterior["fit"].values:
        endpoint, prior_name = _split(str(label))
        prior = priors[prior_name]
        fit = posterior.sel(fit=label)
        draws = fit["log_hr"].values
        log_prior = stats.norm.logpdf(draws, prior.mean, prior.sd)
        log_likelihood = _weibull_loglik(fit, by_name[endpoint])
        rows.append(psense_fit({"log_hr": draws}, log_prior, log_likelihood).assign(fit=label))
    return pd.concat(rows, ignore_index=True)
