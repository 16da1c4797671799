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

Decisions on what is accepted:

- Times are in the file's unit (years in the study layout), finite and >= 0; event codes are 0
  (censored) or 1 (event); true/false also reads as 1/0.
- The index group (numerator of every hazard ratio) is ``index_level``; when it is not given and
  the two labels are "cystic" and "solid" (any letter case), the index group is "cystic".
- A covariate must be numeric, complete and not constant. A text covariate with exactly two levels
  is encoded as a 0/1 indicator and the encoding is recorded in :attr:`SurvivalData.notes`:
  ``primary_site`` becomes ``primary_pancreas`` (1 = pancreas); any other column ``c`` becomes
  ``c_<level>`` with 1 for the level that sorts last. Text with more than two levels is an error:
  such a covariate needs indicator columns chosen by the analyst.
- Matched-set ids are text labels and may not be missing: a matched analysis reads a file of the
  matched patients only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_netlm.errors import InputError, Problem

__all__ = [
    "STUDY_COLUMNS",
    "ColumnSpec",
    "SurvivalData",
    "check_identifiable",
    "load_survival",
    "read_table",
    "require_positive_times",
    "schema_markdown",
]

_MAX_ROWS_SHOWN = 10
_DEFAULT_LABELS = ("cystic", "solid")
# Two-level text covariates of the study layout with a fixed indicator name and "1" level.
_KNOWN_INDICATORS = {"primary_site": ("primary_pancreas", "pancreas")}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the study layout.

    Parameters
    ----------
    name : str
        Column name in the file.
    kind : str
        ``"text"``, ``"number"``, ``"0/1"`` or ``"category"``.
    unit : str
        Unit of measurement, ``"-"`` where there is none.
    allowed : str
        Values the loader accepts.
    meaning : str
        What the column records.
    required : bool
        Whether the study layout needs the column (an analysis needs only the columns it maps).

    """

    name: str
    kind: str
    unit: str
    allowed: str
    meaning: str
    required: bool


STUDY_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("id", "text", "-", "unique, non-empty", "patient identifier", True),
    ColumnSpec(
        "group", "category", "-", "exactly two labels, e.g. cystic / solid", "NETLM phenotype", True
    ),
    ColumnSpec(
        "os_time",
        "number",
        "years",
        ">= 0",
        "time from liver resection to death or last follow-up",
        True,
    ),
    ColumnSpec("os_event", "0/1", "-", "0 = alive at last follow-up, 1 = died", "OS event", True),
    ColumnSpec(
        "pfs_time",
        "number",
        "years",
        ">= 0",
        "time from liver resection to hepatic progression or censoring",
        True,
    ),
    ColumnSpec(
        "pfs_event",
        "0/1",
        "-",
        "0 = censored, 1 = hepatic progression",
        "hepatic PFS event",
        True,
    ),
    ColumnSpec("age", "number", "years", "> 0", "age at liver resection", False),
    ColumnSpec("male", "0/1", "-", "0 = woman, 1 = man", "sex", False),
    ColumnSpec("ki67", "number", "%", "0 to 100", "Ki-67 proliferation index of the tumour", False),
    ColumnSpec(
        "synchronous",
        "0/1",
        "-",
        "0 = metachronous, 1 = synchronous",
        "liver metastases found with the primary",
        False,
    ),
    ColumnSpec(
        "bilobar", "0/1", "-", "0 = one lobe, 1 = both lobes", "bilobar liver metastases", False
    ),
    ColumnSpec(
        "extrahepatic", "0/1", "-", "0 = no, 1 = yes", "metastases outside the liver", False
    ),
    ColumnSpec(
        "size_cm", "number", "cm", "> 0", "size of the liver metastases (largest diameter)", False
    ),
    ColumnSpec(
        "primary_site",
        "category",
        "-",
        "small_bowel / pancreas",
        "site of the primary tumour (covariate: primary_pancreas, 1 = pancreas)",
        False,
    ),
    ColumnSpec(
        "matched_set",
        "text",
        "-",
        "non-empty in a matched-cohort file",
        "propensity-matched set the patient belongs to",
        False,
    ),
)


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
        rows = ", ".join(str(row + 1) for row in zero)
        raise InputError.single(
            f"{data.source}, {noun} {rows}, follow-up time",
            "time of zero, which the Weibull likelihood cannot take",
            "record a same-day event as a small positive time, e.g. half a day",
        )


def schema_markdown() -> str:
    """Render :data:`STUDY_COLUMNS` as the Markdown table of ``data/DATA_DICTIONARY.md``.

    Returns
    -------
    str
        A Markdown table, one line per column, ending in a newline.

    """
    lines = [
        "| column | type | unit | allowed values | meaning | required |",
        "|---|---|---|---|---|---|",
    ]
    for spec in STUDY_COLUMNS:
        required = "yes" if spec.required else "no"
        lines.append(
            f"| `{spec.name}` | {spec.kind} | {spec.unit} | {spec.allowed} | {spec.meaning} "
            f"| {required} |"
        )
    return "\n".join(lines) + "\n"


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
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError.single(
            str(path),
            f"unsupported file type {suffix or '(no extension)'!r}",
            "save the table as .csv or .parquet",
        )
    if not path.exists():
        raise InputError.single(str(path), "file not found", "check the path and the file name")
    if path.is_dir():
        raise InputError.single(str(path), "is a folder, not a file", "give the table's file")
    if not path.is_file():
        raise InputError.single(
            str(path),
            "is not a regular file (a pipe, socket or device)",
            "save the table to a file and give that file",
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
    problems = _missing_columns(frame, wanted, source)
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
        times, found = _parse_times(frame[time], _Column(source, time))
        problems += found
    if event in present:
        events, event_ok, found = _parse_events(frame[event], _Column(source, event))
        problems += found
    index = None
    labels = ("", "")
    if group in present:
        index, labels, found = _parse_groups(frame[group], index_level, _Column(source, group))
        problems += found
    if index is not None and event in present:
        problems += _groups_without_events(index, events, event_ok, labels, _Column(source, event))

    ids = np.array([str(row) for row in range(1, len(frame) + 1)], dtype=object)
    if id_col is not None and id_col in present:
        ids, found = _parse_ids(frame[id_col], _Column(source, id_col))
        problems += found
    covariate_frame, notes, found = _parse_covariates(frame, covariates, source)
    problems += found
    sets = None
    if matched_set is not None and matched_set in present:
        sets, found = _parse_matched_sets(frame[matched_set], _Column(source, matched_set))
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


@dataclass(frozen=True)
class _Column:
    """A column of a source file, to say where a problem is."""

    source: str
    name: str

    def where(self, rows: np.ndarray | Sequence[int] = ()) -> str:
        """Say where: file, data rows (1-based, header not counted) and column."""
        positions = [int(row) for row in rows]
        if not positions:
            return f"{self.source}, column '{self.name}'"
        shown = ", ".join(str(row + 1) for row in positions[:_MAX_ROWS_SHOWN])
        extra = len(positions) - _MAX_ROWS_SHOWN
        more = f" and {extra} more" if extra > 0 else ""
        noun = "data row" if len(positions) == 1 else "data rows"
        return f"{self.source}, {noun} {shown}{more}, column '{self.name}'"


def _read_only(values: np.ndarray) -> np.ndarray:
    values = np.array(values)
    values.setflags(write=False)
    return values


def _rows(mask: np.ndarray | pd.Series) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def _missing_columns(frame: pd.DataFrame, wanted: Sequence[str], source: str) -> list[Problem]:
    present = [str(name) for name in frame.columns]
    absent = list(dict.fromkeys(name for name in wanted if name not in frame.columns))
    return [
        Problem(
            where=f"{source}, column '{name}'",
            what="column not found",
            fix=f"name an existing column; the file has: {', '.join(present) or 'no columns'}",
        )
        for name in absent
    ]


def _as_numbers(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Convert to float; return the numbers and a mask of present cells that are not numbers."""
    if pd.api.types.is_bool_dtype(column):
        column = column.astype(float)
    numbers = pd.to_numeric(column, errors="coerce").astype(float)
    not_numbers = column.notna().to_numpy() & numbers.isna().to_numpy()
    return numbers, not_numbers


def _parse_times(column: pd.Series, place: _Column) -> tuple[np.ndarray, list[Problem]]:
    numbers, not_numbers = _as_numbers(column)
    values = numbers.to_numpy()
    missing = column.isna().to_numpy()
    negative = values < 0
    infinite = np.isinf(values)
    checks = [
        (missing, "follow-up time missing", "fill in the time or remove the patient"),
        (not_numbers, "follow-up time is not a number", "write times as numbers, e.g. 3.25"),
        (negative, "negative follow-up time", "times are durations from resection, >= 0"),
        (infinite, "infinite follow-up time", "give the last follow-up time"),
    ]
    problems = [
        Problem(place.where(_rows(mask)), what, fix) for mask, what, fix in checks if mask.any()
    ]
    return values, problems


def _parse_events(
    column: pd.Series, place: _Column
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    numbers, _ = _as_numbers(column)
    values = numbers.to_numpy()
    valid = (values == 0) | (values == 1)
    problems = []
    if column.isna().any():
        problems.append(
            Problem(
                place.where(_rows(column.isna())),
                "event code missing",
                "use 1 for an observed event, 0 for a censored time",
            )
        )
    bad = ~valid & column.notna().to_numpy()
    if bad.any():
        codes = ", ".join(sorted({repr(value) for value in column[bad].tolist()}))
        problems.append(
            Problem(
                place.where(_rows(bad)),
                f"event code {codes} is not 0 or 1",
                "use 1 for an observed event, 0 for a censored time; recode e.g. 1/2 as 0/1",
            )
        )
    return np.where(valid, values, 0).astype(np.int64), valid, problems


def _label(value: object) -> str:
    """Text label of a cell; whole floats (1.0, as pandas reads an int column with gaps) lose .0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _labels(column: pd.Series) -> pd.Series:
    return column.map(_label, na_action="ignore")


def _parse_groups(
    column: pd.Series, index_level: str | None, place: _Column
) -> tuple[np.ndarray | None, tuple[str, str], list[Problem]]:
    labels = _labels(column)
    problems = []
    if labels.isna().any():
        problems.append(
            Problem(
                place.where(_rows(labels.isna())),
                "group label missing",
                "give every patient one of the two group labels",
            )
        )
    counts = labels.value_counts().sort_index()
    found = ", ".join(f"{level!r} ({count})" for level, count in counts.items())
    choice = _choose_index([str(level) for level in counts.index], index_level)
    if isinstance(choice, Problem):
        shown = found or "none (every label is missing)"
        problems.append(Problem(place.where(), f"{choice.what}; labels found: {shown}", choice.fix))
        return None, ("", ""), problems
    # -1 marks a row without a label, which is reported above and never reaches SurvivalData.
    index = np.select([labels == choice[0], labels == choice[1]], [1, 0], default=-1)
    return index.astype(np.int64), choice, problems


def _choose_index(levels: list[str], index_level: str | None) -> tuple[str, str] | Problem:
    """Return the (index, reference) labels, or what is wrong with them (``where`` left empty)."""
    two_labels = "check the group column: it must hold exactly two labels, each with patients"
    if len(levels) > 2:
        what = f"{len(levels)} different group labels; the comparison needs exactly two"
        return Problem("", what, two_labels)
    if index_level is not None and index_level not in levels:
        return Problem(
            "",
            f"index level {index_level!r} is not a group label: that group has no patients",
            "pass --index-level / index_level= with one of the labels found, spelt as in the file",
        )
    if len(levels) < 2:
        return Problem("", "only one group has patients; the comparison needs two", two_labels)
    if index_level is None:
        by_case = {level.lower(): level for level in levels}
        if set(by_case) != set(_DEFAULT_LABELS):
            return Problem(
                "",
                "cannot tell which group is the index group",
                "pass --index-level / index_level= naming the group in the numerator of the "
                "hazard ratio; only the labels cystic/solid default to cystic",
            )
        index_level = by_case[_DEFAULT_LABELS[0]]
    reference = next(level for level in levels if level != index_level)
    return index_level, reference


def _groups_without_events(
    index: np.ndarray,
    events: np.ndarray,
    event_ok: np.ndarray,
    labels: tuple[str, str],
    place: _Column,
) -> list[Problem]:
    problems = []
    for flag, label in zip((1, 0), labels, strict=True):
        members = index == flag
        if not (events[members & event_ok] == 1).any():
            problems.append(
                Problem(
                    place.where(),
                    f"group {label!r} has no events among its {int(members.sum())} patients",
                    "check the event coding, 1 = event: survival comparisons need events in "
                    "both groups",
                )
            )
    return problems


def _parse_ids(column: pd.Series, place: _Column) -> tuple[np.ndarray, list[Problem]]:
    labels = _labels(column)
    problems = []
    if labels.isna().any():
        problems.append(
            Problem(
                place.where(_rows(labels.isna())),
                "patient id missing",
                "give every patient a unique id, or leave out --id (id_col=None)",
            )
        )
    repeated = labels[labels.duplicated(keep=False) & labels.notna()]
    for value, rows in repeated.groupby(repeated, sort=True).groups.items():
        problems.append(
            Problem(
                place.where(np.asarray(rows)),
                f"patient id {value!r} appears {len(rows)} times",
                "one row per patient: remove the repeated row or correct the id",
            )
        )
    return labels.fillna("").to_numpy(dtype=object), problems


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


def _parse_covariates(
    frame: pd.DataFrame, names: Sequence[str], source: str
) -> tuple[pd.DataFrame, tuple[str, ...], list[Problem]]:
    columns: dict[str, np.ndarray] = {}
    notes: list[str] = []
    problems: list[Problem] = []
    for name in dict.fromkeys(names):
        if name not in frame.columns:
            continue
        place = _Column(source, name)
        column = frame[name]
        numbers, not_numbers = _as_numbers(column)
        present = column.notna().to_numpy()
        if present.any() and not_numbers[present].all():
            encoded = _encode_text(column, place)
            if isinstance(encoded, list):
                problems += encoded
            else:
                columns[encoded[0]] = encoded[1]
                notes.append(encoded[2])
            continue
        found = _missing_values(column, place) + _non_numbers(column, not_numbers, place)
        if not found and numbers.nunique() == 1:
            found.append(
                Problem(
                    place.where(),
                    f"covariate has the same value ({numbers.iloc[0]:g}) for every patient",
                    "drop it from the covariates: a constant cannot be adjusted for",
                )
            )
        problems += found
        columns[name] = numbers.to_numpy()
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame))), tuple(notes), problems


def _missing_values(column: pd.Series, place: _Column) -> list[Problem]:
    if not column.isna().any():
        return []
    return [
        Problem(
            place.where(_rows(column.isna())),
            "covariate value missing",
            "fill it in, or drop the patient or the covariate: the toolkit does not impute",
        )
    ]


def _non_numbers(column: pd.Series, not_numbers: np.ndarray, place: _Column) -> list[Problem]:
    if not not_numbers.any():
        return []
    examples = ", ".join(sorted({repr(value) for value in column[not_numbers].tolist()})[:3])
    return [
        Problem(
            place.where(_rows(not_numbers)),
            f"covariate value is not a number ({examples})",
            "write numbers only and leave unknown values empty",
        )
    ]


def _encode_text(column: pd.Series, place: _Column) -> tuple[str, np.ndarray, str] | list[Problem]:
    """Encode a two-level text covariate as 0/1 (name, values, note), or say why it cannot be."""
    labels = _labels(column)
    levels = sorted(labels.dropna().unique())
    problems = _missing_values(column, place)
    if len(levels) != 2:
        shown = ", ".join(map(repr, levels))
        problems.append(
            Problem(
                place.where(),
                f"text covariate with {len(levels)} level(s) ({shown}); only two-level text "
                "is encoded",
                "code it as numbers or 0/1 indicator columns and list those as covariates",
            )
        )
        return problems
    new_name, one = _KNOWN_INDICATORS.get(place.name, (f"{place.name}_{levels[1]}", levels[1]))
    if one not in levels:
        problems.append(
            Problem(
                place.where(),
                f"levels {levels[0]!r} and {levels[1]!r}; expected {one!r} among them",
                "spell the levels as in the data dictionary",
            )
        )
    if problems:
        return problems
    zero = next(level for level in levels if level != one)
    note = f"covariate '{place.name}' encoded as '{new_name}': 1 = {one!r}, 0 = {zero!r}"
    return new_name, (labels == one).to_numpy().astype(float), note


def _parse_matched_sets(column: pd.Series, place: _Column) -> tuple[np.ndarray, list[Problem]]:
    labels = _labels(column)
    problems = []
    if labels.isna().any():
        problems.append(
            Problem(
                place.where(_rows(labels.isna())),
                "matched-set id missing",
                "load a file of the matched patients only, or leave out --matched-set",
            )
        )
    return labels.fillna("").to_numpy(dtype=object), problems
