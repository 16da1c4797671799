"""``bayes-netlm run`` end to end: real sampling, real files, real figures."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest
import xarray as xr
from fresh_python import run_python

from bayes_netlm.cli import main
from bayes_netlm.reporting import plots
from bayes_netlm.reporting.outputs import results_folder

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fast_spec():
    # the bundled spec itself: fewer draws would fail the ESS >= 400 check, and compilation,
    # not sampling, dominates the run time
    return ROOT / "models" / "run.toml"


def run_command(out, spec, seed="7", *extra):
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
            *extra,
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
    assert last.startswith("bayes-netlm run: results in") and " s; report: " in last
    assert last.endswith(str(out / "report.html"))
    assert "all fits converged" in last
    # progress on standard error: stages with the elapsed time, the final line untouched
    progress = [line for line in result.stderr.splitlines() if line.startswith("bayes-netlm run [")]
    assert len(progress) >= 5 and any("Weibull" in line for line in progress)
    table = pd.read_csv(out / "tables" / "summaries.csv")
    assert set(table.endpoint) >= {"os_full", "pfs_full", "os_matched", "pfs_matched"}
    assert set(table.endpoint) >= {"major_morbidity", "mortality", "men", "extrahepatic"}
    assert set(table.prior) == {
        "vague",
        "skeptical",
        "enthusiastic",
        "pessimistic",
        "jeffreys",  # rates only
        "informative",  # mortality and major morbidity only
    }
    # every pymc HR row has its exact twin, and they agree within Monte Carlo error
    hr = table[(table.analysis == "summary_hr") & (table.quantity == "p_below_1")]
    pivot = hr.pivot_table(index=["endpoint", "prior"], columns="method", values="value")
    assert (pivot["pymc"] - pivot["exact"]).abs().max() < 0.04
    convergence = pd.read_csv(out / "tables" / "convergence.csv")
    # 16 summary-HR + 16 shape-marginalised HR + 32 rate fits (6 x 5 sets + 2 informative, published
    # numbers) + 16 Weibull fits (patient data)
    assert convergence["converged"].all() and len(convergence) == 80
    weibull = table[table.analysis == "weibull"]
    assert set(weibull.endpoint) == {"os_full", "os_matched", "pfs_full", "pfs_matched"}
    assert {"median_index", "rmst_difference", "survival_index_5"} <= set(weibull.quantity)
    # the group-shape (PFS) fits' "hr" is the HR at the reference time: the meaning says so
    hr_rows = weibull[weibull.quantity == "hr"].groupby("endpoint")["meaning"].unique()
    assert {e: list(m) for e, m in hr_rows.items()} == {
        "os_full": ["HR (cystic vs solid)"],
        "os_matched": ["HR (cystic vs solid)"],
        "pfs_full": ["HR at 1 year (cystic vs solid)"],
        "pfs_matched": ["HR at 1 year (cystic vs solid)"],
    }
    assert table["meaning"].notna().all() and list(table.columns[-2:]) == ["data", "meaning"]
    frequentist = pd.read_csv(out / "tables" / "frequentist.csv")
    assert {"cox_hr", "logrank_p", "km_median"} <= set(frequentist.quantity)
    balance = pd.read_csv(out / "tables" / "balance.csv")
    assert set(balance.cohort) == {"full", "matched"}
    # covariates matching left imbalanced are named in the report, as the balance table flags them
    matched = balance[balance.cohort == "matched"]
    left = list(matched.covariate[matched.imbalanced])
    assert left  # the synthetic cohort's 12 cystic patients leave some (the warning is exercised)
    html = (out / "report.html").read_text()
    assert f"Matching left {len(left)} of {len(matched)} covariates imbalanced" in html
    assert f"(|SMD| &gt; 0.1: {', '.join(left)})" in html
    assert html.count("Still imbalanced after matching") == 2  # under os_matched, pfs_matched
    # text outside the page's scripts is escaped ("P(HR < 1) = 0.743 is 1 - p/2" was raw)
    assert "HR < " not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    grid = pd.read_csv(out / "tables" / "sensitivity_grid.csv")
    assert set(grid.analysis) == {"summary_hr", "weibull"}
    assert set(grid[grid.analysis == "weibull"].method) <= {"PSIS", "refit"}
    tipping = pd.read_csv(out / "tables" / "tipping_points.csv")
    weibull_tips = tipping[(tipping.analysis == "weibull") & tipping.tipping_sd.notna()]
    # roots found on reweighted draws (of the reference fit, or of a refit where PSIS was
    # unreliable at the root): the probability there is the level
    assert weibull_tips.method.notna().all()
    rooted = weibull_tips[weibull_tips.method != "refit"]
    assert (rooted.probability_tipping - rooted.level).abs().max() < 1e-6
    psense = pd.read_csv(out / "tables" / "power_scaling.csv")
    assert set(psense.analysis) == {"summary_hr", "rates", "weibull"}
    assert len(psense) == 16 + 32 + 16  # every MCMC fit but the shape-marginalised check
    assert "WARNING" in html and "not consistent with proportional hazards" in html
    assert "SYNTHETIC, ILLUSTRATIVE DATA" in html
    # said up front too, before the first table (the summary did not mention it)
    up_front = html.index("Patient-level section: SYNTHETIC data.")
    assert up_front < html.index("<h3>Prior sets</h3>")
    assert "How much does the answer rest on the prior?" in html
    # the group-shape fit's conclusions name the HR at its reference time, and the report says
    # that lifelines' common-shape Weibull HR beside it is another quantity
    pfs_tips = tipping[(tipping.analysis == "weibull") & (tipping.endpoint == "pfs_full")]
    assert len(pfs_tips) and pfs_tips.conclusion.str.startswith("P(HR at 1 year < ").all()
    assert "it is not the HR at 1 year of the Bayesian model above" in html
    assert "Calibration and study design" in html and "Prior predictive checks" in html
    assert (out / "figures" / "design_assurance.png").exists()
    assert (out / "figures" / "prior_grid_weibull_pfs_full.png").exists()
    for name in (
        "weibull_survival_os_full",
        "weibull_survival_pfs_matched",
        "weibull_hr_over_time_pfs_full",
        "weibull_ppc_os_full",
        "published_hr_os_full",
        "weibull_hr_os_full",
        # drawn by whichever process claims them first (bayes_netlm.claim)
        "published_rank_summary_hr",
        "published_rank_rates_beta",
        "published_rank_rates_logor",
        "weibull_rank",
    ):
        assert (out / "figures" / f"{name}.png").exists(), name
    for png in (out / "figures").glob("*.png"):
        image = mpimg.imread(png)
        assert image.shape[0] > 200 and image.shape[1] > 300, png.name
        # each figure is linked once: no two analyses share a file name
        assert html.count(f'src="figures/{png.name}"') == 1, png.name
    for name in ("summary_hr", "summary_hr_weibull", "rates_beta", "rates_logor", "weibull"):
        tree = xr.open_datatree(out / "posteriors" / f"{name}.nc", engine="h5netcdf")
        for key in ("seed", "data_sha256", "prior_sets", "packages", "spec_sha256"):
            assert f"bayes_netlm_{key}" in tree.attrs
        kind = "synthetic" if name == "weibull" else "published"
        assert json.loads(tree.attrs["bayes_netlm_data_kind"]) == kind
        assert tree.attrs["bayes_netlm_seed"] == "7"
        # the sampler that drew the posterior, with its version
        library = "nutpie" if name == "weibull" else "numpyro"
        sampler = json.loads(tree.attrs["bayes_netlm_sampler"])
        assert sampler["inference_library"] == library and sampler["inference_library_version"]
    weibull_tree = xr.open_datatree(out / "posteriors" / "weibull.nc", engine="h5netcdf")
    # the sampler's statistics beside the draws, fit by fit, as ArviZ's diagnostics read them
    stats = weibull_tree["sample_stats"].to_dataset()
    assert {"diverging", "energy", "step_size"} <= set(stats.data_vars)
    assert list(stats["fit"].values) == list(weibull_tree["posterior"]["fit"].values)
    assert stats["diverging"].sizes == weibull_tree["posterior"]["log_hr"].sizes
    assert "synthetic_cohort.csv" in weibull_tree.attrs["bayes_netlm_data_file"]


@pytest.mark.slow
def test_every_output_built_on_the_synthetic_cohort_says_so(first_run):
    out, _ = first_run
    for csv in (out / "tables").glob("*.csv"):
        table = pd.read_csv(csv)
        assert "data" in table.columns, csv.name
        assert set(table["data"]) <= {"published", "synthetic"}, csv.name
        if "analysis" in table.columns:
            patient_level = table[table.analysis == "weibull"]
            assert (patient_level["data"] == "synthetic").all(), csv.name
        if csv.name in ("frequentist.csv", "balance.csv"):
            assert (table["data"] == "synthetic").all(), csv.name
    summaries = pd.read_csv(out / "tables" / "summaries.csv")
    weibull = summaries[summaries.analysis == "weibull"]
    assert weibull["label"].str.contains("SYNTHETIC").all()
    html = (out / "report.html").read_text()
    # every patient-level figure's caption, hence its title's label, names the synthetic cohort
    figures = re.findall(r'<img src="figures/([^"]+)"[^>]*><figcaption>(.*?)</figcaption>', html)
    patient_level = [(f, c) for f, c in figures if "weibull" in f and "summary_hr" not in f]
    assert len(patient_level) >= 12
    for name, caption in patient_level:
        assert "SYNTHETIC" in caption, (name, caption)


@pytest.mark.slow
def test_same_seed_same_numbers(first_run, fast_spec, tmp_path):
    out, _ = first_run
    again = tmp_path / "again"
    quiet = run_command(again, fast_spec, "7", "--quiet")
    assert quiet.returncode == 0
    # --quiet: no progress lines, only the final line
    assert "bayes-netlm run [" not in quiet.stderr
    assert len(quiet.stdout.strip().splitlines()) == 1
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


@pytest.mark.slow
def test_bad_patient_data_fails_the_run_with_exit_2(tmp_path):
    spec = (ROOT / "models" / "run.toml").read_text()
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(ROOT / "data" / "synthetic_cohort.csv")
    frame.loc[3, "os_event"] = 2
    frame.to_csv(bad, index=False)
    spec_path = tmp_path / "run.toml"
    spec_path.write_text(spec.replace('data = "data/synthetic_cohort.csv"', f'data = "{bad}"'))
    result = run_command(tmp_path / "results", spec_path)
    assert result.returncode == 2
    assert "bad.csv" in result.stderr and "os_event" in result.stderr
    assert not (tmp_path / "results").exists()


def test_a_run_never_writes_one_file_twice(tmp_path):
    with pytest.raises(RuntimeError, match="written twice"):
        with results_folder(tmp_path / "results") as folder:
            folder.text("report.html", "first")
            folder.text("report.html", "second")
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_run_from_published_curves(tmp_path):
    spec = (ROOT / "models" / "run_curves.toml").read_text()
    spec = spec.replace(
        'prior_sets = ["vague", "skeptical", "enthusiastic", "pessimistic"]\nhorizons',
        'prior_sets = ["vague"]\nhorizons',
    ).replace("n_reconstructions = 5", "n_reconstructions = 2")
    assert 'prior_sets = ["vague"]' in spec
    spec_path = tmp_path / "run_curves.toml"
    spec_path.write_text(spec)  # paths in a spec are relative to the project root
    out = tmp_path / "results"
    result = run_command(out, spec_path, "7", "--quiet")
    assert result.returncode == 0, result.stderr
    quality = pd.read_csv(out / "tables" / "reconstruction_quality.csv")
    assert set(quality.endpoint) == {"os", "pfs"} and set(quality.arm) == {"cystic", "solid"}
    assert (quality["data"] == "synthetic").all()
    pooled = pd.read_csv(out / "tables" / "reconstruction_pooled.csv")
    assert set(pooled.endpoint) == {"os", "pfs"} and (pooled.reconstructions == 2).all()
    html = (out / "report.html").read_text()
    assert "Patients reconstructed from published curves" in html
    assert (out / "figures" / "reconstruction_os.png").exists()
    summaries = pd.read_csv(out / "tables" / "summaries.csv")
    assert set(summaries[summaries.analysis == "weibull"].endpoint) == {"os_full", "pfs_full"}


@pytest.mark.slow
def test_report_page_reweights_like_the_runs_psis_grid(first_run, tmp_path):
    """The report's Weibull cards, in headless Chromium, equal the grid's reliable PSIS cells."""
    from page_browser import fill, open_page, shown

    out, _ = first_run
    assert (out / "report.html").stat().st_size < 3_000_000
    grid = pd.read_csv(out / "tables" / "sensitivity_grid.csv")
    cells = grid[(grid.analysis == "weibull") & (grid.method == "PSIS") & (grid.khat < 0.7)]
    assert len(cells) >= 10
    with open_page(out / "report.html") as (page, errors, blocked):
        for row in cells.itertuples():
            card = f"card-weibull-{row.endpoint}"
            fill(page, f"#{card} .prior-mean", repr(row.prior_mean))
            fill(page, f"#{card} .prior-sd", repr(row.prior_sd))
            fill(page, "#threshold", repr(row.threshold))
            assert shown(page, card, "p_below_x") == pytest.approx(row.probability, abs=5e-4)
            assert shown(page, card, "khat") == pytest.approx(row.khat, abs=1e-3)
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert not errors and not blocked


def test_the_second_process_gets_its_settings_before_pandas_or_pymc_load():
    """``run`` builds the sampler settings it hands the survival process before starting it."""
    code = (
        "import sys\n"
        "from dataclasses import replace\n"
        "from bayes_netlm.spec import DEFAULT_SPEC, load_spec\n"
        "settings = replace(load_spec(DEFAULT_SPEC).sampler, cores=1)\n"
        "heavy = [m for m in ('pandas', 'pymc') if m in sys.modules]\n"
        "print(settings.draws, settings.cores, heavy)\n"
    )
    result = run_python(code, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "1000 1 []"


_LAZY_JAX = """
import sys
import numpy as np
import arviz  # registers jax and numpyro as lazy modules (arviz_base's NumPyro converter)
from scipy.special import logsumexp
from bayes_netlm.modeling.lazy_modules import forget_unloaded_lazy_modules
from bayes_netlm.run import _in_child

def jax():
    return type(sys.modules.get("jax")).__name__

print(jax())
if {forget}:
    _in_child("sys:getrecursionlimit")  # any call in the second process
print(jax())
logsumexp(np.ones(3))
print(jax())
import jax.numpy as jnp
print(float(jnp.ones(2).sum()), forget_unloaded_lazy_modules(("jax",)))
"""


@pytest.mark.parametrize("forget", [False, True])
def test_the_second_process_does_not_import_jax_for_scipy(forget):
    """ArviZ registers ``jax`` lazily in ``sys.modules``; SciPy's array-API check then imports it
    at the first ``logsumexp`` (0.5 s of CPU in the run's second process, which never uses JAX).
    A call in the second process forgets the unloaded entry first, so SciPy imports nothing, and a
    later ``import jax`` still works; a loaded JAX is never removed."""
    result = run_python(_LAZY_JAX.format(forget=forget), timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().split("\n")
    if forget:
        assert lines[:3] == ["_LazyModule", "NoneType", "NoneType"]
    else:  # what the second process avoids: SciPy loads JAX
        assert lines[:3] == ["_LazyModule", "_LazyModule", "module"]
    assert lines[3] == "2.0 []"


_GC_THRESHOLDS = """
import gc
print(gc.get_threshold())  # the interpreter's own
import bayes_netlm as bn
import bayes_netlm.cli as cli
from bayes_netlm.run import _init_worker

bn.hazard_ratio(hr=0.8, ci=(0.5, 1.3), prior="vague", mcmc=False)  # the API leaves them alone
print(gc.get_threshold())
if {which!r} == "console":
    cli.main = lambda: print(gc.get_threshold()) or 0  # what the command runs under
    cli.console()
_init_worker()  # the run's second process
print(gc.get_threshold())
"""


@pytest.mark.parametrize("which", ["console", "second process"])
def test_the_command_line_collects_garbage_less_often_and_the_api_does_not(which):
    from bayes_netlm.gc_thresholds import THRESHOLDS

    result = run_python(_GC_THRESHOLDS.format(which=which), timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    default, after_api, command = result.stdout.strip().split("\n")
    assert after_api == default != str(THRESHOLDS) and command == str(THRESHOLDS)
