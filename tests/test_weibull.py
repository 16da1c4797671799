"""Censored Weibull PH model: known answers (lifelines MLE, Kaplan-Meier) and simulation recovery.

One model compiled for 3000 rows serves every test here: smaller data sets are padded with
weight-0 rows, which is also what the run does for the matched cohort.
"""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from lifelines.datasets import load_rossi

from bayes_netlm.analyses import frequentist
from bayes_netlm.evidence.patients import load_survival
from bayes_netlm.modeling.sampling import SamplerSettings, convergence_table
from bayes_netlm.modeling.survival_quantities import derived_quantities
from bayes_netlm.modeling.weibull import (
    SurvivalFit,
    WeibullFitter,
    build_model,
    fit_survival,
    model_data,
)
from bayes_netlm.priors import NormalPrior, load_prior_catalog

VAGUE = NormalPrior(0.0, 5.0)
N_ROWS = 3000
CLINICAL = load_prior_catalog().clinical


def true_hr(t, k_reference, k_index, lambda0, beta):
    """HR(t) = (k1 / k0) (t / lambda0)^(k1 - k0) e^beta, written out independently."""
    return (
        (k_index / k_reference)
        * (np.asarray(t) / lambda0) ** (k_index - k_reference)
        * np.exp(beta)
    )


def beta_for(log_hr_at_reference, k_reference, k_index, lambda0, reference_time):
    """The group coefficient that gives HR(reference_time) = exp(log_hr_at_reference)."""
    return log_hr_at_reference - np.log(true_hr(reference_time, k_reference, k_index, lambda0, 0.0))


@pytest.fixture(scope="module")
def fitter():
    return WeibullFitter(N_ROWS)


def simulate(n_index, n_reference, k_reference, k_index, lambda0, log_hr, seed, follow_up):
    """Weibull PH event times, uniform entry, administrative censoring at `follow_up`."""
    rng = np.random.default_rng(seed)
    group = np.r_[np.ones(n_index), np.zeros(n_reference)]
    k = np.where(group == 1, k_index, k_reference)
    # S(t) = exp(-(t/lambda0)^k exp(eta)) -> t = lambda0 (-log U exp(-eta))^(1/k)
    t = lambda0 * (-np.log(rng.uniform(size=group.size)) * np.exp(-log_hr * group)) ** (1 / k)
    censor = rng.uniform(follow_up / 3, follow_up, size=group.size)
    frame = pd.DataFrame(
        {
            "id": np.arange(group.size),
            "group": np.where(group == 1, "cystic", "solid"),
            "time": np.minimum(t, censor),
            "event": (t <= censor).astype(int),
        }
    )
    return load_survival(frame, time="time", event="event", group="group", source="simulated")


def posterior_of(fitter, data, group_shape=False, seed=1):
    tree = fitter.sample(
        SurvivalFit("sim", "sim", data, group_shape), VAGUE, seed, SamplerSettings()
    )
    table = convergence_table(tree, ["log_lambda0", "log_k", "log_hr"])
    assert table["converged"].all()
    return tree.posterior.to_dataset()


def test_padding_rows_carry_no_weight():
    data = simulate(10, 30, 1.2, 1.2, 5.0, -0.5, seed=3, follow_up=10)
    values = model_data(SurvivalFit("s", "s", data), VAGUE, 50, ())
    assert values["weight"].sum() == 40 and values["time"].shape == (50,)
    assert values["prior_sd"] == 5.0 and values["group_shape"] == 0.0
    assert values["log_reference_time"] == 0.0  # t_ref = 1 year by default


def _logp(fit, n_rows, point):
    model = build_model(n_rows)
    with model:
        pm.set_data(model_data(fit, VAGUE, n_rows, ()))
    # the likelihood term only: the prior of log lambda0 is centred on the data's mean time
    return model.compile_logp(vars=[model["time_to_event"]])(point)


def test_row_weight_two_equals_a_duplicated_row():
    data = simulate(4, 6, 1.2, 0.8, 3.0, -0.3, seed=8, follow_up=6)
    plain = simulate(4, 6, 1.2, 0.8, 3.0, -0.3, seed=8, follow_up=6)
    assert data.event[0] == 1 or data.event[1] == 1
    row = 0 if data.event[0] == 1 else 1  # an event row: both likelihood terms count
    weights = np.ones(data.time.size)
    weights[row] = 2.0
    # SurvivalData gains a `weights` field for matched cohorts; model_data reads it if present
    object.__setattr__(data, "weights", weights)
    frame = pd.DataFrame(
        {
            "id": np.arange(data.time.size + 1),
            "group": np.where(np.r_[data.index, data.index[row]] == 1, "cystic", "solid"),
            "time": np.r_[data.time, data.time[row]],
            "event": np.r_[data.event, data.event[row]],
        }
    )
    duplicated = load_survival(frame, time="time", event="event", group="group", source="dup")
    point = {"log_lambda0": 1.1, "log_k": -0.2, "delta_log_k": 0.5, "log_hr": -0.4}
    weighted = _logp(SurvivalFit("w", "w", data, True), 15, point)
    copied = _logp(SurvivalFit("d", "d", duplicated, True), 15, point)
    unweighted = _logp(SurvivalFit("u", "u", plain, True), 15, point)
    assert weighted == pytest.approx(copied, rel=1e-12)
    assert abs(weighted - unweighted) > 0.1  # the weight matters


def test_group_shape_summary_hr_is_the_hr_at_the_reference_time(fitter):
    """Regression (issue 7, finding 1): with k1 != k0 the summary "hr" was e^beta.

    The reported HR and P(HR < c) must be those of HR(t_ref) computed from the draws of
    (k0, k1, lambda0, beta) by the closed form, not of e^beta.
    """
    k0, k1, lambda0 = 1.5, 0.7, 4.0
    beta = beta_for(np.log(0.8), k0, k1, lambda0, 1.0)
    data = simulate(150, 250, k0, k1, lambda0, beta, seed=21, follow_up=10)
    fit = SurvivalFit("sim", "sim", data, group_shape=True, reference_time=1.0)
    settings = SamplerSettings(draws=400, tune=400, chains=2)
    result = fit_survival([fit], {"vague": VAGUE}, CLINICAL, 3, settings=settings, fitter=fitter)
    table = result.table.set_index("quantity")
    posterior = result.posteriors["weibull"].posterior.to_dataset().isel(fit=0)
    k_reference = np.exp(posterior["log_k"].values)
    k_index = np.exp(posterior["log_k"].values + posterior["delta_log_k"].values)
    hr_at_1 = true_hr(1.0, k_reference, k_index, np.exp(posterior["log_lambda0"].values), 0.0)
    hr_at_1 = hr_at_1 * np.exp(posterior["beta"].values)
    expected = np.quantile(hr_at_1, [0.5, 0.025, 0.975])
    reported = table.loc["hr", ["value", "lower", "upper"]].to_numpy(dtype=float)
    np.testing.assert_allclose(reported, expected, rtol=1e-9)
    assert table.loc["p_below_1", "value"] == pytest.approx(np.mean(hr_at_1 < 1), abs=1e-12)
    # e^beta is another quantity here (HR at lambda0 divided by k1/k0): far from HR(1 year)
    assert abs(np.median(np.exp(posterior["beta"].values)) / expected[0] - 1) > 0.2
    # the headline of a non-PH fit comes first, HR(t) at the horizons is reported
    assert list(table.index[:2]) == ["rmst_difference", "p_rmst_difference_above_0"]
    assert table.loc["hr_at_1", "value"] == pytest.approx(expected[0], rel=1e-9)
    assert "HR at 1 year" in table["prior_spec"].iloc[0]


def test_agrees_with_lifelines_weibull_mle_on_rossi(fitter):
    """Rossi recidivism data (lifelines.datasets.load_rossi): arrest ~ financial aid (fin).

    Reference: lifelines WeibullAFTFitter on the same data, converted to the PH scale by
    `frequentist.weibull_mle` (checked there against a direct scipy MLE). Tolerance: a quarter of
    the MLE's standard error, for the posterior median of log HR and of the shape. With a vague
    prior and 114 events the posterior median differs from the MLE by O(SE / sqrt(events)) plus
    Monte Carlo error (~SE / sqrt(ESS)), both well under SE / 4.
    """
    rossi = load_rossi()
    frame = pd.DataFrame(
        {
            "id": np.arange(len(rossi)),
            "group": np.where(rossi["fin"] == 1, "aid", "no_aid"),
            "time": rossi["week"].astype(float),
            "event": rossi["arrest"],
        }
    )
    data = load_survival(
        frame, time="time", event="event", group="group", index_level="aid", source="rossi"
    )
    mle = frequentist.weibull_mle(data)
    posterior = posterior_of(fitter, data)
    assert abs(np.median(posterior["log_hr"]) - mle["log_hr"]) < mle["log_hr_se"] / 4
    shape = np.median(np.exp(posterior["log_k"]))
    assert abs(shape - mle["shape"]) < mle["shape_se"] / 4
    lambda0 = np.median(np.exp(posterior["log_lambda0"]))
    assert abs(lambda0 - mle["lambda0"]) < mle["lambda0_se"] / 2


def test_posterior_median_survival_matches_kaplan_meier_at_large_n(fitter):
    data = simulate(1400, 1600, 1.3, 1.3, 6.0, -0.4, seed=11, follow_up=30)
    posterior = posterior_of(fitter, data)
    derived = derived_quantities(posterior, group_shape=False)
    km = frequentist.kaplan_meier_medians(data).set_index("group")
    # n = 1400-1600 per group: KM medians have SE ~ 3 %; 5 % is a two-SE band
    assert np.median(derived["median_index"]) == pytest.approx(km.loc["cystic", "median"], rel=0.05)
    assert np.median(derived["median_reference"]) == pytest.approx(
        km.loc["solid", "median"], rel=0.05
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("group_shape", "k_index"), [(False, 1.5), (True, 0.7)], ids=["common-shape", "group-shape"]
)
def test_simulation_recovery(fitter, group_shape, k_index):
    truth = {"log_lambda0": np.log(4.0), "log_k": np.log(1.5), "beta": np.log(0.6)}
    if group_shape:
        truth["delta_log_k"] = np.log(k_index) - truth["log_k"]
    # the sampled log_hr is log HR at t_ref = 1 year
    truth["log_hr"] = np.log(true_hr(1.0, 1.5, k_index if group_shape else 1.5, 4.0, np.log(0.6)))
    data = simulate(600, 900, 1.5, k_index, 4.0, truth["beta"], seed=5, follow_up=12)
    posterior = posterior_of(fitter, data, group_shape=group_shape, seed=2)
    for name, value in truth.items():
        lower, upper = np.quantile(posterior[name], [0.005, 0.995])
        assert lower < value < upper, name


@pytest.mark.slow
def test_group_shape_recovery_of_hr_at_stated_times(fitter):
    """Simulation study: known k0 = 1.3, k1 = 0.8, lambda0 = 3, HR(1 year) = 0.7.

    Ten replicate data sets of 300 patients (120 cystic), uniform censoring over 2-8 years, each
    fitted under the vague prior with the model compiled once. For HR(t_ref = 1) and HR(t) at
    0.5, 2 and 5 years, the true value must lie inside the reported 95 % interval in at least
    7 of the 10 replicates (expected 9.5; P(<= 6 of 10 | 95 % coverage) ~ 1e-4), and the
    interval must not be uninformative (upper / lower < 20).
    """
    k0, k1, lambda0, t_ref = 1.3, 0.8, 3.0, 1.0
    beta = beta_for(np.log(0.7), k0, k1, lambda0, t_ref)
    horizons = (0.5, 2.0, 5.0)
    truths = {"hr": 0.7} | {
        f"hr_at_{t:g}": float(true_hr(t, k0, k1, lambda0, beta)) for t in horizons
    }
    assert truths["hr"] == pytest.approx(float(true_hr(t_ref, k0, k1, lambda0, beta)))
    covered = dict.fromkeys(truths, 0)
    replicates = 10
    for replicate in range(replicates):
        data = simulate(120, 180, k0, k1, lambda0, beta, seed=100 + replicate, follow_up=8)
        fit = SurvivalFit("sim", "sim", data, group_shape=True, reference_time=t_ref)
        result = fit_survival(
            [fit], {"vague": VAGUE}, CLINICAL, replicate, fitter=fitter, horizons=horizons
        )
        table = result.table.set_index("quantity")
        for name, value in truths.items():
            lower, upper = table.loc[name, ["lower", "upper"]]
            covered[name] += int(lower < value < upper)
            assert upper / lower < 20, name
    assert all(count >= 7 for count in covered.values()), covered


@pytest.mark.parametrize("group_shape", [False, True], ids=["common-shape", "group-shape"])
def test_rmst_closed_form_equals_numerical_integration_of_the_survival_curve(group_shape):
    """RMST per draw (incomplete-gamma closed form) against adaptive quadrature of S(t) itself,
    for shapes below and above 1 and a horizon past most of the mass."""
    from scipy import integrate

    from bayes_netlm.modeling.survival_quantities import rmst_draws, survival_draws

    rng = np.random.default_rng(4)
    size = (1, 6)
    posterior = xr.Dataset(
        {
            "log_lambda0": (("chain", "draw"), rng.normal(1.5, 0.5, size)),
            "log_k": (("chain", "draw"), np.log([[0.45, 0.8, 1.0, 1.3, 2.0, 3.5]])),
            "beta": (("chain", "draw"), rng.normal(-0.3, 0.5, size)),
            "delta_log_k": (("chain", "draw"), rng.normal(0.0, 0.4, size)),
        }
    )
    for group in (0, 1):
        closed = rmst_draws(posterior, 10.0, group, group_shape)
        for draw in range(size[1]):
            one = posterior.isel(draw=[draw])

            def curve(t, one=one, group=group):
                return float(survival_draws(one, np.array([t]), group, group_shape)[0, 0])

            value, _ = integrate.quad(curve, 0.0, 10.0, epsabs=1e-12, epsrel=1e-12, limit=200)
            assert closed[draw] == pytest.approx(value, rel=1e-9, abs=1e-10), (group, draw)
