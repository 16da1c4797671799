"""Formatting shared by the report's sections: numbers, cells, tables, convergence verdicts.

Pure string building from tables; nothing is computed here. All text from inputs is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.summaries import quantity_label

__all__ = [
    "DASH",
    "NOT_CONVERGED",
    "STYLE",
    "convergence_rows",
    "effect_table",
    "fixed",
    "number",
    "prior_table_rows",
    "status",
    "html_table",
    "value_text",
]

NOT_CONVERGED = "NOT CONVERGED — do not use"


DASH = "—"


EFFECTS = ("hr", "rd", "rr", "or")


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 75rem;
       margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; }
h2 { border-bottom: 2px solid #ccc; padding-bottom: .2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .88rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: right; vertical-align: top; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.exact { color: #666; font-size: .8rem; }
.ok { color: #1a7f37; font-weight: 600; }
.fail { color: #fff; background: #c62828; font-weight: 700; padding: .1rem .3rem; }
tr.failed td { background: #fdecea; }
.warning { border-left: 5px solid #c62828; background: #fdecea; padding: .5rem .8rem; }
.note { border-left: 5px solid #1a7f37; background: #eef7f0; padding: .5rem .8rem; }
.box { border: 1px solid #ccc; background: #fafafa; padding: .6rem 1rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: .9rem; color: #444; }
code { font-size: .85rem; }
"""


def number(value: object, digits: int = 3) -> str:
    """Format a number to ``digits`` significant figures, a dash if missing."""
    if value is None:
        return DASH
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return escape(str(value))
    if not math.isfinite(number):
        return DASH
    return f"{number:.{digits}g}"


def fixed(value: object, decimals: int) -> str:
    """Format a number with ``decimals`` decimals, a dash if missing."""
    if value is None:
        return DASH
    number = float(value)  # type: ignore[arg-type]
    return DASH if not math.isfinite(number) else f"{number:.{decimals}f}"


def value_text(row: Mapping[str, Any], quantity: str) -> str:
    """``median (lower–upper)`` for effects, the probability for the rest."""
    if quantity in EFFECTS or not quantity.startswith("p_"):
        decimals = 3 if quantity == "rd" else 2
        value, lower, upper = (fixed(row[c], decimals) for c in ("value", "lower", "upper"))
        return f"{value} ({lower} to {upper})"
    return fixed(row["value"], 3)


def _mcse_text(row: Mapping[str, Any], quantity: str) -> str:
    """The MCSE of an MCMC value (and of both interval limits for effects)."""
    if quantity in EFFECTS or not quantity.startswith("p_"):
        decimals = 3 if quantity == "rd" else 2
        lower, upper = (fixed(row[c], decimals + 1) for c in ("mcse_lower", "mcse_upper"))
        # named, not "(a to b)": the three are MCSEs (median, lower limit, upper limit), no interval
        return f"MCSE {fixed(row['mcse_value'], decimals + 1)}; of the limits {lower} and {upper}"
    if not math.isfinite(float(row["mcse_value"])):
        return "MCSE not estimable: every draw on one side"
    return f"MCSE {fixed(row['mcse_value'], 3)}"


#: a fit's summary rows by (method, quantity), the first row of each
RowsByKey = Mapping[tuple[str, str], Mapping[str, Any]]


def _rows_by_key(rows: pd.DataFrame) -> RowsByKey:
    """``rows`` as ``{(method, quantity): row}`` (the first of each), looked up once per fit.

    Filtering the data frame per table cell took most of the report's rendering time (0.2 s).
    """
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in rows.to_dict("records"):
        found.setdefault((str(row["method"]), str(row["quantity"])), row)
    return found


def _cell(rows: RowsByKey, quantity: str) -> str:
    """The exact closed form as the headline, the MCMC check beneath it with its MCSE.

    Without a closed form the MCMC value is the headline, its MCSE beside it.
    """
    found = {m: rows[(m, quantity)] for m in ("exact", "pymc") if (m, quantity) in rows}
    if not found:
        return DASH
    if "pymc" in found:
        mcmc = found["pymc"]
        mcmc_text = f"{value_text(mcmc, quantity)}; {_mcse_text(mcmc, quantity)}"
    if "exact" not in found:
        return mcmc_text
    headline = f"<b>{value_text(found['exact'], quantity)}</b>"
    if "pymc" not in found:
        return headline
    return f'{headline}<br><span class="exact">MCMC check: {mcmc_text}</span>'


def _converged(rows: pd.DataFrame) -> bool | None:
    """Whether every MCMC row of a fit converged; None if the fit has no MCMC rows."""
    mcmc = rows[rows["method"] == "pymc"]
    if mcmc.empty:
        return None
    return bool(mcmc["converged"].astype(bool).all())


def status(converged: bool | None) -> str:
    """The convergence verdict of a fit as HTML."""
    if converged is None:
        return "exact only"
    return (
        '<span class="ok">yes</span>' if converged else f'<span class="fail">{NOT_CONVERGED}</span>'
    )


def html_table(header: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    """Build an HTML table; ``header`` and cells are already HTML, each row carries a class."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        f"<tr{f' class="{css}"' if css else ''}>"
        + "".join(f"<td>{c}</td>" for c in cells)
        + "</tr>"
        for css, cells in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def effect_table(
    rows: pd.DataFrame,
    quantities: Sequence[str],
    clinical: ClinicalThresholds,
    hr: str = "HR",
    outcome: str = "survival",
) -> str:
    """One row per prior set: every quantity (PyMC and exact), the paper's p and the verdict.

    ``hr`` names the hazard ratio in the headers (e.g. "HR at 1 year"), ``outcome`` the endpoint
    (e.g. "hepatic progression-free survival").
    """
    header = ["Prior set"] + [escape(quantity_label(q, clinical, hr, outcome)) for q in quantities]
    header += ["Paper p", "MCMC converged"]
    body = []
    for prior, group in rows.groupby("prior", sort=False):
        spec = escape(str(group["prior_spec"].iloc[0]))
        converged = _converged(group)
        cells = [f"{escape(str(prior))}<br><code>{spec}</code>"]
        by_key = _rows_by_key(group)
        cells += [_cell(by_key, q) for q in quantities]
        cells += [number(group["paper_p"].iloc[0]), status(converged)]
        body.append(("failed" if converged is False else "", cells))
    return html_table(header, body)


def convergence_rows(conv: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """One table row per fit: R-hat, ESS, divergences and the verdict."""
    body = []
    for fit, row in conv.iterrows():
        ok = bool(row["converged"])
        cells = [escape(str(fit)), fixed(row["r_hat"], 3), fixed(row["ess_bulk"], 0)]
        cells += [fixed(row["ess_tail"], 0), escape(str(row["divergences"])), status(ok)]
        body.append(("" if ok else "failed", cells))
    return body


def prior_table_rows(table: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """One row per prior specification used: set, analysis, specification and its endpoints.

    A set may specify a different prior per endpoint (an informative mortality prior beside an
    informative morbidity one): each specification is then a row naming its endpoints; one
    used for every endpoint of its analysis says "all".
    """
    rows = []
    for analysis, of_analysis in table.groupby("analysis", sort=False):
        every = set(of_analysis["endpoint"])
        for (prior, spec), used in of_analysis.groupby(["prior", "prior_spec"], sort=False):
            endpoints = list(dict.fromkeys(used["label"]))
            names = "all" if set(used["endpoint"]) == every else "; ".join(endpoints)
            rows.append(
                (
                    "",
                    [
                        escape(str(prior)),
                        escape(str(analysis)),
                        f"<code>{escape(str(spec))}</code>",
                        escape(names),
                    ],
                )
            )
    return rows
