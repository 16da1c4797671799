"""Render the HTML report from a small hand-built analysis (closed-form rows, no sampling)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from bayes_netlm.analyses.published import PublishedAnalysis
from bayes_netlm.evidence.counts import CountRange
from bayes_netlm.evidence.published import PublishedStudy, RateEvidence
from bayes_netlm.modeling.hazard_ratio import (
    HazardRatioEvidence,
    conjugate_posterior,
    from_medians,
    information_check,
)
from bayes_netlm.modeling.results import TABLE_COLUMNS, FitResult, summary_rows
from bayes_netlm.priors import NormalPrior, PriorCatalog, load_prior_catalog
from bayes_netlm.reporting.report import NOT_CONVERGED, render_report
from bayes_netlm.spec import RunSpec
from bayes_netlm.summaries import hr_summary_exact, rates_summary_from_draws

# the bundled clinical thresholds (HR 0.7, equivalence 0.8-1.25, RD 0.05 / 0.025)
CLINICAL = load_prior_catalog().clinical
HR_PRIORS = {"vague": NormalPrior(0.0, 5.0), "skeptical": NormalPrior(0.0, 0.2168)}
FAILED_FIT = "pfs_full|skeptical"


def _convergence(fits: list[str], failed: str | None = None) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "r_hat": [1.2 if f == failed else 1.001 for f in fits],
            "ess_bulk": [50.0 if f == failed else 4000.0 for f in fits],
            "ess_tail": [60.0 if f == failed else 3000.0 for f in fits],
            "divergences": [3 if f == failed else 0 for f in fits],
        },
        index=pd.Index(fits, name="fit"),
    )
    table["converged"] = [f != failed for f in fits]
    return table


def _analysis() -> PublishedAnalysis:
    evidence = []
    for name, label, medians, p in (
        ("os_full", "Overall survival, full cohort", (13.8, 10.6), 0.513),
        ("pfs_full", "Hepatic progression-free survival <full>", (0.71, 1.78), 0.507),
    ):
        data = from_medians(*medians, p)
        evidence.append(HazardRatioEvidence(name, label, data, p, information_check(data, 12, 452)))
    rows: list[dict[str, object]] = []
    fits = []
    for e in evidence:
        for prior_name, prior in HR_PRIORS.items():
            fit = f"{e.name}|{prior_name}"
            fits.append(fit)
            common = {
                "analysis": "summary_hr",
                "endpoint": e.name,
                "label": e.label,
                "prior": prior_name,
                "prior_spec": str(prior),
                "paper_p": e.paper_p,
            }
            summary = hr_summary_exact(conjugate_posterior(prior, e.data), CLINICAL)
            rows += summary_rows(summary, method="pymc", converged=fit != FAILED_FIT, **common)
            rows += summary_rows(summary, method="exact", converged=True, **common)
    hazard_ratios = FitResult(
        pd.DataFrame(rows, columns=TABLE_COLUMNS),
        _convergence(fits, FAILED_FIT),
        {"summary_hr": xr.DataTree()},
    )

    rng = np.random.default_rng(0)
    p_index, p_reference = rng.beta(4, 10, 2000), rng.beta(100, 354, 2000)
    rate_common = {
        "analysis": "rates",
        "endpoint": "major_morbidity",
        "label": "Major morbidity",
        "prior": "vague",
        "prior_spec": "beta:1,1",
        "paper_p": 0.729,
    }
    summary = rates_summary_from_draws(p_index, p_reference, CLINICAL)
    rate_rows = summary_rows(summary, method="pymc", converged=True, **rate_common)
    rate_rows += summary_rows(summary, method="exact", converged=True, **rate_common)
    rates = FitResult(
        pd.DataFrame(rate_rows, columns=TABLE_COLUMNS), _convergence(["major_morbidity|vague"])
    )

    study = PublishedStudy(
        citation="Ammann M, et al. Eur J Surg Oncol. 2025;51(1):109464.",
        index_label="cystic",
        reference_label="solid",
        rates=(
            RateEvidence(
                "major_morbidity",
                "Major morbidity",
                "outcome",
                CountRange(3, 3, 12, "25%"),
                CountRange(98, 101, 452, "22%"),
                0.729,
            ),
        ),
        survival=(),
        path="data/ammann2025.toml",
        sha256="ab" * 32,
    )
    catalog = PriorCatalog({}, CLINICAL, NormalPrior(-1.0, 1.0, "log_or"), "models/prior_sets.toml")
    spec = RunSpec(
        published=Path("data/ammann2025.toml"),
        prior_sets=Path("models/prior_sets.toml"),
        hr_prior_sets=tuple(HR_PRIORS),
        rate_prior_sets=("vague",),
        survival=None,
        sensitivity=None,
        sampler_values=(),
        path=Path("models/run.toml"),
        sha256="cd" * 32,
    )
    return PublishedAnalysis(study, catalog, spec, 20250101, evidence, hazard_ratios, rates)


FIGURES = {
    "Posterior hazard ratio, overall survival": "figures/hr_os_full.png",
    "Risk difference <major morbidity>": "figures/rd_major_morbidity.png",
}


@pytest.fixture(scope="module")
def html() -> str:
    return render_report(_analysis(), FIGURES, 83.4, extra_sections=["<h2>Extra part</h2>"])


def test_document_and_sections(html):
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    for heading in (
        "In plain words",
        "Hazard ratios (survival endpoints)",
        "Rates (binary outcomes and characteristics)",
        "Figures",
        "Convergence diagnostics",
        "Inputs and provenance",
        "Package versions",
        "Extra part",
    ):
        assert heading in html
    assert "Sign convention" in html and "HR &lt; 1 favours" in html


def test_every_endpoint_label_is_shown_and_escaped(html):
    assert "Overall survival, full cohort" in html
    assert "Hepatic progression-free survival &lt;full&gt;" in html
    assert "<full>" not in html
    assert "Major morbidity" in html
    assert "25%" in html and "98–101" in html


def test_inconsistent_check_is_a_highlighted_warning(html):
    assert 'class="warning"><b>Consistency check:</b> WARNING: SE' in html
    assert "not consistent with proportional hazards" in html


def test_failed_fit_is_flagged(html):
    assert NOT_CONVERGED in html
    assert f'<span class="fail">{NOT_CONVERGED}</span>' in html
    assert '<tr class="failed">' in html
    assert "1 fit(s) did not converge" in html
    assert FAILED_FIT in html


def test_no_flag_when_everything_converged():
    analysis = _analysis()
    analysis.hazard_ratios.table["converged"] = True
    analysis.hazard_ratios.convergence["converged"] = True
    html = render_report(analysis, {}, 1.0)
    assert NOT_CONVERGED not in html
    assert "Every fit converged." in html
    assert '<h2 id="figures">' not in html


def test_figures_and_provenance(html):
    for path in FIGURES.values():
        assert f'<img src="{path}"' in html
    assert "Risk difference &lt;major morbidity&gt;" in html
    assert "ab" * 32 in html and "cd" * 32 in html
    import hashlib

    catalogue = Path(__file__).resolve().parents[1] / "models" / "prior_sets.toml"
    assert hashlib.sha256(catalogue.read_bytes()).hexdigest() in html  # like the other inputs
    assert "20250101" in html
    assert "pymc" in html and "arviz-plots" in html
    assert "83.4 s" in html and "(1.4 min)" in html


def test_exact_value_is_the_headline_and_mcmc_the_check_with_its_mcse():
    analysis = _analysis()
    table = analysis.hazard_ratios.table
    mcmc = table["method"] == "pymc"
    table.loc[mcmc, "value"] = table.loc[mcmc, "value"] * 1.03
    table.loc[mcmc, ["mcse_value", "mcse_lower", "mcse_upper"]] = [0.0042, 0.0051, 0.0123]
    html = render_report(analysis, {}, 1.0)
    exact = table[(table["method"] == "exact") & (table["endpoint"] == "os_full")]
    hr = exact[(exact["prior"] == "vague") & (exact["quantity"] == "hr")].iloc[0]
    headline = f"<b>{hr['value']:.2f} ({hr['lower']:.2f} to {hr['upper']:.2f})</b>"
    assert headline in html
    check = f"MCMC check: {hr['value'] * 1.03:.2f} ({hr['lower']:.2f} to {hr['upper']:.2f}); "
    assert check + "MCSE 0.004; of the limits 0.005 and 0.012" in html
    # every MCMC probability carries its MCSE: 2 endpoints x 2 priors x 4 probabilities
    assert html.count("; MCSE 0.004</span>") == 2 * 2 * 4
    assert "main value is from MCMC" not in html and "exact in grey" not in html
    # the vague-prior P(HR < 1) of OS is the p-value restated (1 - 0.513/2 = 0.744)
    assert "is 1 - p/2 = 0.744 to within 0.02" in html
    assert "Even the direction is unsafe here" in html  # the PFS rows


def test_shape_section_shows_the_marginalised_headline_and_consistent_shapes():
    from bayes_netlm.analyses.published import shape_consistency
    from bayes_netlm.modeling import weibull_shape

    analysis = _analysis()
    shape = NormalPrior(0.0, 0.5, "log_k")
    analysis.shape = weibull_shape.fit_shape_marginalised(
        analysis.hr_evidence, HR_PRIORS, shape, CLINICAL, seed=1, mcmc=False
    )
    analysis.shape_prior = shape
    analysis.shape_consistency = shape_consistency(analysis.hr_evidence)
    html = render_report(analysis, {}, 1.0)
    assert '<h2 id="weibull-shape">The Weibull assumption at summary level</h2>' in html
    assert "k ≤ 0.30, i.e. hazards that fall steeply" in html  # PFS
    assert "k ≤ 1.03." in html  # OS: the exponential is plausible
    rows = analysis.shape.table
    assert set(rows["analysis"]) == {"summary_hr_weibull"} and set(rows["method"]) == {"exact"}


def test_rates_prior_dependence_side_by_side():
    from bayes_netlm.modeling.rates import beta_mixture_posterior, exact_effects
    from bayes_netlm.priors import BetaPrior
    from bayes_netlm.summaries import rates_summary_exact

    index, reference = CountRange(0, 0, 12, "0%"), CountRange(0, 9, 452, "<2%")
    rows: list[dict[str, object]] = []
    for name, prior in (
        ("vague", BetaPrior(1, 1)),
        ("jeffreys", BetaPrior(0.5, 0.5)),
        ("informative", BetaPrior(1.6, 78.4)),
    ):
        effects = exact_effects(
            beta_mixture_posterior(prior, index),
            beta_mixture_posterior(prior, reference),
            0.05,
            0.025,
        )
        common = {"analysis": "rates", "endpoint": "mortality", "label": "Mortality"}
        common |= {"prior": name, "prior_spec": str(prior), "paper_p": 1.0}
        rows += summary_rows(rates_summary_exact(effects), method="exact", converged=True, **common)
    analysis = _analysis()
    analysis.rates = FitResult(pd.DataFrame(rows, columns=TABLE_COLUMNS), _convergence([]))
    html = render_report(analysis, {}, 1.0)
    assert "Prior dependence, side by side" in html
    # finding 5: flat 0.858, Jeffreys 0.715, informative 0.625
    assert "P(RD &gt; 0) runs from 0.625 (informative) to 0.858 (vague)" in html
    assert "<td>0.715</td>" in html


def test_prior_table_lists_each_specification_with_its_endpoints():
    """A set with a prior per endpoint (informative morbidity vs mortality) gives one row per
    specification naming its endpoints; a specification used for every endpoint says "all"."""
    from bayes_netlm.reporting.report_tables import prior_table_rows

    rows = [
        ("rates", e, label, prior, spec)
        for e, label, informative in (
            ("major_morbidity", "Major morbidity", "beta:8.6,34.4"),
            ("mortality", "Mortality", "beta:1.6,78.4"),
        )
        for prior, spec in (("vague", "beta:1,1"), ("informative", informative))
    ]
    table = pd.DataFrame(rows, columns=["analysis", "endpoint", "label", "prior", "prior_spec"])
    cells = [cells for _, cells in prior_table_rows(table)]
    assert cells == [
        ["vague", "rates", "<code>beta:1,1</code>", "all"],
        ["informative", "rates", "<code>beta:8.6,34.4</code>", "Major morbidity"],
        ["informative", "rates", "<code>beta:1.6,78.4</code>", "Mortality"],
    ]


def test_tipping_and_power_scaling_tables_say_what_each_row_rests_on():
    from bayes_netlm.reporting.report_sections import sensitivity_section

    common = {"label": "OS", "conclusion": "P(HR < 1) > 0.5", "probability_reference": 0.52}
    common |= {"family": "skeptical", "level": 0.5, "method": "PSIS", "probability_tipping": 0.5}
    tipping = pd.DataFrame(
        [
            {**common, "tipping_sd": 0.4, "settled": True, "reading": "settled"},
            # within Monte Carlo error of the level: its tipping SD and check were shown anyway
            {**common, "tipping_sd": 0.3, "settled": False, "reading": "not settled"},
        ]
    )
    psense = pd.DataFrame(
        [
            {"fit": f, "analysis": a, "variable": "log_hr", "prior_cjs": 0.01}
            | {"likelihood_cjs": 0.2, "diagnosis": "✓", "reading": "r", "data": d}
            for f, a, d in (
                ("os|vague", "summary_hr", "published"),
                ("os|vague", "weibull", "synthetic"),
            )
        ]
    )
    html = sensitivity_section(pd.DataFrame({"x": [1]}), tipping, psense, "vague")
    assert html.count("0.500 (level 0.5; PSIS)") == 1  # the settled row only
    assert html.count("0.400") == 1 and "0.300" not in html
    assert html.count("(SYNTHETIC cohort)") == 1 and "weibull (SYNTHETIC cohort)" in html
