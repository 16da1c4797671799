"""Heat maps of a conclusion's probability over a grid of priors on log HR (pure figures)."""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure

from bayes_netlm.reporting.margins import SUPTITLE, TOP, set_margins
from bayes_netlm.reporting.rendered import Rendered, grid_title

__all__ = ["heatmap_figure", "heatmap_figures"]


def heatmap_figures(grid: pd.DataFrame, model: str) -> Rendered:
    """Every endpoint's heat map of a model family's prior grid, rendered, in the grid's order.

    ``model`` is ``"summary_hr"`` or ``"weibull"``; figures are named ``prior_grid_MODEL_ENDPOINT``.
    """
    figures = Rendered()
    for endpoint, cells in grid.groupby("endpoint", sort=False):
        title = grid_title(str(cells["label"].iloc[0]), model)
        quantity = str(cells["quantity"].iloc[0]) if "quantity" in cells else "HR"
        figures.save(
            f"prior_grid_{model}_{endpoint}",
            f"{title}: P({quantity} < c) over a grid of priors",
            heatmap_figure(cells, title, quantity),
        )
    return figures


def heatmap_figure(grid: pd.DataFrame, label: str, quantity: str = "HR") -> Figure:
    """One panel per HR threshold: P(HR < threshold) by prior mean (as HR) and prior SD.

    Parameters
    ----------
    grid : pandas.DataFrame
        Rows of :func:`bayes_netlm.sensitivity.grid.grid_table` for one endpoint (``prior_mean``,
        ``prior_sd``, ``threshold``, ``probability``; optionally ``method``: cells computed by
        refitting are marked with an asterisk).
    label : str
        Endpoint label for the title.
    quantity : str
        The hazard ratio the prior is on: ``"HR"``, or ``"HR at 1 year"`` for a fit whose groups
        have their own Weibull shapes.

    """
    thresholds = sorted(grid["threshold"].unique(), reverse=True)
    note = (
        "(* refitted: PSIS k-hat > 0.7 or weight ESS < 400)"
        if "method" in grid and (grid["method"] == "refit").any()
        else ""
    )
    figure = Figure(figsize=(5.2 * len(thresholds), 4.2))
    # each panel's colourbar (and its label) takes its room from the panel as placed here; the
    # note on refits, if any, has a line of its own under the title
    lines = 2 if note else 1
    set_margins(figure, top=TOP + lines * SUPTITLE, right=0.1, wspace=0.3)
    axes = figure.subplots(1, len(thresholds), squeeze=False)[0]
    for ax, threshold in zip(axes, thresholds, strict=True):
        cells = grid[grid["threshold"] == threshold]
        table = cells.pivot(index="prior_mean", columns="prior_sd", values="probability")
        image = ax.imshow(
            table.to_numpy(), cmap="RdBu", vmin=0, vmax=1, origin="lower", aspect="auto"
        )
        refits = set()
        if "method" in cells:
            refits = {
                (m, s)
                for m, s, how in cells[["prior_mean", "prior_sd", "method"]].itertuples(index=False)
                if how == "refit"
            }
        for i, mean in enumerate(table.index):
            for j, sd in enumerate(table.columns):
                value = table.iloc[i, j]
                mark = "*" if (mean, sd) in refits else ""
                color = "white" if abs(value - 0.5) > 0.3 else "black"
                ax.text(
                    j, i, f"{value:.2f}{mark}", ha="center", va="center", color=color, fontsize=8
                )
        ax.set_xticks(range(len(table.columns)), [f"{s:g}" for s in table.columns])
        ax.set_yticks(range(len(table.index)), [f"{math.exp(m):.2g}" for m in table.index])
        ax.set_xlabel(f"Prior SD on log {quantity}")
        ax.set_ylabel(f"Prior centre ({quantity})")
        ax.set_title(f"P({quantity} < {threshold:g})")
        figure.colorbar(image, ax=ax, shrink=0.8, label="Posterior probability")
    figure.suptitle(f"{label}: prior sensitivity" + (f"\n{note}" if note else ""))
    return figure
