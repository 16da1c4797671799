import math

import numpy as np
import pandas as pd
import pytest
from canvas_checks import assert_laid_out
from scipy import stats

from bayes_netlm.analyses.patients import weibull_sensitivity
from bayes_netlm.evidence.patients import load_survival
from bayes_netlm.evidence.synthetic import make_synthetic_cohort
from bayes_netlm.modeling.hazard_ratio import LogHazardRatio, conjugate_posterior, from_medians
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter, fit_survival
from bayes_netlm.priors import NormalPrior, load_prior_catalog
from bayes_netlm.sensitivity.grid import (
    WeibullSweep,
    exact_probability,
    grid_table,
    reweight,
    tipping_point,
    tipping_table,
)
from bayes_netlm.spec import SensitivitySpec

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


def test_tipping_table_names_the_quantity_of_a_group_shape_fit():
    """With group-specific shapes the HR is the one at a reference time: every conclusion and
    reading says so; the numbers do not depend on the name."""

    def probability(prior: NormalPrior, threshold: float) -> float:
        return exact_probability(OS, prior, threshold)

    plain = tipping_table(probability, VAGUE, CATALOG.clinical)
    named = tipping_table(probability, VAGUE, CATALOG.clinical, quantity="HR at 1 year")
    assert list(named.conclusion.unique()) == [
        "P(HR at 1 year < 1) > 0.5",
        "P(HR at 1 year < 1) > 0.8",
        "P(HR at 1 year < 1) > 0.95",
        f"P(HR at 1 year < {CATALOG.clinical.hr_important:g}) > 0.5",
    ]
    pessimistic = named[(named.family == "pessimistic") & (named.threshold == 1.0)].iloc[0]
    assert "on log HR at 1 year would overturn 'P(HR at 1 year < 1) > 0.5'" in pessimistic.reading
    columns = ["tipping_sd", "probability_reference", "holds"]
    pd.testing.assert_frame_equal(plain[columns], named[columns])


def test_a_conclusion_within_monte_carlo_error_of_its_level_is_not_settled():
    """With a probability from draws, a conclusion within 2 MCSE of its level is reported as not
    settled (its tipping SDs are noise); the others read as before."""

    def probability(prior: NormalPrior, threshold: float) -> float:
        return exact_probability(OS, prior, threshold)

    exact = tipping_table(probability, VAGUE, CATALOG.clinical)
    drawn = tipping_table(probability, VAGUE, CATALOG.clinical, mcse=lambda threshold: 0.03)
    base = exact.loc[exact.threshold == 1.0, "probability_reference"].iloc[0]
    assert 0.74 < base < 0.8  # OS: within 2 x 0.03 of the level 0.8, not of 0.5 or 0.95
    assert exact.mcse_reference.isna().all() and (drawn.mcse_reference == 0.03).all()
    unsettled = drawn.reading.str.startswith("not settled by the draws")
    near = (drawn.threshold == 1.0) & (drawn.level == 0.8)
    assert (unsettled == near).all() and (drawn.settled == ~near).all()
    assert "within 2 MCSE of 0.8" in drawn[near].reading.iloc[0]
    assert (drawn[~near].reading == exact[~near].reading).all()
    pd.testing.assert_series_equal(drawn.tipping_sd, exact.tipping_sd)


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


def _conjugate_sweep(data: LogHazardRatio, n: int = 20_000) -> tuple[WeibullSweep, list]:
    """A sweep whose "MCMC" is exact: draws from the conjugate posterior under each prior."""
    rng = np.random.default_rng(4)
    refits: list[NormalPrior] = []

    def refit(prior: NormalPrior) -> np.ndarray:
        refits.append(prior)
        return rng.normal(*_moments(conjugate_posterior(prior, data)), n)

    return WeibullSweep(refit, VAGUE, refit(VAGUE)), refits


def test_posterior_tipping_points_match_the_exact_ones():
    """Known answer: with draws from the exact posterior, the reweighted tipping SD, its
    probability and the table's reference probability agree with the closed form."""
    data = LogHazardRatio(-0.35, 0.3, "")
    sweep, refits = _conjugate_sweep(data)
    exact = tipping_table(lambda p, t: exact_probability(data, p, t), VAGUE, CATALOG.clinical)
    table = tipping_table(sweep.probability, VAGUE, CATALOG.clinical, sweep.locate)
    assert list(table.holds) == list(exact.holds)
    for threshold in (1.0, CATALOG.clinical.hr_important):
        rows = table[table.threshold == threshold]
        # at the reference prior: the plain mean over the reference draws (the main table's)
        plain = float(np.mean(sweep.reference_log_hr < math.log(threshold)))
        assert (rows.probability_reference == plain).all()
    found = table.tipping_sd.notna()
    assert list(found) == list(exact.tipping_sd.notna())
    np.testing.assert_allclose(table.tipping_sd[found], exact.tipping_sd[found], rtol=0.05)
    assert (abs(table.probability_tipping[found] - table.level[found]) < 1e-6).all()
    assert set(table.method) <= {"PSIS", "refit"} | {m for m in table.method if "refit" in m}


def test_unreliable_weights_at_the_root_lead_to_a_refit_there():
    """A firm enthusiastic prior (tipping SD ~0.1) is far from the vague draws: PSIS is unreliable
    there, so the model is refitted near the root and the root found from the refitted draws."""
    data = LogHazardRatio(0.4, 0.3, "")
    sweep, refits = _conjugate_sweep(data, n=2000)  # few draws: too few effective ones at SD 0.15
    center = math.log(CATALOG.clinical.hr_important)
    sd, extra = sweep.locate(center, 1.0, 0.95)
    expected = tipping_point(lambda p: exact_probability(data, p, 1.0), center, 0.95)
    assert sd is not None and expected is not None
    assert not reweight(sweep.reference_log_hr, VAGUE, NormalPrior(center, sd), 1.0).reliable
    assert len(refits) >= 2 and str(extra["method"]).startswith("PSIS from a refit")
    assert sd == pytest.approx(expected, rel=0.1)  # 2000 draws: ~0.005 MC error at P = 0.95
    assert extra["probability_tipping"] == pytest.approx(0.95, abs=1e-6)


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
    # pessimistic: a firm prior centred on harm overturns "P(HR < 1) > 0.5", a vague one not
    center = -math.log(CATALOG.clinical.hr_important)
    sd, extra = sweep.locate(center, 1.0, 0.5)
    assert sd is not None
    at_tipping = float(np.mean(refit(NormalPrior(center, sd)) < 0))
    firmer = float(np.mean(refit(NormalPrior(center, sd * 0.6)) < 0))
    looser = float(np.mean(refit(NormalPrior(center, sd * 1.6)) < 0))
    # the conclusion flips around the reported SD
    assert (firmer - 0.5) * (looser - 0.5) < 0
    assert at_tipping == pytest.approx(0.5, abs=0.05)
    assert extra["probability_tipping"] == pytest.approx(0.5, abs=1e-6)


@pytest.mark.slow
def test_weibull_tipping_table_agrees_with_the_main_table():
    """Regression (issue 7, finding 2): the tipping table's probability under the reference prior
    came from a Normal approximation of the likelihood and disagreed with the main table."""
    cohort = make_synthetic_cohort()
    data = load_survival(cohort, time="pfs_time", event="pfs_event", group="group", source="syn")
    fit = SurvivalFit("pfs_full", "PFS", data, group_shape=True, reference_time=1.0)
    fitter = WeibullFitter(data.time.size)
    settings = SamplerSettings(draws=500, tune=500, chains=2)
    result = fit_survival([fit], {"vague": VAGUE}, CATALOG.clinical, 9, settings, fitter=fitter)
    spec = SensitivitySpec((0.0,), (1.0,), "vague", ("pfs_full",))
    grid, tipping = weibull_sensitivity(fitter, [fit], result, CATALOG, spec, 9, settings)
    main = result.table.set_index("quantity")["value"]
    for threshold, quantity in ((1.0, "p_below_1"), (CATALOG.clinical.hr_important, "p_benefit")):
        rows = tipping[tipping.threshold == threshold]
        assert (rows.probability_reference == main[quantity]).all(), quantity
        assert (rows.holds == (main[quantity] > rows.level)).all()
    assert set(tipping.quantity) == {"HR at 1 year"} and set(grid.quantity) == {"HR at 1 year"}
    assert tipping.method.notna().all()
    # the conclusions and readings name the HR the prior is on (they said "P(HR < 1)")
    assert tipping.conclusion.str.startswith("P(HR at 1 year < ").all()
    assert (tipping.reading.str.count("on log HR at 1 year") == 1).all()


def test_heatmap_renders_with_labels(tmp_path):
    import matplotlib.image as mpimg

    from bayes_netlm.reporting.sensitivity_plots import heatmap_figure

    grid = grid_table(
        lambda p, t: exact_probability(OS, p, t), [math.log(0.5), 0.0], [0.2, 1.0], [1.0, 0.7]
    ).assign(method=["PSIS", "PSIS", "refit", "refit", "PSIS", "PSIS", "PSIS", "PSIS"])
    figure = heatmap_figure(grid, "Overall survival")
    assert_laid_out(figure)
    # the run's longest label with the refit note fits too (the title ran off both edges)
    assert_laid_out(
        heatmap_figure(
            grid, "Overall survival, full cohort (SYNTHETIC cohort) (Weibull, patient-level data)"
        )
    )
    path = tmp_path / "grid.png"
    figure.savefig(path, dpi=100)
    assert path.stat().st_size > 10_000
    assert mpimg.imread(path).shape[1] > 500
    axes = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["P(HR < 1)", "P(HR < 0.7)"]
    assert axes[0].get_xlabel() == "Prior SD on log HR"
    assert "refitted" in figure.get_suptitle()
    assert any(text.get_text().endswith("*") for text in axes[0].texts)
    named = heatmap_figure(grid, "Progression-free survival", quantity="HR at 1 year")
    titled = [ax for ax in named.axes if ax.get_title()]
    assert [ax.get_title() for ax in titled] == ["P(HR at 1 year < 1)", "P(HR at 1 year < 0.7)"]
    assert titled[0].get_xlabel() == "Prior SD on log HR at 1 year"
    assert titled[0].get_ylabel() == "Prior centre (HR at 1 year)"
