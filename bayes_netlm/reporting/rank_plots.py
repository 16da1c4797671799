"""ArviZ rank plots of MCMC fits: fractional-rank ECDFs per chain, for the report's gallery."""

from __future__ import annotations

import arviz as az
import xarray as xr
from matplotlib.figure import Figure

from bayes_netlm.reporting.margins import SUPTITLE, TOP, set_margins
from bayes_netlm.reporting.rendered import Rendered

__all__ = ["MAX_RANK_FITS", "RankPlot", "rank_figure", "rank_figures"]

MAX_RANK_FITS = 4

#: a rank plot to draw: (file name, caption, posterior, variable)
RankPlot = tuple[str, str, xr.DataTree, str]


def rank_figures(ranks: list[RankPlot]) -> Rendered:
    """Rank plots (:func:`rank_figure`) rendered to PNG, in the order given."""
    figures = Rendered()
    for name, caption, posterior, variable in ranks:
        figures.save(name, caption, rank_figure(posterior, variable))
    return figures


def rank_figure(posterior: xr.DataTree, var_name: str, max_fits: int = MAX_RANK_FITS) -> Figure:
    """ArviZ rank plot (fractional-rank ECDFs per chain) of ``var_name`` for the first fits.

    Parameters
    ----------
    posterior : xarray.DataTree
        Posterior with ``var_name`` over ``(chain, draw[, fit])``.
    var_name : str
        Variable to check, e.g. ``"log_hr"`` or ``"rd"``.
    max_fits : int
        At most this many fits (the first in stored order) are drawn.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the ArviZ PlotCollection; it is registered with pyplot, so close it with
        ``matplotlib.pyplot.close(figure)`` after saving.

    """
    coords = None
    if "fit" in posterior.posterior[var_name].dims:
        fits = [str(f) for f in posterior.posterior["fit"].values]
        coords = {"fit": fits[:max_fits]}
    collection = az.plot_rank(posterior, var_names=[var_name], coords=coords, backend="matplotlib")
    figure = collection.viz["figure"].item()
    if not isinstance(figure, Figure):  # pragma: no cover - other backends are not used here
        raise TypeError(f"expected a matplotlib Figure, got {type(figure).__name__}")
    figure.suptitle(f"Rank plot of {var_name}: uniform, overlapping chains mean good mixing")
    # ArviZ leaves no room for the two-line panel titles under a suptitle: taller, with margins
    width, height = figure.get_size_inches()
    figure.set_size_inches(width, max(height, 3.2))
    set_margins(figure, left=0.3, right=0.3, bottom=0.55, top=2 * TOP + SUPTITLE)
    return figure
