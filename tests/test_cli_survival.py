"""`bayes-netlm survival`: the real command on real files; bad input exits 2 and writes nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bayes_netlm.cli import main

ROOT = Path(__file__).resolve().parent.parent
COHORT = ROOT / "data" / "synthetic_cohort.csv"


@pytest.mark.slow
def test_survival_json_on_the_synthetic_cohort():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bayes_netlm.cli",
            "survival",
            "--data",
            str(COHORT),
            "--time",
            "os_time",
            "--event",
            "os_event",
            "--group",
            "group",
            "--id",
            "id",
            "--covariates",
            "age,primary_site",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["estimate"]["measure"] == "HR"
    lo, hi = out["estimate"]["ci95"]
    assert lo < out["estimate"]["median"] < hi
    assert 0 <= out["probabilities"]["P(HR < 1)"] <= 1
    assert set(out["medians"]) == {"cystic", "solid"}  # group names, not index/reference
    assert out["data"]["time_unit"] == "years"
    freq = out["frequentist"]
    assert set(freq["km_medians"]) == {"cystic", "solid"} and 0 < freq["logrank_p"] < 1
    lo, hi = out["rmst_difference"]["ci95"]
    assert lo < out["rmst_difference"]["median"] < hi
    from bayes_netlm.cli_format import format_survival

    text = format_survival(out)
    for words in ("Kaplan-Meier median, cystic", "log-rank p =", "Cox HR", "RMST difference"):
        assert words in text
    assert "time unit: years" in text
    # what is adjusted and what is not (the text did not mention the covariates)
    assert "adjusted for age, primary_pancreas: the HR and the Cox HR are adjusted" in text
    assert "median survival at the covariates' means, cystic (years)" in text
    # the horizon is named (it was not): restricted to 10 years
    assert "RMST difference to 10 years at the covariates' means, cystic - solid (years)" in text
    assert out["rmst_horizon"] == 10
    assert "Kaplan-Meier and log-rank are unadjusted" in text and "Cox HR (adjusted)" in text
    unadjusted = format_survival({**out, "data": {**out["data"], "covariates": []}})
    assert "adjusted" not in unadjusted and "covariates' means" not in unadjusted
    # the bundled cohort is synthetic, and the output says so (it said nothing)
    assert out["data"]["synthetic"] is True
    assert text.startswith("SYNTHETIC, ILLUSTRATIVE DATA")
    assert out["data"]["covariates"] == ["age", "primary_pancreas"]
    assert out["converged"] is True
    # the vague-prior posterior and the Cox fit tell the same story on 464 patients
    assert (out["estimate"]["median"] < 1) == (out["frequentist"]["cox_hr"] < 1)


def write(tmp_path, frame):
    path = tmp_path / "patients.csv"
    frame.to_csv(path, index=False)
    return path


def base_frame():
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "arm": ["cystic", "cystic", "cystic", "solid", "solid", "solid"],
            "t": [1.0, 2.0, 3.0, 1.5, 2.5, 3.5],
            "d": [1, 0, 1, 1, 1, 0],
            "age": [50, 60, 70, 55, 65, 75],
        }
    )


BAD = {
    "negative time": (lambda f: f.assign(t=[-1.0, 2, 3, 1.5, 2.5, 3.5]), "t"),
    "missing time": (lambda f: f.assign(t=[None, 2, 3, 1.5, 2.5, 3.5]), "t"),
    "event code 2": (lambda f: f.assign(d=[2, 0, 1, 1, 1, 0]), "d"),
    "unknown group": (
        lambda f: f.assign(arm=["cystic", "x", "cystic", "solid", "solid", "solid"]),
        "arm",
    ),
    "duplicate id": (lambda f: f.assign(id=[1, 1, 3, 4, 5, 6]), "id"),
    "group without events": (lambda f: f.assign(d=[0, 0, 0, 1, 1, 0]), "event"),
    "group without patients": (lambda f: f.assign(arm=["solid"] * 6), "arm"),
    "non-numeric covariate": (lambda f: f.assign(age=["a", "b", "c", "d", "e", "f"]), "age"),
    "missing column": (lambda f: f.drop(columns="d"), "d"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_patient_file_exits_2_and_writes_nothing(case, tmp_path, monkeypatch, capsys):
    mutate, column = BAD[case]
    path = write(tmp_path, mutate(base_frame()))
    monkeypatch.chdir(tmp_path)
    args = [
        "survival",
        "--data",
        str(path),
        "--time",
        "t",
        "--event",
        "d",
        "--group",
        "arm",
        "--index-level",
        "cystic",
        "--id",
        "id",
        "--covariates",
        "age",
    ]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "patients.csv" in captured.err and column in captured.err
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]


def test_missing_file_exits_2(tmp_path, capsys):
    args = [
        "survival",
        "--data",
        str(tmp_path / "nope.csv"),
        "--time",
        "t",
        "--event",
        "d",
        "--group",
        "arm",
    ]
    assert main(args) == 2
    assert "nope.csv" in capsys.readouterr().err


def survival_args(path, *extra):
    return [
        "survival",
        "--data",
        str(path),
        "--time",
        "t",
        "--event",
        "d",
        "--group",
        "arm",
        "--index-level",
        "cystic",
        *extra,
    ]


COVARIATE_BAD = {
    "the group column": (["--covariates", "arm"], "is the group, time or event column itself"),
    "a constant": (["--covariates", "k"], "same value (5) for every patient"),
    "the group in disguise": (["--covariates", "arm01"], "one value per group"),
    "collinear pair": (["--covariates", "age,age2"], "exact linear combination"),
}


@pytest.mark.parametrize("case", list(COVARIATE_BAD), ids=list(COVARIATE_BAD))
def test_unusable_covariates_are_refused_before_fitting(case, tmp_path, capsys):
    extra, message = COVARIATE_BAD[case]
    frame = base_frame().assign(k=5)
    frame = frame.assign(arm01=(frame.arm == "cystic").astype(int), age2=2 * frame.age + 1)
    path = write(tmp_path, frame)
    assert main(survival_args(path, *extra)) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert "pymc" not in captured.err


def test_an_id_column_is_checked_without_the_id_option(tmp_path, capsys):
    path = write(tmp_path, base_frame().assign(id=[1, 2, 3, 4, 5, 1]))
    assert main(survival_args(path)) == 2
    assert "patient id '1' appears 2 times" in capsys.readouterr().err


def test_a_group_of_one_patient_is_warned_about():
    from bayes_netlm.evidence.patients import load_survival

    frame = base_frame().assign(arm=["cystic"] + ["solid"] * 5, d=[1, 0, 1, 1, 1, 0])
    data = load_survival(frame, time="t", event="d", group="arm", index_level="cystic")
    assert any("group 'cystic' has only 1 patient" in note for note in data.notes)


def test_file_problems_are_named_for_what_they_are(tmp_path, capsys):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("t,d,arm\n1,1,M\xfcller\n".encode("latin-1"))
    header = write(tmp_path, base_frame().iloc[:0])
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    expected = {
        latin: "is not UTF-8 text (byte 0xfc",
        header: "has a header row but no patient rows",
        folder: "is a folder, not a file",
        fifo: "is not a regular file",
    }
    for path, message in expected.items():
        assert main(survival_args(path)) == 2
        err = capsys.readouterr().err
        assert message in err and "file not found" not in err and "labels found" not in err
    assert "save the file as UTF-8" in (main(survival_args(latin)), capsys.readouterr().err)[1]


def test_a_group_column_without_labels_says_none_were_found(tmp_path, capsys):
    path = write(tmp_path, base_frame().assign(arm=[None] * 6))
    assert main(survival_args(path)) == 2
    err = capsys.readouterr().err
    assert "labels found: none (every label is missing)" in err and "labels found: (" not in err


@pytest.mark.slow
def test_a_fit_that_fails_its_checks_exits_3_and_says_so(tmp_path):
    # times of 1e300 break the Weibull fit: it used to print an HR as if all were well, exit 0
    frame = base_frame()
    path = write(tmp_path, frame.assign(t=frame.t * 1e300))
    result = subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", *survival_args(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("WARNING: this fit FAILED its convergence checks")
    assert "exit status 3" in result.stderr


@pytest.mark.slow
def test_times_in_months_are_converted_to_years(tmp_path, capsys):
    """--time-unit months: the same patients with times x 12 give the same HR at 1 year,
    probabilities and medians (in years) as the file in years; before, the horizons and the
    reference time silently became 1, 5 and 10 months under labels in years."""
    cohort = pd.read_csv(COHORT)
    months = write(tmp_path, cohort.assign(pfs_time=cohort.pfs_time * 12))
    # the years the conversion gives, written as the reference: the same data to the last bit
    years_file = tmp_path / "years.csv"
    cohort.assign(pfs_time=pd.read_csv(months).pfs_time / 12).to_csv(years_file, index=False)
    common = ["--time", "pfs_time", "--event", "pfs_event", "--group", "group"]
    common += ["--shape", "group", "--json", "--seed", "5"]
    outputs = []
    for path, unit in ((years_file, "years"), (months, "months")):
        assert main(["survival", "--data", str(path), *common, "--time-unit", unit]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    years, converted = outputs
    assert converted["data"]["time_unit"] == "years"
    assert converted["data"]["time_unit_of_file"] == "months"
    assert converted["estimate"]["measure"] == "HR at 1 year"
    from bayes_netlm.cli_format import format_survival

    # with a group-specific shape the text says why P(HR at 1 year < 1) and P(S(t) higher) differ
    assert "note: the HR at 1 year compares the hazards at that time" in format_survival(converted)
    assert converted["estimate"]["median"] == pytest.approx(years["estimate"]["median"], rel=1e-6)
    for name, p in years["probabilities"].items():
        assert converted["probabilities"][name] == pytest.approx(p, abs=1e-9), name
    for group, block in years["medians"].items():
        assert converted["medians"][group]["median"] == pytest.approx(block["median"], rel=1e-6)
    assert main(["survival", "--data", str(months), *common, "--time-unit", "fortnights"]) == 2
    assert "fortnights" in capsys.readouterr().err
    assert not [n for n in years["data"]["notes"] if "longest follow-up" in n]
    # days read as years (no --time-unit): a median survival of 4993 "years", now with a note
    days = write(tmp_path, cohort.assign(pfs_time=cohort.pfs_time * 365.25))
    assert main(["survival", "--data", str(days), *common]) == 0
    notes = json.loads(capsys.readouterr().out)["data"]["notes"]
    assert any(n.startswith("the longest follow-up is") and "--time-unit" in n for n in notes)


@pytest.mark.parametrize(
    "flags, shown",
    [
        (["--group", "group", "--covariates", "id"], "'P010' and 454 more"),
        (["--group", "os_time"], "and 446 more"),
    ],
)
def test_a_column_with_hundreds_of_labels_is_named_in_one_short_line(flags, shown, capsys):
    """An id column as a covariate, or a time column as the group, listed every one of its
    hundreds of labels on one line (4-6 kB)."""
    args = ["survival", "--data", str(COHORT), "--time", "os_time", "--event", "os_event", *flags]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert shown in err and len(err) < 600


def test_a_semicolon_file_and_a_covariate_listed_twice_say_what_to_do(tmp_path, capsys):
    """A ';'-separated file reported three columns missing from a one-column header; a doubled
    covariate went on to a 38 s recompilation."""
    path = tmp_path / "semi.csv"
    path.write_text("id;group;t;d\n1;cystic;1;1\n2;solid;2;0\n")
    assert (
        main(["survival", "--data", str(path), "--time", "t", "--event", "d", "--group", "group"])
        == 2
    )
    assert "columns seem separated by ';': save it with commas" in capsys.readouterr().err
    args = ["survival", "--data", str(COHORT), "--time", "os_time", "--event", "os_event"]
    assert main([*args, "--group", "group", "--covariates", "age,ki67,age"]) == 2
    assert "--covariates: age listed twice" in capsys.readouterr().err
