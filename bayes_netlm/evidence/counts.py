"""Counts as published: an exact count, an interval, or a rounded percentage of a group.

A percentage printed to whole percent does not pin a count down: 22 % of 452 is any count k with
21.5 <= 100 k / 452 <= 22.5, i.e. 98..101. The models treat such a count as interval-censored and
marginalise over every value the rounding allows (see :mod:`bayes_netlm.modeling.rates`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from bayes_netlm.errors import InputError

__all__ = ["CountRange", "parse_count", "parse_count_of"]

_PERCENT = re.compile(r"^\s*(?P<op><|>)?\s*(?P<value>\d+(?:\.(?P<decimals>\d+))?)\s*%\s*$")
_INTERVAL = re.compile(r"^\s*(?P<lo>\d+)\s*-\s*(?P<hi>\d+)\s*$")
_INTEGER = re.compile(r"^\s*(?P<k>\d+)\s*$")


@dataclass(frozen=True)
class CountRange:
    """Every count from ``low`` to ``high`` (inclusive) of ``n`` is consistent with the report.

    Attributes
    ----------
    low, high : int
        Smallest and largest count the published figure allows.
    n : int
        Group size.
    text : str
        The figure as published, e.g. ``"22%"``.

    """

    low: int
    high: int
    n: int
    text: str

    @property
    def exact(self) -> bool:
        """Whether the figure pins the count down to one value."""
        return self.low == self.high

    def __str__(self) -> str:
        counts = str(self.low) if self.exact else f"{self.low}-{self.high}"
        return f"{counts}/{self.n}"


def _percent_range(
    op: str | None, value: Fraction, half_width: Fraction, n: int
) -> tuple[int, int]:
    if op == "<":
        # k / n < value  <=>  k < value * n
        return 0, math.ceil(value * n / 100) - 1
    if op == ">":
        return math.floor(value * n / 100) + 1, n
    low = math.ceil((value - half_width) * n / 100)
    high = math.floor((value + half_width) * n / 100)
    return max(low, 0), min(high, n)


#: the largest group size read (larger ones overflowed the exact posterior's arithmetic)
MAX_GROUP = 10**7
#: the most counts one figure may allow: the exact posterior is a mixture with one Beta per count
#: (1001 counts, 22 % of 100,000, take about 15 s; 10^6 ran for minutes at 4 GB)
MAX_COUNTS = 2001


def parse_count(text: str, n: int, where: str) -> CountRange:
    """Parse a published count figure for a group of size ``n``.

    Parameters
    ----------
    text : str
        ``"3"`` (exact), ``"98-101"`` (interval), ``"22%"`` (rounded to the printed precision),
        ``"<2%"`` or ``">98%"`` (strict bounds).
    n : int
        Group size (positive).
    where : str
        Name of the input, used in error messages.

    Returns
    -------
    CountRange
        The counts consistent with the figure.

    Raises
    ------
    InputError
        Malformed text, a percentage over 100, a count above ``n``, an interval whose bounds are
        reversed, a percentage no count of ``n`` can produce, ``n`` over :data:`MAX_GROUP`, or
        more than :data:`MAX_COUNTS` counts allowed.

    """
    if n <= 0:
        raise InputError.single(where, f"group size {n} is not positive", "give N >= 1")
    if n > MAX_GROUP:
        raise InputError.single(
            where, f"group size {n} is over {MAX_GROUP:,}", f"give N <= {MAX_GROUP:,}"
        )
    fix = "write K as an integer (3), an interval (98-101) or a percentage (22%, <2%)"
    if match := _INTEGER.match(text):
        low = high = int(match["k"])
    elif match := _INTERVAL.match(text):
        low, high = int(match["lo"]), int(match["hi"])
        if low > high:
            raise InputError.single(
                where, f"interval {text!r} has its lower bound above its upper bound", "write LO-HI"
            )
    elif match := _PERCENT.match(text):
        value = Fraction(match["value"])
        if value > 100:
            raise InputError.single(
                where, f"percentage {text!r} is over 100 %", "give a percentage 0-100"
            )
        decimals = len(match["decimals"] or "")
        half_width = Fraction(1, 2) / 10**decimals
        low, high = _percent_range(match["op"], value, half_width, n)
        if low > high:
            raise InputError.single(
                where, f"no count out of {n} rounds to {text!r}", "check the percentage and N"
            )
    elif text.strip().startswith("-"):
        raise InputError.single(where, f"count {text!r} is negative", "counts are >= 0")
    else:
        raise InputError.single(where, f"cannot read the count {text!r}", fix)
    if high > n:
        raise InputError.single(
            where, f"count {high} is above the group size {n}", "a count cannot exceed N"
        )
    if high - low + 1 > MAX_COUNTS:
        raise InputError.single(
            where,
            f"{text.strip()!r} of {n} allows {high - low + 1:,} counts (at most {MAX_COUNTS:,})",
            "give the count itself, a narrower interval or a more precise percentage",
        )
    return CountRange(low, high, n, text.strip())


def parse_count_of(text: str, where: str) -> CountRange:
    """Parse ``K/N`` where K is anything :func:`parse_count` reads and N a positive integer."""
    parts = text.split("/")
    if len(parts) != 2:
        raise InputError.single(
            where, f"cannot read {text!r} as K/N", "write e.g. 3/12, 98-101/452 or 22%/452"
        )
    count, size = parts
    if not _INTEGER.match(size):
        raise InputError.single(
            where, f"group size {size!r} in {text!r} is not a whole number", "write N as 452"
        )
    return parse_count(count, int(size), where)
