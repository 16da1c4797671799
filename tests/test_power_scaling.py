import logging

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from psense_reference import normal_log_likelihood, normal_log_prior, psense_fit
from scipy import stats

from bayes_netlm.errors import InputError
from bayes_netlm.sensitivity import power_scaling as ps
from bayes_netlm.sensitivity import psense_batch

CHAINS, DRAWS = 4, 1000


def summary_hr_fit(prior_mean, prior_sd, y, se, seed=20250101):
    """Exact conjugate posterior draws of log HR and their per-draw log prior / likelihood."""
    precision = 1 / prior_sd**2 + 1 / se**2
    mean = (prior_mean / prior_sd**2 + y / se**2) / precision
    rng = np.random.default_rng(seed)
    log_hr = rng.normal(mean, precision**-0.5, size=(CHAINS, DRAWS))
    return (
        {"log_hr": log_hr},
        normal_log_prior(log_hr, prior_mean, prior_sd),
        normal_log_likelihood(log_hr, y, se),
    )


CONFLICT = (2.0, 0.2, -1.0, 0.2)
DATA_DOMINATE = (0.0, 10.0, -0.3, 0.2)
WEAK_LIKELIHOOD = (0.0, 0.2, -0.3, 5.0)


def test_prior_data_conflict():
    row = psense_fit(*summary_hr_fit(*CONFLICT)).iloc[0]
    assert row["diagnosis"] == ps.DIAGNOSIS_CONFLICT == "potential prior-data conflict"
    assert row["prior_cjs"] >= ps.THRESHOLD
    assert row["likelihood_cjs"] >= ps.THRESHOLD
    assert row["reading"].startswith("potential prior-data conflict")
    assert "different directions" not in row["reading"]
    assert "log HR" in row["reading"]


def test_data_dominate_no_issue():
    row = psense_fit(*summary_hr_fit(*DATA_DOMINATE)).iloc[0]
    assert row["prior_cjs"] < ps.THRESHOLD
    assert row["likelihood_cjs"] >= ps.THRESHOLD
    assert row["diagnosis"] == ps.DIAGNOSIS_OK == "✓"
    assert row["reading"].startswith("the data dominate")


def test_weak_likelihood_prior_dominates():
    row = psense_fit(*summary_hr_fit(*WEAK_LIKELIHOOD)).iloc[0]
    assert row["prior_cjs"] > ps.THRESHOLD > row["likelihood_cjs"]
    assert row["diagnosis"] == ps.DIAGNOSIS_STRONG_PRIOR
    assert row["reading"].startswith("the prior dominates")


def test_tidy_columns_and_shapes():
    draws, log_prior, log_lik = summary_hr_fit(*DATA_DOMINATE)
    # a second variable independent of log_prior and log_likelihood
    draws["sigma"] = np.abs(np.random.default_rng(1).normal(size=(CHAINS, DRAWS)))
    df = psense_fit(draws, log_prior, log_lik, labels={"sigma": "the noise scale"})
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["variable", "prior_cjs", "likelihood_cjs", "diagnosis", "reading"]
    assert list(df["variable"]) == ["log_hr", "sigma"]
    assert df["prior_cjs"].dtype == float and df["likelihood_cjs"].dtype == float
    # independent noise: neither power-scaling moves it
    sigma = df.set_index("variable").loc["sigma"]
    assert sigma["diagnosis"] == ps.DIAGNOSIS_OK
    assert sigma["reading"].startswith("neither") and "the noise scale" in sigma["reading"]


def test_small_chain_draw_shapes_work():
    draws, log_prior, log_lik = summary_hr_fit(*CONFLICT)
    df = psense_fit({"log_hr": draws["log_hr"][:2, :300]}, log_prior[:2, :300], log_lik[:2, :300])
    assert df.shape == (1, 5)


def test_potential_issue_log_message_is_dropped(caplog):
    with caplog.at_level(logging.WARNING):
        psense_fit(*summary_hr_fit(*CONFLICT))
    assert not [r for r in caplog.records if "potential issues" in r.getMessage()]


@pytest.mark.parametrize("round_to", [3, 10])
def test_batched_fits_equal_arviz_psense_summary_one_fit_at_a_time(round_to):
    """The batch computes through ArviZ's array functions all at once; each fit must equal
    ``arviz.psense_summary`` on that fit alone (``psense_reference.psense_fit``), with two
    variables per fit and a flat-prior fit in the batch, to 10 decimals."""
    cases = {"conflict": CONFLICT, "data": DATA_DOMINATE, "weak": WEAK_LIKELIHOOD, "flat": None}
    fits = {}
    for label, case in cases.items():
        draws, log_prior, log_lik = summary_hr_fit(*(case or DATA_DOMINATE))
        # a second variable: a nonlinear function of log HR plus its own noise
        noise = np.random.default_rng(len(fits)).normal(0, 0.1, log_prior.shape)
        draws = {**draws, "hr": np.exp(draws["log_hr"]) + noise}
        fits[label] = (draws, np.zeros_like(log_prior) if case is None else log_prior, log_lik)
    dims = ("chain", "draw", "fit")

    def stack(get):
        return xr.DataArray(
            np.stack([get(f) for f in fits.values()], axis=-1),
            dims=dims,
            coords={"fit": list(fits)},
        )

    posterior = xr.Dataset({v: stack(lambda f, v=v: f[0][v]) for v in ("log_hr", "hr")})
    batched = psense_batch.psense_fits(
        posterior, stack(lambda f: f[1]), stack(lambda f: f[2]), round_to=round_to
    )
    assert list(batched.columns) == ["fit", *ps.COLUMNS]
    assert list(batched["fit"]) == [label for label in cases for _ in range(2)]
    for label, fit in fits.items():
        alone = psense_fit(*fit, round_to=round_to)
        got = batched[batched["fit"] == label].drop(columns="fit").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone, check_exact=False, rtol=0, atol=1e-10)
    assert set(batched["diagnosis"]) == {
        ps.DIAGNOSIS_CONFLICT,
        ps.DIAGNOSIS_OK,
        ps.DIAGNOSIS_STRONG_PRIOR,
        "flat prior",
    }


def test_batched_fits_name_the_fits_with_non_finite_densities():
    draws, log_prior, log_lik = summary_hr_fit(*CONFLICT)
    log_prior = np.stack([log_prior, log_prior], axis=-1)
    log_prior[3, 5, 1] = -np.inf
    arr = xr.DataArray(log_prior, dims=("chain", "draw", "fit"), coords={"fit": ["a", "b"]})
    posterior = xr.Dataset({"log_hr": arr.copy(data=np.stack([draws["log_hr"]] * 2, -1))})
    with pytest.raises(InputError, match="log_prior.*non-finite values in fits b"):
        psense_batch.psense_fits(posterior, arr, arr.copy(data=np.stack([log_lik] * 2, -1)))


def test_batched_fits_reject_wrong_dims():
    arr = xr.DataArray(np.zeros((2, 10)), dims=("chain", "draw"))
    with pytest.raises(InputError, match="dims"):
        psense_batch.psense_fits(xr.Dataset({"log_hr": arr}), arr, arr)


def test_input_validation():
    draws, log_prior, log_lik = summary_hr_fit(*CONFLICT)
    with pytest.raises(InputError, match="shape"):
        psense_fit({"log_hr": draws["log_hr"].ravel()}, log_prior, log_lik)
    with pytest.raises(InputError, match="non-finite"):
        psense_fit(draws, np.full_like(log_prior, -np.inf), log_lik)
    with pytest.raises(InputError, match="no posterior"):
        psense_fit({}, log_prior, log_lik)


def test_closed_form_densities():
    x = np.array([[-0.5, 0.0], [0.3, 1.0]])
    np.testing.assert_allclose(normal_log_prior(x, 0.1, 0.7), stats.norm.logpdf(x, 0.1, 0.7))
    np.testing.assert_allclose(normal_log_likelihood(x, -0.2, 0.4), stats.norm.logpdf(-0.2, x, 0.4))
    with pytest.raises(InputError):
        normal_log_prior(x, 0.0, 0.0)
    with pytest.raises(InputError):
        normal_log_likelihood(x, 0.0, -1.0)


def test_flat_prior_reading_does_not_say_the_posterior_is_the_data_alone():
    # finding 5: 0/12 vs <2 % of 452 under Beta(1, 1) gives P(RD > 0) = 0.86, under Jeffreys
    # 0.72: a flat prior drives the answer although power-scaling cannot perturb it
    draws, log_prior, log_lik = summary_hr_fit(*DATA_DOMINATE)
    row = psense_fit(draws, np.zeros_like(log_prior), log_lik).iloc[0]
    assert row["diagnosis"] == "flat prior"
    assert "likelihood's" not in row["reading"] and "silent" in row["reading"]
    assert "Jeffreys" in row["reading"]


def test_a_batch_of_flat_priors_only_needs_no_arviz_weights():
    draws, log_prior, log_lik = summary_hr_fit(*DATA_DOMINATE)
    arr = xr.DataArray(
        np.zeros(log_prior.shape + (2,)), dims=("chain", "draw", "fit"), coords={"fit": ["a", "b"]}
    )
    posterior = xr.Dataset({"log_hr": arr.copy(data=np.stack([draws["log_hr"]] * 2, -1))})
    table = psense_batch.psense_fits(posterior, arr, arr.copy(data=np.stack([log_lik] * 2, -1)))
    assert list(table["diagnosis"]) == ["flat prior", "flat prior"]
