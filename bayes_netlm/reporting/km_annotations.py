"""Annotations of a Kaplan-Meier figure: numbers at risk, censoring ticks, the synthetic label.

Pure helpers of :func:`bayes_netlm.reporting.survival_plots.survival_curves_figure`; none fits a
model or writes a file.

Numbers at risk follow the risk-set definition of the Kaplan-Meier estimator: at time t, the
patients still under observation, T >= t (lifelines' ``event_table["at_risk"]``). In a weighted
(matched) cohort each patient counts with its row weight, so the table shows the weighted number
at risk, the sum of the weights at risk (what the weighted Kaplan-Meier curve divides by), and
its heading says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "AT_RISK_LABEL",
    "AT_RISK_PAD",
    "CENSOR_MARKER",
    "SYNTHETIC_LABEL",
    "WEIGHTED_AT_RISK_LABEL",
    "AtRiskRow",
    "at_risk",
    "censoring_points",
    "draw_at_risk_table",
    "format_at_risk",
    "mark_synthetic",
]

SYNTHETIC_LABEL = "SYNTHETIC COHORT — illustrative only, not patient data"
AT_RISK_LABEL = "Number at risk"
#: points between the at-risk table's group names and its first column (centred on x = 0)
AT_RISK_PAD = 16
WEIGHTED_AT_RISK_LABEL = "Weighted number at risk (sum of row weights)"
CENSOR_MARKER = "|"


@dataclass(frozen=True)
class AtRiskRow:
    """One group's row of the at-risk table.

    Parameters
    ----------
    name : str
        Group label, shown as the row label.
    color : str
        Colour of the group's curves, used for the row label.
    counts : numpy.ndarray
        Number (or weighted number) at risk at each tick time.

    """

    name: str
    color: str
    counts: np.ndarray


def at_risk(time: np.ndarray, weights: np.ndarray, ticks: np.ndarray) -> np.ndarray:
    """Weighted number at risk at each tick: sum of the weights of patients with T >= t.

    Parameters
    ----------
    time : numpy.ndarray
        Follow-up times of one group.
    weights : numpy.ndarray
        Row weights (all ones for an unweighted cohort).
    ticks : numpy.ndarray
        Times at which to count.

    Returns
    -------
    numpy.ndarray
        One sum per tick (a count when every weight is 1).

    """
    time = np.asarray(time, dtype=float)
    weights = np.asarray(weights, dtype=float)
    return np.array([float(weights[time >= t].sum()) for t in np.asarray(ticks, dtype=float)])


def format_at_risk(value: float, weighted: bool) -> str:
    """Table entry: an integer count, or a weighted sum to one decimal."""
    return f"{value:.1f}" if weighted else f"{round(value):d}"


def censoring_points(
    km_rows: pd.DataFrame, time: np.ndarray, event: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct censoring times of one group and the Kaplan-Meier value at each.

    Parameters
    ----------
    km_rows : pandas.DataFrame
        One group's Kaplan-Meier steps (``time``, ``survival``; value holds from ``time`` on).
    time, event : numpy.ndarray
        The group's follow-up times and event indicators (0 = censored).

    Returns
    -------
    tuple of numpy.ndarray
        The distinct censored times and the curve's value at each, where the tick is drawn.

    """
    censored = np.unique(np.asarray(time, dtype=float)[np.asarray(event) == 0])
    steps = km_rows.sort_values("time")
    at = np.searchsorted(steps["time"].to_numpy(dtype=float), censored, side="right") - 1
    values = steps["survival"].to_numpy(dtype=float)[np.clip(at, 0, None)]
    return censored, np.where(at >= 0, values, 1.0)


def draw_at_risk_table(ax: Axes, ticks: np.ndarray, rows: list[AtRiskRow], weighted: bool) -> None:
    """Write the at-risk table into ``ax``, a strip beneath the curves sharing their x-axis.

    One row per group (its label on the left, in the group's colour), one column per tick.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The table's axes; its x-axis is shared with the curves' axes.
    ticks : numpy.ndarray
        The x tick times of the curves' axes.
    rows : list of AtRiskRow
        The groups, top to bottom.
    weighted : bool
        Whether the counts are weighted sums (one decimal and a heading that says so).

    """
    n = len(rows)
    for position, row in enumerate(rows):
        y = n - 1 - position
        for t, value in zip(ticks, row.counts, strict=True):
            ax.text(t, y, format_at_risk(value, weighted), ha="center", va="center", size="small")
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_yticks(range(n - 1, -1, -1), [row.name for row in rows])
    for label, row in zip(ax.get_yticklabels(), rows, strict=True):
        label.set_color(row.color)
    ax.tick_params(axis="both", length=0)
    ax.tick_params(axis="y", pad=AT_RISK_PAD)  # clear of the entries centred on x = 0
    ax.tick_params(axis="x", labelbottom=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(WEIGHTED_AT_RISK_LABEL if weighted else AT_RISK_LABEL, loc="left", size="small")
    ax.set_label("at risk")


def mark_synthetic(figure: Figure) -> None:
    """Write the synthetic-cohort label across the top of ``figure``, in red."""
    figure.suptitle(SYNTHETIC_LABEL, color="tab:red", weight="bold")
