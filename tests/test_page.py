"""The interactive page in a real headless Chromium: same numbers as Python, offline, no errors."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from page_browser import fill, open_page, shown, shown_text

from bayes_netlm.cli import main
from bayes_netlm.evidence.published import load_published
from bayes_netlm.modeling.rates import deterministic_effects
from bayes_netlm.priors import BetaPrior, NormalPrior, load_prior_catalog
from bayes_netlm.reporting import page_cases
from bayes_netlm.reporting.page import (
    calculator_html,
    interactive_section,
    rate_entry,
    weibull_entry,
)
from bayes_netlm.sensitivity.grid import reweight

CASES = json.loads((Path(__file__).parent / "page_cases.json").read_text())
EFFECT_DECIMALS = {"rd": 3, "rr": 2, "or": 2}


def test_cases_file_is_what_python_computes_now():
    fresh = json.loads(
        json.dumps(
            {
                "hr": page_cases.hr_cases(),
                "rates": page_cases.rate_cases(),
                "logor": page_cases.logor_cases(),
            }
        )
    )
    # to 1e-12, not bit for bit: the root searches' last bit differs between CPUs (one OR of
    # the rate cases by 1.5e-16 on an AVX-512 machine); a changed computation moves far more
    for kind in ("hr", "rates", "logor"):
        assert _same(fresh[kind], CASES[kind]), kind


def _same(a, b):
    """Equal structures: numbers to 1e-12 relative (1e-15 absolute), everything else exactly."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


def _as_displayed(expected):
    """Python's values as the page prints them: probabilities to 3 decimals, effects with CrI."""
    text = {q: f"{v:.3f}" for q, v in expected.items() if q.startswith("p_")}
    for effect, d in EFFECT_DECIMALS.items():
        lo, hi = expected[f"{effect}_lower"], expected[f"{effect}_upper"]
        text[effect] = f"{expected[effect]:.{d}f} ({lo:.{d}f} to {hi:.{d}f})"
    return text


def _assert_card_shows(page, card, expected, tolerance=1e-9):
    """Every displayed number equals Python's to the shown decimals; the values behind agree.

    ``tolerance`` (relative, absolute below 1): the log-OR quadrature is Python's rule, so only
    rounding separates them; the Beta mixture's page quadrature has 256 nodes to Python's 2000
    (within 1e-5).
    """
    for quantity, text in _as_displayed(expected).items():
        assert shown_text(page, card, quantity) == text, (card, quantity)
        assert shown(page, card, quantity) == pytest.approx(
            expected[quantity], rel=tolerance, abs=tolerance
        ), (card, quantity)


@pytest.fixture(scope="module")
def calculator(tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "calculator.html"
    assert main(["page", "--out", str(path)]) == 0
    return path


def _set_globals(page, x, rope):
    fill(page, "#threshold", x)
    fill(page, "#rope-lo", rope[0])
    fill(page, "#rope-hi", rope[1])


def test_calculator_hr_cases_match_python(calculator, tmp_path):
    with open_page(calculator) as (page, errors, blocked):
        for case in CASES["hr"]:
            page.select_option("#study-input .kind", case["kind"])
            numbers = case["numbers"]
            fields = {
                "ci": ("hr", "ci-lo", "ci-hi"),
                "p": ("hr", "p"),
                "medians": ("m-index", "m-ref", "p"),
            }
            for field, value in zip(fields[case["kind"]], numbers, strict=True):
                fill(page, f"#study-input .{field}", value)
            fill(page, "#card-study-hr .prior-mean", case["prior"][0])
            fill(page, "#card-study-hr .prior-sd", case["prior"][1])
            _set_globals(page, case["x"], case["rope"])
            for quantity, expected in case["expected"].items():
                if quantity.startswith("p_"):
                    assert shown(page, "card-study-hr", quantity) == pytest.approx(
                        expected, abs=5e-4
                    ), (case, quantity)
            assert shown(page, "card-study-hr", "hr") == pytest.approx(
                case["expected"]["hr"], rel=1e-6
            )
        page.screenshot(path=str(tmp_path / "calculator_hr.png"), full_page=True)
        assert not errors and not blocked
    assert (tmp_path / "calculator_hr.png").stat().st_size > 10_000


def test_calculator_rate_cases_match_python(calculator, tmp_path):
    with open_page(calculator) as (page, errors, blocked):
        for case in CASES["rates"]:
            k1, n1, low1, high1 = case["index"]
            k0, n0, low0, high0 = case["reference"]
            for field, value in (("k1", k1), ("n1", n1), ("k0", k0), ("n0", n0)):
                fill(page, f"#study-input .{field}", value)
            # the page finds the same count intervals as evidence/counts.py
            line = page.locator("#card-study-rates .data-line").text_content()
            counts = lambda lo, hi: str(lo) if lo == hi else f"{lo}–{hi}"  # noqa: E731
            assert line == f"counts {counts(low1, high1)} of {n1} vs {counts(low0, high0)} of {n0}"
            fill(page, "#card-study-rates .beta-a", case["prior"][0])
            fill(page, "#card-study-rates .beta-b", case["prior"][1])
            for quantity, expected in case["expected"].items():
                if quantity.startswith("p_"):
                    assert shown(page, "card-study-rates", quantity) == pytest.approx(
                        expected, abs=5e-4
                    )
                elif quantity in ("rd", "rr", "or"):
                    assert shown(page, "card-study-rates", quantity) == pytest.approx(
                        expected, rel=2e-3, abs=5e-4
                    )
        page.screenshot(path=str(tmp_path / "calculator_rates.png"), full_page=True)
        assert not errors and not blocked


def test_every_case_through_the_page_functions(calculator):
    """All cases with tight tolerances: the quadrature's accuracy (256 Gauss-Legendre nodes)."""
    with open_page(calculator) as (page, errors, _):
        worst = page.evaluate(
            """cases => {
              let worst = 0;
              for (const c of cases.rates) {
                const [a, b] = c.prior;
                const [, n1, l1, h1] = c.index, [, n0, l0, h0] = c.reference;
                const s = BNL.rateSummary(BNL.betaMixture(a, b, l1, h1, n1),
                  BNL.betaMixture(a, b, l0, h0, n0), cases.clinical);
                for (const [k, v] of Object.entries(c.expected)) {
                  worst = Math.max(worst, Math.abs(s[k] - v) / Math.max(1, Math.abs(v)));
                }
              }
              return worst;
            }""",
            CASES,
        )
        assert worst < 1e-5  # measured: 4.7e-6 at most (256 nodes vs Python's 2000)
        assert not errors


def test_calculator_logor_cases_match_python(calculator, tmp_path):
    with open_page(calculator) as (page, errors, blocked):
        page_baseline = page.evaluate(
            "JSON.parse(document.getElementById('page-data').textContent).baseline"
        )
        for case in CASES["logor"]:
            assert page_baseline == case["baseline"]  # the prior of logit p_reference
            k1, n1, low1, high1 = case["index"]
            k0, n0, low0, high0 = case["reference"]
            for field, value in (("k1", k1), ("n1", n1), ("k0", k0), ("n0", n0)):
                fill(page, f"#study-input .{field}", value)
            page.select_option("#card-study-rates .prior-set", "custom-logor")
            if "or_range" in case:  # "95 % sure the OR is between 0.5 and 2"
                fill(page, "#card-study-rates .or-lo", case["or_range"][0])
                fill(page, "#card-study-rates .or-hi", case["or_range"][1])
                mean = float(page.input_value("#card-study-rates .logor-mean"))
                sd = float(page.input_value("#card-study-rates .logor-sd"))
                assert [mean, sd] == case["prior"]
            else:
                fill(page, "#card-study-rates .logor-mean", case["prior"][0])
                fill(page, "#card-study-rates .logor-sd", case["prior"][1])
            assert page.input_value("#card-study-rates .prior-set") == "custom-logor"
            assert page.get_attribute("#card-study-rates", "data-kind") == "logor"
            _assert_card_shows(page, "card-study-rates", case["expected"])
        page.screenshot(path=str(tmp_path / "calculator_logor.png"), full_page=True)
        assert not errors and not blocked
    assert (tmp_path / "calculator_logor.png").stat().st_size > 10_000


def test_every_logor_case_through_the_page_functions(calculator):
    """The page's quadrature is Python's rule: the same nodes give the same numbers."""
    with open_page(calculator) as (page, errors, _):
        worst = page.evaluate(
            """cases => {
              let worst = 0;
              for (const c of cases.logor) {
                const [, n1, l1, h1] = c.index, [, n0, l0, h0] = c.reference;
                const s = BNL.logorSummary(c.prior, c.baseline, [l1, h1, n1], [l0, h0, n0],
                  cases.clinical);
                for (const [k, v] of Object.entries(c.expected)) {
                  worst = Math.max(worst, Math.abs(s[k] - v) / Math.max(1, Math.abs(v)));
                }
              }
              return worst;
            }""",
            CASES,
        )
        assert worst < 1e-9  # measured: 2.4e-11 (rounding only)
        assert not errors


@pytest.fixture(scope="module")
def study_page(tmp_path_factory):
    """The report's rate cards: the study's counts, every prior the run fits them under."""
    catalog = load_prior_catalog()
    names = [*catalog.sets, *catalog.rate_priors]
    data = json.loads(calculator_html(catalog).split('id="page-data">')[1].split("</script>")[0])
    study = load_published("data/ammann2025.toml")
    data["mode"] = "report"
    data["rates"] = [
        rate_entry(
            rate,
            {n: p for n in names if (p := catalog.rate_prior(n, rate.name, "test")) is not None},
            "vague",
        )
        for rate in study.rates
    ]
    path = tmp_path_factory.mktemp("study") / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
        f"<body>{interactive_section(data)}</body></html>"
    )
    return path, study, catalog


def test_report_rate_cards_show_the_runs_headline_for_every_log_or_prior(study_page, tmp_path):
    path, study, catalog = study_page
    clinical = catalog.clinical
    with open_page(path) as (page, errors, blocked):
        for rate in study.rates:
            card = f"card-rates-{rate.name}"
            # computed in idle time after load: the vague Beta prior, the run's exact row
            assert page.get_attribute(f"#{card}", "data-computed") == "1"
            vague = deterministic_effects(
                BetaPrior(1.0, 1.0), rate, clinical, catalog.logit_reference
            )
            _assert_card_shows(page, card, page_cases._page_keys(vague), tolerance=1e-5)
            for name, prior_set in catalog.sets.items():
                if not isinstance(prior_set.rates, NormalPrior):
                    continue
                page.select_option(f"#{card} .prior-set", name)
                assert page.get_attribute(f"#{card}", "data-kind") == "logor"
                expected = deterministic_effects(
                    prior_set.rates, rate, clinical, catalog.logit_reference
                )
                _assert_card_shows(page, card, page_cases._page_keys(expected))
        page.screenshot(path=str(tmp_path / "report_rates.png"), full_page=True)
        assert not errors and not blocked


def test_only_the_first_numbers_are_computed_before_the_page_is_interactive(study_page):
    path, study, _ = study_page
    with open_page(path) as (page, errors, _):
        interactive, complete = (
            float(page.evaluate(f"document.body.dataset.{key}"))
            for key in ("interactiveMs", "completeMs")
        )
        assert 0 < interactive <= complete
        computed = page.evaluate(
            "Array.from(document.querySelectorAll('#app .card[data-computed]')).length"
        )
        assert computed == len(study.rates) + 2  # every rate card and the study's two cards
        assert not errors


def _draws(seed=3, n=4000):
    """Skewed log-HR draws (a Normal mixture), like a small group's posterior."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.8, rng.normal(-0.2, 0.3, n), rng.normal(0.4, 0.5, n))


@pytest.fixture(scope="module")
def weibull_page(tmp_path_factory):
    catalog = load_prior_catalog()
    data = json.loads(calculator_html(catalog).split('id="page-data">')[1].split("</script>")[0])
    data["weibull"] = [
        weibull_entry("os_full", "Overall survival", "HR", "vague", (0.0, 5.0), _draws())
    ]
    path = tmp_path_factory.mktemp("weibull") / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head>"
        f"<body>{interactive_section(data)}</body></html>"
    )
    return path


@pytest.mark.parametrize(
    ("mean", "sd", "x"),
    [
        (0.0, 5.0, 1.0),
        (0.0, 0.5, 1.0),
        (-0.357, 0.217, 0.7),
        (0.357, 0.217, 1.2),
        (0.0, 0.2, 0.8),
        (1.5, 0.05, 1.0),
    ],
)
def test_weibull_reweighting_is_the_runs_psis(weibull_page, tmp_path, mean, sd, x):
    # the page embeds draws to 7 decimals; the same draws here test the port itself
    expected = reweight(np.round(_draws(), 7), NormalPrior(0.0, 5.0), NormalPrior(mean, sd), x)
    with open_page(weibull_page) as (page, errors, blocked):
        fill(page, "#card-weibull-os_full .prior-mean", mean)
        fill(page, "#card-weibull-os_full .prior-sd", sd)
        fill(page, "#threshold", x)
        card = page.locator("#card-weibull-os_full")
        khat = shown(page, "card-weibull-os_full", "khat")
        if math.isfinite(expected.khat):
            assert khat == pytest.approx(expected.khat, abs=1e-6)
        if expected.reliable:
            assert shown(page, "card-weibull-os_full", "p_below_x") == pytest.approx(
                expected.probability, abs=5e-4
            )
            assert card.get_attribute("data-reliable") == "true"
        else:
            assert card.get_attribute("data-reliable") == "false"
            assert "REFIT NEEDED" in card.locator(".psis-status").text_content()
        page.screenshot(path=str(tmp_path / "weibull.png"), full_page=True)
        assert not errors and not blocked


def test_elicited_range_sets_the_normal_prior(calculator):
    with open_page(calculator) as (page, errors, _):
        fill(page, "#card-study-hr .range-lo", 0.5)
        fill(page, "#card-study-hr .range-hi", 2)
        mean = float(page.input_value("#card-study-hr .prior-mean"))
        sd = float(page.input_value("#card-study-hr .prior-sd"))
        assert mean == pytest.approx(0.0, abs=1e-6)
        assert sd == pytest.approx(math.log(2) / 1.959964, rel=1e-5)
        assert page.input_value("#card-study-hr .prior-set") == "custom"
        assert not errors


def test_page_is_offline_and_small(calculator):
    html = calculator.read_text()
    assert "http://" not in html and "https://" not in html and "<script src" not in html
    assert len(html.encode()) < 3_000_000
