"""Checks of a patient table's path, before any library that reads it is imported.

``bayes-netlm survival --data no.csv`` answers from here in a fraction of a second; reading the
table (:func:`bayes_netlm.evidence.patients.read_table`) runs the same checks first.
"""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

from bayes_netlm.errors import InputError

__all__ = [
    "SYNTHETIC_COHORT",
    "SYNTHETIC_LINE",
    "TABLE_SUFFIXES",
    "check_table_path",
    "csv_columns",
    "is_bundled_synthetic",
    "names_bundled_synthetic",
]

TABLE_SUFFIXES = (".csv", ".parquet")
_DATA = Path(__file__).resolve().parents[2] / "data"
#: the bundled synthetic, illustrative cohort (not the study's patients)
SYNTHETIC_COHORT = _DATA / "synthetic_cohort.csv"
#: every bundled synthetic table: the cohort and the curves read off its Kaplan-Meier figures
SYNTHETIC_TABLES = (SYNTHETIC_COHORT, *sorted((_DATA / "examples").glob("synthetic_*.csv")))
#: the first line of every output that rests on a bundled synthetic table
SYNTHETIC_LINE = "SYNTHETIC, ILLUSTRATIVE DATA: these are not the study's patients"


def check_table_path(path: str | Path) -> Path:
    """``path`` as a Path if it names an existing regular ``.csv`` or ``.parquet`` file.

    Raises
    ------
    InputError
        If the extension is neither, the file does not exist, or it is a folder or not a regular
        file (a pipe, socket or device).

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
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
    return path


def csv_columns(path: Path) -> list[str] | None:
    """The column names of a CSV file's header line (standard library only); None otherwise.

    None for a Parquet file, or a CSV file whose first line cannot be read as text: reading the
    table later reports those properly.
    """
    if path.suffix.lower() != ".csv":
        return None
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def names_bundled_synthetic(*sources: object) -> bool:
    """Whether any of ``sources`` is a path to a bundled synthetic table (data frames are not)."""
    return any(
        isinstance(source, str | Path) and is_bundled_synthetic(Path(source)) for source in sources
    )


def is_bundled_synthetic(path: Path) -> bool:
    """Whether ``path`` holds a bundled synthetic table (same bytes, wherever it was copied)."""
    try:
        return any(
            bundled.is_file() and filecmp.cmp(path, bundled, shallow=False)
            for bundled in SYNTHETIC_TABLES
        )
    except OSError:
        return False
