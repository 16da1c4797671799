"""Each script in scripts/ runs as `python scripts/NAME.py` with small settings, outputs written."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [
    (
        "fit_published_hr.py",
        ["--draws", "300"],
        ["posterior.nc", "trace.png", "rank.png", "posterior.png"],
        "P(HR < 0.7) = ",
    ),
    (
        "compare_rates.py",
        ["--draws", "300"],
        ["posterior.nc", "trace.png", "rank.png", "posterior.png"],
        "P(RD > 0) = ",
    ),
    (
        "sensitivity.py",
        ["--draws", "300", "--centres", "0.5,1", "--sds", "0.5,1"],
        ["grid.csv", "grid.png", "trace.png", "rank.png"],
        "tipping:",
    ),
    (
        "fit_weibull.py",
        ["--draws", "200"],
        ["posterior.nc", "trace.png", "rank.png", "survival.png"],
        "lifelines: Cox HR",
    ),
    (
        "reconstruct_and_fit.py",
        ["--draws", "200", "--reconstructions", "2"],
        ["patients.csv", "posterior.nc", "rank.png"],
        "pooled vs single",
    ),
    (
        "run_reanalysis.py",
        ["--draws", "300", "--no-survival"],
        ["summaries.csv", "posteriors/summary_hr.nc", "rank.png", "forest.png"],
        "os_full (vague): P(HR < 1) = ",
    ),
]


def run(name, args, cwd):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MPLBACKEND": "Agg",
            "PYTHONWARNINGS": "ignore",
        },
    )


@pytest.mark.parametrize("name", [s[0] for s in SCRIPTS])
def test_help(name, tmp_path):
    result = run(name, ["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--out" in result.stdout and "default" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "args", "outputs", "printed"), SCRIPTS, ids=[s[0] for s in SCRIPTS]
)
def test_script_writes_its_outputs(name, args, outputs, printed, tmp_path):
    out = tmp_path / "out"
    result = run(name, [*args, "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert printed in result.stdout
    for output in outputs:
        assert (out / output).stat().st_size > 0, output
    posterior = next(iter(sorted(out.rglob("*.nc"))), None)
    if posterior is not None:
        tree = xr.open_datatree(posterior, engine="h5netcdf")
        assert "posterior" in tree.children and "bayes_netlm_seed" in tree.attrs
    if name == "fit_weibull.py":  # its default data are the bundled synthetic cohort: it says so
        assert result.stdout.startswith("SYNTHETIC, ILLUSTRATIVE DATA")
        assert tree.attrs["bayes_netlm_data_kind"] == '"synthetic"'


@pytest.mark.parametrize("name", [s[0] for s in SCRIPTS])
def test_an_output_folder_that_is_a_file_is_refused_before_any_fit(name, tmp_path):
    # the scripts fitted first and then stopped with a FileExistsError traceback (exit 1)
    taken = tmp_path / "taken"
    taken.write_text("a user's file")
    result = run(name, ["--out", str(taken)], tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"{name}: error: --out: {taken} is a file (give a folder; a new one is made)"
    )
    assert result.stdout == "" and taken.read_text() == "a user's file"


def test_a_misspelt_prior_is_one_line_and_exit_status_2(tmp_path):
    result = run("fit_weibull.py", ["--prior", "skeptcal", "--out", str(tmp_path / "o")], tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("fit_weibull.py: error: --prior: unknown prior set 'skeptcal'")
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
