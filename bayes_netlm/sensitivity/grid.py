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
(pessimistic), found by root finding on the SD (:func:`tipping_point`). Weibull tipping points use
the posterior itself: the root is found on the PSIS-reweighted probability of the reference draws;
where the weights are unreliable at the root, the model is refitted there and the root found again
by reweighting the refitted draws (:meth:`WeibullSweep.locate`). At the reference prior the
probability is the plain mean over the reference draws, the main table's value.
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
from bayes_netlm.summaries import probability_from_draws

__all__ = [
    "KHAT_MAX",
    "UNSETTLED_MCSE",
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
    """A statement "P(HR < threshold) > level" that a reader may draw.

    ``quantity`` names the hazard ratio: ``"HR"``, or ``"HR at 1 year"`` for a fit whose groups
    have their own Weibull shapes (the HR then changes with time; the prior is on its log at
    that time).
    """

    threshold: float
    level: float
    quantity: str = "HR"

    @property
    def text(self) -> str:
        """The statement in words."""
        return f"P({self.quantity} < {self.threshold:g}) > {self.level:g}"


def conclusions(clinical: ClinicalThresholds, quantity: str = "HR") -> list[Conclusion]:
    """The default conclusions: cystic better (HR < 1) or importantly better, at three levels."""
    return [
        Conclusion(1.0, 0.5, quantity),
        Conclusion(1.0, 0.8, quantity),
        Conclusion(1.0, 0.95, quantity),
        Conclusion(clinical.hr_important, 0.5, quantity),
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
    # A prior far from the draws makes extreme ratios; the Pareto fit can overflow on them and
    # then reports a non-finite k-hat, which marks the weights unreliable (refit instead).
    with np.errstate(over="ignore", invalid="ignore"):
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
    probability: Callable[[NormalPrior], float],
    center: float,
    level: float,
    bounds: tuple[float, float] = SD_RANGE,
) -> float | None:
    """The prior SD, for a Normal prior centred at ``center``, where the probability hits ``level``.

    Returns
    -------
    float or None
        The SD on log HR, or None if no SD in ``bounds`` (default [0.001, 20]) moves the
        probability across ``level`` (one that only touches the level at an end does not cross).

    """

    def gap(log_sd: float) -> float:
        return probability(NormalPrior(center, math.exp(log_sd))) - level

    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    if gap(lo) * gap(hi) >= 0:
        return None
    return math.exp(optimize.brentq(gap, lo, hi, xtol=1e-6))


def _sentence(family: str, sd: float | None, holds: bool, conclusion: Conclusion) -> str:
    article = "an" if family[0] in "aeiou" else "a"
    scale = f"log {conclusion.quantity}"
    if sd is None:
        return f"no {family} prior (SD 0.001-20 on {scale}) changes whether {conclusion.text}"
    if holds:
        return (
            f"{article} {family} prior with SD below {sd:.3g} on {scale} would overturn "
            f"'{conclusion.text}'"
        )
    return (
        f"{article} {family} prior with SD below {sd:.3g} on {scale} would make "
        f"'{conclusion.text}' hold"
    )


#: a conclusion whose probability under the reference prior is closer to its level than this many
#: MCSEs is not settled by the draws (:func:`tipping_table`)
UNSETTLED_MCSE = 2.0


def _unsettled(probability: float, mcse: float, conclusion: Conclusion) -> str:
    return (
        f"not settled by the draws: P = {probability:.3f} (MCSE {mcse:.3f}) is within "
        f"{UNSETTLED_MCSE:g} MCSE of {conclusion.level:g}, so whether '{conclusion.text}' holds, "
        "and any tipping SD, is Monte Carlo noise"
    )


Locate = Callable[[float, float, float], tuple[float | None, dict[str, object]]]


def tipping_table(
    probability: Callable[[NormalPrior, float], float],
    reference: NormalPrior,
    clinical: ClinicalThresholds,
    locate: Locate | None = None,
    quantity: str = "HR",
    mcse: Callable[[float], float] | None = None,
) -> pd.DataFrame:
    """Tipping points of every default conclusion for the three prior families.

    Parameters
    ----------
    probability : callable
        ``probability(prior, threshold)``: P(HR < threshold) under a Normal prior on log HR.
    reference : NormalPrior
        The prior under which the conclusion is first judged (the vague set).
    clinical : ClinicalThresholds
    locate : callable, optional
        ``locate(center, threshold, level) -> (sd or None, extra columns)``; by default
        :func:`tipping_point` on ``probability`` with no extra columns.
    quantity : str
        The hazard ratio the prior and the conclusions are about (:class:`Conclusion`).
    mcse : callable, optional
        ``mcse(threshold)``: the Monte Carlo standard error of ``probability(reference,
        threshold)`` when it comes from posterior draws (column ``mcse_reference``). A conclusion
        whose probability lies within :data:`UNSETTLED_MCSE` MCSEs of its level is not settled
        by the draws: its reading says so, as its tipping SDs are then Monte Carlo noise.

    """
    d = abs(math.log(clinical.hr_important))
    families = {"skeptical": 0.0, "enthusiastic": -d, "pessimistic": d}
    rows = []
    for conclusion in conclusions(clinical, quantity):
        base = probability(reference, conclusion.threshold)
        holds = base > conclusion.level
        threshold = conclusion.threshold
        error = mcse(threshold) if mcse is not None else math.nan
        settled = not abs(base - conclusion.level) <= UNSETTLED_MCSE * error  # NaN: settled

        def at_threshold(prior: NormalPrior, threshold: float = threshold) -> float:
            return probability(prior, threshold)

        for family, center in families.items():
            extra: dict[str, object] = {}
            if locate is None:
                sd = tipping_point(at_threshold, center, conclusion.level)
            else:
                sd, extra = locate(center, threshold, conclusion.level)
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
                    "reading": _sentence(family, sd, holds, conclusion)
                    if settled
                    else _unsettled(base, error, conclusion),
                    "mcse_reference": error,
                    "settled": settled,
                    **extra,
                }
            )
    return pd.DataFrame(rows)


def _firm_prior_limit(prior: NormalPrior, threshold: float) -> float:
    """P(HR < threshold) as the prior SD tends to 0: the posterior becomes the prior."""
    return float(stats.norm.cdf(math.log(threshold), prior.mean, prior.sd))


class WeibullSweep:
    """P(HR < c) of a Weibull fit under other priors: PSIS reweighting, refit where unreliable.

    Parameters
    ----------
    refit : callable
        ``refit(prior) -> log HR draws``: samples the compiled model under ``prior``.
    reference : NormalPrior
        The prior the reference draws were made under.
    reference_log_hr : numpy.ndarray
        Posterior draws of log HR under ``reference``, ``(chain, draw)`` (or one chain, flat).
    max_refits : int
        Refits one tipping point may use before it is reported from the last refit alone.

    """

    def __init__(
        self,
        refit: Callable[[NormalPrior], np.ndarray],
        reference: NormalPrior,
        reference_log_hr: np.ndarray,
        max_refits: int = 3,
    ) -> None:
        self._refit = refit
        self.reference = reference
        self.reference_log_hr = np.ravel(reference_log_hr)
        self._chains = np.atleast_2d(reference_log_hr)
        self.max_refits = max_refits
        self.refitted: dict[tuple[float, float], np.ndarray] = {}
        self.khat: dict[tuple[float, float], float] = {}

    def mcse(self, threshold: float) -> float:
        """Monte Carlo standard error of P(HR < threshold) under the reference prior (ArviZ)."""
        return probability_from_draws(self._chains < math.log(threshold)).mcse_value

    def draws_under(self, prior: NormalPrior) -> np.ndarray:
        """Log HR draws of the model refitted under ``prior`` (each prior fitted once)."""
        key = (prior.mean, prior.sd)
        if key not in self.refitted:
            self.refitted[key] = np.ravel(self._refit(prior))
        return self.refitted[key]

    def probability(self, prior: NormalPrior, threshold: float) -> float:
        """P(HR < threshold) under ``prior``."""
        key = (prior.mean, prior.sd)
        if key not in self.refitted:
            result = reweight(self.reference_log_hr, self.reference, prior, threshold)
            self.khat[key] = result.khat
            if result.reliable:
                return result.probability
        return float(np.mean(self.draws_under(prior) < math.log(threshold)))

    def locate(
        self, center: float, threshold: float, level: float
    ) -> tuple[float | None, dict[str, object]]:
        """Tipping SD of "P(HR < threshold) > level" for priors centred at ``center``.

        Root finding on the prior SD over the PSIS-reweighted probability of the reference draws
        (at the firm end of the range, SD 0.001, the posterior is the prior). Where the weights
        are unreliable at the root (k-hat > 0.7 or ESS < 400), the model is refitted at that
        prior and the root found again from the refitted draws; after ``max_refits`` refits the
        last root is reported with the probability of a refit there (method "refit").

        Returns
        -------
        tuple
            The SD (None if no SD in [0.001, 20] flips the conclusion) and the columns
            ``probability_tipping`` (at the reported prior), ``khat`` and ``method``.

        """
        base, draws, method = self.reference, self.reference_log_hr, "PSIS"
        sd: float | None = None
        for refits in range(self.max_refits + 1):

            def probability(prior: NormalPrior, base=base, draws=draws) -> float:
                if prior.sd <= SD_RANGE[0] * (1 + 1e-9):
                    return _firm_prior_limit(prior, threshold)
                return reweight(draws, base, prior, threshold).probability

            # After a refit, the refitted draws are reweighted only near the root they were
            # drawn at: far from it (a vague prior from draws under a firm one) PSIS fails.
            bounds = (
                SD_RANGE if sd is None else (max(sd / 2, SD_RANGE[0]), min(sd * 2, SD_RANGE[1]))
            )
            root = tipping_point(probability, center, level, bounds)
            if root is None and sd is None:
                return None, {"probability_tipping": np.nan, "khat": np.nan, "method": method}
            if root is None:  # the refit moved the crossing out of reach: report the refit
                break
            sd = root
            check = reweight(draws, base, NormalPrior(center, sd), threshold)
            if check.reliable:
                return sd, {
                    "probability_tipping": check.probability,
                    "khat": check.khat,
                    "method": method,
                }
            base = NormalPrior(center, sd)
            draws = self.draws_under(base)
            if refits == self.max_refits:
                break
            method = f"PSIS from a refit at SD {sd:.3g}"
        # refits exhausted: the last root, with the probability of the refit made there
        at_root = float(np.mean(draws < math.log(threshold)))
        return sd, {"probability_tipping": at_root, "khat": np.nan, "method": "refit"}
