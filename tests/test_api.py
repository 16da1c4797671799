"""The public API through ``import bayes_netlm`` alone: every entry point on small inputs.

Numbers are checked against closed forms where they exist (conjugate Normal-Normal, Beta
posteriors integrated numerically, the elicited Normal), MCMC against the closed form.
"""

import json
import math
import re
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import integrate, stats

import bayes_netlm as bn

SMALL = {"draws": 600, "tune": 400, "chains": 4}


def conjugate(y, se, m0, s0):
    precision = 1 / s0**2 + 1 / se**2
    return (m0 / s0**2 + y / se**2) / precision, math.sqrt(1 / precision)


def test_public_names_are_listed_and_import_lazily():
    assert set(bn.__all__) <= set(dir(bn))
    for name in bn.__all__:
        assert getattr(bn, name) is not None
    with pytest.raises(AttributeError):
        bn.no_such_name  # noqa: B018


def test_hazard_ratio_from_ci_is_the_conjugate_posterior():
    fit = bn.hazard_ratio(hr=0.5, ci=(0.25, 1.0), prior="normal:0,1", mcmc=False)
    se = (math.log(1.0) - math.log(0.25)) / (2 * NormalDist().inv_cdf(0.975))
    mean, sd = conjugate(math.log(0.5), se, 0.0, 1.0)
    estimate = fit.estimate("hr")
    assert estimate["median"] == pytest.approx(math.exp(mean), rel=1e-9)
    assert estimate["upper"] == pytest.approx(math.exp(mean + 1.959964 * sd), rel=1e-5)
    assert fit.probabilities["P(HR < 1)"] == pytest.approx(NormalDist(mean, sd).cdf(0), abs=1e-9)
    assert fit.probabilities["P(HR < 0.7)"] == pytest.approx(
        NormalDist(mean, sd).cdf(math.log(0.7)), abs=1e-9
    )
    assert set(fit.probabilities) == {
        "P(HR < 1)",
        "P(HR < 0.7)",
        "P(HR > 1.43)",
        "P(0.8 < HR < 1.25)",
    }
    assert list(fit.summary().columns[:7]) == [
        "analysis",
        "endpoint",
        "label",
        "prior",
        "prior_spec",
        "method",
        "quantity",
    ]
    with pytest.raises(ValueError, match="mcmc=True"):
        fit.posterior  # noqa: B018


def test_hazard_ratio_from_p_and_medians_and_shapes():
    from_p = bn.hazard_ratio(hr=0.8, p=0.5, prior="vague", mcmc=False)
    z = NormalDist().inv_cdf(0.75)
    assert from_p.data.se == pytest.approx(abs(math.log(0.8)) / z, rel=1e-9)
    plain = bn.log_hazard_ratio(medians=(13.8, 10.6), p=0.513)
    assert plain.estimate == pytest.approx(math.log(10.6 / 13.8), rel=1e-12)
    doubled = bn.hazard_ratio(medians=(13.8, 10.6), p=0.513, shape=2.0, mcmc=False)
    assert doubled.data.estimate == pytest.approx(2 * plain.estimate, rel=1e-12)
    mixed = bn.hazard_ratio(
        medians=(0.71, 1.78), p=0.507, n=(12, 452), shape="lognormal:0,0.5", mcmc=False
    )
    assert mixed.headline == "summary_hr_weibull" and mixed.shape_mean > 0
    assert round(mixed.probabilities["P(HR < 1)"], 3) == 0.269  # as the CLI test's mixture
    assert not mixed.information.consistent


def test_prior_names_any_case_and_elicited_statements():
    lower = bn.hazard_ratio(hr=0.8, p=0.5, prior="skeptical", mcmc=False)
    upper = bn.hazard_ratio(hr=0.8, p=0.5, prior="SKEPTICAL", mcmc=False)
    assert lower.prior == upper.prior and lower.prior_name == upper.prior_name == "skeptical"
    elicited = bn.hazard_ratio(hr=0.8, p=0.5, prior="hr:0.5-2@95%", mcmc=False)
    assert elicited.prior.mean == pytest.approx(0.0, abs=1e-6)
    assert elicited.prior.sd == pytest.approx(math.log(2) / 1.959964, rel=1e-3)
    given = bn.hazard_ratio(hr=0.8, p=0.5, prior=bn.NormalPrior(0.0, 0.5), mcmc=False)
    assert given.prior.sd == 0.5
    with pytest.raises(bn.InputError, match="unknown prior set"):
        bn.hazard_ratio(hr=0.8, p=0.5, prior="hopeful", mcmc=False)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "no estimate given"),
        ({"hr": 0.8}, "needs --ci LO HI or --p P"),
        ({"hr": 0.8, "ci": (0.5, 1.2), "p": 0.3}, "--ci/--p: both given"),
        ({"medians": (13.8, 10.6)}, "needs the two-sided --p"),
        ({"medians": (13.8, 10.6), "p": 0.5, "hr": 0.8}, "given together with --medians"),
        ({"hr": 0.8, "ci": (0.9, 1.3)}, "does not bracket"),
    ],
)
def test_api_refuses_the_hr_inputs_the_command_refuses_in_its_words(inputs, message):
    with pytest.raises(bn.InputError, match=re.escape(message)):
        bn.log_hazard_ratio(**inputs)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        # these ended in TypeError, IndexError, ZeroDivisionError or NumPy's own error, or were
        # taken silently (a third CI value ignored, 12.5 patients, p=True)
        ({"hr": "0.77", "ci": (0.35, 1.69)}, "--hr: '0.77' is not a number"),
        ({"hr": 0.77, "ci": 0.35}, "--ci: 0.35 is not two numbers"),
        ({"hr": 0.77, "p": "0.5"}, "--p: '0.5' is not a number"),
        ({"hr": 0.77, "p": True}, "--p: True is not a number"),
        ({"medians": (13.8,), "p": 0.5}, "--medians: (13.8,) is not two numbers"),
        ({"hr": 0.77, "ci": (0.35, 1.69, 2)}, "--ci: (0.35, 1.69, 2) is not two numbers"),
        ({"hr": -1, "ci": (0.35, 1.69)}, "--hr: -1 is not a positive number"),
        ({"hr": 0.77, "ci": (0.35, 1.69), "n": (0, 452)}, "n: (0, 452) are not two group sizes"),
        ({"hr": 0.77, "ci": (0.35, 1.69), "n": (12.5, 452)}, "are not two group sizes"),
        ({"hr": 0.77, "ci": (0.35, 1.69), "seed": -1, "mcmc": True}, "seed: -1 is not a whole"),
    ],
)
def test_api_refuses_malformed_hazard_ratio_arguments_with_an_input_error(inputs, message):
    with pytest.raises(bn.InputError, match=re.escape(message)):
        bn.hazard_ratio(**{"mcmc": False, **inputs})


def test_hazard_ratio_mcmc_tree_netcdf_and_plots(tmp_path):
    fit = bn.hazard_ratio(hr=0.5, ci=(0.25, 1.0), prior="normal:0,1", seed=3, **SMALL)
    assert fit.converged
    exact = fit.probabilities["P(HR < 1)"]
    mcmc = fit.summary("pymc").set_index("quantity").loc["p_below_1"]
    assert abs(mcmc["value"] - exact) < 4 * mcmc["mcse_value"] + 0.01
    assert json.loads(fit.idata.attrs["bayes_netlm_seed"]) == 3
    assert "numpyro" in json.loads(fit.idata.attrs["bayes_netlm_packages"])
    path = fit.to_netcdf(tmp_path / "hr.nc")
    import xarray as xr

    back = xr.open_datatree(path, engine="h5netcdf")
    np.testing.assert_allclose(back.posterior["log_hr"].values, fit.posterior["log_hr"].values)
    for figure in (fit.plot_posterior(), fit.plot_trace(), fit.plot_rank(), fit.plot_forest()):
        assert isinstance(figure, Figure)


def test_rates_exact_against_numerical_integration():
    fit = bn.compare_rates("3/12", "1/12", names=("cystic", "solid"), prior="beta:1,1", mcmc=False)
    a, b = stats.beta(4, 10), stats.beta(2, 12)
    p_rd_above_0 = integrate.quad(lambda x: a.pdf(x) * b.cdf(x), 0, 1)[0]
    assert fit.probabilities["P(RD > 0)"] == pytest.approx(p_rd_above_0, abs=1e-6)
    rounded = bn.compare_rates("22%/452", "25%/452", prior="Vague", mcmc=False)
    assert rounded.comparison.index.low < rounded.comparison.index.high  # an interval count
    assert {"P(RD > 0.05)", "P(|RD| < 0.025)", "P(RR < 1)"} <= set(rounded.probabilities)


def test_rates_logor_prior_headline_is_the_quadrature_and_pymc_the_check():
    fit = bn.compare_rates("3/12", "98-101/452", prior="logor:0,1", seed=1, **SMALL)
    assert fit.headline_method == "exact" and fit.tree is not None
    assert isinstance(fit.plot_posterior(), Figure)
    quick = bn.compare_rates("3/12", "98-101/452", prior="logor:0,1", mcmc=False)
    assert quick.tree is None and quick.headline_method == "exact"
    assert quick.probabilities["P(RD > 0)"] == fit.probabilities["P(RD > 0)"]
    table = fit.table.set_index(["method", "quantity"])
    exact, pymc = table.loc[("exact", "p_rd_above_0")], table.loc[("pymc", "p_rd_above_0")]
    assert abs(exact["value"] - pymc["value"]) < 0.05  # a short chain: a coarse check only
    # prior_sensitivity of rates: power-scaling from the draws; no hazard-ratio grid, and it
    # says so instead of returning empty tables silently
    sens = bn.prior_sensitivity(fit)
    assert len(sens.power_scaling) == 1 and sens.grid.empty and not sens.warnings
    assert "needs MCMC draws" in bn.prior_sensitivity(quick).warnings[0]
    with pytest.raises(bn.InputError, match="a rate comparison has no hazard ratio"):
        bn.prior_sensitivity(fit, [0.5, 1.0], [0.5])


def test_prior_sensitivity_grid_is_exact_and_tipping_points_are_read():
    fit = bn.hazard_ratio(hr=0.5, ci=(0.25, 1.0), mcmc=False)
    sens = bn.prior_sensitivity(fit, [0.5, 1.0], [0.5, 1.0])
    se = fit.data.se
    row = sens.grid[(sens.grid.prior_hr_centre.round(6) == 1.0) & (sens.grid.prior_sd == 0.5)]
    row = row[row.threshold == 1.0].iloc[0]
    mean, sd = conjugate(fit.data.estimate, se, 0.0, 0.5)
    assert row.probability == pytest.approx(NormalDist(mean, sd).cdf(0), abs=1e-9)
    assert len(sens.grid) == 8 and not sens.tipping.empty
    assert isinstance(sens.plot_grid(), Figure)
    assert list(sens.summary().columns) == ["P(HR < 0.7)", "P(HR < 1)"]


def _exponential_cohort(n=120, hr=0.5, seed=4):
    rng = np.random.default_rng(seed)
    group = np.repeat(["cystic", "solid"], n // 2)
    rate = np.where(group == "cystic", hr * 0.3, 0.3)
    time = rng.exponential(1 / rate)
    censor = rng.uniform(0, 8, n)
    return pd.DataFrame(
        {"t": np.minimum(time, censor), "e": (time <= censor).astype(int), "g": group}
    )


def test_weibull_ph_recovers_the_hazard_ratio_and_matches_cox(tmp_path):
    frame = _exponential_cohort()
    fit = bn.WeibullPH(prior="vague", **SMALL).fit(
        frame, duration_col="t", event_col="e", group_col="g", index_level="cystic", seed=2
    )
    hr = fit.estimate("hr")
    assert hr["lower"] < 0.5 < hr["upper"]
    cox = fit.frequentist["cox_hr"]
    assert abs(math.log(hr["median"]) - math.log(cox)) < 0.15  # vague prior, 120 patients
    assert set(fit.frequentist["km_medians"]) == {"cystic", "solid"}
    assert "P(HR < 1)" in fit.probabilities and "P(RMST difference > 0)" in fit.probabilities
    assert isinstance(fit.plot_survival(), Figure)
    sens = bn.prior_sensitivity(fit, [1.0], [0.5])
    assert set(sens.grid["method"]) <= {"PSIS", "refit"} and not sens.power_scaling.empty


def test_prior_sensitivity_of_a_covariate_adjusted_weibull_fit():
    # regression: power-scaling an adjusted fit stopped with an xarray traceback (the covariate
    # dimension) and its likelihood left out the covariates' term (tests/test_psense_weibull.py)
    frame = _exponential_cohort()
    frame["age"] = np.random.default_rng(5).normal(60.0, 10.0, len(frame)).round()
    fit = bn.WeibullPH(prior="vague", **SMALL).fit(
        frame, duration_col="t", event_col="e", group_col="g", index_level="cystic",
        covariates=["age"], seed=3, lifelines=False,
    )  # fmt: skip
    assert "gamma" in fit.posterior
    assert json.loads(fit.idata.attrs["bayes_netlm_covariates"]) == ["age"]
    figure = fit.plot_survival()
    assert "at the covariates' means" in " ".join(t.get_text() for t in figure.texts) + " ".join(
        ax.get_title() for ax in figure.axes
    )
    sens = bn.prior_sensitivity(fit, [1.0], [0.5])
    assert len(sens.power_scaling) == 1
    assert sens.power_scaling["diagnosis"].iloc[0] in {"✓", "potential prior-data conflict"}
    assert np.isfinite(sens.power_scaling[["prior_cjs", "likelihood_cjs"]].to_numpy()).all()


def _figure(tmp_path):
    # ten patients per arm, no censoring: KM drops by 0.1 at t = 1..10 (arm a) / 2..20 (arm b)
    rows, risk = [], []
    for arm, step in (("a", 1.0), ("b", 2.0)):
        s = 1.0
        rows.append((arm, 0.0, 1.0))
        for i in range(1, 11):
            rows.append((arm, i * step, s))
            s = round(s - 0.1, 10)
            rows.append((arm, i * step, s))
        risk += [(arm, 0.0, 10), (arm, 5 * step, 6)]
    curve = pd.DataFrame(rows, columns=["arm", "time", "survival"])
    at_risk = pd.DataFrame(risk, columns=["arm", "time", "n_at_risk"])
    return curve, at_risk


def test_reconstruct_curves_recovers_a_known_figure(tmp_path):
    curve, at_risk = _figure(tmp_path)
    rec = bn.reconstruct_curves(curve, at_risk, {"a": 10, "b": 10})
    quality = rec.quality().set_index("arm")
    assert quality.loc["a", "n"] == 10 and quality.loc["a", "events"] == 10
    assert quality.loc["b", "max_abs_diff"] < 0.02
    path = rec.to_csv(tmp_path / "ipd.csv")
    back = pd.read_csv(path)
    assert len(back) == 20 and sorted(back["arm"].unique()) == ["a", "b"]
    assert sorted(back.loc[back.arm == "a", "time"].round(6)) == pytest.approx(
        range(1, 11), abs=0.01
    )


@pytest.mark.slow
def test_reanalyse_published_numbers():
    result = bn.reanalyse(survival=False, draws=600, tune=400, chains=4)
    probabilities = result.probabilities()
    assert set(probabilities) >= {"os_full", "pfs_full"}
    assert "P(HR < 0.7)" in probabilities["os_full"]
    assert {"summary_hr", "rates_beta"} <= set(result.trees)
    assert not result.sensitivity.grid.empty
    assert isinstance(result.plot_forest("os_full"), Figure)


def test_docstring_examples_run(monkeypatch):
    import doctest
    import importlib
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    modules = [
        "bayes_netlm",
        *(
            f"bayes_netlm.api.{m}"
            for m in (
                "hazard_ratio",
                "rates",
                "sensitivity",
                "survival",
                "reanalysis",
                "reconstruction",
            )
        ),
    ]
    for name in modules:
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
    assert doctest.testmod(importlib.import_module("bayes_netlm.api.hazard_ratio")).attempted >= 3


def test_writing_or_sweeping_what_cannot_be_written_or_swept_is_an_input_error(tmp_path):
    """``to_netcdf`` into a folder or a missing folder ended in the netCDF library's "Permission
    denied"; ``prior_sensitivity(None)`` in an empty AssertionError."""
    fit = bn.hazard_ratio(hr=0.77, ci=(0.35, 1.69), draws=50, tune=50, chains=2)
    with pytest.raises(bn.InputError, match="is a folder"):
        fit.to_netcdf(tmp_path)
    with pytest.raises(bn.InputError, match="does not exist"):
        fit.to_netcdf(tmp_path / "nope" / "fit.nc")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(bn.InputError, match="a NoneType is not a fitted result"):
        bn.prior_sensitivity(None)  # type: ignore[arg-type]
