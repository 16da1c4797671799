r"""Assurance (probability of success) of a future study: n cystic against many solid patients.

Setting
-------
Entry uniform over ``accrual`` years, follow-up ``follow_up`` years after accrual closes, loss
2 % per year (:class:`~bayes_netlm.simulation.design.StudyDesign`); solid survival Weibull with
shape :math:`k` and the published solid median; cystic hazard :math:`\times HR`. The true
:math:`\theta = \log HR` is drawn from the *design prior*: the current posterior of the published
OS (or hepatic PFS) log HR under the vague prior (``posterior_os``, ``posterior_pfs``), a named
prior set, or a fixed value (``hr:0.7``: conditional power). The future analysis uses its own
*analysis prior* (default vague, Normal(0, 5)) and declares success by a decision rule
:math:`P(a < HR < b \mid \text{data}) > c` (:data:`RULES`: benefit, harm, practical equivalence
0.8-1.25).

Normal approximation (:func:`assurance_normal`)
    :math:`\hat\theta \mid \theta \sim N(\theta, 1/d_1(\theta) + 1/d_0)` with the expected events
    :math:`d_g = n_g P(\text{event})` (:func:`~bayes_netlm.simulation.design.event_probability`);
    the posterior is Normal, success is a set of :math:`\hat\theta` values, and

    .. math::

        \text{assurance} = \int p_\text{design}(\theta)\, P(\text{success} \mid \theta)\, d\theta

    by 40-node Gauss-Hermite in :math:`\theta` and a 2001-point grid in :math:`\hat\theta`.
Simulation (:func:`assurance_simulated`)
    The check: per simulation draw :math:`\theta`, Weibull event times and censoring, fit the
    Weibull proportional-hazards model by maximum likelihood (scale profiled out, shape estimated,
    :func:`weibull_mle`), and apply the rule to the Normal posterior from :math:`\hat\theta` and
    its observed-information SE. Run as Dask tasks in chunks with spawned seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize, special, stats

from bayes_netlm.errors import InputError
from bayes_netlm.modeling.hazard_ratio import conjugate_posterior, from_medians
from bayes_netlm.priors import NormalPrior, load_prior_catalog
from bayes_netlm.simulation.design import StudyDesign, event_probability, weibull_times

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "RULES",
    "DecisionRule",
    "FutureStudy",
    "assurance_normal",
    "assurance_simulated",
    "design_prior",
    "weibull_mle",
]

PUBLISHED = {"os": (13.8, 10.6, 0.513), "pfs": (0.71, 1.78, 0.507)}  # medians (cystic, solid), p
VAGUE = NormalPrior(0.0, 5.0)
_CHUNK = 50


@dataclass(frozen=True)
class DecisionRule:
    """Success when ``P(lower < HR < upper | data) > threshold``."""

    name: str
    lower: float
    upper: float
    threshold: float


RULES = (
    DecisionRule("benefit: P(HR < 1) > 0.95", 0.0, 1.0, 0.95),
    DecisionRule("harm: P(HR > 1) > 0.95", 1.0, math.inf, 0.95),
    DecisionRule("equivalence: P(0.8 < HR < 1.25) > 0.9", 0.8, 1.25, 0.9),
)


@dataclass(frozen=True)
class FutureStudy:
    """The future study: solid group size, accrual, follow-up, endpoint, Weibull shape."""

    n_reference: int = 1000
    accrual: float = 5.0
    follow_up: float = 5.0
    endpoint: str = "os"
    shape: float = 1.0

    def design(self, n_index: int) -> StudyDesign:
        """The study design with ``n_index`` cystic patients."""
        return StudyDesign(n_index, self.n_reference, self.accrual, self.follow_up)

    @property
    def reference_scale(self) -> float:
        """Weibull scale of the solid group from the published solid median."""
        median = PUBLISHED[self.endpoint][1]
        return median / math.log(2) ** (1 / self.shape)


def design_prior(name: str) -> NormalPrior:
    """``posterior_os`` / ``posterior_pfs``, a prior-set name, or ``hr:VALUE`` (a point)."""
    if name.startswith("posterior_"):
        index, reference, p = PUBLISHED[name.removeprefix("posterior_")]
        return conjugate_posterior(VAGUE, from_medians(index, reference, p))
    if name.startswith("hr:"):
        try:
            value = float(name[3:])
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):  # "math domain error", "could not convert"
            raise InputError.single(
                "--design-prior",
                f"{name!r} is not hr: with one positive hazard ratio",
                "write e.g. hr:0.7 (a point); for a distribution use a prior set's name",
            )
        return NormalPrior(math.log(value), 0.0)
    catalog = load_prior_catalog()
    if name not in catalog.sets:
        raise InputError.single(
            "--design-prior",
            f"unknown design prior {name!r}",
            f"use posterior_os, posterior_pfs, hr:VALUE (e.g. hr:0.7) or a prior set: "
            f"{', '.join(catalog.sets)}",
        )
    return catalog.sets[name].log_hr


def _success(estimate: np.ndarray, se: np.ndarray, prior: NormalPrior, rule: DecisionRule):
    precision = prior.sd**-2 + se**-2
    mean = (prior.mean * prior.sd**-2 + estimate * se**-2) / precision
    sd = precision**-0.5
    lower = -np.inf if rule.lower == 0 else math.log(rule.lower)
    upper = np.inf if math.isinf(rule.upper) else math.log(rule.upper)
    probability = stats.norm.cdf(upper, mean, sd) - stats.norm.cdf(lower, mean, sd)
    return probability > rule.threshold


def _events_se(study: FutureStudy, n_index: int, theta: np.ndarray) -> np.ndarray:
    design = study.design(n_index)
    scale0 = study.reference_scale
    p0 = event_probability(design, scale0, study.shape)
    p1 = np.array(
        [event_probability(design, scale0 * math.exp(-t / study.shape), study.shape) for t in theta]
    )
    # an extreme HR can leave no expected event: no information (a huge SE), not a division by 0
    p1 = np.maximum(p1, 1e-12)
    return np.sqrt(1 / (n_index * p1) + 1 / (study.n_reference * p0))


def assurance_normal(
    study: FutureStudy,
    n_index: int,
    prior: NormalPrior,
    rule: DecisionRule,
    analysis_prior: NormalPrior = VAGUE,
) -> float:
    """Assurance by the Normal approximation (information = expected events)."""
    if prior.sd == 0:
        theta, weights = np.array([prior.mean]), np.array([1.0])
    else:
        x, w = special.roots_hermite(40)
        theta, weights = prior.mean + math.sqrt(2) * prior.sd * x, w / math.sqrt(math.pi)
    se = _events_se(study, n_index, theta)
    offsets = np.linspace(-8, 8, 2001)
    estimates = theta[:, None] + se[:, None] * offsets[None, :]
    density = stats.norm.pdf(offsets) * (offsets[1] - offsets[0])
    success = _success(estimates, se[:, None], analysis_prior, rule)
    return float(np.sum(weights * np.sum(success * density[None, :], axis=1)))


def _negative_profile(params: np.ndarray, time, event, group) -> float:
    log_k, beta = params
    k = math.exp(log_k)
    d = event.sum()
    total = np.sum(np.exp(beta * group + k * np.log(time)))
    loglik = (
        d * log_k
        + (k - 1) * np.sum(event * np.log(time))
        + d * math.log(d / total)
        + beta * np.sum(event * group)
        - d
    )
    return -float(loglik)


def weibull_mle(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    r"""Log HR and its SE by Weibull PH maximum likelihood (scale profiled out, shape estimated).

    The profile log-likelihood in :math:`(\log k, \beta)` with
    :math:`\hat\phi = D / \sum_i e^{\beta g_i} t_i^k` (:math:`\phi = \lambda_0^{-k}`) is
    :math:`D\log k + (k-1)\sum_{d_i=1}\log t_i + D\log(D/\sum_i e^{\beta g_i} t_i^k)
    + \beta D_1 - D`; the SE is from its numerical Hessian. beta is bounded to [-10, 10].
    """
    args = (time, event, group)
    fit = optimize.minimize(
        _negative_profile,
        np.zeros(2),
        args=args,
        method="L-BFGS-B",
        bounds=[(-5, 5), (-10, 10)],
    )
    h = 1e-4
    hessian = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hessian[i, j] = (
                _negative_profile(fit.x + ei + ej, *args)
                - _negative_profile(fit.x + ei - ej, *args)
                - _negative_profile(fit.x - ei + ej, *args)
                + _negative_profile(fit.x - ei - ej, *args)
            ) / (4 * h * h)
    covariance = np.linalg.pinv(hessian)
    return float(fit.x[1]), float(math.sqrt(max(covariance[1, 1], 1e-12)))


def _simulate_chunk(
    item: tuple[np.random.SeedSequence, int],
    study: FutureStudy,
    n_index: int,
    prior: NormalPrior,
    rules: tuple[DecisionRule, ...],
    analysis_prior: NormalPrior,
) -> np.ndarray:
    sequence, size = item
    rng = np.random.default_rng(sequence)
    design = study.design(n_index)
    n = n_index + study.n_reference
    group = np.r_[np.ones(n_index), np.zeros(study.n_reference)]
    out = np.zeros((size, len(rules)), dtype=bool)
    for s in range(size):
        theta = rng.normal(prior.mean, prior.sd)
        times = weibull_times(study.reference_scale, study.shape, theta * group, rng)
        censoring = design.censoring_times(n, rng)
        event = (times <= censoring).astype(float)
        if event[group == 1].sum() == 0 or event[group == 0].sum() == 0:
            estimate, se = 0.0, 1e6  # no information on the HR from this study
        else:
            estimate, se = weibull_mle(np.minimum(times, censoring), event, group)
        for r, rule in enumerate(rules):
            out[s, r] = _success(np.asarray(estimate), np.asarray(se), analysis_prior, rule)
    return out


def assurance_simulated(
    study: FutureStudy,
    n_index: int,
    prior: NormalPrior,
    sims: int,
    seed: int,
    rules: tuple[DecisionRule, ...] = RULES,
    analysis_prior: NormalPrior = VAGUE,
    client: Client | None = None,
) -> dict[str, tuple[float, float]]:
    """Assurance per rule by full Weibull simulation: (proportion, Monte Carlo SE)."""
    sizes = [min(_CHUNK, sims - i) for i in range(0, sims, _CHUNK)]
    from bayes_netlm.simulation.engine import map_tasks, simulation_seeds  # loads Dask

    items = list(zip(simulation_seeds(seed, len(sizes)), sizes, strict=True))
    chunks = map_tasks(
        _simulate_chunk,
        items,
        client,
        study=study,
        n_index=n_index,
        prior=prior,
        rules=rules,
        analysis_prior=analysis_prior,
    )
    success = np.concatenate(chunks)
    means = success.mean(axis=0)
    return {
        rule.name: (float(m), float(math.sqrt(m * (1 - m) / sims)))
        for rule, m in zip(rules, means, strict=True)
    }
