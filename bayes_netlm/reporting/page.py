r"""The interactive part of the report, and the standalone calculator page.

The page carries its data as JSON (published log HRs and SEs, count intervals, prior sets,
clinical thresholds, the prior grid, posterior draws of log HR of the Weibull fits) and the
script of ``page_assets/*.js``, read here and inlined, so the HTML works from disk with no
network. The script recomputes in the page, as a control moves:

- summary-level HRs: the Normal-Normal conjugate posterior (as
  :func:`bayes_netlm.modeling.hazard_ratio.conjugate_posterior`);
- rates with Beta priors: the exact Beta-mixture posterior over the counts a rounded figure
  allows, mixture weights the Beta-binomial marginal likelihoods
  :math:`\binom{n}{k} B(a + k, b + n - k)`, and RD/RR/OR probabilities by Gauss-Legendre
  quadrature over the reference rate's quantiles (256 nodes; :func:`~bayes_netlm.modeling.rates.
  exact_effects` uses 2000);
- rates with a Normal prior on log OR: the 2-D quadrature of
  :mod:`bayes_netlm.modeling.rates_logor`, the same nodes and rule (the run's headline);
  agreement with Python is pinned by ``tests/page_cases.json`` for both rate priors;
- Weibull fits: the reference prior's posterior draws of log HR(t_ref) reweighted to the chosen
  prior with Pareto-smoothed importance sampling, a line-by-line port of ArviZ's ``psislw``
  (``r_eff = 1``, as :func:`bayes_netlm.sensitivity.grid.reweight`), with k-hat and the weights'
  ESS shown and "refit needed" past k-hat 0.7 or below 400 effective draws.

Only the numbers a reader meets first are computed before the page is interactive (the closed-form
hazard ratios); the rest follow in idle time, a card first when it scrolls into view.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bayes_netlm.analyses.published import PublishedAnalysis
from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.priors import (
    DEFAULT_PRIOR_FILE,
    BetaPrior,
    ClinicalThresholds,
    PriorCatalog,
    RatePrior,
    load_prior_catalog,
)
from bayes_netlm.spec import SensitivitySpec

if TYPE_CHECKING:  # the page is built in a process that never loads the patient-level modules
    from bayes_netlm.analyses.patients import SurvivalAnalysis

__all__ = [
    "MAX_DRAWS",
    "calculator_html",
    "interactive_section",
    "page_data",
    "rate_entry",
    "weibull_entry",
    "write_calculator",
]

ASSETS = Path(__file__).resolve().parent / "page_assets"
SCRIPTS = ("stats.js", "heatmap.js", "app.js")
#: posterior draws of log HR embedded per Weibull fit (the default run's 4 x 1000 all fit, so
#: the page's PSIS sees the same draws as the run's grid)
MAX_DRAWS = 4000
DEFAULT_GRID = (
    tuple(math.log(hr) for hr in (0.5, 0.7, 1.0, 1.43, 2.0)),
    (0.2, 0.5, 1.0, 2.0),
)

PAGE_STYLE = """
#app .card { border: 1px solid #ccc; border-radius: 4px; padding: .5rem 1rem; margin: 1rem 0; }
#app label { margin-right: .8rem; white-space: nowrap; }
#app input { font: inherit; } #app canvas { border: 1px solid #ddd; max-width: 100%; }
#app .readout { font-size: .85rem; color: #333; min-height: 1.2rem; }
#app h4 { margin: .3rem 0; } #app .data-line { font-size: .85rem; color: #444; }
"""


def _clinical(clinical: ClinicalThresholds) -> dict[str, Any]:
    return {
        "hr_important": clinical.hr_important,
        "hr_equivalence": list(clinical.hr_equivalence),
        "rd_important": clinical.rd_important,
        "rd_equivalence": clinical.rd_equivalence,
    }


def _rate_prior(prior: RatePrior) -> dict[str, Any]:
    if isinstance(prior, BetaPrior):
        return {"kind": "beta", "a": prior.a, "b": prior.b, "text": str(prior)}
    return {"kind": "logor", "mean": prior.mean, "sd": prior.sd, "text": str(prior)}


def _catalog_data(catalog: PriorCatalog) -> dict[str, Any]:
    """Prior sets (log HR part), rate priors and the baseline that goes with a log-OR prior.

    Rate priors: every set's, and every rates-only set's prior for all outcomes; the baseline is
    the prior of the reference group's log odds.
    """
    sets = [{"name": n, "log_hr": [s.log_hr.mean, s.log_hr.sd]} for n, s in catalog.sets.items()]
    rate_priors = {n: _rate_prior(s.rates) for n, s in catalog.sets.items()}
    for name, rate_set in catalog.rate_priors.items():
        if rate_set.default is not None:
            rate_priors[name] = _rate_prior(rate_set.default)
    baseline = catalog.logit_reference
    return {
        "prior_sets": sets,
        "rate_priors": rate_priors,
        "baseline": [baseline.mean, baseline.sd],
        "clinical": _clinical(catalog.clinical),
    }


def weibull_entry(
    name: str, label: str, hr_name: str, prior_name: str, prior: tuple[float, float], draws: Any
) -> dict[str, Any]:
    """One Weibull fit for the page: reference-prior draws of log HR, thinned to MAX_DRAWS."""
    flat = np.ravel(np.asarray(draws, dtype=float))
    if flat.size > MAX_DRAWS:
        flat = flat[np.linspace(0, flat.size - 1, MAX_DRAWS).round().astype(int)]
    return {
        "name": name,
        "label": label,
        "hr_name": hr_name,
        "prior_name": prior_name,
        "prior": list(prior),
        "draws": [round(float(d), 7) for d in flat],
    }


def rate_entry(
    evidence: RateEvidence, priors: Mapping[str, RatePrior], prior_name: str
) -> dict[str, Any]:
    """One rate comparison for the page: count intervals, its priors, the one shown first."""
    return {
        "name": evidence.name,
        "label": evidence.label,
        "index": [evidence.index.low, evidence.index.high, evidence.index.n],
        "reference": [evidence.reference.low, evidence.reference.high, evidence.reference.n],
        "priors": {n: _rate_prior(p) for n, p in priors.items()},
        "prior": prior_name,
    }


def _weibull_data(survival: SurvivalAnalysis, catalog: PriorCatalog, reference: str) -> list:
    posterior = survival.result.posteriors["weibull"].posterior
    prior = catalog.get(reference, "page").log_hr
    return [
        weibull_entry(
            fit.name,
            fit.label,
            fit.hr_name,
            reference,
            (prior.mean, prior.sd),
            posterior["log_hr"].sel(fit=f"{fit.name}|{reference}").values,
        )
        for fit in survival.fits
    ]


def page_data(
    analysis: PublishedAnalysis,
    survival: SurvivalAnalysis | None = None,
    sensitivity: SensitivitySpec | None = None,
) -> dict[str, Any]:
    """Everything the page's script needs, from the run's results objects (JSON-ready)."""
    catalog = analysis.catalog
    reference = sensitivity.reference_prior if sensitivity else next(iter(catalog.sets))
    hr = [
        {
            "name": e.name,
            "label": e.label,
            "estimate": e.data.estimate,
            "se": e.data.se if math.isfinite(e.data.se) else None,
            "derivation": e.data.derivation,
            "prior": reference,
        }
        for e in analysis.hr_evidence
    ]
    rates = [
        rate_entry(r, analysis.rate_priors.get(r.name, {}), reference) for r in analysis.study.rates
    ]
    grid = (sensitivity.prior_means, sensitivity.prior_sds) if sensitivity else DEFAULT_GRID
    weibull = _weibull_data(survival, catalog, reference) if survival is not None else []
    return {
        "mode": "report",
        **_catalog_data(catalog),
        "reference_prior": reference,
        "grid": {"means": list(grid[0]), "sds": list(grid[1])},
        "hr": hr,
        "rates": rates,
        "weibull": weibull,
    }


def _script(data: dict[str, Any]) -> str:
    payload = json.dumps(data, allow_nan=False).replace("</", "<\\/")
    code = "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in SCRIPTS)
    return (
        f'<script type="application/json" id="page-data">{payload}</script>\n'
        f"<script>\n{code}\n</script>"
    )


def interactive_section(data: dict[str, Any]) -> str:
    """The "Move the prior" section: controls, recomputed numbers and heat maps (inline script)."""
    return (
        f"<style>{PAGE_STYLE}</style>\n"
        '<h2 id="interactive">Move the prior: every number recomputed in this page</h2>\n'
        "<p>Choose a prior set, type a Normal prior on log HR, or say where you are 95 % sure the "
        "HR lies; the numbers and heat maps follow. Summary-level HRs and rates are computed "
        "without sampling: Normal-Normal; for rates a Beta prior on each rate (a Beta mixture over "
        "the counts the rounding allows) or a Normal prior on log OR (the posterior by 2-D "
        "quadrature, as the run's tables). Weibull fits are "
        "reweighted from their posterior draws by Pareto-smoothed importance sampling, with "
        "k-hat shown; past 0.7 the page says a refit is needed. The heat maps show "
        "P(HR &lt; x) over prior median and SD, the current prior circled and the tipping "
        "line (P = level) dashed.</p>\n"
        '<div id="app"></div>\n' + _script(data)
    )


def calculator_html(catalog: PriorCatalog | None = None) -> str:
    """The standalone calculator: the same page with no analyses, only 'Your study' inputs."""
    catalog = catalog or load_prior_catalog(DEFAULT_PRIOR_FILE)
    data = {
        "mode": "calculator",
        **_catalog_data(catalog),
        "reference_prior": next(iter(catalog.sets)),
        "grid": {"means": list(DEFAULT_GRID[0]), "sds": list(DEFAULT_GRID[1])},
        "hr": [],
        "rates": [],
        "weibull": [],
    }
    from bayes_netlm.reporting.report_tables import STYLE

    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Bayesian re-analysis calculator</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>Bayesian re-analysis calculator</h1>\n"
        "<p>Enter a published hazard ratio (with its 95 % CI or p-value, or two medians and a "
        "p-value, exponential survival assumed) or two counts (a rounded percentage such as "
        "22% counts every value it allows), then move the prior. Works offline.</p>\n"
        + interactive_section(data)
        + "\n</body>\n</html>\n"
    )


def write_calculator(path: str | Path, catalog: PriorCatalog | None = None) -> Path:
    """Write the calculator page to ``path``; returns the path."""
    out = Path(path)
    out.write_text(calculator_html(catalog), encoding="utf-8")
    return out
