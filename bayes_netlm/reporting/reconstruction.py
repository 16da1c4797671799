"""How well the patients reconstructed from a published figure reproduce it: a figure and a table.

Per arm: the reconstructed Kaplan-Meier curve drawn over the digitised points, the largest and the
root-mean-square absolute difference between them, the numbers at risk reproduced against those
printed, and the events; then, where several plausible reconstructions were fitted, how much wider
the pooled interval of the hazard ratio is than one reconstruction's. Nothing is computed here
beyond the Kaplan-Meier curve of the reconstructed patients.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayes_netlm.evidence.reconstruct_quality import kaplan_meier
from bayes_netlm.reporting.margins import set_margins
from bayes_netlm.reporting.report_tables import DASH, html_table, number

if TYPE_CHECKING:
    from bayes_netlm.analyses.cohorts import CurveCohort

__all__ = ["reconstruction_figure", "reconstruction_section"]


def reconstruction_figure(cohort: CurveCohort, label: str) -> Figure:
    """Reconstructed Kaplan-Meier curve (line) over the digitised points (dots), per arm."""
    figure = Figure(figsize=(7.5, 4.5))
    set_margins(figure)
    ax = figure.subplots()
    for i, (arm, result) in enumerate(cohort.arms.items()):
        color = f"C{i}"
        points = cohort.figure.curves[arm]
        ax.plot(points.time, points.survival, "o", ms=3, color=color, alpha=0.6)
        km_t, km_s = kaplan_meier(result.time, result.event)
        t = np.r_[0.0, km_t, result.time.max()]
        s = np.r_[1.0, km_s, km_s[-1] if km_s.size else 1.0]
        quality = result.quality
        ax.step(
            t,
            s,
            where="post",
            color=color,
            label=f"{arm}: reconstructed (n = {quality.n}, {quality.events} events; "
            f"max |diff| {quality.max_abs_diff:.3f})",
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Time (years)")
    ax.set_ylabel("Survival")
    ax.set_title(f"{label}: reconstructed Kaplan-Meier (lines) over digitised points (dots)")
    ax.legend(loc="best", fontsize=8)
    return figure


#: the report's column headers of the reconstruction tables
HEADERS = {
    "arm": "Arm",
    "n": "Patients",
    "events": "Events rebuilt",
    "total_events_given": "Events given",
    "max_abs_diff": "KM vs points: max |diff|",
    "rmse": "KM vs points: RMSE",
    "at_risk_max_mismatch": "At risk: largest mismatch",
    "endpoint": "Endpoint",
    "reconstructions": "Reconstructions",
    "hr_single": "HR, one reconstruction",
    "hr_single_lower": "one: 95 % lower",
    "hr_single_upper": "one: 95 % upper",
    "hr_pooled": "HR, pooled",
    "hr_pooled_lower": "pooled: 95 % lower",
    "hr_pooled_upper": "pooled: 95 % upper",
    "width_ratio": "Width ratio (pooled / one)",
}


def _html(table: pd.DataFrame) -> str:
    shown = table.astype(object).where(table.notna(), None)
    counts = {"n", "events", "total_events_given", "reconstructions", "at_risk_max_mismatch"}

    def cell(column: str, value: object) -> str:
        if value is None:
            return DASH
        return str(int(value)) if column in counts else number(value, 3)  # type: ignore[call-overload]

    rows = [
        ("", [cell(c, v) for c, v in zip(shown.columns, row, strict=True)])
        for row in shown.itertuples(index=False)
    ]
    return html_table([escape(HEADERS.get(str(c), str(c))) for c in shown.columns], rows)


def reconstruction_section(
    curves: Sequence[CurveCohort], pooled: pd.DataFrame, labels: dict[str, str]
) -> str:
    """HTML: the quality table of every reconstructed endpoint and the pooled intervals."""
    out = [
        '<h2 id="reconstruction">Patients reconstructed from published curves</h2>',
        "<p>Each endpoint's patients were reconstructed from its digitised Kaplan-Meier curves "
        "and numbers-at-risk table (Guyot et al., BMC Med Res Methodol 2012;12:9). The "
        "reconstruction is exact only as far as the figure is: censoring times inside each "
        "at-risk interval and the digitising error are unknown.</p>",
    ]
    for cohort in curves:
        out.append(f"<h3>{escape(labels.get(cohort.endpoint, cohort.endpoint))}</h3>")
        out.append(_html(cohort.quality.drop(columns="endpoint")))
        notes = [*cohort.figure.notes, *(n for r in cohort.arms.values() for n in r.notes)]
        if notes:
            out.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    if not pooled.empty:
        out.append(
            "<p>Several plausible reconstructions (points moved within the digitising error, "
            "censoring times drawn within each interval) were each fitted with the compiled "
            "Weibull model under the reference prior and their draws pooled. The width ratio is "
            "the pooled 95 % interval's width (log HR) over a single reconstruction's: above 1 "
            "the reconstruction's own uncertainty widens the interval; near 1 it adds little "
            "(below 1 only by Monte Carlo error).</p>"
        )
        out.append(_html(pooled))
    return "\n".join(out)
