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
    assert 0 <= out["probabilities"]["below_1"] <= 1
    assert set(out["medians"]) == {"index", "reference"}
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
