"""ArviZ rank plots of MCMC fits: fractional-rank ECDFs per chain, for the report's gallery.

A batch of fits (a ``fit`` dimension) is shown by the fits whose chains agree least, those with
the highest rank-normalised split R-hat: the rank plot is the picture of what R-hat measures, so
these are the panels where a mixing problem would show first. Every fit's R-hat and ESS are in
the convergence table.
"""

from __future__ import annotations

from typing import Any

import arviz as az
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from bayes_netlm.reporting.margins import SUPTITLE, TOP, set_margins, wrap_title
from bayes_netlm.reporting.rendered import Rendered

__all__ = ["MAX_RANK_FITS", "RankPlot", "least_mixed_fits", "rank_figure", "rank_figures"]

#: panels of a batch's rank plot (ArviZ's chain-uniformity test costs ~0.17 s of CPU a panel)
MAX_RANK_FITS = 2

#: a rank plot to draw: (file name, caption, posterior, variable)
RankPlot = tuple[str, str, xr.DataTree, str]


def rank_figures(ranks: list[RankPlot]) -> Rendered:
    """Rank plots (:func:`rank_figure`) rendered to PNG, in the order given."""
    figures = Rendered()
    for name, caption, posterior, variable in ranks:
        figures.save(name, caption, rank_figure(posterior, variable))
    return figures


def least_mixed_fits(draws: xr.DataArray, count: int) -> list[Any]:
    """The ``count`` fits of ``draws`` (dims chain, draw, fit, ...) with the highest R-hat.

    R-hat is ArviZ's rank-normalised split R-hat, a fit's worst over any other dimensions (e.g.
    the covariates of ``gamma``); an undefined R-hat (NaN, e.g. draws that never move) counts as
    the worst. Ties keep the stored order. The fits are given as their coordinate values.
    """
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 for draws that never move
        rhat = az.rhat(draws.to_dataset(name="x"))["x"]
    others = [dim for dim in rhat.dims if dim != "fit"]
    worst = rhat.fillna(np.inf).max(dim=others) if others else rhat.fillna(np.inf)
    order = np.argsort(-np.asarray(worst.transpose("fit").values, dtype=float), kind="stable")
    fits: list[Any] = draws["fit"].values[order[:count]].tolist()
    return fits


def rank_figure(posterior: xr.DataTree, var_name: str, max_fits: int = MAX_RANK_FITS) -> Figure:
    """ArviZ rank plot (fractional-rank ECDFs per chain) of ``var_name``.

    Parameters
    ----------
    posterior : xarray.DataTree
        Posterior with ``var_name`` over ``(chain, draw[, fit])``.
    var_name : str
        Variable to check, e.g. ``"log_hr"`` or ``"rd"``.
    max_fits : int
        With a ``fit`` dimension, the plot shows this many fits: those with the highest R-hat of
        ``var_name`` (:func:`least_mixed_fits`), the worst first.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the ArviZ PlotCollection; it is registered with pyplot, so close it with
        ``matplotlib.pyplot.close(figure)`` after saving.

    """
    draws = posterior.posterior[var_name]
    coords = None
    head = f"Rank plot of {var_name}"
    if "fit" in draws.dims:
        shown = least_mixed_fits(draws, max_fits)
        coords = {"fit": shown}
        total = draws.sizes["fit"]
        if len(shown) < total:
            which = "fit" if len(shown) == 1 else f"{len(shown)} fits"
            head += f", the {which} of {total} with the highest R-hat"
    collection = az.plot_rank(posterior, var_names=[var_name], coords=coords, backend="matplotlib")
    figure = collection.viz["figure"].item()
    if not isinstance(figure, Figure):  # pragma: no cover - other backends are not used here
        raise TypeError(f"expected a matplotlib Figure, got {type(figure).__name__}")
    # ArviZ leaves no room for the two-line panel titles under a suptitle: taller, with margins
    width, height = figure.get_size_inches()
    lines = wrap_title(f"{head}:", "uniform, overlapping chains mean good mixing", width - 0.6)
    figure.suptitle("\n".join(lines))
    figure.set_size_inches(width, max(height, 2.9 + 0.3 * len(lines)))
    set_margins(figure, left=0.3, right=0.3, bottom=0.55, top=2 * TOP + SUPTITLE * len(lines))
    return figure
