"""The study layout of a patient table: one :class:`ColumnSpec` per column.

:data:`STUDY_COLUMNS` is the single source of ``data/DATA_DICTIONARY.md``'s column table
(:func:`schema_markdown`; a test checks that the dictionary reproduces it).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STUDY_COLUMNS", "ColumnSpec", "schema_markdown"]


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
