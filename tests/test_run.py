"""``bayes-netlm run`` end to end: real sampling, real files, real figures."""

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest
import xarray as xr

from bayes_netlm import plots
from bayes_netlm.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fast_spec():
    # the bundled spec itself: fewer draws would fail the ESS >= 400 check, and compilation,
    # not sampling, dominates the run time
    return ROOT / "models" / "run.toml"


def run_command(out, spec, seed="7"):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bayes_netlm.cli",
            "run",
            "--out",
            str(out),
            "--spec",
            str(spec),
            "--seed",
            seed,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=900,
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, fast_spec):
    out = tmp_path_factory.mktemp("run") / "results"
    result = run_command(out, fast_spec)
    assert result.returncode == 0, result.stderr
    return out, result


@pytest.mark.slow
def test_run_writes_every_output(first_run):
    out, result = first_run
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("bayes-netlm run: results in") and last.endswith(" s")
    assert "all fits converged" in last
    table = pd.read_csv(out / "tables" / "summaries.csv")
    assert set(table.endpoint) >= {"os_full", "pfs_full", "os_matched", "pfs_matched"}
    assert set(table.endpoint) >= {"major_morbidity", "mortality", "men", "extrahepatic"}
    assert set(table.prior) == {"vague", "skeptical", "enthusiastic", "pessimistic"}
    # every pymc HR row has its exact twin, and they agree within Monte Carlo error
    hr = table[(table.analysis == "summary_hr") & (table.quantity == "p_below_1")]
    pivot = hr.pivot_table(index=["endpoint", "prior"], columns="method", values="value")
    assert (pivot["pymc"] - pivot["exact"]).abs().max() < 0.04
    convergence = pd.read_csv(out / "tables" / "convergence.csv")
    assert convergence["converged"].all() and len(convergence) == 40
    html = (out / "report.html").read_text()
    assert "WARNING" in html and "not consistent with proportional hazards" in html
    for png in (out / "figures").glob("*.png"):
        image = mpimg.imread(png)
        assert image.shape[0] > 200 and image.shape[1] > 300, png.name
        assert f'src="figures/{png.name}"' in html
    tree = xr.open_datatree(out / "posteriors" / "summary_hr.nc", engine="h5netcdf")
    for key in ("seed", "data_sha256", "prior_sets", "packages", "spec_sha256"):
        assert f"bayes_netlm_{key}" in tree.attrs
    assert tree.attrs["bayes_netlm_seed"] == "7"


@pytest.mark.slow
def test_same_seed_same_numbers(first_run, fast_spec, tmp_path):
    out, _ = first_run
    again = tmp_path / "again"
    assert run_command(again, fast_spec).returncode == 0
    first = pd.read_csv(out / "tables" / "summaries.csv")
    second = pd.read_csv(again / "tables" / "summaries.csv")
    pd.testing.assert_frame_equal(first, second)


@pytest.mark.slow
def test_failed_run_keeps_previous_results(first_run, fast_spec, monkeypatch, capsys):
    out, _ = first_run
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while plotting")

    monkeypatch.setattr(plots, "forest_figure", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        main(["run", "--out", str(out), "--spec", str(fast_spec), "--seed", "7"])
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in out.parent.iterdir()] == ["results"]  # no staging left behind
