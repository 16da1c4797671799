"""Collapsing identical rows into weights changes no likelihood, posterior or lifelines result."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter, WeibullAFTFitter
from lifelines.datasets import load_rossi
from lifelines.statistics import logrank_test

from bayes_netlm.analyses import frequentist
from bayes_netlm.analyses.cox_efron import efron_cox
from bayes_netlm.evidence.collapse import Collapsed, collapse, expand
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter, build_model, model_data
from bayes_netlm.priors import NormalPrior

COVARIATES = ["wexp", "mar", "paro"]  # binary: Rossi's weekly times then repeat a lot
VAGUE = NormalPrior(0.0, 5.0)


def rossi(covariates: list[str] = COVARIATES) -> SurvivalData:
    return load_survival(
        load_rossi(),
        time="week",
        event="arrest",
        group="fin",
        index_level="1",
        covariates=covariates,
        id_col=None,
        source="rossi",
    )


def uncollapsed(data: SurvivalData) -> Collapsed:
    """The data as they are: every row its own group."""
    return Collapsed(data, np.ones(data.time.size, dtype=int), data.time.size)


def test_collapse_merges_repeated_rows_and_keeps_totals() -> None:
    data = rossi()
    collapsed = collapse(data)
    assert collapsed.counts.size < data.time.size / 2
    assert collapsed.counts.sum() == data.time.size
    assert collapsed.data.weights.sum() == pytest.approx(data.time.size)
    assert (collapsed.data.event * collapsed.counts).sum() == data.event.sum()
    back = expand(collapsed)
    key = np.c_[data.time, data.event, data.index, data.covariates.to_numpy(float)]
    key_back = np.c_[back.time, back.event, back.index, back.covariates.to_numpy(float)]
    assert sorted(map(tuple, key)) == sorted(map(tuple, key_back))


def test_distinct_rows_are_left_alone() -> None:
    data = rossi(["age", "prio"])
    distinct = dataclasses.replace(data, time=data.time + np.arange(data.time.size) * 1e-6)
    collapsed = collapse(distinct)
    assert collapsed.data is distinct and collapsed.factor == 1.0


def test_weights_are_summed_not_counted() -> None:
    data = rossi()
    weighted = dataclasses.replace(data, weights=np.linspace(0.5, 1.5, data.time.size))
    collapsed = collapse(weighted)
    assert collapsed.data.weights.sum() == pytest.approx(weighted.weights.sum(), rel=1e-12)
    assert collapsed.counts.sum() == data.time.size


def test_collapsed_weibull_likelihood_equals_expanded() -> None:
    """Same compiled model: all rows vs the collapsed rows padded with weight 0."""
    data = rossi()
    fit = SurvivalFit("rossi", "rossi", data, group_shape=True)
    n = data.time.size
    model = build_model(n, COVARIATES)
    logp = model.compile_logp()
    expanded_values = model_data(fit, VAGUE, n, COVARIATES, uncollapsed(data))
    collapsed_values = model_data(fit, VAGUE, n, COVARIATES)
    assert np.count_nonzero(collapsed_values["weight"]) < n / 2
    rng = np.random.default_rng(3)
    for _ in range(5):
        point = {
            name: rng.normal(0, 0.5, np.shape(value))
            for name, value in model.initial_point().items()
        }
        model.set_data("time", expanded_values["time"])
        values = {}
        for label, data_values in (("expanded", expanded_values), ("collapsed", collapsed_values)):
            for name, value in data_values.items():
                model.set_data(name, value)
            values[label] = float(logp(point))
        assert values["collapsed"] == pytest.approx(values["expanded"], rel=1e-12, abs=1e-9)


def test_frequentist_results_equal_expanded_data() -> None:
    """KM, log-rank, Cox (Efron) and Weibull on collapsed rows equal lifelines on all rows."""
    data = rossi()
    frame = load_rossi()
    cox = CoxPHFitter().fit(frame[["week", "arrest", "fin", *COVARIATES]], "week", "arrest")
    ours = frequentist.cox_hazard_ratio(data)
    assert ours["log_hr"] == pytest.approx(cox.params_["fin"], abs=1e-6)
    assert ours["log_hr_se"] == pytest.approx(cox.standard_errors_["fin"], rel=1e-6)
    aft = WeibullAFTFitter().fit(frame[["week", "arrest", "fin", *COVARIATES]], "week", "arrest")
    rho = np.exp(aft.params_[("rho_", "Intercept")])
    assert frequentist.weibull_mle(data)["log_hr"] == pytest.approx(
        -rho * aft.params_[("lambda_", "fin")],
        rel=1e-4,  # the optimisers' own tolerance
    )
    fin = frame["fin"] == 1
    p = logrank_test(
        frame.week[fin], frame.week[~fin], frame.arrest[fin], frame.arrest[~fin]
    ).p_value
    assert frequentist.logrank(data) == pytest.approx(p, rel=1e-9)
    km = frequentist.kaplan_meier_medians(data).set_index("group")
    assert km.loc["1", "n"] == fin.sum()
    assert km.loc["1", "events"] == frame.arrest[fin].sum()
    curves = frequentist.kaplan_meier_curves(data)
    plain = KaplanMeierFitter().fit(frame.week[fin], frame.arrest[fin])
    mine = curves[curves.group == "1"].set_index("time")["survival"]
    for t, s in plain.survival_function_.iloc[:, 0].items():
        assert mine.loc[t] == pytest.approx(s, abs=1e-12)


def test_efron_cox_matches_lifelines_on_expanded_rows() -> None:
    frame = load_rossi()
    cox = CoxPHFitter().fit(frame[["week", "arrest", "fin", "prio"]], "week", "arrest")
    grouped = frame.groupby(["week", "arrest", "fin", "prio"]).size().reset_index(name="w")
    beta, se, loglik = efron_cox(
        grouped.week, grouped.arrest, grouped.w, grouped[["fin", "prio"]].to_numpy()
    )
    np.testing.assert_allclose(beta, cox.params_[["fin", "prio"]], atol=1e-6)
    np.testing.assert_allclose(se, cox.standard_errors_[["fin", "prio"]], rtol=1e-6)
    assert loglik == pytest.approx(cox.log_likelihood_, rel=1e-9)


@pytest.mark.slow
def test_posterior_agrees_between_collapsed_and_expanded_rows() -> None:
    data = rossi()
    fit = SurvivalFit("rossi", "rossi", data)
    fitter = WeibullFitter(data.time.size, COVARIATES)
    settings = SamplerSettings(draws=1000, tune=500)
    collapsed = fitter.sample(fit, VAGUE, 1, settings).posterior
    fitter._collapsed[id(data)] = (data, uncollapsed(data))  # force the row-by-row likelihood
    expanded = fitter.sample(fit, VAGUE, 2, settings).posterior
    for name in ("log_hr", "log_k", "log_lambda0"):
        a, b = np.asarray(collapsed[name]), np.asarray(expanded[name])
        # difference of two independent posterior means, within 4 of its Monte Carlo SE
        mcse = np.hypot(a.std() / np.sqrt(a.size / 2), b.std() / np.sqrt(b.size / 2))
        assert abs(a.mean() - b.mean()) < 4 * mcse
        assert a.std() == pytest.approx(b.std(), rel=0.1)
