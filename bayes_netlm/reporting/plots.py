"""Figures from posteriors and summary tables: pure functions that return a matplotlib Figure.

Nothing here fits a model or writes a file; the caller saves (``figure.savefig``) and closes
(``matplotlib.pyplot.close(figure)``) what it gets. Posterior densities are Gaussian kernel density
estimates of the MCMC draws (for hazard ratios on the log scale, where the posterior is Normal).

Sign convention: HR = hazard(cystic) / hazard(solid), so HR < 1 favours the cystic group;
RD = rate(cystic) - rate(solid).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from scipy import ndimage

from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.reporting.margins import LEFT, left_for_labels, set_margins, title_lines

__all__ = [
    "forest_figure",
    "hr_posterior_figure",
    "hr_reference_lines",
    "ratio_axis",
    "rd_posterior_figure",
]

HR_XLABEL = "Hazard ratio (cystic / solid)"
RD_XLABEL = "Risk difference (cystic - solid)"
DENSITY_YLABEL = "Posterior density"
RATIO_QUANTITIES = ("hr", "rr", "or")
EFFECT_XLABELS = {
    "hr": HR_XLABEL,
    "rr": "Risk ratio (cystic / solid)",
    "or": "Odds ratio (cystic vs solid)",
    "rd": RD_XLABEL,
}
#: legend of the headline rows: a closed form (Normal-Normal, Beta mixture) or a deterministic
#: quadrature (log-OR priors, the marginalised Weibull shape), never Monte Carlo
EXACT_LABEL = "Exact (closed form or quadrature)"


def _headless_backend() -> None:
    """Use Agg unless a backend was asked for (MPLBACKEND) or the caller has figures open.

    Switching backends closes open pyplot figures, hence the second condition. Only
    :func:`~bayes_netlm.reporting.rank_plots.rank_figure` goes through pyplot (ArviZ); the figures
    here are plain ``Figure`` objects.
    """
    if "MPLBACKEND" not in os.environ and not plt.get_fignums():
        plt.switch_backend("Agg")


_headless_backend()


def _fits_of(posterior: xr.DataTree, endpoint: str) -> list[str]:
    """Fit labels ``"ENDPOINT|PRIOR"`` of one endpoint, in stored order."""
    if "posterior" not in posterior.children or "fit" not in posterior.posterior.coords:
        return []
    return [str(f) for f in posterior.posterior["fit"].values if str(f).split("|")[0] == endpoint]


def _draws(posterior: xr.DataTree, var_name: str, fit: str) -> np.ndarray:
    values = np.asarray(posterior.posterior[var_name].sel(fit=fit), dtype=float).ravel()
    return values[np.isfinite(values)]


def _kde_curve(draws: np.ndarray, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """KDE of ``draws`` on a grid from ``lower`` to ``upper`` (zero if the draws are constant)."""
    grid = np.linspace(lower, upper, 400)
    if draws.size < 2 or np.ptp(draws) == 0:
        return grid, np.zeros_like(grid)
    # Binned Gaussian KDE (Scott's bandwidth): histogram on the grid, then Gaussian smoothing;
    # ~50x faster than scipy's exact KDE on 4000 draws and identical at plotting resolution.
    step = grid[1] - grid[0]
    bandwidth = 1.06 * np.std(draws) * draws.size ** (-1 / 5)
    edges = np.append(grid - step / 2, grid[-1] + step / 2)
    counts, _ = np.histogram(draws, bins=edges)
    density = ndimage.gaussian_filter1d(counts.astype(float), bandwidth / step, mode="constant")
    return grid, density / (draws.size * step)


def _prior_name(fit: str) -> str:
    return fit.split("|", 1)[1] if "|" in fit else fit


RATIO_TICKS = (
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    0.7,
    1,
    1.5,
    2,
    3,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
)


def ratio_axis(ax: Axes, ticks: Sequence[float] = RATIO_TICKS) -> None:
    """Log x-axis with plain-number ticks (0.5, 1, 2) instead of powers of ten."""
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    # no minor ticks: unlabelled on this axis, and each one costs a tick object to lay out
    ax.xaxis.set_minor_locator(NullLocator())


def _new_figure(width: float = 7.5, height: float = 4.5, left: float = LEFT) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height))
    set_margins(figure, left=left)
    return figure, figure.add_subplot()


def hr_reference_lines(ax: Axes, clinical: ClinicalThresholds, vertical: bool) -> None:
    """Lines at HR 1, the important benefit and its mirrored harm (vertical or horizontal)."""
    line = ax.axvline if vertical else ax.axhline
    line(1.0, color="black", lw=1, label="No difference (HR 1)")
    line(
        clinical.hr_important,
        color="tab:green",
        ls="--",
        lw=1,
        label=f"Important benefit (HR {clinical.hr_important:g})",
    )
    line(
        clinical.hr_harm,
        color="tab:red",
        ls="--",
        lw=1,
        label=f"Important harm (HR {clinical.hr_harm:.3g})",
    )


def hr_posterior_figure(
    posterior: xr.DataTree,
    endpoint: str,
    label: str,
    clinical: ClinicalThresholds,
    hr: str = "HR",
) -> Figure:
    """Posterior densities of the hazard ratio of one endpoint, one curve per prior set.

    Parameters
    ----------
    posterior : xarray.DataTree
        Posterior with ``log_hr`` over ``(chain, draw, fit)``, fit labels ``"ENDPOINT|PRIOR"``.
    endpoint : str
        Endpoint name, e.g. ``"os_full"``.
    label : str
        Reader label used in the title.
    clinical : ClinicalThresholds
        Thresholds drawn as reference lines (important benefit, harm, equivalence range).
    hr : str
        What ``log_hr`` is the logarithm of: ``"HR"``, or e.g. ``"HR at 1 year"`` for a Weibull
        fit with a group-specific shape, whose hazard ratio changes over time.

    Returns
    -------
    matplotlib.figure.Figure
        Log-scaled x-axis; the density is that of log HR (so areas match on the log axis). A title
        too wide for one line is broken over more, with the top margin to hold them.

    Raises
    ------
    ValueError
        No fit of ``endpoint`` in ``posterior``.

    """
    fits = _fits_of(posterior, endpoint)
    if not fits:
        raise ValueError(f"no fit of endpoint {endpoint!r} in the posterior")
    draws = {fit: _draws(posterior, "log_hr", fit) for fit in fits}
    pooled = np.concatenate(list(draws.values()))
    lo_eq, hi_eq = clinical.hr_equivalence
    thresholds = np.log([clinical.hr_important, clinical.hr_harm, lo_eq, hi_eq, 1.0])
    lower = min(float(np.quantile(pooled, 0.005)), float(thresholds.min())) - 0.1
    upper = max(float(np.quantile(pooled, 0.995)), float(thresholds.max())) + 0.1

    figure, ax = _new_figure()
    title = title_lines(figure, f"{label}:", "posterior " + ("hazard ratio" if hr == "HR" else hr))
    ax.axvspan(lo_eq, hi_eq, color="0.85", label=f"Equivalence range {lo_eq:g}-{hi_eq:g}")
    for fit, values in draws.items():
        grid, density = _kde_curve(values, lower, upper)
        ax.plot(np.exp(grid), density, lw=2, label=f"Prior: {_prior_name(fit)}")
    hr_reference_lines(ax, clinical, vertical=True)
    ratio_axis(ax)
    ax.set_xlim(np.exp(lower), np.exp(upper))
    ax.set_ylim(bottom=0)
    xlabel = HR_XLABEL if hr == "HR" else HR_XLABEL.replace("Hazard ratio", hr)
    # a hazard ratio at one time compares the hazards then: it does not say who does better
    favours = "< 1 favours cystic" if hr == "HR" else "< 1: lower hazard in cystic then"
    ax.set_xlabel(f"{xlabel}; {favours}")
    ax.set_ylabel(DENSITY_YLABEL)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    return figure


def rd_posterior_figure(
    posteriors: dict[str, xr.DataTree], endpoint: str, label: str, clinical: ClinicalThresholds
) -> Figure:
    """Posterior densities of the risk difference of one comparison, one curve per prior set.

    Parameters
    ----------
    posteriors : dict of str to xarray.DataTree
        Rate posteriors (e.g. ``{"rates_beta": ..., "rates_logor": ...}``), each with ``rd`` over
        ``(chain, draw, fit)``; the fits of ``endpoint`` are collected from all of them.
    endpoint : str
        Comparison name, e.g. ``"major_morbidity"``.
    label : str
        Reader label used in the title.
    clinical : ClinicalThresholds
        ``rd_important`` and ``rd_equivalence`` are drawn.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        No fit of ``endpoint`` in any posterior.

    """
    draws = {
        fit: _draws(tree, "rd", fit)
        for tree in posteriors.values()
        for fit in _fits_of(tree, endpoint)
    }
    if not draws:
        raise ValueError(f"no fit of comparison {endpoint!r} in the rate posteriors")
    pooled = np.concatenate(list(draws.values()))
    important, margin = clinical.rd_important, clinical.rd_equivalence
    lower = max(min(float(np.quantile(pooled, 0.002)), -important) - 0.02, -1.0)
    upper = min(max(float(np.quantile(pooled, 0.998)), important) + 0.02, 1.0)

    figure, ax = _new_figure()
    ax.axvspan(-margin, margin, color="0.85", label=f"Equivalence range ±{margin:g}")
    for fit, values in draws.items():
        grid, density = _kde_curve(values, lower, upper)
        ax.plot(grid, density, lw=2, label=f"Prior: {_prior_name(fit)}")
    ax.axvline(0.0, color="black", lw=1, label="No difference (RD 0)")
    ax.axvline(
        important, color="tab:red", ls="--", lw=1, label=f"Important excess (+{important:g})"
    )
    ax.axvline(
        -important, color="tab:green", ls="--", lw=1, label=f"Important deficit (-{important:g})"
    )
    ax.set_xlim(lower, upper)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(RD_XLABEL)
    ax.set_ylabel(DENSITY_YLABEL)
    ax.set_title(f"{label}: posterior risk difference")
    ax.legend(fontsize="small", loc="upper right")
    return figure


def forest_figure(
    table: pd.DataFrame, endpoint: str, quantity: str, label: str, analysis: str | None = None
) -> Figure:
    """Median and 95 % interval of one effect under every prior set: exact headline, MCMC check.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy summary table (columns ``analysis, endpoint, prior, method, quantity, value, lower,
        upper, converged``).
    endpoint : str
        Endpoint or comparison name.
    quantity : {"hr", "rd", "rr", "or"}
        The effect to show; ratios get a log axis and a reference line at 1, ``rd`` at 0.
    label : str
        Reader label used in the title.
    analysis : str, optional
        Keep only rows of this analysis (e.g. ``"summary_hr"``: the shape-marginalised rows share
        the endpoint names).

    Returns
    -------
    matplotlib.figure.Figure
        Exact rows (closed form or quadrature: the headline) are filled dark squares with thick
        lines; MCMC rows (the check) small open circles beneath them, red if that fit did not
        converge. Without an exact row the MCMC row is drawn as the headline.

    Raises
    ------
    ValueError
        ``quantity`` is not an effect, or the table has no row for it.

    """
    if quantity not in EFFECT_XLABELS:
        raise ValueError(f"forest plots show effects {sorted(EFFECT_XLABELS)}, not {quantity!r}")
    rows = table[(table["endpoint"] == endpoint) & (table["quantity"] == quantity)]
    if analysis is not None:
        rows = rows[rows["analysis"] == analysis]
    if rows.empty:
        raise ValueError(f"no {quantity!r} rows for endpoint {endpoint!r} in the table")
    priors = list(dict.fromkeys(rows["prior"]))

    figure, ax = _new_figure(7.5, 1.2 + 0.6 * len(priors), left_for_labels(priors))
    shown: set[str] = set()
    for position, prior in enumerate(priors):
        y_base = len(priors) - 1 - position
        group = rows[rows["prior"] == prior]
        has_exact = bool((group["method"] == "exact").any())
        for _, row in group.iterrows():
            headline = str(row["method"]) == "exact" or not has_exact
            check = not headline
            failed = str(row["method"]) == "pymc" and not bool(row["converged"])
            exact = str(row["method"]) == "exact"
            color = "tab:red" if failed else ("0.15" if exact else "tab:blue")
            name = (
                "MCMC, NOT CONVERGED"
                if failed
                else (
                    (EXACT_LABEL if row["method"] == "exact" else "MCMC (no closed form)")
                    if headline
                    else "MCMC check"
                )
            )
            y = y_base - (0.2 if check else 0.0)
            ax.plot(
                [row["lower"], row["upper"]],
                [y, y],
                color=color,
                lw=1 if check else 2.5,
                solid_capstyle="butt",
            )
            ax.plot(
                row["value"],
                y,
                marker="s" if exact else "o",
                ms=5 if check else 8,
                color=color,
                mfc="white" if check else color,
                ls="none",
                label=None if name in shown else name,
            )
            shown.add(name)
    ratio = quantity in RATIO_QUANTITIES
    ax.axvline(1.0 if ratio else 0.0, color="black", lw=1, ls=":")
    if ratio:
        ratio_axis(ax)
    ax.set_yticks(range(len(priors)), list(reversed(priors)))
    ax.set_ylim(-0.6, len(priors) - 0.4)
    ax.set_xlabel(f"{EFFECT_XLABELS[quantity]}: median and 95 % interval")
    ax.set_ylabel("Prior set")
    ax.set_title(label)
    ax.legend(fontsize="small", loc="best")
    return figure
