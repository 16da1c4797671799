"""The re-analysis of a study from its published numbers: evidence -> fits -> tables (no I/O here).

:func:`analyse_published` computes; :mod:`bayes_netlm.cli` writes what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bayes_netlm.evidence.published import PublishedStudy, SurvivalSummary
from bayes_netlm.modeling.hazard_ratio import (
    HazardRatioEvidence,
    LogHazardRatio,
    fit_hazard_ratios,
    from_medians,
    information_check,
)
from bayes_netlm.modeling.rates import fit_rates
from bayes_netlm.modeling.results import FitResult
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.priors import NormalPrior, PriorCatalog
from bayes_netlm.psense_models import hazard_ratio_psense, rates_psense
from bayes_netlm.sensitivity import exact_probability, grid_table, tipping_table
from bayes_netlm.spec import RunSpec, SensitivitySpec

__all__ = [
    "PublishedAnalysis",
    "PublishedSensitivity",
    "analyse_published",
    "hazard_ratio_evidence",
    "published_sensitivity",
]


@dataclass
class PublishedAnalysis:
    """Everything the report shows about the published-numbers re-analysis."""

    study: PublishedStudy
    catalog: PriorCatalog
    spec: RunSpec
    seed: int
    hr_evidence: list[HazardRatioEvidence]
    hazard_ratios: FitResult
    rates: FitResult

    @property
    def table(self) -> pd.DataFrame:
        """All summary rows, hazard ratios first."""
        return pd.concat([self.hazard_ratios.table, self.rates.table], ignore_index=True)

    @property
    def convergence(self) -> pd.DataFrame:
        """Convergence of every MCMC fit."""
        frames = [self.hazard_ratios.convergence.assign(analysis="summary_hr")]
        frames.append(self.rates.convergence.assign(analysis="rates"))
        return pd.concat(frames).reset_index()


def hazard_ratio_evidence(summary: SurvivalSummary) -> HazardRatioEvidence:
    """Derive log HR and SE from a published survival summary and check their consistency."""
    data = from_medians(summary.median_index, summary.median_reference, summary.p_value)
    check = information_check(data, summary.n_index, summary.n_reference)
    return HazardRatioEvidence(summary.name, summary.label, data, summary.p_value, check)


def analyse_published(
    study: PublishedStudy,
    catalog: PriorCatalog,
    spec: RunSpec,
    seed: int,
    settings: SamplerSettings | None = None,
) -> PublishedAnalysis:
    """Fit the summary-level hazard ratios and the rate comparisons under the spec's prior sets."""
    settings = settings or spec.sampler
    hr_priors = {
        name: catalog.get(name, f"{spec.path.name} summary_hazard_ratio").log_hr
        for name in spec.hr_prior_sets
    }
    rate_priors = {
        name: catalog.get(name, f"{spec.path.name} rates").rates for name in spec.rate_prior_sets
    }
    evidence = [hazard_ratio_evidence(s) for s in study.survival]
    hazard_ratios = fit_hazard_ratios(evidence, hr_priors, catalog.clinical, seed, settings)
    rates = fit_rates(
        study.rates, rate_priors, catalog.clinical, catalog.logit_reference, seed + 1, settings
    )
    return PublishedAnalysis(study, catalog, spec, seed, evidence, hazard_ratios, rates)


@dataclass
class PublishedSensitivity:
    """Exact prior grids and tipping points of the summary-level HRs; power-scaling of every fit."""

    grid: pd.DataFrame
    tipping: pd.DataFrame
    power_scaling: pd.DataFrame


def published_sensitivity(
    analysis: PublishedAnalysis, sensitivity: SensitivitySpec
) -> PublishedSensitivity:
    """Sweep the prior of every summary-level HR exactly; psense every MCMC fit."""
    catalog = analysis.catalog
    reference = catalog.get(sensitivity.reference_prior, "[sensitivity] reference_prior").log_hr
    thresholds = (1.0, catalog.clinical.hr_important)
    grids, tippings = [], []
    for evidence in analysis.hr_evidence:

        def probability(
            prior: NormalPrior, threshold: float, data: LogHazardRatio = evidence.data
        ) -> float:
            return exact_probability(data, prior, threshold)

        grid = grid_table(probability, sensitivity.prior_means, sensitivity.prior_sds, thresholds)
        grids.append(grid.assign(endpoint=evidence.name, label=evidence.label, method="exact"))
        tipping = tipping_table(probability, reference, catalog.clinical)
        tippings.append(tipping.assign(endpoint=evidence.name, label=evidence.label))
    hr_priors = {name: s.log_hr for name, s in catalog.sets.items()}
    rate_priors = {name: s.rates for name, s in catalog.sets.items()}
    psense = pd.concat(
        [
            hazard_ratio_psense(
                analysis.hazard_ratios.posteriors["summary_hr"].posterior.to_dataset(),
                analysis.hr_evidence,
                hr_priors,
            ).assign(analysis="summary_hr"),
            rates_psense(
                analysis.rates.posteriors,
                analysis.study.rates,
                rate_priors,
            ).assign(analysis="rates"),
        ],
        ignore_index=True,
    )
    return PublishedSensitivity(
        pd.concat(grids, ignore_index=True), pd.concat(tippings, ignore_index=True), psense
    )
