"""Weibull survival figures and predictive replicates from synthetic draws (no sampling)."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from canvas_checks import assert_laid_out
from matplotlib.figure import Figure

from bayes_netlm.analyses.frequentist import kaplan_meier_curves
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.modeling.predictive import kaplan_meier_steps, posterior_predictive_times
from bayes_netlm.modeling.survival_quantities import hazard_ratio_draws
from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.reporting import survival_plots

# the bundled clinical thresholds (HR 0.7, equivalence 0.8-1.25, RD 0.05 / 0.025)
CLINICAL = load_prior_catalog().clinical


def _posterior(
    log_lambda0: float,
    log_k: float,
    delta_log_k: float,
    log_hr: float,
    sd: float = 0.1,
    seed: int = 0,
) -> xr.Dataset:
    rng = np.random.default_rng(seed)
    shape = (2, 100)
    centres = {
        "log_lambda0": log_lambda0,
        "log_k": log_k,
        "delta_log_k": delta_log_k,
        "log_hr": log_hr,
    }
    posterior = xr.Dataset(
        {
            name: (("chain", "draw"), centre + sd * rng.standard_normal(shape))
            for name, centre in centres.items()
        },
        coords={"chain": np.arange(2), "draw": np.arange(100)},
    )
    # the group's coefficient beta equal to log HR(t_ref), as with a reference time at lambda0
    # and a common shape; the formulas below are in beta
    return posterior.assign(beta=posterior["log_hr"])


def _cohort(n_index: int = 12, n_reference: int = 60, seed: int = 3) -> SurvivalData:
    rng = np.random.default_rng(seed)
    n = n_index + n_reference
    group = ["cystic"] * n_index + ["solid"] * n_reference
    event_time = 3.0 * rng.weibull(1.2, n)
    censor = rng.uniform(1.0, 8.0, n)
    frame = pd.DataFrame(
        {
            "group": group,
            "time": np.minimum(event_time, censor) + 0.01,
            "event": (event_time <= censor).astype(int),
        }
    )
    frame.loc[[0, n_index], "event"] = 1  # both groups need events
    return load_survival(frame, time="time", event="event", group="group", id_col=None)


def _save(figure: Figure, path) -> np.ndarray:
    assert_laid_out(figure)
    figure.savefig(path, dpi=80)
    assert path.stat().st_size > 10_000
    return mpimg.imread(path)


# ---- posterior predictive replicates ----------------------------------------------------------


def _all_events(n_per_group: int) -> SurvivalData:
    # Every patient has an event; one very long time makes the censoring at the largest observed
    # time irrelevant, so replicated times follow the Weibull distribution itself.
    times = np.linspace(0.1, 5.0, 2 * n_per_group)
    times[-1] = 1e6
    frame = pd.DataFrame(
        {
            "group": ["cystic"] * n_per_group + ["solid"] * n_per_group,
            "time": times,
            "event": 1,
        }
    )
    return load_survival(frame, time="time", event="event", group="group", id_col=None)


@pytest.mark.parametrize("group_shape", [False, True])
def test_replicated_medians_match_weibull(group_shape: bool) -> None:
    lambda0, k0, delta, log_hr = 2.0, 1.5, 0.4, -0.5
    posterior = _posterior(math.log(lambda0), math.log(k0), delta, log_hr, sd=1e-6)
    data = _all_events(200)
    times, events = posterior_predictive_times(posterior, data, group_shape, 200, seed=1)
    assert times.shape == events.shape == (200, 400)
    assert events.mean() > 0.999
    k1 = k0 * math.exp(delta) if group_shape else k0
    median_reference = lambda0 * math.log(2) ** (1 / k0)
    median_index = lambda0 * (math.log(2) * math.exp(-log_hr)) ** (1 / k1)
    index = data.index == 1
    assert np.median(times[:, ~index]) == pytest.approx(median_reference, rel=0.02)
    assert np.median(times[:, index]) == pytest.approx(median_index, rel=0.02)


def test_replicates_of_an_adjusted_fit_follow_each_patients_covariates() -> None:
    # regression: the replicates left out design @ gamma, so a correctly specified adjusted model
    # looked misfitted. Age 40 or 80 (mean 60, SD 20) standardises to -1 or +1 exactly.
    lambda0, k, log_hr, gamma = 2.0, 1.3, -0.5, 0.8
    data = _all_events(200)
    age = np.tile([40.0, 80.0], 200)
    data = replace(data, covariates=pd.DataFrame({"age": age}))
    posterior = _posterior(math.log(lambda0), math.log(k), 0.0, log_hr, sd=1e-6)
    draws = np.full((2, 100, 1), gamma)
    posterior["gamma"] = xr.DataArray(draws, dims=("chain", "draw", "covariate"))
    posterior = posterior.assign_coords(covariate=["age"])
    times, _ = posterior_predictive_times(posterior, data, False, 200, seed=2)
    for group in (0, 1):
        for x in (-1.0, 1.0):
            members = (data.index == group) & (age == 60.0 + 20.0 * x)
            eta = log_hr * group + gamma * x
            median = lambda0 * (math.log(2) * math.exp(-eta)) ** (1 / k)
            assert np.median(times[:, members]) == pytest.approx(median, rel=0.03)


def test_replicates_pair_each_draws_gamma_with_the_rest_of_that_draw() -> None:
    # gamma varies by draw and log lambda0 moves with it so that a patient at age 80 (x = +1) in
    # the reference group has the same median in every draw: a replicate drawn with another
    # draw's gamma shows. gamma is stored (draw, chain, covariate), the others (chain, draw).
    k, median = 1.3, 2.0
    rng = np.random.default_rng(7)
    gamma = rng.uniform(-1.5, 1.5, (2, 100))
    log_lambda0 = math.log(median) - math.log(math.log(2)) / k + gamma / k
    posterior = _posterior(0.0, math.log(k), 0.0, 0.0, sd=1e-9)
    posterior["log_lambda0"] = (("chain", "draw"), log_lambda0)
    posterior["gamma"] = (("draw", "chain", "covariate"), gamma.T[..., None])
    posterior = posterior.assign_coords(covariate=["age"])
    data = _all_events(200)
    age = np.tile([40.0, 80.0], 200)
    data = replace(data, covariates=pd.DataFrame({"age": age}))
    times, _ = posterior_predictive_times(posterior, data, False, 100, seed=3)
    members = (data.index == 0) & (age == 80.0)  # 100 patients
    per_replicate = np.log(np.median(times[:, members], axis=1))
    assert np.abs(per_replicate - math.log(median)).max() < 0.4


def test_replicates_reproducible_and_censored_like_the_data() -> None:
    posterior = _posterior(math.log(3.0), 0.0, 0.0, 0.0)
    data = _cohort()
    first = posterior_predictive_times(posterior, data, False, 30, seed=5)
    second = posterior_predictive_times(posterior, data, False, 30, seed=5)
    other = posterior_predictive_times(posterior, data, False, 30, seed=6)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], other[0])
    times, events = first
    censored = data.event == 0
    # a patient censored in the data is never followed longer in a replicate
    assert (times[:, censored] <= data.time[censored] + 1e-12).all()
    assert (times <= data.time.max() + 1e-12).all()
    # a replicate is censored exactly at its censoring time
    limit = np.where(censored, data.time, data.time.max())
    assert np.allclose(times[events == 0], np.broadcast_to(limit, times.shape)[events == 0])
    with pytest.raises(ValueError, match="n_replicates"):
        posterior_predictive_times(posterior, data, False, 0, seed=1)


def test_kaplan_meier_steps_match_lifelines() -> None:
    data = _cohort()
    km = kaplan_meier_curves(data)
    for flag, name in ((1, "cystic"), (0, "solid")):
        members = data.index == flag
        steps, values = kaplan_meier_steps(data.time[members], data.event[members])
        rows = km[km["group"] == name]
        # lifelines' step value at each of our steps
        at = np.searchsorted(rows["time"].to_numpy(), steps, side="right") - 1
        np.testing.assert_allclose(values, rows["survival"].to_numpy()[at], atol=1e-12)


# ---- figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("group_shape", [False, True])
def test_survival_curves_figure(tmp_path, group_shape: bool) -> None:
    data = _cohort()
    figure = survival_plots.survival_curves_figure(
        _posterior(math.log(3.0), 0.2, 0.3, -0.3), kaplan_meier_curves(data), group_shape, "OS"
    )
    image = _save(figure, tmp_path / "survival.png")
    assert image.shape[0] > 300 and image.shape[1] > 500
    ax = figure.axes[0]
    assert ax.get_title() == "OS"
    assert ax.get_xlabel() == "Years since liver resection"
    assert ax.get_ylabel() == "Survival probability"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "cystic: Kaplan-Meier" in legend and "solid: Weibull posterior median" in legend
    assert ax.get_xlim() == (0.0, pytest.approx(data.time.max()))


def test_survival_curves_figure_unknown_label() -> None:
    km = kaplan_meier_curves(_cohort())
    with pytest.raises(ValueError, match="no Kaplan-Meier rows"):
        survival_plots.survival_curves_figure(
            _posterior(0.0, 0.0, 0.0, 0.0), km, False, "OS", labels=("a", "b")
        )


@pytest.mark.parametrize("group_shape", [False, True])
def test_hazard_ratio_over_time_figure(tmp_path, group_shape: bool) -> None:
    posterior = _posterior(math.log(3.0), 0.2, 0.3, -0.3)
    figure = survival_plots.hazard_ratio_over_time_figure(
        posterior, group_shape, "OS", CLINICAL, t_max=10.0, reference_time=1.0
    )
    # the run's longest label fits too (its title ran off both edges, in two lines now)
    long = "Hepatic progression-free survival, full cohort (SYNTHETIC cohort)"
    assert_laid_out(
        survival_plots.hazard_ratio_over_time_figure(
            posterior, group_shape, long, CLINICAL, t_max=10.0, reference_time=1.0
        )
    )
    image = _save(figure, tmp_path / "hr.png")
    assert image.shape[0] > 300 and image.shape[1] > 500
    ax = figure.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_title().startswith("OS: hazard ratio over time")
    assert ax.get_xlabel() == "Years since liver resection"
    assert ax.get_ylabel().startswith("Hazard ratio (cystic / solid)")
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "Important benefit (HR 0.7)" in legend and "No difference (HR 1)" in legend
    assert "HR at 1 year: carries the prior" in legend
    median = ax.get_lines()[0].get_ydata()
    if group_shape:  # k1 > k0: HR rises over time
        assert median[-1] > median[0]
    else:
        np.testing.assert_allclose(median, median[0])


def test_hazard_ratio_draws_formula() -> None:
    posterior = _posterior(math.log(2.0), math.log(1.5), 0.4, -0.5, sd=0.0)
    times = np.array([0.5, 2.0, 8.0])
    k0, k1 = 1.5, 1.5 * math.exp(0.4)
    expected = (k1 / k0) * (times / 2.0) ** (k1 - k0) * math.exp(-0.5)
    draws = hazard_ratio_draws(posterior, times, True)
    np.testing.assert_allclose(draws[0], expected)
    np.testing.assert_allclose(draws[0, 1], (k1 / k0) * math.exp(-0.5))  # log HR at t = lambda0
    np.testing.assert_allclose(hazard_ratio_draws(posterior, times, False), math.exp(-0.5))


def test_ppc_figure(tmp_path) -> None:
    data = _cohort()
    times, events = posterior_predictive_times(
        _posterior(math.log(3.0), 0.2, 0.0, 0.0), data, False, 80, seed=2
    )
    figure = survival_plots.ppc_figure(times, events, data, "OS")
    image = _save(figure, tmp_path / "ppc.png")
    assert image.shape[1] > image.shape[0] > 300
    assert len(figure.axes) == 2
    assert figure.get_suptitle() == "OS: posterior predictive check"
    left, right = figure.axes
    assert left.get_title().startswith("cystic (n = 12")
    assert right.get_title().startswith("solid (n = 60")
    assert left.get_xlabel() == right.get_xlabel() == "Years since liver resection"
    assert left.get_ylabel().startswith("Survival probability")
    legend = [text.get_text() for text in left.get_legend().get_texts()]
    assert legend == ["Replicated data (50 sets)", "Observed data"]
    assert len(left.get_lines()) == 51
    with pytest.raises(ValueError, match="do not match"):
        survival_plots.ppc_figure(times[:, :5], events[:, :5], data, "OS")


# ---- publication-grade Kaplan-Meier figure: at risk, censoring ticks, synthetic label ---------


def _table_axis(figure: Figure):
    (table,) = [ax for ax in figure.axes if ax.get_label() == "at risk"]
    return table


def _table_entries(figure: Figure) -> dict[str, dict[float, str]]:
    """Row label -> {tick time: printed entry} as drawn in the at-risk table."""
    table = _table_axis(figure)
    names = {
        round(y): label.get_text()
        for y, label in zip(table.get_yticks(), table.get_yticklabels(), strict=True)
    }
    entries: dict[str, dict[float, str]] = {name: {} for name in names.values()}
    for text in table.texts:
        x, y = text.get_position()
        entries[names[round(y)]][float(x)] = text.get_text()
    return entries


def _lifelines_at_risk(time: np.ndarray, event: np.ndarray, weights, tick: float) -> float:
    from lifelines import KaplanMeierFitter

    table = KaplanMeierFitter().fit(time, event, weights=weights).event_table
    later = table[table.index >= tick]
    return float(later["at_risk"].iloc[0]) if len(later) else 0.0


def _curves(data: SurvivalData, **kwargs) -> Figure:
    return survival_plots.survival_curves_figure(
        _posterior(math.log(3.0), 0.2, 0.3, -0.3),
        kaplan_meier_curves(data),
        False,
        "OS",
        t_max=float(data.time.max()),
        data=data,
        **kwargs,
    )


def test_at_risk_table_matches_lifelines(tmp_path) -> None:
    data = _cohort()
    figure = _curves(data)
    _save(figure, tmp_path / "km.png")
    main = figure.axes[0]
    ticks = main.get_xticks()
    entries = _table_entries(figure)
    assert list(entries) == ["cystic", "solid"]  # one row per group, index group on top
    assert _table_axis(figure).get_title(loc="left") == "Number at risk"
    for flag, name in ((1, "cystic"), (0, "solid")):
        members = data.index == flag
        # one entry under each x tick, none elsewhere
        assert sorted(entries[name]) == pytest.approx(sorted(ticks))
        for tick, printed in entries[name].items():
            expected = _lifelines_at_risk(data.time[members], data.event[members], None, tick)
            assert int(printed) == expected
        assert int(entries[name][0.0]) == members.sum()
    assert int(entries["cystic"][max(ticks)]) < 12  # counts fall over follow-up


def test_at_risk_counts_a_time_on_the_tick_as_at_risk() -> None:
    from bayes_netlm.reporting.km_annotations import at_risk

    time = np.array([1.0, 2.0, 2.0, 3.5])
    weights = np.ones(4)
    counts = at_risk(time, weights, np.array([0.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(counts, [4, 3, 1, 0])
    for tick, count in zip([0.0, 2.0, 3.0, 4.0], counts, strict=True):
        assert _lifelines_at_risk(time, np.array([1, 0, 1, 1]), None, tick) == count


def test_weighted_at_risk_is_the_sum_of_weights() -> None:
    base = _cohort()
    rng = np.random.default_rng(9)
    weights = rng.choice([1.0, 0.5, 1 / 3], size=base.time.size)
    data = SurvivalData(
        time=base.time,
        event=base.event,
        index=base.index,
        covariates=base.covariates,
        ids=base.ids,
        index_label=base.index_label,
        reference_label=base.reference_label,
        matched_set=None,
        source="test",
        weights=weights,
    )
    figure = _curves(data)
    assert _table_axis(figure).get_title(loc="left").startswith("Weighted number at risk")
    entries = _table_entries(figure)
    for flag, name in ((1, "cystic"), (0, "solid")):
        members = data.index == flag
        for tick, printed in entries[name].items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lifelines: non-integer weights
                expected = _lifelines_at_risk(
                    data.time[members], data.event[members], weights[members], tick
                )
            assert float(printed) == pytest.approx(expected, abs=0.05)
            assert "." in printed  # a weighted sum, one decimal


def test_censoring_ticks_one_per_censored_time() -> None:
    data = _cohort()
    figure = _curves(data)
    main = figure.axes[0]
    km = kaplan_meier_curves(data)
    for flag, name in ((1, "cystic"), (0, "solid")):
        members = data.index == flag
        censored = np.unique(data.time[members][data.event[members] == 0])
        assert censored.size > 0
        (line,) = [line for line in main.get_lines() if line.get_gid() == f"censored {name}"]
        assert line.get_marker() == "|" and line.get_linestyle() == "None"
        x, y = line.get_data()
        assert len(x) == censored.size
        np.testing.assert_allclose(x, censored)
        # each tick sits on the Kaplan-Meier step of its time
        rows = km[km["group"] == name]
        for t, s in zip(x, y, strict=True):
            assert s == pytest.approx(rows.loc[rows["time"] == t, "survival"].iloc[0])


def test_synthetic_label_only_when_flagged(tmp_path) -> None:
    from bayes_netlm.reporting.km_annotations import SYNTHETIC_LABEL

    data = _cohort()
    flagged = _curves(data, synthetic=True)
    plain = _curves(data)
    assert flagged.get_suptitle() == SYNTHETIC_LABEL
    assert "SYNTHETIC" in SYNTHETIC_LABEL
    assert plain.get_suptitle() == ""
    everything = [text.get_text() for text in plain.findobj(lambda a: hasattr(a, "get_text"))]
    assert not any("SYNTHETIC" in text for text in everything)
    image_flagged = _save(flagged, tmp_path / "synthetic.png")
    image_plain = _save(plain, tmp_path / "plain.png")
    assert image_flagged.shape == image_plain.shape
    assert image_flagged.shape[0] > 400 and image_flagged.shape[1] > 500
    assert not np.array_equal(image_flagged, image_plain)  # the label is drawn in the pixels


def test_survival_curves_figure_data_with_other_labels() -> None:
    data = _cohort()
    with pytest.raises(ValueError, match="data has groups"):
        survival_plots.survival_curves_figure(
            _posterior(0.0, 0.0, 0.0, 0.0),
            kaplan_meier_curves(data).replace({"cystic": "a", "solid": "b"}),
            False,
            "OS",
            labels=("a", "b"),
            data=data,
        )
