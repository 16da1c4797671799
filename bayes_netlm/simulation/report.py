"""HTML fragment of the simulation studies for the report: computes nothing new.

All text from inputs is escaped; figures are referenced by relative path (``figures/...``), as the
rest of the report does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from bayes_netlm.reporting.report_tables import html_table
from bayes_netlm.simulation.calibration import FAMILY_ALPHA
from bayes_netlm.simulation.prior_predictive import PriorCheck

if TYPE_CHECKING:
    from bayes_netlm.simulation.sbc import SBCResult

__all__ = ["simulation_section"]


def _img(path: str | None, alt: str) -> str:
    return f'<img src="{escape(path)}" alt="{escape(alt)}">' if path else ""


def _sbc_rows(results: Sequence[SBCResult]) -> str:
    rows = []
    for r in results:
        failed = [n for n, c in r.checks.items() if not c.passed]
        verdict = "passes" if r.passed else f"FAILS ({escape(', '.join(failed))})"
        kind = " (mis-specified simulator)" if r.misspecified else ""
        rows.append(
            f"<tr><td>{escape(r.family)}{kind}</td><td>{r.sims}</td>"
            f"<td>{escape(', '.join(r.checks))}</td><td>{verdict}</td>"
            f"<td>{r.divergences}</td><td>{r.seconds:.1f}</td></tr>"
        )
    head = (
        "<tr><th>Model family</th><th>Simulations</th><th>Quantities</th><th>Rule</th>"
        "<th>Divergences</th><th>Seconds</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def simulation_section(
    sbc: Sequence[SBCResult],
    prior_checks: Sequence[PriorCheck],
    assurance: pd.DataFrame,
    figures: Mapping[str, str] | None = None,
) -> str:
    """The report's "Calibration and study design" section.

    Parameters
    ----------
    sbc : sequence of SBCResult
    prior_checks : sequence of PriorCheck
    assurance : pandas.DataFrame
        Columns ``rule``, ``n_index``, ``assurance`` (from :func:`~.commands.design`'s table).
    figures : mapping, optional
        Relative paths of saved figures: ``sbc_<family>``, ``prior_predictive``, ``assurance``.

    """
    figures = figures or {}
    parts = [
        '<h2 id="design">Calibration and study design</h2>',
        "<p>Simulation-based calibration: parameters drawn from the prior, data from the model at "
        "the study's sizes (12 vs 452) and censoring, the posterior's rank of the truth per "
        "quantity. Pass rule: the ECDF of the normalised ranks minus the uniform CDF stays inside "
        "the simultaneous band (Säilynoja et al. 2022) at level "
        f"1 - {FAMILY_ALPHA:g}/m for a family of m quantities.</p>",
        _sbc_rows(sbc)
        if sbc
        else "<p><b>Not run for this report</b> (it takes minutes): run <code>bayes-netlm "
        "calibrate --model all --sims N</code> for the calibration of every model family (on a "
        "Dask cluster).</p>",
    ]
    parts += [_img(figures.get(f"sbc_{r.family}"), f"SBC {r.family}") for r in sbc]
    parts.append("<h3>Prior predictive checks</h3><ul>")
    parts += [f"<li>{escape(c.verdict)}</li>" for c in prior_checks]
    parts.append(
        "</ul>" + _img(figures.get("prior_predictive"), "prior predictive checks of each model")
    )
    parts.append(
        "<h3>Assurance of a future study</h3><p>The probability that a future study with "
        "<i>n</i> cystic patients reaches each decision rule, averaging over the design prior "
        "(the current OS posterior under the vague prior), by the Normal approximation "
        "(information = expected events). With fewer than about five expected cystic events "
        "(the smallest sizes) the approximation is optimistic: check such sizes with "
        "<code>bayes-netlm design</code>, which simulates Weibull data.</p>"
    )
    wide = assurance.pivot(index="n_index", columns="rule", values="assurance")
    rows = [
        ("", [str(n), *(f"{v:.2f}" for v in values)])
        for n, values in zip(wide.index, wide.to_numpy(), strict=True)
    ]
    header = ["Cystic patients", *(escape(str(rule)) for rule in wide.columns)]
    parts.append(html_table(header, rows))
    parts.append(_img(figures.get("assurance"), "assurance of a future study by its size"))
    return "\n".join(p for p in parts if p)
