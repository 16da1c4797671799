"""Reading, validating and cleaning digitised curves and numbers-at-risk tables."""

import numpy as np
import pandas as pd
import pytest

from bayes_netlm.errors import InputError
from bayes_netlm.evidence.curve_cleaning import clean_curve
from bayes_netlm.evidence.curves import load_curve_input, parse_total_events

CURVE = pd.DataFrame(
    {
        "arm": ["a", "a", "a", "b", "b", "b"],
        "time": [0.0, 2.0, 4.0, 0.0, 3.0, 5.0],
        "survival": [1.0, 0.8, 0.5, 1.0, 0.9, 0.6],
    }
)
RISK = pd.DataFrame(
    {"arm": ["a", "a", "b", "b"], "time": [0, 2, 0, 3], "n_at_risk": [10, 8, 10, 9]}
)


def _problems(error: pytest.ExceptionInfo[InputError]) -> str:
    return "\n".join(str(p) for p in error.value.problems)


def test_clean_input_passes_and_scale_is_said() -> None:
    data = load_curve_input(CURVE, RISK, {"a": 3})
    assert data.arms == ("a", "b")
    assert data.total_events == {"a": 3}
    assert "fractions" in data.notes[0]
    np.testing.assert_array_equal(data.at_risk["b"].n_at_risk, [10, 9])


def test_percent_is_detected_and_converted() -> None:
    data = load_curve_input(CURVE.assign(survival=CURVE["survival"] * 100), RISK)
    assert "percent" in data.notes[0]
    np.testing.assert_allclose(data.curves["a"].survival, [1.0, 0.8, 0.5])


def test_noisy_points_are_cleaned_and_every_change_noted() -> None:
    time = np.array([4.0, 2.0, 2.0, 2.0, 3.0, 1.0, 3.0])
    survival = np.array([0.5, 0.9, 0.85, 0.8, 0.82, 1.004, 0.82])
    curve, notes = clean_curve("a", time, survival)
    np.testing.assert_allclose(curve.time, [0.0, 1.0, 2.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(curve.survival, [1.0, 1.0, 0.9, 0.8, 0.8, 0.5])
    text = " ".join(notes)
    for change in ("sorted", "clipped", "lowered", "repeated", "(0, 1) added"):
        assert change in text
    assert np.all(np.diff(curve.survival) <= 0)


def test_every_problem_of_both_files_is_reported_at_once() -> None:
    curve = CURVE.astype({"survival": object})
    curve.loc[1, "time"] = -1.0
    curve.loc[4, "survival"] = "x"
    curve = pd.concat([curve, pd.DataFrame({"arm": ["c"], "time": [1.0], "survival": [0.9]})])
    risk = RISK.copy()
    risk.loc[3, "n_at_risk"] = 12
    with pytest.raises(InputError) as error:
        load_curve_input(curve, risk, curve_source="curve.csv", at_risk_source="risk.csv")
    text = _problems(error)
    assert "curve.csv, data row 2, column 'time': negative value" in text
    assert "data row 5, column 'survival': not a number" in text
    assert "arm 'c'" in text and "fewer than two points" in text
    assert "risk.csv, data row 4, column 'n_at_risk'" in text and "rises over time" in text


def test_arm_missing_from_one_file_is_an_error() -> None:
    with pytest.raises(InputError, match="arm 'b': arm has a curve but no numbers at risk"):
        load_curve_input(CURVE, RISK[RISK["arm"] == "a"])


def test_missing_columns_are_named() -> None:
    with pytest.raises(InputError) as error:
        load_curve_input(CURVE.rename(columns={"survival": "surv"}), RISK.drop(columns="arm"))
    text = _problems(error)
    assert "column 'survival': column not found" in text
    assert "column 'arm': column not found" in text


def test_at_risk_table_must_start_at_zero_with_whole_counts() -> None:
    risk = RISK.assign(time=[1, 2, 0, 3], n_at_risk=[10, 8.5, 10, 9])
    with pytest.raises(InputError) as error:
        load_curve_input(CURVE, risk)
    text = _problems(error)
    assert "not a whole number" in text


def test_at_risk_not_starting_at_zero() -> None:
    with pytest.raises(InputError, match="starts at time 1, not 0"):
        load_curve_input(CURVE, RISK.assign(time=[1, 2, 0, 3]))


def test_total_events_are_checked_against_the_arms() -> None:
    with pytest.raises(InputError) as error:
        load_curve_input(CURVE, RISK, {"a": 11, "z": 1})
    text = _problems(error)
    assert "11 events for 10 patients" in text and "arm 'z' is not in the files" in text


def test_parse_total_events() -> None:
    assert parse_total_events("cystic=7, solid=310") == {"cystic": 7, "solid": 310}
    with pytest.raises(InputError, match="'solid:3' is not arm=N"):
        parse_total_events("cystic=7,solid:3")


def test_survival_far_outside_the_axis_is_refused() -> None:
    with pytest.raises(InputError, match="far outside the axis"):
        load_curve_input(CURVE.assign(survival=[1.0, 0.8, -0.3, 1.0, 0.9, 0.6]), RISK)


def test_one_stray_value_above_the_fraction_scale_is_refused() -> None:
    """A single 1.7 in a file of fractions made the whole file read as percent (every survival
    divided by 100) and the reconstruction was written; now the mix is an error naming it."""
    stray = CURVE.assign(survival=[1.0, 0.8, 0.5, 1.0, 1.7, 0.6])
    with pytest.raises(InputError) as error:
        load_curve_input(stray, RISK)
    message = _problems(error)
    assert "data row 5" in message and "arm 'a' starts at 1, a fraction" in message


def test_a_percent_curve_that_falls_to_zero_is_still_percent() -> None:
    """Most points of an arm falling to 0 % lie below 1.5: the scale is judged by the start."""
    falling = pd.DataFrame(
        {
            "arm": ["a"] * 4 + ["b"] * 7,
            "time": [0.0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6],
            "survival": [100.0, 90, 75, 60, 100, 20, 1, 0.5, 0, 0, 0],
        }
    )
    risk = pd.DataFrame({"arm": ["a", "b"], "time": [0, 0], "n_at_risk": [10, 10]})
    data = load_curve_input(falling, risk)
    assert "percent" in data.notes[0]
    assert data.curves["b"].survival[0] == 1.0 and data.curves["b"].survival[-1] == 0.0


@pytest.mark.parametrize("table", ["curve", "at-risk"])
def test_a_table_with_a_header_and_no_rows_is_refused(table: str) -> None:
    """Header-only files ended in pandas' "No objects to concatenate" traceback."""
    curve = CURVE.iloc[:0] if table == "curve" else CURVE
    risk = RISK.iloc[:0] if table == "at-risk" else RISK
    with pytest.raises(InputError, match="no rows under the header"):
        load_curve_input(curve, risk)
