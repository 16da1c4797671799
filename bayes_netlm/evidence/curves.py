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

Cleaning of the curve: :mod:`bayes_netlm.evidence.curve_cleaning` (every change is one sentence
in :attr:`CurveInput.notes`).

Refused (:class:`~bayes_netlm.errors.InputError`, every problem at once; data rows count from 1,
the header not counted): missing columns, missing or non-numeric cells, negative times, survival
far outside the axis, an arm with fewer than two points, an arm in one file but not the other,
an at-risk table not starting at time 0 or with counts that rise over time, are negative or not
whole, or differ at one time; total events that are negative or exceed the arm's patients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.evidence.curve_cleaning import DigitisedCurve
from bayes_netlm.evidence.curve_tables import AtRiskTable, read_at_risk, read_curves
from bayes_netlm.evidence.patients import read_table

__all__ = ["CurveInput", "load_curve_input", "parse_total_events"]


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


def _frame(
    path_or_frame: str | Path | pd.DataFrame, source: str | None
) -> tuple[pd.DataFrame, str]:
    if isinstance(path_or_frame, pd.DataFrame):
        return path_or_frame.reset_index(drop=True), source or "data frame"
    return read_table(path_or_frame), source or Path(path_or_frame).name


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
    curves, notes, problems = read_curves(curve_frame, curve_source)
    tables, found = read_at_risk(risk_frame, at_risk_source)
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
