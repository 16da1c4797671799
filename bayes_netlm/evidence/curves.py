"""Digitised Kaplan-Meier curves and numbers-at-risk tables in: read, validate, clean.

Two CSV files (or data frames) describe one published survival figure:

- the **curve** file, columns ``arm,time,survival``: points read off the figure (a
  WebPlotDigitizer-style export), one row per point, any order. Survival is a fraction (0-1) or a
  percent (0-100); the scale is detected from the largest value (above 1.5 means percent) and
  said in the notes.
- the **numbers-at-risk** file, columns ``arm,time,n_at_risk``: the table printed under the
  figure. Each arm's table starts at time 0 with the number of patients.

Optionally the total number of events per arm is known (``--events arm=N,...``,
:func:`parse_total_events`).

Cleaning of the curve (every change is one sentence in :attr:`CurveInput.notes`): percent to
fraction; sort by time, then survival descending (the upper corner of a drop before the lower);
values up to 0.05 outside [0, 1] (digitising noise) clipped; a point above an earlier one lowered
to it (running minimum: a survival curve never rises); repeated identical points dropped, and of
more than two points at one time only the highest and lowest kept (the two corners of a drop);
(0, 1) prepended where the curve does not start there.

Refused (:class:`~bayes_netlm.errors.InputError`, every problem at once; data rows count from 1,
the header not counted): missing columns, missing or non-numeric cells, negative times, survival
far outside the axis, an arm with fewer than two points, an arm in one file but not the other,
an at-risk table not starting at time 0 or with counts that rise over time, are negative or not
whole, or differ at one time; total events that are negative or exceed the arm's patients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.evidence.patients import read_table

__all__ = [
    "AtRiskTable",
    "CurveInput",
    "DigitisedCurve",
    "clean_curve",
    "load_curve_input",
    "parse_total_events",
]

CURVE_COLUMNS = ("arm", "time", "survival")
AT_RISK_COLUMNS = ("arm", "time", "n_at_risk")
_PERCENT_ABOVE = 1.5
_NOISE = 0.05
_MAX_ROWS_SHOWN = 10


@dataclass(frozen=True, eq=False)
class DigitisedCurve:
    """One arm's cleaned curve: times ascending from 0, survival (a fraction) falling from 1."""

    arm: str
    time: np.ndarray
    survival: np.ndarray


@dataclass(frozen=True, eq=False)
class AtRiskTable:
    """One arm's numbers at risk: times ascending from 0, counts non-increasing."""

    arm: str
    time: np.ndarray
    n_at_risk: np.ndarray


@dataclass(frozen=True, eq=False)
class CurveInput:
    """A validated figure: curve and at-risk table per arm (same arms), optional total events.

    Parameters
    ----------
    curves, at_risk : dict
        Arm label to :class:`DigitisedCurve` / :class:`AtRiskTable`, arms in order of appearance.
    total_events : dict of str to int
        Total events of the arms where it is known.
    notes : tuple of str
        Every change made while cleaning, and the survival scale detected.

    """

    curves: dict[str, DigitisedCurve]
    at_risk: dict[str, AtRiskTable]
    total_events: dict[str, int]
    notes: tuple[str, ...]

    @property
    def arms(self) -> tuple[str, ...]:
        """The arm labels."""
        return tuple(self.curves)


def _where(source: str, column: str, rows: Sequence[int] | np.ndarray = ()) -> str:
    positions = [int(row) for row in rows]
    if not positions:
        return f"{source}, column '{column}'"
    shown = ", ".join(str(row + 1) for row in positions[:_MAX_ROWS_SHOWN])
    extra = len(positions) - _MAX_ROWS_SHOWN
    more = f" and {extra} more" if extra > 0 else ""
    noun = "data row" if len(positions) == 1 else "data rows"
    return f"{source}, {noun} {shown}{more}, column '{column}'"


def _frame(
    path_or_frame: str | Path | pd.DataFrame, source: str | None
) -> tuple[pd.DataFrame, str]:
    if isinstance(path_or_frame, pd.DataFrame):
        return path_or_frame.reset_index(drop=True), source or "data frame"
    return read_table(path_or_frame), source or Path(path_or_frame).name


def _missing_columns(frame: pd.DataFrame, wanted: tuple[str, ...], source: str) -> list[Problem]:
    present = ", ".join(str(c) for c in frame.columns) or "no columns"
    return [
        Problem(
            f"{source}, column '{name}'",
            "column not found",
            f"the file has: {present}; name the columns {', '.join(wanted)}",
        )
        for name in wanted
        if name not in frame.columns
    ]


def _numbers(frame: pd.DataFrame, column: str, source: str) -> tuple[np.ndarray, list[Problem]]:
    """Column as floats, with problems for missing, non-numeric and negative cells."""
    cells = frame[column]
    values = pd.to_numeric(cells, errors="coerce").astype(float).to_numpy()
    missing = cells.isna().to_numpy()
    text = ~missing & np.isnan(values)
    checks = [
        (missing, "value missing", "fill it in or delete the row"),
        (text, "not a number", "write plain numbers, e.g. 12.5 (no units or % signs)"),
        (np.isinf(values), "infinite value", "write a finite number"),
        (values < 0, "negative value", "times and counts are >= 0; re-read the point"),
    ]
    problems = [
        Problem(_where(source, column, np.flatnonzero(mask)), what, fix)
        for mask, what, fix in checks
        if mask.any()
    ]
    return values, problems


def _arm_labels(frame: pd.DataFrame, source: str) -> tuple[np.ndarray, list[Problem]]:
    labels = frame["arm"].map(lambda v: str(v).strip(), na_action="ignore")
    empty = labels.isna() | (labels == "")
    problems = []
    if empty.any():
        problems.append(
            Problem(
                _where(source, "arm", np.flatnonzero(empty)),
                "arm label missing",
                "name the arm of every row, spelt the same in both files",
            )
        )
    return labels.fillna("").to_numpy(dtype=object), problems


def clean_curve(
    arm: str, time: np.ndarray, survival: np.ndarray
) -> tuple[DigitisedCurve, list[str]]:
    """Sort, clip, make non-increasing, thin repeated times and start at (0, 1).

    Parameters
    ----------
    arm : str
        Arm label, for the notes.
    time, survival : numpy.ndarray
        Points as read (survival already a fraction), times >= 0.

    Returns
    -------
    DigitisedCurve, list of str
        The cleaned curve and one note per kind of change made.

    """
    notes = []
    order = np.lexsort((-survival, time))
    if np.any(order != np.arange(order.size)):
        notes.append(f"arm {arm!r}: points sorted by time")
    t, s = time[order], survival[order]
    outside = (s < 0) | (s > 1)
    if outside.any():
        notes.append(f"arm {arm!r}: {int(outside.sum())} survival value(s) clipped to [0, 1]")
        s = np.clip(s, 0.0, 1.0)
    monotone = np.minimum.accumulate(s)
    raised = s > monotone
    if raised.any():
        largest = float(np.max(s - monotone))
        notes.append(
            f"arm {arm!r}: {int(raised.sum())} point(s) above an earlier point lowered to it "
            f"(largest change {largest:.4f})"
        )
        s = monotone
    keep = _thin_repeats(t, s)
    if not keep.all():
        notes.append(
            f"arm {arm!r}: {int((~keep).sum())} repeated point(s) dropped (identical points, or "
            "middle points of more than two at one time)"
        )
        t, s = t[keep], s[keep]
    if t[0] > 0 or s[0] < 1:
        notes.append(f"arm {arm!r}: point (0, 1) added at the start")
        t, s = np.concatenate([[0.0], t]), np.concatenate([[1.0], s])
    return DigitisedCurve(arm, _frozen(t), _frozen(s)), notes


def _thin_repeats(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Mask keeping no exact repeat, and of each run of equal times only its first and last."""
    keep = np.r_[True, (t[1:] != t[:-1]) | (s[1:] != s[:-1])]
    kept = np.flatnonzero(keep)
    tk = t[kept]
    middle = np.r_[False, tk[1:] == tk[:-1]] & np.r_[tk[:-1] == tk[1:], False]
    keep[kept[middle]] = False
    return keep


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out


def _read_curves(frame: pd.DataFrame, source: str) -> tuple[dict, list[str], list[Problem]]:
    problems = _missing_columns(frame, CURVE_COLUMNS, source)
    if problems:
        return {}, [], problems
    arms, problems = _arm_labels(frame, source)
    time, found = _numbers(frame, "time", source)
    problems += found
    survival = pd.to_numeric(frame["survival"], errors="coerce").astype(float).to_numpy()
    missing = frame["survival"].isna().to_numpy()
    for mask, what in (
        (missing, "value missing"),
        (~missing & ~np.isfinite(survival), "not a number"),
    ):
        if mask.any():
            problems.append(
                Problem(
                    _where(source, "survival", np.flatnonzero(mask)),
                    what,
                    "write survival as a number, a fraction or a percent",
                )
            )
    finite = np.isfinite(survival)
    top = float(np.max(survival[finite])) if finite.any() else 1.0
    percent = top > _PERCENT_ABOVE
    scale = 100.0 if percent else 1.0
    notes = [
        f"{source}: survival read as {'percent' if percent else 'fractions'} "
        f"(largest value {top:g}){'; divided by 100' if percent else ''}"
    ]
    fraction = survival / scale
    far = finite & ((fraction < -_NOISE) | (fraction > 1 + _NOISE))
    if far.any():
        problems.append(
            Problem(
                _where(source, "survival", np.flatnonzero(far)),
                f"survival far outside the axis (0 to {'100' if percent else '1'})",
                "re-read the point; a fraction and a percent axis cannot be mixed in one file",
            )
        )
    curves = {}
    good = (arms != "") & np.isfinite(time) & (time >= 0) & finite
    for arm in dict.fromkeys(arms[arms != ""]):
        rows = good & (arms == arm)
        if np.count_nonzero(arms == arm) < 2:
            problems.append(
                Problem(
                    f"{source}, arm {arm!r}",
                    "fewer than two points",
                    "read at least the start and the end of the curve",
                )
            )
        elif not problems:
            curve, found_notes = clean_curve(str(arm), time[rows], fraction[rows])
            curves[str(arm)] = curve
            notes += found_notes
    return curves, notes, problems


def _read_at_risk(frame: pd.DataFrame, source: str) -> tuple[dict, list[Problem]]:
    problems = _missing_columns(frame, AT_RISK_COLUMNS, source)
    if problems:
        return {}, problems
    arms, problems = _arm_labels(frame, source)
    time, found = _numbers(frame, "time", source)
    problems += found
    count, found = _numbers(frame, "n_at_risk", source)
    problems += found
    fractional = np.isfinite(count) & (count != np.round(count))
    if fractional.any():
        problems.append(
            Problem(
                _where(source, "n_at_risk", np.flatnonzero(fractional)),
                "number at risk is not a whole number",
                "copy the count as printed under the figure",
            )
        )
    if problems:
        return {}, problems
    tables = {}
    for arm in dict.fromkeys(arms):
        rows = np.flatnonzero(arms == arm)
        order = rows[np.argsort(time[rows], kind="stable")]
        table, found = _arm_at_risk(str(arm), time[order], count[order], order, source)
        problems += found
        tables[str(arm)] = table
    return tables, problems


def _arm_at_risk(
    arm: str, time: np.ndarray, count: np.ndarray, rows: np.ndarray, source: str
) -> tuple[AtRiskTable, list[Problem]]:
    problems = []
    same = np.flatnonzero(time[1:] == time[:-1])
    conflicting = same[count[same] != count[same + 1]]
    if conflicting.size:
        problems.append(
            Problem(
                _where(source, "n_at_risk", rows[np.r_[conflicting, conflicting + 1]]),
                f"arm {arm!r}: two different counts at one time",
                "keep one row per arm and time",
            )
        )
    keep = np.r_[True, time[1:] != time[:-1]]
    time, count, rows = time[keep], count[keep], rows[keep]
    rising = np.flatnonzero(count[1:] > count[:-1]) + 1
    if rising.size:
        problems.append(
            Problem(
                _where(source, "n_at_risk", rows[rising]),
                f"arm {arm!r}: number at risk rises over time",
                "numbers at risk can only fall; check the row and the arm label",
            )
        )
    if time[0] != 0:
        problems.append(
            Problem(
                f"{source}, arm {arm!r}",
                f"the at-risk table starts at time {time[0]:g}, not 0",
                "add the row with time 0 and the number of patients of the arm",
            )
        )
    elif count[0] <= 0:
        problems.append(
            Problem(
                _where(source, "n_at_risk", rows[:1]),
                f"arm {arm!r}: no patients at time 0",
                "give the number of patients of the arm at time 0",
            )
        )
    return AtRiskTable(arm, _frozen(time), _frozen(count).astype(np.int64)), problems


def parse_total_events(text: str, where: str = "--events") -> dict[str, int]:
    """Read ``"arm=N,arm=N"`` into a mapping of arm to total events.

    Raises
    ------
    InputError
        Naming every part that is not ``label=whole number``.

    """
    result: dict[str, int] = {}
    problems = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        label, sep, number = part.rpartition("=")
        if not sep or not label.strip() or not number.strip().isdigit():
            problems.append(
                Problem(where, f"{part!r} is not arm=N", "write e.g. --events cystic=7,solid=310")
            )
            continue
        result[label.strip()] = int(number)
    if problems:
        raise InputError(problems)
    return result


def load_curve_input(
    curve: str | Path | pd.DataFrame,
    at_risk: str | Path | pd.DataFrame,
    total_events: Mapping[str, int] | None = None,
    *,
    curve_source: str | None = None,
    at_risk_source: str | None = None,
) -> CurveInput:
    """Read, validate and clean a digitised figure: both files and the optional event totals.

    Parameters
    ----------
    curve, at_risk : str, pathlib.Path or pandas.DataFrame
        The curve (``arm,time,survival``) and numbers-at-risk (``arm,time,n_at_risk``) tables.
    total_events : mapping of str to int, optional
        Total events of some or all arms.
    curve_source, at_risk_source : str, optional
        Names for messages (default: file names, or "data frame").

    Returns
    -------
    CurveInput
        Cleaned curves and tables of the arms, with the notes of every change.

    Raises
    ------
    InputError
        With every problem of both files and of the totals (see the module notes).

    """
    curve_frame, curve_source = _frame(curve, curve_source)
    risk_frame, at_risk_source = _frame(at_risk, at_risk_source)
    curves, notes, problems = _read_curves(curve_frame, curve_source)
    tables, found = _read_at_risk(risk_frame, at_risk_source)
    problems += found
    if curves and tables:
        for arm in curves.keys() - tables.keys():
            problems.append(
                Problem(
                    f"{at_risk_source}, arm {arm!r}",
                    "arm has a curve but no numbers at risk",
                    "add its at-risk rows, spelt as in the curve file",
                )
            )
        for arm in tables.keys() - curves.keys():
            problems.append(
                Problem(
                    f"{curve_source}, arm {arm!r}",
                    "arm has numbers at risk but no curve",
                    "add its curve points, spelt as in the at-risk file",
                )
            )
    totals = dict(total_events or {})
    for arm, events in totals.items():
        if tables and arm not in tables:
            problems.append(
                Problem(
                    "total events",
                    f"arm {arm!r} is not in the files",
                    f"use one of: {', '.join(tables)}",
                )
            )
        elif arm in tables and not 0 <= events <= tables[arm].n_at_risk[0]:
            problems.append(
                Problem(
                    "total events",
                    f"arm {arm!r}: {events} events for {tables[arm].n_at_risk[0]} patients",
                    "give a count between 0 and the number at time 0",
                )
            )
    if problems:
        raise InputError(problems)
    return CurveInput(curves, {arm: tables[arm] for arm in curves}, totals, tuple(notes))
