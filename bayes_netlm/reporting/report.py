"""One self-contained HTML page from a finished published analysis and the other sections.

The report only formats: every number comes from the analysis' tables, evidence and convergence
diagnostics; nothing is computed or sampled here, and nothing is written (the caller writes the
string). Figures are referenced by the relative paths the caller gives, so the page and its
``figures/`` folder travel together. All text from inputs is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import pandas as pd

from bayes_netlm.analyses.published import PublishedAnalysis
from bayes_netlm.modeling.hazard_ratio import HazardRatioEvidence, p_value_restated
from bayes_netlm.modeling.sampling import ESS_MIN, RHAT_MAX
from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.reporting.page import interactive_section
from bayes_netlm.reporting.provenance import file_record, package_versions
from bayes_netlm.reporting.report_sections import sensitivity_section, survival_section
from bayes_netlm.reporting.report_tables import (
    DASH,
    NOT_CONVERGED,
    STYLE,
    effect_table,
    fixed,
    html_table,
    number,
    prior_table_rows,
    status,
    value_text,
)
from bayes_netlm.summaries import HR_QUANTITIES, RATE_QUANTITIES, quantity_label

__all__ = ["NOT_CONVERGED", "render_report", "sensitivity_section", "survival_section"]


def _evidence_block(evidence: HazardRatioEvidence | None, rows: pd.DataFrame) -> str:
    if evidence is None:
        return ""
    data = evidence.data
    parts = [
        "<p><b>Input to the model.</b> log HR = "
        f"{fixed(data.estimate, 3)} (HR {number(data.hr)}), SE {fixed(data.se, 3)}. "
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
            prior = escape(str(row["prior"]))
            parts.append(f'<p class="note"><b>{prior} prior:</b> {escape(note)}</p>')
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
        out.append(effect_table(rows, HR_QUANTITIES, clinical))
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
                f"1/(k·SE)²): within the hard bounds for k from {fixed(c.k_min_bounds, 2)} to "
                f"{fixed(c.k_max_bounds, 2)}; plausible under light early censoring only for "
                f"k ≤ {fixed(c.k_max_plausible, 2)}"
                + (
                    ", i.e. hazards that fall steeply after an early burst of events: the "
                    "exponential (k = 1) is outside that range.</p>"
                    if c.k_max_plausible < 1
                    else ".</p>"
                )
            )
        out.append(effect_table(rows, HR_QUANTITIES, analysis.catalog.clinical))
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
            return f"<p><b>Published:</b> {'; '.join(groups)}; p = {number(rate.p_value)}.</p>"
    return ""


def _rates_section(analysis: PublishedAnalysis) -> str:
    table = analysis.table
    rates = table[table["analysis"] == "rates"]
    clinical = analysis.catalog.clinical
    out = ['<h2 id="rates">Rates (binary outcomes and characteristics)</h2>']
    out.append(
        "<p>RD = rate(cystic) − rate(solid); RR and OR compare cystic with solid. Effects are "
        "posterior medians with 95 % credible intervals. The headline (bold) is computed without "
        "sampling: for independent Beta priors the exact Beta-mixture posterior, for log-OR "
        "priors (no closed form) a deterministic 2-D quadrature of the posterior; the MCMC "
        "value, with its Monte Carlo standard error, is the check beneath it. The rounding of "
        "published percentages is handled in the model.</p>"
    )
    if rates.empty:
        out.append("<p>No rate comparisons in this run.</p>")
    for endpoint, rows in rates.groupby("endpoint", sort=False):
        label = escape(str(rows["label"].iloc[0]))
        out.append(f"<h3>{label} <code>{escape(str(endpoint))}</code></h3>")
        out.append(_published_counts(analysis, str(endpoint)))
        out.append(_prior_dependence(rows, clinical))
        out.append(effect_table(rows, RATE_QUANTITIES, clinical))
    return "\n".join(out)


PRIOR_DEPENDENCE = ("rd", "rr", "p_rd_above_0", "p_rd_above_important", "p_rr_below_1")


def _prior_dependence(rows: pd.DataFrame, clinical: ClinicalThresholds) -> str:
    """The key rate quantities under every prior side by side (exact where it exists)."""
    priors = list(dict.fromkeys(rows["prior"]))
    specs = rows.drop_duplicates("prior").set_index("prior")["prior_spec"]
    header = ["Quantity"] + [
        f"{escape(str(p))}<br><code>{escape(str(specs[p]))}</code>" for p in priors
    ]
    records = rows[rows["quantity"].isin(PRIOR_DEPENDENCE)].to_dict("records")
    body = []
    for quantity in PRIOR_DEPENDENCE:
        cells = [escape(quantity_label(quantity, clinical))]
        for prior in priors:
            found = [r for r in records if r["prior"] == prior and r["quantity"] == quantity]
            best = [r for r in found if r["method"] == "exact"] or found
            cells.append(value_text(best[0], quantity) if best else DASH)
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
        "<p><b>Prior dependence, side by side</b> (the headline values: Beta mixture or log-OR "
        "quadrature; "
        "vague = flat Beta(1, 1), jeffreys = Beta(½, ½), informative = published rates after "
        "liver resection for neuroendocrine liver metastases, sources in "
        f"<code>models/prior_sets.toml</code>).{spread}</p>" + html_table(header, body)
    )


def _convergence_section(analysis: PublishedAnalysis) -> str:
    conv = analysis.convergence
    body = []
    for _, row in conv.iterrows():
        ok = bool(row["converged"])
        cells = [
            escape(str(row["fit"])),
            escape(str(row["analysis"])),
            fixed(row["r_hat"], 3),
            fixed(row["ess_bulk"], 0),
            fixed(row["ess_tail"], 0),
            escape(str(row["divergences"])),
            status(ok),
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
        + html_table(header, body)
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
    if analysis.spec.survival is not None and analysis.spec.survival.synthetic:
        items.append(
            "<b>Patient-level section: SYNTHETIC data.</b> The censored Weibull model further "
            "down is fitted to a synthetic, illustrative cohort, not to the study's patients (they "
            "are not public): it shows the method and what such data could say, not the study's "
            "answer."
        )
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
    p_list = "".join(f"<li>{escape(name)}: p = {number(p)}</li>" for name, p in reported)
    prior_rows = prior_table_rows(analysis.table)
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
{html_table(["Prior set", "Analysis", "Specification", "Endpoints"], prior_rows)}
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
        ("Its sha256", f"<code>{escape(file_record(analysis.catalog.path)['sha256'])}</code>"),
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
        + html_table(["Item", "Value"], [("", [k, v]) for k, v in inputs])
        + "<h3>Package versions</h3>"
        + html_table(
            ["Package", "Version"],
            [("", [escape(k), escape(v)]) for k, v in versions.items()],
        )
        + f'<p id="runtime"><b>Total run time:</b> {elapsed_seconds:.1f} s{minutes}.</p>'
    )


def render_report(
    analysis: PublishedAnalysis,
    figures: dict[str, str],
    elapsed_seconds: float,
    extra_sections: list[str] | None = None,
    page: dict[str, Any] | None = None,
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
    page : dict, optional
        The interactive page's data (:func:`bayes_netlm.reporting.page.page_data`); when given,
        the controls that recompute every number in the page follow the plain-words summary.

    Returns
    -------
    str
        The HTML document.

    """
    body = [
        _header(analysis),
        interactive_section(page) if page is not None else "",
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
