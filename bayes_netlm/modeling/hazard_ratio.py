r"""Summary-level hazard ratio: a Normal likelihood on log HR from published numbers.

Model
-----
With :math:`y` the published log hazard ratio (cystic vs solid) and :math:`s` its standard error,

.. math::

    y \mid \beta \sim \mathcal N(\beta, s^2), \qquad \beta \sim \mathcal N(\mu_0, \sigma_0^2),

so the posterior is exactly Normal with precision :math:`\sigma_0^{-2} + s^{-2}` and mean
:math:`(\mu_0 \sigma_0^{-2} + y s^{-2}) / (\sigma_0^{-2} + s^{-2})` (:func:`conjugate_posterior`).
The PyMC version (:func:`build_model`) samples the same model, batched over fits, and is checked
against it.

Where :math:`y` and :math:`s` come from
---------------------------------------
- HR with 95 % CI: :math:`y = \log HR`, :math:`s = (\log hi - \log lo) / (2 \cdot 1.96)`.
- HR with two-sided p: :math:`z = \Phi^{-1}(1 - p/2)`, :math:`s = |y| / z`.
- Two medians with p: under exponential survival the hazard is :math:`\log 2 / m`, so
  :math:`HR = m_{reference} / m_{index}`; then as above.

Consistency: :math:`1/s^2` is the information, about :math:`1/(1/d_1 + 1/d_2)` for :math:`d_g`
events per group. A reached median needs at least one event and no group has more events than
patients (hard bounds); with little censoring before the medians each group needs about half its
patients to have had the event (a heuristic): :func:`information_check` compares all three.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from bayes_netlm.errors import InputError
from bayes_netlm.modeling.results import TABLE_COLUMNS, FitResult, summary_rows
from bayes_netlm.modeling.sampling import SamplerSettings, convergence_table, sample_once
from bayes_netlm.priors import ClinicalThresholds, NormalPrior
from bayes_netlm.summaries import hr_summary_exact, hr_summary_from_draws

if TYPE_CHECKING:  # PyMC is imported where a model is built: input checks stay fast
    import pymc as pm

__all__ = [
    "HazardRatioEvidence",
    "InformationCheck",
    "LogHazardRatio",
    "build_model",
    "conjugate_posterior",
    "fit_hazard_ratios",
    "from_ci",
    "from_medians",
    "from_p_value",
    "information_check",
    "p_value_restated",
]

Z_95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class LogHazardRatio:
    """A log hazard ratio with its standard error and how they were obtained."""

    estimate: float
    se: float
    derivation: str

    @property
    def hr(self) -> float:
        """The hazard ratio itself."""
        return math.exp(self.estimate)

    @property
    def sampling_se(self) -> float:
        """The SE as a likelihood scale for sampling and log densities.

        An infinite SE (p = 1, no information) becomes a huge finite one: the likelihood stays
        flat and every log density finite.
        """
        return min(self.se, 1e6)

    @property
    def information(self) -> float:
        """Fisher information :math:`1/s^2`, in events' worth (about 4 per event pair at 1:1)."""
        return 1.0 / self.se**2


def _positive(value: float, where: str) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise InputError.single(where, f"{value:g} is not a positive number", "give a value > 0")


def from_ci(hr: float, lower: float, upper: float, level: float = 0.95) -> LogHazardRatio:
    """Estimate and SE from a hazard ratio and its two-sided confidence interval.

    Raises
    ------
    InputError
        Non-positive values, or bounds that do not bracket the estimate.

    """
    _positive(hr, "--hr")
    _positive(lower, "--ci LO")
    _positive(upper, "--ci HI")
    if not lower < hr < upper:
        raise InputError.single(
            "--ci",
            f"the interval {lower:g}-{upper:g} does not bracket the hazard ratio {hr:g}",
            "give LO < HR < HI",
        )
    z = stats.norm.ppf(0.5 + level / 2)
    se = (math.log(upper) - math.log(lower)) / (2 * z)
    return LogHazardRatio(
        math.log(hr),
        se,
        f"HR {hr:g} with {level:.0%} CI {lower:g}-{upper:g}: SE = log-width / 3.92",
    )


def from_p_value(hr: float, p: float, where: str = "--p") -> LogHazardRatio:
    """Estimate and SE from a hazard ratio and its two-sided p-value (Wald, Normal on log HR).

    Raises
    ------
    InputError
        p outside (0, 1], a non-positive HR, or HR = 1 with p < 1 (no SE can give that).

    """
    _positive(hr, "--hr")
    if not 0 < p <= 1:
        raise InputError.single(where, f"p-value {p:g} is outside (0, 1]", "give 0 < p <= 1")
    z = stats.norm.isf(p / 2)  # upper tail directly: exact for tiny p, where 1 - p/2 rounds to 1
    estimate = math.log(hr)
    if estimate == 0 and p < 1:
        raise InputError.single(
            where, f"HR 1 cannot have p = {p:g} < 1", "check the hazard ratio and p-value"
        )
    if z == 0:
        return LogHazardRatio(
            estimate,
            math.inf,
            f"HR {hr:.3g} with two-sided p = 1: z = 0, so SE is infinite: these numbers carry no "
            "information about the HR and the posterior is the prior",
        )
    return LogHazardRatio(
        estimate,
        abs(estimate) / z,
        f"HR {hr:.3g} with two-sided p = {p:g}: z = {z:.3f}, SE = |log HR| / z",
    )


def from_medians(median_index: float, median_reference: float, p: float) -> LogHazardRatio:
    """Estimate and SE from two medians and a two-sided p (exponential survival assumed).

    Under exponential survival the hazard is log(2) / median, so HR(index vs reference) =
    median_reference / median_index; the SE then follows from the p-value.
    """
    _positive(median_index, "--medians INDEX")
    _positive(median_reference, "--medians REFERENCE")
    result = from_p_value(median_reference / median_index, p)
    derivation = (
        f"medians {median_index:g} (index) and {median_reference:g} (reference), exponential "
        f"survival assumed: HR = {median_reference:g}/{median_index:g} = {result.hr:.3f}; "
        + result.derivation.split(": ", 1)[1]
    )
    return LogHazardRatio(result.estimate, result.se, derivation)


def conjugate_posterior(prior: NormalPrior, data: LogHazardRatio) -> NormalPrior:
    """Exact Normal posterior of log HR (Normal prior, Normal likelihood)."""
    prior_precision = prior.sd**-2
    data_precision = 0.0 if math.isinf(data.se) else data.se**-2
    precision = prior_precision + data_precision
    mean = (prior.mean * prior_precision + data.estimate * data_precision) / precision
    return NormalPrior(mean, precision**-0.5, prior.scale)


@dataclass(frozen=True)
class InformationCheck:
    """Information implied by the SE against hard bounds and a plausibility heuristic.

    ``lowest``/``highest`` are hard bounds (they hold under any censoring); ``plausible_lowest``
    is the heuristic (little censoring before the medians). ``consistent`` is True only when the
    implied information passes both; ``within_bounds`` and ``plausible`` say which one failed.
    """

    implied: float
    lowest: float
    highest: float | None
    consistent: bool
    message: str
    plausible_lowest: float = 0.0
    within_bounds: bool = True
    plausible: bool = True
    effective_index_events: float = math.inf


def _information(d1: float, d2: float) -> float:
    """Information on log HR of ``d1`` and ``d2`` events: :math:`1/(1/d_1 + 1/d_2)`."""
    return 1.0 / (1.0 / d1 + 1.0 / d2)


def information_check(
    data: LogHazardRatio,
    n_index: int,
    n_reference: int | None,
    medians_reached: bool = True,
) -> InformationCheck:
    r"""Compare the information ``1/SE^2`` with what the group sizes and medians allow.

    Under proportional hazards the information on log HR is about
    :math:`I = 1/(1/d_1 + 1/d_2)` for :math:`d_g` events per group.

    Hard bounds (hold under any censoring pattern): a group whose Kaplan-Meier median is reached
    had at least one event, and no group has more events than patients, so
    :math:`I(1, 1) = 0.5 \le I \le I(n_1, n_2)`. "Median reached implies at least n/2 events" is
    *not* a bound: with 12 patients, 8 censored early and 2 of the other 4 dying, the KM median
    is reached with 2 events.

    Plausibility heuristic, assuming little censoring before the medians (so reaching
    S = 0.5 takes about n/2 events): :math:`I \gtrsim I(\lceil n_1/2 \rceil, \lceil n_2/2 \rceil)`.
    Below it the medians and p-value fit proportional hazards only with heavy early censoring.
    The effective number of index events is :math:`1/(1/I - 1/d_2)` with the heuristic
    :math:`d_2 = \lceil n_2/2 \rceil`; fewer than one contradicts a reached index median.

    Parameters
    ----------
    data : LogHazardRatio
    n_index, n_reference : int
        Group sizes; ``n_reference`` None when unknown (assumed at least ``n_index``, 1:1 matching;
        the upper bound is then the limit ``n_index`` of a very large reference group).
    medians_reached : bool
        Both medians were reported (each group had at least one event).

    """
    n_ref_low = n_reference if n_reference is not None else n_index
    highest = _information(n_index, n_reference) if n_reference is not None else float(n_index)
    lowest = _information(1, 1) if medians_reached else 0.0
    d_ref = math.ceil(n_ref_low / 2)
    plausible_lowest = _information(math.ceil(n_index / 2), d_ref) if medians_reached else 0.0
    implied = data.information
    within = lowest * 0.999 <= implied <= highest * 1.001
    plausible = implied >= plausible_lowest * 0.999
    effective = 1.0 / (1.0 / implied - 1.0 / d_ref) if 0 < implied < d_ref else math.inf
    sizes = f"{n_index} vs {n_reference if n_reference is not None else f'>= {n_index} (unknown)'}"
    head = f"SE {data.se:.3f} implies {implied:.2f} events' worth of information"
    bounds = (
        f"hard bounds {lowest:.1f}-{highest:.1f} for groups of {sizes} with both medians reached"
    )
    heuristic = (
        f"{plausible_lowest:.1f} expected if censoring before the medians was light "
        f"(then reaching S = 0.5 takes about n/2 events per group; a heuristic, not a bound)"
    )
    if implied == 0:
        message = (
            "WARNING: SE is infinite (p = 1, most likely a rounded p-value): the numbers carry "
            "no information about the HR, so the posterior is the prior."
        )
    elif not within:
        side = "less" if implied < lowest else "more"
        message = (
            f"WARNING: {head}, {side} than the {bounds} allow. The numbers are not consistent "
            "with proportional hazards under the survival model of the derivation; the derived "
            "HR and SE are doubtful and the posterior inherits that."
        )
    elif not plausible:
        fewer = ", fewer than the one a reached index median needs" if effective < 1 else ""
        message = (
            f"WARNING: {head}: inside the {bounds}, but far below the {heuristic}. With the "
            f"reference group's ~{d_ref} events that is {effective:.2f} effective index "
            f"events{fewer}. The numbers are not consistent with proportional hazards under the "
            "survival model of the derivation unless censoring before the medians was heavy; the "
            "derived HR and SE are doubtful and the posterior inherits that."
        )
    else:
        message = f"{head}: within the {bounds}, and at least the {heuristic}."
    return InformationCheck(
        implied,
        lowest,
        highest,
        within and plausible,
        message,
        plausible_lowest,
        within,
        plausible,
        effective,
    )


def p_value_restated(p_below_1: float, data: LogHazardRatio, p: float | None) -> str | None:
    r"""Say so when P(HR < 1) is only the two-sided p-value restated (flat or vague prior).

    Under a flat prior the posterior of log HR is :math:`N(y, s^2)` with :math:`s = |y|/z`, so
    the probability on the estimate's side of 1 is :math:`\Phi(z) = 1 - p/2`: no new evidence.
    Returns a sentence when the posterior probability is within 0.02 of that, else None.
    """
    if p is None or data.estimate == 0:
        return None
    same_side = p_below_1 if data.estimate < 0 else 1.0 - p_below_1
    if abs(same_side - (1 - p / 2)) > 0.02:
        return None
    side = "P(HR < 1)" if data.estimate < 0 else "P(HR > 1)"
    return (
        f"{side} = {same_side:.3f} is 1 - p/2 = {1 - p / 2:.3f} to within 0.02: under a flat or "
        "vague prior it is the published p-value restated, not new evidence."
    )


def build_model(
    estimates: np.ndarray,
    ses: np.ndarray,
    prior_means: np.ndarray,
    prior_sds: np.ndarray,
    labels: list[str],
) -> pm.Model:
    """PyMC model of independent log HRs, one per fit (endpoint x prior), batched for one compile.

    Every input is a ``pm.Data`` container (``y``, ``se``, ``prior_mean``, ``prior_sd``) so fits
    with new numbers reuse the compiled model.
    """
    import pymc as pm

    with pm.Model(coords={"fit": labels}) as model:
        y = pm.Data("y", estimates, dims="fit")
        se = pm.Data("se", ses, dims="fit")
        prior_mean = pm.Data("prior_mean", prior_means, dims="fit")
        prior_sd = pm.Data("prior_sd", prior_sds, dims="fit")
        log_hr = pm.Normal("log_hr", prior_mean, prior_sd, dims="fit")
        pm.Normal("log_hr_hat", log_hr, se, observed=y, dims="fit")
    return model


@dataclass(frozen=True)
class HazardRatioEvidence:
    """One endpoint's derived log HR, its labels, the paper's p-value and the consistency check."""

    name: str
    label: str
    data: LogHazardRatio
    paper_p: float | None = None
    check: InformationCheck | None = None


def fit_hazard_ratios(
    evidence: Sequence[HazardRatioEvidence],
    priors: Mapping[str, NormalPrior],
    clinical: ClinicalThresholds,
    seed: int,
    settings: SamplerSettings = SamplerSettings(),
) -> FitResult:
    """Fit every endpoint under every prior in one batched PyMC model.

    Each fit is summarised twice: from the MCMC draws (``method="pymc"``) and from the exact
    conjugate posterior (``method="exact"``), so every table carries its own check.
    """
    pairs = [(e, name, prior) for e in evidence for name, prior in priors.items()]
    labels = [f"{e.name}|{name}" for e, name, _ in pairs]
    ses = np.array([e.data.sampling_se for e, _, _ in pairs])
    model = build_model(
        np.array([e.data.estimate for e, _, _ in pairs]),
        ses,
        np.array([p.mean for _, _, p in pairs]),
        np.array([p.sd for _, _, p in pairs]),
        labels,
    )
    posterior = sample_once(model, seed=seed, settings=settings)
    # derived after sampling: a Deterministic would cost one more JAX compilation
    posterior["posterior"]["hr"] = np.exp(posterior["posterior"]["log_hr"])
    convergence = convergence_table(posterior, ["log_hr"])
    rows: list[dict[str, object]] = []
    for label, (e, name, prior) in zip(labels, pairs, strict=True):
        common = {
            "analysis": "summary_hr",
            "endpoint": e.name,
            "label": e.label,
            "prior": name,
            "prior_spec": str(prior),
            "paper_p": e.paper_p,
        }
        draws = np.asarray(posterior.posterior["log_hr"].sel(fit=label))
        converged = bool(convergence.loc[label, "converged"])
        rows += summary_rows(
            hr_summary_from_draws(draws, clinical), method="pymc", converged=converged, **common
        )
        exact = conjugate_posterior(prior, e.data)
        rows += summary_rows(
            hr_summary_exact(exact, clinical), method="exact", converged=True, **common
        )
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return FitResult(table, convergence, {"summary_hr": posterior})
