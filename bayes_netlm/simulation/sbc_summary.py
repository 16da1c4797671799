r"""SBC of the summary-level hazard-ratio models: exact posteriors, vectorised over simulations.

Normal-Normal (:mod:`bayes_netlm.modeling.hazard_ratio`)
    :math:`\theta = \log HR \sim N(\mu_0, s_0^2)`, :math:`\hat\theta \mid \theta \sim N(\theta,
    \sigma^2)` with :math:`\sigma^2 = 1/d_1 + 1/d_0` from the events the study expects
    (:func:`study_se`); the posterior is Normal, so :math:`u = \Phi((\theta - m)/s)`.

Weibull-shape variant (:mod:`bayes_netlm.modeling.weibull_shape`)
    :math:`\beta \sim N(\mu_0, s_0^2)`, :math:`\log k \sim N(\mu_k, \sigma_k^2)`,
    :math:`r \mid \beta, k \sim N(\beta / k, \sigma^2)`; the posterior of :math:`\beta` is the
    Normal mixture over Gauss-Hermite nodes in :math:`\log k` with weights
    :math:`\propto w_j\, k_j\, N(k_j r;\ \mu_0,\ k_j^2\sigma^2 + s_0^2)`
    (:func:`~bayes_netlm.modeling.weibull_shape.shape_marginal_posterior`, here for many
    simulations at once; the test checks the two agree).

The simulator's prior can differ from the model's (``simulator_prior``): the mis-specified check.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from bayes_netlm.priors import NormalPrior
from bayes_netlm.simulation.design import STUDY, StudyDesign, event_probability

__all__ = ["hr_pit", "shape_hr_pit", "study_se"]

SOLID_OS_MEDIAN = 10.6  # years, the published solid-group OS median


def study_se(design: StudyDesign = STUDY, median: float = SOLID_OS_MEDIAN) -> float:
    """SE of log HR from the expected events: ``sqrt(1/d_index + 1/d_reference)`` (exponential)."""
    p = event_probability(design, median / math.log(2), 1.0)
    return math.sqrt(1 / (design.n_index * p) + 1 / (design.n_reference * p))


def hr_pit(
    prior: NormalPrior,
    sims: int,
    seed: int,
    se: float | None = None,
    simulator_prior: NormalPrior | None = None,
) -> dict[str, np.ndarray]:
    """PIT of log HR for ``sims`` simulations of the Normal-Normal model."""
    se = study_se() if se is None else se
    truth_prior = simulator_prior or prior
    rng = np.random.default_rng(seed)
    theta = rng.normal(truth_prior.mean, truth_prior.sd, sims)
    estimate = rng.normal(theta, se)
    precision = prior.sd**-2 + se**-2
    mean = (prior.mean * prior.sd**-2 + estimate * se**-2) / precision
    return {"log_hr": stats.norm.cdf(theta, mean, precision**-0.5)}


def shape_hr_pit(
    prior: NormalPrior,
    shape: NormalPrior,
    sims: int,
    seed: int,
    se: float | None = None,
    nodes: int = 64,
    simulator_prior: NormalPrior | None = None,
) -> dict[str, np.ndarray]:
    """PIT of log HR (beta) for the Weibull-shape model, exact mixture per simulation."""
    se = study_se() if se is None else se
    truth_prior = simulator_prior or prior
    rng = np.random.default_rng(seed)
    beta = rng.normal(truth_prior.mean, truth_prior.sd, sims)
    k_true = np.exp(rng.normal(shape.mean, shape.sd, sims))
    r = rng.normal(beta / k_true, se)
    return {"log_hr": shape_mixture_cdf(beta, r, se, prior, shape, nodes)}


def shape_mixture_cdf(
    x: np.ndarray, r: np.ndarray, se: float, prior: NormalPrior, shape: NormalPrior, nodes: int
) -> np.ndarray:
    """P(beta < x | r) for each simulation (vectorised shape-marginal posterior)."""
    nodes_x, nodes_w = special.roots_hermite(nodes)
    k = np.exp(shape.mean + math.sqrt(2) * shape.sd * nodes_x)[None, :]
    r = np.asarray(r, dtype=float)[:, None]
    log_w = (
        np.log(nodes_w)[None, :]
        + np.log(k)
        + stats.norm.logpdf(k * r, prior.mean, np.sqrt((k * se) ** 2 + prior.sd**2))
    )
    weights = np.exp(log_w - special.logsumexp(log_w, axis=1, keepdims=True))
    precision = prior.sd**-2 + (k * se) ** -2
    mean = (prior.mean * prior.sd**-2 + k * r * (k * se) ** -2) / precision
    cdf = stats.norm.cdf(np.asarray(x)[:, None], mean, precision**-0.5)
    return np.sum(weights * cdf, axis=1)
