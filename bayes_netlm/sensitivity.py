r"""Prior sensitivity of the log hazard ratio: grids over the prior, reweighting, tipping points.

For a Normal prior :math:`N(m, s^2)` on :math:`\beta = \log HR`:

- **Summary-level model**: the posterior is exactly Normal (conjugate), so every grid cell and
  tipping point is exact (:func:`exact_probability`).
- **Weibull model**: the prior on :math:`\beta` is independent of the baseline parameters, so a
  posterior under prior :math:`p_1` is the posterior under :math:`p_0` reweighted by
  :math:`p_1(\beta) / p_0(\beta)`. The weights are Pareto-smoothed (PSIS); where the Pareto
  :math:`\hat k` exceeds 0.7 the reweighting is unreliable and the cell is refitted with the
  compiled model instead (:func:`weibull_probability`).

Tipping points: for a conclusion "P(HR < c) > level" the prior SD at which it flips, for priors
centred on no effect (skeptical), on the important benefit (enthusiastic) or on the mirrored harm
(pessimistic), found by root finding on the SD (:func:`tipping_point`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from arviz_stats.base import array_stats
from scipy import optimize, special, stats

from bayes_netlm.modeling.hazard_ratio import LogHazardRatio, conjugate_posterior
from bayes_netlm.priors import ClinicalThresholds, NormalPrior

__all__ = [
    "KHAT_MAX",
    "likelihood_approximation",
    "WeibullSweep",
    "Conclusion",
    "Reweighted",
    "conclusions",
    "exact_probability",
    "grid_table",
    "reweight",
    "tipping_point",
    "tipping_table",
]

KHAT_MAX = 0.7
ESS_MIN = 400
SD_RANGE = (1e-3, 20.0)


@dataclass(frozen=True)
class Conclusion:
    """A statement "P(HR < threshold) > level" that a reader may draw."""

    threshold: float
    level: float

    @property
    def text(self) -> str:
        """The statement in words."""
        return f"P(HR < {self.threshold:g}) > {self.level:g}"


def conclusions(clinical: ClinicalThresholds) -> list[Conclusion]:
    """The default conclusions: cystic better (HR < 1) or importantly better, at three levels."""
    return [
        Conclusion(1.0, 0.5),
        Conclusion(1.0, 0.8),
        Conclusion(1.0, 0.95),
        Conclusion(clinical.hr_important, 0.5),
    ]


def exact_probability(data: LogHazardRatio, prior: NormalPrior, threshold: float) -> float:
    """P(HR < threshold) under the exact conjugate posterior."""
    post = conjugate_posterior(prior, data)
    return float(stats.norm.cdf(math.log(threshold), post.mean, post.sd))


@dataclass(frozen=True)
class Reweighted:
    """Probabilities under a new prior from importance weights, with the PSIS diagnostic."""

    probability: float
    khat: float
    ess: float

    @property
    def reliable(self) -> bool:
        """Pareto k-hat at most 0.7 (Vehtari et al. 2024) and at least 400 effective draws.

        k-hat alone judges the weights' tail; a probability of a region the old posterior
        barely visits also needs enough effective draws, else it rests on a handful of them.
        """
        return self.khat <= KHAT_MAX and self.ess >= ESS_MIN


def reweight(
    log_hr: np.ndarray, old: NormalPrior, new: NormalPrior, threshold: float
) -> Reweighted:
    """P(HR < threshold) under ``new`` from draws made under ``old``, by PSIS.

    Valid when the prior on log HR is independent of the other parameters, as in the Weibull model.
    """
    draws = np.ravel(log_hr)
    log_ratio = stats.norm.logpdf(draws, new.mean, new.sd) - stats.norm.logpdf(
        draws, old.mean, old.sd
    )
    if np.ptp(log_ratio) < 1e-12:  # the same prior: every weight equal, nothing to smooth
        return Reweighted(float(np.mean(draws < math.log(threshold))), -math.inf, draws.size)
    # psislw follows the LOO convention (its input is a log-likelihood, weights ~ exp(-input)),
    # so the log ratio goes in negated.
    log_weights, khat = array_stats.psislw(-log_ratio)
    weights = np.exp(np.asarray(log_weights) - special.logsumexp(log_weights))
    probability = float(np.sum(weights * (draws < math.log(threshold))))
    return Reweighted(probability, float(khat), float(1 / np.sum(weights**2)))


def grid_table(
    probability: Callable[[NormalPrior, float], float],
    means: Sequence[float],
    sds: Sequence[float],
    thresholds: Sequence[float],
) -> pd.DataFrame:
    """P(HR < threshold) over a grid of Normal priors on log HR, tidy.

    Parameters
    ----------
    probability : callable
        ``probability(prior, threshold)``; exact, reweighted or refitted.
    means, sds : sequence of float
        The grid of prior means and SDs (log HR scale).
    thresholds : sequence of float
        HR thresholds, e.g. 1 and the clinically important HR.

    """
    rows = [
        {
            "prior_mean": m,
            "prior_sd": s,
            "threshold": t,
            "probability": probability(NormalPrior(m, s), t),
        }
        for m in means
        for s in sds
        for t in thresholds
    ]
    return pd.DataFrame(rows)


def tipping_point(
    probability: Callable[[NormalPrior], float], center: float, level: float
) -> float | None:
    """The prior SD, for a Normal prior centred at ``center``, where the probability hits ``level``.

    Returns
    -------
    float or None
        The SD on log HR, or None if no SD in [0.001, 20] moves the probability across ``level``.

    """

    def gap(log_sd: float) -> float:
        return probability(NormalPrior(center, math.exp(log_sd))) - level

    lo, hi = math.log(SD_RANGE[0]), math.log(SD_RANGE[1])
    if np.sign(gap(lo)) == np.sign(gap(hi)):
        return None
    return math.exp(optimize.brentq(gap, lo, hi, xtol=1e-6))


def _sentence(family: str, sd: float | None, holds: bool, conclusion: Conclusion) -> str:
    article = "an" if family[0] in "aeiou" else "a"
    if sd is None:
        return f"no {family} prior (SD 0.001-20 on log HR) changes whether {conclusion.text}"
    if holds:
        return (
            f"{article} {family} prior with SD below {sd:.3g} on log HR would overturn "
            f"'{conclusion.text}'"
        )
    return (
        f"{article} {family} prior with SD below {sd:.3g} on log HR would make "
        f"'{conclusion.text}' hold"
    )


def tipping_table(
    probability: Callable[[NormalPrior, float], float],
    reference: NormalPrior,
    clinical: ClinicalThresholds,
) -> pd.DataFrame:
    """Tipping points of every default conclusion for the three prior families.

    ``reference`` is the prior under which the conclusion is first judged (the vague set).
    """
    d = abs(math.log(clinical.hr_important))
    families = {"skeptical": 0.0, "enthusiastic": -d, "pessimistic": d}
    rows = []
    for conclusion in conclusions(clinical):
        base = probability(reference, conclusion.threshold)
        holds = base > conclusion.level
        threshold = conclusion.threshold

        def at_threshold(prior: NormalPrior, threshold: float = threshold) -> float:
            return probability(prior, threshold)

        for family, center in families.items():
            sd = tipping_point(at_threshold, center, conclusion.level)
            rows.append(
                {
                    "conclusion": conclusion.text,
                    "threshold": conclusion.threshold,
                    "level": conclusion.level,
                    "probability_reference": base,
                    "holds": holds,
                    "family": family,
                    "prior_mean": center,
                    "tipping_sd": np.nan if sd is None else sd,
                    "reading": _sentence(family, sd, holds, conclusion),
                }
            )
    return pd.DataFrame(rows)


def likelihood_approximation(log_hr: np.ndarray, prior: NormalPrior) -> LogHazardRatio:
    """The Normal likelihood of log HR implied by posterior draws under a Normal prior.

    Posterior precision minus prior precision is the likelihood's; used to locate tipping points of
    a model without a closed form, which are then checked by refitting there.
    """
    mean, sd = float(np.mean(log_hr)), float(np.std(log_hr))
    precision = sd**-2 - prior.sd**-2
    if precision <= 0:
        raise ValueError("the posterior is not narrower than the prior: no information to invert")
    estimate = (mean * sd**-2 - prior.mean * prior.sd**-2) / precision
    return LogHazardRatio(estimate, precision**-0.5, "Normal approximation of the posterior")


class WeibullSweep:
    """P(HR < c) of a Weibull fit under other priors: PSIS reweighting, refit where k-hat > 0.7.

    Parameters
    ----------
    refit : callable
        ``refit(prior) -> log HR draws``: samples the compiled model under ``prior``.
    reference : NormalPrior
        The prior the reference draws were made under.
    reference_log_hr : numpy.ndarray
        Posterior draws of log HR under ``reference``.

    """

    def __init__(
        self,
        refit: Callable[[NormalPrior], np.ndarray],
        reference: NormalPrior,
        reference_log_hr: np.ndarray,
    ) -> None:
        self._refit = refit
        self.reference = reference
        self.reference_log_hr = np.ravel(reference_log_hr)
        self.refitted: dict[tuple[float, float], np.ndarray] = {}
        self.khat: dict[tuple[float, float], float] = {}

    def probability(self, prior: NormalPrior, threshold: float) -> float:
        """P(HR < threshold) under ``prior``."""
        key = (prior.mean, prior.sd)
        if key not in self.refitted:
            result = reweight(self.reference_log_hr, self.reference, prior, threshold)
            self.khat[key] = result.khat
            if result.reliable:
                return result.probability
            self.refitted[key] = np.ravel(self._refit(prior))
        return float(np.mean(self.refitted[key] < math.log(threshold)))
