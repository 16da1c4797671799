"""The calibrate and design subcommands, run as a user would (real Dask cluster, real JSON)."""

import json
import subprocess
import sys
from pathlib import Path

from bayes_netlm.cli_simulation import FAMILIES
from bayes_netlm.simulation import sbc

ROOT = Path(__file__).resolve().parents[1]


def command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def test_the_command_lists_every_family_the_simulation_knows():
    assert FAMILIES == sbc.FAMILIES


def test_calibrate_passes_a_calibrated_model_and_fails_a_misspecified_one(tmp_path):
    good = command("calibrate", "--model", "summary_hr", "--sims", "400", "--workers", "1")
    assert good.returncode == 0, good.stderr
    result = json.loads(good.stdout)
    assert result["passed"] is True and result["families"][0]["sims"] == 400
    bad = command(
        "calibrate",
        "--model",
        "summary_hr",
        "--sims",
        "400",
        "--workers",
        "1",
        "--misspecified",
        "--out",
        str(tmp_path),
    )
    assert bad.returncode == 0, bad.stderr
    assert json.loads(bad.stdout)["passed"] is False
    assert (tmp_path / "sbc_summary_hr.png").stat().st_size > 10_000
    assert "note" not in result  # 400 simulations: a verdict


def test_a_check_with_few_simulations_says_its_pass_means_little():
    """With 3 simulations the misspecified model 'passed' and a design check 0.19 against 0.0
    was 'within 3 MCSE', without a word; both now carry a note."""
    few = command(
        "calibrate", "--model", "summary_hr", "--sims", "3", "--workers", "1", "--misspecified"
    )
    assert few.returncode == 0, few.stderr
    assert json.loads(few.stdout)["note"].startswith("only 3 simulations: a passed check says")
    design = command("design", "--grid", "20", "--check", "20", "--sims", "3", "--workers", "1")
    assert design.returncode == 0, design.stderr
    assert "only 3 simulations" in json.loads(design.stdout)["note"]


def test_design_reports_assurance_and_its_simulated_check():
    done = command("design", "--grid", "20,50", "--check", "50", "--sims", "200", "--workers", "1")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    sizes = {row["n_index"] for row in result["assurance"]}
    assert sizes == {20, 50}
    assert all(0 <= row["assurance"] <= 1 for row in result["assurance"])
    assert {row["n_index"] for row in result["checks"]} == {50}


def test_bad_simulation_arguments_exit_2_with_one_line():
    for args in (
        ("design", "--design-prior", "nonsense"),
        ("design", "--grid", "0,5"),
        ("calibrate", "--model", "nothing"),
        ("calibrate", "--model", "summary_hr", "--sims", "-3"),
    ):
        done = command(*args)
        assert done.returncode == 2, args
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
