"""The re-analysis of a study from its published numbers: evidence -> fits -> tables (no I/O here).

:func:`analyse_published` computes; :mod:`bayes_netlm.cli` writes what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bayes_netlm.evidence.published import PublishedStudy, SurvivalSummary
from bayes_netlm.modeling.hazard_ratio import (
    HazardRatioEvidence,
    fit_hazard_ratios,
    from_medians,
    information_check,
)
from bayes_netlm.modeling.rates import fit_rates
from bayes_netlm.modeling.results import FitResult
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.priors import PriorCatalog
from bayes_netlm.spec import RunSpec

__all__ = ["PublishedAnalysis", "analyse_published", "hazard_ratio_evidence"]


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
