"""Prior statements in the user's terms: number formats, and every problem of a statement.

Helpers of :mod:`bayes_netlm.sensitivity.elicitation`: the formatters show a statement and its
fitted prior back as the user would write them; :func:`check_interval` collects every problem of a
statement and raises them at once.
"""

from __future__ import annotations

import math

from bayes_netlm.errors import InputError, Problem

__all__ = [
    "check_interval",
    "fmt_fixed",
    "fmt_number",
    "fmt_percent",
    "fmt_rate",
    "fmt_ratio",
]


def fmt_number(value: float) -> str:
    """A user's number as they would write it: 0.5, 2, 0.35."""
    return f"{value:g}"


def fmt_percent(value: float) -> str:
    """A probability as a percentage: 0.95 -> '95 %', 0.975 -> '97.5 %'."""
    return f"{round(value * 100, 6):g} %"


def fmt_fixed(value: float, digits: int) -> str:
    """Fixed-point, without a minus sign on a value that rounds to zero."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def fmt_ratio(value: float) -> str:
    """A ratio with two decimals, or three significant digits below 0.1 / above 100."""
    return f"{value:.2f}" if 0.1 <= value < 100 else f"{value:.3g}"


def fmt_rate(value: float) -> str:
    """A rate as a fraction: three decimals, or three significant digits below 0.01."""
    return f"{value:.3f}" if value >= 0.01 else f"{value:.3g}"


def _finite(value: float, name: str, where: str, problems: list[Problem]) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(Problem(where, f"{name} must be a finite number, got {value!r}", "fix it"))
        return False
    return True


def check_interval(
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
                        f"the {name} {label} bound must be positive, got {fmt_number(bound)}",
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
                        f"got {fmt_number(bound)}",
                        "write rates as fractions (0.10) or percentages (10%), e.g. rate:0.10-0.35",
                    )
                )
    if kind in ("hr", "or") and 0 < lower < upper and not 1e-3 <= math.log(upper / lower) <= 100:
        problems.append(
            Problem(
                where,
                f"the interval {fmt_number(lower)}-{fmt_number(upper)} is too "
                f"{'narrow' if math.log(upper / lower) < 1e-3 else 'wide'} for a prior",
                f"give ends that differ by at least 0.1 % and at most a factor e^100, "
                f"e.g. {kind}:0.5-2@95%",
            )
        )
    if lower >= upper:
        problems.append(
            Problem(
                where,
                f"the lower bound {fmt_number(lower)} is not below the upper bound "
                f"{fmt_number(upper)}",
                "write the smaller value first, e.g. hr:0.5-2",
            )
        )
    if not 0 < mass < 1:
        problems.append(
            Problem(
                where,
                f"the mass must be strictly between 0 and 100 %, got {fmt_percent(mass)}",
                "say how sure you are, e.g. @95% or @0.95",
            )
        )
    if mode is not None and not lower < mode < upper:
        problems.append(
            Problem(
                where,
                f"the most likely rate {fmt_number(mode)} is not inside the interval "
                f"{fmt_number(lower)}-{fmt_number(upper)}",
                "give a mode between the two bounds, or leave it out",
            )
        )
    if problems:
        raise InputError(problems)
