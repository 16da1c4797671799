"""Maximum-entropy Normal (log scale) and Beta distributions under interval constraints.

The numerical side of :mod:`bayes_netlm.sensitivity.elicitation`.

Method
------
``preliz.maxent`` fits the distribution (PreliZ 0.28 fits the passed distribution in place and
returns it when ``plot=False``; nothing is drawn). The PreliZ solution is then polished with a
tight SLSQP run on the same problem (maximise entropy subject to the interval mass, and the mode
when given) so that the stored parameters are accurate well beyond the printed digits, and the
result is checked with SciPy: the interval must hold ``mass`` to 1e-6 (and the Beta its mode).

A maxent Normal on a log scale is the one centred on the middle of the log interval with
``sd = (log upper - log lower) / (2 z)``, ``z = Phi^{-1}((1 + mass) / 2)``; the tests cross-check
PreliZ against that closed form. With a mode the Beta is fully determined by the two constraints
(mode and interval mass); PreliZ's ``fixed_stat=("mode", m)`` is used to find it.

PreliZ imports matplotlib's pyplot and takes seconds to import, so it is imported on first use.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import optimize, stats

__all__ = ["fit_beta", "fit_log_normal"]

_MASS_TOLERANCE = 1e-6


_MODE_TOLERANCE = 1e-6


def _polish(
    start: Sequence[float],
    entropy: Callable[[np.ndarray], float],
    constraints: Sequence[Callable[[np.ndarray], float]],
    bounds: Sequence[tuple[float, float]],
) -> np.ndarray:
    """Refine a PreliZ solution: maximise entropy under the equality constraints, tightly.

    Returns the refined point when it meets the constraints to 1e-10 and, if ``start`` met them
    too, loses no entropy; otherwise ``start`` unchanged.
    """
    x0 = np.asarray(start, dtype=float)

    def residual(x: np.ndarray) -> float:
        return max(abs(c(x)) for c in constraints)

    result = optimize.minimize(
        lambda x: -entropy(x),
        x0,
        method="SLSQP",
        bounds=bounds,
        constraints=[{"type": "eq", "fun": c} for c in constraints],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    x = np.asarray(result.x, dtype=float)
    if not np.all(np.isfinite(x)):
        return x0
    if residual(x) > 1e-10:
        return x0
    # a start that misses the constraints may show more entropy than the true optimum
    start_feasible = residual(x0) <= 1e-10
    return x if not start_feasible or entropy(x) >= entropy(x0) - 1e-9 else x0


def _preliz() -> Any:
    """PreliZ, imported without the global matplotlib setting its import makes.

    Importing PreliZ sets ``savefig.bbox = "tight"`` for the whole process, which would crop every
    figure saved afterwards (the report's figures, a user's own) to its content; the setting is
    put back as it was.
    """
    import matplotlib as mpl

    before = mpl.rcParams["savefig.bbox"]
    import preliz

    mpl.rcParams["savefig.bbox"] = before
    return preliz


def _maxent(dist: Any, lower: float, upper: float, mass: float, **kwargs: Any) -> Any:
    """Run ``preliz.maxent`` silently (no plot, no warnings: the caller checks the result)."""
    preliz = _preliz()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = preliz.maxent(dist, lower, upper, mass, plot=False, **kwargs)
    # PreliZ 0.28 fits ``dist`` in place and returns it; older versions returned (dist, axes)
    return result[0] if isinstance(result, tuple) else dist if result is None else result


def fit_log_normal(lower: float, upper: float, mass: float) -> tuple[float, float]:
    """Maxent Normal with ``mass`` between ``log lower`` and ``log upper``: (mean, sd)."""
    preliz = _preliz()

    a, b = math.log(lower), math.log(upper)
    fitted = _maxent(preliz.Normal(), a, b, mass)
    mu0, sigma0 = float(fitted.mu), float(fitted.sigma)

    def interval_mass(x: np.ndarray) -> float:
        sd = math.exp(x[1])
        return float(stats.norm.cdf(b, x[0], sd) - stats.norm.cdf(a, x[0], sd)) - mass

    def log_sd(x: np.ndarray) -> float:  # the Normal's entropy up to a constant
        return float(x[1])

    width = b - a
    x = _polish(
        [mu0, math.log(sigma0)],
        log_sd,
        [interval_mass],
        [(a - width, b + width), (math.log(width) - 20, math.log(width) + 5)],
    )
    mean, sd = float(x[0]), math.exp(float(x[1]))
    if abs(interval_mass(np.array([mean, math.log(sd)]))) > _MASS_TOLERANCE:
        raise RuntimeError(f"maxent Normal did not converge ({mean}, {sd})")  # pragma: no cover
    return mean, sd


def fit_beta(
    lower: float, upper: float, mass: float, mode: float | None
) -> tuple[float, float] | None:
    """Maxent Beta with ``mass`` in ``[lower, upper]`` (and its mode at ``mode``): (a, b).

    None when no Beta meets the constraints to 1e-6 (with a mode: both parameters above 1).
    """
    preliz = _preliz()

    kwargs: dict[str, Any] = {} if mode is None else {"fixed_stat": ("mode", mode)}
    try:
        fitted = _maxent(preliz.Beta(), lower, upper, mass, **kwargs)
        start = [math.log(float(fitted.alpha)), math.log(float(fitted.beta))]
    except (ValueError, RuntimeError, FloatingPointError, ZeroDivisionError):
        start = [math.log(2.0), math.log(2.0)]
    if not all(math.isfinite(v) for v in start):
        start = [math.log(2.0), math.log(2.0)]

    def interval_mass(x: np.ndarray) -> float:
        a, b = math.exp(x[0]), math.exp(x[1])
        return float(stats.beta.cdf(upper, a, b) - stats.beta.cdf(lower, a, b)) - mass

    target_mode = 0.5 if mode is None else mode

    def mode_gap(x: np.ndarray) -> float:
        a, b = math.exp(x[0]), math.exp(x[1])
        return (a - 1) / (a + b - 2) - target_mode if a + b != 2 else 1.0

    def entropy(x: np.ndarray) -> float:
        return float(stats.beta.entropy(math.exp(x[0]), math.exp(x[1])))

    constraints = [interval_mass] if mode is None else [interval_mass, mode_gap]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = _polish(start, entropy, constraints, [(math.log(1e-3), math.log(1e7))] * 2)
        a, b = math.exp(float(x[0])), math.exp(float(x[1]))
        ok = abs(interval_mass(x)) <= _MASS_TOLERANCE
        if mode is not None:
            ok = ok and a > 1 and b > 1 and abs(mode_gap(x)) <= _MODE_TOLERANCE
    return (a, b) if ok else None
