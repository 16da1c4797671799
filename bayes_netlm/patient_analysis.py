"""The patient-level survival analysis: data -> cohorts -> Weibull fits and lifelines beside them.

OS and PFS, full and matched cohorts, every prior set: all fitted with one compiled Weibull model
(:class:`~bayes_netlm.modeling.weibull.WeibullFitter`). No file is written here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import pandas as pd

from bayes_netlm import frequentist
from bayes_netlm.evidence.patients import SurvivalData, load_survival, read_table
from bayes_netlm.matching import matched_cohort
from bayes_netlm.modeling.results import FitResult
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, fit_survival
from bayes_netlm.priors import PriorCatalog
from bayes_netlm.spec import SurvivalSpec

__all__ = ["SurvivalAnalysis", "analyse_survival", "frequentist_rows"]

COHORTS = ("full", "matched")


@dataclass
class SurvivalAnalysis:
    """Everything the report shows about the patient-level survival analysis."""

    spec: SurvivalSpec
    fits: list[SurvivalFit]
    result: FitResult
    frequentist: pd.DataFrame
    balance: pd.DataFrame
    data_sha256: str


def _unadjusted(data: SurvivalData) -> SurvivalData:
    return replace(data, covariates=data.covariates.iloc[:, :0])


def frequentist_rows(fit: SurvivalFit) -> pd.DataFrame:
    """Kaplan-Meier medians, log-rank, Cox and Weibull MLE of one data set, tidy, labelled."""
    table = frequentist.frequentist_table(fit.data)
    return table.assign(endpoint=fit.name, label=fit.label)


def analyse_survival(
    spec: SurvivalSpec,
    catalog: PriorCatalog,
    seed: int,
    settings: SamplerSettings,
) -> SurvivalAnalysis:
    """Fit every endpoint in the full and the matched cohort under the spec's prior sets."""
    frame = read_table(spec.data)
    fits: list[SurvivalFit] = []
    balance = pd.DataFrame()
    for endpoint in spec.endpoints:
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
        cohorts: dict[str, SurvivalData] = {
            "full": _unadjusted(full),
            "matched": _unadjusted(matched),
        }
        for cohort in COHORTS:
            fits.append(
                SurvivalFit(
                    f"{endpoint.name}_{cohort}",
                    f"{endpoint.label}, {cohort} cohort",
                    cohorts[cohort],
                    endpoint.group_shape,
                )
            )
    priors = {name: catalog.get(name, "[survival] prior_sets").log_hr for name in spec.prior_sets}
    result = fit_survival(
        fits,
        priors,
        catalog.clinical,
        seed,
        settings=settings,
        horizons=spec.horizons,
        rmst_horizon=spec.rmst_horizon,
    )
    table = pd.concat([frequentist_rows(f) for f in fits], ignore_index=True)
    digest = hashlib.sha256(spec.data.read_bytes()).hexdigest()
    return SurvivalAnalysis(spec, fits, result, table, balance, digest)
