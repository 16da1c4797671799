"""Checks of a run specification beyond its fields' own values: keys, fit names, other files.

:func:`unknown_keys` and :func:`fit_name_problems` run inside
:func:`bayes_netlm.spec.load_spec`; :func:`check_run_inputs` runs once the prior catalogue is
loaded, before ``run`` starts any work. Standard library only, so a mistake is answered at once.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bayes_netlm.errors import InputError, Problem
from bayes_netlm.evidence.table_files import check_table_path, csv_columns, is_bundled_synthetic

if TYPE_CHECKING:
    from pathlib import Path

    from bayes_netlm.priors import PriorCatalog
    from bayes_netlm.spec import RunSpec

__all__ = [
    "SECTION_KEYS",
    "check_run_inputs",
    "fit_name_problems",
    "synthetic_label",
    "unknown_keys",
]


#: the keys each section may hold ([sampler] is checked with its values)
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "data": ("published", "prior_sets"),
    "summary_hazard_ratio": ("derivation", "prior_sets"),
    "rates": ("prior_sets",),
    "survival": (
        "data",
        "synthetic",
        "group",
        "index_level",
        "prior_sets",
        "horizons",
        "rmst_horizon",
        "match_on",
        "match_ratio",
        "match_caliper",
        "endpoints",
        "source",
        "n_reconstructions",
    ),
    "endpoint": ("label", "time", "event", "shape", "reference_time", "curve", "at_risk", "events"),
    "sensitivity": ("prior_hr_means", "prior_sds", "reference_prior", "weibull_fits"),
}


def unknown_keys(doc: dict[str, Any], path: Path) -> list[Problem]:
    """Sections and keys the spec does not know.

    A typo would otherwise be ignored, or reported as the key it was meant to be, missing.
    """
    sections = ("sampler", *(k for k in SECTION_KEYS if k != "endpoint"))
    problems = [
        Problem(f"{path} [{name}]", "unknown section", f"use only {', '.join(sections)}")
        for name in doc
        if name not in sections
    ]
    tables = [(f"[{name}]", doc[name], SECTION_KEYS[name]) for name in SECTION_KEYS if name in doc]
    survival = doc.get("survival")
    endpoints = survival.get("endpoints", {}) if isinstance(survival, dict) else {}
    if isinstance(endpoints, dict):
        tables += [
            (f"[survival.endpoints.{name}]", table, SECTION_KEYS["endpoint"])
            for name, table in endpoints.items()
        ]
    for where, table, known in tables:
        if isinstance(table, dict):
            problems += [
                Problem(f"{path} {where} {key}", "unknown key", f"use only {', '.join(known)}")
                for key in table
                if key not in known
            ]
    return problems


def fit_name_problems(spec: RunSpec) -> list[Problem]:
    """``[sensitivity] weibull_fits`` must name Weibull fits of the spec (a typo swept nothing).

    Fits are named ENDPOINT_full, and ENDPOINT_matched for patient data (matched when the data
    carry matched sets or ``match_on`` is given, which only reading the data tells).
    """
    if spec.sensitivity is None or not spec.sensitivity.weibull_fits:
        return []
    patients = spec.survival is not None and spec.survival.source == "patients"
    cohorts = ("full", "matched") if patients else ("full",)
    endpoints = spec.survival.endpoints if spec.survival else ()
    known = [f"{e.name}_{cohort}" for e in endpoints for cohort in cohorts]
    where = f"{spec.path} [sensitivity] weibull_fits"
    fix = f"use fits of [survival]: {', '.join(known)}" if known else "add a [survival] section"
    return [
        Problem(where, f"{name!r} is not a Weibull fit of this spec", fix)
        for name in spec.sensitivity.weibull_fits
        if name not in known
    ]


def _tables(spec: RunSpec) -> list[tuple[str, Path]]:
    """The tables the spec's patient-level part reads, each with the field that names it."""
    survival = spec.survival
    if survival is None:
        return []
    if survival.source == "patients":
        return [("[survival] data", survival.data)] if survival.data is not None else []
    return [
        (f"[survival.endpoints.{e.name}] {key}", path)
        for e in survival.endpoints
        for key, path in (("curve", e.curve), ("at_risk", e.at_risk))
        if path is not None
    ]


def _file_problems(spec: RunSpec, field: str, path: Path) -> list[Problem]:
    """Whether a table the spec names can be read; a missing file's fix says where paths start.

    Relative paths in a run specification are read from the project folder (the bundled specs
    name ``data/...``), not from the spec's own folder: a file given by a path relative to the
    spec is a common mistake, so the fix names that file when it exists there.
    """
    from bayes_netlm.spec import PROJECT_ROOT

    try:
        check_table_path(path)
    except InputError as error:
        problems = [replace(p, where=f"{spec.path} {field}: {p.where}") for p in error.problems]
        fix = (
            f"check the path; relative paths in a run specification start at the project folder "
            f"{PROJECT_ROOT}, not at the spec's folder"
        )
        # where the path would point if it were read from the spec's folder
        beside = (spec.path.parent / os.path.relpath(path, PROJECT_ROOT)).resolve()
        if beside.is_file():
            fix += f" ({beside} exists: give its absolute path)"
        return [replace(p, fix=fix) if p.what == "file not found" else p for p in problems]
    return []


def check_run_inputs(spec: RunSpec, catalog: PriorCatalog) -> None:
    """What the spec names elsewhere, checked before any work starts (standard library only).

    The prior sets of ``[survival]`` and ``[sensitivity]`` must be in the catalogue, the patient
    file must exist with the columns the spec names (a CSV's header line is read; a Parquet file
    is checked when it is read), and so must the curve files of ``source = "curves"``. These used
    to surface 14-50 s into a run.

    Raises
    ------
    InputError
        Every problem found, each naming the spec's field.

    """
    problems: list[Problem] = []
    names = [(n, "[summary_hazard_ratio] prior_sets") for n in spec.hr_prior_sets]
    if spec.survival is not None:
        names += [(n, "[survival] prior_sets") for n in spec.survival.prior_sets]
    if spec.sensitivity is not None:
        names.append((spec.sensitivity.reference_prior, "[sensitivity] reference_prior"))
        fitted = spec.survival.prior_sets if spec.survival is not None else ()
        if spec.sensitivity.weibull_fits and spec.sensitivity.reference_prior not in fitted:
            problems.append(
                Problem(
                    f"{spec.path} [sensitivity] reference_prior",
                    f"{spec.sensitivity.reference_prior!r} is not fitted to the patients",
                    "add it to [survival] prior_sets, whose fits the sweep reweights",
                )
            )
    for name, field in names:
        try:
            catalog.get(name, f"{spec.path} {field}")
        except InputError as error:
            problems += error.problems
    survival = spec.survival
    found = {field: _file_problems(spec, field, path) for field, path in _tables(spec)}
    problems += [p for listed in found.values() for p in listed]
    if survival is not None and survival.source == "patients" and survival.data is not None:
        columns = None if found["[survival] data"] else csv_columns(survival.data)
        wanted = [("[survival] group", survival.group)]
        wanted += [("[survival] match_on", c) for c in survival.match_on]
        for e in survival.endpoints:
            wanted += [(f"[survival.endpoints.{e.name}] time", e.time)]
            wanted += [(f"[survival.endpoints.{e.name}] event", e.event)]
        if columns is not None:
            shown = ", ".join(columns[:10]) + (
                f" and {len(columns) - 10} more" if len(columns) > 10 else ""
            )
            shown = shown or "(none: the file has no header line)"
            problems += [
                Problem(
                    f"{spec.path} {field}",
                    f"column {column!r} is not in {survival.data.name}",
                    f"use a column of the file: {shown}",
                )
                for field, column in wanted
                if column not in columns
            ]
    if problems:
        raise InputError(problems)


def synthetic_label(spec: RunSpec) -> tuple[RunSpec, str | None]:
    """The spec labelled synthetic if it names bundled synthetic data; a note if wrongly so.

    Every patient-level output says when it rests on synthetic data. ``[survival] synthetic``
    declares it, but a spec copied without that line (or with ``false``) and pointed at the
    bundled cohort or its curves (found by their bytes wherever they were copied) must still say
    it, and the note says why; a spec copied with it and pointed at real patients would stamp
    their results "synthetic", so the note asks to set ``synthetic = false``. The note is for
    standard error, or None when the spec and its tables agree.
    """
    survival = spec.survival
    if survival is None:
        return spec, None
    named = [path for _, path in _tables(spec)]
    bundled = [f for f in named if is_bundled_synthetic(f)]
    others = [f for f in named if f not in bundled]
    where = f"{spec.path} [survival]"
    if bundled and not survival.synthetic:
        note = (
            f"{where}: {bundled[0]} is the bundled synthetic data, so every patient-level output "
            "is labelled SYNTHETIC although the spec does not say synthetic = true"
        )
        if others:
            note += f" ({others[0]} is not bundled synthetic data)"
        return replace(spec, survival=replace(survival, synthetic=True)), note
    if survival.synthetic and others:
        note = (
            f"{where} synthetic = true labels every patient-level output SYNTHETIC, but "
            f"{others[0]} is not bundled synthetic data; if these are real patients, set "
            "synthetic = false"
        )
        return spec, note
    return spec, None
