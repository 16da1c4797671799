"""Patient-level loading: one test per validation rule, each checking the message says where."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bayes_netlm.errors import InputError
from bayes_netlm.evidence.patients import SurvivalData, load_survival, read_table
from bayes_netlm.evidence.schema import STUDY_COLUMNS, schema_markdown

DATA = Path(__file__).resolve().parents[1] / "data"
OS = {"time": "os_time", "event": "os_event", "group": "group"}


def cohort() -> pd.DataFrame:
    """Six valid patients in the study layout: three cystic, three solid."""
    return pd.DataFrame(
        {
            "id": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "group": ["cystic", "solid", "solid", "cystic", "solid", "cystic"],
            "os_time": [1.5, 2.0, 0.25, 4.0, 7.5, 3.0],
            "os_event": [1, 0, 1, 0, 1, 1],
            "age": [55.0, 61.0, 48.0, 70.0, 66.0, 59.0],
            "male": [1, 0, 1, 1, 0, 0],
            "primary_site": ["pancreas", "small_bowel", "small_bowel"] * 2,
            "matched_set": [1, 1, 2, 2, 3, 3],
        }
    )


def problems_of(table: pd.DataFrame | Path, **options: Any) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_survival(table, **{**OS, **options})
    return [str(problem) for problem in caught.value.problems]


def only_problem(table: pd.DataFrame | Path, **options: Any) -> str:
    found = problems_of(table, **options)
    assert len(found) == 1, found
    return found[0]


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


# --- reading files ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_table_round_trip(tmp_path: Path, suffix: str) -> None:
    frame = cohort()
    path = write(frame, tmp_path / f"patients{suffix}")
    pd.testing.assert_frame_equal(read_table(path), frame, check_exact=True)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_load_survival_from_file_names_the_file(tmp_path: Path, suffix: str) -> None:
    frame = cohort()
    frame.loc[2, "os_time"] = -1.0
    message = only_problem(write(frame, tmp_path / f"patients{suffix}"))
    assert message.startswith(f"patients{suffix}, data row 3, column 'os_time'")


def test_read_table_rejects_other_extensions(tmp_path: Path) -> None:
    path = tmp_path / "patients.xlsx"
    path.write_text("x")
    with pytest.raises(InputError, match=r"patients\.xlsx.*unsupported file type '\.xlsx'"):
        read_table(path)


def test_read_table_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nowhere.csv: file not found"):
        read_table(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("name", "content"),
    [("broken.parquet", b"this is not parquet"), ("empty.csv", b""), ("latin.csv", b"id\n\xff\n")],
)
def test_read_table_unreadable_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"{name}: cannot be read as"):
        read_table(path)


def test_read_table_refuses_a_column_named_twice(tmp_path: Path) -> None:
    """pandas renamed the second ``os_time`` to ``os_time.1`` and the first was used silently."""
    path = tmp_path / "dup.csv"
    path.write_text("id,os_time,os_event,group,os_time\nP1,1.0,1,cystic,2.0\n")
    with pytest.raises(
        InputError, match=r"dup.csv: the header names a column twice \('os_time' is columns 2, 5\)"
    ):
        read_table(path)


# --- a valid table ----------------------------------------------------------------------------


def test_load_survival_arrays() -> None:
    data = load_survival(cohort(), **OS, covariates=["age", "male"], matched_set="matched_set")
    assert isinstance(data, SurvivalData)
    np.testing.assert_array_equal(data.time, [1.5, 2.0, 0.25, 4.0, 7.5, 3.0])
    np.testing.assert_array_equal(data.event, [1, 0, 1, 0, 1, 1])
    np.testing.assert_array_equal(data.index, [1, 0, 0, 1, 0, 1])
    assert data.time.dtype == np.float64 and data.event.dtype == np.int64
    assert (data.index_label, data.reference_label) == ("cystic", "solid")
    assert list(data.covariates.columns) == ["age", "male"]
    assert list(data.ids) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert data.matched_set is not None and list(data.matched_set) == ["1", "1", "2", "2", "3", "3"]
    assert data.source == "data frame" and data.notes == ()
    assert not data.time.flags.writeable


def test_column_mapping_with_other_names_and_labels() -> None:
    frame = pd.DataFrame(
        {
            "arm": ["B", "A", "B", "A"],
            "years": [1.0, 2.0, 3.0, 4.0],
            "dead": [True, True, False, True],
            "score": [0.1, 0.5, 0.2, 0.9],
        }
    )
    data = load_survival(
        frame,
        time="years",
        event="dead",
        group="arm",
        index_level="B",
        covariates=["score"],
        id_col=None,
        source="trial.csv",
    )
    np.testing.assert_array_equal(data.index, [1, 0, 1, 0])
    np.testing.assert_array_equal(data.event, [1, 1, 0, 1])
    assert (data.index_label, data.reference_label, data.source) == ("B", "A", "trial.csv")
    assert list(data.ids) == ["1", "2", "3", "4"]


def test_cystic_is_the_default_index_in_any_letter_case() -> None:
    frame = cohort().assign(group=lambda f: f["group"].str.capitalize())
    data = load_survival(frame, **OS)
    assert (data.index_label, data.reference_label) == ("Cystic", "Solid")
    np.testing.assert_array_equal(data.index, [1, 0, 0, 1, 0, 1])


def test_numeric_group_labels() -> None:
    frame = cohort().assign(group=[1, 0, 0, 1, 0, 1])
    data = load_survival(frame, **OS, index_level="1")
    np.testing.assert_array_equal(data.index, [1, 0, 0, 1, 0, 1])


def test_two_level_text_covariate_is_encoded_with_a_note() -> None:
    data = load_survival(cohort(), **OS, covariates=["primary_site"])
    assert list(data.covariates.columns) == ["primary_pancreas"]
    np.testing.assert_array_equal(data.covariates["primary_pancreas"], [1, 0, 0, 1, 0, 0])
    assert data.notes == (
        "covariate 'primary_site' encoded as 'primary_pancreas': 1 = 'pancreas', 0 = 'small_bowel'",
    )
    other = cohort().assign(sex=["f", "m", "m", "f", "f", "m"])
    data = load_survival(other, **OS, covariates=["sex"])
    np.testing.assert_array_equal(data.covariates["sex_m"], [0, 1, 1, 0, 0, 1])


def test_template_is_a_valid_table_with_every_column() -> None:
    template = read_table(DATA / "patients_template.csv")
    assert list(template.columns) == [spec.name for spec in STUDY_COLUMNS]
    for endpoint in ("os", "pfs"):
        load_survival(
            DATA / "patients_template.csv",
            time=f"{endpoint}_time",
            event=f"{endpoint}_event",
            group="group",
            covariates=["age", "male", "ki67", "primary_site"],
            matched_set="matched_set",
        )


def test_data_dictionary_shows_the_schema() -> None:
    assert schema_markdown() in (DATA / "DATA_DICTIONARY.md").read_text()


# --- one test per validation rule -------------------------------------------------------------


def test_missing_column() -> None:
    message = only_problem(cohort(), covariates=["ki67"])
    assert message.startswith("data frame, column 'ki67': column not found")


def test_negative_time() -> None:
    frame = cohort()
    frame.loc[[1, 4], "os_time"] = [-0.5, -2.0]
    message = only_problem(frame)
    assert message.startswith("data frame, data rows 2, 5, column 'os_time': negative")


def test_missing_time() -> None:
    frame = cohort()
    frame.loc[3, "os_time"] = np.nan
    assert only_problem(frame).startswith("data frame, data row 4, column 'os_time': follow-up")


def test_non_numeric_time() -> None:
    frame = cohort().astype({"os_time": object})
    frame.loc[0, "os_time"] = "1,5"
    message = only_problem(frame)
    assert message.startswith("data frame, data row 1, column 'os_time': follow-up time is not")


def test_event_code_other_than_0_or_1() -> None:
    frame = cohort()
    frame.loc[5, "os_event"] = 2
    message = only_problem(frame)
    assert message.startswith(
        "data frame, data row 6, column 'os_event': event code 2 is not 0 or 1"
    )


def test_missing_event_code() -> None:
    frame = cohort()
    frame.loc[0, "os_event"] = np.nan
    assert "data row 1, column 'os_event': event code missing" in only_problem(frame)


def test_more_than_two_group_labels() -> None:
    frame = cohort()
    frame.loc[2, "group"] = "mixed"
    message = only_problem(frame)
    assert message.startswith("data frame, column 'group': 3 different group labels")
    assert "'mixed' (1)" in message


def test_index_level_not_among_labels() -> None:
    message = only_problem(cohort(), index_level="Cystic")
    assert message.startswith("data frame, column 'group': index level 'Cystic' is not a group")


def test_other_labels_need_index_level() -> None:
    frame = cohort().assign(group=lambda f: f["group"].map({"cystic": "C", "solid": "S"}))
    message = only_problem(frame)
    assert message.startswith("data frame, column 'group': cannot tell which group is the index")
    assert "--index-level" in message


def test_missing_group_label() -> None:
    frame = cohort()
    frame.loc[1, "group"] = None
    assert "data row 2, column 'group': group label missing" in only_problem(frame)


def test_group_with_no_patients() -> None:
    frame = cohort().assign(group="solid")
    message = only_problem(frame, index_level="solid")
    assert message.startswith("data frame, column 'group': only one group has patients")


def test_group_with_no_events() -> None:
    frame = cohort()
    frame.loc[frame["group"] == "solid", "os_event"] = 0
    message = only_problem(frame)
    assert message.startswith("data frame, column 'os_event': group 'solid' has no events among")


def test_duplicate_ids() -> None:
    frame = cohort()
    frame.loc[4, "id"] = "P2"
    message = only_problem(frame)
    assert message.startswith("data frame, data rows 2, 5, column 'id': patient id 'P2' appears 2")


def test_missing_id() -> None:
    frame = cohort()
    frame.loc[0, "id"] = None
    assert "data row 1, column 'id': patient id missing" in only_problem(frame)


def test_text_covariate_with_more_than_two_levels() -> None:
    frame = cohort()
    frame.loc[0, "primary_site"] = "stomach"
    message = only_problem(frame, covariates=["primary_site"])
    assert message.startswith("data frame, column 'primary_site': text covariate with 3 level(s)")


def test_non_numeric_value_in_numeric_covariate() -> None:
    frame = cohort().astype({"age": object})
    frame.loc[2, "age"] = "unknown"
    message = only_problem(frame, covariates=["age"])
    assert message.startswith(
        "data frame, data row 3, column 'age': covariate value is not a number"
    )


def test_missing_covariate_value() -> None:
    frame = cohort()
    frame.loc[[0, 3], "age"] = np.nan
    message = only_problem(frame, covariates=["age"])
    assert message.startswith("data frame, data rows 1, 4, column 'age': covariate value missing")


def test_constant_covariate() -> None:
    message = only_problem(cohort().assign(male=1), covariates=["male"])
    assert message.startswith("data frame, column 'male': covariate has the same value (1)")


def test_missing_matched_set() -> None:
    frame = cohort()
    frame.loc[5, "matched_set"] = np.nan
    message = only_problem(frame, matched_set="matched_set")
    assert message.startswith(
        "data frame, data row 6, column 'matched_set': matched-set id missing"
    )


def test_every_problem_is_collected_at_once() -> None:
    frame = cohort()
    frame.loc[0, "os_time"] = -1.0
    frame.loc[1, "os_event"] = 3
    frame.loc[2, "id"] = "P1"
    frame.loc[3, "age"] = np.nan
    found = problems_of(frame, covariates=["age", "ki67"])
    assert len(found) == 5
    assert any("column 'ki67'" in message for message in found)


def test_long_row_lists_are_shortened() -> None:
    frame = pd.concat([cohort()] * 3, ignore_index=True).assign(id=lambda f: range(len(f)))
    frame["os_time"] = -1.0
    message = only_problem(frame)
    assert "data rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 8 more, column 'os_time'" in message


def test_weights_default_to_ones_and_are_validated() -> None:
    data = load_survival(cohort(), **OS)
    np.testing.assert_array_equal(data.weights, np.ones(6))
    assert not data.weighted and not data.weights.flags.writeable
    half = dataclasses.replace(data, weights=np.full(6, 0.5))
    assert half.weighted and half.weights.dtype == np.float64
    for bad in ([1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 0.0], [1.0] * 5 + [np.inf]):
        with pytest.raises(ValueError, match="weights"):
            dataclasses.replace(data, weights=np.array(bad))


def test_public_names_stay_importable_from_patients() -> None:
    # the public API imports these from evidence.patients; the layout lives in evidence.schema
    from bayes_netlm.evidence import patients, schema

    assert patients.STUDY_COLUMNS is schema.STUDY_COLUMNS
    for name in ("load_survival", "read_table", "SurvivalData", "check_identifiable"):
        assert name in patients.__all__ and hasattr(patients, name)
