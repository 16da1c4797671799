"""The Weibull power-scaling likelihood equals the model's own likelihood term, draw by draw.

Reference: PyMC's compiled log-density of the observed ``time_to_event`` term of
:func:`~bayes_netlm.modeling.weibull.build_model`, fed by the same
:func:`~bayes_netlm.modeling.weibull.model_data`. Regression: the NumPy copy once left out the
covariates' term, so power-scaling an adjusted fit used the wrong likelihood.
"""

from dataclasses import replace

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import xarray as xr
from scipy import stats

from bayes_netlm.evidence.collapse import collapse
from bayes_netlm.evidence.patients import load_survival
from bayes_netlm.modeling.weibull import SurvivalFit, build_model, model_data
from bayes_netlm.priors import NormalPrior
from bayes_netlm.sensitivity.psense_batch import psense_fits
from bayes_netlm.sensitivity.psense_models import _weibull_loglik, weibull_psense

PRIOR = NormalPrior(0.0, 1.0)
PARAMETERS = ("log_lambda0", "log_k", "delta_log_k", "log_hr")


def cohort(n=80, seed=3):
    """Two groups, a continuous and a binary covariate, ties (whole months) and row weights."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "group": np.where(np.arange(n) < 15, "cystic", "solid"),
            "time": np.ceil(rng.weibull(1.3, n) * 36) / 12,
            "event": rng.integers(0, 2, n),
            "age": rng.normal(60, 10, n).round(),
            "female": rng.integers(0, 2, n),
        }
    )
    frame = pd.concat([frame, frame.iloc[:10].assign(id=np.arange(n, n + 10))])  # exact ties
    data = load_survival(
        frame,
        time="time",
        event="event",
        group="group",
        covariates=["age", "female"],
        source="test",
    )
    return replace(data, weights=rng.uniform(0.5, 2.0, data.time.size))


def draws_and_reference(fit, covariates, shape=(1, 6), seed=4):
    """Random parameter draws (``shape`` = chains, draws), their ``beta`` and the model's
    log-likelihood at each."""
    collapsed = collapse(fit.data)
    n_rows = collapsed.counts.size + 3  # three padding rows of weight 0, as in a batch
    model = build_model(n_rows, covariates)
    pm.set_data(model_data(fit, PRIOR, n_rows, covariates, collapsed), model=model)
    loglik = model.compile_logp(vars=[model["time_to_event"]], jacobian=False)
    beta = model.compile_fn(model["beta"], inputs=[model[p] for p in PARAMETERS])
    rng = np.random.default_rng(seed)
    points = [
        {
            "log_lambda0": rng.normal(0.8, 0.3),
            "log_k": rng.normal(0.2, 0.3),
            "delta_log_k": rng.normal(0.0, 0.4),
            "log_hr": rng.normal(0.0, 0.5),
            **({"gamma": rng.normal(0.0, 0.5, len(covariates))} if covariates else {}),
        }
        for _ in range(np.prod(shape))
    ]

    def array(values):
        values = np.array(values)
        return values.reshape(shape + values.shape[1:])

    dims = ("chain", "draw")
    variables = {p: (dims, array([point[p] for point in points])) for p in PARAMETERS}
    variables["beta"] = (dims, array([beta({p: point[p] for p in PARAMETERS}) for point in points]))
    if covariates:
        variables["gamma"] = (dims + ("covariate",), array([p["gamma"] for p in points]))
    draws = xr.Dataset(variables, coords={"covariate": covariates} if covariates else None)
    return draws, array([loglik(point) for point in points]), collapsed


@pytest.mark.parametrize("group_shape", [False, True])
@pytest.mark.parametrize("covariates", [[], ["age", "female"]])
def test_loglik_equals_the_models_likelihood_term(group_shape, covariates):
    fit = SurvivalFit("os", "OS", cohort(), group_shape=group_shape)
    draws, reference, collapsed = draws_and_reference(fit, covariates)
    assert collapsed.counts.size < fit.data.time.size  # ties were merged
    values = model_data(fit, PRIOR, collapsed.counts.size, covariates, collapsed)
    np.testing.assert_allclose(_weibull_loglik(draws, values), reference, rtol=1e-11)


def test_weibull_psense_of_an_adjusted_fit_uses_the_models_likelihood():
    fit = SurvivalFit("os", "OS", cohort(), group_shape=True)
    draws, reference, _ = draws_and_reference(fit, ["age", "female"], shape=(2, 200))
    posterior = draws.expand_dims(fit=["os|vague"])
    log_prior = stats.norm.logpdf(draws["log_hr"], PRIOR.mean, PRIOR.sd)

    def batch(values):
        return xr.DataArray(
            values[..., None], dims=("chain", "draw", "fit"), coords={"fit": posterior.fit.values}
        )

    expected = psense_fits(
        posterior[["log_hr"]].transpose("chain", "draw", "fit"), batch(log_prior), batch(reference)
    )
    got = weibull_psense(posterior, [fit], {"vague": PRIOR})
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9)
