"""The re-analysis of a study from its published numbers: evidence -> fits -> tables (no I/O here).

:func:`analyse_published` computes; :mod:`bayes_netlm.cli` writes what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
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
from bayes_netlm.modeling.weibull_shape import (
    ANALYSIS as SHAPE_ANALYSIS,
)
from bayes_netlm.modeling.weibull_shape import (
    conditional_probabilities,
    consistent_shapes,
    fit_shape_marginalised,
)
from bayes_netlm.priors import NormalPrior, PriorCatalog, RatePrior
from bayes_netlm.sensitivity.grid import exact_probability, grid_table, tipping_table
from bayes_netlm.sensitivity.psense_models import hazard_ratio_psense, rates_psense
from bayes_netlm.spec import RunSpec, SensitivitySpec

__all__ = [
    "PublishedAnalysis",
    "PublishedSensitivity",
    "analyse_published",
    "hazard_ratio_evidence",
    "published_sensitivity",
    "shape_consistency",
    "shape_curves",
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
    #: the summary-level HRs with the Weibull shape marginalised (``analysis=summary_hr_weibull``)
    shape: FitResult | None = None
    #: P(HR < c | k) against the shape k under the reference prior, one row per endpoint x k
    shape_curves: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: per endpoint, the shapes for which the medians and p-value pass the information check
    shape_consistency: pd.DataFrame = field(default_factory=pd.DataFrame)
    shape_prior: NormalPrior | None = None
    #: rate comparison -> prior set name -> prior (per-outcome sets differ between comparisons)
    rate_priors: dict[str, dict[str, RatePrior]] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """All summary rows, hazard ratios first."""
        frames = [self.hazard_ratios.table]
        if self.shape is not None:
            frames.append(self.shape.table)
        frames.append(self.rates.table)
        return pd.concat(frames, ignore_index=True)

    @property
    def convergence(self) -> pd.DataFrame:
        """Convergence of every MCMC fit."""
        frames = [self.hazard_ratios.convergence.assign(analysis="summary_hr")]
        if self.shape is not None and not self.shape.convergence.empty:
            frames.append(self.shape.convergence.assign(analysis=SHAPE_ANALYSIS))
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
    # every comparison's priors, per-outcome sets included (unknown names are an InputError)
    per_endpoint = {
        c.name: {
            name: prior
            for name in spec.rate_prior_sets
            if (prior := catalog.rate_prior(name, c.name, f"{spec.path.name} rates")) is not None
        }
        for c in study.rates
    }
    evidence = [hazard_ratio_evidence(s) for s in study.survival]
    hazard_ratios = fit_hazard_ratios(evidence, hr_priors, catalog.clinical, seed, settings)
    rates = fit_rates(
        study.rates,
        {},
        catalog.clinical,
        catalog.logit_reference,
        seed + 1,
        settings,
        per_endpoint=per_endpoint,
    )
    shape_prior = catalog.shape_prior or NormalPrior(0.0, 0.5, "log_k")
    shape = fit_shape_marginalised(
        evidence, hr_priors, shape_prior, catalog.clinical, seed + 3, settings
    )
    reference = spec.sensitivity.reference_prior if spec.sensitivity else next(iter(hr_priors))
    return PublishedAnalysis(
        study,
        catalog,
        spec,
        seed,
        evidence,
        hazard_ratios,
        rates,
        shape,
        shape_curves(evidence, hr_priors.get(reference, next(iter(hr_priors.values()))), catalog),
        shape_consistency(evidence),
        shape_prior,
        per_endpoint,
    )


#: Shapes at which the P(HR < c | k) curves are tabulated (log-spaced, k = 1 included).
SHAPE_GRID = np.exp(np.linspace(np.log(0.2), np.log(5.0), 61))


def shape_curves(
    evidence: list[HazardRatioEvidence], prior: NormalPrior, catalog: PriorCatalog
) -> pd.DataFrame:
    """P(HR < 1 | k) and P(HR < important | k) against the shape, one row per endpoint x k."""
    important = catalog.clinical.hr_important
    frames = []
    for e in evidence:
        probabilities = conditional_probabilities(e.data, prior, SHAPE_GRID, [1.0, important])
        frames.append(
            pd.DataFrame(
                {
                    "endpoint": e.name,
                    "label": e.label,
                    "prior_spec": str(prior),
                    "k": SHAPE_GRID,
                    "p_below_1": probabilities[:, 0],
                    "p_benefit": probabilities[:, 1],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def shape_consistency(evidence: list[HazardRatioEvidence]) -> pd.DataFrame:
    """Per endpoint, the shapes for which the information 1/(k SE)^2 passes the check."""
    rows = []
    for e in evidence:
        if e.check is None:
            continue
        rows.append({"endpoint": e.name, "label": e.label, **consistent_shapes(e.data, e.check)})
    return pd.DataFrame(rows)


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
                per_endpoint=analysis.rate_priors,
            ).assign(analysis="rates"),
        ],
        ignore_index=True,
    )
    return PublishedSensitivity(
        pd.concat(grids, ignore_index=True), pd.concat(tippings, ignore_index=True), psense
    )
