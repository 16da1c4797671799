"""What every API result offers: a tidy summary, named probabilities, the DataTree and plots.

A result holds the tidy rows of its fit (the columns of ``tables/summaries.csv``), the ArviZ
DataTree of its MCMC draws with provenance attributes, and the clinical thresholds that name its
probabilities. Methods that draw return a matplotlib Figure; the caller saves and closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from bayes_netlm.api._common import probability_name
from bayes_netlm.priors import ClinicalThresholds

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

__all__ = ["FitSummary", "as_numpy", "figure_of"]


def as_numpy(tree: xr.DataTree) -> xr.DataTree:
    """The same DataTree with every variable a NumPy array (NumPyro leaves JAX arrays in it)."""
    import numpy as np
    import xarray as xr

    groups = {
        f"/{name}": child.to_dataset().map(
            lambda v: v.copy(data=np.asarray(v.values)), keep_attrs=True
        )
        for name, child in tree.children.items()
    }
    result = xr.DataTree.from_dict(groups)
    result.attrs.update(tree.attrs)
    return result


def figure_of(collection: Any) -> Figure:
    """The matplotlib Figure behind an ArviZ 1.x PlotCollection (or a Figure as it is)."""
    from matplotlib.figure import Figure

    if isinstance(collection, Figure):
        return collection
    figure = collection.viz["figure"].item()
    if not isinstance(figure, Figure):  # pragma: no cover - only matplotlib is used
        raise TypeError(f"expected a matplotlib Figure, got {type(figure).__name__}")
    return figure


@dataclass
class FitSummary:
    """Tidy rows, the posterior DataTree and the thresholds of one fitted model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per quantity and method (``exact`` headline where a closed form exists, ``pymc``
        beside it as the check), the columns of ``tables/summaries.csv``.
    tree : xarray.DataTree or None
        The MCMC draws (``posterior`` and ``sample_stats`` groups) with provenance attributes;
        None when only the closed form was computed.
    clinical : ClinicalThresholds
        The thresholds that name the probabilities.
    convergence : pandas.DataFrame
        R-hat, ESS and divergences per fit (empty without MCMC).
    hr_label : str
        Name of the hazard ratio in probability names, e.g. ``"HR at 1 year"``.

    """

    table: pd.DataFrame
    tree: xr.DataTree | None
    clinical: ClinicalThresholds
    convergence: pd.DataFrame = field(default_factory=pd.DataFrame)
    hr_label: str = "HR"
    #: the ``analysis`` whose rows are the headline (all rows when empty)
    headline: str = ""

    @property
    def headline_method(self) -> str:
        """``"exact"`` when the headline has closed-form rows, else ``"pymc"``."""
        return "exact" if (self._headline_rows()["method"] == "exact").any() else "pymc"

    def _headline_rows(self, method: str | None = None) -> pd.DataFrame:
        rows = (
            self.table if not self.headline else self.table[self.table["analysis"] == self.headline]
        )
        if method is not None:
            rows = rows[rows["method"] == method]
        return rows

    def summary(self, method: str | None = None) -> pd.DataFrame:
        """The tidy summary table (``tables/summaries.csv``'s columns but ``data``, ``meaning``).

        Parameters
        ----------
        method : {"exact", "pymc"}, optional
            Keep only the closed-form or only the MCMC rows; all rows by default.

        """
        rows = self.table if method is None else self.table[self.table["method"] == method]
        return rows.reset_index(drop=True)

    @property
    def probabilities(self) -> dict[str, float]:
        """Posterior probabilities of the headline fit, named with their thresholds.

        E.g. ``{"P(HR < 1)": 0.24, "P(HR < 0.7)": 0.08, ...}``; closed-form values where they
        exist, MCMC otherwise.
        """
        rows = self._headline_rows(self.headline_method)
        first = rows[["endpoint", "prior"]].iloc[0]
        rows = rows[(rows["endpoint"] == first["endpoint"]) & (rows["prior"] == first["prior"])]
        return {
            probability_name(q, self.clinical, self.hr_label): float(v)
            for q, v in zip(rows["quantity"], rows["value"], strict=True)
            if str(q).startswith("p_")
        }

    def estimate(self, quantity: str = "hr", method: str | None = None) -> dict[str, float]:
        """Median and 95 % interval of one quantity of the headline fit (``hr``, ``rd``, ...)."""
        rows = self._headline_rows(method or self.headline_method)
        row = rows[rows["quantity"] == quantity].iloc[0]
        return {
            "median": float(row["value"]),
            "lower": float(row["lower"]),
            "upper": float(row["upper"]),
        }

    @property
    def converged(self) -> bool | None:
        """Whether every MCMC fit passed its checks; None without MCMC."""
        if self.convergence.empty:
            return None
        return bool(self.convergence["converged"].astype(bool).all())

    def _require_tree(self) -> xr.DataTree:
        if self.tree is None:
            raise ValueError("no MCMC draws: fit with mcmc=True to get the posterior and its plots")
        return self.tree

    @property
    def idata(self) -> xr.DataTree:
        """The ArviZ DataTree of the draws, with provenance in its root attributes."""
        return self._require_tree()

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior draws as an xarray Dataset (dims ``chain, draw, fit``)."""
        return self._require_tree().posterior.to_dataset()

    def to_netcdf(self, path: str | Path) -> Path:
        """Write the DataTree (with provenance) to a netCDF file and return its path."""
        from bayes_netlm.reporting.outputs import check_out_file, write_netcdf

        # a folder or a missing folder ended in "Permission denied" from the netCDF library
        path = check_out_file(path, "path")
        write_netcdf(self._require_tree(), path)
        return path

    def plot_trace(self, var_names: list[str] | None = None) -> Figure:
        """ArviZ trace plot (``arviz.plot_trace_dist``) of the sampled parameters."""
        import arviz as az

        tree = self._require_tree()
        names = var_names or [self._main_variable()]
        return figure_of(az.plot_trace_dist(tree, var_names=names, backend="matplotlib"))

    def plot_rank(self, var_name: str | None = None) -> Figure:
        """ArviZ rank plot: uniform, overlapping chains mean good mixing.

        Of a batch of fits, the two with the highest R-hat are shown (the fits where a mixing
        problem would show first; every fit's R-hat is in the convergence table).
        """
        from bayes_netlm.reporting.rank_plots import rank_figure

        return rank_figure(self._require_tree(), var_name or self._main_variable())

    def plot_forest(self, quantity: str | None = None, title: str = "") -> Figure:
        """Median and 95 % interval under every prior of the table: exact headline, MCMC check."""
        from bayes_netlm.reporting.plots import forest_figure

        quantity = quantity or ("rd" if "rd" in set(self.table["quantity"]) else "hr")
        endpoint = str(self.table["endpoint"].iloc[0])
        analysis = str(self.table["analysis"].iloc[0])
        return forest_figure(self.table, endpoint, quantity, title or endpoint, analysis)

    def _main_variable(self) -> str:
        tree = self._require_tree()
        for name in ("log_hr", "rd", "p_index"):
            if name in tree.posterior.data_vars:
                return name
        return str(next(iter(tree.posterior.data_vars)))
