"""``bayes-netlm run``: load, analyse, then write tables, posteriors, figures and the report.

The patient-level survival analysis runs in a second process while this one fits the
published-numbers models: its Numba compilation and the published models' JAX compilation each
use one core, and compilation is most of the run's time.

Everything is written into a staging folder that replaces the results folder only when the whole
run has succeeded (:mod:`bayes_netlm.outputs`).

Interrupts: the survival process ignores SIGINT (Ctrl-C reaches the whole process group); this
process turns it into one line and exit status 130 and stops the survival process itself, so
neither prints a traceback and the staging folder is removed.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayes_netlm import frequentist, plots, sensitivity_plots, survival_plots
from bayes_netlm.evidence.published import load_published
from bayes_netlm.modeling.predictive import posterior_predictive_times
from bayes_netlm.outputs import ResultsFolder, results_folder, signals_deferred
from bayes_netlm.patient_analysis import SurvivalAnalysis, analyse_survival
from bayes_netlm.pipeline import (
    PublishedAnalysis,
    PublishedSensitivity,
    analyse_published,
    published_sensitivity,
)
from bayes_netlm.priors import ClinicalThresholds, load_prior_catalog
from bayes_netlm.provenance import stamp
from bayes_netlm.report import render_report, sensitivity_section, survival_section
from bayes_netlm.spec import DEFAULT_SPEC, load_spec

__all__ = ["run_published"]

PPC_REPLICATES = 50
MODEL_NAMES = {"summary_hr": "published numbers", "weibull": "Weibull, synthetic patients"}


class _Figures:
    """Saves figures into the results folder and remembers their captions for the report."""

    def __init__(self, folder: ResultsFolder) -> None:
        self.folder = folder
        self.paths: dict[str, str] = {}

    def save(self, name: str, caption: str, figure: plt.Figure) -> None:
        self.folder.figure(f"figures/{name}.png", figure)
        plt.close(figure)
        self.paths[caption] = f"figures/{name}.png"


def _write_posteriors(
    folder: ResultsFolder, analysis: PublishedAnalysis, survival: SurvivalAnalysis | None
) -> None:
    fits = {**analysis.hazard_ratios.posteriors, **analysis.rates.posteriors}
    data = {name: (analysis.study.path, analysis.study.sha256) for name in fits}
    if survival is not None:
        fits.update(survival.result.posteriors)
        data["weibull"] = (str(survival.spec.data), survival.data_sha256)
    priors = {
        name: {"log_hr": str(s.log_hr), "rates": str(s.rates)}
        for name, s in analysis.catalog.sets.items()
    }
    for name, tree in fits.items():
        record = {
            "model": name,
            "data_file": data[name][0],
            "data_sha256": data[name][1],
            "spec_file": str(analysis.spec.path),
            "spec_sha256": analysis.spec.sha256,
            "prior_sets": priors,
            "clinical_thresholds": analysis.catalog.clinical,
            "seed": analysis.seed,
        }
        folder.netcdf(f"posteriors/{name}.nc", stamp(tree, record))


def _published_figures(figures: _Figures, analysis: PublishedAnalysis) -> None:
    clinical = analysis.catalog.clinical
    table = analysis.table
    hr_posterior = analysis.hazard_ratios.posteriors["summary_hr"]
    for evidence in analysis.hr_evidence:
        figures.save(
            f"hr_{evidence.name}",
            f"{evidence.label}: posterior of the hazard ratio",
            plots.hr_posterior_figure(hr_posterior, evidence.name, evidence.label, clinical),
        )
        figures.save(
            f"forest_{evidence.name}",
            f"{evidence.label}: hazard ratio across prior sets",
            plots.forest_figure(table, evidence.name, "hr", evidence.label),
        )
    for comparison in analysis.study.rates:
        figures.save(
            f"rd_{comparison.name}",
            f"{comparison.label}: posterior of the risk difference",
            plots.rd_posterior_figure(
                analysis.rates.posteriors, comparison.name, comparison.label, clinical
            ),
        )
        figures.save(
            f"forest_{comparison.name}",
            f"{comparison.label}: risk difference across prior sets",
            plots.forest_figure(table, comparison.name, "rd", comparison.label),
        )
    figures.save(
        "rank_summary_hr", "Rank plot: log HR fits", plots.rank_figure(hr_posterior, "log_hr")
    )
    for name, tree in analysis.rates.posteriors.items():
        figures.save(f"rank_{name}", f"Rank plot: {name}", plots.rank_figure(tree, "p_index"))


def _survival_figures(
    figures: _Figures, survival: SurvivalAnalysis, clinical: ClinicalThresholds, seed: int
) -> None:
    tree = survival.result.posteriors["weibull"]
    posterior = tree.posterior.to_dataset()
    reference_prior = survival.spec.prior_sets[0]
    for fit in survival.fits:
        draws = posterior.sel(fit=f"{fit.name}|{reference_prior}")
        t_max = float(np.max(fit.data.time))
        labels = (fit.data.index_label, fit.data.reference_label)
        figures.save(
            f"survival_{fit.name}",
            f"{fit.label}: posterior survival ({reference_prior} prior) over Kaplan-Meier",
            survival_plots.survival_curves_figure(
                draws,
                frequentist.kaplan_meier_curves(fit.data),
                fit.group_shape,
                fit.label,
                labels,
                t_max,
            ),
        )
        figures.save(
            f"hr_{fit.name}",
            f"{fit.label}: posterior of the hazard ratio across prior sets",
            plots.hr_posterior_figure(tree, fit.name, fit.label, clinical),
        )
        if fit.group_shape:
            figures.save(
                f"hr_over_time_{fit.name}",
                f"{fit.label}: hazard ratio over time (group-specific shapes)",
                survival_plots.hazard_ratio_over_time_figure(
                    draws, fit.group_shape, fit.label, clinical, t_max
                ),
            )
        if fit.name.endswith("_full"):
            times, events = posterior_predictive_times(
                draws, fit.data, fit.group_shape, PPC_REPLICATES, seed
            )
            figures.save(
                f"ppc_{fit.name}",
                f"{fit.label}: posterior predictive check (censored data)",
                survival_plots.ppc_figure(times, events, fit.data, fit.label),
            )
    figures.save("rank_weibull", "Rank plot: Weibull log HR", plots.rank_figure(tree, "log_hr"))


def _sensitivity_tables(
    published: PublishedSensitivity, survival: SurvivalAnalysis | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    grids = [published.grid.assign(analysis="summary_hr")]
    tippings = [published.tipping.assign(analysis="summary_hr")]
    psense = [published.power_scaling]
    if survival is not None:
        grids.append(survival.grid.assign(analysis="weibull"))
        tippings.append(survival.tipping.assign(analysis="weibull"))
        psense.append(survival.power_scaling)
    return (
        pd.concat(grids, ignore_index=True),
        pd.concat(tippings, ignore_index=True),
        pd.concat(psense, ignore_index=True),
    )


def _ignore_interrupts() -> None:
    """Initialiser of the survival process: the parent handles Ctrl-C and stops this process.

    On Linux the process is also told to stop when its parent dies, even by SIGKILL
    (``prctl(PR_SET_PDEATHSIG, SIGTERM)``), so a killed run leaves no fit running on.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the call
            os._exit(1)


@contextmanager
def _survival_process() -> Iterator[ProcessPoolExecutor]:
    """A one-worker spawned pool; on any exception or interrupt its worker is stopped at once."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_ignore_interrupts,
    )
    try:
        yield pool
    except BaseException:
        # shutdown() would wait for the survival fit to finish; stop the worker instead
        with signals_deferred():
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def run_published(
    out: Path, seed: int, spec_path: Path | None = None, started: float | None = None
) -> str:
    """Run the whole re-analysis into ``out``; returns the closing line with the time taken."""
    started = time.perf_counter() if started is None else started
    spec = load_spec(spec_path or DEFAULT_SPEC)
    study = load_published(spec.published)
    catalog = load_prior_catalog(spec.prior_sets)
    with results_folder(out) as folder, _survival_process() as pool:
        pending = (
            pool.submit(
                analyse_survival, spec.survival, catalog, seed + 2, spec.sampler, spec.sensitivity
            )
            if spec.survival is not None
            else None
        )
        analysis = analyse_published(study, catalog, spec, seed)
        figures = _Figures(folder)
        # drawn while the survival process is still sampling
        _published_figures(figures, analysis)
        sensitivity = (
            published_sensitivity(analysis, spec.sensitivity) if spec.sensitivity else None
        )
        survival = pending.result() if pending is not None else None
        tables = [analysis.table]
        convergence = [analysis.convergence]
        extra = []
        if survival is not None:
            tables.append(survival.result.table)
            convergence.append(survival.result.convergence.assign(analysis="weibull").reset_index())
            folder.csv("tables/frequentist.csv", survival.frequentist)
            folder.csv("tables/balance.csv", survival.balance)
            _survival_figures(figures, survival, catalog.clinical, seed)
            extra.append(survival_section(survival, catalog.clinical))
        if sensitivity is not None and spec.sensitivity is not None:
            grid, tipping, psense = _sensitivity_tables(sensitivity, survival)
            folder.csv("tables/sensitivity_grid.csv", grid)
            folder.csv("tables/tipping_points.csv", tipping)
            folder.csv("tables/power_scaling.csv", psense)
            for (model, endpoint), cells in grid.groupby(["analysis", "endpoint"], sort=False):
                title = f"{cells['label'].iloc[0]} ({MODEL_NAMES[str(model)]})"
                figures.save(
                    f"prior_grid_{model}_{endpoint}",
                    f"{title}: P(HR < c) over a grid of priors",
                    sensitivity_plots.heatmap_figure(cells, title),
                )
            extra.append(
                sensitivity_section(grid, tipping, psense, spec.sensitivity.reference_prior)
            )
        all_convergence = pd.concat(convergence, ignore_index=True)
        folder.csv("tables/summaries.csv", pd.concat(tables, ignore_index=True))
        folder.csv("tables/convergence.csv", all_convergence)
        _write_posteriors(folder, analysis, survival)
        elapsed = time.perf_counter() - started
        folder.text("report.html", render_report(analysis, figures.paths, elapsed, extra))
    failed = int((~all_convergence["converged"].astype(bool)).sum())
    status = (
        "all fits converged" if not failed else f"{failed} FITS FAILED their convergence checks"
    )
    return f"bayes-netlm run: results in {out}; {status}; finished in {elapsed:.1f} s"
