"""The log-OR rate posterior by quadrature, against independent computations."""

import numpy as np
import pytest
from scipy import special, stats

from bayes_netlm.evidence.counts import parse_count
from bayes_netlm.evidence.published import RateEvidence
from bayes_netlm.modeling import rates
from bayes_netlm.modeling.rates_logor import LogORPosterior, logor_effects
from bayes_netlm.priors import NormalPrior, load_prior_catalog

CATALOG = load_prior_catalog()
BASELINE = NormalPrior(0.0, 1.5, "log_or")
PROBABILITIES = (
    "rd_above_0",
    "rd_above_important",
    "rd_below_minus_important",
    "rd_equivalent",
    "rr_below_1",
)


def counts(index, n_index, reference, n_reference):
    return parse_count(index, n_index, "index"), parse_count(reference, n_reference, "reference")


def grid_posterior(prior, index, reference, u_range, w_range, step):
    """Brute force: the posterior on a fine grid of (u, w) cells, mass at their centres.

    Likelihoods come from scipy's binomial CDF. Equal steps in u and w put u + w on one lattice,
    so the index likelihood is computed once per lattice point. Returns cell centres and masses.
    """
    u = np.arange(u_range[0] + step / 2, u_range[1], step)
    w = np.arange(w_range[0] + step / 2, w_range[1], step)

    def loglik(count, p):  # -inf where the probability underflows
        with np.errstate(divide="ignore"):
            return np.log(
                stats.binom.cdf(count.high, count.n, p) - stats.binom.cdf(count.low - 1, count.n, p)
            )

    lattice = u[0] + w[0] + step * np.arange(u.size + w.size - 1)
    index_loglik = loglik(index, special.expit(lattice))
    reference_part = stats.norm.logpdf(u, BASELINE.mean, BASELINE.sd) + loglik(
        reference, special.expit(u)
    )
    log_post = (
        reference_part[:, None]
        + stats.norm.logpdf(w, prior.mean, prior.sd)[None, :]
        + index_loglik[np.arange(u.size)[:, None] + np.arange(w.size)[None, :]]
    )
    mass = np.exp(log_post - log_post.max())
    return u, w, mass / mass.sum()


def below_in_rows(u, w, mass, step, index_rate):
    """P(p_index <= index_rate(p_reference)): per row of fixed u, the share of each cell's width
    below the limit in w (cells uniform across their width), so a limit parallel to the grid
    costs no half cells."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = index_rate(special.expit(u))
        limit = np.where(x >= 1, np.inf, np.where(x <= 0, -np.inf, special.logit(x) - u))
    share = np.clip((limit[:, None] - (w[None, :] - step / 2)) / step, 0.0, 1.0)
    return float(np.sum(mass * share))


@pytest.mark.parametrize(
    ("case", "box"),
    [
        # the study's major morbidity under the skeptical set (reference group is outer)
        (("25%", 12, "22%", 452, 0.0, 0.2465), ((-2.5, 0.0), (-2.0, 2.0))),
        # zero events and a wide prior: the RD boundaries leave (0, 1) inside the support
        (("0%", 12, "<2%", 452, 0.0, 2.0), ((-9.0, -1.0), (-17.0, 17.0))),
        # a large index group: its logit is the outer variable
        (("40%", 1000, "3", 20, 0.0, 2.0), ((-7.0, 3.0), (-4.0, 7.0))),
    ],
)
def test_quadrature_matches_a_brute_force_grid(case, box):
    k1, n1, k0, n0, mean, sd = case
    prior = NormalPrior(mean, sd, "log_or")
    index, reference = counts(k1, n1, k0, n0)
    effects = logor_effects(prior, BASELINE, index, reference, 0.05, 0.025)
    step = 0.004
    u, w, mass = grid_posterior(prior, index, reference, *box, step=step)
    p_reference = special.expit(u)[:, None]
    rd = special.expit(u[:, None] + w[None, :]) - p_reference
    grid = {  # each cell classified by the RD at its centre
        "rd_above_0": mass[rd > 0].sum(),
        "rd_above_important": mass[rd > 0.05].sum(),
        "rd_below_minus_important": mass[rd < -0.05].sum(),
        "rd_equivalent": mass[np.abs(rd) < 0.025].sum(),
        "rr_below_1": mass[rd < 0].sum(),
    }
    for name in PROBABILITIES:
        assert effects[name] == pytest.approx(grid[name], abs=1e-4), name
    # quantiles: the grid's distribution function at the quadrature's quantile is the level
    for name, q in (("median", 0.5), ("lower", 0.025), ("upper", 0.975)):
        rd_c, rr_c, or_c = (effects[f"{e}_{name}"] for e in ("rd", "rr", "or"))
        for effect, index_rate in (
            ("rd", lambda p, c=rd_c: p + c),
            ("rr", lambda p, c=rr_c: c * p),
            ("or", lambda p, c=or_c: c * p / (1 - p + c * p)),
        ):
            below = below_in_rows(u, w, mass, step, index_rate)
            assert below == pytest.approx(q, abs=5e-5), (effect, name)


def test_symmetric_data_give_symmetric_answers():
    # 6/12 vs 6/12 with the baseline centred on 0: (u, w) -> (-u, -w) leaves the posterior alone
    index, reference = counts("6", 12, "6", 12)
    effects = logor_effects(
        NormalPrior(0.0, 1.0, "log_or"), BASELINE, index, reference, 0.05, 0.025
    )
    assert effects["rr_below_1"] == pytest.approx(0.5, abs=1e-9)
    assert effects["rd_above_0"] == pytest.approx(0.5, abs=1e-9)
    assert effects["or_median"] == pytest.approx(1.0, abs=1e-7)
    assert effects["rd_median"] == pytest.approx(0.0, abs=1e-8)
    assert effects["or_lower"] * effects["or_upper"] == pytest.approx(1.0, abs=1e-6)
    assert effects["rd_above_important"] == pytest.approx(
        effects["rd_below_minus_important"], abs=1e-9
    )


def test_the_better_determined_logit_is_outer():
    prior = NormalPrior(0.0, 2.0, "log_or")
    assert not LogORPosterior.build(
        prior, BASELINE, *counts("3", 12, "22%", 452)
    ).density.outer_index
    assert LogORPosterior.build(prior, BASELINE, *counts("40%", 1000, "3", 20)).density.outer_index


def test_a_tight_prior_pins_the_odds_ratio():
    index, reference = counts("25%", 12, "22%", 452)
    effects = logor_effects(
        NormalPrior(0.3, 0.01, "log_or"), BASELINE, index, reference, 0.05, 0.025
    )
    assert np.log(effects["or_median"]) == pytest.approx(0.3, abs=0.002)
    assert effects["rr_below_1"] < 1e-9


def test_quadrature_is_the_headline_and_pymc_agrees_within_4_mcse():
    comparison = RateEvidence(
        "morbidity", "Major morbidity", "outcome", *counts("25%", 12, "22%", 452), 0.729
    )
    prior = CATALOG.sets["pessimistic"].rates
    fit = rates.fit_rates(
        [comparison], {"pessimistic": prior}, CATALOG.clinical, CATALOG.logit_reference, seed=4
    )
    assert fit.convergence["converged"].all()
    table = fit.table.set_index(["method", "quantity"])
    for quantity in ("rd", "rr", "or", "p_rd_above_0", "p_rd_above_important", "p_rr_below_1"):
        exact = table.loc[("exact", quantity)]
        pymc = table.loc[("pymc", quantity)]
        assert abs(pymc["value"] - exact["value"]) < 4 * pymc["mcse_value"], quantity
    quadrature = rates.deterministic_effects(
        prior, comparison, CATALOG.clinical, CATALOG.logit_reference
    )
    assert table.loc[("exact", "p_rd_above_0"), "value"] == quadrature["rd_above_0"]
