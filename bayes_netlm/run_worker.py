"""What ``bayes-netlm run`` computes in its second process (the main one fits published numbers).

:func:`survival_part`: the Weibull analysis
(:func:`~bayes_netlm.analyses.patients.analyse_survival`), then every figure drawn from it (survival
curves over Kaplan-Meier, hazard ratios across prior sets, HR over time, posterior predictive
checks, the rank plot and the Weibull prior-grid heat maps). :func:`rank_part`: the rank plots
of the published-numbers fits (sent once the main process has fitted them), unless the main
process has claimed them first; the design section (:mod:`bayes_netlm.run_design`) is claimed the
same way. Figures are
rendered to PNG bytes here; nothing is written to disk, :mod:`bayes_netlm.run_main` stays the only
writer of the results folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bayes_netlm.analyses import frequentist
from bayes_netlm.analyses.patients import SurvivalAnalysis, analyse_survival
from bayes_netlm.claim import claim
from bayes_netlm.modeling.predictive import posterior_predictive_times
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.priors import ClinicalThresholds, PriorCatalog
from bayes_netlm.reporting import plots, sensitivity_plots, survival_plots
from bayes_netlm.reporting.rank_plots import RankPlot, rank_figure, rank_figures
from bayes_netlm.reporting.rendered import Rendered
from bayes_netlm.spec import SensitivitySpec, SurvivalSpec

__all__ = ["rank_part", "survival_part"]


PPC_REPLICATES = 50


def _survival_figures(
    figures: Rendered, survival: SurvivalAnalysis, clinical: ClinicalThresholds, seed: int
) -> None:
    tree = survival.result.posteriors["weibull"]
    posterior = tree.posterior.to_dataset()
    reference_prior = survival.spec.prior_sets[0]
    for fit in survival.fits:
        draws = posterior.sel(fit=f"{fit.name}|{reference_prior}")
        t_max = float(np.max(fit.data.time))
        labels = (fit.data.index_label, fit.data.reference_label)
        figures.save(
            f"weibull_survival_{fit.name}",
            f"{fit.label}: posterior survival ({reference_prior} prior) over Kaplan-Meier",
            survival_plots.survival_curves_figure(
                draws,
                frequentist.kaplan_meier_curves(fit.data),
                fit.group_shape,
                fit.label,
                labels,
                t_max,
                data=fit.data,
                synthetic=survival.spec.synthetic,
            ),
        )
        figures.save(
            f"weibull_hr_{fit.name}",
            f"{fit.label}: posterior of the "
            + ("hazard ratio" if fit.hr_name == "HR" else fit.hr_name)
            + " across prior sets",
            plots.hr_posterior_figure(tree, fit.name, fit.label, clinical, fit.hr_name),
        )
        if fit.group_shape:
            figures.save(
                f"weibull_hr_over_time_{fit.name}",
                f"{fit.label}: hazard ratio over time (group-specific shapes)",
                survival_plots.hazard_ratio_over_time_figure(
                    draws, fit.group_shape, fit.label, clinical, t_max, fit.reference_time
                ),
            )
        if fit.name.endswith("_full"):
            times, events = posterior_predictive_times(
                draws, fit.data, fit.group_shape, PPC_REPLICATES, seed
            )
            figures.save(
                f"weibull_ppc_{fit.name}",
                f"{fit.label}: posterior predictive check (censored data)",
                survival_plots.ppc_figure(times, events, fit.data, fit.label),
            )
    cohort = " (SYNTHETIC cohort)" if survival.spec.synthetic else ""
    figures.save("weibull_rank", f"Rank plot: Weibull log HR{cohort}", rank_figure(tree, "log_hr"))


def survival_part(
    spec: SurvivalSpec,
    catalog: PriorCatalog,
    seed: int,
    settings: SamplerSettings,
    sensitivity: SensitivitySpec | None,
    figure_seed: int,
) -> tuple[SurvivalAnalysis, Rendered, Rendered]:
    """The Weibull analysis, its figures and its prior-grid heat maps (in that order).

    ``figure_seed`` seeds the posterior predictive replicates of the figures.
    """
    figures, grids = Rendered(), Rendered()
    with threadpool_limits(limits=1, user_api="blas"):  # the other process uses the other core
        survival = analyse_survival(spec, catalog, seed, settings, sensitivity)
        _survival_figures(figures, survival, catalog.clinical, figure_seed)
        if not survival.grid.empty:
            grids = sensitivity_plots.heatmap_figures(survival.grid, "weibull")
    return survival, figures, grids


def rank_part(ranks: list[RankPlot], marker: Path) -> Rendered | None:
    """The rank plots of :func:`bayes_netlm.reporting.rank_plots.rank_figures`, rendered here.

    None if the main process has claimed them first (:func:`bayes_netlm.claim.claim`).
    """
    if not claim(marker):
        return None
    with threadpool_limits(limits=1, user_api="blas"):
        return rank_figures(ranks)
