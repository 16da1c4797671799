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
Maximum entropy under the statement's constraints, by PreliZ, polished and checked with SciPy
(:mod:`bayes_netlm.sensitivity.maxent`).

PreliZ imports matplotlib's pyplot and takes seconds to import, so it is imported on first use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bayes_netlm.errors import InputError
from bayes_netlm.priors import BetaPrior, NormalPrior, check_normal, fmt_param
from bayes_netlm.sensitivity.elicitation_checks import (
    check_interval,
    fmt_fixed,
    fmt_number,
    fmt_percent,
    fmt_rate,
    fmt_ratio,
)

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


def _elicit_ratio(kind: str, lower: float, upper: float, mass: float, where: str) -> Elicited:
    check_interval(kind, lower, upper, mass, where)
    # SciPy and the maximum-entropy fit load only once the statement passed its checks, so a
    # bad statement is answered at once
    from scipy import stats

    from bayes_netlm.sensitivity.maxent import fit_log_normal

    label, scale, name = {
        "hr": ("HR", "log_hr", "normal"),
        "or": ("OR", "log_or", "logor"),
    }[kind]
    try:
        mean, sd = fit_log_normal(lower, upper, mass)
    except (RuntimeError, ValueError, FloatingPointError, OverflowError):
        mean, sd = math.nan, math.nan
    problems = check_normal(mean, sd, where)
    if problems:
        raise InputError.single(
            where,
            f"no usable Normal prior on log {label} puts {fmt_percent(mass)} between "
            f"{fmt_number(lower)} and {fmt_number(upper)} (the interval is too narrow or too wide)",
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
        f"Normal(mean {fmt_fixed(mean, 3)}, sd {sd:.3f}) on log {label}: "
        f"median {label} {fmt_ratio(math.exp(mean))}, {fmt_percent(mass)} interval "
        f"{fmt_ratio(lo)}-{fmt_ratio(hi)}, P({label} < 1) = {p_below_1:.2f}"
    )
    statement = (
        f"{fmt_percent(mass)} sure the {label} lies between {fmt_number(lower)} "
        f"and {fmt_number(upper)}"
    )
    return Elicited(prior, statement, description, f"{name}:{fmt_param(mean)},{fmt_param(sd)}")


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
    check_interval("rate", lower, upper, mass, where, mode)
    from scipy import stats

    from bayes_netlm.sensitivity.maxent import fit_beta

    fitted = fit_beta(lower, upper, mass, mode)
    if fitted is None:
        said = f"{fmt_percent(mass)} between {fmt_number(lower)} and {fmt_number(upper)}"
        if mode is not None:
            said += f" with the most likely value {fmt_number(mode)}"
        raise InputError.single(
            where,
            f"no Beta distribution puts {said}",
            "widen the interval, change the mass, or leave out the mode",
        )
    a, b = fitted
    dist = stats.beta(a, b)
    tail = (1 - mass) / 2
    lo, hi = float(dist.ppf(tail)), float(dist.ppf(1 - tail))
    held = float(dist.cdf(upper) - dist.cdf(lower))
    fitted_mode = f", mode {fmt_rate((a - 1) / (a + b - 2))}" if a > 1 and b > 1 else ""
    description = (
        f"Beta(a {a:.3f}, b {b:.3f}) on the rate: median {fmt_rate(float(dist.median()))}"
        f"{fitted_mode}, mean {fmt_rate(a / (a + b))}; "
        f"P({fmt_number(lower)} < rate < {fmt_number(upper)}) = {held:.3f}; "
        f"equal-tailed {fmt_percent(mass)} interval {fmt_rate(lo)}-{fmt_rate(hi)}"
    )
    statement = (
        f"{fmt_percent(mass)} sure the rate lies between {fmt_number(lower)} "
        f"and {fmt_number(upper)}"
    )
    if mode is not None:
        statement += f", most likely {fmt_number(mode)}"
    return Elicited(BetaPrior(a, b), statement, description, f"beta:{fmt_param(a)},{fmt_param(b)}")


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
        if not match["mass_pct"] and mass > 1:  # "@95" was read as 9500 %
            raise InputError.single(
                where,
                f"the mass {match['mass']} in {text!r} has no % sign, so it reads as a fraction",
                f"write it as a percentage ({match['mass']}%) or a fraction ({mass / 100:g})",
            )
    mode: float | None = None
    if match["mode"] is not None:
        if kind != "rate":
            raise InputError.single(
                where,
                f"mode= is only for rates, not for a {kind.upper()} ({text!r})",
                f"leave it out: {kind}:{match['lo']}-{match['hi']}"
                f"@{fmt_percent(mass).replace(' ', '')}",
            )
        mode = float(match["mode"]) / (100 if match["mode_pct"] else 1)
    if kind == "rate":
        return elicit_rate(lower, upper, mass, mode, where=where)
    return _elicit_ratio(kind, lower, upper, mass, where)
