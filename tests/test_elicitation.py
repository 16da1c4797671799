import math
import sys

import pytest
from scipy import optimize, stats

from bayes_netlm.errors import InputError
from bayes_netlm.priors import BetaPrior, NormalPrior, parse_prior
from bayes_netlm.sensitivity.elicitation import (
    Elicited,
    elicit_hazard_ratio,
    elicit_odds_ratio,
    elicit_rate,
    parse_statement,
)


def closed_form(lower: float, upper: float, mass: float) -> tuple[float, float]:
    z = stats.norm.ppf((1 + mass) / 2)
    return (math.log(lower) + math.log(upper)) / 2, (math.log(upper) - math.log(lower)) / (2 * z)


@pytest.mark.parametrize(
    ("lower", "upper", "mass"),
    [(0.5, 2.0, 0.95), (0.3, 1.1, 0.8), (0.2, 0.9, 0.5), (1.5, 4.0, 0.99)],
)
def test_hazard_ratio_matches_closed_form(lower: float, upper: float, mass: float) -> None:
    elicited = elicit_hazard_ratio(lower, upper, mass)
    prior = elicited.prior
    assert isinstance(prior, NormalPrior)
    assert prior.scale == "log_hr"
    mean, sd = closed_form(lower, upper, mass)
    assert prior.mean == pytest.approx(mean, abs=1e-3)
    assert prior.sd == pytest.approx(sd, abs=1e-3)
    held = stats.norm.cdf(math.log(upper), prior.mean, prior.sd) - stats.norm.cdf(
        math.log(lower), prior.mean, prior.sd
    )
    assert held == pytest.approx(mass, abs=1e-6)


def test_hazard_ratio_texts() -> None:
    elicited = elicit_hazard_ratio(0.5, 2)
    assert isinstance(elicited, Elicited)
    assert elicited.statement == "95 % sure the HR lies between 0.5 and 2"
    assert elicited.description == (
        "Normal(mean 0.000, sd 0.354) on log HR: median HR 1.00, 95 % interval 0.50-2.00, "
        "P(HR < 1) = 0.50"
    )
    # log 2 / 1.95996 = 0.353653
    assert elicited.as_string == "normal:0,0.3537"
    parsed = parse_prior(elicited.as_string, "log_hr", "test")
    assert isinstance(parsed, NormalPrior)
    assert parsed.mean == pytest.approx(elicited.prior.mean, abs=1e-4)
    assert parsed.sd == pytest.approx(elicited.prior.sd, rel=1e-3)


def test_asymmetric_hazard_ratio_description() -> None:
    elicited = elicit_hazard_ratio(0.3, 1.1, 0.8)
    assert "median HR 0.57" in elicited.description
    assert "80 % interval 0.30-1.10" in elicited.description
    assert "P(HR < 1) = 0.86" in elicited.description
    assert elicited.statement == "80 % sure the HR lies between 0.3 and 1.1"


def test_odds_ratio_is_on_log_or_and_parses_as_logor() -> None:
    elicited = elicit_odds_ratio(0.5, 2, 0.9)
    prior = elicited.prior
    assert isinstance(prior, NormalPrior)
    assert prior.scale == "log_or"
    mean, sd = closed_form(0.5, 2, 0.9)
    assert prior.mean == pytest.approx(mean, abs=1e-3)
    assert prior.sd == pytest.approx(sd, abs=1e-3)
    assert elicited.as_string.startswith("logor:")
    assert "on log OR" in elicited.description
    assert elicited.statement == "90 % sure the OR lies between 0.5 and 2"
    parsed = parse_prior(elicited.as_string, "rates", "test")
    assert isinstance(parsed, NormalPrior)
    assert parsed.scale == "log_or"
    assert parsed.sd == pytest.approx(prior.sd, rel=1e-3)


def beta_entropy(a: float, b: float) -> float:
    return float(stats.beta.entropy(a, b))


def beta_with_mass(mean: float, lower: float, upper: float, mass: float) -> tuple[float, float]:
    """The Beta with this mean and the interval mass (the mass rises with the concentration)."""

    def gap(k: float) -> float:
        a, b = mean * k, (1 - mean) * k
        return float(stats.beta.cdf(upper, a, b) - stats.beta.cdf(lower, a, b)) - mass

    k = float(optimize.brentq(gap, 2.0, 1e4, xtol=1e-12))
    return mean * k, (1 - mean) * k


@pytest.mark.parametrize(("lower", "upper", "mass"), [(0.10, 0.35, 0.95), (0.05, 0.4, 0.9)])
def test_rate_beta_holds_the_mass_with_maximal_entropy(
    lower: float, upper: float, mass: float
) -> None:
    elicited = elicit_rate(lower, upper, mass)
    prior = elicited.prior
    assert isinstance(prior, BetaPrior)
    held = stats.beta.cdf(upper, prior.a, prior.b) - stats.beta.cdf(lower, prior.a, prior.b)
    assert held == pytest.approx(mass, abs=1e-3)
    best = beta_entropy(prior.a, prior.b)
    for factor in (0.95, 1.05):
        # two perturbed Betas (mean shifted by 5 % either way) with the same interval mass
        a, b = beta_with_mass(prior.a / (prior.a + prior.b) * factor, lower, upper, mass)
        other = stats.beta.cdf(upper, a, b) - stats.beta.cdf(lower, a, b)
        assert other == pytest.approx(mass, abs=1e-9)
        assert beta_entropy(a, b) < best


def test_rate_texts_and_round_trip() -> None:
    elicited = elicit_rate(0.10, 0.35)
    assert elicited.statement == "95 % sure the rate lies between 0.1 and 0.35"
    assert elicited.description.startswith("Beta(a 8.760, b 30.874) on the rate: median 0.216")
    assert "P(0.1 < rate < 0.35) = 0.950" in elicited.description
    assert elicited.as_string == "beta:8.76,30.87"
    parsed = parse_prior(elicited.as_string, "rates", "test")
    assert isinstance(parsed, BetaPrior)
    assert isinstance(elicited.prior, BetaPrior)
    assert parsed.a == pytest.approx(elicited.prior.a, rel=1e-3)
    assert parsed.b == pytest.approx(elicited.prior.b, rel=1e-3)


def test_rate_with_mode() -> None:
    elicited = elicit_rate(0.10, 0.35, 0.95, mode=0.2)
    prior = elicited.prior
    assert isinstance(prior, BetaPrior)
    assert (prior.a - 1) / (prior.a + prior.b - 2) == pytest.approx(0.2, abs=1e-6)
    held = stats.beta.cdf(0.35, prior.a, prior.b) - stats.beta.cdf(0.10, prior.a, prior.b)
    assert held == pytest.approx(0.95, abs=1e-6)
    assert elicited.statement.endswith(", most likely 0.2")
    assert "mode 0.200" in elicited.description
    # the unconstrained maxent Beta has at least as much entropy
    free = elicit_rate(0.10, 0.35, 0.95).prior
    assert isinstance(free, BetaPrior)
    assert beta_entropy(free.a, free.b) >= beta_entropy(prior.a, prior.b)


def test_rate_with_unreachable_mode_is_an_input_error() -> None:
    # a flat Beta already puts 25 % in [0.1, 0.35]; a unimodal one with its mode inside puts more
    with pytest.raises(InputError, match="no Beta distribution"):
        elicit_rate(0.10, 0.35, 0.2, mode=0.2, where="--prior-statement")


@pytest.mark.parametrize(
    ("text", "kind", "check"),
    [
        ("hr:0.5-2@95%", "log_hr", closed_form(0.5, 2, 0.95)),
        ("hr:0.5-2", "log_hr", closed_form(0.5, 2, 0.95)),
        ("HR: 0.5 - 2 @ 0.95", "log_hr", closed_form(0.5, 2, 0.95)),
        ("hr:0.5 to 2@90%", "log_hr", closed_form(0.5, 2, 0.90)),
        ("or:0.5-2@90%", "log_or", closed_form(0.5, 2, 0.90)),
    ],
)
def test_parse_ratio_statements(text: str, kind: str, check: tuple[float, float]) -> None:
    prior = parse_statement(text, "--prior").prior
    assert isinstance(prior, NormalPrior)
    assert prior.scale == kind
    assert prior.mean == pytest.approx(check[0], abs=1e-3)
    assert prior.sd == pytest.approx(check[1], abs=1e-3)


def test_parse_rate_statements() -> None:
    plain = parse_statement("rate:0.10-0.35@95%", "--prior")
    assert plain == elicit_rate(0.10, 0.35, 0.95, where="--prior")
    assert parse_statement("rate:10%-35%", "--prior").prior == pytest.approx(plain.prior)
    with_mode = parse_statement("rate:0.10-0.35@95%,mode=0.2", "--prior")
    assert with_mode.prior == elicit_rate(0.10, 0.35, 0.95, mode=0.2).prior
    assert parse_statement("rate:0.10-0.35@95%, mode=20%", "--prior").prior == with_mode.prior


@pytest.mark.parametrize(
    ("text", "what", "fix"),
    [
        ("hr:2-0.5@95%", "is not below the upper bound", "smaller value first"),
        ("hr:1-1", "is not below the upper bound", "smaller value first"),
        ("hr:0.5-2@0%", "mass must be strictly between 0 and 100 %, got 0 %", "@95%"),
        ("hr:0.5-2@100%", "got 100 %", "@95%"),
        ("or:0.5-2@120%", "got 120 %", "@95%"),
        ("hr:0.5-2@95", "the mass 95 in 'hr:0.5-2@95' has no % sign", "(95%) or a fraction (0.95)"),
        ("hr:0-2", "lower HR bound must be positive, got 0", "above 0"),
        ("hr:-0.5-2", "lower HR bound must be positive, got -0.5", "above 0"),
        ("or:0.5--2", "upper OR bound must be positive", "above 0"),
        ("rate:0-0.35", "lower rate bound must be strictly between 0 and 1", "fractions"),
        ("rate:0.1-1.5", "upper rate bound must be strictly between 0 and 1", "fractions"),
        ("rate:10-35", "lower rate bound must be strictly between 0 and 1", "percentages"),
        ("rate:0.1-0.35,mode=0.5", "not inside the interval", "mode between the two bounds"),
        ("hr:0.5-2,mode=1", "mode= is only for rates", "leave it out"),
        ("hr:50%-200%", "cannot be a percentage", "the ratio itself"),
        ("rr:0.5-2@95%", "unknown kind 'rr'", "hr:, or:, rate:"),
        ("hr 0.5-2", "cannot read the prior statement", "hr:LOWER-UPPER@MASS%"),
        ("hr:0.5", "cannot read the prior statement", "rate:LOWER-UPPER@MASS%"),
        ("hr:a-b", "cannot read", "hr:LOWER-UPPER"),
        ("hr:0.5-2@95%%", "cannot read", "hr:LOWER-UPPER"),
        ("", "cannot read", "hr:LOWER-UPPER"),
    ],
)
def test_bad_statements_are_input_errors(text: str, what: str, fix: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_statement(text, "--prior-statement")
    problems = caught.value.problems
    assert all(p.where == "--prior-statement" for p in problems)
    assert any(what in p.what for p in problems), problems
    assert any(fix in p.fix for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        parse_statement("hr:2--1@150%", "--prior")
    whats = " / ".join(p.what for p in caught.value.problems)
    assert len(caught.value.problems) == 3
    assert "upper HR bound" in whats
    assert "not below" in whats
    assert "mass" in whats


@pytest.mark.parametrize(
    "call",
    [
        lambda: elicit_hazard_ratio(2, 0.5),
        lambda: elicit_hazard_ratio(0.5, 2, 1.0),
        lambda: elicit_odds_ratio(0, 2),
        lambda: elicit_odds_ratio(0.5, math.inf),
        lambda: elicit_rate(0.1, 0.35, float("nan")),
        lambda: elicit_rate(-0.1, 0.35),
        lambda: elicit_rate(0.1, 0.35, mode=0.05),
    ],
)
def test_direct_calls_validate_too(call: object) -> None:
    assert callable(call)
    with pytest.raises(InputError, match="prior statement"):
        call()


def test_no_figures_are_opened() -> None:
    # figures other tests left open are not this one's business: only new ones count
    pyplot = sys.modules.get("matplotlib.pyplot")
    before = set(pyplot.get_fignums()) if pyplot else set()
    elicit_hazard_ratio(0.5, 2)
    elicit_rate(0.1, 0.35, mode=0.2)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        assert set(pyplot.get_fignums()) <= before


def test_preliz_import_leaves_saved_figures_uncropped() -> None:
    """PreliZ sets savefig.bbox = "tight" on import; elicitation puts it back (fresh process)."""
    import subprocess

    code = (
        "import sys, matplotlib as mpl\n"
        "from bayes_netlm.sensitivity.maxent import fit_log_normal\n"
        "fit_log_normal(0.5, 2.0, 0.95)\n"
        "assert 'preliz' in sys.modules\n"
        "print(mpl.rcParams['savefig.bbox'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "None"


def test_a_prior_centred_on_no_effect_reads_0_not_a_rounding_residue():
    """The maxent fit leaves the mean of hr:0.5-2 at about -4e-09, shown as normal:-4.075e-09."""
    elicited = elicit_hazard_ratio(0.5, 2)
    assert abs(elicited.prior.mean) < 1e-6
    assert str(elicited.prior) == elicited.as_string == "normal:0,0.3537"
