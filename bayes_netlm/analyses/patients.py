"""The patient-level survival analysis: data -> cohorts -> Weibull fits and lifelines beside them.

OS and PFS, full and matched cohorts (or cohorts reconstructed from published curves, see
:mod:`bayes_netlm.analyses.cohorts`), every prior set: all fitted with one compiled Weibull model
(:class:`~bayes_netlm.modeling.weibull.WeibullFitter`). No file is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_netlm.analyses import frequentist
from bayes_netlm.analyses.cohorts import (
    CurveCohort,
    curve_cohort,
    data_files,
    data_sha256,
    patient_cohorts,
)
from bayes_netlm.evidence.patients import read_table
from bayes_netlm.evidence.reconstruct_uncertainty import plausible_reconstructions
from bayes_netlm.modeling.reconstruction_fit import fit_reconstructions
from bayes_netlm.modeling.results import FitResult
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter, fit_survival
from bayes_netlm.priors import NormalPrior, PriorCatalog
from bayes_netlm.sensitivity.grid import WeibullSweep, grid_table, tipping_table
from bayes_netlm.sensitivity.psense_models import weibull_psense
from bayes_netlm.spec import EndpointSpec, SensitivitySpec, SurvivalSpec

__all__ = ["SurvivalAnalysis", "analyse_survival", "frequentist_rows", "weibull_sensitivity"]


@dataclass
class SurvivalAnalysis:
    """Everything the report shows about the patient-level survival analysis."""

    spec: SurvivalSpec
    fits: list[SurvivalFit]
    result: FitResult
    frequentist: pd.DataFrame
    balance: pd.DataFrame
    data_sha256: str
    data_files: tuple[Path, ...]
    curves: list[CurveCohort] = field(default_factory=list)
    pooled: pd.DataFrame = field(default_factory=pd.DataFrame)
    grid: pd.DataFrame = field(default_factory=pd.DataFrame)
    tipping: pd.DataFrame = field(default_factory=pd.DataFrame)
    power_scaling: pd.DataFrame = field(default_factory=pd.DataFrame)


def weibull_sensitivity(
    fitter: WeibullFitter,
    fits: list[SurvivalFit],
    result: FitResult,
    catalog: PriorCatalog,
    sensitivity: SensitivitySpec,
    seed: int,
    settings: SamplerSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prior grid and tipping points of the chosen Weibull fits, from the posterior draws.

    Both reweight the reference prior's MCMC draws by PSIS and refit the compiled model only
    where the weights are unreliable (:class:`~bayes_netlm.sensitivity.grid.WeibullSweep`); the
    prior is on the log HR at each fit's reference time.
    """
    reference = catalog.get(sensitivity.reference_prior, "[sensitivity] reference_prior").log_hr
    posterior = result.posteriors["weibull"].posterior
    thresholds = (1.0, catalog.clinical.hr_important)
    grids, tippings = [], []
    for fit in (f for f in fits if f.name in sensitivity.weibull_fits):
        draws = posterior["log_hr"].sel(fit=f"{fit.name}|{sensitivity.reference_prior}").values

        def refit(prior: NormalPrior, fit: SurvivalFit = fit) -> np.ndarray:
            tree = fitter.sample(fit, prior, seed, settings)
            return np.asarray(tree.posterior["log_hr"])

        sweep = WeibullSweep(refit, reference, draws)
        grid = grid_table(
            sweep.probability, sensitivity.prior_means, sensitivity.prior_sds, thresholds
        )
        grid["khat"] = [
            sweep.khat.get((m, s), np.nan)
            for m, s in zip(grid.prior_mean, grid.prior_sd, strict=True)
        ]
        grid["method"] = [
            "refit" if (m, s) in sweep.refitted else "PSIS"
            for m, s in zip(grid.prior_mean, grid.prior_sd, strict=True)
        ]
        grids.append(grid.assign(endpoint=fit.name, label=fit.label, quantity=fit.hr_name))
        tipping = tipping_table(
            sweep.probability,
            reference,
            catalog.clinical,
            sweep.locate,
            fit.hr_name,
            sweep.mcse,
        )
        tippings.append(tipping.assign(endpoint=fit.name, label=fit.label, quantity=fit.hr_name))
    if not grids:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(grids, ignore_index=True), pd.concat(tippings, ignore_index=True)


def frequentist_rows(fit: SurvivalFit) -> pd.DataFrame:
    """Kaplan-Meier medians, log-rank, Cox and Weibull MLE of one data set, tidy, labelled."""
    table = frequentist.frequentist_table(fit.data)
    return table.assign(endpoint=fit.name, label=fit.label)


def _pooled_reconstructions(
    cohort: CurveCohort,
    endpoint: EndpointSpec,
    spec: SurvivalSpec,
    prior: NormalPrior,
    fitter: WeibullFitter,
    seed: int,
    settings: SamplerSettings,
) -> dict[str, object]:
    """Fit ``n_reconstructions`` plausible reconstructions and pool their log-HR draws."""
    tables = plausible_reconstructions(cohort.figure, spec.n_reconstructions, seed)
    index_level = cohort.data.index_label
    pooled = fit_reconstructions(
        tables,
        prior,
        index_level,
        seed,
        settings,
        fitter if max(len(t) for t in tables) <= fitter.n_rows else None,
        endpoint.group_shape,
        endpoint.reference_time,
    )
    single = pooled.single[0]
    return {
        "endpoint": cohort.endpoint,
        "reconstructions": spec.n_reconstructions,
        "hr_single": float(np.exp(single.value)),
        "hr_single_lower": float(np.exp(single.lower)),
        "hr_single_upper": float(np.exp(single.upper)),
        "hr_pooled": float(np.exp(pooled.pooled.value)),
        "hr_pooled_lower": float(np.exp(pooled.pooled.lower)),
        "hr_pooled_upper": float(np.exp(pooled.pooled.upper)),
        "width_ratio": pooled.width_ratio,
    }


def analyse_survival(
    spec: SurvivalSpec,
    catalog: PriorCatalog,
    seed: int,
    settings: SamplerSettings,
    sensitivity: SensitivitySpec | None = None,
) -> SurvivalAnalysis:
    """Fit every endpoint (full and matched, or reconstructed cohorts) under every prior set."""
    frame = read_table(spec.data) if spec.source == "patients" and spec.data else None
    # every label (tables, figure titles, report) says when the patients are synthetic
    suffix = {"synthetic": " (SYNTHETIC cohort)", "reconstructed": " (reconstructed)"}.get(
        spec.data_kind, ""
    )
    fits: list[SurvivalFit] = []
    balance = pd.DataFrame()
    curves: list[CurveCohort] = []
    for endpoint in spec.endpoints:
        if frame is not None:
            cohorts, balance = patient_cohorts(spec, endpoint, frame)
        else:
            curves.append(curve_cohort(spec, endpoint))
            cohorts = {"full": curves[-1].data}
        for cohort, data in cohorts.items():
            fits.append(
                SurvivalFit(
                    f"{endpoint.name}_{cohort}",
                    f"{endpoint.label}, {cohort} cohort{suffix}",
                    data,
                    endpoint.group_shape,
                    endpoint.reference_time,
                )
            )
    priors = {name: catalog.get(name, "[survival] prior_sets").log_hr for name in spec.prior_sets}
    fitter = WeibullFitter.for_fits(fits)
    result = fit_survival(
        fits,
        priors,
        catalog.clinical,
        seed,
        settings=settings,
        horizons=spec.horizons,
        rmst_horizon=spec.rmst_horizon,
        fitter=fitter,
    )
    table = pd.concat([frequentist_rows(f) for f in fits], ignore_index=True)
    analysis = SurvivalAnalysis(
        spec, fits, result, table, balance, data_sha256(spec), data_files(spec), curves
    )
    kind = spec.data_kind
    analysis.power_scaling = weibull_psense(
        result.posteriors["weibull"].posterior.to_dataset(), fits, priors
    ).assign(analysis="weibull", data=kind)
    if sensitivity is not None:
        grid, tipping = weibull_sensitivity(
            fitter, fits, result, catalog, sensitivity, seed, settings
        )
        analysis.grid = grid.assign(data=kind) if not grid.empty else grid
        analysis.tipping = tipping.assign(data=kind) if not tipping.empty else tipping
    if curves and spec.n_reconstructions:
        reference = next(iter(priors.values()))
        by_name = {e.name: e for e in spec.endpoints}
        analysis.pooled = pd.DataFrame(
            [
                _pooled_reconstructions(
                    c, by_name[c.endpoint], spec, reference, fitter, seed, settings
                )
                for c in curves
            ]
        )
    return analysis
