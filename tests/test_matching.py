"""Propensity matching: logistic fit, greedy caliper matching, balance, matched cohorts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from bayes_netlm.analyses.balance import (
    BALANCE_COLUMNS,
    SMD_THRESHOLD,
    balance_table,
    matched_set_weights,
)
from bayes_netlm.analyses.matching import MatchResult, match_nearest, matched_cohort
from bayes_netlm.analyses.propensity import RIDGE_PENALTY, propensity_scores
from bayes_netlm.errors import InputError
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.evidence.synthetic import make_synthetic_cohort

SYNTHETIC_COVARIATES = [
    "age",
    "male",
    "ki67",
    "synchronous",
    "bilobar",
    "extrahepatic",
    "size_cm",
    "primary_site",
]


def confounded_cohort(seed: int = 1) -> tuple[np.ndarray, pd.DataFrame]:
    """12 index vs 452 reference patients; the index patients are older and more often male."""
    rng = np.random.default_rng(seed)
    index = np.r_[np.ones(12, dtype=np.int64), np.zeros(452, dtype=np.int64)]
    age = np.where(index == 1, rng.normal(68.0, 6.0, 464), rng.normal(58.0, 10.0, 464))
    male = (rng.uniform(size=464) < np.where(index == 1, 0.7, 0.5)).astype(float)
    return index, pd.DataFrame({"age": age, "male": male})


def survival_data(index: np.ndarray, covariates: pd.DataFrame, **changes: object) -> SurvivalData:
    n = len(index)
    data = SurvivalData(
        time=np.linspace(0.5, 5.0, n),
        event=np.ones(n, dtype=np.int64),
        index=np.asarray(index, dtype=np.int64),
        covariates=covariates,
        ids=np.array([f"P{i:03d}" for i in range(1, n + 1)], dtype=object),
        index_label="cystic",
        reference_label="solid",
        matched_set=None,
        source="test.csv",
    )
    return dataclasses.replace(data, **changes)  # type: ignore[arg-type]


# --- propensity model --------------------------------------------------------------------------


def test_single_binary_covariate_gives_stratum_proportions() -> None:
    # Closed-form MLE without penalty: with one binary covariate the fitted probability is the
    # index proportion in each stratum (3/20 where x = 0, 6/10 where x = 1).
    x = np.r_[np.zeros(20), np.ones(10)]
    index = np.r_[np.ones(3), np.zeros(17), np.ones(6), np.zeros(4)].astype(np.int64)
    scores = propensity_scores(index, pd.DataFrame({"x": x}), penalty=0.0)
    assert scores[x == 0] == pytest.approx(np.full(20, 3 / 20), abs=1e-6)
    assert scores[x == 1] == pytest.approx(np.full(10, 6 / 10), abs=1e-6)
    # Proportions of a logistic model with intercept sum to the group size (score equation).
    assert scores.sum() == pytest.approx(index.sum(), abs=1e-6)


def test_ridge_solves_the_penalised_score_equations() -> None:
    # The default fit maximises loglik - RIDGE_PENALTY / 2 * beta^2 on the standardised covariate:
    # sum z (y - p) = RIDGE_PENALTY * beta, and the stratum scores shrink towards 9/30.
    x = np.r_[np.zeros(20), np.ones(10)]
    index = np.r_[np.ones(3), np.zeros(17), np.ones(6), np.zeros(4)].astype(np.int64)
    scores = propensity_scores(index, pd.DataFrame({"x": x}))
    z = (x - x.mean()) / x.std()
    logit = np.log(scores / (1 - scores))
    beta = (logit[x == 1][0] - logit[x == 0][0]) / (z[x == 1][0] - z[x == 0][0])
    assert RIDGE_PENALTY == 1.0
    assert np.sum(z * (index - scores)) == pytest.approx(RIDGE_PENALTY * beta, abs=1e-6)
    assert np.sum(index - scores) == pytest.approx(0.0, abs=1e-6)
    assert 3 / 20 < scores[x == 0][0] < 9 / 30 < scores[x == 1][0] < 6 / 10
    with pytest.raises(ValueError, match="penalty"):
        propensity_scores(index, pd.DataFrame({"x": x}), penalty=-1.0)


def test_no_covariates_gives_the_index_proportion() -> None:
    index = np.array([1, 0, 0, 0, 1, 0, 0, 0], dtype=np.int64)
    scores = propensity_scores(index, pd.DataFrame(index=range(8)))
    assert scores == pytest.approx(np.full(8, 0.25), abs=1e-9)


def test_complete_separation_stays_finite() -> None:
    # x > 0 exactly for the index patients: the unpenalised MLE does not exist.
    x = np.r_[np.linspace(1.0, 2.0, 12), np.linspace(-3.0, -0.5, 100)]
    index = np.r_[np.ones(12), np.zeros(100)].astype(np.int64)
    scores = propensity_scores(index, pd.DataFrame({"x": x}))
    assert np.isfinite(scores).all()
    # The ridge keeps the fit finite but still ranks every index patient above every control.
    assert scores[:12].min() > 0.5 > scores[12:].max()
    assert scores[:12].min() > scores[12:].max()


def test_propensity_rejects_bad_input() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="0 \\(reference\\) and 1"):
        propensity_scores(np.array([0, 1, 2]), frame)
    with pytest.raises(ValueError, match="both groups"):
        propensity_scores(np.array([0, 0, 0]), frame)
    with pytest.raises(ValueError, match="expected 3"):
        propensity_scores(np.array([0, 1]), frame)
    with pytest.raises(ValueError, match="finite"):
        propensity_scores(np.array([0, 1, 0]), pd.DataFrame({"x": [1.0, np.nan, 3.0]}))


# --- matching -----------------------------------------------------------------------------------


def check_matching(result: MatchResult, index: np.ndarray, scores: np.ndarray) -> None:
    """Invariants: no row twice, one index patient per set, every pair inside the caliper."""
    assert len(np.unique(result.rows)) == len(result.rows)
    logit = np.log(scores / (1 - scores))
    for set_id in np.unique(result.matched_set):
        members = result.rows[result.matched_set == set_id]
        treated = members[index[members] == 1]
        controls = members[index[members] == 0]
        assert len(treated) == 1
        assert 1 <= len(controls) <= result.ratio
        assert np.all(np.abs(logit[controls] - logit[treated[0]]) <= result.caliper_width)
    assert not np.isin(result.unmatched_index, result.rows).any()
    assert np.all(index[result.unmatched_index] == 1)


def test_matching_hand_case() -> None:
    # Two index patients at logit 0 and 1; controls at logit -0.1, 0.05, 0.9, 1.2, 5.
    # Pooled SD of the logit scores: index var = 0.5; control var computed below.
    logit = np.array([0.0, 1.0, -0.1, 0.05, 0.9, 1.2, 5.0])
    index = np.array([1, 1, 0, 0, 0, 0, 0], dtype=np.int64)
    scores = 1 / (1 + np.exp(-logit))
    sd = np.sqrt((np.var(logit[:2], ddof=1) + np.var(logit[2:], ddof=1)) / 2)
    # Caliper of 0.15 on the logit scale, expressed in SDs.
    result = match_nearest(index, scores, ratio=2, caliper=0.15 / sd)
    assert result.caliper_width == pytest.approx(0.15)
    # Row 1 (higher score) goes first: round 1 takes 0.9 (row 4), row 0 takes 0.05 (row 3);
    # round 2: row 1 has 1.2 at 0.2 (outside) and nothing else; row 0 takes -0.1 (row 2).
    assert result.rows.tolist() == [0, 1, 2, 3, 4]
    sets = dict(zip(result.rows.tolist(), result.matched_set.tolist(), strict=True))
    assert sets == {1: 1, 4: 1, 0: 2, 2: 2, 3: 2}
    assert result.unmatched_index.size == 0
    assert result.controls_per_set() == {1: 1, 2: 2}
    check_matching(result, index, scores)


def test_index_patient_outside_the_caliper_is_unmatched() -> None:
    logit = np.array([0.0, 8.0, 0.1, -0.1, 0.2, 0.0])
    index = np.array([1, 1, 0, 0, 0, 0], dtype=np.int64)
    scores = 1 / (1 + np.exp(-logit))
    result = match_nearest(index, scores, ratio=3, caliper=0.2)
    assert result.unmatched_index.tolist() == [1]
    assert result.rows.tolist() == [0, 2, 3, 5]
    check_matching(result, index, scores)


def test_matching_gives_ratio_controls_never_reuses_and_is_deterministic() -> None:
    index, covariates = confounded_cohort()
    scores = propensity_scores(index, covariates)
    result = match_nearest(index, scores, ratio=3, caliper=0.2)
    check_matching(result, index, scores)
    # Plenty of controls for 12 patients at 1:3: all matched with three controls each.
    assert result.unmatched_index.size == 0
    assert set(result.controls_per_set().values()) == {3}
    assert len(result.rows) == 48
    again = match_nearest(index, scores, ratio=3, caliper=0.2)
    assert np.array_equal(result.rows, again.rows)
    assert np.array_equal(result.matched_set, again.matched_set)


def test_exact_ties_are_broken_by_the_seed_reproducibly() -> None:
    index = np.array([1] + [0] * 10, dtype=np.int64)
    scores = np.array([0.3] + [0.2] * 10)  # ten controls at the same distance
    chosen = {
        seed: match_nearest(index, scores, ratio=1, caliper=np.inf, seed=seed).rows.tolist()
        for seed in range(6)
    }
    assert all(rows[0] == 0 and len(rows) == 2 for rows in chosen.values())
    assert len({rows[1] for rows in chosen.values()}) > 1
    assert match_nearest(index, scores, ratio=1, caliper=np.inf, seed=3).rows.tolist() == chosen[3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ratio": 0}, "ratio"),
        ({"ratio": 1.5}, "ratio"),
        ({"caliper": 0.0}, "caliper"),
        ({"scores": np.array([0.5, 1.5, 0.2])}, "probabilities"),
        ({"scores": np.array([0.5, 0.2])}, "shape"),
    ],
)
def test_match_rejects_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"index": np.array([1, 0, 0]), "scores": np.array([0.5] * 3)}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        match_nearest(**arguments)  # type: ignore[arg-type]


# --- balance ------------------------------------------------------------------------------------


def test_balance_by_hand() -> None:
    index = np.array([1, 1, 0, 0, 0], dtype=np.int64)
    covariates = pd.DataFrame({"age": [60.0, 70.0, 50.0, 55.0, 60.0], "male": [1, 1, 0, 1, 0]})
    table = balance_table(index, covariates, rows=np.array([0, 1, 3, 4]))
    assert list(table.columns) == list(BALANCE_COLUMNS)
    assert table["cohort"].tolist() == ["full", "full", "matched", "matched"]
    full = table[table["cohort"] == "full"].set_index("covariate")
    # age: means 65 vs 55; variances 50 and 25 -> SMD = 10 / sqrt(37.5).
    assert full.loc["age", "mean_index"] == 65.0
    assert full.loc["age", "mean_reference"] == 55.0
    assert full.loc["age", "smd"] == pytest.approx(10 / np.sqrt(37.5))
    # male: means 1 vs 1/3; variances 0 and 1/3 -> SMD = (2/3) / sqrt(1/6).
    assert full.loc["male", "smd"] == pytest.approx((2 / 3) / np.sqrt(1 / 6))
    matched = table[table["cohort"] == "matched"].set_index("covariate")
    # Matched reference rows 3, 4: age 57.5; the full-cohort denominator is kept.
    assert matched.loc["age", "n_reference"] == 2
    assert matched.loc["age", "smd"] == pytest.approx(7.5 / np.sqrt(37.5))
    assert matched.loc["male", "smd"] == pytest.approx(0.5 / np.sqrt(1 / 6))


def test_weighted_balance_by_hand() -> None:
    # Two sets: index 0 with controls 2, 3 (weights 1/2); index 1 with control 4 (weight 1).
    index = np.array([1, 1, 0, 0, 0, 0], dtype=np.int64)
    covariates = pd.DataFrame({"age": [60.0, 70.0, 50.0, 54.0, 62.0, 40.0]})
    rows = np.array([0, 1, 2, 3, 4])
    sets = np.array(["a", "b", "a", "a", "b"], dtype=object)
    weights = matched_set_weights(index[rows], sets)
    np.testing.assert_array_equal(weights, [1.0, 1.0, 0.5, 0.5, 1.0])
    table = balance_table(index, covariates, rows, weights).set_index(["cohort", "covariate"])
    matched = table.loc[("matched", "age")]
    # Weighted reference mean (0.5 * 50 + 0.5 * 54 + 1 * 62) / 2 = 57, not the plain 55.33.
    assert matched["mean_reference"] == pytest.approx(57.0)
    assert matched["mean_index"] == pytest.approx(65.0)
    # Denominator from the full cohort: variances 50 (index) and var(50, 54, 62, 40) (reference).
    scale = np.sqrt((50.0 + np.var([50.0, 54.0, 62.0, 40.0], ddof=1)) / 2)
    assert matched["smd"] == pytest.approx(8.0 / scale)
    assert matched["n_reference"] == 3
    assert bool(matched["imbalanced"]) is True


def test_imbalanced_flags_every_smd_over_a_tenth() -> None:
    index, covariates = confounded_cohort()
    # 0, 1, 0, 1, ...: mean 1/2 in both groups (12 and 452 rows), so SMD 0, not flagged.
    covariates = covariates.assign(even=np.tile([0.0, 1.0], len(index) // 2))
    table = balance_table(index, covariates, np.arange(len(index)))
    assert table["imbalanced"].dtype == bool
    np.testing.assert_array_equal(table["imbalanced"], table["smd"].abs() > SMD_THRESHOLD)
    assert SMD_THRESHOLD == 0.1 and table["imbalanced"].any() and not table["imbalanced"].all()


def test_matched_set_weights_general_and_errors() -> None:
    # A set with two index patients and four controls gives each control 2/4.
    index = np.array([1, 1, 0, 0, 0, 0, 1, 0], dtype=np.int64)
    sets = np.array(["x", "x", "x", "x", "x", "x", "y", "y"], dtype=object)
    np.testing.assert_array_equal(
        matched_set_weights(index, sets), [1, 1, 0.5, 0.5, 0.5, 0.5, 1, 1]
    )
    with pytest.raises(ValueError, match="both groups"):
        matched_set_weights(np.array([1, 0, 0]), np.array(["a", "a", "b"], dtype=object))
    with pytest.raises(ValueError, match="weights"):
        balance_table(index, pd.DataFrame({"x": np.arange(8.0)}), np.arange(8), np.zeros(8))


def test_balance_without_rows_or_covariates() -> None:
    index = np.array([1, 0, 0], dtype=np.int64)
    assert balance_table(index, pd.DataFrame({"x": [1.0, 2.0, 3.0]}))["cohort"].tolist() == ["full"]
    empty = balance_table(index, pd.DataFrame(index=range(3)), rows=np.array([0, 1]))
    assert empty.empty
    assert list(empty.columns) == list(BALANCE_COLUMNS)


def test_matching_improves_balance_under_confounding() -> None:
    index, covariates = confounded_cohort()
    scores = propensity_scores(index, covariates)
    result = match_nearest(index, scores, ratio=3, caliper=0.2)
    table = balance_table(index, covariates, result.rows).set_index(["cohort", "covariate"])
    before = table.loc[("full", "age"), "smd"]
    after = table.loc[("matched", "age"), "smd"]
    assert before > 0.8  # index patients older by about one SD
    assert abs(after) < abs(before)
    assert abs(after) < 0.25


# --- matched cohorts ----------------------------------------------------------------------------


def test_matched_cohort_uses_an_existing_matched_set() -> None:
    index = np.array([1, 0, 1, 0, 0, 1, 0], dtype=np.int64)
    covariates = pd.DataFrame({"age": [60.0, 61.0, 70.0, 69.0, 50.0, 40.0, 45.0]})
    sets = np.array(["a", "a", "b", "b", "b", "c", "d"], dtype=object)  # c, d hold one group
    data = survival_data(index, covariates, matched_set=sets)
    matched, balance = matched_cohort(data)
    assert matched.ids.tolist() == ["P001", "P002", "P003", "P004", "P005"]
    assert matched.matched_set is not None
    assert matched.matched_set.tolist() == ["a", "a", "b", "b", "b"]
    assert matched.index.tolist() == [1, 0, 1, 0, 0]
    assert matched.covariates["age"].tolist() == [60.0, 61.0, 70.0, 69.0, 50.0]
    assert list(matched.covariates.index) == list(range(5))
    assert not matched.time.flags.writeable
    assert "given matched sets" in matched.notes[-1]
    assert balance["cohort"].tolist() == ["full", "matched"]
    # Set a is 1:1, set b 1:2: controls weigh 1 and 1/2.
    np.testing.assert_array_equal(matched.weights, [1.0, 1.0, 1.0, 0.5, 0.5])


def test_short_sets_get_one_over_k_weights() -> None:
    # Two index patients, five controls, ratio 3, no caliper: round 1 and 2 give each two controls,
    # round 3 gives the first-processed index patient the last one. Sets of 3 and of 2 controls.
    x = np.array([3.0, 2.9, 0.0, 0.1, 0.2, 0.3, 1.0])
    index = np.array([1, 1, 0, 0, 0, 0, 0], dtype=np.int64)
    data = survival_data(index, pd.DataFrame({"x": x}))
    matched, balance = matched_cohort(data, ratio=3, caliper=np.inf)
    assert matched.matched_set is not None
    controls = pd.Series(matched.weights[matched.index == 0]).groupby(
        matched.matched_set[matched.index == 0]
    )
    sizes = controls.size()
    assert sorted(sizes) == [2, 3]
    for label, group in controls:
        np.testing.assert_allclose(group.to_numpy(), 1.0 / sizes[label])
    np.testing.assert_array_equal(matched.weights[matched.index == 1], [1.0, 1.0])
    assert "fewer than 3 controls" in matched.notes[-1]
    # Weighted reference mean = average over sets of each set's control mean.
    control_x = pd.Series(matched.covariates["x"].to_numpy()[matched.index == 0])
    set_means = control_x.groupby(matched.matched_set[matched.index == 0]).mean()
    mean_reference = balance.set_index("cohort").loc["matched", "mean_reference"]
    assert mean_reference == pytest.approx(set_means.mean())
    assert mean_reference != pytest.approx(control_x.mean())


def test_matched_cohort_with_sets_needs_no_covariates() -> None:
    index = np.array([1, 0, 0, 1], dtype=np.int64)
    data = survival_data(
        index,
        pd.DataFrame(index=range(4)),
        matched_set=np.array(["1", "1", "2", "2"], dtype=object),
    )
    matched, balance = matched_cohort(data)
    assert len(matched.time) == 4
    assert balance.empty


def test_matched_cohort_errors() -> None:
    index = np.array([1, 0, 0, 1], dtype=np.int64)
    no_covariates = survival_data(index, pd.DataFrame(index=range(4)))
    with pytest.raises(InputError, match="no covariates to match on") as caught:
        matched_cohort(no_covariates)
    assert caught.value.problems[0].where == "test.csv"
    one_group_sets = survival_data(
        index,
        pd.DataFrame(index=range(4)),
        matched_set=np.array(["1", "2", "3", "4"], dtype=object),
    )
    with pytest.raises(InputError, match="no matched set holds both"):
        matched_cohort(one_group_sets)
    # Index patients all far from every control: nothing inside the caliper.
    x = np.r_[np.full(3, 10.0), np.linspace(0.0, 1.0, 40)]
    index = np.r_[np.ones(3), np.zeros(40)].astype(np.int64)
    separated = survival_data(index, pd.DataFrame({"x": x}))
    with pytest.raises(InputError, match="within the caliper") as caught:
        matched_cohort(separated, caliper=0.01)
    assert caught.value.problems[0].where == "test.csv"
    assert "widen the caliper" in caught.value.problems[0].fix


def test_synthetic_cohort_end_to_end() -> None:
    data = load_survival(
        make_synthetic_cohort(),
        time="os_time",
        event="os_event",
        group="group",
        covariates=SYNTHETIC_COVARIATES,
    )
    matched, balance = matched_cohort(data, ratio=3, caliper=0.2)
    # All 12 cystic patients find controls; 27 solid controls in all (5 sets are short).
    assert int(matched.index.sum()) == 12
    assert int((matched.index == 0).sum()) == 27
    assert matched.matched_set is not None
    assert len(set(matched.matched_set)) == 12
    assert "5 set(s) with fewer than 3 controls" in matched.notes[-1]
    assert "unmatched" not in matched.notes[-1]
    # Every set's controls weigh 1 in total.
    control = matched.index == 0
    per_set = pd.Series(matched.weights[control]).groupby(matched.matched_set[control]).sum()
    np.testing.assert_allclose(per_set, 1.0)
    smd = balance.pivot(index="covariate", columns="cohort", values="smd")
    # Size of metastases, the strongest imbalance (7.3 vs 3.8 cm), and age improve markedly.
    assert smd.loc["size_cm", "full"] > 0.9
    assert abs(smd.loc["size_cm", "matched"]) < 0.5 * smd.loc["size_cm", "full"]
    assert abs(smd.loc["age", "matched"]) < abs(smd.loc["age", "full"])
    assert smd["matched"].abs().max() < smd["full"].abs().max()
    # The matched cohort is a valid SurvivalData of the same patients.
    positions = {pid: row for row, pid in enumerate(data.ids)}
    rows = [positions[pid] for pid in matched.ids]
    assert np.array_equal(matched.time, data.time[rows])
    assert np.array_equal(matched.event, data.event[rows])
