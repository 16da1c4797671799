import math

import numpy as np
import pytest
from canvas_checks import assert_laid_out

from bayes_netlm.errors import InputError
from bayes_netlm.simulation.assurance import (
    RULES,
    FutureStudy,
    assurance_normal,
    assurance_simulated,
    design_prior,
    weibull_mle,
)
from bayes_netlm.simulation.commands import assurance_tables
from bayes_netlm.simulation.design import STUDY, StudyDesign, event_probability, weibull_times
from bayes_netlm.simulation.figures import assurance_figure

BENEFIT, HARM, EQUIVALENCE = RULES


def test_event_probability_matches_simulation():
    rng = np.random.default_rng(1)
    scale = 10.6 / math.log(2)
    times = weibull_times(scale, 1.3, np.zeros(200_000), rng)
    observed = np.mean(times <= STUDY.censoring_times(times.size, rng))
    assert event_probability(STUDY, scale, 1.3) == pytest.approx(observed, abs=0.005)


@pytest.mark.parametrize("loss", [0.0, 0.02, 0.3])
@pytest.mark.parametrize("median", [0.5, 10.6, 200.0])
def test_event_probability_is_the_closed_form_for_exponential_survival(loss, median):
    """With k = 1 (hazard mu) and loss rate rho, nu = mu + rho, accrual A, follow-up F, H = A + F:
    P(T <= C) = (mu / nu) (1 - (exp(-nu F) - exp(-nu H)) / (nu A))."""
    design = StudyDesign(12, 452, accrual=21.0, follow_up=2.0, loss_rate=loss)
    mu = math.log(2) / median
    nu = mu + loss
    horizon = design.accrual + design.follow_up
    expected = (
        mu
        / nu
        * (1 - (math.exp(-nu * design.follow_up) - math.exp(-nu * horizon)) / (nu * design.accrual))
    )
    assert event_probability(design, 1 / mu, 1.0) == pytest.approx(expected, rel=1e-10)


def test_design_prior_is_the_published_os_posterior():
    prior = design_prior("posterior_os")
    # HR 10.6 / 13.8 with p = 0.513 under a Normal(0, 5) prior
    se = abs(math.log(10.6 / 13.8)) / 0.6541
    assert prior.mean == pytest.approx(math.log(10.6 / 13.8), abs=0.01)
    assert prior.sd == pytest.approx(se, rel=0.01)
    assert design_prior("hr:0.7").sd == 0
    # "math domain error" and "could not convert string to float" before
    for text in ("hr:0", "hr:-1", "hr:nan", "hr:0.5-2@95%"):
        with pytest.raises(InputError, match="is not hr: with one positive hazard ratio"):
            design_prior(text)


def test_no_effect_gives_the_type_one_error():
    # HR = 1, nearly flat analysis prior: success means z < -1.645, probability 5 %
    value = assurance_normal(FutureStudy(), 100, design_prior("hr:1"), BENEFIT)
    assert value == pytest.approx(0.05, abs=0.003)


def test_assurance_grows_with_the_cystic_group():
    prior, study = design_prior("posterior_os"), FutureStudy()
    values = [assurance_normal(study, n, prior, BENEFIT) for n in (20, 50, 100, 200)]
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert values[-1] < 1 - 0.5 * (1 - values[-1])


def test_weibull_mle_recovers_the_log_hr_and_event_based_se():
    rng = np.random.default_rng(2)
    group = np.r_[np.ones(2000), np.zeros(2000)]
    times = weibull_times(8.0, 1.4, -0.5 * group, rng)
    censoring = STUDY.censoring_times(group.size, rng)
    event = (times <= censoring).astype(float)
    estimate, se = weibull_mle(np.minimum(times, censoring), event, group)
    d1, d0 = event[group == 1].sum(), event[group == 0].sum()
    assert estimate == pytest.approx(-0.5, abs=3 * se)
    assert se == pytest.approx(math.sqrt(1 / d1 + 1 / d0), rel=0.1)


@pytest.mark.parametrize("n_index", [50, 200])
def test_normal_approximation_agrees_with_weibull_simulation(n_index):
    study, prior = FutureStudy(), design_prior("posterior_os")
    simulated = assurance_simulated(study, n_index, prior, sims=400, seed=n_index)
    for rule in RULES:
        mean, mcse = simulated[rule.name]
        approx = assurance_normal(study, n_index, prior, rule)
        assert abs(approx - mean) <= 3 * max(mcse, 1 / 400), (rule.name, approx, mean, mcse)


def test_tables_and_figure():
    table, checks = assurance_tables(
        FutureStudy(), "posterior_pfs", grid=(10, 40), checks=(40,), sims=100, seed=3
    )
    assert len(table) == 2 * len(RULES) and set(checks["n_index"]) == {40}
    figure = assurance_figure(table, checks)
    assert_laid_out(figure)
    assert len(figure.axes[0].lines) >= len(RULES)
    assert "simulation" in figure.axes[0].get_title()
    # without simulated checks (the run's design section) the title promised points not drawn
    alone = assurance_figure(table)
    assert alone.axes[0].get_title() == "Assurance by the Normal approximation"
    assert not alone.axes[0].containers  # no error bars


def test_event_probability_without_an_accrual_period():
    """Everyone enters at once and is followed for F years: P = F_T(F) under the loss rate; for
    exponential survival (mu) with loss rho, mu / nu (1 - exp(-nu F)), nu = mu + rho."""
    design = StudyDesign(12, 452, accrual=0.0, follow_up=3.0, loss_rate=0.02)
    mu = math.log(2) / 10.0
    expected = mu / (mu + 0.02) * (1 - math.exp(-(mu + 0.02) * 3.0))
    assert event_probability(design, 1 / mu, 1.0) == pytest.approx(expected, rel=1e-9)
