"""Figures of the simulation studies: SBC ECDF differences, prior predictive, assurance.

Plain ``matplotlib.figure.Figure`` objects (no pyplot state); the caller saves them. Nothing here
simulates or fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_netlm.reporting.margins import SUPTITLE, set_margins
from bayes_netlm.simulation.prior_predictive import PriorCheck

if TYPE_CHECKING:
    from bayes_netlm.simulation.sbc import SBCResult

__all__ = ["assurance_figure", "prior_predictive_figure", "sbc_figure"]


def _grid(count: int, columns: int, width: float, height: float, title_lines: int = 1):
    """Panels of ``width`` x ``height`` inches, ``columns`` a row, under one suptitle."""
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(width * min(count, columns), height * rows))
    title = 0.18 * title_lines  # small panel titles, in inches
    set_margins(
        figure,
        top=SUPTITLE + title + 0.1,
        left=0.7,
        bottom=0.55,
        wspace=0.45,
        hspace=(0.6 + title) / (height - 0.6 - title),
    )
    axes = figure.subplots(rows, min(count, columns), squeeze=False).ravel()
    for ax in axes[count:]:
        ax.set_visible(False)
    return figure, axes


def sbc_figure(result: SBCResult, columns: int = 3) -> Figure:
    """ECDF of the PIT minus the uniform CDF per quantity, with its simultaneous band."""
    figure, axes = _grid(len(result.checks), columns, 3.2, 2.6)
    for ax, (name, check) in zip(axes, result.checks.items(), strict=False):
        ax.fill_between(check.x, check.lower, check.upper, color="0.85", step="mid")
        colour = "tab:blue" if check.passed else "tab:red"
        ax.plot(check.x, check.difference, color=colour, drawstyle="steps-mid")
        ax.axhline(0, color="0.4", lw=0.8)
        verdict = "inside band" if check.passed else "LEAVES band"
        ax.set_title(f"{name}: {verdict}", fontsize=9)
        ax.set_xlabel("PIT (normalised rank)")
        ax.set_ylabel("ECDF - uniform")
    label = "mis-specified simulator, " if result.misspecified else ""
    figure.suptitle(
        f"SBC {result.family}: {label}{result.sims} simulations, "
        f"{result.to_dict()['band_probability']:.3f} simultaneous bands"
    )
    return figure


def prior_predictive_figure(checks: Sequence[PriorCheck], columns: int = 3) -> Figure:
    """Histogram of each implied quantity with the plausible range shaded."""
    figure, axes = _grid(len(checks), columns, 3.4, 2.6, title_lines=2)
    for ax, check in zip(axes, checks, strict=False):
        values = check.draws
        logscale = "median" in check.quantity
        if logscale:
            values = np.log10(values[values > 0])
            lo, hi = (math.log10(v) if v > 0 else values.min() for v in check.plausible)
            ax.set_xlabel("log10 years")
        else:
            lo, hi = check.plausible
        # one filled step artist instead of 60 bar patches (same picture, a fraction of the cost)
        counts, edges = np.histogram(values, bins=60)
        ax.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.7)
        ax.axvspan(lo, hi, color="tab:green", alpha=0.15, label="plausible")
        ax.set_title(f"{check.name}\n{check.prior}", fontsize=7)
        ax.text(0.02, 0.9, f"{check.inside:.0%} plausible", transform=ax.transAxes, fontsize=8)
        ax.set_yticks([])
    figure.suptitle("Prior predictive: what the baseline priors imply")
    return figure


def assurance_figure(table: pd.DataFrame, checks: pd.DataFrame | None = None) -> Figure:
    """Assurance against the number of cystic patients, one line per rule; simulated checks."""
    figure = Figure(figsize=(7.5, 4.5))
    set_margins(figure)
    ax = figure.subplots()
    for i, (rule, rows) in enumerate(table.groupby("rule", sort=False)):
        colour = f"C{i}"
        ax.plot(rows["n_index"], rows["assurance"], color=colour, label=rule)
        if checks is not None:
            sim = checks[checks["rule"] == rule]
            ax.errorbar(
                sim["n_index"],
                sim["simulated"],
                yerr=2 * sim["mcse"],
                fmt="o",
                color=colour,
                capsize=3,
            )
    ax.set_xlabel("Cystic patients in the future study")
    ax.set_ylabel("Assurance (probability of success)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    title = "Assurance by the Normal approximation"
    if checks is not None:  # the simulated points are drawn only when there are checks
        title = "Normal approximation (lines), Weibull simulation ± 2 MCSE (points)"
    ax.set_title(title, fontsize=9)
    return figure
