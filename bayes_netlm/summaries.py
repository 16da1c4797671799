"""Probability-of-difference summaries: posterior draws (or exact posteriors) in, tidy rows out.

Pure functions, no I/O. Every summary is a dict ``quantity -> Estimate``: effects carry their
posterior median and 95 % equal-tailed interval, probabilities only a value. Summaries computed from
MCMC draws also carry the Monte Carlo standard error (ArviZ ``mcse``, which accounts for
autocorrelation within chains) of the value and of both interval limits; exact summaries carry NaN
there. Draws are passed as ``(chain, draw)`` arrays so the MCSE can see the chains (a 1-D array is
taken as one chain). The keys are stable names; :func:`quantity_label` turns them into the words a
reader sees.

Sign convention: HR = hazard(index) / hazard(reference), so HR < 1 favours the index (cystic) group;
RD = p_index - p_reference, RR = p_index / p_reference, OR on the odds.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple, Protocol

import numpy as np
from arviz_stats.base import array_stats
from scipy import stats

from bayes_netlm.priors import ClinicalThresholds, NormalPrior

__all__ = [
    "Estimate",
    "HR_QUANTITIES",
    "RATE_QUANTITIES",
    "Summary",
    "hr_summary_exact",
    "hr_summary_from_distribution",
    "hr_summary_from_draws",
    "interval_from_draws",
    "probability_from_draws",
    "quantity_label",
    "rates_summary_exact",
    "rates_summary_from_draws",
]

NAN = float("nan")


class Estimate(NamedTuple):
    """One summary quantity: value (median or probability), 95 % limits and their MCSEs."""

    value: float
    lower: float = NAN
    upper: float = NAN
    mcse_value: float = NAN
    mcse_lower: float = NAN
    mcse_upper: float = NAN


Summary = dict[str, Estimate]

HR_QUANTITIES = ("hr", "p_below_1", "p_benefit", "p_harm", "p_equivalent")
RATE_QUANTITIES = (
    "rd",
    "rr",
    "or",
    "p_rd_above_0",
    "p_rd_above_important",
    "p_rd_below_minus_important",
    "p_rd_equivalent",
    "p_rr_below_1",
)


SURVIVAL_LABELS = {
    "k_reference": "Weibull shape, solid",
    "k_index": "Weibull shape, cystic",
    "median_reference": "Median {outcome}, solid (years)",
    "median_index": "Median {outcome}, cystic (years)",
    "time_ratio": "Time ratio (median cystic / solid)",
    "rmst_reference": "Restricted mean {outcome}, solid (years)",
    "rmst_index": "Restricted mean {outcome}, cystic (years)",
    "rmst_difference": "RMST difference, cystic - solid (years)",
    "p_rmst_difference_above_0": "P(RMST difference > 0): longer {outcome} in cystic",
}


def _weibull_label(quantity: str) -> str | None:
    """Labels of the Weibull quantities at a horizon: HR(t) and S(t) differences."""
    for pattern, text in (
        (r"hr_at_(.+)", "HR at {} (cystic vs solid)"),
        (r"survival_difference_(.+)", "Difference in S({}), cystic - solid"),
        (r"p_survival_difference_(.+)_above_0", "P(S({}) higher in cystic)"),
    ):
        match = re.fullmatch(pattern, quantity)
        if match:
            years = match.group(1)
            return text.format(f"{years} year" if years == "1" else f"{years} years")
    return None


def quantity_label(
    quantity: str, clinical: ClinicalThresholds, hr: str = "HR", outcome: str = "survival"
) -> str:
    """Plain-language name of a summary quantity, with its thresholds filled in.

    ``hr`` names the hazard ratio of the HR quantities, e.g. ``"HR at 1 year"`` for a Weibull fit
    with a group-specific shape, whose HR changes over time. ``outcome`` names the endpoint in the
    survival quantities (``"overall survival"``, ``"hepatic progression-free survival"``), so a
    progression endpoint is never worded as if it were about death.
    """
    if quantity in SURVIVAL_LABELS:
        return SURVIVAL_LABELS[quantity].format(outcome=outcome)
    weibull = _weibull_label(quantity)
    if weibull is not None:
        return weibull
    if quantity in HR_QUANTITIES and hr != "HR":
        # a hazard ratio at one time compares the hazards then, not who does better overall:
        # with crossing hazards the survival curves can favour the other group at that time
        probability = quantity_label(quantity, clinical).split(":")[0].replace("HR", hr)
        return {
            "hr": f"{hr} (cystic vs solid)",
            "p_below_1": f"{probability}: lower hazard in cystic at that time",
            "p_benefit": f"{probability}: clinically important lower hazard at that time",
            "p_harm": f"{probability}: clinically important higher hazard at that time",
            "p_equivalent": f"{probability}: practically equivalent hazards at that time",
        }[quantity]
    if quantity.startswith("survival_"):
        _, group, horizon = quantity.split("_")
        name = "solid" if group == "reference" else "cystic"
        years = "year" if float(horizon) == 1 else "years"
        return f"{outcome[0].upper()}{outcome[1:]} at {horizon} {years}, {name}"
    lo, hi = clinical.hr_equivalence
    rd, eq = clinical.rd_important, clinical.rd_equivalence
    return {
        "hr": "HR (cystic vs solid)",
        "p_below_1": "P(HR < 1): cystic better",
        "p_benefit": f"P(HR < {clinical.hr_important:g}): clinically important benefit",
        "p_harm": f"P(HR > {clinical.hr_harm:.3g}): clinically important harm",
        "p_equivalent": f"P({lo:g} < HR < {hi:g}): practically equivalent",
        "rd": "Risk difference (cystic - solid)",
        "rr": "Risk ratio (cystic / solid)",
        "or": "Odds ratio (cystic vs solid)",
        "p_rd_above_0": "P(RD > 0): higher in cystic",
        "p_rd_above_important": f"P(RD > {rd:g}): important excess in cystic",
        "p_rd_below_minus_important": f"P(RD < -{rd:g}): important deficit in cystic",
        "p_rd_equivalent": f"P(|RD| < {eq:g}): practically equivalent",
        "p_rr_below_1": "P(RR < 1): lower in cystic",
    }[quantity]


def _chains(draws: np.ndarray) -> np.ndarray:
    """Draws as a ``(chain, draw)`` array; a flat array is one chain."""
    draws = np.asarray(draws, dtype=float)
    return draws.reshape(1, -1) if draws.ndim == 1 else draws.reshape(draws.shape[0], -1)


def _mcse(draws: np.ndarray, method: str, prob: float | None = None) -> float:
    return float(array_stats.mcse(draws, chain_axis=0, draw_axis=1, method=method, prob=prob))


def interval_from_draws(draws: np.ndarray) -> Estimate:
    """Posterior median and 95 % equal-tailed interval of ``(chain, draw)`` draws, with MCSEs."""
    chains = _chains(draws)
    median, lower, upper = np.quantile(chains, [0.5, 0.025, 0.975])
    return Estimate(
        float(median),
        float(lower),
        float(upper),
        _mcse(chains, "quantile", 0.5),
        _mcse(chains, "quantile", 0.025),
        _mcse(chains, "quantile", 0.975),
    )


def probability_from_draws(event: np.ndarray) -> Estimate:
    """Posterior probability of an event from its ``(chain, draw)`` indicator draws, with MCSE.

    When no draw (or every draw) has the event the estimate is 0 (or 1) and its MCSE cannot be
    estimated from the draws (their variance is 0, which would claim an exact answer): it is
    NaN then. The exact probability may still be of the order of 1 / effective sample size.
    """
    chains = _chains(event)
    probability = float(np.mean(chains))
    if probability in (0.0, 1.0):
        return Estimate(probability, mcse_value=float("nan"))
    return Estimate(probability, mcse_value=_mcse(chains, "mean"))


def _probability(value: float | np.floating) -> Estimate:
    return Estimate(float(value))


def hr_summary_from_draws(log_hr: np.ndarray, clinical: ClinicalThresholds) -> Summary:
    """Summaries of the hazard ratio from ``(chain, draw)`` posterior draws of log HR."""
    hr = np.exp(_chains(log_hr))
    lo, hi = clinical.hr_equivalence
    return {
        "hr": interval_from_draws(hr),
        "p_below_1": probability_from_draws(hr < 1),
        "p_benefit": probability_from_draws(hr < clinical.hr_important),
        "p_harm": probability_from_draws(hr > clinical.hr_harm),
        "p_equivalent": probability_from_draws((hr > lo) & (hr < hi)),
    }


class LogHRDistribution(Protocol):
    """Any exact posterior of log HR: distribution and quantile functions (scipy's names)."""

    def cdf(self, x: float) -> float: ...  # noqa: D102

    def sf(self, x: float) -> float: ...  # noqa: D102

    def ppf(self, q: np.ndarray) -> np.ndarray: ...  # noqa: D102


def hr_summary_from_distribution(dist: LogHRDistribution, clinical: ClinicalThresholds) -> Summary:
    """HR summaries from any exact posterior of log HR (a Normal, a Normal mixture, ...)."""
    lo, hi = clinical.hr_equivalence
    quantiles = np.exp(np.asarray(dist.ppf(np.array([0.5, 0.025, 0.975])), dtype=float))
    return {
        "hr": Estimate(float(quantiles[0]), float(quantiles[1]), float(quantiles[2])),
        "p_below_1": _probability(dist.cdf(0.0)),
        "p_benefit": _probability(dist.cdf(math.log(clinical.hr_important))),
        "p_harm": _probability(dist.sf(math.log(clinical.hr_harm))),
        "p_equivalent": _probability(dist.cdf(math.log(hi)) - dist.cdf(math.log(lo))),
    }


def hr_summary_exact(posterior: NormalPrior, clinical: ClinicalThresholds) -> Summary:
    """The same summaries from an exact Normal posterior of log HR."""
    return hr_summary_from_distribution(stats.norm(posterior.mean, posterior.sd), clinical)


def rates_summary_from_draws(
    p_index: np.ndarray, p_reference: np.ndarray, clinical: ClinicalThresholds
) -> Summary:
    """Summaries of RD, RR and OR from paired ``(chain, draw)`` posterior draws of the two rates."""
    p_i, p_r = _chains(p_index), _chains(p_reference)
    rd = p_i - p_r
    rr = p_i / p_r
    odds_ratio = (p_i / (1 - p_i)) / (p_r / (1 - p_r))
    important, margin = clinical.rd_important, clinical.rd_equivalence
    return {
        "rd": interval_from_draws(rd),
        "rr": interval_from_draws(rr),
        "or": interval_from_draws(odds_ratio),
        "p_rd_above_0": probability_from_draws(rd > 0),
        "p_rd_above_important": probability_from_draws(rd > important),
        "p_rd_below_minus_important": probability_from_draws(rd < -important),
        "p_rd_equivalent": probability_from_draws(np.abs(rd) < margin),
        "p_rr_below_1": probability_from_draws(rr < 1),
    }


def rates_summary_exact(effects: dict[str, float]) -> Summary:
    """Rename the output of :func:`bayes_netlm.modeling.rates.exact_effects` to summary keys."""
    summary: Summary = {
        effect: Estimate(
            effects[f"{effect}_median"],
            effects[f"{effect}_lower"],
            effects[f"{effect}_upper"],
        )
        for effect in ("rd", "rr", "or")
    }
    for key, source in (
        ("p_rd_above_0", "rd_above_0"),
        ("p_rd_above_important", "rd_above_important"),
        ("p_rd_below_minus_important", "rd_below_minus_important"),
        ("p_rd_equivalent", "rd_equivalent"),
        ("p_rr_below_1", "rr_below_1"),
    ):
        summary[key] = _probability(effects[source])
    return summary
