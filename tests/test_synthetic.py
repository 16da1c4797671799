"""The synthetic cohort: reproducible, calibrated to the published summaries, saved as generated."""

from __future__ import annotations

import dataclasses
import importlib.util
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.exceptions import StatisticalWarning
from lifelines.statistics import logrank_test
from scipy import stats

from bayes_netlm.analyses.matching import matched_cohort
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.evidence.published import load_published
from bayes_netlm.evidence.synthetic import (
    ADMINISTRATIVE_CENSORING,
    CYSTIC,
    DEFAULT_SEEDS,
    MATCH_CALIPER,
    MATCH_ON,
    MATCH_RATIO,
    SOLID,
    TOLERANCES,
    CohortSeeds,
    WeibullSpec,
    draw_outcomes,
    make_synthetic_cohort,
)

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "synthetic_cohort.csv"
PUBLISHED = {s.name: s for s in load_published(ROOT / "data" / "ammann2025.toml").survival}
RUN_SURVIVAL = tomllib.loads((ROOT / "models" / "run.toml").read_text())["survival"]


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return make_synthetic_cohort()


def test_same_seed_same_frame(cohort: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(make_synthetic_cohort(), cohort, check_exact=True)
    other = dataclasses.replace(DEFAULT_SEEDS, cystic_os=DEFAULT_SEEDS.cystic_os + 1)
    changed = make_synthetic_cohort(other)
    assert not changed.equals(cohort)
    # Only the cystic death times (and what they censor) differ.
    solid = cohort["group"] == "solid"
    pd.testing.assert_frame_equal(changed[solid], cohort[solid])


def test_csv_is_the_default_seed_output(cohort: pd.DataFrame) -> None:
    assert CSV.read_text() == cohort.to_csv(index=False)


def test_group_sizes_and_ids(cohort: pd.DataFrame) -> None:
    assert cohort["group"].value_counts().to_dict() == {"solid": 452, "cystic": 12}
    assert cohort["id"].is_unique and cohort["id"].is_monotonic_increasing
    assert "matched_set" not in cohort.columns


def test_cystic_counts_are_exact(cohort: pd.DataFrame) -> None:
    cystic = cohort[cohort["group"] == "cystic"]
    counts = cystic[["male", "synchronous", "bilobar", "extrahepatic"]].sum().to_dict()
    assert counts == {"male": 7, "synchronous": 11, "bilobar": 10, "extrahepatic": 1}
    assert (cystic["primary_site"] == "small_bowel").sum() == 8


def test_solid_percentages_round_to_the_published_ones(cohort: pd.DataFrame) -> None:
    solid = cohort[cohort["group"] == "solid"]
    percent = (100 * solid[["male", "synchronous", "bilobar", "extrahepatic"]].mean()).round()
    assert percent.to_dict() == {"male": 51, "synchronous": 77, "bilobar": 79, "extrahepatic": 18}


def test_group_means_of_age_and_size(cohort: pd.DataFrame) -> None:
    means = cohort.groupby("group")[["age", "size_cm"]].mean()
    # Exact before rounding each value to 0.1: the mean moves by less than 0.05.
    np.testing.assert_allclose(means.loc["cystic"], [55.4, 7.3], atol=0.05)
    np.testing.assert_allclose(means.loc["solid"], [59.7, 3.8], atol=0.05)


@pytest.mark.parametrize(
    ("spec", "median"),
    [(CYSTIC.os, 13.8), (SOLID.os, 10.6), (CYSTIC.pfs, 0.71), (SOLID.pfs, 1.78)],
)
def test_true_medians(spec: WeibullSpec, median: float) -> None:
    truth = stats.weibull_min(c=spec.shape, scale=spec.scale)
    assert truth.median() == pytest.approx(median, rel=1e-12)


def test_hepatic_pfs_is_not_proportional_hazards() -> None:
    assert CYSTIC.pfs.shape < 1 and SOLID.pfs.shape == pytest.approx(1.0)
    assert CYSTIC.os.shape == SOLID.os.shape


def test_times_are_consistent(cohort: pd.DataFrame) -> None:
    assert (cohort["os_time"] > 0).all() and (cohort["pfs_time"] > 0).all()
    assert (cohort["pfs_time"] <= cohort["os_time"]).all()
    assert cohort["os_time"].max() <= ADMINISTRATIVE_CENSORING - 2000.0


def test_solid_km_median_near_the_published_one(cohort: pd.DataFrame) -> None:
    # The true median is 10.6 y. With ~200 deaths the KM median's standard error is about 0.7 y
    # (its 95 % CI here is 9.1 to 11.9), so [9, 12.5] holds it comfortably, while a scale/median
    # mix-up in the generator would not: 10.6 as the Weibull scale gives a true median of 8.0 y.
    solid = cohort[cohort["group"] == "solid"]
    median = KaplanMeierFitter().fit(solid["os_time"], solid["os_event"]).median_survival_time_
    assert 9.0 < median < 12.5


def test_loads_as_patient_data() -> None:
    for endpoint in ("os", "pfs"):
        data = load_survival(
            CSV,
            time=f"{endpoint}_time",
            event=f"{endpoint}_event",
            group="group",
            covariates=["age", "male", "ki67", "synchronous", "bilobar", "extrahepatic", "size_cm"],
        )
        assert data.index.sum() == 12 and data.index_label == "cystic"


# --- calibration: every published test reproduced, recomputed with lifelines from the CSV -------


def test_matching_settings_are_the_run_specs() -> None:
    assert list(MATCH_ON) == RUN_SURVIVAL["match_on"]
    assert (MATCH_RATIO, MATCH_CALIPER) == (
        RUN_SURVIVAL["match_ratio"],
        RUN_SURVIVAL["match_caliper"],
    )
    assert TOLERANCES == {"median_relative": 0.10, "p_absolute": 0.05}


def bundled(endpoint: str, cohort: str) -> SurvivalData:
    """The bundled CSV as the run loads it; matched: the run's matching, with 1/k weights."""
    data = load_survival(
        CSV,
        time=f"{endpoint}_time",
        event=f"{endpoint}_event",
        group="group",
        covariates=RUN_SURVIVAL["match_on"],
    )
    if cohort == "full":
        return data
    matched, _ = matched_cohort(data, RUN_SURVIVAL["match_ratio"], RUN_SURVIVAL["match_caliper"])
    return matched


def lifelines_median(data: SurvivalData, flag: int) -> float:
    rows = data.index == flag
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "It looks like your weights", StatisticalWarning)
        fitter = KaplanMeierFitter().fit(
            data.time[rows], data.event[rows], weights=data.weights[rows]
        )
    return float(fitter.median_survival_time_)


def lifelines_logrank(data: SurvivalData) -> float:
    a, b = data.index == 1, data.index == 0
    result = logrank_test(
        data.time[a],
        data.time[b],
        event_observed_A=data.event[a],
        event_observed_B=data.event[b],
        weights_A=data.weights[a],
        weights_B=data.weights[b],
    )
    return float(result.p_value)


@pytest.mark.parametrize("name", ["os_full", "pfs_full", "os_matched", "pfs_matched"])
def test_bundled_cohort_reproduces_the_published_tests(name: str) -> None:
    target = PUBLISHED[name]
    data = bundled(target.endpoint, target.cohort)
    if target.cohort == "matched":
        # The matched analysis keeps the design: controls weigh 1/k within a set of k.
        assert data.weighted
        assert set(np.round(data.weights[data.index == 0], 12)) <= {1.0, 0.5, round(1 / 3, 12)}
    else:
        assert not data.weighted
    for flag, published in ((1, target.median_index), (0, target.median_reference)):
        median = lifelines_median(data, flag)
        assert abs(median - published) <= 0.10 * published, (name, flag, median, published)
    p = lifelines_logrank(data)
    assert abs(p - target.p_value) <= 0.05, (name, p, target.p_value)


def test_matched_weights_change_the_matched_test() -> None:
    # Without the weights the matched PFS test would be a different number: the weights matter.
    matched = bundled("pfs", "matched")
    unweighted = dataclasses.replace(matched, weights=np.ones(len(matched.time)))
    assert lifelines_logrank(matched) != pytest.approx(lifelines_logrank(unweighted), abs=1e-3)


@pytest.mark.slow
def test_calibration_search_finds_the_default_seeds() -> None:
    # The documented search, rerun: its first hit is the bundled cohort's seeds (about a minute).
    spec = importlib.util.spec_from_file_location(
        "calibrate", ROOT / "scripts" / "calibrate_synthetic_cohort.py"
    )
    assert spec is not None and spec.loader is not None
    calibrate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibrate)
    base, baseline = calibrate.choose_base(calibrate.BASE_START, 10)
    evaluator = calibrate.Evaluator(baseline)
    seeds = calibrate.search(evaluator, baseline, CohortSeeds(base=base), "os", 3000)
    seeds = calibrate.search(evaluator, baseline, seeds, "pfs", 3000)
    assert seeds == DEFAULT_SEEDS
    assert evaluator.misses(draw_outcomes(baseline, seeds), tuple(PUBLISHED)) == []


@pytest.mark.parametrize("spec_file", ["run.toml", "run_curves.toml"])
def test_a_spec_on_bundled_synthetic_data_is_labelled_synthetic_without_the_flag(
    spec_file: str, tmp_path: Path
) -> None:
    """The label came from ``synthetic = true`` alone: a copied spec without that line, on the
    bundled cohort or its curves, labelled every output "patient" data."""
    from bayes_netlm.spec import load_spec
    from bayes_netlm.spec_checks import synthetic_label

    text = (ROOT / "models" / spec_file).read_text(encoding="utf-8")
    assert text.count("synthetic = true\n") == 1
    path = tmp_path / spec_file
    path.write_text(text.replace("synthetic = true\n", ""), encoding="utf-8")
    spec = load_spec(path)
    assert spec.survival is not None and not spec.survival.synthetic
    labelled, note = synthetic_label(spec)
    assert labelled.survival is not None and labelled.survival.synthetic
    assert labelled.survival.data_kind == "synthetic"
    assert note is not None and "is the bundled synthetic data" in note


def test_a_copy_of_the_bundled_cohort_elsewhere_is_recognised_by_its_bytes(tmp_path: Path) -> None:
    """Copied under another name and folder, with synthetic = false, it is still labelled."""
    from bayes_netlm.spec import load_spec
    from bayes_netlm.spec_checks import synthetic_label

    copy = tmp_path / "elsewhere" / "my_patients.csv"
    copy.parent.mkdir()
    copy.write_bytes(CSV.read_bytes())
    text = (ROOT / "models" / "run.toml").read_text(encoding="utf-8")
    text = text.replace('"data/synthetic_cohort.csv"', f'"{copy}"')
    path = tmp_path / "run.toml"
    path.write_text(text.replace("synthetic = true", "synthetic = false"), encoding="utf-8")
    labelled, note = synthetic_label(load_spec(path))
    assert labelled.survival is not None and labelled.survival.synthetic
    assert note is not None and f"{copy} is the bundled synthetic data" in note


def test_a_spec_calling_real_data_synthetic_gets_a_note(tmp_path: Path) -> None:
    """The reverse: ``synthetic = true`` kept in a spec pointed at other patients stamps them
    "synthetic"; the run says so and how to fix it (the label itself is the user's call)."""
    from bayes_netlm.spec import load_spec
    from bayes_netlm.spec_checks import synthetic_label

    other = tmp_path / "cohort.csv"
    other.write_text(CSV.read_text(encoding="utf-8") + "\n")
    text = (ROOT / "models" / "run.toml").read_text(encoding="utf-8")
    path = tmp_path / "run.toml"
    path.write_text(text.replace('"data/synthetic_cohort.csv"', f'"{other}"'), encoding="utf-8")
    spec = load_spec(path)
    labelled, note = synthetic_label(spec)
    assert labelled is spec and labelled.survival is not None and labelled.survival.synthetic
    assert note is not None
    assert f"{other} is not bundled synthetic data" in note and "set synthetic = false" in note
