r"""SBC of the interval-censored rate models (:mod:`bayes_netlm.modeling.rates`), exact posteriors.

Simulator: rates from the prior, counts :math:`K_g \sim \mathrm{Bin}(n_g, p_g)` at the study's
sizes (12 and 452), published as a whole percentage (``rounding=True``): the model then sees only
the count interval that the percentage allows (:func:`~bayes_netlm.evidence.counts.parse_count`),
e.g. "22 %" of 452 is 98-101.

Beta prior
    Exact Beta-mixture posterior per group
    (:func:`~bayes_netlm.modeling.rates.beta_mixture_posterior`). The PIT of a rate is its
    mixture CDF at the true rate; of the risk difference and log odds ratio,
    :math:`P(g(p_1, p_0) < g^*) = E_{p_0}[F_1(\cdot)]`, averaged over 400 quantile points of the
    reference posterior.
log-OR prior
    :math:`\mathrm{logit}\,p_0 = u \sim N(m_0, s_0^2)`, :math:`\log OR = w \sim N(\mu, \sigma^2)`:
    no closed form, so the posterior is computed on a 2-D grid (deterministic quadrature instead
    of MCMC): 4001 points in :math:`u` over the prior's :math:`\pm 8` SD locate the region where
    the reference group's posterior has mass (log density within 30 of its maximum), 161 points
    span it and 321 points span :math:`w`'s prior :math:`\pm 8` SD; each cell counts as uniform over
    its width in the PIT of :math:`u` and :math:`w`. With 12 index patients the likelihood in
    :math:`w` is never narrower than the grid spacing (:math:`\sigma/20`).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from bayes_netlm.evidence.counts import CountRange, parse_count
from bayes_netlm.modeling.rates import beta_mixture_posterior
from bayes_netlm.priors import BetaPrior, NormalPrior
from bayes_netlm.simulation.design import STUDY

__all__ = ["beta_rates_pit", "logor_rates_pit", "reported_counts"]

_QUANTILE_POINTS = 400


def reported_counts(count: int, n: int, rounding: bool) -> CountRange:
    """The count as the model sees it: exact, or the interval its whole percentage allows."""
    if not rounding:
        return CountRange(count, count, n, str(count))
    percent = int(np.floor(100 * count / n + 0.5))
    return parse_count(f"{percent}%", n, "simulated count")


def _interval_loglik(p: np.ndarray, counts: CountRange) -> np.ndarray:
    """Log P(low <= K <= high | p), elementwise in ``p``."""
    ks = np.arange(counts.low, counts.high + 1)
    terms = stats.binom.logpmf(ks, counts.n, np.asarray(p)[..., None])
    return special.logsumexp(terms, axis=-1)


def _effects(p_index: np.ndarray, p_reference: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "rd": p_index - p_reference,
        "log_or": special.logit(p_index) - special.logit(p_reference),
    }


def _beta_one(truth: dict[str, float], index: CountRange, reference: CountRange, prior: BetaPrior):
    post_index = beta_mixture_posterior(prior, index)
    post_reference = beta_mixture_posterior(prior, reference)
    q = (np.arange(_QUANTILE_POINTS) + 0.5) / _QUANTILE_POINTS
    ref_points = post_reference.ppf(q)
    pit = {
        "p_index": float(post_index.cdf(truth["p_index"])),
        "p_reference": float(post_reference.cdf(truth["p_reference"])),
        # P(p1 - p0 < rd*) and P(logit p1 - logit p0 < lor*) given p0, averaged over p0
        "rd": float(np.mean(post_index.cdf(ref_points + truth["rd"]))),
        "log_or": float(
            np.mean(post_index.cdf(special.expit(special.logit(ref_points) + truth["log_or"])))
        ),
    }
    return pit


def beta_rates_pit(
    prior: BetaPrior,
    sims: int,
    seed: int,
    rounding: bool = True,
    simulator_prior: BetaPrior | None = None,
) -> dict[str, np.ndarray]:
    """PIT of both rates, RD and log OR under independent Beta priors (exact mixtures)."""
    truth_prior = simulator_prior or prior
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(sims):
        p = rng.beta(truth_prior.a, truth_prior.b, 2)
        counts = rng.binomial([STUDY.n_index, STUDY.n_reference], p)
        truth = {"p_index": p[0], "p_reference": p[1]} | _effects(p[0], p[1])
        index = reported_counts(int(counts[0]), STUDY.n_index, rounding)
        reference = reported_counts(int(counts[1]), STUDY.n_reference, rounding)
        rows.append(_beta_one(truth, index, reference, prior))
    return {name: np.array([row[name] for row in rows]) for name in rows[0]}


def _grid_cdf(values: np.ndarray, step: float, weights: np.ndarray, x: float) -> float:
    """P(value < x) with each cell's mass spread uniformly over its width."""
    share = np.clip((x - (values - step / 2)) / step, 0.0, 1.0)
    return float(np.sum(weights * share))


def _logor_one(
    truth: dict[str, float],
    index: CountRange,
    reference: CountRange,
    prior: NormalPrior,
    baseline: NormalPrior,
) -> dict[str, float]:
    wide = np.linspace(baseline.mean - 8 * baseline.sd, baseline.mean + 8 * baseline.sd, 4001)
    log_u = stats.norm.logpdf(wide, baseline.mean, baseline.sd) + _interval_loglik(
        special.expit(wide), reference
    )
    kept = wide[log_u > log_u.max() - 30]
    pad = wide[1] - wide[0]
    u = np.linspace(kept[0] - pad, kept[-1] + pad, 161)
    w = np.linspace(prior.mean - 8 * prior.sd, prior.mean + 8 * prior.sd, 321)
    log_post = (
        (
            stats.norm.logpdf(u, baseline.mean, baseline.sd)
            + _interval_loglik(special.expit(u), reference)
        )[:, None]
        + stats.norm.logpdf(w, prior.mean, prior.sd)[None, :]
        + _interval_loglik(special.expit(u[:, None] + w[None, :]), index)
    )
    weights = np.exp(log_post - special.logsumexp(log_post))
    rd = special.expit(u[:, None] + w[None, :]) - special.expit(u)[:, None]
    return {
        "log_or": _grid_cdf(w, w[1] - w[0], weights.sum(axis=0), truth["log_or"]),
        "logit_reference": _grid_cdf(u, u[1] - u[0], weights.sum(axis=1), truth["logit_reference"]),
        "rd": float(np.sum(weights[rd < truth["rd"]])),
    }


def logor_rates_pit(
    prior: NormalPrior,
    baseline: NormalPrior,
    sims: int,
    seed: int,
    rounding: bool = True,
    simulator_prior: NormalPrior | None = None,
) -> dict[str, np.ndarray]:
    """PIT of log OR, the reference log odds and RD under the log-OR prior (2-D grid posterior)."""
    truth_prior = simulator_prior or prior
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(sims):
        u = rng.normal(baseline.mean, baseline.sd)
        w = rng.normal(truth_prior.mean, truth_prior.sd)
        p = special.expit(np.array([u + w, u]))
        counts = rng.binomial([STUDY.n_index, STUDY.n_reference], p)
        truth = {"log_or": w, "logit_reference": u, "rd": p[0] - p[1]}
        index = reported_counts(int(counts[0]), STUDY.n_index, rounding)
        reference = reported_counts(int(counts[1]), STUDY.n_reference, rounding)
        rows.append(_logor_one(truth, index, reference, prior, baseline))
    return {name: np.array([row[name] for row in rows]) for name in rows[0]}
