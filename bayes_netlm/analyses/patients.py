"""The patient-level survival analysis: data -> cohorts -> Weibull fits and lifelines beside them.

OS and PFS, full and matched cohorts, every prior set: all fitted with one compiled Weibull model
(:class:`~bayes_netlm.modeling.weibull.WeibullFitter`). No file is written here.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from bayes_netlm.analyses import frequentist
from bayes_netlm.analyses.matching import matched_cohort
from bayes_netlm.evidence.patients import SurvivalData, load_survival, read_table
from bayes_netlm.modeling.results import FitResult
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter, fit_survival
from bayes_netlm.priors import NormalPrior, PriorCatalog
from bayes_netlm.sensitivity.grid import WeibullSweep, grid_table, tipping_table
from bayes_netlm.sensitivity.psense_models import weibull_psense
from bayes_netlm.spec import SensitivitySpec, SurvivalSpec

__all__ = ["SurvivalAnalysis", "analyse_survival", "frequentist_rows", "weibull_sensitivity"]

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
    grid: pd.DataFrame = field(default_factory=pd.DataFrame)
    tipping: pd.DataFrame = field(default_factory=pd.DataFrame)
    power_scaling: pd.DataFrame = field(default_factory=pd.DataFrame)


def _data_kind(spec: SurvivalSpec) -> str:
    """``"synthetic"`` for the bundled illustrative cohort, else ``"patient"``."""
    return "synthetic" if spec.synthetic else "patient"


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

    Both reweight the reference prior's MCMC draws by PSIS and refit the compiled model where
    the weights are unreliable (:class:`~bayes_netlm.sensitivity.grid.WeibullSweep`); the prior is
    on the log HR at each fit's reference time. Every finite tipping point is also refitted at the
    reported prior (``probability_refit``) as a check.
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
        tipping = tipping_table(sweep.probability, reference, catalog.clinical, sweep.locate)
        tipping["probability_refit"] = [
            float(np.mean(sweep.draws_under(NormalPrior(m, sd)) < math.log(threshold)))
            if np.isfinite(sd)
            else np.nan
            for m, sd, threshold in zip(
                tipping.prior_mean, tipping.tipping_sd, tipping.threshold, strict=True
            )
        ]
        tippings.append(tipping.assign(endpoint=fit.name, label=fit.label, quantity=fit.hr_name))
    if not grids:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(grids, ignore_index=True), pd.concat(tippings, ignore_index=True)


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
    sensitivity: SensitivitySpec | None = None,
) -> SurvivalAnalysis:
    """Fit every endpoint in the full and the matched cohort under the spec's prior sets."""
    frame = read_table(spec.data)
    # every label (tables, figure titles, report) says when the patients are synthetic
    suffix = " (SYNTHETIC cohort)" if spec.synthetic else ""
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
                    f"{endpoint.label}, {cohort} cohort{suffix}",
                    cohorts[cohort],
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
    digest = hashlib.sha256(spec.data.read_bytes()).hexdigest()
    analysis = SurvivalAnalysis(spec, fits, result, table, balance, digest)
    data_kind = _data_kind(spec)
    analysis.power_scaling = weibull_psense(
        result.posteriors["weibull"].posterior.to_dataset(), fits, priors
    ).assign(analysis="weibull", data=data_kind)
    if sensitivity is not None:
        grid, tipping = weibull_sensitivity(
            fitter, fits, result, catalog, sensitivity, seed, settings
        )
        analysis.grid = grid.assign(data=data_kind) if not grid.empty else grid
        analysis.tipping = tipping.assign(data=data_kind) if not tipping.empty else tipping
    return analysis
