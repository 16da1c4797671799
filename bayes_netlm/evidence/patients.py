"""Patient-level survival data in: one row per patient, validated, turned into arrays.

The study layout (:data:`STUDY_COLUMNS`, written out in ``data/DATA_DICTIONARY.md``) has one row
per patient with an ``id``, a ``group`` label, overall survival (``os_time``, ``os_event``), hepatic
progression-free survival (``pfs_time``, ``pfs_event``), optional baseline covariates and an
optional ``matched_set``. Any other table works too: :func:`load_survival` takes the names of the
columns to use, so a file with ``months``/``dead``/``arm`` is mapped rather than renamed.

Validation collects every problem in the table and raises one
:class:`~bayes_netlm.errors.InputError`. Row numbers in messages count **data rows from 1, the
header not counted**: "data row 1" is the first patient, which a spreadsheet with the header in its
row 1 shows in row 2. Where many rows share one problem, the first ten are listed and the rest
counted.

What each column accepts is set out in :mod:`bayes_netlm.evidence.columns`; the study
layout itself is :mod:`bayes_netlm.evidence.schema`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.evidence.columns import (
    Column,
    groups_without_events,
    listed,
    missing_columns,
    parse_covariates,
    parse_events,
    parse_groups,
    parse_ids,
    parse_matched_sets,
    parse_times,
)
from bayes_netlm.evidence.schema import STUDY_COLUMNS  # re-exported: the public API imports it here
from bayes_netlm.evidence.table_files import check_table_path, csv_columns

__all__ = [
    "STUDY_COLUMNS",
    "SurvivalData",
    "check_identifiable",
    "load_survival",
    "read_table",
    "require_positive_times",
]


@dataclass(frozen=True, eq=False)
class SurvivalData:
    """Validated right-censored survival data of two groups, ready for a model.

    Arrays are read-only and aligned: element ``i`` of each belongs to data row ``i + 1``.

    Parameters
    ----------
    time : numpy.ndarray
        Follow-up times (float, >= 0), in the unit of the file (years in the study layout).
    event : numpy.ndarray
        1 where the event was observed, 0 where the time is censored (int).
    index : numpy.ndarray
        1 for the index group, 0 for the reference group (int).
    covariates : pandas.DataFrame
        Numeric covariates, one column each (possibly none), indexed 0..n-1.
    ids : numpy.ndarray
        Patient ids as text (data row numbers when the file has no id column).
    index_label : str
        Group label of the index group (hazard ratios are index / reference).
    reference_label : str
        Group label of the reference group.
    matched_set : numpy.ndarray or None
        Matched-set label of each patient as text, or None.
    source : str
        Name of the file (or ``"data frame"``) the data came from, for messages.
    notes : tuple of str
        How the loader encoded text covariates, one sentence each.
    weights : numpy.ndarray
        Row weights (float, finite, > 0), e.g. the 1/k within-set weights of a matched cohort
        (:func:`bayes_netlm.analyses.matching.matched_cohort`). Not given (or empty): all ones, an
        unweighted analysis. Estimators that honour them treat a weight as the patient's share of
        the likelihood or of the risk set.

    Raises
    ------
    ValueError
        If ``weights`` is given with a length other than that of ``time`` or holds a value that is
        not finite and > 0.

    """

    time: np.ndarray
    event: np.ndarray
    index: np.ndarray
    covariates: pd.DataFrame
    ids: np.ndarray
    index_label: str
    reference_label: str
    matched_set: np.ndarray | None
    source: str
    notes: tuple[str, ...] = ()
    weights: np.ndarray = field(default_factory=lambda: np.ones(0))

    def __post_init__(self) -> None:
        n = len(np.asarray(self.time))
        given = np.asarray(self.weights, dtype=float)
        weights = np.ones(n) if given.size == 0 else np.array(given)
        if weights.shape != (n,):
            raise ValueError(f"weights has shape {weights.shape}; expected ({n},), one per row")
        if not (np.isfinite(weights).all() and (weights > 0).all()):
            raise ValueError("weights must be finite and > 0")
        weights.setflags(write=False)
        object.__setattr__(self, "weights", weights)

    @property
    def weighted(self) -> bool:
        """Whether any row weight differs from 1."""
        return bool(np.any(self.weights != 1.0))


def require_positive_times(data: SurvivalData) -> None:
    """Refuse times of zero, which a Weibull likelihood cannot take (the loader allows them).

    Raises
    ------
    InputError
        Naming the data rows with a zero time.

    """
    zero = np.flatnonzero(data.time <= 0)
    if zero.size:
        noun = "data row" if zero.size == 1 else "data rows"
        raise InputError.single(
            f"{data.source}, {noun} {listed([str(row + 1) for row in zero])}, follow-up time",
            "time of zero, which the Weibull likelihood cannot take",
            "record a same-day event as a small positive time, e.g. half a day",
        )


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (``.csv``) or Parquet (``.parquet``) file into a data frame.

    CSV floats are parsed so that they round-trip exactly; empty cells and the usual spellings of
    missing ("NA", "n/a", "null", ...) become missing values.

    Parameters
    ----------
    path : str or pathlib.Path
        File to read; the extension picks the format.

    Returns
    -------
    pandas.DataFrame
        The table as stored, with a fresh 0..n-1 index.

    Raises
    ------
    InputError
        If the extension is neither ``.csv`` nor ``.parquet``, the file does not exist, or it
        cannot be read as its format.

    """
    path = check_table_path(path)
    suffix = path.suffix.lower()
    header = csv_columns(path) or []
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:  # pandas would rename the second "x.1" and use the first, without a word
        numbers = {
            name: [str(i + 1) for i, c in enumerate(header) if c == name] for name in repeated
        }
        places = "; ".join(f"{name!r} is columns {', '.join(numbers[name])}" for name in repeated)
        raise InputError.single(
            str(path),
            f"the header names a column twice ({places})",
            "give each column its own name",
        )
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, float_precision="round_trip")
        else:
            frame = pd.read_parquet(path)
    except UnicodeDecodeError as error:
        raise InputError.single(
            str(path),
            f"cannot be read as CSV: it is not UTF-8 text (byte {error.object[error.start]:#04x} "
            f"at position {error.start})",
            "save the file as UTF-8, e.g. 'CSV UTF-8' in Excel or 'Encoding: UTF-8' in an editor",
        ) from None
    except (OSError, ValueError) as error:
        # ValueError covers pandas' parser errors, decoding errors and pyarrow's ArrowInvalid.
        raise InputError.single(
            str(path),
            f"cannot be read as {suffix[1:].upper()}: {error}",
            f"check that the file is a valid {suffix[1:].upper()} table with a header row",
        ) from error
    return frame.reset_index(drop=True)


def load_survival(
    path_or_frame: str | Path | pd.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    index_level: str | None = None,
    covariates: Sequence[str] = (),
    id_col: str | None = "id",
    matched_set: str | None = None,
    source: str | None = None,
) -> SurvivalData:
    """Load and validate one survival endpoint of a two-group patient table.

    Parameters
    ----------
    path_or_frame : str, pathlib.Path or pandas.DataFrame
        A ``.csv`` / ``.parquet`` file (read with :func:`read_table`) or a data frame.
    time, event, group : str
        Names of the follow-up time, event (0/1) and group-label columns,
        e.g. ``"os_time"``, ``"os_event"``, ``"group"``.
    index_level : str, optional
        Group label of the index group. Needed unless the labels are "cystic" and "solid".
    covariates : sequence of str
        Columns to adjust for; see the module notes for text covariates.
    id_col : str or None
        Column of patient ids; None numbers the patients by data row.
    matched_set : str, optional
        Column of matched-set ids.
    source : str, optional
        Name used in messages; defaults to the file name, or ``"data frame"``.

    Returns
    -------
    SurvivalData
        The validated arrays.

    Raises
    ------
    InputError
        With one :class:`~bayes_netlm.errors.Problem` for every problem found: missing columns,
        missing, non-numeric or negative times, event codes other than 0/1, group labels that do not
        make two groups with a known index group, a group without events, missing or duplicate ids,
        non-numeric, missing or constant covariate values, missing matched-set ids.

    """
    if isinstance(path_or_frame, pd.DataFrame):
        frame = path_or_frame.reset_index(drop=True)
        source = source or "data frame"
    else:
        frame = read_table(path_or_frame)
        source = source or Path(path_or_frame).name
    if frame.empty:
        raise InputError.single(
            source, "has a header row but no patient rows", "add one row per patient"
        )
    wanted = [time, event, group, *covariates, *(c for c in (id_col, matched_set) if c)]
    problems = missing_columns(frame, wanted, source)
    problems += [
        Problem(
            f"{source}, column '{name}'",
            "is listed as a covariate but is the group, time or event column itself",
            "drop it from the covariates: the model already uses it",
        )
        for name in dict.fromkeys(covariates)
        if name in (group, time, event)
    ]
    present = set(frame.columns)

    times = np.full(len(frame), np.nan)
    events = np.zeros(len(frame), dtype=np.int64)
    event_ok = np.zeros(len(frame), dtype=bool)
    if time in present:
        times, found = parse_times(frame[time], Column(source, time))
        problems += found
    if event in present:
        events, event_ok, found = parse_events(frame[event], Column(source, event))
        problems += found
    index = None
    labels = ("", "")
    if group in present:
        index, labels, found = parse_groups(frame[group], index_level, Column(source, group))
        problems += found
    if index is not None and event in present:
        problems += groups_without_events(index, events, event_ok, labels, Column(source, event))

    ids = np.array([str(row) for row in range(1, len(frame) + 1)], dtype=object)
    if id_col is not None and id_col in present:
        ids, found = parse_ids(frame[id_col], Column(source, id_col))
        problems += found
    covariate_frame, notes, found = parse_covariates(frame, covariates, source)
    problems += found
    sets = None
    if matched_set is not None and matched_set in present:
        sets, found = parse_matched_sets(frame[matched_set], Column(source, matched_set))
        problems += found

    if not problems and index is not None:
        notes += _small_groups(index, labels)
    if problems or index is None:
        raise InputError(problems)
    return SurvivalData(
        time=_read_only(times),
        event=_read_only(events),
        index=_read_only(index),
        covariates=covariate_frame,
        ids=_read_only(ids),
        index_label=labels[0],
        reference_label=labels[1],
        matched_set=None if sets is None else _read_only(sets),
        source=source,
        notes=notes,
    )


def _read_only(values: np.ndarray) -> np.ndarray:
    values = np.array(values)
    values.setflags(write=False)
    return values


def _small_groups(index: np.ndarray, labels: tuple[str, str]) -> tuple[str, ...]:
    """A warning for each group with a single patient: its estimates rest on one person."""
    counts = (int((index == 1).sum()), int((index == 0).sum()))
    return tuple(
        f"WARNING: group {label!r} has only {count} patient; every estimate for it rests on "
        "that one person"
        for label, count in zip(labels, counts, strict=True)
        if count < 2
    )


def check_identifiable(data: SurvivalData) -> None:
    """Refuse covariates that the group and the other covariates determine exactly.

    Such a covariate's effect cannot be told apart from the group's (or the others'): the
    likelihood is flat along a line and a fit would not converge. Checked before fitting, on the
    design ``[1, group, covariates]``: a column whose least-squares residual on the other columns
    is zero (relative to its own spread) is reported.

    Raises
    ------
    InputError
        One problem per such covariate.

    """
    index, covariates = np.asarray(data.index, dtype=float), data.covariates
    if covariates.empty:
        return
    design = np.column_stack([np.ones(len(index)), index, covariates.to_numpy(dtype=float)])
    problems = []
    for j, name in enumerate(covariates.columns, start=2):
        column = design[:, j]
        others = np.delete(design, j, axis=1)
        fitted = others @ np.linalg.lstsq(others, column, rcond=None)[0]
        if np.std(column - fitted) > 1e-8 * max(np.std(column), 1e-300):
            continue
        by_group = design[:, :2] @ np.linalg.lstsq(design[:, :2], column, rcond=None)[0]
        what = (
            "takes one value per group, so it is the group itself"
            if np.allclose(column, by_group, rtol=0, atol=1e-8 * max(np.std(column), 1e-300))
            else "is an exact linear combination of the group and the other covariates"
        )
        problems.append(
            Problem(
                f"{data.source}, column '{name}'",
                f"covariate {what}: its effect cannot be told apart from theirs",
                "drop it (or the covariates it repeats) from --covariates",
            )
        )
    if problems:
        raise InputError(problems)
