"""The run specification can start the patient-level analysis from published curves."""

import dataclasses
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from canvas_checks import assert_laid_out

from bayes_netlm.analyses.cohorts import curve_cohort
from bayes_netlm.analyses.patients import analyse_survival
from bayes_netlm.errors import InputError
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.reporting.reconstruction import reconstruction_figure, reconstruction_section
from bayes_netlm.spec import load_spec

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "models" / "run_curves.toml"


def test_curve_spec_reads_both_endpoints_files():
    spec = load_spec(SPEC).survival
    assert spec is not None and spec.source == "curves" and spec.data_kind == "synthetic"
    assert all(e.curve is not None and e.curve.exists() for e in spec.endpoints)
    assert spec.n_reconstructions == 5


def test_example_curves_reconstruct_the_synthetic_cohort_closely():
    spec = load_spec(SPEC).survival
    cohort = pd.read_csv(ROOT / "data" / "synthetic_cohort.csv")
    for endpoint, events in (("os", "os_event"), ("pfs", "pfs_event")):
        rebuilt = curve_cohort(spec, next(e for e in spec.endpoints if e.name == endpoint))
        quality = rebuilt.quality.set_index("arm")
        assert quality.loc["cystic", "n"] == 12 and quality.loc["solid", "n"] == 452
        # the 12-patient arm's steps are exact; the large arm is within digitising error
        assert quality.loc["cystic", "events"] == cohort[cohort.group == "cystic"][events].sum()
        assert quality["max_abs_diff"].max() < 0.02
        assert rebuilt.data.index_label == "cystic"
        figure = reconstruction_figure(rebuilt, endpoint)
        assert_laid_out(figure)
        assert len(figure.axes[0].lines) == 4  # points and reconstructed curve per arm
        assert "max |diff|" in figure.axes[0].get_legend().get_texts()[0].get_text()
        html = reconstruction_section([rebuilt], pd.DataFrame(), {endpoint: endpoint})
        # readable headers, a dash where no total was given (it showed Python's None)
        assert "<table" in html and "KM vs points: max |diff|" in html
        assert "max_abs_diff" not in html and "None" not in html and "Events given" in html


def test_missing_curve_file_is_an_input_error(tmp_path):
    text = SPEC.read_text().replace("synthetic_os_curve.csv", "nowhere.csv")
    bad = tmp_path / "run.toml"
    bad.write_text(text)
    spec = load_spec(bad).survival
    with pytest.raises(InputError, match="nowhere.csv"):
        curve_cohort(spec, spec.endpoints[0])


def test_curve_source_needs_both_files(tmp_path):
    text = SPEC.read_text().replace('at_risk = "data/examples/synthetic_os_at_risk.csv"\n', "")
    bad = tmp_path / "run.toml"
    bad.write_text(text)
    with pytest.raises(InputError, match="curve and at_risk"):
        load_spec(bad)


@pytest.mark.slow
def test_survival_analysis_from_curves_fits_and_pools_reconstructions():
    spec = dataclasses.replace(load_spec(SPEC).survival, prior_sets=("vague",), n_reconstructions=3)
    catalog = load_prior_catalog()
    analysis = analyse_survival(spec, catalog, 3, SamplerSettings())
    assert [f.name for f in analysis.fits] == ["os_full", "pfs_full"]
    assert all("(SYNTHETIC cohort)" in f.label for f in analysis.fits)
    assert analysis.result.convergence["converged"].all()
    assert analysis.balance.empty and len(analysis.curves) == 2
    pooled = analysis.pooled.set_index("endpoint")
    assert set(pooled.index) == {"os", "pfs"}
    # pooling plausible reconstructions can only add uncertainty (up to Monte Carlo error)
    assert (pooled["width_ratio"] > 0.9).all()
    assert (pooled["hr_pooled_lower"] < pooled["hr_pooled"]).all()
    from bayes_netlm.reporting.report_sections import survival_section

    html = survival_section(analysis, catalog.clinical)
    # no matching, so no balance section; the synthetic note says where these patients came from
    assert "Covariate balance" not in html
    assert "reconstructed from example curves" in html and "make_example_curves.py" in html
