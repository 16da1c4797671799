import math

import numpy as np
import pytest
from scipy import stats

from bayes_netlm.evidence.patients import load_survival
from bayes_netlm.evidence.synthetic import make_synthetic_cohort
from bayes_netlm.modeling.hazard_ratio import LogHazardRatio, conjugate_posterior, from_medians
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter
from bayes_netlm.priors import NormalPrior, load_prior_catalog
from bayes_netlm.sensitivity import (
    WeibullSweep,
    exact_probability,
    grid_table,
    likelihood_approximation,
    reweight,
    tipping_point,
    tipping_table,
)

CATALOG = load_prior_catalog()
VAGUE = CATALOG.sets["vague"].log_hr
OS = from_medians(13.8, 10.6, 0.513)


def test_exact_grid_matches_closed_form_at_sampled_points():
    means, sds = [math.log(0.5), 0.0, math.log(2)], [0.1, 0.5, 2.0]
    grid = grid_table(lambda p, t: exact_probability(OS, p, t), means, sds, [1.0, 0.7])
    rng = np.random.default_rng(0)
    for row in grid.iloc[rng.choice(len(grid), 6, replace=False)].itertuples():
        # by hand: posterior precision and mean, then the Normal CDF at log threshold
        precision = row.prior_sd**-2 + OS.se**-2
        mean = (row.prior_mean * row.prior_sd**-2 + OS.estimate * OS.se**-2) / precision
        expected = stats.norm.cdf(math.log(row.threshold), mean, precision**-0.5)
        assert round(row.probability, 3) == round(expected, 3)


def test_tipping_point_flips_the_conclusion_exactly():
    # pessimistic prior centred on HR 1/0.7: where does P(HR < 1) fall to 0.5?
    center = -math.log(CATALOG.clinical.hr_important)
    sd = tipping_point(lambda p: exact_probability(OS, p, 1.0), center, 0.5)
    assert sd is not None
    assert exact_probability(OS, NormalPrior(center, sd), 1.0) == pytest.approx(0.5, abs=1e-6)
    assert exact_probability(OS, NormalPrior(center, sd * 0.9), 1.0) < 0.5
    assert exact_probability(OS, NormalPrior(center, sd * 1.1), 1.0) > 0.5


def test_tipping_table_readings():
    table = tipping_table(lambda p, t: exact_probability(OS, p, t), VAGUE, CATALOG.clinical)
    row = table[(table.conclusion == "P(HR < 1) > 0.5") & (table.family == "pessimistic")].iloc[0]
    assert row.holds and "would overturn" in row.reading
    # a prior centred exactly on no effect shrinks P(HR < 1) towards 0.5 but never past it
    row = table[(table.conclusion == "P(HR < 1) > 0.5") & (table.family == "skeptical")].iloc[0]
    assert np.isnan(row.tipping_sd) and row.reading.startswith("no skeptical prior")


def test_reweighting_recovers_conjugate_posterior():
    data = LogHazardRatio(-0.3, 0.3, "")
    draws = np.random.default_rng(1).normal(*_moments(conjugate_posterior(VAGUE, data)), 20000)
    new = NormalPrior(0.0, 0.5)
    result = reweight(draws, VAGUE, new, 1.0)
    assert result.reliable
    assert result.probability == pytest.approx(exact_probability(data, new, 1.0), abs=0.01)
    # a prior far from where the draws are gives unreliable weights
    assert not reweight(draws, VAGUE, NormalPrior(3.0, 0.05), 1.0).reliable


def _moments(prior):
    return prior.mean, prior.sd


def test_likelihood_approximation_inverts_a_conjugate_update():
    data = LogHazardRatio(-0.4, 0.35, "")
    post = conjugate_posterior(VAGUE, data)
    draws = np.random.default_rng(2).normal(post.mean, post.sd, 200_000)
    approx = likelihood_approximation(draws, VAGUE)
    assert approx.estimate == pytest.approx(-0.4, abs=0.01)
    assert approx.se == pytest.approx(0.35, rel=0.01)


@pytest.fixture(scope="module")
def pfs_sweep():
    cohort = make_synthetic_cohort()
    data = load_survival(cohort, time="pfs_time", event="pfs_event", group="group", source="syn")
    fit = SurvivalFit("pfs_full", "PFS", data, group_shape=True)
    fitter = WeibullFitter(data.time.size)
    settings = SamplerSettings()

    def refit(prior):
        return np.asarray(fitter.sample(fit, prior, 5, settings).posterior["log_hr"])

    return WeibullSweep(refit, VAGUE, refit(VAGUE)), refit


@pytest.mark.slow
def test_reweighted_weibull_agrees_with_refits_where_pareto_k_is_good(pfs_sweep):
    sweep, refit = pfs_sweep
    checked = 0
    for mean in (math.log(0.5), 0.0, math.log(2.0)):
        for sd in (0.2, 0.5, 1.0, 2.0):
            prior = NormalPrior(mean, sd)
            result = reweight(sweep.reference_log_hr, VAGUE, prior, 1.0)
            if not result.reliable:
                continue
            refitted = float(np.mean(refit(prior) < 0))
            # MC error of the reweighted probability (ESS of the weights) and of the refit (ESS
            # of ~3000 for 4000 NUTS draws), four standard errors of their difference
            p = refitted
            mcse = math.sqrt(p * (1 - p) / result.ess + p * (1 - p) / 3000)
            assert abs(result.probability - refitted) < 4 * mcse + 0.005, (mean, sd)
            checked += 1
    assert checked >= 4


@pytest.mark.slow
def test_weibull_tipping_point_is_verified_by_refitting(pfs_sweep):
    sweep, refit = pfs_sweep
    approximation = likelihood_approximation(sweep.reference_log_hr, VAGUE)
    center = math.log(CATALOG.clinical.hr_important)  # enthusiastic
    sd = tipping_point(lambda p: exact_probability(approximation, p, 1.0), center, 0.5)
    assert sd is not None
    at_tipping = float(np.mean(refit(NormalPrior(center, sd)) < 0))
    firmer = float(np.mean(refit(NormalPrior(center, sd * 0.6)) < 0))
    looser = float(np.mean(refit(NormalPrior(center, sd * 1.6)) < 0))
    # the conclusion flips around the reported SD: below it P(HR < 1) > 0.5, above it < 0.5
    assert firmer > 0.5 > looser
    assert at_tipping == pytest.approx(0.5, abs=0.12)


def test_heatmap_renders_with_labels(tmp_path):
    import matplotlib.image as mpimg

    from bayes_netlm.sensitivity_plots import heatmap_figure

    grid = grid_table(
        lambda p, t: exact_probability(OS, p, t), [math.log(0.5), 0.0], [0.2, 1.0], [1.0, 0.7]
    ).assign(method=["PSIS", "PSIS", "refit", "refit", "PSIS", "PSIS", "PSIS", "PSIS"])
    figure = heatmap_figure(grid, "Overall survival")
    path = tmp_path / "grid.png"
    figure.savefig(path, dpi=100)
    assert path.stat().st_size > 10_000
    assert mpimg.imread(path).shape[1] > 500
    axes = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["P(HR < 1)", "P(HR < 0.7)"]
    assert axes[0].get_xlabel() == "Prior SD on log HR"
    assert "refitted" in figure.get_suptitle()
    assert any(text.get_text().endswith("*") for text in axes[0].texts)
