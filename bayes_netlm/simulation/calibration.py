r"""Rank statistics, PIT ECDF differences with simultaneous bands, and the SBC pass rule.

Simulation-based calibration (Talts et al. 2018; Modrak et al. 2023): draw
:math:`\tilde\theta \sim p(\theta)`, data :math:`\tilde y \sim p(y \mid \tilde\theta)`, and the
posterior given :math:`\tilde y`. If the posterior is right, the probability integral transform

.. math::

    u = P(\theta < \tilde\theta \mid \tilde y)

is Uniform(0, 1) over simulations, for every parameter and every function of the parameters
(HR, medians, RMST difference). With an exact posterior :math:`u` is its distribution function at
the true value; with :math:`L` posterior draws it is the normalised rank
:math:`u = (r + V) / (L + 1)`, :math:`r = \#\{\theta_l < \tilde\theta\}`, :math:`V \sim U(0, 1)`
(the jitter makes the discrete rank a continuous uniform when the draws are independent, so MCMC
draws are thinned first).

Pass rule
---------
For each quantity, the ECDF of the :math:`N` PIT values minus the uniform CDF must stay inside the
simultaneous band of Säilynoja, Bürkner and Vehtari (2022), evaluated at :math:`K = \min(N, 100)`
equally spaced points :math:`z_i = i/K`: the pointwise binomial band at level :math:`\gamma` whose
simultaneous coverage of a uniform sample's ECDF is :math:`1 - \alpha`, with :math:`\gamma`
calibrated by simulating uniform ECDFs (their counts at the :math:`z_i` are cumulative sums of a
Multinomial(:math:`N`, 1/K) draw) with a fixed seed (:func:`simultaneous_band`). A family of
:math:`m` quantities uses :math:`\alpha = 0.05 / m` per quantity (Bonferroni), so a calibrated
family passes with probability at least 95 % and a failure points at the quantity whose curve
leaves its band.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "FAMILY_ALPHA",
    "QuantityCheck",
    "check_quantity",
    "check_family",
    "pit_from_draws",
    "simultaneous_band",
]

#: Family-wise probability that a calibrated model fails the rule.
FAMILY_ALPHA = 0.05
_BAND_SIMULATIONS = 4000
_POINTS = 100


def pit_from_draws(draws: np.ndarray, truth: float, rng: np.random.Generator) -> float:
    """Jittered normalised rank ``(#{draws < truth} + V) / (L + 1)`` of one true value."""
    draws = np.ravel(draws)
    rank = int(np.sum(draws < truth))
    return (rank + float(rng.uniform())) / (draws.size + 1)


@dataclass(frozen=True)
class QuantityCheck:
    """PIT ECDF difference of one quantity, its simultaneous band and the verdict."""

    name: str
    x: np.ndarray
    difference: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    band_probability: float

    @property
    def passed(self) -> bool:
        """Whether the ECDF difference stays inside the band at every point."""
        return bool(np.all((self.difference >= self.lower) & (self.difference <= self.upper)))

    @property
    def worst_excess(self) -> float:
        """Largest distance outside the band (0 when inside)."""
        above = self.difference - self.upper
        below = self.lower - self.difference
        return float(max(0.0, np.max(above), np.max(below)))


def check_quantity(name: str, pit: np.ndarray, band_probability: float = 0.95) -> QuantityCheck:
    """ECDF difference of PIT values and its simultaneous band (deterministic: fixed band seed)."""
    pit = np.asarray(pit, dtype=float)
    if pit.ndim != 1 or pit.size < 2 or not np.all((pit >= 0) & (pit <= 1)):
        raise ValueError("PIT values must be a 1-D array of at least 2 values in [0, 1]")
    x, lower, upper = simultaneous_band(pit.size, band_probability)
    ecdf = np.searchsorted(np.sort(pit), x, side="right") / pit.size
    return QuantityCheck(name, x, ecdf - x, lower - x, upper - x, band_probability)


@functools.lru_cache(maxsize=64)
def simultaneous_band(n: int, probability: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluation points and the simultaneous ECDF band of ``n`` uniform values.

    Returns
    -------
    tuple of numpy.ndarray
        ``z`` (the points ``i / K``), lower and upper band of the ECDF at ``z``.

    """
    points = min(n, _POINTS)
    z = np.arange(1, points) / points
    rng = np.random.default_rng(214)
    counts = rng.multinomial(n, np.full(points, 1 / points), size=_BAND_SIMULATIONS)
    below = np.cumsum(counts, axis=1)[:, :-1]
    lower_tail = stats.binom.cdf(below, n, z).min(axis=1)
    upper_tail = stats.binom.sf(below - 1, n, z).min(axis=1)
    smallest = 2 * np.minimum(lower_tail, upper_tail)
    gamma = float(np.quantile(smallest, 1 - probability))
    lower = stats.binom.ppf(gamma / 2, n, z) / n
    upper = stats.binom.ppf(1 - gamma / 2, n, z) / n
    return z, lower, upper


def check_family(pits: Mapping[str, np.ndarray]) -> dict[str, QuantityCheck]:
    """Every quantity of one model family at the Bonferroni-adjusted band probability."""
    probability = 1 - FAMILY_ALPHA / len(pits)
    return {name: check_quantity(name, values, probability) for name, values in pits.items()}
