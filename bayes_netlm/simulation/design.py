r"""Follow-up and censoring of a study, and the events it expects.

Entry is uniform over an accrual period of :math:`A` years; follow-up ends :math:`F` years after
accrual closes (administrative censoring), so potential follow-up is uniform on :math:`(F, A + F]`;
independent exponential loss to follow-up at rate :math:`\rho` per year. The censoring time is
:math:`C = \min(A + F - \text{entry}, L)`, :math:`L \sim \mathrm{Exp}(\rho)`.

The published study (12 cystic vs 452 solid) is :data:`STUDY`: resections 2000-2020
(:math:`A = 21`), follow-up to the end of 2022 (:math:`F = 2`), loss 2 % per year: the scheme of
the project's synthetic cohort (:mod:`bayes_netlm.evidence.synthetic`).

For Weibull survival :math:`S(t) = \exp(-(t/\lambda)^k)` the probability of an observed event is

.. math::

    P(T \le C) = \int_0^{A+F} f(t)\, P(C > t)\, dt, \qquad
    P(C > t) = e^{-\rho t}\, \min\!\left(1, \frac{A + F - t}{A}\right),

computed by quadrature (:func:`event_probability`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate

from bayes_netlm.evidence.synthetic import (
    ACCRUAL_END,
    ACCRUAL_START,
    ADMINISTRATIVE_CENSORING,
    LOSS_TO_FOLLOW_UP_RATE,
)

__all__ = ["STUDY", "StudyDesign", "event_probability", "weibull_times"]


@dataclass(frozen=True)
class StudyDesign:
    """Group sizes, accrual (years), minimum follow-up after accrual (years), loss rate per year."""

    n_index: int
    n_reference: int
    accrual: float
    follow_up: float
    loss_rate: float = LOSS_TO_FOLLOW_UP_RATE

    def censoring_times(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Censoring time of ``n`` patients: ``min(A + F - entry, loss)``."""
        entry = rng.uniform(0.0, self.accrual, n)
        loss = rng.exponential(1.0 / self.loss_rate, n) if self.loss_rate > 0 else np.inf
        return np.minimum(self.accrual + self.follow_up - entry, loss)

    def at_risk(self, t: float) -> float:
        """P(C > t); with no accrual period everyone is followed for ``follow_up`` years.

        Plain floats: it is the integrand of :func:`event_probability`, called about 300 times
        per quadrature, where NumPy's per-call overhead made the quadrature 7 times slower.
        """
        if self.accrual <= 0:
            administrative = 1.0 if t < self.follow_up else 0.0
        else:
            remaining = (self.accrual + self.follow_up - t) / self.accrual
            administrative = min(max(remaining, 0.0), 1.0)
        return math.exp(-self.loss_rate * t) * administrative


STUDY = StudyDesign(
    n_index=12,
    n_reference=452,
    accrual=ACCRUAL_END - ACCRUAL_START,
    follow_up=ADMINISTRATIVE_CENSORING - ACCRUAL_END,
)


def event_probability(design: StudyDesign, scale: float, shape: float) -> float:
    """P(event observed) for Weibull(shape, scale) survival under the design's censoring."""
    horizon = design.accrual + design.follow_up

    def integrand(t: float) -> float:
        if t <= 0:
            return 0.0
        z = (t / scale) ** shape
        return shape / t * z * math.exp(-z) * design.at_risk(t)

    value, _ = integrate.quad(integrand, 0.0, horizon, limit=200, points=[design.follow_up])
    return float(value)


def weibull_times(
    scale: float | np.ndarray, shape: float | np.ndarray, eta: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    r"""Event times with :math:`S(t) = \exp(-(t/\lambda)^k e^{\eta})`.

    :math:`T = \lambda (E e^{-\eta})^{1/k}` with :math:`E \sim \mathrm{Exp}(1)`.
    """
    exponential = rng.exponential(1.0, np.shape(eta))
    return scale * (exponential * np.exp(-np.asarray(eta))) ** (1.0 / np.asarray(shape))
