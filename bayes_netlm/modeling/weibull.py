r"""Censored Weibull regression on patient data, proportional-hazards scale, compiled once.

Model
-----
For patient :math:`i` with time :math:`t_i`, event indicator :math:`d_i`, index-group indicator
:math:`g_i` and standardised covariates :math:`x_i`,

.. math::

    S(t \mid g, x) = \exp\!\left(-(t / \lambda_0)^{k_g} e^{\eta}\right), \qquad
    \eta = \beta g + x^\top \gamma,

so :math:`\beta` is the log hazard ratio (index vs reference) and the prior sets of the
summary-level model apply to it unchanged. In PyMC's terms this is
``Weibull(alpha=k, beta=lambda0 * exp(-eta / k))``. The shape is common, :math:`k_g = k`, or
group-specific, :math:`\log k_1 = \log k + \delta` (non-proportional hazards); then
:math:`HR(t) = (k_1 / k_0) (t / \lambda_0)^{k_1 - k_0} e^\beta` and :math:`\beta` is the log HR at
:math:`t = \lambda_0`.

Log-likelihood, written in closed form (about 3.7x faster in nutpie than ``pm.Censored``, measured
on 464 rows, with the same posterior): events add
:math:`\log h(t) + \log S(t)`, censored rows :math:`\log S(t)`, with
:math:`\log h(t) = \log k - \log\lambda_0 + (k - 1)(\log t - \log\lambda_0) + \eta`.

Baseline priors (weakly informative, documented in ARCHITECTURE.md):
:math:`\log\lambda_0 \sim N(\log \bar t, 2.5^2)` with :math:`\bar t` the mean follow-up time (a
factor of 130 either way), :math:`\log k \sim N(0, 1)`, :math:`\delta \sim N(0, 1)`,
:math:`\gamma_j \sim N(0, 1)` per SD of covariate :math:`j`; :math:`\beta` from the prior set.

Compile once, fit many
----------------------
Everything that changes between fits is a ``pm.Data`` container: times, events, group, covariates,
a row weight (0 pads a smaller cohort to the compiled length), the shape switch and the prior's mean
and SD. One compiled model serves OS and PFS, full and matched cohorts, and every prior set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from bayes_netlm.evidence.patients import SurvivalData, require_positive_times
from bayes_netlm.modeling.results import TABLE_COLUMNS, FitResult, summary_rows
from bayes_netlm.modeling.sampling import CompiledModel, SamplerSettings, convergence_table
from bayes_netlm.priors import ClinicalThresholds, NormalPrior
from bayes_netlm.summaries import (
    Summary,
    hr_summary_from_draws,
    interval_from_draws,
    probability_from_draws,
)

__all__ = [
    "SurvivalFit",
    "WeibullFitter",
    "build_model",
    "derived_quantities",
    "survival_draws",
]

PARAMETERS = ("log_lambda0", "log_k", "delta_log_k", "log_hr")
HORIZONS = (1.0, 5.0, 10.0)


def _weibull_logp(value, event, weight, eta, log_k, log_lambda0):
    z = pt.log(value) - log_lambda0
    log_cumulative_hazard = pt.exp(log_k) * z + eta
    log_hazard = log_k - log_lambda0 + (pt.exp(log_k) - 1) * z + eta
    return weight * (event * log_hazard - pt.exp(log_cumulative_hazard))


def build_model(n_rows: int, covariates: Sequence[str] = ()) -> pm.Model:
    """The censored Weibull PH model with every input a ``pm.Data`` container.

    Parameters
    ----------
    n_rows : int
        Compiled number of rows; smaller data sets are padded with weight-0 rows.
    covariates : sequence of str
        Names of the (standardised) adjustment covariates; fixes the design's width.

    """
    coords = {"covariate": list(covariates)} if covariates else {}
    with pm.Model(coords=coords) as model:
        time = pm.Data("time", np.ones(n_rows))
        event = pm.Data("event", np.zeros(n_rows))
        group = pm.Data("group", np.zeros(n_rows))
        weight = pm.Data("weight", np.ones(n_rows))
        group_shape = pm.Data("group_shape", 0.0)
        log_time_scale = pm.Data("log_time_scale", 0.0)
        prior_mean = pm.Data("prior_mean", 0.0)
        prior_sd = pm.Data("prior_sd", 1.0)
        log_lambda0 = pm.Normal("log_lambda0", log_time_scale, 2.5)
        log_k = pm.Normal("log_k", 0.0, 1.0)
        # Sampled in both modes; with a common shape it only carries its prior (ignored).
        delta_log_k = pm.Normal("delta_log_k", 0.0, 1.0)
        log_hr = pm.Normal("log_hr", prior_mean, prior_sd)
        eta = log_hr * group
        if covariates:
            design = pm.Data("design", np.zeros((n_rows, len(covariates))))
            gamma = pm.Normal("gamma", 0.0, 1.0, dims="covariate")
            eta = eta + pt.dot(design, gamma)
        row_log_k = log_k + group_shape * delta_log_k * group
        pm.CustomDist(
            "time_to_event",
            event,
            weight,
            eta,
            row_log_k,
            log_lambda0,
            logp=_weibull_logp,
            observed=time,
        )
    return model


@dataclass(frozen=True)
class SurvivalFit:
    """One data set to fit: an endpoint of one cohort, with its shape choice."""

    name: str
    label: str
    data: SurvivalData
    group_shape: bool = False


def _standardise(covariates: pd.DataFrame) -> np.ndarray:
    values = covariates.to_numpy(dtype=float)
    return (values - values.mean(axis=0)) / values.std(axis=0)


def model_data(
    fit: SurvivalFit, prior: NormalPrior, n_rows: int, covariates: Sequence[str]
) -> dict[str, np.ndarray]:
    """Values of every ``pm.Data`` container for one fit, padded to ``n_rows``."""
    data = fit.data
    require_positive_times(data)
    n = data.time.size
    if n > n_rows:
        raise ValueError(f"{n} rows do not fit a model compiled for {n_rows}")
    pad = n_rows - n

    def padded(values: np.ndarray, fill: float) -> np.ndarray:
        return np.concatenate([np.asarray(values, dtype=float), np.full(pad, fill)])

    values = {
        "time": padded(data.time, 1.0),
        "event": padded(data.event, 0.0),
        "group": padded(data.index, 0.0),
        "weight": padded(np.ones(n), 0.0),
        "group_shape": np.asarray(float(fit.group_shape)),
        "log_time_scale": np.asarray(np.log(np.mean(data.time))),
        "prior_mean": np.asarray(prior.mean),
        "prior_sd": np.asarray(prior.sd),
    }
    if covariates:
        design = _standardise(data.covariates[list(covariates)])
        values["design"] = np.vstack([design, np.zeros((pad, len(covariates)))])
    return values


def survival_draws(
    posterior: xr.Dataset, times: np.ndarray, group: int, group_shape: bool
) -> np.ndarray:
    """S(t) per posterior draw for a group at covariates equal to the cohort mean.

    Returns
    -------
    numpy.ndarray
        Shape ``(draws, len(times))`` with chains stacked.

    """
    log_lambda0 = np.ravel(posterior["log_lambda0"])[:, None]
    log_k = np.ravel(posterior["log_k"])[:, None]
    if group and group_shape:
        log_k = log_k + np.ravel(posterior["delta_log_k"])[:, None]
    eta = group * np.ravel(posterior["log_hr"])[:, None]
    log_times = np.log(np.asarray(times, dtype=float))[None, :]
    return np.exp(-np.exp(np.exp(log_k) * (log_times - log_lambda0) + eta))


def derived_quantities(
    posterior: xr.Dataset,
    group_shape: bool,
    horizons: Sequence[float] = HORIZONS,
    rmst_horizon: float = 10.0,
) -> dict[str, np.ndarray]:
    """Per-draw HR, time ratio, medians, S(t) at horizons and the RMST difference.

    Returns
    -------
    dict of str to numpy.ndarray
        ``hr``; ``k_reference``, ``k_index``; ``median_reference``, ``median_index`` (years);
        ``time_ratio`` (median index / median reference); ``survival_{g}_{t}`` for each group and
        horizon; ``rmst_reference``, ``rmst_index``, ``rmst_difference`` (index - reference) up to
        ``rmst_horizon``. Each is a flat array over draws.

    """
    log_lambda0 = np.ravel(posterior["log_lambda0"])
    log_k = np.ravel(posterior["log_k"])
    log_hr = np.ravel(posterior["log_hr"])
    k_reference = np.exp(log_k)
    k_index = np.exp(log_k + np.ravel(posterior["delta_log_k"])) if group_shape else k_reference
    lambda0 = np.exp(log_lambda0)
    median_reference = lambda0 * np.log(2) ** (1 / k_reference)
    median_index = lambda0 * (np.log(2) * np.exp(-log_hr)) ** (1 / k_index)
    result = {
        "hr": np.exp(log_hr),
        "k_reference": k_reference,
        "k_index": k_index,
        "median_reference": median_reference,
        "median_index": median_index,
        "time_ratio": median_index / median_reference,
    }
    grid = np.linspace(rmst_horizon / 400, rmst_horizon, 400)
    for group, name in ((0, "reference"), (1, "index")):
        at_horizons = survival_draws(posterior, np.asarray(horizons), group, group_shape)
        for j, horizon in enumerate(horizons):
            result[f"survival_{name}_{horizon:g}"] = at_horizons[:, j]
        curve = survival_draws(posterior, grid, group, group_shape)
        # S(0) = 1: the first trapezoid runs from 0 to grid[0]
        result[f"rmst_{name}"] = np.trapezoid(curve, grid, axis=1) + grid[0] * (1 + curve[:, 0]) / 2
    result["rmst_difference"] = result["rmst_index"] - result["rmst_reference"]
    return result


def survival_summary(
    posterior: xr.Dataset,
    group_shape: bool,
    clinical: ClinicalThresholds,
    horizons: Sequence[float] = HORIZONS,
    rmst_horizon: float = 10.0,
) -> Summary:
    """HR probabilities of the summary-level model plus medians, S(t), time ratio and RMST.

    Every quantity carries its Monte Carlo standard error (draws keep their chains).
    """
    chains = posterior.sizes["chain"]
    summary = hr_summary_from_draws(posterior["log_hr"].values, clinical)
    derived = {
        key: draws.reshape(chains, -1)
        for key, draws in derived_quantities(posterior, group_shape, horizons, rmst_horizon).items()
    }
    for key, draws in derived.items():
        if key != "hr":
            summary[key] = interval_from_draws(draws)
    summary["p_rmst_difference_above_0"] = probability_from_draws(derived["rmst_difference"] > 0)
    return summary


class WeibullFitter:
    """A censored Weibull model compiled once for a row count and covariate set, fitted many times.

    Parameters
    ----------
    n_rows : int
        The largest data set to fit (smaller ones are padded).
    covariates : sequence of str
        Adjustment covariates (standardised per fit); empty for the unadjusted model.

    """

    def __init__(self, n_rows: int, covariates: Sequence[str] = ()) -> None:
        self.n_rows = n_rows
        self.covariates = tuple(covariates)
        self.compiled = CompiledModel(build_model(n_rows, self.covariates))

    def sample(
        self, fit: SurvivalFit, prior: NormalPrior, seed: int, settings: SamplerSettings
    ) -> xr.DataTree:
        """Posterior of one fit (only the ``posterior`` and ``sample_stats`` groups)."""
        data = model_data(fit, prior, self.n_rows, self.covariates)
        return self.compiled.sample(data, seed=seed, settings=settings)


def fit_survival(
    fits: Sequence[SurvivalFit],
    priors: Mapping[str, NormalPrior],
    clinical: ClinicalThresholds,
    seed: int,
    covariates: Sequence[str] = (),
    settings: SamplerSettings = SamplerSettings(),
    fitter: WeibullFitter | None = None,
    horizons: Sequence[float] = HORIZONS,
    rmst_horizon: float = 10.0,
) -> FitResult:
    """Fit every data set under every prior with one compiled model.

    Returns
    -------
    FitResult
        Tidy rows (``analysis="weibull"``), convergence per fit, and one posterior ``weibull``
        whose variables have a ``fit`` dimension labelled ``NAME|PRIOR``.

    """
    fitter = fitter or WeibullFitter(max(f.data.time.size for f in fits), covariates)
    rows: list[dict[str, object]] = []
    trees, tables = [], []
    for i, (fit, (prior_name, prior)) in enumerate((f, p) for f in fits for p in priors.items()):
        label = f"{fit.name}|{prior_name}"
        tree = fitter.sample(fit, prior, seed=seed + i, settings=settings)
        posterior = tree.posterior.to_dataset().expand_dims(fit=[label])
        posterior["hr"] = np.exp(posterior["log_hr"])
        trees.append(posterior)
        parameters = [p for p in PARAMETERS if p != "delta_log_k" or fit.group_shape]
        table = convergence_table(tree, parameters, label=label)
        tables.append(table)
        summary = survival_summary(
            posterior.isel(fit=0), fit.group_shape, clinical, horizons, rmst_horizon
        )
        rows += summary_rows(
            summary,
            analysis="weibull",
            endpoint=fit.name,
            label=fit.label,
            prior=prior_name,
            prior_spec=str(prior),
            method="pymc",
            converged=bool(table["converged"].iloc[0]),
            paper_p=float("nan"),
        )
    posterior = xr.concat(trees, dim="fit")
    tree = xr.DataTree.from_dict({"posterior": posterior})
    return FitResult(
        pd.DataFrame(rows, columns=TABLE_COLUMNS), pd.concat(tables), {"weibull": tree}
    )
