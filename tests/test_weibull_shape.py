"""Summary-level HR with the Weibull shape uncertain: exact mixture against independent checks."""

import math

import numpy as np
import pytest
from scipy import stats

from bayes_netlm.errors import InputError
from bayes_netlm.modeling import hazard_ratio as hr
from bayes_netlm.modeling import weibull_shape as ws
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.priors import NormalPrior, load_prior_catalog

CATALOG = load_prior_catalog()
VAGUE = NormalPrior(0.0, 5.0)
OS_FULL = hr.from_medians(13.8, 10.6, 0.513)
PFS_FULL = hr.from_medians(0.71, 1.78, 0.507)


def test_point_mass_at_one_is_the_exponential_conjugate_result():
    fixed = ws.parse_shape_prior("1", "--shape")
    post = ws.shape_marginal_posterior(OS_FULL, VAGUE, fixed)
    exact = hr.conjugate_posterior(VAGUE, OS_FULL)
    assert post.log_hr.means[0] == pytest.approx(exact.mean, rel=1e-12)
    assert post.log_hr.sds[0] == pytest.approx(exact.sd, rel=1e-12)
    assert post.log_hr.cdf(0.0) == pytest.approx(stats.norm.cdf(0, exact.mean, exact.sd))


def test_fixed_shape_two_by_hand():
    # k = 2: HR = (10.6/13.8)^2, SE doubles; prior N(0, 1): precision-weighted mean by hand
    post = ws.shape_marginal_posterior(
        OS_FULL, NormalPrior(0.0, 1.0), ws.parse_shape_prior("2", "x")
    )
    y, s = 2 * math.log(10.6 / 13.8), 2 * OS_FULL.se
    precision = 1 + s**-2
    assert post.log_hr.means[0] == pytest.approx(y * s**-2 / precision)
    assert post.log_hr.sds[0] == pytest.approx(precision**-0.5)


@pytest.mark.parametrize("data", [OS_FULL, PFS_FULL], ids=["os", "pfs"])
def test_mixture_matches_a_brute_force_two_dimensional_grid(data):
    shape = NormalPrior(0.0, 0.5, "log_k")
    post = ws.shape_marginal_posterior(data, VAGUE, shape)
    log_k = np.linspace(-4, 4, 1601)
    beta = np.arange(-30, 30, 0.01) + 0.005  # midpoints: 0 is a cell edge
    lk, b = np.meshgrid(log_k, beta, indexing="ij")
    density = (
        stats.norm.pdf(lk, 0, 0.5)
        * stats.norm.pdf(b, 0, 5)
        * stats.norm.pdf(data.estimate, b / np.exp(lk), data.se)
    )
    density /= density.sum()
    assert post.log_hr.cdf(0.0) == pytest.approx(density[b < 0].sum(), abs=2e-4)
    assert post.shape_mean == pytest.approx((np.exp(lk) * density).sum(), rel=1e-6)


def test_pfs_is_consistent_with_the_information_check_only_for_small_shapes():
    shapes = ws.consistent_shapes(PFS_FULL, hr.information_check(PFS_FULL, 12, 452))
    # information 1/(k * 1.385)^2 >= 0.5 (one event per group) needs k <= 1.02; the
    # light-censoring heuristic (>= 5.85) needs k <= 0.30: hazards falling steeply over time
    assert shapes["k_max_bounds"] == pytest.approx(1.021, abs=1e-3)
    assert shapes["k_max_plausible"] == pytest.approx(0.299, abs=1e-3)
    os_shapes = ws.consistent_shapes(OS_FULL, hr.information_check(OS_FULL, 12, 452))
    assert os_shapes["k_max_plausible"] > 1  # the exponential OS derivation passes


def test_conditional_curve_at_k_one_is_the_exponential_probability():
    curve = ws.conditional_probabilities(PFS_FULL, VAGUE, np.array([0.5, 1.0]), [1.0, 0.7])
    exact = hr.conjugate_posterior(VAGUE, PFS_FULL)
    assert curve[1, 0] == pytest.approx(stats.norm.cdf(0, exact.mean, exact.sd))
    assert curve[0, 1] != pytest.approx(curve[1, 1], abs=1e-3)


def test_bad_shape_prior_is_an_input_error():
    with pytest.raises(InputError):
        ws.parse_shape_prior("lognormal:0", "--shape-prior")
    with pytest.raises(InputError):
        ws.parse_shape_prior("-1", "--shape")
    # beyond any survival data's shape: a NaN in the quadrature over k ended in a traceback
    for text in ("lognormal:0,1e6", "lognormal:-6,0.5", "1000"):
        with pytest.raises(InputError, match="beyond"):
            ws.parse_shape_prior(text, "--shape-prior")
    assert ws.parse_shape_prior("lognormal:0,5", "x").sd == 5.0  # the edge is allowed


def test_pymc_joint_fit_agrees_with_the_mixture_within_four_mcse():
    evidence = [hr.HazardRatioEvidence("pfs_full", "PFS", PFS_FULL, 0.507)]
    fit = ws.fit_shape_marginalised(
        evidence,
        {"vague": VAGUE},
        NormalPrior(0.0, 0.5, "log_k"),
        CATALOG.clinical,
        seed=3,
        settings=SamplerSettings(draws=500, tune=500, chains=2),
    )
    table = fit.table.set_index(["method", "quantity"])
    assert set(fit.table["analysis"]) == {ws.ANALYSIS}
    for quantity in ("p_below_1", "p_benefit", "p_harm"):
        exact, mcmc = table.loc[("exact", quantity)], table.loc[("pymc", quantity)]
        assert abs(mcmc["value"] - exact["value"]) <= 4 * mcmc["mcse_value"]
