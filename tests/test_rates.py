import numpy as np
import pytest
from scipy import stats

from bayes_netlm.evidence.counts import parse_count
from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.modeling import rates
from bayes_netlm.modeling.rate_effects import gauss_legendre
from bayes_netlm.priors import BetaPrior, load_prior_catalog

CATALOG = load_prior_catalog()
FLAT = BetaPrior(1.0, 1.0)


def mixture(text, n, prior=FLAT):
    return rates.beta_mixture_posterior(prior, parse_count(text, n, "x"))


def test_exact_count_gives_plain_beta_posterior():
    post = mixture("3", 12)
    assert post.weights.tolist() == [1.0]
    assert (post.a[0], post.b[0]) == (4.0, 10.0)
    assert post.mean() == pytest.approx(4 / 14)


def test_interval_mixture_weights_by_hand():
    # Beta(1, 1) and K in {0, 1} of n = 2: w_k ∝ C(2, k) B(1 + k, 3 - k) = 1/3 and 2 * 1/6 = 1/3.
    post = mixture("0-1", 2)
    np.testing.assert_allclose(post.weights, [0.5, 0.5])
    np.testing.assert_allclose(post.a, [1, 2])
    np.testing.assert_allclose(post.b, [3, 2])


def test_exact_effects_hand_checkable():
    # 1/1 vs 0/1 with flat priors: p_i ~ Beta(2, 1), p_r ~ Beta(1, 2), P(p_i > p_r) = 5/6.
    effects = rates.exact_effects(mixture("1", 1), mixture("0", 1), 0.05, 0.025)
    assert effects["rd_above_0"] == pytest.approx(5 / 6, abs=1e-9)
    # the interval 0-1 of 1 is uninformative: p_r ~ U(0, 1), P(p_i > p_r) = E[p_i] = 2/3.
    effects = rates.exact_effects(mixture("1", 1), mixture("0-1", 1), 0.05, 0.025)
    assert effects["rd_above_0"] == pytest.approx(2 / 3, abs=1e-9)
    # symmetric case: the RD median is 0 and P(RR < 1) = 1/2.
    effects = rates.exact_effects(mixture("3", 12), mixture("3", 12), 0.05, 0.025)
    assert effects["rd_median"] == pytest.approx(0.0, abs=1e-8)
    assert effects["rr_below_1"] == pytest.approx(0.5, abs=1e-9)
    assert effects["or_median"] == pytest.approx(1.0, abs=1e-6)


def test_ratio_quantiles_far_beyond_e40_are_found():
    """Regression (hypothesis: 0/1 vs 0/1 under Beta(0.0625, 1)): both posteriors are
    Beta(0.0625, 2), whose mass reaches far below 1e-16, so the 95 % interval of RR lies beyond
    e^+-40 and the search interval must widen. Checked against draws of log p made on the log
    scale (p itself would underflow): log p = log G1 - log(G1 + G2), log G1 = log G(a + 1) + log
    U / a."""
    rng = np.random.default_rng(8)
    a = 0.0625
    posterior = rates.beta_mixture_posterior(BetaPrior(a, 1.0), parse_count("0", 1, "x"))
    effects = rates.exact_effects(posterior, posterior, 0.05, 0.025)

    def log_p(size):
        log_g1 = np.log(rng.gamma(a + 1, size=size)) + np.log(rng.random(size)) / a
        log_g2 = np.log(rng.gamma(2.0, size=size))
        return log_g1 - np.logaddexp(log_g1, log_g2)

    log_rr = log_p(400_000) - log_p(400_000)
    assert np.log(effects["rr_upper"]) > 40  # outside the old search interval
    assert np.log(effects["rr_upper"]) == pytest.approx(np.quantile(log_rr, 0.975), rel=0.02)
    assert effects["rr_lower"] * effects["rr_upper"] == pytest.approx(1.0, rel=1e-6)  # symmetry
    assert effects["rr_median"] == pytest.approx(1.0, rel=1e-6)


def test_exact_effects_match_monte_carlo_from_the_exact_posterior():
    rng = np.random.default_rng(5)
    index, reference = mixture("25%", 12), mixture("22%", 452)

    def draw(m, size):
        component = rng.choice(len(m.weights), size=size, p=m.weights)
        return rng.beta(m.a[component], m.b[component])

    p_i, p_r = draw(index, 400_000), draw(reference, 400_000)
    effects = rates.exact_effects(index, reference, 0.05, 0.025)
    assert effects["rd_above_0"] == pytest.approx(np.mean(p_i > p_r), abs=3e-3)
    assert effects["rd_median"] == pytest.approx(np.median(p_i - p_r), abs=2e-3)
    assert effects["rr_upper"] == pytest.approx(np.quantile(p_i / p_r, 0.975), rel=0.02)


def test_interval_logp_matches_scipy():
    counts = rates.count_arrays([parse_count("98-101", 452, "x"), parse_count("3", 12, "x")])
    p = np.array([0.2, 0.3])
    value = rates.interval_binomial_logp(counts["log_choose"], counts["ks"], counts["n"], p).eval()
    expected = [
        np.log(stats.binom.pmf(np.arange(98, 102), 452, 0.2).sum()),
        stats.binom.logpmf(3, 12, 0.3),
    ]
    np.testing.assert_allclose(value, expected, rtol=1e-10)


def test_pymc_beta_model_agrees_with_closed_form():
    comparison = RateEvidence(
        "morbidity",
        "Major morbidity",
        "outcome",
        parse_count("25%", 12, "i"),
        parse_count("22%", 452, "r"),
        0.729,
    )
    fit = rates.fit_rates(
        [comparison], {"vague": FLAT}, CATALOG.clinical, CATALOG.logit_reference, 3
    )
    assert fit.convergence["converged"].all()
    table = fit.table.set_index(["method", "quantity"])
    for quantity, tolerance in [("rd", 0.01), ("p_rd_above_0", 0.03), ("p_rr_below_1", 0.03)]:
        pymc, exact = (
            table.loc[("pymc", quantity), "value"],
            table.loc[("exact", quantity), "value"],
        )
        assert abs(pymc - exact) < tolerance, quantity
    draws = fit.posteriors["rates_beta"].posterior["p_reference"].values.ravel()
    assert draws.mean() == pytest.approx(mixture("22%", 452).mean(), abs=0.003)


@pytest.mark.parametrize(
    ("prior_name", "expected"),
    [("vague", 0.858), ("jeffreys", 0.715), ("informative", 0.625)],
)
def test_mortality_conclusion_depends_on_the_rate_prior(prior_name, expected):
    # finding 5: 0/12 cystic vs "<2 %" of 452 solid. Under the flat Beta(1, 1) P(RD > 0) = 0.858
    # and RR 5.1 "higher in cystic"; Jeffreys gives 0.72, a Beta(1, 49) 0.61, the informative
    # (NSQIP NELM series) prior 0.63: the flat prior drives the conclusion
    prior = CATALOG.rate_prior(prior_name, "mortality", "test")
    effects = rates.exact_effects(mixture("0%", 12, prior), mixture("<2%", 452, prior), 0.05, 0.025)
    assert effects["rd_above_0"] == pytest.approx(expected, abs=1e-3)
    if prior_name == "vague":
        assert effects["rr_median"] == pytest.approx(5.08, abs=0.01)
    beta_1_49 = rates.exact_effects(
        mixture("0%", 12, BetaPrior(1, 49)), mixture("<2%", 452, BetaPrior(1, 49)), 0.05, 0.025
    )
    assert beta_1_49["rd_above_0"] == pytest.approx(0.613, abs=1e-3)


def test_informative_rate_priors_match_their_stated_derivation():
    informative = CATALOG.rate_priors["informative"]
    mortality = informative.for_outcome("mortality")
    morbidity = informative.for_outcome("major_morbidity")
    assert informative.for_outcome("men") is None  # not defined for baseline characteristics
    # mean 2 %, 97.5 % quantile 6 %; mean 20 %, 97.5 % quantile 33 % (models/prior_sets.toml)
    assert stats.beta.mean(mortality.a, mortality.b) == pytest.approx(0.02)
    assert stats.beta.ppf(0.975, mortality.a, mortality.b) == pytest.approx(0.06, abs=0.002)
    assert stats.beta.mean(morbidity.a, morbidity.b) == pytest.approx(0.20)
    assert stats.beta.ppf(0.975, morbidity.a, morbidity.b) == pytest.approx(0.33, abs=0.002)
    assert CATALOG.rate_prior("jeffreys", "men", "x") == BetaPrior(0.5, 0.5)


def test_per_endpoint_priors_fit_only_where_defined():
    from bayes_netlm.evidence.published import load_published
    from bayes_netlm.modeling.sampling import SamplerSettings

    study = load_published("data/ammann2025.toml")
    comparisons = [c for c in study.rates if c.name in ("mortality", "men")]
    per_endpoint = {
        c.name: {
            name: prior
            for name in ("vague", "informative")
            if (prior := CATALOG.rate_prior(name, c.name, "x")) is not None
        }
        for c in comparisons
    }
    fit = rates.fit_rates(
        comparisons,
        {"vague": FLAT},
        CATALOG.clinical,
        CATALOG.logit_reference,
        seed=2,
        settings=SamplerSettings(draws=200, tune=200, chains=2),
        per_endpoint=per_endpoint,
    )
    fits = set(zip(fit.table["endpoint"], fit.table["prior"], strict=True))
    assert fits == {("mortality", "vague"), ("mortality", "informative"), ("men", "vague")}


@pytest.mark.parametrize(
    ("prior", "text", "n"),
    [
        (BetaPrior(1.0, 1.0), "0-10", 452),  # eleven components, a reference-sized group
        (BetaPrior(0.5, 0.5), "0-3", 12),  # Jeffreys, U-shaped components
        (BetaPrior(0.01, 5.0), "0", 4),  # one component with a tiny first parameter
        (BetaPrior(2.0, 30.0), "40-60", 120),
    ],
)
def test_mixture_quantiles_equal_bisection(prior, text, n):
    from scipy import optimize

    mixture = rates.beta_mixture_posterior(prior, parse_count(text, n, "x"))
    u, _ = gauss_legendre(2000)
    q = np.concatenate([(u[::97] + 1) / 2, [1e-9, 0.025, 0.5, 0.975, 1 - 1e-9]])
    found = mixture.ppf(q)
    for value, p in zip(found, q, strict=True):
        expected = optimize.brentq(
            lambda x, p=p: float(mixture.cdf(x)) - p, 0.0, 1.0, xtol=1e-15, rtol=1e-15
        )
        # the distribution function is known to ~1e-16, so x only to ~1e-16 / density in the tails
        tolerance = 2e-13 + 2e-15 / float(mixture.pdf(expected))
        assert value == pytest.approx(expected, abs=tolerance, rel=0)
        if value > 1e-300:  # below that the quantile is not representable (Beta(0.01, .))
            assert abs(float(mixture.cdf(value)) - p) <= 2e-15
