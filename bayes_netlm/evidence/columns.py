"""Column parsers of a patient table: each checks one column and says where every problem is.

Used by :func:`bayes_netlm.evidence.patients.load_survival`, which collects the problems of all
columns and raises them at once. Row numbers in messages count **data rows from 1, the header not
counted**; where many rows share one problem, the first ten are listed and the rest counted.

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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_netlm.errors import Problem

__all__ = [
    "listed",
    "Column",
    "groups_without_events",
    "missing_columns",
    "parse_covariates",
    "parse_events",
    "parse_groups",
    "parse_ids",
    "parse_matched_sets",
    "parse_times",
]

_MAX_ROWS_SHOWN = 10


_DEFAULT_LABELS = ("cystic", "solid")


# Two-level text covariates of the study layout with a fixed indicator name and "1" level.
_KNOWN_INDICATORS = {"primary_site": ("primary_pancreas", "pancreas")}


@dataclass(frozen=True)
class Column:
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


def listed(items: Sequence[str]) -> str:
    """The first :data:`_MAX_ROWS_SHOWN` items, then how many more (messages stay one line)."""
    extra = len(items) - _MAX_ROWS_SHOWN
    return ", ".join(items[:_MAX_ROWS_SHOWN]) + (f" and {extra} more" if extra > 0 else "")


def _rows(mask: np.ndarray | pd.Series) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def missing_columns(frame: pd.DataFrame, wanted: Sequence[str], source: str) -> list[Problem]:
    """One problem per wanted column that the frame lacks, naming the columns it has."""
    present = [str(name) for name in frame.columns]
    absent = list(dict.fromkeys(name for name in wanted if name not in frame.columns))
    separator = next((c for c in ";\t|" if len(present) == 1 and c in present[0]), None)
    fix = (
        f"the file's columns seem separated by {separator!r}: save it with commas"
        if separator
        else f"name an existing column; the file has: {listed(present) or 'no columns'}"
    )
    return [
        Problem(where=f"{source}, column '{name}'", what="column not found", fix=fix)
        for name in absent
    ]


def _as_numbers(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Convert to float; return the numbers and a mask of present cells that are not numbers."""
    if pd.api.types.is_bool_dtype(column):
        column = column.astype(float)
    numbers = pd.to_numeric(column, errors="coerce").astype(float)
    not_numbers = column.notna().to_numpy() & numbers.isna().to_numpy()
    return numbers, not_numbers


def parse_times(column: pd.Series, place: Column) -> tuple[np.ndarray, list[Problem]]:
    """Follow-up times as floats, and the missing, non-numeric, negative or infinite ones."""
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


def parse_events(column: pd.Series, place: Column) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """Event codes (0/1), a mask of valid codes, and the missing or invalid ones."""
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


def parse_groups(
    column: pd.Series, index_level: str | None, place: Column
) -> tuple[np.ndarray | None, tuple[str, str], list[Problem]]:
    """Index flags (1 index, 0 reference), the (index, reference) labels and problems."""
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
    found = listed([f"{level!r} ({count})" for level, count in counts.items()])
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


def groups_without_events(
    index: np.ndarray,
    events: np.ndarray,
    event_ok: np.ndarray,
    labels: tuple[str, str],
    place: Column,
) -> list[Problem]:
    """One problem per group without an observed event."""
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


def parse_ids(column: pd.Series, place: Column) -> tuple[np.ndarray, list[Problem]]:
    """Patient ids as text, and the missing or repeated ones."""
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


def parse_covariates(
    frame: pd.DataFrame, names: Sequence[str], source: str
) -> tuple[pd.DataFrame, tuple[str, ...], list[Problem]]:
    """Numeric covariates (two-level text encoded 0/1), the encoding notes, problems."""
    columns: dict[str, np.ndarray] = {}
    notes: list[str] = []
    problems: list[Problem] = []
    for name in dict.fromkeys(names):
        if name not in frame.columns:
            continue
        place = Column(source, name)
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


def _missing_values(column: pd.Series, place: Column) -> list[Problem]:
    if not column.isna().any():
        return []
    return [
        Problem(
            place.where(_rows(column.isna())),
            "covariate value missing",
            "fill it in, or drop the patient or the covariate: the toolkit does not impute",
        )
    ]


def _non_numbers(column: pd.Series, not_numbers: np.ndarray, place: Column) -> list[Problem]:
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


def _encode_text(column: pd.Series, place: Column) -> tuple[str, np.ndarray, str] | list[Problem]:
    """Encode a two-level text covariate as 0/1 (name, values, note), or say why it cannot be."""
    labels = _labels(column)
    levels = sorted(labels.dropna().unique())
    problems = _missing_values(column, place)
    if len(levels) != 2:
        shown = listed([repr(level) for level in levels])
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


def parse_matched_sets(column: pd.Series, place: Column) -> tuple[np.ndarray, list[Problem]]:
    """Matched-set ids as text, and the missing ones."""
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
