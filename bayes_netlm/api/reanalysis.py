"""The whole re-analysis from a run specification, computed and returned (nothing written).

What ``bayes-netlm run`` computes: the published-numbers fits (summary-level HRs, the Weibull
shape marginalised, rate comparisons), their exact prior sensitivity and power-scaling, and the
patient-level Weibull analysis of the spec's cohort with lifelines beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from bayes_netlm.api._common import DEFAULT_SEED, probability_name

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

    from bayes_netlm.analyses.patients import SurvivalAnalysis
    from bayes_netlm.analyses.published import PublishedAnalysis, PublishedSensitivity
    from bayes_netlm.modeling.sampling import SamplerSettings

__all__ = ["Reanalysis", "reanalyse"]


@dataclass
class Reanalysis:
    """Published-numbers and patient-level results of one run specification.

    Attributes
    ----------
    published : PublishedAnalysis
        Summary-level HR, shape-marginalised HR and rate fits.
    sensitivity : PublishedSensitivity or None
        Exact prior grids and tipping points of the published HRs, power-scaling of every fit.
    survival : SurvivalAnalysis or None
        Patient-level Weibull fits (full and matched cohorts) with lifelines, grids, tipping points.

    """

    published: PublishedAnalysis
    sensitivity: PublishedSensitivity | None
    survival: SurvivalAnalysis | None

    @property
    def clinical(self):  # noqa: ANN201 - ClinicalThresholds
        """The clinical thresholds of the prior catalog."""
        return self.published.catalog.clinical

    def summary(self) -> pd.DataFrame:
        """Every tidy row (``tables/summaries.csv``: the same columns, with ``data``)."""
        tables = [self.published.table.assign(data="published")]
        if self.survival is not None:
            tables.append(self.survival.result.table.assign(data=self.survival.spec.data_kind))
        return pd.concat(tables, ignore_index=True)

    def probabilities(
        self, analysis: str = "summary_hr", prior: str = "vague"
    ) -> dict[str, dict[str, float]]:
        """Per endpoint, one analysis's probabilities under one prior set, named with thresholds."""
        rows = self.summary()
        rows = rows[(rows["analysis"] == analysis) & (rows["prior"] == prior)]
        method = "exact" if (rows["method"] == "exact").any() else "pymc"
        rows = rows[(rows["method"] == method) & rows["quantity"].str.startswith("p_")]
        return {
            str(endpoint): {
                probability_name(q, self.clinical): float(v)
                for q, v in zip(group["quantity"], group["value"], strict=True)
            }
            for endpoint, group in rows.groupby("endpoint", sort=False)
        }

    @property
    def trees(self) -> dict[str, xr.DataTree]:
        """Posterior DataTrees by model name (``summary_hr``, ``weibull``, ...)."""
        trees = dict(self.published.hazard_ratios.posteriors)
        if self.published.shape is not None:
            trees.update(self.published.shape.posteriors)
        trees.update(self.published.rates.posteriors)
        if self.survival is not None:
            trees.update(self.survival.result.posteriors)
        return trees

    def provenance(self, model: str) -> dict[str, object]:
        """What a model's posterior rests on: files (relative path, SHA-256), priors, seed."""
        from bayes_netlm.reporting.provenance import file_record

        published = self.published
        data = published.study.path
        if model == "weibull" and self.survival is not None and self.survival.spec.data:
            data = str(self.survival.spec.data)
        return {
            "model": model,
            "data": file_record(data),
            "spec": file_record(published.spec.path),
            "prior_file": file_record(published.catalog.path),
            "prior_sets": {
                name: {"log_hr": str(s.log_hr), "rates": str(s.rates)}
                for name, s in published.catalog.sets.items()
            },
            "clinical_thresholds": published.catalog.clinical,
            "seed": published.seed,
        }

    def to_netcdf(self, folder: str | Path) -> list[Path]:
        """Write every DataTree, with its provenance, to ``folder/NAME.nc``; returns the paths."""
        from bayes_netlm.api.result import as_numpy
        from bayes_netlm.reporting.outputs import write_netcdf
        from bayes_netlm.reporting.provenance import stamp

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, tree in self.trees.items():
            path = folder / f"{name}.nc"
            write_netcdf(stamp(as_numpy(tree), self.provenance(name)), path)
            paths.append(path)
        return paths

    def plot_posterior(self, endpoint: str = "os_full") -> Figure:
        """Posterior of a published endpoint's HR under every prior set, thresholds marked."""
        from bayes_netlm.reporting.plots import hr_posterior_figure

        tree = self.published.hazard_ratios.posteriors["summary_hr"]
        label = next(e.label for e in self.published.hr_evidence if e.name == endpoint)
        return hr_posterior_figure(tree, endpoint, label, self.clinical)

    def plot_forest(self, endpoint: str = "os_full", quantity: str = "hr") -> Figure:
        """Median and 95 % interval across prior sets (exact headline, MCMC check)."""
        from bayes_netlm.reporting.plots import forest_figure

        analysis = "summary_hr" if quantity == "hr" else "rates"
        table = self.published.table
        label = str(table.loc[table["endpoint"] == endpoint, "label"].iloc[0])
        return forest_figure(table, endpoint, quantity, label, analysis)

    def plot_rank(self, model: str = "summary_hr") -> Figure:
        """ArviZ rank plot of a model's main parameter (the two fits with the highest R-hat)."""
        from bayes_netlm.reporting.rank_plots import rank_figure

        tree = self.trees[model]
        return rank_figure(tree, "log_hr" if "log_hr" in tree.posterior.data_vars else "p_index")

    def plot_survival(self, fit: str = "os_full", prior: str = "vague") -> Figure:
        """Patient-level posterior S(t) per group over Kaplan-Meier."""
        import numpy as np

        from bayes_netlm.analyses.frequentist import kaplan_meier_curves
        from bayes_netlm.reporting.survival_plots import survival_curves_figure

        if self.survival is None:
            raise ValueError("the run specification has no [survival] section")
        chosen = next(f for f in self.survival.fits if f.name == fit)
        draws = self.survival.result.posteriors["weibull"].posterior.to_dataset()
        return survival_curves_figure(
            draws.sel(fit=f"{fit}|{prior}"),
            kaplan_meier_curves(chosen.data),
            chosen.group_shape,
            chosen.label,
            (chosen.data.index_label, chosen.data.reference_label),
            float(np.max(chosen.data.time)),
        )

    def plot_grid(self, endpoint: str = "os_full") -> Figure:
        """Heat map of P(HR < c) over the prior grid for a published endpoint."""
        from bayes_netlm.reporting.sensitivity_plots import heatmap_figure

        if self.sensitivity is None:
            raise ValueError("the run specification has no [sensitivity] section")
        cells = self.sensitivity.grid[self.sensitivity.grid["endpoint"] == endpoint]
        return heatmap_figure(cells, str(cells["label"].iloc[0]))


def reanalyse(
    spec: str | Path | None = None,
    seed: int = DEFAULT_SEED,
    *,
    survival: bool = True,
    sensitivity: bool = True,
    settings: SamplerSettings | None = None,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
) -> Reanalysis:
    """Compute the whole re-analysis of a run specification (what ``bayes-netlm run`` computes).

    Parameters
    ----------
    spec : str or pathlib.Path, optional
        The run specification (default ``models/run.toml``).
    seed : int
        Seed of the published fits; the patient-level fits use ``seed + 2`` as ``run`` does.
    survival : bool, default True
        Also run the patient-level analysis of the spec's ``[survival]`` cohort.
    sensitivity : bool, default True
        Also compute the prior grids, tipping points and power-scaling.
    settings : SamplerSettings, optional
        NUTS settings (default: the spec's ``[sampler]``).
    draws, tune, chains : int, optional
        Override those of the settings (e.g. fewer draws for a quick look).

    Returns
    -------
    Reanalysis

    Examples
    --------
    >>> import bayes_netlm as bn
    >>> result = bn.reanalyse(survival=False)  # doctest: +SKIP
    >>> result.probabilities()["os_full"]["P(HR < 1)"]  # doctest: +SKIP

    """
    from bayes_netlm.analyses.patients import analyse_survival
    from bayes_netlm.analyses.published import analyse_published, published_sensitivity
    from bayes_netlm.evidence.published import load_published
    from bayes_netlm.priors import load_prior_catalog
    from bayes_netlm.spec import DEFAULT_SPEC, load_spec

    run_spec = load_spec(spec or DEFAULT_SPEC)
    study = load_published(run_spec.published)
    catalog = load_prior_catalog(run_spec.prior_sets)
    chosen = settings or run_spec.sampler
    overrides = {"draws": draws, "tune": tune, "chains": chains}
    chosen = replace(chosen, **{k: int(v) for k, v in overrides.items() if v is not None})
    published = analyse_published(study, catalog, run_spec, seed, chosen)
    published_sens = (
        published_sensitivity(published, run_spec.sensitivity)
        if sensitivity and run_spec.sensitivity
        else None
    )
    patients = None
    if survival and run_spec.survival is not None:
        patients = analyse_survival(
            run_spec.survival,
            catalog,
            seed + 2,
            chosen,
            run_spec.sensitivity if sensitivity else None,
        )
    return Reanalysis(published, published_sens, patients)
