"""Maximum-entropy prior elicitation from plain statements, via PreliZ.

A clinician says "I am 95 % sure the hazard ratio lies between 0.5 and 2"; this module turns the
statement into the prior with the largest entropy (the least extra information) that agrees with
it, and shows the prior back in the user's own terms so they can check it says what they meant.

Statements
----------
``elicit_hazard_ratio(lower, upper, mass)``
    ``mass`` probability that the HR lies in ``[lower, upper]``: a Normal on log HR.
``elicit_odds_ratio(lower, upper, mass)``
    The same for an odds ratio: a Normal on log OR (``logor:MEAN,SD``).
``elicit_rate(lower, upper, mass, mode=None)``
    ``mass`` probability that a group's rate lies in ``[lower, upper]``, optionally "most likely
    ``mode``": a Beta on the rate.
``parse_statement(text, where)``
    The compact command-line form ``hr:0.5-2@95%``, ``or:0.5-2@90%``, ``rate:0.10-0.35@95%`` or
    ``rate:0.10-0.35@95%,mode=0.2`` (mass defaults to 95 %).

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
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.priors import BetaPrior, NormalPrior, check_normal

__all__ = [
    "Elicited",
    "elicit_hazard_ratio",
    "elicit_odds_ratio",
    "elicit_rate",
    "parse_statement",
]

DEFAULT_MASS = 0.95
KINDS = ("hr", "or", "rate")
_WHERE = "prior statement"
_MASS_TOLERANCE = 1e-6
_MODE_TOLERANCE = 1e-6
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_STATEMENT = re.compile(
    rf"""^\s*(?P<kind>[A-Za-z_]+)\s*:\s*
    (?P<lo>{_NUMBER})\s*(?P<lo_pct>%)?\s*(?:-|to)\s*(?P<hi>{_NUMBER})\s*(?P<hi_pct>%)?\s*
    (?:@\s*(?P<mass>{_NUMBER})\s*(?P<mass_pct>%)?\s*)?
    (?:,\s*mode\s*=\s*(?P<mode>{_NUMBER})\s*(?P<mode_pct>%)?\s*)?$""",
    re.VERBOSE,
)
_FORMS = "hr:LOWER-UPPER@MASS%, or:LOWER-UPPER@MASS% or rate:LOWER-UPPER@MASS%[,mode=M]"


@dataclass(frozen=True)
class Elicited:
    """A prior elicited from a statement, with the statement and the prior shown back.

    Attributes
    ----------
    prior : NormalPrior or BetaPrior
        The maximum-entropy prior, at full precision.
    statement : str
        The plain sentence as understood, e.g. ``"95 % sure the HR lies between 0.5 and 2"``.
    description : str
        The fitted distribution in the user's terms, e.g. ``"Normal(mean 0.000, sd 0.354) on log
        HR: median HR 1.00, 95 % interval 0.50-2.00, P(HR < 1) = 0.50"``.
    as_string : str
        The prior as :func:`bayes_netlm.priors.parse_prior` reads it, e.g. ``"normal:0,0.3537"``
        (4 significant digits).

    """

    prior: NormalPrior | BetaPrior
    statement: str
    description: str
    as_string: str

    def __str__(self) -> str:
        return f"{self.statement} -> {self.description} [{self.as_string}]"


# ---------------------------------------------------------------------------------------------
# formatting


def _num(value: float) -> str:
    """A user's number as they would write it: 0.5, 2, 0.35."""
    return f"{value:g}"


def _pct(value: float) -> str:
    """A probability as a percentage: 0.95 -> '95 %', 0.975 -> '97.5 %'."""
    return f"{round(value * 100, 6):g} %"


def _fixed(value: float, digits: int) -> str:
    """Fixed-point, without a minus sign on a value that rounds to zero."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _ratio(value: float) -> str:
    """A ratio with two decimals, or three significant digits below 0.1 / above 100."""
    return f"{value:.2f}" if 0.1 <= value < 100 else f"{value:.3g}"


def _rate(value: float) -> str:
    """A rate as a fraction: three decimals, or three significant digits below 0.01."""
    return f"{value:.3f}" if value >= 0.01 else f"{value:.3g}"


def _param(value: float) -> str:
    """A prior parameter for ``parse_prior``: 4 significant digits, near-zero as 0."""
    return "0" if abs(value) < 5e-5 else f"{value:.4g}"


# ---------------------------------------------------------------------------------------------
# validation


def _finite(value: float, name: str, where: str, problems: list[Problem]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(Problem(where, f"{name} must be a finite number, got {value!r}", "fix it"))
        return False
    return True


def _check_interval(
    kind: str, lower: float, upper: float, mass: float, where: str, mode: float | None = None
) -> None:
    """Raise one :class:`InputError` with every problem of a statement."""
    problems: list[Problem] = []
    finite = [
        _finite(lower, "the lower bound", where, problems),
        _finite(upper, "the upper bound", where, problems),
        _finite(mass, "the mass", where, problems),
    ]
    if mode is not None:
        finite.append(_finite(mode, "the mode", where, problems))
    if not all(finite):
        raise InputError(problems)
    label = {"hr": "HR", "or": "OR", "rate": "rate"}[kind]
    if kind in ("hr", "or"):
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound <= 0:
                problems.append(
                    Problem(
                        where,
                        f"the {name} {label} bound must be positive, got {_num(bound)}",
                        f"a ratio is above 0: write e.g. {kind}:0.5-2",
                    )
                )
    else:
        for name, bound in (("lower", lower), ("upper", upper)):
            if not 0 < bound < 1:
                problems.append(
                    Problem(
                        where,
                        f"the {name} rate bound must be strictly between 0 and 1, "
                        f"got {_num(bound)}",
                        "write rates as fractions (0.10) or percentages (10%), e.g. rate:0.10-0.35",
                    )
                )
    if kind in ("hr", "or") and 0 < lower < upper and not 1e-3 <= math.log(upper / lower) <= 100:
        problems.append(
            Problem(
                where,
                f"the interval {_num(lower)}-{_num(upper)} is too "
                f"{'narrow' if math.log(upper / lower) < 1e-3 else 'wide'} for a prior",
                f"give ends that differ by at least 0.1 % and at most a factor e^100, "
                f"e.g. {kind}:0.5-2@95%",
            )
        )
    if lower >= upper:
        problems.append(
            Problem(
                where,
                f"the lower bound {_num(lower)} is not below the upper bound {_num(upper)}",
                "write the smaller value first, e.g. hr:0.5-2",
            )
        )
    if not 0 < mass < 1:
        problems.append(
            Problem(
                where,
                f"the mass must be strictly between 0 and 100 %, got {_pct(mass)}",
                "say how sure you are, e.g. @95% or @0.95",
            )
        )
    if mode is not None and not lower < mode < upper:
        problems.append(
            Problem(
                where,
                f"the most likely rate {_num(mode)} is not inside the interval "
                f"{_num(lower)}-{_num(upper)}",
                "give a mode between the two bounds, or leave it out",
            )
        )
    if problems:
        raise InputError(problems)


# ---------------------------------------------------------------------------------------------
# fitting


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


def _maxent(dist: Any, lower: float, upper: float, mass: float, **kwargs: Any) -> Any:
    """Run ``preliz.maxent`` silently (no plot, no warnings: the caller checks the result)."""
    import preliz

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = preliz.maxent(dist, lower, upper, mass, plot=False, **kwargs)
    # PreliZ 0.28 fits ``dist`` in place and returns it; older versions returned (dist, axes)
    return result[0] if isinstance(result, tuple) else dist if result is None else result


def _fit_log_normal(lower: float, upper: float, mass: float) -> tuple[float, float]:
    """Maxent Normal with ``mass`` between ``log lower`` and ``log upper``: (mean, sd)."""
    import preliz

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


def _fit_beta(
    lower: float, upper: float, mass: float, mode: float | None, where: str
) -> tuple[float, float]:
    """Maxent Beta with ``mass`` in ``[lower, upper]`` (and its mode at ``mode``): (a, b)."""
    import preliz

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
    if not ok:
        said = f"{_pct(mass)} between {_num(lower)} and {_num(upper)}"
        if mode is not None:
            said += f" with the most likely value {_num(mode)}"
        raise InputError.single(
            where,
            f"no Beta distribution puts {said}",
            "widen the interval, change the mass, or leave out the mode",
        )
    return a, b


# ---------------------------------------------------------------------------------------------
# public API


def _elicit_ratio(kind: str, lower: float, upper: float, mass: float, where: str) -> Elicited:
    _check_interval(kind, lower, upper, mass, where)
    label, scale, name = {
        "hr": ("HR", "log_hr", "normal"),
        "or": ("OR", "log_or", "logor"),
    }[kind]
    try:
        mean, sd = _fit_log_normal(lower, upper, mass)
    except (RuntimeError, ValueError, FloatingPointError, OverflowError):
        mean, sd = math.nan, math.nan
    problems = check_normal(mean, sd, where)
    if problems:
        raise InputError.single(
            where,
            f"no usable Normal prior on log {label} puts {_pct(mass)} between {_num(lower)} "
            f"and {_num(upper)} (the interval is too narrow or too wide)",
            f"give an interval whose ends differ by at least 0.1 %, e.g. {kind}:0.5-2@95%",
        )
    prior = NormalPrior(mean, sd, scale)
    tail = (1 - mass) / 2
    lo, hi = (
        math.exp(mean + stats.norm.ppf(tail) * sd),
        math.exp(mean + stats.norm.ppf(1 - tail) * sd),
    )
    p_below_1 = float(stats.norm.cdf(0.0, mean, sd))
    description = (
        f"Normal(mean {_fixed(mean, 3)}, sd {sd:.3f}) on log {label}: "
        f"median {label} {_ratio(math.exp(mean))}, {_pct(mass)} interval "
        f"{_ratio(lo)}-{_ratio(hi)}, P({label} < 1) = {p_below_1:.2f}"
    )
    statement = f"{_pct(mass)} sure the {label} lies between {_num(lower)} and {_num(upper)}"
    return Elicited(prior, statement, description, f"{name}:{_param(mean)},{_param(sd)}")


def elicit_hazard_ratio(
    lower: float, upper: float, mass: float = DEFAULT_MASS, *, where: str = _WHERE
) -> Elicited:
    """Normal prior on log HR from "I am ``mass`` sure the HR lies between lower and upper".

    Parameters
    ----------
    lower, upper : float
        The interval for the hazard ratio, ``0 < lower < upper``.
    mass : float
        How sure, as a probability in (0, 1); default 0.95.
    where : str
        Name of the input, for error messages.

    Returns
    -------
    Elicited
        ``prior`` is a ``NormalPrior(mean, sd, "log_hr")``: the maximum-entropy Normal with
        ``mass`` between ``log lower`` and ``log upper``.

    Raises
    ------
    InputError
        A non-positive bound, ``lower >= upper`` or ``mass`` outside (0, 1).

    Examples
    --------
    >>> elicit_hazard_ratio(0.5, 2).as_string
    'normal:0,0.3537'

    """
    return _elicit_ratio("hr", lower, upper, mass, where)


def elicit_odds_ratio(
    lower: float, upper: float, mass: float = DEFAULT_MASS, *, where: str = _WHERE
) -> Elicited:
    """Normal prior on log OR from "I am ``mass`` sure the OR lies between lower and upper".

    As :func:`elicit_hazard_ratio`, on the log odds-ratio scale: ``prior`` is a
    ``NormalPrior(mean, sd, "log_or")`` and ``as_string`` reads ``logor:MEAN,SD``.
    """
    return _elicit_ratio("or", lower, upper, mass, where)


def elicit_rate(
    lower: float,
    upper: float,
    mass: float = DEFAULT_MASS,
    mode: float | None = None,
    *,
    where: str = _WHERE,
) -> Elicited:
    """Beta prior on a rate from "``mass`` sure it lies between lower and upper (about mode)".

    Parameters
    ----------
    lower, upper : float
        The interval for the rate, ``0 < lower < upper < 1``.
    mass : float
        How sure, as a probability in (0, 1); default 0.95.
    mode : float, optional
        The most likely rate, ``lower < mode < upper``. With a mode the two constraints fix the
        Beta (both parameters above 1); without one the Beta of maximum entropy is chosen.
    where : str
        Name of the input, for error messages.

    Returns
    -------
    Elicited
        ``prior`` is a ``BetaPrior(a, b)``; ``as_string`` reads ``beta:A,B``.

    Raises
    ------
    InputError
        A bound outside (0, 1), ``lower >= upper``, ``mass`` outside (0, 1), a mode outside the
        interval, or a statement no Beta can meet (e.g. a mode with a mass below what a flat
        distribution already puts in the interval).

    """
    _check_interval("rate", lower, upper, mass, where, mode)
    a, b = _fit_beta(lower, upper, mass, mode, where)
    dist = stats.beta(a, b)
    tail = (1 - mass) / 2
    lo, hi = float(dist.ppf(tail)), float(dist.ppf(1 - tail))
    held = float(dist.cdf(upper) - dist.cdf(lower))
    fitted_mode = f", mode {_rate((a - 1) / (a + b - 2))}" if a > 1 and b > 1 else ""
    description = (
        f"Beta(a {a:.3f}, b {b:.3f}) on the rate: median {_rate(float(dist.median()))}"
        f"{fitted_mode}, mean {_rate(a / (a + b))}; "
        f"P({_num(lower)} < rate < {_num(upper)}) = {held:.3f}; "
        f"equal-tailed {_pct(mass)} interval {_rate(lo)}-{_rate(hi)}"
    )
    statement = f"{_pct(mass)} sure the rate lies between {_num(lower)} and {_num(upper)}"
    if mode is not None:
        statement += f", most likely {_num(mode)}"
    return Elicited(BetaPrior(a, b), statement, description, f"beta:{_param(a)},{_param(b)}")


def parse_statement(text: str, where: str) -> Elicited:
    """Elicit a prior from the compact command-line form of a statement.

    Parameters
    ----------
    text : str
        ``KIND:LOWER-UPPER[@MASS][,mode=M]`` with ``KIND`` one of ``hr``, ``or``, ``rate``.
        ``MASS`` is a percentage (``95%``) or a fraction (``0.95``), default 95 %. Rate bounds and
        the mode may be fractions (``0.10``) or percentages (``10%``); ``mode=`` is for rates
        only. Examples: ``hr:0.5-2@95%``, ``or:0.5-2@90%``, ``rate:0.10-0.35@95%,mode=0.2``.
    where : str
        Name of the input (e.g. the command-line option), for error messages.

    Raises
    ------
    InputError
        Malformed text, an unknown kind, or any problem :func:`elicit_hazard_ratio`,
        :func:`elicit_odds_ratio` or :func:`elicit_rate` reports.

    """
    match = _STATEMENT.match(text)
    if not match:
        raise InputError.single(
            where, f"cannot read the prior statement {text!r}", f"write {_FORMS}"
        )
    kind = match["kind"].lower()
    if kind not in KINDS:
        raise InputError.single(
            where,
            f"unknown kind {match['kind']!r} in the prior statement {text!r}",
            f"start with one of {', '.join(k + ':' for k in KINDS)} e.g. hr:0.5-2@95%",
        )
    lower, upper = float(match["lo"]), float(match["hi"])
    if match["lo_pct"] or match["hi_pct"]:
        if kind != "rate":
            raise InputError.single(
                where,
                f"a {kind.upper()} bound cannot be a percentage ({text!r})",
                f"write the ratio itself, e.g. {kind}:0.5-2@95%",
            )
        lower = lower / 100 if match["lo_pct"] else lower
        upper = upper / 100 if match["hi_pct"] else upper
    mass = DEFAULT_MASS
    if match["mass"] is not None:
        mass = float(match["mass"]) / (100 if match["mass_pct"] else 1)
    mode: float | None = None
    if match["mode"] is not None:
        if kind != "rate":
            raise InputError.single(
                where,
                f"mode= is only for rates, not for a {kind.upper()} ({text!r})",
                f"leave it out: {kind}:{match['lo']}-{match['hi']}@{_pct(mass).replace(' ', '')}",
            )
        mode = float(match["mode"]) / (100 if match["mode_pct"] else 1)
    if kind == "rate":
        return elicit_rate(lower, upper, mass, mode, where=where)
    return _elicit_ratio(kind, lower, upper, mass, where)
