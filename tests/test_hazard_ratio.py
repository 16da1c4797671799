import math

import numpy as np
import pytest
from scipy import stats

from bayes_netlm.errors import InputError
from bayes_netlm.modeling import hazard_ratio as hr
from bayes_netlm.priors import NormalPrior, load_prior_catalog
from bayes_netlm.summaries import hr_summary_exact

CATALOG = load_prior_catalog()


def test_textbook_conjugate_update():
    # Spiegelhalter, Abrams & Myles (2004) style: prior N(0, 1), one observation y = 1 with SE 1
    # gives N(0.5, 1/2): the precision-weighted mean and summed precision.
    post = hr.conjugate_posterior(NormalPrior(0.0, 1.0), hr.LogHazardRatio(1.0, 1.0, ""))
    assert post.mean == pytest.approx(0.5)
    assert post.sd == pytest.approx(math.sqrt(0.5))


def test_ci_and_p_value_derivations():
    from_ci = hr.from_ci(0.8, 0.64, 1.0)
    assert from_ci.se == pytest.approx((math.log(1.0) - math.log(0.64)) / (2 * 1.959964), rel=1e-6)
    from_p = hr.from_p_value(0.77, 0.513)
    assert from_p.se == pytest.approx(abs(math.log(0.77)) / stats.norm.ppf(1 - 0.513 / 2))


def test_reference_worked_check_for_os_and_pfs():
    # worked check of the published numbers: OS SE ~ 0.40 (6 events), PFS SE ~ 1.39 (< 1 event)
    os_full = hr.from_medians(13.8, 10.6, 0.513)
    assert os_full.hr == pytest.approx(0.768, abs=1e-3)
    assert os_full.se == pytest.approx(0.40, abs=0.01)
    assert hr.information_check(os_full, 12, 452).consistent
    pfs_full = hr.from_medians(0.71, 1.78, 0.507)
    assert pfs_full.hr == pytest.approx(2.507, abs=1e-3)
    assert pfs_full.se == pytest.approx(1.39, abs=0.01)
    check = hr.information_check(pfs_full, 12, 452)
    assert not check.consistent
    assert check.message.startswith("WARNING")
    # inside the hard bounds (0.5 = one event per group), flagged by the heuristic only:
    # 0.52 events' worth with ~226 solid events is about half an effective cystic event
    assert check.within_bounds and not check.plausible
    assert check.implied == pytest.approx(0.521, abs=1e-3)
    assert check.lowest == pytest.approx(0.5) and check.plausible_lowest > 5
    assert check.effective_index_events == pytest.approx(0.52, abs=0.01)
    assert "fewer than the one a reached index median needs" in check.message


def test_median_reached_with_two_events_is_within_the_hard_bounds():
    # 12 patients, 8 censored early, 2 of the other 4 die: the KM median is reached with 2 events
    from lifelines import KaplanMeierFitter

    times = [0.1] * 8 + [1.0, 2.0, 3.0, 4.0]
    events = [0] * 8 + [1, 1, 0, 0]
    km = KaplanMeierFitter().fit(times, events)
    assert math.isfinite(km.median_survival_time_) and sum(events) == 2
    # information of 2 cystic events against 226 solid ones: the old "n/2 events" rule called
    # this impossible (lower bound I(6, 226) = 5.85); the hard bounds accept it, the heuristic
    # flags it as needing heavy early censoring
    se = 1 / math.sqrt(1 / (1 / 2 + 1 / 226))
    check = hr.information_check(hr.LogHazardRatio(0.5, se, ""), 12, 452)
    assert check.within_bounds and check.lowest <= check.implied
    assert not check.plausible and check.effective_index_events == pytest.approx(2.0)
    # beyond every patient having an event is outside the hard bounds
    too_much = hr.information_check(hr.LogHazardRatio(0.5, 0.2, ""), 12, 452)
    assert not too_much.within_bounds and "more than" in too_much.message


def test_matched_cohort_with_unknown_reference_size():
    check = hr.information_check(hr.from_medians(13.8, 8.57, 0.316), 12, None)
    assert check.consistent and check.highest == 12
    assert not hr.information_check(hr.from_medians(0.71, 1.33, 0.62), 12, None).consistent


def test_skeptical_prior_has_five_percent_beyond_the_important_effect():
    prior = CATALOG.sets["skeptical"].log_hr
    assert stats.norm(prior.mean, prior.sd).cdf(math.log(0.7)) == pytest.approx(0.05, abs=1e-9)
    enthusiastic = CATALOG.sets["enthusiastic"].log_hr
    assert stats.norm(enthusiastic.mean, enthusiastic.sd).sf(0.0) == pytest.approx(0.05, abs=1e-9)


def test_exact_summary_probabilities():
    summary = hr_summary_exact(NormalPrior(0.0, 1.0, "log_hr"), CATALOG.clinical)
    assert summary["p_below_1"][0] == pytest.approx(0.5)
    assert summary["hr"][0] == pytest.approx(1.0)
    assert summary["p_benefit"][0] == pytest.approx(stats.norm.cdf(math.log(0.7)))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: hr.from_ci(0.8, 0.9, 1.2), "does not bracket"),
        (lambda: hr.from_ci(-1, 0.5, 1.2), "not a positive number"),
        (lambda: hr.from_p_value(0.8, 0.0), "outside"),
        (lambda: hr.from_p_value(0.8, 1.2), "outside"),
        (lambda: hr.from_p_value(1.0, 0.5), "cannot have"),
        (lambda: hr.from_medians(0.0, 1.0, 0.5), "not a positive number"),
    ],
)
def test_bad_hazard_ratio_input(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_pymc_agrees_with_conjugate_within_monte_carlo_error():
    evidence = [hr.HazardRatioEvidence("os", "OS", hr.from_medians(13.8, 10.6, 0.513))]
    priors = {name: s.log_hr for name, s in CATALOG.sets.items()}
    fit = hr.fit_hazard_ratios(evidence, priors, CATALOG.clinical, seed=11)
    assert fit.convergence["converged"].all()
    for name, prior in priors.items():
        exact = hr.conjugate_posterior(prior, evidence[0].data)
        draws = np.asarray(fit.posteriors["summary_hr"].posterior["log_hr"].sel(fit=f"os|{name}"))
        ess = float(fit.convergence.loc[f"os|{name}", "ess_bulk"])
        mcse = exact.sd / math.sqrt(ess)
        assert abs(draws.mean() - exact.mean) < 4 * mcse
        assert draws.std() == pytest.approx(exact.sd, rel=0.05)
    table = fit.table
    pymc = table[(table.method == "pymc") & (table.quantity == "p_below_1")].value.to_numpy()
    exact = table[(table.method == "exact") & (table.quantity == "p_below_1")].value.to_numpy()
    # a probability from ~4000 draws with ESS >= 400 has MC error below 0.025
    assert np.max(np.abs(pymc - exact)) < 0.03


def test_a_p_value_of_1_carries_no_information_and_is_checked_without_error():
    """p = 1 (the paper reports it for two rates) gives z = 0 and an infinite SE: the posterior is
    the prior, the derivation says so, and the information check warns instead of dividing by
    zero (it raised ZeroDivisionError in the CLI, the API and a run spec)."""
    data = hr.from_medians(13.8, 10.6, 1.0)
    assert math.isinf(data.se) and data.information == 0.0
    assert "no information about the HR" in data.derivation
    check = hr.information_check(data, 12, 452)
    assert not check.consistent and "no information about the HR" in check.message
    prior = NormalPrior(-0.2, 0.3)
    posterior = hr.conjugate_posterior(prior, data)
    assert (posterior.mean, posterior.sd) == pytest.approx((prior.mean, prior.sd))
