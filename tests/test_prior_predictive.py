import numpy as np
import pytest
from canvas_checks import assert_laid_out
from scipy import stats

from bayes_netlm.simulation.figures import prior_predictive_figure
from bayes_netlm.simulation.prior_predictive import (
    checks_table,
    prior_predictive_checks,
    rate_checks,
    weibull_checks,
)


def _by_prior(checks, word):
    return [c for c in checks if c.prior.startswith(word)]


def test_rate_priors_imply_the_beta_distribution():
    checks = rate_checks(draws=40000)
    informative = _by_prior(checks, "informative")[0]
    assert informative.inside == pytest.approx(stats.beta.cdf(0.1, 1.6, 78.4), abs=0.003)
    vague = _by_prior(checks, "vague")[0]
    assert vague.inside == pytest.approx(0.10, abs=0.01)
    assert "concentrated on plausible values" in informative.verdict
    assert "mostly implausible" in vague.verdict


def test_log_or_sets_give_both_groups():
    groups = {c.name for c in _by_prior(rate_checks(draws=2000), "skeptical")}
    assert groups == {"90-day mortality (solid)", "90-day mortality (cystic)"}


def test_weibull_prior_median_matches_its_distribution():
    checks = {c.quantity: c for c in weibull_checks(draws=100000)}
    median = checks["os_median"].draws
    # log median = log lambda0 + log(log 2) / k: P(log median < x) = E_k[Phi((x - mu - c/k)/2.5)]
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    k = np.exp(nodes)
    c = np.log(np.log(2))
    for x in (-1.0, 1.0, 2.0, 4.0):
        exact = np.sum(weights * stats.norm.cdf((x - np.log(7.27) - c / k) / 2.5))
        exact /= weights.sum()
        assert np.mean(np.log(median) < x) == pytest.approx(exact, abs=0.006)
    survival = checks["os_survival_5y"].draws
    assert np.all((survival >= 0) & (survival <= 1))
    # S(5) > 1/2 exactly when the median exceeds 5 years
    assert np.mean(survival > 0.5) == pytest.approx(np.mean(median > 5), abs=1e-12)
    assert "weakly informative" in checks["os_median"].verdict


def test_table_and_figure_cover_every_check():
    checks = prior_predictive_checks(draws=2000)
    table = checks_table(checks)
    assert len(table) == len(checks) == 4 + 1 + 3 * 2 + 2
    assert (table["q2.5"] <= table["q50"]).all() and (table["q50"] <= table["q97.5"]).all()
    figure = prior_predictive_figure(checks)
    assert_laid_out(figure)
    assert len([ax for ax in figure.axes if ax.get_visible()]) == len(checks)
