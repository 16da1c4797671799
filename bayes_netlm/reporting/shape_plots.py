"""The summary-level hazard ratio under Weibull survival: P(HR < c) against the shape k.

The published medians give HR = (median solid / median cystic)^k only for a known Weibull shape
k; this figure shows how the conclusion moves with k (:mod:`bayes_netlm.modeling.weibull_shape`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.reporting.margins import SUPTITLE, TOP, set_margins
from bayes_netlm.reporting.plots import ratio_axis

__all__ = ["shape_probability_figure"]


def shape_probability_figure(
    curves: pd.DataFrame,
    marginal: pd.DataFrame,
    consistency: pd.DataFrame,
    clinical: ClinicalThresholds,
    shape_interval: tuple[float, float],
) -> Figure:
    """P(HR < 1) and P(HR < important) against the Weibull shape k, one line per endpoint.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``endpoint, label, k, p_below_1, p_benefit`` (conditional on k, one prior).
    marginal : pandas.DataFrame
        Summary rows of the shape-marginalised fit under the same prior (``endpoint, quantity,
        value``): drawn as dashed horizontal lines.
    consistency : pandas.DataFrame
        ``endpoint, k_max_plausible``: shapes above it are marked implausible (dotted line).
    clinical : ClinicalThresholds
    shape_interval : tuple of float
        The prior's central 95 % range of k, shaded.

    """
    figure = Figure(figsize=(11, 4.5))
    set_margins(figure, top=TOP + SUPTITLE, wspace=0.15)
    axes = figure.subplots(1, 2, sharex=True)
    panels = (
        ("p_below_1", "P(HR < 1 | k)"),
        ("p_benefit", f"P(HR < {clinical.hr_important:g} | k)"),
    )
    limits = consistency.set_index("endpoint")["k_max_plausible"] if len(consistency) else {}
    for ax, (quantity, title) in zip(axes, panels, strict=True):
        ax.axvspan(*shape_interval, color="0.92", label="Prior 95 % range of k")
        ax.axvline(1.0, color="black", lw=0.8, ls="-.")
        for i, (endpoint, rows) in enumerate(curves.groupby("endpoint", sort=False)):
            color = f"C{i}"
            ax.plot(rows["k"], rows[quantity], color=color, lw=2, label=str(rows["label"].iloc[0]))
            value = marginal[
                (marginal["endpoint"] == endpoint) & (marginal["quantity"] == quantity)
            ]
            if not value.empty:
                ax.axhline(float(value["value"].iloc[0]), color=color, ls="--", lw=1)
            k_max = limits.get(endpoint, np.inf) if len(limits) else np.inf
            if np.isfinite(k_max) and k_max < float(rows["k"].max()):
                ax.axvline(k_max, color=color, ls=":", lw=2)
        ratio_axis(ax, ticks=(0.2, 0.3, 0.5, 1, 2, 3, 5))
        ax.set_ylim(0, 1)
        ax.set_xlabel("Weibull shape k (1 = exponential)")
        ax.set_title(f"{title}; dashed: marginalised over k")
    axes[0].set_ylabel("Posterior probability")
    axes[0].legend(fontsize="x-small", loc="best")
    figure.suptitle(
        "Summary-level HR = (median solid / median cystic)^k: dotted = largest k at which the "
        "medians and p-value are plausible",
        fontsize="small",
    )
    return figure
