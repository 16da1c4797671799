"""Figures of the patient-level Weibull model: survival curves, HR over time, predictive check.

Pure functions in the house style of :mod:`bayes_netlm.reporting.plots`: each returns a matplotlib
``Figure`` and never fits a model or writes a file. ``posterior`` is the posterior of one fit,
e.g. ``tree.posterior.to_dataset().sel(fit="os_full|vague")``, an ``xarray.Dataset`` over
``(chain, draw)``. In a fit adjusted for covariates the curves are those of a patient at the
covariates' means (standardised covariates at 0). Bands are 95 % equal-tailed pointwise intervals
over the posterior draws.

Sign convention: HR = hazard(cystic) / hazard(solid), so HR < 1 favours the cystic group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import SubplotSpec
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from bayes_netlm.evidence.patients import SurvivalData
from bayes_netlm.modeling.predictive import kaplan_meier_steps
from bayes_netlm.modeling.survival_quantities import hazard_ratio_draws, hr_name, survival_draws
from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.reporting.km_annotations import (
    AT_RISK_PAD,
    CENSOR_MARKER,
    AtRiskRow,
    at_risk,
    censoring_points,
    draw_at_risk_table,
    mark_synthetic,
)
from bayes_netlm.reporting.margins import (
    SUPTITLE,
    TOP,
    left_for_labels,
    set_margins,
    title_lines,
)
from bayes_netlm.reporting.plots import RATIO_TICKS, hr_reference_lines

__all__ = [
    "hazard_ratio_over_time_figure",
    "ppc_figure",
    "survival_curves_figure",
]

TIME_XLABEL = "Years since liver resection"
SURVIVAL_YLABEL = "Survival probability"
HR_YLABEL = "Hazard ratio (cystic / solid)"
GROUP_COLORS = ("tab:orange", "tab:blue")  # index group, reference group
N_GRID = 200
MAX_PPC_CURVES = 50
HR_YLIM = (0.02, 50.0)  # the y-axis never shows more than this range


def _time_grid(t_max: float) -> np.ndarray:
    """Grid from just above 0 to ``t_max`` (log t is taken, so 0 itself is left out)."""
    return np.linspace(t_max / (10 * N_GRID), t_max, N_GRID)


def _band(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pointwise median, 2.5 % and 97.5 % quantiles over draws (axis 0)."""
    median, lower, upper = np.quantile(draws, [0.5, 0.025, 0.975], axis=0)
    return median, lower, upper


def survival_curves_figure(
    posterior: xr.Dataset,
    km: pd.DataFrame,
    group_shape: bool,
    label: str,
    labels: tuple[str, str] = ("cystic", "solid"),
    t_max: float | None = None,
    *,
    data: SurvivalData | None = None,
    synthetic: bool = False,
) -> Figure:
    """Kaplan-Meier curves per group against the Weibull posterior S(t), median and 95 % band.

    With ``data``, the figure is publication-grade: censoring ticks (``|``) on the Kaplan-Meier
    curves at each distinct censored time, and beneath the axis a table of the numbers at risk at
    the x ticks, one row per group. In a weighted (matched) cohort the table holds the weighted
    numbers at risk (sums of the row weights at risk, as the weighted Kaplan-Meier curve uses)
    and its heading says so (:mod:`bayes_netlm.reporting.km_annotations`).

    Parameters
    ----------
    posterior : xarray.Dataset
        Posterior of one Weibull fit (``log_lambda0``, ``log_k``, ``delta_log_k``, ``log_hr``).
    km : pandas.DataFrame
        Kaplan-Meier curves as from :func:`bayes_netlm.analyses.frequentist.kaplan_meier_curves`
        (columns ``group``, ``time``, ``survival``).
    group_shape : bool
        Whether the index group has its own Weibull shape.
    label : str
        Reader label, used as the title.
    labels : tuple of str
        Group labels (index, reference) as they appear in ``km["group"]``.
    t_max : float, optional
        Right end of the time axis; default the last Kaplan-Meier time.
    data : SurvivalData, optional
        The data behind ``km``; gives the censoring ticks and the at-risk table.
    synthetic : bool
        Whether the cohort is synthetic; if so the figure carries
        :data:`~bayes_netlm.reporting.km_annotations.SYNTHETIC_LABEL` across its top.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        A label of ``labels`` has no rows in ``km``, or ``data`` has other group labels.

    """
    missing = [name for name in labels if not (km["group"] == name).any()]
    if missing:
        raise ValueError(f"no Kaplan-Meier rows for group(s) {missing} in km")
    if data is not None and (data.index_label, data.reference_label) != tuple(labels):
        raise ValueError(
            f"data has groups ({data.index_label!r}, {data.reference_label!r}); "
            f"labels are {tuple(labels)}"
        )
    end = float(km["time"].max()) if t_max is None else float(t_max)
    grid = _time_grid(end)
    times = np.concatenate([[0.0], grid])

    height = 4.5 if data is None else 5.4
    figure = Figure(figsize=(7.5, height))
    top = TOP + (SUPTITLE if synthetic else 0.0)
    if data is None:
        set_margins(figure, top=top)
        ax = figure.add_subplot()
    else:
        # the table's group names sit left of its counts, padded clear of those at x = 0; it has
        # no x tick labels of its own, and the curves' x labels and its title lie between the two
        set_margins(figure, left=left_for_labels(labels, pad=AT_RISK_PAD / 72), top=top, bottom=0.1)
        gap = 0.85  # inches
        spec = figure.add_gridspec(
            2, 1, height_ratios=(5, 1), hspace=gap / ((height - 0.1 - top - gap) / 2)
        )
        ax = figure.add_subplot(spec[0])
    for flag, name, color in zip((1, 0), labels, GROUP_COLORS, strict=True):
        median, lower, upper = _band(survival_draws(posterior, grid, flag, group_shape))
        ax.fill_between(
            times,
            np.concatenate([[1.0], lower]),
            np.concatenate([[1.0], upper]),
            color=color,
            alpha=0.2,
            lw=0,
            label=f"{name}: Weibull 95 % interval",
        )
        ax.plot(
            times,
            np.concatenate([[1.0], median]),
            color=color,
            lw=2,
            label=f"{name}: Weibull posterior median",
        )
        rows = km[km["group"] == name].sort_values("time")
        ax.step(
            rows["time"],
            rows["survival"],
            where="post",
            color=color,
            lw=1.2,
            ls="--",
            label=f"{name}: Kaplan-Meier",
        )
        if data is not None:
            members = data.index == flag
            at, values = censoring_points(rows, data.time[members], data.event[members])
            ax.plot(
                at,
                values,
                ls="none",
                marker=CENSOR_MARKER,
                ms=8,
                mew=1.5,
                color=color,
                label=f"{name}: censored",
                gid=f"censored {name}",
            )
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(TIME_XLABEL)
    ax.set_ylabel(SURVIVAL_YLABEL)
    ax.set_title(label)
    ax.legend(fontsize="small", loc="upper right")
    if data is not None:
        _at_risk_table(figure, ax, spec[1], data, labels)
    if synthetic:
        mark_synthetic(figure)
    return figure


def _at_risk_table(
    figure: Figure, ax: Axes, cell: SubplotSpec, data: SurvivalData, labels: tuple[str, str]
) -> None:
    """Numbers at risk at the x ticks of ``ax``, in a strip beneath it (grid cell ``cell``)."""
    low, high = ax.get_xlim()
    ticks = ax.get_xticks()
    ticks = ticks[(ticks >= low) & (ticks <= high)]
    ax.set_xticks(ticks)  # fixed: the table's columns stay under these ticks
    table = figure.add_subplot(cell, sharex=ax)
    rows = [
        AtRiskRow(
            name,
            color,
            at_risk(data.time[data.index == flag], data.weights[data.index == flag], ticks),
        )
        for flag, name, color in zip((1, 0), labels, GROUP_COLORS, strict=True)
    ]
    draw_at_risk_table(table, ticks, rows, data.weighted)


def _ratio_yaxis(ax: Axes) -> None:
    """Log y-axis with plain-number ticks (0.5, 1, 2) instead of powers of ten."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator(RATIO_TICKS))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def hazard_ratio_over_time_figure(
    posterior: xr.Dataset,
    group_shape: bool,
    label: str,
    clinical: ClinicalThresholds,
    t_max: float,
    reference_time: float | None = None,
) -> Figure:
    """Posterior hazard ratio as a function of time, median and 95 % band, log y-axis.

    HR(t) = (k1 / k0) (t / lambda0)^(k1 - k0) exp(beta) per draw
    (:func:`~bayes_netlm.modeling.survival_quantities.hazard_ratio_draws`).

    Parameters
    ----------
    posterior : xarray.Dataset
        Posterior of one Weibull fit.
    group_shape : bool
        Whether the index group has its own Weibull shape; if not, HR(t) is constant.
    label : str
        Reader label used in the title.
    clinical : ClinicalThresholds
        ``hr_important`` and ``hr_harm`` are drawn as reference lines, with HR 1.
    t_max : float
        Right end of the time axis (years).
    reference_time : float, optional
        The time whose HR carries the prior (and the probabilities of the summary table); marked
        with a dotted vertical line when given.

    Returns
    -------
    matplotlib.figure.Figure

    """
    # From t_max / 100: with k1 != k0, HR(t) tends to 0 or infinity as t -> 0.
    grid = np.linspace(float(t_max) / 100, float(t_max), N_GRID)
    median, lower, upper = _band(hazard_ratio_draws(posterior, grid, group_shape))

    figure = Figure(figsize=(7.5, 4.5))
    set_margins(figure)
    ax = figure.add_subplot()
    ax.fill_between(grid, lower, upper, color="tab:purple", alpha=0.25, lw=0, label="95 % interval")
    ax.plot(grid, median, color="tab:purple", lw=2, label="Posterior median")
    hr_reference_lines(ax, clinical, vertical=False)
    if reference_time is not None:
        ax.axvline(
            reference_time,
            color="0.3",
            ls=":",
            lw=1,
            label=f"{hr_name(reference_time)}: carries the prior",
        )
    _ratio_yaxis(ax)
    shown = np.concatenate([lower, upper, [clinical.hr_important, clinical.hr_harm, 1.0]])
    shown = shown[np.isfinite(shown) & (shown > 0)]
    y_low, y_high = (
        max(float(shown.min()) / 1.2, HR_YLIM[0]),
        min(float(shown.max()) * 1.2, HR_YLIM[1]),
    )
    ax.set_ylim(y_low, y_high)
    ax.set_xlim(0, float(t_max))
    ax.set_xlabel(TIME_XLABEL)
    ax.set_ylabel(f"{HR_YLABEL}; < 1: lower in cystic")  # the hazards at each time
    kind = "group-specific shapes" if group_shape else "proportional hazards (constant)"
    ax.set_title(title_lines(figure, f"{label}:", f"hazard ratio over time, {kind}"))
    ax.legend(fontsize="small", loc="best")
    return figure


def ppc_figure(
    times_rep: np.ndarray,
    events_rep: np.ndarray,
    data: SurvivalData,
    label: str,
) -> Figure:
    """Posterior predictive check: observed Kaplan-Meier curve against replicated data sets.

    One panel per group (index group left): the Kaplan-Meier curve of the observed data (bold)
    over those of up to 50 replicated data sets (thin). Observed curves inside the cloud of
    replicates mean the model reproduces the data, censoring included.

    Parameters
    ----------
    times_rep, events_rep : numpy.ndarray
        Replicated times and event indicators, shape ``(n_replicates, n_patients)``, as from
        :func:`bayes_netlm.modeling.predictive.posterior_predictive_times`.
    data : SurvivalData
        The observed data (same patients, same order).
    label : str
        Reader label used in the title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        The replicates do not have one column per patient.

    """
    times_rep = np.atleast_2d(times_rep)
    events_rep = np.atleast_2d(events_rep)
    n = data.time.size
    if times_rep.shape != events_rep.shape or times_rep.shape[1] != n:
        raise ValueError(
            f"replicates of shape {times_rep.shape} and {events_rep.shape} do not match "
            f"{n} patients"
        )
    shown = min(MAX_PPC_CURVES, times_rep.shape[0])
    figure = Figure(figsize=(10, 4.5))
    set_margins(figure, top=TOP + SUPTITLE, wspace=0.08)
    axes = figure.subplots(1, 2, sharey=True)
    groups = ((1, data.index_label), (0, data.reference_label))
    for ax, (flag, name), color in zip(axes, groups, GROUP_COLORS, strict=True):
        members = data.index == flag
        for r in range(shown):
            steps, values = kaplan_meier_steps(times_rep[r, members], events_rep[r, members])
            ax.step(
                steps,
                values,
                where="post",
                color=color,
                lw=0.7,
                alpha=0.25,
                label=f"Replicated data ({shown} sets)" if r == 0 else None,
            )
        steps, values = kaplan_meier_steps(data.time[members], data.event[members])
        ax.step(steps, values, where="post", color="black", lw=2.2, label="Observed data")
        ax.set_xlim(left=0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(TIME_XLABEL)
        ax.set_title(
            f"{name} (n = {int(members.sum())}, events = {int(data.event[members].sum())})"
        )
        ax.legend(fontsize="small", loc="upper right")
    axes[0].set_ylabel(f"{SURVIVAL_YLABEL} (Kaplan-Meier)")
    figure.suptitle(f"{label}: posterior predictive check")
    return figure
