"""Where the patient-level analysis gets its patients: a patient file, or published curves.

- ``source = "patients"``: one row per patient; the full cohort and a propensity-matched one
  (1/k within-set weights), both compared unadjusted, as the paper did.
- ``source = "curves"``: each endpoint's patients are reconstructed from its digitised
  Kaplan-Meier curves and numbers-at-risk table (Guyot et al. 2012); there is only the full
  cohort, because the patients of an OS figure and of a PFS figure cannot be linked, and the
  reconstruction has no covariates to match on.

No file is written here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from bayes_netlm.analyses.matching import matched_cohort
from bayes_netlm.evidence.curves import CurveInput, load_curve_input
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.evidence.reconstruct import (
    ArmReconstruction,
    quality_table,
    reconstruct,
    to_patient_frame,
    with_positive_times,
)
from bayes_netlm.spec import EndpointSpec, SurvivalSpec

__all__ = ["CurveCohort", "curve_cohort", "data_files", "data_sha256", "patient_cohorts"]


def _unadjusted(data: SurvivalData) -> SurvivalData:
    return replace(data, covariates=data.covariates.iloc[:, :0])


def patient_cohorts(
    spec: SurvivalSpec, endpoint: EndpointSpec, frame: pd.DataFrame
) -> tuple[dict[str, SurvivalData], pd.DataFrame]:
    """The full and the matched cohort of one endpoint, and the matching balance table."""
    assert spec.data is not None
    full = load_survival(
        frame,
        time=endpoint.time,
        event=endpoint.event,
        group=spec.group,
        index_level=spec.index_level,
        covariates=spec.match_on,
        source=spec.data.name,
    )
    matched, balance = matched_cohort(full, spec.match_ratio, spec.match_caliper)
    # The matching covariates served the matching; the Weibull fits and their lifelines
    # counterparts compare the groups unadjusted, as the paper did.
    return {"full": _unadjusted(full), "matched": _unadjusted(matched)}, balance


@dataclass(frozen=True)
class CurveCohort:
    """One endpoint reconstructed from its figure: input, per-arm result and quality."""

    endpoint: str
    figure: CurveInput
    arms: Mapping[str, ArmReconstruction]
    data: SurvivalData

    @property
    def quality(self) -> pd.DataFrame:
        """One row per arm: n, events, max and RMS difference from the points, at-risk mismatch."""
        return quality_table(self.arms).assign(endpoint=self.endpoint)


def curve_cohort(spec: SurvivalSpec, endpoint: EndpointSpec) -> CurveCohort:
    """Reconstruct one endpoint's patients from its curve and at-risk files.

    Raises
    ------
    InputError
        Every problem of the two files (and of the total events), at once.

    """
    assert endpoint.curve is not None and endpoint.at_risk is not None
    figure = load_curve_input(endpoint.curve, endpoint.at_risk, dict(endpoint.events) or None)
    arms = reconstruct(figure)
    data = load_survival(
        with_positive_times(to_patient_frame(arms)),
        time="time",
        event="event",
        group="group",
        index_level=spec.index_level,
        source=f"{endpoint.curve.name} reconstructed",
    )
    return CurveCohort(endpoint.name, figure, arms, data)


def data_files(spec: SurvivalSpec) -> tuple[Path, ...]:
    """The files the patient-level analysis reads."""
    if spec.source == "curves":
        return tuple(
            path for e in spec.endpoints for path in (e.curve, e.at_risk) if path is not None
        )
    assert spec.data is not None
    return (spec.data,)


def data_sha256(spec: SurvivalSpec) -> str:
    """One sha256 over every file the analysis reads, in order."""
    digest = hashlib.sha256()
    for path in data_files(spec):
        digest.update(path.read_bytes())
    return digest.hexdigest()
