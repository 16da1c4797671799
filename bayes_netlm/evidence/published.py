"""Published summaries (a study's abstract) from a versioned TOML file, validated.

The file format is documented by the bundled ``data/ammann2025.toml``. Every problem in the file is
collected and reported at once, naming the entry and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.evidence.counts import CountRange, parse_count
from bayes_netlm.tomlfile import read_toml

__all__ = ["PublishedStudy", "RateEvidence", "SurvivalSummary", "load_published"]


@dataclass(frozen=True)
class RateEvidence:
    """A binary quantity compared between groups: counts (possibly intervals) and the paper's p."""

    name: str
    label: str
    kind: str
    index: CountRange
    reference: CountRange
    p_value: float


@dataclass(frozen=True)
class SurvivalSummary:
    """Median survival per group (years) and the reported two-sided p-value."""

    name: str
    endpoint: str
    label: str
    cohort: str
    median_index: float
    median_reference: float
    p_value: float
    n_index: int
    n_reference: int | None


@dataclass(frozen=True)
class PublishedStudy:
    """Everything the toolkit models from a study's published numbers."""

    citation: str
    index_label: str
    reference_label: str
    rates: tuple[RateEvidence, ...]
    survival: tuple[SurvivalSummary, ...]
    path: str
    sha256: str


class _Fields:
    """Typed field access that records problems instead of raising at the first one."""

    #: keys kept for the reader only (provenance, comments)
    INFORMATIONAL = ("note", "source", "doi", "version")

    def __init__(self, table: dict[str, Any], where: str, problems: list[Problem]) -> None:
        self.table, self.where, self.problems = table, where, problems
        self.read: set[str] = set()

    def unknown_keys(self) -> None:
        """Record a problem for every key that was never read and is not informational."""
        known = sorted(self.read | set(self.INFORMATIONAL))
        self.problems += [
            Problem(f"{self.where}.{key}", "unknown key", f"use only {', '.join(known)}")
            for key in self.table
            if key not in known
        ]

    def get(self, key: str, kind: type, default: Any = ...) -> Any:
        self.read.add(key)
        if key not in self.table:
            if default is not ...:
                return default
            self.problems.append(
                Problem(f"{self.where}.{key}", "missing field", f"add `{key} = ...`")
            )
            return None
        value = self.table[key]
        accepted = (int, float) if kind is float else (kind,)
        if not isinstance(value, accepted) or isinstance(value, bool):
            self.problems.append(
                Problem(
                    f"{self.where}.{key}",
                    f"{value!r} is not a {kind.__name__}",
                    f"write `{key}` as a {kind.__name__}",
                )
            )
            return None
        return value

    def probability(self, key: str) -> float | None:
        p = self.get(key, float)
        if p is not None and not 0 < p <= 1:
            self.problems.append(
                Problem(f"{self.where}.{key}", f"p-value {p} is outside (0, 1]", "give 0 < p <= 1")
            )
            return None
        return p

    def positive(self, key: str, default: Any = ...) -> Any:
        value = self.get(key, float, default)
        if value is not None and value <= 0:
            self.problems.append(
                Problem(f"{self.where}.{key}", f"{value} is not positive", "give a value > 0")
            )
            return None
        return value

    def count(self, key: str, n: int | None) -> CountRange | None:
        text = self.get(key, str)
        if text is None or n is None:
            return None
        try:
            return parse_count(text, n, f"{self.where}.{key}")
        except InputError as error:
            self.problems.extend(error.problems)
            return None


def _rate(fields: _Fields, n_index: int | None, n_reference: int | None) -> RateEvidence | None:
    values: tuple[Any, ...] = (
        fields.get("name", str),
        fields.get("label", str),
        fields.get("kind", str),
        fields.count("index", n_index),
        fields.count("reference", n_reference),
        fields.probability("p_value"),
    )
    fields.unknown_keys()
    return None if any(v is None for v in values) else RateEvidence(*values)


def _survival(fields: _Fields) -> SurvivalSummary | None:
    values: tuple[Any, ...] = (
        fields.get("name", str),
        fields.get("endpoint", str),
        fields.get("label", str),
        fields.get("cohort", str),
        fields.positive("median_index"),
        fields.positive("median_reference"),
        fields.probability("p_value"),
        fields.positive("n_index"),
    )
    n_reference = fields.positive("n_reference", default=None)
    fields.unknown_keys()
    if any(v is None for v in values):
        return None
    name, endpoint, label, cohort, median_index, median_reference, p_value, n_index = values
    return SurvivalSummary(
        name, endpoint, label, cohort, median_index, median_reference, p_value, n_index, n_reference
    )


def load_published(path: str | Path) -> PublishedStudy:
    """Load and validate a published-summaries file.

    Parameters
    ----------
    path : str or Path
        TOML file with ``[study]``, ``[[rates]]`` and ``[[survival]]`` tables.

    Returns
    -------
    PublishedStudy

    Raises
    ------
    InputError
        Unreadable file, or every missing or invalid field, named by entry and field.

    """
    path = Path(path)
    document, sha256 = read_toml(path)
    problems: list[Problem] = []
    study = _Fields(document.get("study", {}), f"{path.name}: [study]", problems)
    citation = study.get("citation", str)
    index_label = study.get("index_label", str)
    reference_label = study.get("reference_label", str)
    n_index = study.positive("n_index")
    n_reference = study.positive("n_reference")
    study.unknown_keys()
    rates = [
        _rate(_Fields(entry, f"{path.name}: rates[{i}]", problems), n_index, n_reference)
        for i, entry in enumerate(document.get("rates", []))
    ]
    survival = [
        _survival(_Fields(entry, f"{path.name}: survival[{i}]", problems))
        for i, entry in enumerate(document.get("survival", []))
    ]
    names = [r.name for r in rates if r] + [s.name for s in survival if s]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            Problem(path.name, f"entry name {name!r} is used twice", "make names unique")
        )
    if problems:
        raise InputError(problems)
    return PublishedStudy(
        citation=citation,
        index_label=index_label,
        reference_label=reference_label,
        rates=tuple(r for r in rates if r),
        survival=tuple(s for s in survival if s),
        path=str(path),
        sha256=sha256,
    )
