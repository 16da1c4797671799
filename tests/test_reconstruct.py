"""Guyot reconstruction: exactness on clean small arms, pitfalls, speed, validation on real data."""

import numpy as np
import pandas as pd
import pytest
from lifelines import WeibullAFTFitter

from bayes_netlm.evidence.curves import load_curve_input
from bayes_netlm.evidence.patients import load_survival
from bayes_netlm.evidence.reconstruct import quality_table, reconstruct, to_patient_frame
from bayes_netlm.evidence.reconstruct_quality import kaplan_meier
from bayes_netlm.evidence.reconstruct_uncertainty import plausible_reconstructions
from bayes_netlm.evidence.reconstruct_validation import DATASETS, digitise, validation_table


def _clean_figure(time: np.ndarray, event: np.ndarray, step: float) -> tuple:
    """Exact corners of every KM drop, the curve's end, and the at-risk table every ``step``."""
    patients = pd.DataFrame({"arm": "a", "time": time, "event": event})
    return digitise(patients, np.random.default_rng(0), error=0.0, n_times=int(time.max() / step))


@pytest.mark.parametrize("seed", range(6))
def test_clean_12_patient_arm_is_reconstructed_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    time = np.round(rng.exponential(10.0, 12), 2) + 0.01
    event = (rng.random(12) < 0.7).astype(int)
    event[np.argmin(time)] = 1
    curve, risk = _clean_figure(time, event, 4.0)
    result = reconstruct(load_curve_input(curve, risk))["a"]
    np.testing.assert_allclose(np.sort(result.time[result.event == 1]), np.sort(time[event == 1]))
    assert result.time.size == 12
    q = result.quality
    np.testing.assert_array_equal(q.at_risk_reconstructed, q.at_risk_given)
    # censorings are spread evenly, so their order among events (and so the KM) may differ
    assert q.max_abs_diff < 1 / 12


def test_flat_tail_gets_no_deaths() -> None:
    # 100 patients, 20 die by t=10, then a long flat tail while 80 are censored
    curve = pd.DataFrame(
        {
            "arm": "a",
            "time": [0.0, 5.0, 5.0, 10.0, 10.0, 36.0],
            "survival": [1, 1, 0.9, 0.9, 0.8, 0.8],
        }
    )
    risk = pd.DataFrame({"arm": "a", "time": [0, 12, 24, 36], "n_at_risk": [100, 70, 30, 5]})
    result = reconstruct(load_curve_input(curve, risk))["a"]
    assert result.time[result.event == 1].max() == 10.0
    # 10 censorings fall in [0, 12], some before the deaths at 5 and 10, so 19 or 20 deaths
    assert result.quality.events in (19, 20)
    np.testing.assert_array_equal(result.quality.at_risk_reconstructed, [100, 70, 30, 5])
    assert result.quality.max_abs_diff < 0.005  # one death in about 90 at risk


def test_slanted_drop_gives_one_event_not_zero_or_two() -> None:
    # one death among 20 (drop 0.05) drawn as a slope over four points
    survival = [1.0, 1.0, 0.9875, 0.975, 0.9625, 0.95, 0.95]
    curve = pd.DataFrame(
        {"arm": "a", "time": [0, 1, 1.1, 1.2, 1.3, 1.4, 5.0], "survival": survival}
    )
    risk = pd.DataFrame({"arm": "a", "time": [0, 2], "n_at_risk": [20, 19]})
    result = reconstruct(load_curve_input(curve, risk))["a"]
    assert result.quality.events == 1
    assert 1.0 < result.time[result.event == 1][0] <= 1.4


def test_total_events_are_honoured_in_the_last_interval() -> None:
    rng = np.random.default_rng(3)
    time, event = rng.exponential(10.0, 200), (rng.random(200) < 0.6).astype(int)
    curve, risk = _clean_figure(time, event, 10.0)
    data = load_curve_input(curve, risk, {"a": int(event.sum())})
    assert reconstruct(data)["a"].quality.events == event.sum()


def test_patient_frame_is_read_by_the_loader() -> None:
    patients = DATASETS[3].patients()
    curve, risk = digitise(patients, np.random.default_rng(1))
    frame = to_patient_frame(reconstruct(load_curve_input(curve, risk)))
    assert list(frame.columns) == ["id", "arm", "group", "time", "event"]
    data = load_survival(frame, time="time", event="event", group="group", index_level="index")
    assert data.time.size == len(patients)
    # waltons has tied deaths near at-risk times; the x-error moves some across (CURVES.md)
    assert data.event.sum() == pytest.approx(patients["event"].sum(), rel=0.15)


def test_500_patient_arm_is_reconstructed_closely() -> None:
    # its speed is measured in benchmarks/bench_reconstruct.py, never asserted here
    rng = np.random.default_rng(4)
    time, event = rng.weibull(1.3, 500) * 20, (rng.random(500) < 0.7).astype(int)
    patients = pd.DataFrame({"arm": "a", "time": time, "event": event})
    curve, risk = digitise(patients, rng, n_times=10)
    data = load_curve_input(curve, risk)
    result = reconstruct(data)["a"]
    assert result.quality.max_abs_diff < 0.02
    assert abs(result.quality.events - event.sum()) <= 5


def test_plausible_reconstructions_are_seeded_and_vary() -> None:
    curve, risk = digitise(DATASETS[4].patients(), np.random.default_rng(2))
    data = load_curve_input(curve, risk)
    first = plausible_reconstructions(data, n=3, seed=7)
    again = plausible_reconstructions(data, n=3, seed=7)
    assert all(a.equals(b) for a, b in zip(first, again, strict=True))
    assert not first[0]["time"].equals(first[1]["time"])
    assert {len(t) for t in first} == {42}


def test_quality_table_has_one_row_per_arm() -> None:
    curve, risk = digitise(DATASETS[3].patients(), np.random.default_rng(1))
    table = quality_table(reconstruct(load_curve_input(curve, risk)))
    assert set(table["arm"]) == {"index", "reference"}
    assert (table["max_abs_diff"] < 0.01).all()
    # the digitised points carry up to 0.5 % error; the reconstructed KM stays within about that
    assert (table["rmse"] < 0.006).all()


def test_kaplan_meier_matches_lifelines() -> None:
    from lifelines import KaplanMeierFitter

    patients = DATASETS[0].patients()
    times, survival = kaplan_meier(patients["time"].to_numpy(), patients["event"].to_numpy())
    fitted = KaplanMeierFitter().fit(patients["time"], patients["event"])
    np.testing.assert_allclose(survival, fitted.survival_function_at_times(times).to_numpy())


@pytest.mark.slow
def test_validation_on_lifelines_data_meets_targets_and_beats_naive() -> None:
    table = pd.concat([validation_table(seed) for seed in range(1, 6)])
    means = table.groupby("method").mean(numeric_only=True)
    print(table.groupby(["data", "method"]).mean(numeric_only=True).round(4).to_string())
    guyot = table[table["method"] == "guyot"]
    assert means.loc["guyot", "abs_dlog_hr"] <= 0.05
    assert means.loc["guyot", "abs_dlog_hr"] < means.loc["naive", "abs_dlog_hr"]
    medians = guyot.filter(like="median_rel_err").to_numpy()
    assert np.nanmax(medians) <= 0.05
    assert np.nanmax(guyot.filter(like="rmst_rel_err").to_numpy()) <= 0.02


@pytest.mark.slow
def test_pooled_posterior_is_wider_and_contains_the_original_weibull_estimate() -> None:
    from bayes_netlm.modeling.reconstruction_fit import fit_reconstructions
    from bayes_netlm.modeling.sampling import SamplerSettings
    from bayes_netlm.modeling.weibull import WeibullFitter
    from bayes_netlm.priors import NormalPrior

    sets = DATASETS[1:4]
    fitter = WeibullFitter(max(len(s.patients()) for s in sets))
    settings = SamplerSettings(draws=500, tune=500, chains=2)
    for number, data_set in enumerate(sets):
        patients = data_set.patients()
        curve, risk = digitise(patients, np.random.default_rng(number))
        tables = plausible_reconstructions(load_curve_input(curve, risk), n=4, seed=number)
        pooled = fit_reconstructions(tables, NormalPrior(0.0, 10.0), "index", 1, settings, fitter)
        widths = [e.upper - e.lower for e in pooled.single]
        assert pooled.pooled.upper - pooled.pooled.lower >= min(widths)
        frame = patients.assign(index=(patients["arm"] == "index").astype(float)).drop(
            columns="arm"
        )
        aft = WeibullAFTFitter().fit(frame, "time", "event")
        log_hr = -aft.params_[("lambda_", "index")] * np.exp(aft.params_[("rho_", "Intercept")])
        assert pooled.pooled.lower < log_hr < pooled.pooled.upper, data_set.name
