"""What ``bayes-netlm run`` does in its main process (the second: :mod:`bayes_netlm.run_worker`).

It fits the published numbers (NumPyro/JAX), draws their figures, computes their prior
sensitivity, collects the second process's results and writes every table, figure, posterior and
the report into the staging results folder. :mod:`bayes_netlm.run` imports this module only after
the second process has started, so the two import their libraries side by side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from threadpoolctl import threadpool_limits

from bayes_netlm.analyses.published import (
    PublishedAnalysis,
    PublishedSensitivity,
    analyse_published,
    published_sensitivity,
)
from bayes_netlm.claim import DESIGN, RANK_PLOTS, claim
from bayes_netlm.evidence.published import PublishedStudy
from bayes_netlm.priors import PriorCatalog
from bayes_netlm.progress import Progress
from bayes_netlm.reporting import plots, sensitivity_plots
from bayes_netlm.reporting.outputs import ResultsFolder
from bayes_netlm.reporting.page import page_data
from bayes_netlm.reporting.provenance import file_record, stamp
from bayes_netlm.reporting.rank_plots import RankPlot, rank_figures
from bayes_netlm.reporting.reconstruction import reconstruction_figure, reconstruction_section
from bayes_netlm.reporting.rendered import Rendered
from bayes_netlm.reporting.report import render_report, sensitivity_section, survival_section
from bayes_netlm.reporting.shape_plots import shape_probability_figure
from bayes_netlm.run_design import design_part
from bayes_netlm.spec import RunSpec
from bayes_netlm.summaries import quantity_label

if TYPE_CHECKING:
    from bayes_netlm.analyses.patients import SurvivalAnalysis

__all__ = ["Child", "main_part"]


@dataclass
class Child:
    """The second process as the main one sees it: its pending results, how to queue more."""

    #: ``submit("module:function", *args)`` queues a call in the second process
    submit: Callable[..., Future[Any]]
    #: the Weibull analysis and its figures (None without patient-level data)
    survival: Future[Any] | None
    #: the design section and its figures (None if this process has claimed them)
    design: Future[Any]
    #: a folder for claims of work either process may do (:mod:`bayes_netlm.claim`)
    claims: Path
    #: lets the second process exit once nothing more will be asked of it
    release: Callable[[], None]


class _Figures:
    """Saves figures into the results folder and remembers their captions for the report."""

    def __init__(self, folder: ResultsFolder) -> None:
        self.folder = folder
        self.paths: dict[str, str] = {}

    def save(self, name: str, caption: str, figure: plt.Figure) -> None:
        rendered = Rendered()
        rendered.save(name, caption, figure)
        self.add(rendered)

    def add(self, rendered: Rendered, gallery: bool = True) -> None:
        """Write figures rendered to PNG (here or in the second process).

        With ``gallery`` False they are written but not listed in the report's figure gallery
        (a section shows them itself).
        """
        for name, caption, png in rendered.items:
            if gallery and caption in self.paths:
                raise RuntimeError(f"two figures are captioned {caption!r}")
            path = f"figures/{name}.png"
            self.folder.binary(path, png)
            if gallery:
                self.paths[caption] = path


#: posteriors to write: model name -> (posterior, data file(s), data SHA-256, what the data are)
Posteriors = dict[str, tuple[xr.DataTree, str, str, str]]


def _published_posteriors(analysis: PublishedAnalysis) -> Posteriors:
    shape = analysis.shape.posteriors if analysis.shape is not None else {}
    fits = {**analysis.hazard_ratios.posteriors, **shape, **analysis.rates.posteriors}
    study = analysis.study
    return {name: (tree, str(study.path), study.sha256, "published") for name, tree in fits.items()}


def _survival_posteriors(survival: SurvivalAnalysis) -> Posteriors:
    files = ", ".join(str(f) for f in survival.data_files)
    return {
        name: (tree, files, survival.data_sha256, survival.spec.data_kind)
        for name, tree in survival.result.posteriors.items()
    }


def _write_posteriors(folder: ResultsFolder, analysis: PublishedAnalysis, fits: Posteriors) -> None:
    """Each posterior as netCDF, stamped with its data (and their kind), spec, priors and seed."""
    priors = {
        name: {"log_hr": str(s.log_hr), "rates": str(s.rates)}
        for name, s in analysis.catalog.sets.items()
    }
    for name, (tree, data_file, data_sha256, kind) in fits.items():
        record = {
            "model": name,
            "data_file": data_file,
            "data_sha256": data_sha256,
            # "synthetic" for the bundled illustrative cohort: not the study's patients
            "data_kind": kind,
            "data": file_record(data_file),
            "spec_file": str(analysis.spec.path),
            "spec_sha256": analysis.spec.sha256,
            "prior_file": file_record(analysis.catalog.path),
            "prior_sets": priors,
            "clinical_thresholds": analysis.catalog.clinical,
            "seed": analysis.seed,
        }
        folder.netcdf(f"posteriors/{name}.nc", stamp(tree, record))


def _shape_figure(figures: _Figures, analysis: PublishedAnalysis) -> None:
    """P(HR < c) against the Weibull shape k (summary level), marginalised values dashed."""
    if analysis.shape is None or analysis.shape_prior is None or analysis.shape_curves.empty:
        return
    spec = str(analysis.shape_curves["prior_spec"].iloc[0])
    marginal = analysis.shape.table
    marginal = marginal[
        (marginal["method"] == "exact") & marginal["prior_spec"].str.startswith(spec)
    ]
    prior = analysis.shape_prior
    figures.save(
        "summary_hr_weibull_shape",
        "Published-numbers HR under Weibull survival: P(HR < c) against the shape k",
        shape_probability_figure(
            analysis.shape_curves,
            marginal,
            analysis.shape_consistency,
            analysis.catalog.clinical,
            (
                float(np.exp(prior.mean - 1.96 * prior.sd)),
                float(np.exp(prior.mean + 1.96 * prior.sd)),
            ),
        ),
    )


def _published_figures(figures: _Figures, analysis: PublishedAnalysis) -> None:
    clinical = analysis.catalog.clinical
    table = analysis.table
    hr_posterior = analysis.hazard_ratios.posteriors["summary_hr"]
    for evidence in analysis.hr_evidence:
        figures.save(
            f"published_hr_{evidence.name}",
            f"{evidence.label}: posterior of the hazard ratio",
            plots.hr_posterior_figure(hr_posterior, evidence.name, evidence.label, clinical),
        )
        figures.save(
            f"published_forest_{evidence.name}",
            f"{evidence.label}: hazard ratio across prior sets",
            plots.forest_figure(table, evidence.name, "hr", evidence.label, "summary_hr"),
        )
    for comparison in analysis.study.rates:
        figures.save(
            f"published_rd_{comparison.name}",
            f"{comparison.label}: posterior of the risk difference",
            plots.rd_posterior_figure(
                analysis.rates.posteriors, comparison.name, comparison.label, clinical
            ),
        )
        figures.save(
            f"published_forest_{comparison.name}",
            f"{comparison.label}: risk difference across prior sets",
            plots.forest_figure(table, comparison.name, "rd", comparison.label, "rates"),
        )
    _shape_figure(figures, analysis)


def _rank_plots(analysis: PublishedAnalysis) -> list[RankPlot]:
    """The published fits' rank plots to draw: (name, caption, posterior only, variable)."""
    hr = analysis.hazard_ratios.posteriors["summary_hr"]
    ranks = [("published_rank_summary_hr", "Rank plot: log HR fits", hr, "log_hr")]
    ranks += [
        (f"published_rank_{name}", f"Rank plot: {name}", tree, "p_index")
        for name, tree in analysis.rates.posteriors.items()
    ]
    # only the posterior group crosses to the second process
    return [
        (name, caption, xr.DataTree.from_dict({"posterior": tree.posterior.to_dataset()}), var)
        for name, caption, tree, var in ranks
    ]


def _reconstruction_outputs(
    folder: ResultsFolder, figures: _Figures, survival: SurvivalAnalysis, extra: list[str]
) -> None:
    """Quality of the patients reconstructed from published curves: table, figures, section."""
    kind = survival.spec.data_kind
    quality = pd.concat([c.quality for c in survival.curves], ignore_index=True)
    folder.csv("tables/reconstruction_quality.csv", quality.assign(data=kind))
    if not survival.pooled.empty:
        folder.csv("tables/reconstruction_pooled.csv", survival.pooled.assign(data=kind))
    labels = {e.name: e.label for e in survival.spec.endpoints}
    for cohort in survival.curves:
        label = labels[cohort.endpoint]
        figures.save(
            f"reconstruction_{cohort.endpoint}",
            f"{label}: reconstructed Kaplan-Meier over the digitised points",
            reconstruction_figure(cohort, label),
        )
    extra.append(reconstruction_section(survival.curves, survival.pooled, labels))


def _with_meaning(
    table: pd.DataFrame, survival: SurvivalAnalysis | None, catalog: PriorCatalog
) -> pd.DataFrame:
    """The summaries with a last column ``meaning``: each quantity in words, as the report has it.

    With a group-specific Weibull shape the hazard ratio changes over time, and that fit's
    ``hr`` rows (and its P(HR ...) rows) are of the HR at the reference time: their meaning says
    so ("HR at 1 year (cystic vs solid)") where the quantity's name (``hr``) does not.
    """
    hr_names = {f.name: f.hr_name for f in survival.fits} if survival is not None else {}
    meaning = [
        quantity_label(
            quantity,
            catalog.clinical,
            hr_names.get(endpoint, "HR") if analysis == "weibull" else "HR",
            str(label).split(",")[0].strip().lower(),
        )
        for analysis, endpoint, label, quantity in zip(
            table["analysis"], table["endpoint"], table["label"], table["quantity"], strict=True
        )
    ]
    return table.assign(meaning=meaning)


def _sensitivity_tables(
    published: PublishedSensitivity, survival: SurvivalAnalysis | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    grids = [published.grid.assign(analysis="summary_hr", data="published")]
    tippings = [published.tipping.assign(analysis="summary_hr", data="published")]
    psense = [published.power_scaling.assign(data="published")]
    if survival is not None:
        kind = survival.spec.data_kind
        grids.append(survival.grid.assign(analysis="weibull", data=kind))
        tippings.append(survival.tipping.assign(analysis="weibull", data=kind))
        psense.append(survival.power_scaling.assign(data=kind))
    return (
        pd.concat(grids, ignore_index=True),
        pd.concat(tippings, ignore_index=True),
        pd.concat(psense, ignore_index=True),
    )


def main_part(
    folder: ResultsFolder,
    spec: RunSpec,
    study: PublishedStudy,
    catalog: PriorCatalog,
    seed: int,
    child: Child,
    progress: Progress,
    started: float,
) -> pd.DataFrame:
    """Everything the main process computes and writes; returns the convergence table."""
    # the two processes already use both cores: BLAS's own threads would only contend (measured:
    # one 2000-node Gauss-Legendre rule took 15 s with two OpenBLAS threads, 0.8 s with one)
    with threadpool_limits(limits=1, user_api="blas"):
        analysis = analyse_published(study, catalog, spec, seed)
        # ArviZ's rank plots (its chain-uniformity test, ~0.4 s each) go to the second process
        # after its own work, or are drawn here if this process is idle first (bayes_netlm.claim)
        ranks = _rank_plots(analysis)
        rank_marker = child.claims / RANK_PLOTS
        ranks_pending = child.submit("bayes_netlm.run_worker:rank_part", ranks, rank_marker)
        figures = _Figures(folder)
        # drawn while the survival process is still sampling
        progress("drawing the published-numbers figures")
        _published_figures(figures, analysis)
        progress("prior sensitivity of the published numbers")
        sensitivity = (
            published_sensitivity(analysis, spec.sensitivity) if spec.sensitivity else None
        )
        summary_grids = (
            sensitivity_plots.heatmap_figures(sensitivity.grid, "summary_hr")
            if sensitivity is not None
            else Rendered()
        )
        # out of its own work: this process draws the rank plots unless the other has begun them
        own_ranks = rank_figures(ranks) if claim(rank_marker) else None
        _write_posteriors(folder, analysis, _published_posteriors(analysis))
        # the design section too, if the second process is still busy with the Weibull fits
        own_design = (
            design_part(seed, child.claims / DESIGN)
            if child.survival is not None and not child.survival.done()
            else None
        )
        if child.survival is not None:
            progress("waiting for the patient-level Weibull fits")
        survival, survival_figures, grid_figures = (
            child.survival.result()
            if child.survival is not None
            else (None, Rendered(), Rendered())
        )
        if survival is not None:
            progress("patient-level fits done; writing tables and survival figures")
        tables = [analysis.table.assign(data="published")]
        convergence = [analysis.convergence.assign(data="published")]
        extra: list[str] = []
        if survival is not None:
            kind = survival.spec.data_kind
            tables.append(survival.result.table.assign(data=kind))
            convergence.append(
                survival.result.convergence.assign(analysis="weibull", data=kind).reset_index()
            )
            folder.csv("tables/frequentist.csv", survival.frequentist.assign(data=kind))
            if not survival.balance.empty:
                folder.csv("tables/balance.csv", survival.balance.assign(data=kind))
            if survival.curves:
                _reconstruction_outputs(folder, figures, survival, extra)
            figures.add(survival_figures)
            extra.append(survival_section(survival, catalog.clinical))
        if sensitivity is not None and spec.sensitivity is not None:
            grid, tipping, psense = _sensitivity_tables(sensitivity, survival)
            folder.csv("tables/sensitivity_grid.csv", grid)
            folder.csv("tables/tipping_points.csv", tipping)
            folder.csv("tables/power_scaling.csv", psense)
            figures.add(summary_grids)
            figures.add(grid_figures)  # the Weibull fits' heat maps, drawn with their fits
            extra.append(
                sensitivity_section(grid, tipping, psense, spec.sensitivity.reference_prior)
            )
        design, design_figures = own_design or child.design.result()
        child_ranks = ranks_pending.result()
        child.release()  # nothing left for it: it exits while this process writes
        figures.add(design_figures, gallery=False)  # shown inside the design section only
        figures.add(own_ranks if own_ranks is not None else child_ranks)
        extra.append(design)
        progress("writing posteriors and the report")
        all_convergence = pd.concat(convergence, ignore_index=True)
        summaries = pd.concat(tables, ignore_index=True)
        folder.csv("tables/summaries.csv", _with_meaning(summaries, survival, catalog))
        folder.csv("tables/convergence.csv", all_convergence)
        if survival is not None:
            _write_posteriors(folder, analysis, _survival_posteriors(survival))
        elapsed = time.perf_counter() - started
        page = page_data(analysis, survival, spec.sensitivity)
        folder.text("report.html", render_report(analysis, figures.paths, elapsed, extra, page))
        return all_convergence
