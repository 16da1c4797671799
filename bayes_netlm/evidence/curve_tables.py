"""The two tables of a digitised figure, cell by cell: the curve points and the numbers at risk.

Helpers of :func:`bayes_netlm.evidence.curves.load_curve_input`; each returns the problems it
finds (data rows counted from 1, the header not counted) rather than raising, so that every
problem of both files is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_netlm.errors import Problem
from bayes_netlm.evidence.columns import Column
from bayes_netlm.evidence.curve_cleaning import clean_curve, frozen

__all__ = ["AT_RISK_COLUMNS", "CURVE_COLUMNS", "AtRiskTable", "read_at_risk", "read_curves"]

CURVE_COLUMNS = ("arm", "time", "survival")


AT_RISK_COLUMNS = ("arm", "time", "n_at_risk")


_PERCENT_ABOVE = 1.5


_NOISE = 0.05


@dataclass(frozen=True, eq=False)
class AtRiskTable:
    """One arm's numbers at risk: times ascending from 0, counts non-increasing."""

    arm: str
    time: np.ndarray
    n_at_risk: np.ndarray


def _missing_columns(frame: pd.DataFrame, wanted: tuple[str, ...], source: str) -> list[Problem]:
    """Columns ``wanted`` that the table lacks; with all of them, a table without rows."""
    present = ", ".join(str(c) for c in frame.columns) or "no columns"
    missing = [
        Problem(
            f"{source}, column '{name}'",
            "column not found",
            f"the file has: {present}; name the columns {', '.join(wanted)}",
        )
        for name in wanted
        if name not in frame.columns
    ]
    if not missing and frame.empty:
        return [Problem(source, "no rows under the header", "add the digitised rows")]
    return missing


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
        Problem(Column(source, column).where(np.flatnonzero(mask)), what, fix)
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
                Column(source, "arm").where(np.flatnonzero(empty)),
                "arm label missing",
                "name the arm of every row, spelt the same in both files",
            )
        )
    return labels.fillna("").to_numpy(dtype=object), problems


def read_curves(frame: pd.DataFrame, source: str) -> tuple[dict, list[str], list[Problem]]:
    """Cleaned curve per arm, the notes (scale detected, cleaning) and the problems found."""
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
                    Column(source, "survival").where(np.flatnonzero(mask)),
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
    if percent:  # every percent curve starts high: one starting at most 1.5 is in fractions
        for arm in dict.fromkeys(arms[(arms != "") & finite]):
            rows = np.flatnonzero((arms == arm) & finite & np.isfinite(time))
            if rows.size and survival[rows[np.argmin(time[rows])]] <= _PERCENT_ABOVE:
                above = np.flatnonzero(finite & (survival > _PERCENT_ABOVE))
                problems.append(
                    Problem(
                        Column(source, "survival").where(above),
                        f"read as percent (largest value {top:g}), but arm {arm!r} starts at "
                        f"{survival[rows[np.argmin(time[rows])]]:g}, a fraction",
                        "one file holds one scale: re-read these points as fractions, or "
                        "give every point as a percent",
                    )
                )
                break
    fraction = survival / scale
    far = finite & ((fraction < -_NOISE) | (fraction > 1 + _NOISE))
    if far.any():
        problems.append(
            Problem(
                Column(source, "survival").where(np.flatnonzero(far)),
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


def read_at_risk(frame: pd.DataFrame, source: str) -> tuple[dict, list[Problem]]:
    """At-risk table per arm (sorted by time) and the problems found."""
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
                Column(source, "n_at_risk").where(np.flatnonzero(fractional)),
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
                Column(source, "n_at_risk").where(rows[np.r_[conflicting, conflicting + 1]]),
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
                Column(source, "n_at_risk").where(rows[rising]),
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
                Column(source, "n_at_risk").where(rows[:1]),
                f"arm {arm!r}: no patients at time 0",
                "give the number of patients of the arm at time 0",
            )
        )
    return AtRiskTable(arm, frozen(time), frozen(count).astype(np.int64)), problems
