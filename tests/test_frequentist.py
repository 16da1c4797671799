"""Frequentist results against known answers: hand counts, R's survival, direct likelihood fits."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi, load_waltons
from numpy.testing import assert_allclose
from scipy import optimize, stats

from bayes_netlm.analyses.frequentist import (
    cox_hazard_ratio,
    frequentist_table,
    kaplan_meier_curves,
    kaplan_meier_medians,
    logrank,
    weibull_mle,
)
from bayes_netlm.errors import InputError
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.evidence.synthetic import make_synthetic_cohort

ROSSI_COVARIATES = ["age", "race", "wexp", "mar", "paro", "prio"]


def tiny() -> SurvivalData:
    """Ten patients whose Kaplan-Meier curves are worked out by hand in the tests."""
    frame = pd.DataFrame(
        {
            "group": ["cystic"] * 5 + ["solid"] * 5,
            "time": [1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 6.0],
            "event": [1, 0, 1, 1, 0, 1, 1, 1, 1, 1],
        }
    )
    return load_survival(frame, time="time", event="event", group="group", id_col=None)


def rossi(covariates: list[str]) -> SurvivalData:
    """Rossi recidivism data: financial aid (fin = 1) is the index group."""
    return load_survival(
        load_rossi(),
        time="week",
        event="arrest",
        group="fin",
        index_level="1",
        covariates=covariates,
        id_col=None,
        source="rossi",
    )


def synthetic_os() -> SurvivalData:
    return load_survival(make_synthetic_cohort(), time="os_time", event="os_event", group="group")


def test_km_medians_by_hand() -> None:
    # cystic: S = 4/5 after t=1, then 2 at risk after the censoring at 2 ... S(3) = 0.8 * 2/3 =
    # 0.533, S(4) = 0.533 * 1/2 = 0.267, so the median is 4. solid: S = 0.8, 0.6, 0.4 at 1, 2, 3:
    # median 3.
    table = kaplan_meier_medians(tiny())
    assert table["group"].tolist() == ["cystic", "solid"]
    assert table["n"].tolist() == [5, 5] and table["events"].tolist() == [3, 5]
    assert table["median"].tolist() == [4.0, 3.0]
    assert (table["lower"] <= table["median"]).all() and (table["median"] <= table["upper"]).all()


def test_km_curves_by_hand() -> None:
    # Same hand calculation as test_km_medians_by_hand, now as whole step curves.
    curves = kaplan_meier_curves(tiny())
    assert curves.columns.tolist() == ["group", "time", "survival", "lower", "upper"]
    cystic = curves[curves["group"] == "cystic"]
    solid = curves[curves["group"] == "solid"]
    assert curves["group"].iloc[0] == "cystic"
    assert_allclose(cystic["time"], [0, 1, 2, 3, 4, 5])
    assert_allclose(cystic["survival"], [1, 0.8, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3 / 2, 0.8 / 3])
    assert_allclose(solid["time"], [0, 1, 2, 3, 4, 6])
    assert_allclose(solid["survival"], [1, 0.8, 0.6, 0.4, 0.2, 0.0], atol=1e-12)
    # Exponential Greenwood at t = 1 for solid: var sum d / (n (n - d)) = 1 / 20, on log(-log S).
    s = 0.8
    half = 1.959964 * math.sqrt(1 / 20) / abs(math.log(s))
    first = solid.iloc[1]
    assert first["lower"] == pytest.approx(s ** math.exp(half), rel=1e-5)
    assert first["upper"] == pytest.approx(s ** math.exp(-half), rel=1e-5)
    assert (curves["lower"] <= curves["survival"] + 1e-12).all()
    assert (curves["survival"] <= curves["upper"] + 1e-12).all()


def test_km_median_not_reached_is_inf() -> None:
    frame = pd.DataFrame(
        {"group": ["cystic"] * 4 + ["solid"] * 2, "t": [1, 2, 3, 4, 1, 2], "e": [1, 0, 0, 0, 1, 1]}
    )
    data = load_survival(frame, time="t", event="e", group="group", id_col=None)
    cystic = kaplan_meier_medians(data).iloc[0]
    assert cystic["median"] == math.inf and cystic["upper"] == math.inf


def hand_logrank_p(data: SurvivalData) -> float:
    """Log-rank test written out: sum over event times of O - E and the hypergeometric variance.

    Counts are sums of the row weights (plain counts when unweighted).
    """
    observed_minus_expected = variance = 0.0
    w = data.weights
    for t in np.unique(data.time[data.event == 1]):
        at_risk = data.time >= t
        n, n1 = w[at_risk].sum(), w[at_risk & (data.index == 1)].sum()
        dead = (data.time == t) & (data.event == 1)
        d, d1 = w[dead].sum(), w[dead & (data.index == 1)].sum()
        observed_minus_expected += d1 - d * n1 / n
        if n > 1:
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return float(stats.chi2.sf(observed_minus_expected**2 / variance, df=1))


def test_logrank_by_hand() -> None:
    assert logrank(tiny()) == pytest.approx(hand_logrank_p(tiny()), rel=1e-12)


def test_logrank_waltons_known_answer() -> None:
    # lifelines documentation, survival analysis intro: logrank_test on the Waltons data,
    # test_statistic 122.25.
    waltons = load_waltons()
    data = load_survival(
        waltons, time="T", event="E", group="group", index_level="miR-137", id_col=None
    )
    assert stats.chi2.isf(logrank(data), df=1) == pytest.approx(122.25, rel=1e-3)
    assert logrank(data) == pytest.approx(hand_logrank_p(data), rel=1e-6)


def test_cox_rossi_known_answer() -> None:
    # R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = Rossi)
    # fin: coef -0.37942, se 0.19138, exp(coef) 0.6843 (Fox & Weisberg, Cox appendix).
    cox = cox_hazard_ratio(rossi(ROSSI_COVARIATES))
    assert_allclose([cox["log_hr"], cox["log_hr_se"], cox["hr"]], [-0.37942, 0.19138, 0.6843], 1e-3)


def test_cox_matches_lifelines_coxphfitter() -> None:
    frame = load_rossi()[["week", "arrest", "fin", *ROSSI_COVARIATES]]
    row = CoxPHFitter().fit(frame, "week", "arrest").summary.loc["fin"]
    cox = cox_hazard_ratio(rossi(ROSSI_COVARIATES))
    expected = [row["exp(coef)"], row["exp(coef) lower 95%"], row["exp(coef) upper 95%"], row["p"]]
    assert_allclose([cox["hr"], cox["lower"], cox["upper"], cox["p"]], expected, rtol=1e-6)


def negative_ph_loglik(params: np.ndarray, data: SurvivalData) -> float:
    """Censored Weibull PH: S = exp(-(t/lambda0)^k exp(x'g)); events add log h, all add log S."""
    log_k, log_lambda0, gamma = params[0], params[1], params[2:]
    k = math.exp(log_k)
    log_t_scaled = np.log(data.time) - log_lambda0
    linear = design(data) @ gamma
    cumulative_hazard = np.exp(k * log_t_scaled + linear)
    log_hazard = log_k - log_lambda0 + (k - 1) * log_t_scaled + linear
    return -float(np.sum(data.weights * (data.event * log_hazard - cumulative_hazard)))


def negative_ph_gradient(params: np.ndarray, data: SurvivalData) -> np.ndarray:
    log_k, log_lambda0, gamma = params[0], params[1], params[2:]
    k = math.exp(log_k)
    log_t_scaled = np.log(data.time) - log_lambda0
    x = design(data)
    w = data.weights
    cumulative_hazard = np.exp(k * log_t_scaled + x @ gamma)
    d_log_k = np.sum(
        w * (data.event * (1 + k * log_t_scaled) - cumulative_hazard * k * log_t_scaled)
    )
    d_log_lambda0 = np.sum(w * k * (cumulative_hazard - data.event))
    d_gamma = x.T @ (w * (data.event - cumulative_hazard))
    return -np.concatenate([[d_log_k, d_log_lambda0], d_gamma])


def design(data: SurvivalData) -> np.ndarray:
    return np.column_stack([data.index, data.covariates.to_numpy()])


def direct_ph_fit(data: SurvivalData) -> tuple[np.ndarray, np.ndarray]:
    """Maximise the PH log-likelihood with scipy; return the estimate and its standard errors."""
    start = np.zeros(3 + data.covariates.shape[1])
    start[1] = np.log(data.time.sum() / data.event.sum())  # exponential MLE of the scale
    fit = optimize.minimize(
        negative_ph_loglik, start, args=(data,), jac=negative_ph_gradient, method="BFGS", tol=1e-10
    )
    # BFGS may stop with "precision loss" right at the optimum; the gradient says it is there.
    assert np.abs(negative_ph_gradient(fit.x, data)).max() < 1e-5
    return fit.x, np.sqrt(np.diag(np.linalg.inv(numeric_hessian(fit.x, data))))


def numeric_hessian(x: np.ndarray, data: SurvivalData, h: float = 1e-4) -> np.ndarray:
    steps = np.eye(x.size) * h
    hessian = np.empty((x.size, x.size))
    for i in range(x.size):
        for j in range(x.size):
            hessian[i, j] = (
                negative_ph_loglik(x + steps[i] + steps[j], data)
                - negative_ph_loglik(x + steps[i] - steps[j], data)
                - negative_ph_loglik(x - steps[i] + steps[j], data)
                + negative_ph_loglik(x - steps[i] - steps[j], data)
            ) / (4 * h * h)
    return hessian


@pytest.mark.parametrize(
    "data",
    [rossi(ROSSI_COVARIATES), rossi([]), synthetic_os()],
    ids=["rossi-adjusted", "rossi-unadjusted", "synthetic-os"],
)
def test_weibull_ph_conversion_matches_direct_mle(data: SurvivalData) -> None:
    estimate, se = direct_ph_fit(data)
    fit = weibull_mle(data)
    assert_allclose(
        [fit["shape"], fit["lambda0"], fit["log_hr"]],
        [math.exp(estimate[0]), math.exp(estimate[1]), estimate[2]],
        rtol=1e-3,
    )
    # Standard errors by the delta method against the observed information of the PH form.
    assert_allclose(
        [fit["shape_se"], fit["lambda0_se"], fit["log_hr_se"]],
        [math.exp(estimate[0]) * se[0], math.exp(estimate[1]) * se[1], se[2]],
        rtol=1e-3,
    )
    assert fit["hr"] == pytest.approx(math.exp(fit["log_hr"]))


def test_weibull_rejects_zero_times() -> None:
    frame = pd.DataFrame({"g": ["cystic", "solid"] * 2, "t": [0.0, 1.0, 2.0, 3.0], "e": 1})
    data = load_survival(frame, time="t", event="e", group="g", id_col=None, source="f.csv")
    with pytest.raises(InputError, match=r"f\.csv, data row 1, follow-up time: time of zero"):
        weibull_mle(data)
    # many zero times: the first rows are listed and the rest counted (one listed each before)
    many = pd.DataFrame({"g": ["cystic", "solid"] * 40, "t": [0.0] * 60 + [1.0] * 20, "e": 1})
    data = load_survival(many, time="t", event="e", group="g", id_col=None, source="f.csv")
    with pytest.raises(
        InputError, match=r"data rows 1, 2, .* and \d+ more, follow-up time"
    ) as error:
        weibull_mle(data)
    assert len(str(error.value)) < 300


def test_frequentist_table_collects_the_results() -> None:
    data = rossi(ROSSI_COVARIATES)
    table = frequentist_table(data).set_index(["quantity", "group"])
    assert list(table.columns) == ["value", "lower", "upper"]
    assert table.loc[("patients", "1"), "value"] == 216
    assert table.loc[("logrank_p", "1 vs 0"), "value"] == logrank(data)
    cox = cox_hazard_ratio(data)
    assert table.loc[("cox_hr", "1 vs 0")].tolist() == [cox["hr"], cox["lower"], cox["upper"]]
    assert table.loc[("weibull_hr", "1 vs 0"), "value"] == weibull_mle(data)["hr"]
    assert len(table) == 12


# --- weighted (matched-design) estimates --------------------------------------------------------


def weighted_sample(seed: int = 4) -> SurvivalData:
    """8 index patients with weight 1 and 24 controls with 1/k weights (k = 1, 2, 3); no ties."""
    rng = np.random.default_rng(seed)
    index = np.r_[np.ones(8), np.zeros(24)].astype(np.int64)
    frame = pd.DataFrame(
        {
            "group": np.where(index == 1, "cystic", "solid"),
            "time": np.round(rng.exponential(np.where(index == 1, 2.0, 1.0)), 6) + 0.01,
            "event": (rng.uniform(size=32) < 0.75).astype(np.int64),
        }
    )
    data = load_survival(frame, time="time", event="event", group="group", id_col=None)
    weights = np.r_[np.ones(8), np.tile([1.0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3], 4)]
    return dataclasses.replace(data, weights=weights)


def expanded(data: SurvivalData, copies: np.ndarray) -> SurvivalData:
    """Each row repeated ``copies`` times, unweighted."""
    rows = np.repeat(np.arange(len(data.time)), copies)
    return dataclasses.replace(
        data,
        time=data.time[rows],
        event=data.event[rows],
        index=data.index[rows],
        covariates=data.covariates.iloc[rows].reset_index(drop=True),
        ids=np.array([str(i) for i in range(len(rows))], dtype=object),
        weights=np.ones(len(rows)),
    )


def test_weighted_logrank_by_hand_and_by_expansion() -> None:
    data = weighted_sample()
    assert data.weighted
    p = logrank(data)
    assert p == pytest.approx(hand_logrank_p(data), rel=1e-9)
    assert p != pytest.approx(logrank(dataclasses.replace(data, weights=np.ones(32))), rel=1e-3)
    # Integer weights are frequencies: the test equals the one on the expanded data.
    copies = np.round(6 * data.weights).astype(np.int64)
    integer = dataclasses.replace(data, weights=copies.astype(float))
    assert logrank(integer) == pytest.approx(logrank(expanded(data, copies)), rel=1e-9)


def test_weighted_km_equals_the_expanded_data() -> None:
    # The product-limit estimate depends on the weights only through d / n at each time, so
    # weights 1, 1/2, 1/3 give the same curve as 6, 3, 2 copies of each row.
    data = weighted_sample()
    copies = np.round(6 * data.weights).astype(np.int64)
    weighted, plain = kaplan_meier_curves(data), kaplan_meier_curves(expanded(data, copies))
    assert_allclose(weighted["time"], plain["time"])
    assert_allclose(weighted["survival"], plain["survival"], atol=1e-12)
    assert_allclose(
        kaplan_meier_medians(data)["median"], kaplan_meier_medians(expanded(data, copies))["median"]
    )


def weighted_partial_loglik(beta: float, data: SurvivalData) -> float:
    """Weighted Cox partial log-likelihood without ties.

    sum_i w_i d_i (x_i b - log sum_{j in R_i} w_j e^(x_j b)).
    """
    risk = data.weights * np.exp(beta * data.index)
    total = 0.0
    for i in np.flatnonzero(data.event == 1):
        at_risk = data.time >= data.time[i]
        total += data.weights[i] * (beta * data.index[i] - math.log(risk[at_risk].sum()))
    return total


def test_weighted_cox_and_weibull_maximise_the_weighted_likelihood() -> None:
    data = weighted_sample()
    assert len(np.unique(data.time)) == len(data.time)  # no ties: Efron = Breslow
    cox = cox_hazard_ratio(data)
    best = optimize.minimize_scalar(lambda b: -weighted_partial_loglik(b, data))
    assert cox["log_hr"] == pytest.approx(best.x, abs=1e-4)
    # Robust (sandwich) SE, as lifelines computes it with robust=True.
    frame = pd.DataFrame({"x": data.index, "t": data.time, "e": data.event, "w": data.weights})
    robust = CoxPHFitter().fit(frame, "t", "e", weights_col="w", robust=True)
    assert cox["log_hr_se"] == pytest.approx(robust.summary.loc["x", "se(coef)"], rel=1e-6)
    estimate, _ = direct_ph_fit(data)
    fit = weibull_mle(data)
    assert_allclose(
        [fit["shape"], fit["lambda0"], fit["log_hr"]],
        [math.exp(estimate[0]), math.exp(estimate[1]), estimate[2]],
        rtol=1e-3,
    )


@pytest.mark.parametrize("tied", [True, False])
def test_cox_without_a_finite_estimate_is_missing_not_a_traceback(tied):
    """Every cystic patient has an event before any solid patient's: the partial likelihood keeps
    rising as the log HR grows, so there is no finite estimate. Tied (collapsible) times went
    through the exact Efron fit and ended in LinAlgError ("Singular matrix"); distinct times go
    through lifelines. Both give NaN, and `survival` says why."""
    rng = np.random.default_rng(3)
    early = np.full(6, 0.01) if tied else np.linspace(0.01, 0.02, 6)
    frame = pd.DataFrame(
        {
            "group": ["cystic"] * 6 + ["solid"] * 40,
            "time": np.concatenate([early, 1.0 + rng.exponential(5.0, 40)]),
            "event": [1] * 6 + [1, 0] * 20,
        }
    )
    data = load_survival(frame, time="time", event="event", group="group", id_col=None)
    cox = cox_hazard_ratio(data)
    assert all(math.isnan(v) for v in cox.values())
    import bayes_netlm.api.survival as api_survival

    results = api_survival.lifelines_results(data)
    assert math.isnan(results["cox_hr"]) and "no finite estimate" in results["cox_note"]
    assert results["logrank_p"] < 1e-6  # the log-rank test still answers
