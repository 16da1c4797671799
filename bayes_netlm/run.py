"""``bayes-netlm run``: load, analyse, then write tables, posteriors, figures and the report.

Everything is written into a staging folder that replaces the results folder only when the whole
run has succeeded (:mod:`bayes_netlm.outputs`).
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib.pyplot as plt

from bayes_netlm import plots
from bayes_netlm.evidence.published import load_published
from bayes_netlm.outputs import ResultsFolder, results_folder
from bayes_netlm.pipeline import PublishedAnalysis, analyse_published
from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.provenance import stamp
from bayes_netlm.report import render_report
from bayes_netlm.spec import DEFAULT_SPEC, load_spec

__all__ = ["run_published"]


def _write_posteriors(folder: ResultsFolder, analysis: PublishedAnalysis) -> None:
    fits = {**analysis.hazard_ratios.posteriors, **analysis.rates.posteriors}
    priors = {
        name: {"log_hr": str(s.log_hr), "rates": str(s.rates)}
        for name, s in analysis.catalog.sets.items()
    }
    for name, tree in fits.items():
        record = {
            "model": name,
            "data_file": analysis.study.path,
            "data_sha256": analysis.study.sha256,
            "spec_file": str(analysis.spec.path),
            "spec_sha256": analysis.spec.sha256,
            "prior_sets": priors,
            "clinical_thresholds": analysis.catalog.clinical,
            "seed": analysis.seed,
        }
        folder.netcdf(f"posteriors/{name}.nc", stamp(tree, record))


def _write_figures(folder: ResultsFolder, analysis: PublishedAnalysis) -> dict[str, str]:
    clinical = analysis.catalog.clinical
    table = analysis.table
    figures: dict[str, str] = {}

    def save(name: str, caption: str, figure: plt.Figure) -> None:
        folder.figure(f"figures/{name}.png", figure)
        plt.close(figure)
        figures[caption] = f"figures/{name}.png"

    hr_posterior = analysis.hazard_ratios.posteriors["summary_hr"]
    for evidence in analysis.hr_evidence:
        save(
            f"hr_{evidence.name}",
            f"{evidence.label}: posterior of the hazard ratio",
            plots.hr_posterior_figure(hr_posterior, evidence.name, evidence.label, clinical),
        )
        save(
            f"forest_{evidence.name}",
            f"{evidence.label}: hazard ratio across prior sets",
            plots.forest_figure(table, evidence.name, "hr", evidence.label),
        )
    for comparison in analysis.study.rates:
        save(
            f"rd_{comparison.name}",
            f"{comparison.label}: posterior of the risk difference",
            plots.rd_posterior_figure(
                analysis.rates.posteriors, comparison.name, comparison.label, clinical
            ),
        )
        save(
            f"forest_{comparison.name}",
            f"{comparison.label}: risk difference across prior sets",
            plots.forest_figure(table, comparison.name, "rd", comparison.label),
        )
    save("rank_summary_hr", "Rank plot: log HR fits", plots.rank_figure(hr_posterior, "log_hr"))
    for name, tree in analysis.rates.posteriors.items():
        save(f"rank_{name}", f"Rank plot: {name}", plots.rank_figure(tree, "p_index"))
    return figures


def run_published(
    out: Path, seed: int, spec_path: Path | None = None, started: float | None = None
) -> str:
    """Run the whole published-numbers re-analysis into ``out``; returns the closing line."""
    started = time.perf_counter() if started is None else started
    spec = load_spec(spec_path or DEFAULT_SPEC)
    study = load_published(spec.published)
    catalog = load_prior_catalog(spec.prior_sets)
    with results_folder(out) as folder:
        analysis = analyse_published(study, catalog, spec, seed)
        folder.csv("tables/summaries.csv", analysis.table)
        folder.csv("tables/convergence.csv", analysis.convergence)
        _write_posteriors(folder, analysis)
        figures = _write_figures(folder, analysis)
        elapsed = time.perf_counter() - started
        folder.text("report.html", render_report(analysis, figures, elapsed))
    failed = int((~analysis.convergence["converged"]).sum())
    status = (
        "all fits converged" if not failed else f"{failed} FITS FAILED their convergence checks"
    )
    return f"bayes-netlm run: results in {out}; {status}; finished in {elapsed:.1f} s"
