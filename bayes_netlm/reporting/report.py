"""One self-contained HTML page from a finished published analysis and the other sections.

The report only formats: every number comes from the analysis' tables, evidence and convergence
diagnostics; nothing is computed or sampled here, and nothing is written (the caller writes the
string). Figures are referenced by the relative paths the caller gives, so the page and its
``figures/`` folder travel together. All text from inputs is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape

import pandas as pd

from bayes_netlm.analyses.patients import SurvivalAnalysis
from bayes_netlm.analyses.published import PublishedAnalysis
from bayes_netlm.modeling.hazard_ratio import HazardRatioEvidence, p_value_restated
from bayes_netlm.modeling.sampling import ESS_MIN, RHAT_MAX
from bayes_netlm.modeling.weibull import SurvivalFit
from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.reporting.provenance import package_versions
from bayes_netlm.summaries import HR_QUANTITIES, RATE_QUANTITIES, quantity_label

__all__ = ["NOT_CONVERGED", "render_report", "sensitivity_section", "survival_section"]

NOT_CONVERGED = "NOT CONVERGED — do not use"
DASH = "—"
EFFECTS = ("hr", "rd", "rr", "or")
SURVIVAL_QUANTITIES = (
    "hr",
    "p_below_1",
    "p_benefit",
    "p_harm",
    "p_equivalent",
    "median_index",
    "median_reference",
    "rmst_difference",
    "p_rmst_difference_above_0",
)

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


def _number(value: object, digits: int = 3) -> str:
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


def _fixed(value: object, decimals: int) -> str:
    if value is None:
        return DASH
    number = float(value)  # type: ignore[arg-type]
    return DASH if not math.isfinite(number) else f"{number:.{decimals}f}"


def _value_text(row: pd.Series, quantity: str) -> str:
    """``median (lower–upper)`` for effects, the probability for the rest."""
    if quantity in EFFECTS or not quantity.startswith("p_"):
        decimals = 3 if quantity == "rd" else 2
        value, lower, upper = (_fixed(row[c], decimals) for c in ("value", "lower", "upper"))
        return f"{value} ({lower} to {upper})"
    return _fixed(row["value"], 3)


def _mcse_text(row: pd.Series, quantity: str) -> str:
    """The MCSE of an MCMC value (and of both interval limits for effects)."""
    if quantity in EFFECTS or not quantity.startswith("p_"):
        decimals = 3 if quantity == "rd" else 2
        limits = (_fixed(row[c], decimals + 1) for c in ("mcse_lower", "mcse_upper"))
        return f"MCSE {_fixed(row['mcse_value'], decimals + 1)} ({' to '.join(limits)})"
    return f"MCSE {_fixed(row['mcse_value'], 3)}"


def _cell(rows: pd.DataFrame, quantity: str) -> str:
    """The exact closed form as the headline, the MCMC check beneath it with its MCSE.

    Without a closed form the MCMC value is the headline, its MCSE beside it.
    """
    found = {
        method: match.iloc[0]
        for method in ("exact", "pymc")
        if not (match := rows[(rows["method"] == method) & (rows["quantity"] == quantity)]).empty
    }
    if not found:
        return DASH
    if "pymc" in found:
        mcmc = found["pymc"]
        mcmc_text = f"{_value_text(mcmc, quantity)}; {_mcse_text(mcmc, quantity)}"
    if "exact" not in found:
        return mcmc_text
    headline = f"<b>{_value_text(found['exact'], quantity)}</b>"
    if "pymc" not in found:
        return headline
    return f'{headline}<br><span class="exact">MCMC check: {mcmc_text}</span>'


def _converged(rows: pd.DataFrame) -> bool | None:
    """Whether every MCMC row of a fit converged; None if the fit has no MCMC rows."""
    mcmc = rows[rows["method"] == "pymc"]
    if mcmc.empty:
        return None
    return bool(mcmc["converged"].astype(bool).all())


def _status(converged: bool | None) -> str:
    if converged is None:
        return "exact only"
    return (
        '<span class="ok">yes</span>' if converged else f'<span class="fail">{NOT_CONVERGED}</span>'
    )


def _table(header: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    """Build an HTML table; ``header`` and cells are already HTML, each row carries a class."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        f"<tr{f' class="{css}"' if css else ''}>"
        + "".join(f"<td>{c}</td>" for c in cells)
        + "</tr>"
        for css, cells in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _effect_table(
    rows: pd.DataFrame, quantities: Sequence[str], clinical: ClinicalThresholds, hr: str = "HR"
) -> str:
    """One row per prior set: every quantity (PyMC and exact), the paper's p and the verdict.

    ``hr`` names the hazard ratio in the headers (e.g. "HR at 1 year").
    """
    header = ["Prior set"] + [escape(quantity_label(q, clinical, hr)) for q in quantities]
    header += ["Paper p", "MCMC converged"]
    body = []
    for prior, group in rows.groupby("prior", sort=False):
        spec = escape(str(group["prior_spec"].iloc[0]))
        converged = _converged(group)
        cells = [f"{escape(str(prior))}<br><code>{spec}</code>"]
        cells += [_cell(group, q) for q in quantities]
        cells += [_number(group["paper_p"].iloc[0]), _status(converged)]
        body.append(("failed" if converged is False else "", cells))
    return _table(header, body)


def _evidence_block(evidence: HazardRatioEvidence | None, rows: pd.DataFrame) -> str:
    if evidence is None:
        return ""
    data = evidence.data
    parts = [
        "<p><b>Input to the model.</b> log HR = "
        f"{_fixed(data.estimate, 3)} (HR {_number(data.hr)}), SE {_fixed(data.se, 3)}. "
        f"Derived from: {escape(data.derivation)}.</p>"
    ]
    if evidence.check is not None:
        css = "note" if evidence.check.consistent else "warning"
        message = escape(evidence.check.message)
        parts.append(f'<p class="{css}"><b>Consistency check:</b> {message}</p>')
        if not evidence.check.consistent:
            parts.append(
                '<p class="warning"><b>Even the direction is unsafe here.</b> The published '
                "medians and p-value do not fit proportional hazards (the curves may cross, e.g. "
                "early apparent progression of cystic lesions); one hazard ratio then does not "
                "describe them, and P(HR &lt; 1) below is not the probability that the cystic "
                "group does better over follow-up.</p>"
            )
    for _, row in rows[(rows["method"] == "exact") & (rows["quantity"] == "p_below_1")].iterrows():
        note = p_value_restated(float(row["value"]), data, evidence.paper_p)
        if note is not None:
            parts.append(f'<p class="note"><b>{escape(str(row["prior"]))} prior:</b> {note}</p>')
    return "".join(parts)


def _hr_sections(analysis: PublishedAnalysis) -> str:
    table = analysis.table
    hr = table[table["analysis"] == "summary_hr"]
    clinical = analysis.catalog.clinical
    evidence = {e.name: e for e in analysis.hr_evidence}
    out = ['<h2 id="hazard-ratios">Hazard ratios (survival endpoints)</h2>']
    out.append(
        "<p>Each row is one prior set. The headline (bold) is the exact conjugate (Normal-Normal) "
        "result; beneath it, in grey, the MCMC (PyMC) check with its Monte Carlo standard error "
        "(ArviZ MCSE), which should lie within about 4 MCSE of the headline. HR is the posterior "
        "median with its 95 % credible interval.</p>"
    )
    for endpoint, rows in hr.groupby("endpoint", sort=False):
        label = escape(str(rows["label"].iloc[0]))
        out.append(f"<h3>{label} <code>{escape(str(endpoint))}</code></h3>")
        out.append(_evidence_block(evidence.get(str(endpoint)), rows))
        out.append(_effect_table(rows, HR_QUANTITIES, clinical))
    return "\n".join(out)


def _shape_section(analysis: PublishedAnalysis) -> str:
    """The summary-level HRs with the Weibull shape marginalised, and the shapes that fit."""
    if analysis.shape is None or analysis.shape_prior is None:
        return ""
    table = analysis.shape.table
    prior = analysis.shape_prior
    k_lo, k_hi = (math.exp(prior.mean + z * prior.sd) for z in (-1.959964, 1.959964))
    out = ['<h2 id="weibull-shape">The Weibull assumption at summary level</h2>']
    out.append(
        "<p>Under Weibull survival with a common shape k the published medians give "
        "HR = (median solid / median cystic)<sup>k</sup>; the tables above take k = 1 "
        f"(exponential). Here k is uncertain: log k ~ Normal({prior.mean:g}, {prior.sd:g}), "
        f"95 % of the prior on k between {k_lo:.2f} and {k_hi:.2f} (rationale in "
        "<code>models/prior_sets.toml</code>, <code>[weibull_shape]</code>). Given k the "
        "posterior of log HR is conjugate Normal and the posterior weight of k is "
        "p(k) · k · N(k r; μ<sub>0</sub>, k²σ<sub>r</sub>² + s<sub>0</sub>²), so the headline "
        "(bold) is an exact Normal mixture over a quadrature grid in k; the MCMC fit of the "
        "joint model is the check beneath it, with its MCSE. The figure of P(HR &lt; 1) and "
        "P(HR &lt; 0.7) against k is in the figures section.</p>"
    )
    consistency = analysis.shape_consistency
    for endpoint, rows in table.groupby("endpoint", sort=False):
        label = escape(str(rows["label"].iloc[0]))
        out.append(f"<h3>{label} <code>{escape(str(endpoint))}</code>, shape marginalised</h3>")
        match = consistency[consistency["endpoint"] == endpoint] if len(consistency) else None
        if match is not None and not match.empty:
            c = match.iloc[0]
            out.append(
                "<p><b>Shapes consistent with the information check</b> (information "
                f"1/(k·SE)²): within the hard bounds for k from {_fixed(c.k_min_bounds, 2)} to "
                f"{_fixed(c.k_max_bounds, 2)}; plausible under light early censoring only for "
                f"k ≤ {_fixed(c.k_max_plausible, 2)}"
                + (
                    ", i.e. hazards that fall steeply after an early burst of events: the "
                    "exponential (k = 1) is outside that range.</p>"
                    if c.k_max_plausible < 1
                    else ".</p>"
                )
            )
        out.append(_effect_table(rows, HR_QUANTITIES, analysis.catalog.clinical))
    return "\n".join(out)


def _published_counts(analysis: PublishedAnalysis, endpoint: str) -> str:
    for rate in analysis.study.rates:
        if rate.name == endpoint:
            groups = []
            for name, count in (
                (analysis.study.index_label, rate.index),
                (analysis.study.reference_label, rate.reference),
            ):
                counts = f"{count.low}" if count.low == count.high else f"{count.low}–{count.high}"
                groups.append(f"{escape(name)}: {escape(count.text)} of {count.n} (count {counts})")
            return f"<p><b>Published:</b> {'; '.join(groups)}; p = {_number(rate.p_value)}.</p>"
    return ""


def _rates_section(analysis: PublishedAnalysis) -> str:
    table = analysis.table
    rates = table[table["analysis"] == "rates"]
    clinical = analysis.catalog.clinical
    out = ['<h2 id="rates">Rates (binary outcomes and characteristics)</h2>']
    out.append(
        "<p>RD = rate(cystic) − rate(solid); RR and OR compare cystic with solid. Effects are "
        "posterior medians with 95 % credible intervals. Where an exact closed form exists "
        "(independent Beta priors: a Beta mixture) it is the headline (bold) and the MCMC value, "
        "with its Monte Carlo standard error, is the check beneath it; log-OR priors have no "
        "closed form, so their MCMC value is the headline with its MCSE. The rounding of "
        "published percentages is handled in the model.</p>"
    )
    if rates.empty:
        out.append("<p>No rate comparisons in this run.</p>")
    for endpoint, rows in rates.groupby("endpoint", sort=False):
        label = escape(str(rows["label"].iloc[0]))
        out.append(f"<h3>{label} <code>{escape(str(endpoint))}</code></h3>")
        out.append(_published_counts(analysis, str(endpoint)))
        out.append(_prior_dependence(rows, clinical))
        out.append(_effect_table(rows, RATE_QUANTITIES, clinical))
    return "\n".join(out)


PRIOR_DEPENDENCE = ("rd", "rr", "p_rd_above_0", "p_rd_above_important", "p_rr_below_1")


def _prior_dependence(rows: pd.DataFrame, clinical: ClinicalThresholds) -> str:
    """The key rate quantities under every prior side by side (exact where it exists)."""
    priors = list(dict.fromkeys(rows["prior"]))
    specs = rows.drop_duplicates("prior").set_index("prior")["prior_spec"]
    header = ["Quantity"] + [
        f"{escape(str(p))}<br><code>{escape(str(specs[p]))}</code>" for p in priors
    ]
    body = []
    for quantity in PRIOR_DEPENDENCE:
        cells = [escape(quantity_label(quantity, clinical))]
        for prior in priors:
            group = rows[(rows["prior"] == prior) & (rows["quantity"] == quantity)]
            best = (
                group[group["method"] == "exact"] if (group["method"] == "exact").any() else group
            )
            cells.append(DASH if best.empty else _value_text(best.iloc[0], quantity))
        body.append(("", cells))
    above = rows[(rows["quantity"] == "p_rd_above_0") & (rows["method"] == "exact")]
    spread = ""
    if len(above) > 1:
        lo, hi = above.loc[above["value"].idxmin()], above.loc[above["value"].idxmax()]
        spread = (
            f" Here P(RD &gt; 0) runs from {lo['value']:.3f} ({escape(str(lo['prior']))}) to "
            f"{hi['value']:.3f} ({escape(str(hi['prior']))}): a conclusion that changes this "
            "much with the prior rests on the prior, not on the data."
        )
    return (
        "<p><b>Prior dependence, side by side</b> (exact Beta-mixture values where they exist; "
        "vague = flat Beta(1, 1), jeffreys = Beta(½, ½), informative = published rates after "
        "liver resection for neuroendocrine liver metastases, sources in "
        f"<code>models/prior_sets.toml</code>).{spread}</p>" + _table(header, body)
    )


def _convergence_section(analysis: PublishedAnalysis) -> str:
    conv = analysis.convergence
    body = []
    for _, row in conv.iterrows():
        ok = bool(row["converged"])
        cells = [
            escape(str(row["fit"])),
            escape(str(row["analysis"])),
            _fixed(row["r_hat"], 3),
            _fixed(row["ess_bulk"], 0),
            _fixed(row["ess_tail"], 0),
            escape(str(row["divergences"])),
            _status(ok),
        ]
        body.append(("" if ok else "failed", cells))
    header = ["Fit (endpoint|prior)", "Analysis", "R-hat", "ESS bulk", "ESS tail"]
    header += ["Divergences", "Verdict"]
    failed = int((~conv["converged"].astype(bool)).sum()) if not conv.empty else 0
    verdict = (
        f'<p class="warning"><b>{failed} fit(s) did not converge.</b> Their MCMC results are '
        "flagged in the tables above and must not be used.</p>"
        if failed
        else '<p class="note">Every fit converged.</p>'
    )
    return (
        '<h2 id="convergence">Convergence diagnostics</h2>'
        f"<p>A fit passes when R-hat ≤ {RHAT_MAX:g}, bulk and tail ESS ≥ {ESS_MIN} and there are "
        "no divergences (divergences are counted per batch of fits sampled together).</p>"
        + verdict
        + _table(header, body)
    )


def _figures_section(figures: dict[str, str]) -> str:
    if not figures:
        return ""
    items = [
        f'<figure><img src="{escape(path, quote=True)}" alt="{escape(caption, quote=True)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
        for caption, path in figures.items()
    ]
    return '<h2 id="figures">Figures</h2>' + "\n".join(items)


def _warnings_box(analysis: PublishedAnalysis) -> str:
    items = [
        f"{escape(e.label)}: the derived hazard ratio failed its consistency check (see below)."
        for e in analysis.hr_evidence
        if e.check is not None and not e.check.consistent
    ]
    conv = analysis.convergence
    items += [
        f"Fit {escape(str(fit))}: {NOT_CONVERGED}."
        for fit in conv.loc[~conv["converged"].astype(bool), "fit"]
    ]
    if not items:
        return ""
    return (
        '<div class="warning"><b>Read with care:</b><ul>'
        + "".join(f"<li>{item}</li>" for item in items)
        + "</ul></div>"
    )


def _header(analysis: PublishedAnalysis) -> str:
    study = analysis.study
    clinical = analysis.catalog.clinical
    index, reference = escape(study.index_label), escape(study.reference_label)
    lo, hi = clinical.hr_equivalence
    reported = [(e.label, e.paper_p) for e in analysis.hr_evidence]
    reported += [(r.label, r.p_value) for r in study.rates]
    p_list = "".join(f"<li>{escape(name)}: p = {_number(p)}</li>" for name, p in reported)
    priors = analysis.table.drop_duplicates(["analysis", "prior"])
    prior_rows = [
        (
            "",
            [
                escape(str(r["prior"])),
                escape(str(r["analysis"])),
                f"<code>{escape(str(r['prior_spec']))}</code>",
            ],
        )
        for _, r in priors.iterrows()
    ]
    return f"""
<h1>Bayesian re-analysis: {index} vs {reference}</h1>
<p class="box">{escape(study.citation)}</p>
<h2 id="summary">In plain words</h2>
<p><b>What the study reported.</b> The paper compared patients with {index} and {reference}
liver metastases and reported p-values, no hazard ratios, confidence intervals or event counts.
Its p-values:</p>
<ul>{p_list}</ul>
<p>A large p-value means the data could not rule out "no difference"; it does not show that the
groups are the same, least of all with a small group.</p>
<p><b>What this re-analysis adds.</b> For every endpoint it gives the probability, given the
published numbers and a stated prior, that the {index} group does better, that the difference is
clinically important (HR below {clinical.hr_important:g}: benefit; above {clinical.hr_harm:.3g}:
harm; a risk difference beyond ±{clinical.rd_important:g}), or that it is practically negligible
(HR between {lo:g} and {hi:g}; risk difference within ±{clinical.rd_equivalence:g}). Several prior
sets are used so that the reader sees how much each conclusion depends on prior beliefs. Hazard
ratios are reconstructed from the published medians and p-values assuming exponential survival
(and again with the Weibull shape uncertain), and each reconstruction is checked against what the
group sizes allow. Where a closed form exists it is the headline; MCMC is the check, with its Monte
Carlo standard error. Under a flat or vague prior, P(HR &lt; 1) restates the published p-value
(1 − p/2 on the side of the estimate); the prior sets are what add information.</p>
<p><b>Sign convention.</b> HR = hazard({index}) / hazard({reference}): HR &lt; 1 favours
{index}. RD = rate({index}) − rate({reference}); RR and OR are {index} relative to {reference}.</p>
{_warnings_box(analysis)}
<h3>Prior sets</h3>
{_table(["Prior set", "Analysis", "Specification"], prior_rows)}
"""


def _provenance_section(analysis: PublishedAnalysis, elapsed_seconds: float) -> str:
    study, spec = analysis.study, analysis.spec
    sampler = spec.sampler
    inputs = [
        ("Citation", escape(study.citation)),
        ("Published-numbers file", f"<code>{escape(str(study.path))}</code>"),
        ("Its sha256", f"<code>{escape(study.sha256)}</code>"),
        ("Run specification", f"<code>{escape(str(spec.path))}</code>"),
        ("Its sha256", f"<code>{escape(spec.sha256)}</code>"),
        ("Prior catalogue", f"<code>{escape(str(analysis.catalog.path))}</code>"),
        ("Seed", escape(str(analysis.seed))),
        (
            "Sampler",
            f"{sampler.chains} chains × {sampler.draws} draws after {sampler.tune} tuning steps",
        ),
    ]
    versions = package_versions()
    minutes = f" ({elapsed_seconds / 60:.1f} min)" if elapsed_seconds >= 60 else ""
    return (
        '<h2 id="provenance">Inputs and provenance</h2>'
        + _table(["Item", "Value"], [("", [k, v]) for k, v in inputs])
        + "<h3>Package versions</h3>"
        + _table(
            ["Package", "Version"],
            [("", [escape(k), escape(v)]) for k, v in versions.items()],
        )
        + f'<p id="runtime"><b>Total run time:</b> {elapsed_seconds:.1f} s{minutes}.</p>'
    )


def _convergence_rows(conv: pd.DataFrame) -> list[tuple[str, list[str]]]:
    body = []
    for fit, row in conv.iterrows():
        ok = bool(row["converged"])
        cells = [escape(str(fit)), _fixed(row["r_hat"], 3), _fixed(row["ess_bulk"], 0)]
        cells += [_fixed(row["ess_tail"], 0), escape(str(row["divergences"])), _status(ok)]
        body.append(("" if ok else "failed", cells))
    return body


def _survival_tables(
    fit: SurvivalFit, rows: pd.DataFrame, horizons: Sequence[float], clinical: ClinicalThresholds
) -> list[str]:
    """One fit's Weibull tables; with a group-specific shape the non-PH headline comes first."""
    if not fit.group_shape:
        return [_effect_table(rows, SURVIVAL_QUANTITIES, clinical)]
    hr = fit.hr_name
    headline: tuple[str, ...] = ("rmst_difference", "p_rmst_difference_above_0")
    for horizon in horizons:
        difference = f"survival_difference_{horizon:g}"
        headline += (difference, f"p_{difference}_above_0")
    headline += tuple(f"hr_at_{horizon:g}" for horizon in horizons)
    return [
        "<p><b>Headline</b> (hazards not proportional): differences in restricted mean time and "
        "in S(t), cystic &minus; solid, and the HR at stated times.</p>",
        _effect_table(rows, headline, clinical),
        f"<p>The {escape(hr)}, which carries the prior set, and the medians:</p>",
        _effect_table(rows, (*HR_QUANTITIES, "median_index", "median_reference"), clinical, hr),
    ]


def survival_section(analysis: SurvivalAnalysis, clinical: ClinicalThresholds) -> str:
    """The patient-level Weibull analysis, with the frequentist results on the same data beside."""
    spec = analysis.spec
    table = analysis.result.table
    out = ['<h2 id="survival">Weibull survival on patient-level data</h2>']
    if spec.synthetic:
        out.append(
            '<p class="warning"><b>SYNTHETIC, ILLUSTRATIVE DATA.</b> These patients were '
            "generated by <code>scripts/make_synthetic_cohort.py</code> "
            f"({escape(', '.join(f.name for f in analysis.data_files))}) "
            "to match the published summaries; they are not the study's patients. The numbers "
            "below show what the analysis produces, not what the study found.</p>"
        )
    out.append(
        "<p>Censored Weibull regression with a cystic indicator. With a common shape the hazards "
        "are proportional, the HR is the same at every time and the prior sets above apply to "
        "it unchanged. With a group-specific shape the HR changes over time, "
        "HR(t) = (k<sub>1</sub>/k<sub>0</sub>)(t/&lambda;<sub>0</sub>)"
        "<sup>k<sub>1</sub>&minus;k<sub>0</sub></sup>e<sup>&beta;</sup>, so no single HR "
        "describes the comparison: the model is parametrised so that the prior set and the "
        "probability statements are on the HR at a stated reference time (named in each "
        "table, e.g. <i>HR at 1 year</i>), and the headline is the difference in restricted "
        "mean time to the event and in S(t) between the groups (cystic &minus; solid), with the "
        "HR at stated times beside it (and over time in the figures). "
        f"Data: <code>{escape(', '.join(f.name for f in analysis.data_files))}</code>, sha256 "
        f"<code>{escape(analysis.data_sha256[:16])}…</code>.</p>"
    )
    for fit in analysis.fits:
        rows = table[table["endpoint"] == fit.name]
        shape = "group-specific shape" if fit.group_shape else "common shape"
        out.append(f"<h3>{escape(fit.label)} <code>{escape(fit.name)}</code> ({shape})</h3>")
        notes = [n for n in fit.data.notes if n.startswith("matched cohort")]
        out += [f"<p>{escape(n)}</p>" for n in notes]
        out += _survival_tables(fit, rows, spec.horizons, clinical)
        freq = analysis.frequentist[analysis.frequentist["endpoint"] == fit.name]
        freq_rows = [
            (
                "",
                [
                    escape(str(r.quantity)),
                    escape(str(r.group)),
                    _number(r.value),
                    _number(r.lower),
                    _number(r.upper),
                ],
            )
            for r in freq.itertuples()
        ]
        out.append("<p>Frequentist analysis of the same patients (lifelines):</p>")
        out.append(_table(["Quantity", "Group", "Value", "95 % lower", "95 % upper"], freq_rows))
    balance = [
        (
            "",
            [
                escape(str(r.cohort)),
                escape(str(r.covariate)),
                _fixed(r.mean_index, 2),
                _fixed(r.mean_reference, 2),
                _fixed(r.smd, 3),
            ],
        )
        for r in analysis.balance.itertuples()
    ]
    out.append("<h3>Covariate balance before and after matching</h3>")
    out.append(_table(["Cohort", "Covariate", "Mean cystic", "Mean solid", "SMD"], balance))
    conv = analysis.result.convergence
    failed = int((~conv["converged"].astype(bool)).sum())
    out.append("<h3>Convergence of the Weibull fits</h3>")
    out.append(
        f'<p class="warning"><b>{failed} Weibull fit(s) did not converge</b> and are flagged.</p>'
        if failed
        else '<p class="note">Every Weibull fit converged.</p>'
    )
    header = ["Fit", "R-hat", "ESS bulk", "ESS tail", "Divergences", "Verdict"]
    out.append(_table(header, _convergence_rows(conv)))
    return "\n".join(out)


def _tipping_rows(tipping: pd.DataFrame) -> list[tuple[str, list[str]]]:
    rows = []
    for r in tipping.itertuples():
        refit = getattr(r, "probability_refit", float("nan"))
        method = getattr(r, "method", None)
        how = f"; {method}" if isinstance(method, str) else ""
        check = DASH if not math.isfinite(refit) else f"{refit:.3f} (level {r.level:g}{how})"
        cells = [
            escape(str(r.label)),
            escape(str(r.conclusion)),
            _fixed(r.probability_reference, 3),
        ]
        cells += [escape(str(r.family)), _fixed(r.tipping_sd, 3), escape(str(r.reading)), check]
        rows.append(("", cells))
    return rows


def sensitivity_section(
    grid: pd.DataFrame, tipping: pd.DataFrame, power_scaling: pd.DataFrame, reference: str
) -> str:
    """Tipping points, power-scaling diagnostics and a pointer to the prior heat maps."""
    out = ['<h2 id="sensitivity">How much does the answer rest on the prior?</h2>']
    out.append(
        f"<p>Conclusions are judged under the <b>{escape(reference)}</b> prior. A tipping point is "
        "the prior SD on log HR, for a prior centred on no effect (skeptical), on the important "
        "benefit (enthusiastic) or on the mirrored harm (pessimistic), at which the conclusion "
        "flips: a reader who holds a prior at least that firm would conclude otherwise. Summary-"
        "level tipping points are exact; Weibull ones are found on the posterior draws "
        "reweighted by PSIS (refitted where the weights are unreliable; the last column names "
        "the method) and checked by refitting the model at the reported prior "
        "(last column: the refitted probability, which should be near the level). For a fit "
        "with a group-specific shape the prior is on the HR at its reference time (tipping "
        "table: quantity). Heat maps of the prior grid "
        "are in the figures section (* = cell refitted because PSIS k-hat > 0.7 or the "
        "weights' effective sample size < 400; others "
        f"reweighted). The grid holds {len(grid)} cells.</p>"
    )
    header = ["Endpoint", "Conclusion", f"P under {escape(reference)}", "Prior family"]
    header += ["Tipping SD", "Reading", "Refit check"]
    out.append(_table(header, _tipping_rows(tipping)))
    out.append("<h3>Power-scaling sensitivity (ArviZ psense)</h3>")
    out.append(
        "<p>Each fit's prior (and likelihood) is raised to a power near 1 and the change in the "
        "posterior measured (cumulative Jensen-Shannon distance per unit of log-power; 0.05 is "
        "ArviZ's threshold). Potential prior-data conflict (ArviZ's diagnosis): scaling the prior "
        "and scaling the likelihood both move the posterior. Potential strong prior / weak "
        "likelihood: the prior drives the answer. A flat prior cannot be power-scaled, so the "
        "diagnostic is silent about it: compare the prior sets side by side instead.</p>"
    )
    rows = [
        (
            "failed" if str(r.diagnosis).startswith("potential") else "",
            [
                escape(str(r.fit)),
                escape(str(r.analysis)),
                escape(str(r.variable)),
                _fixed(r.prior_cjs, 3),
                _fixed(r.likelihood_cjs, 3),
                escape(str(r.diagnosis)),
                escape(str(r.reading)),
            ],
        )
        for r in power_scaling.itertuples()
    ]
    header = ["Fit", "Analysis", "Variable", "Prior", "Likelihood", "Diagnosis", "Reading"]
    out.append(_table(header, rows))
    return "\n".join(out)


def render_report(
    analysis: PublishedAnalysis,
    figures: dict[str, str],
    elapsed_seconds: float,
    extra_sections: list[str] | None = None,
) -> str:
    """Render the whole re-analysis as one self-contained HTML page.

    Parameters
    ----------
    analysis : PublishedAnalysis
        The finished analysis (tables, evidence, convergence, study and spec provenance).
    figures : dict of str to str
        Caption -> path of a saved figure, relative to where the HTML file will be written
        (e.g. ``"figures/hr_os_full.png"``); shown in the given order.
    elapsed_seconds : float
        Total run time, reported as given.
    extra_sections : list of str, optional
        Ready-made HTML fragments (trusted, inserted unescaped) placed before the provenance
        section, e.g. a patient-level analysis.

    Returns
    -------
    str
        The HTML document.

    """
    body = [
        _header(analysis),
        _hr_sections(analysis),
        _shape_section(analysis),
        _rates_section(analysis),
        _figures_section(figures),
        _convergence_section(analysis),
        *(extra_sections or []),
        _provenance_section(analysis, elapsed_seconds),
    ]
    title = escape(f"Bayesian re-analysis: {analysis.study.citation}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
