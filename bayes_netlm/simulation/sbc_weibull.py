r"""SBC of the censored Weibull model (:mod:`bayes_netlm.modeling.weibull`), by MCMC on Dask.

One simulation (:func:`weibull_simulation`):

1. parameters from the model's priors: :math:`\log\lambda_0 \sim N(\log \bar t, 2.5^2)`,
   :math:`\log k_0 \sim N(0, 1)`, :math:`\log HR(t_\mathrm{ref}) \sim` the prior set's Normal,
   with a group shape :math:`\delta \sim N(0, 1)`, with a covariate :math:`\gamma \sim N(0, 1)`;
   :math:`\beta` from :math:`\log HR(t_\mathrm{ref})` as in the model;
2. data at the study's sizes (12 cystic, 452 solid) and censoring
   (:data:`~bayes_netlm.simulation.design.STUDY`): :math:`T = \lambda_0 (E e^{-\eta})^{1/k_g}`,
   :math:`E \sim \mathrm{Exp}(1)`, observed :math:`\min(T, C)`; the covariate is a standard
   Normal, standardised in the sample as the model does;
3. the posterior from the compiled model (:class:`~bayes_netlm.modeling.weibull.WeibullFitter`,
   built once per worker process and reused), thinned to :data:`RANK_DRAWS` draws; the PIT of
   every parameter and of HR at 5 years (group shape), both medians and the 10-year RMST
   difference (:func:`~bayes_netlm.modeling.survival_quantities.derived_quantities`).

The model centres :math:`\log\lambda_0` on the log mean observed time of the data it is given; a
prior that moves with the data would break SBC's premise, so the simulator and the model both use
the fixed :math:`\bar t =` :data:`TIME_SCALE` (the ``log_time_scale`` container is set to it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr

from bayes_netlm.evidence.patients import SurvivalData
from bayes_netlm.modeling.sampling import SamplerSettings
from bayes_netlm.modeling.survival_quantities import derived_quantities
from bayes_netlm.modeling.weibull import SurvivalFit, WeibullFitter, model_data
from bayes_netlm.priors import NormalPrior
from bayes_netlm.simulation.calibration import pit_from_draws
from bayes_netlm.simulation.design import STUDY, weibull_times
from bayes_netlm.simulation.engine import worker_cached

__all__ = ["RANK_DRAWS", "TIME_SCALE", "WeibullCase", "weibull_simulation"]

TIME_SCALE = 5.0  # years: the fixed centre of the log lambda0 prior in SBC
RANK_DRAWS = 100
REFERENCE_TIME = 1.0
RMST_HORIZON = 10.0
SBC_SETTINGS = SamplerSettings(draws=500, tune=500, chains=2, cores=1)


@dataclass(frozen=True)
class WeibullCase:
    """One Weibull model variant and its log-HR prior; ``simulator_prior`` mis-specifies it."""

    prior: NormalPrior
    group_shape: bool = False
    covariate: bool = False
    settings: SamplerSettings = SBC_SETTINGS
    simulator_prior: NormalPrior | None = None
    rebuild: bool = False  # the benchmark's baseline: compile a new model every time

    @property
    def covariates(self) -> tuple[str, ...]:
        """Covariate names of the compiled model."""
        return ("x",) if self.covariate else ()


def _draw_parameters(case: WeibullCase, rng: np.random.Generator) -> dict[str, float]:
    truth_prior = case.simulator_prior or case.prior
    theta = {
        "log_lambda0": rng.normal(np.log(TIME_SCALE), 2.5),
        "log_k": rng.normal(0.0, 1.0),
        "delta_log_k": rng.normal(0.0, 1.0),
        "log_hr": rng.normal(truth_prior.mean, truth_prior.sd),
        "gamma": rng.normal(0.0, 1.0),
    }
    delta = theta["delta_log_k"] if case.group_shape else 0.0
    gap = np.exp(theta["log_k"] + delta) - np.exp(theta["log_k"])
    theta["beta"] = theta["log_hr"] - delta - gap * (np.log(REFERENCE_TIME) - theta["log_lambda0"])
    return theta


def _simulate_data(case: WeibullCase, theta: dict[str, float], rng: np.random.Generator):
    n = STUDY.n_index + STUDY.n_reference
    group = np.r_[np.ones(STUDY.n_index), np.zeros(STUDY.n_reference)]
    x = rng.normal(size=n)
    x = (x - x.mean()) / x.std()
    eta = theta["beta"] * group + (theta["gamma"] * x if case.covariate else 0.0)
    delta = theta["delta_log_k"] if case.group_shape else 0.0
    shape = np.exp(theta["log_k"] + delta * group)
    times = weibull_times(np.exp(theta["log_lambda0"]), shape, eta, rng)
    censoring = STUDY.censoring_times(n, rng)
    observed = np.maximum(np.minimum(times, censoring), 1e-300)
    covariates = pd.DataFrame({"x": x}) if case.covariate else pd.DataFrame(index=range(n))
    return SurvivalData(
        time=observed,
        event=(times <= censoring).astype(int),
        index=group.astype(int),
        covariates=covariates,
        ids=np.arange(n).astype(str),
        index_label="cystic",
        reference_label="solid",
        matched_set=None,
        source="simulation",
    )


def _quantities(posterior: xr.Dataset, case: WeibullCase) -> dict[str, np.ndarray]:
    derived = derived_quantities(posterior, case.group_shape, (5.0,), RMST_HORIZON)
    names = ["log_lambda0", "log_k", "log_hr"]
    names += ["delta_log_k"] if case.group_shape else []
    values = {name: np.ravel(posterior[name]) for name in names}
    if case.covariate:
        values["gamma"] = np.ravel(posterior["gamma"])
    if case.group_shape:
        values["hr_at_5"] = derived["hr_at_5"]
    for name in ("median_reference", "median_index", "rmst_difference"):
        values[name] = derived[name]
    return values


def _as_posterior(theta: dict[str, float], covariate: bool) -> xr.Dataset:
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("chain", "draw"), np.full((1, 1), v)) for k, v in theta.items() if k != "gamma"
    }
    if covariate:
        data["gamma"] = (("chain", "draw", "covariate"), np.full((1, 1, 1), theta["gamma"]))
    return xr.Dataset(data)


def _fitter(case: WeibullCase, n_rows: int) -> WeibullFitter:
    if case.rebuild:
        return WeibullFitter(n_rows, case.covariates)
    key = ("weibull", n_rows, case.covariates)
    return worker_cached(key, lambda: WeibullFitter(n_rows, case.covariates))


def weibull_simulation(seed: np.random.SeedSequence, case: WeibullCase) -> dict[str, float]:
    """PIT of every quantity of one simulation, and ``divergences``; deterministic in ``seed``."""
    data_seed, sampler_seed, jitter_seed = seed.spawn(3)
    rng = np.random.default_rng(data_seed)
    theta = _draw_parameters(case, rng)
    data = _simulate_data(case, theta, rng)
    n_rows = data.time.size
    fitter = _fitter(case, n_rows)
    fit = SurvivalFit("sbc", "SBC", data, case.group_shape, REFERENCE_TIME)
    values = model_data(fit, case.prior, n_rows, case.covariates)
    values["log_time_scale"] = np.asarray(np.log(TIME_SCALE))
    tree = fitter.compiled.sample(
        values, seed=int(sampler_seed.generate_state(1)[0]), settings=case.settings
    )
    posterior = tree.posterior.to_dataset()
    total = posterior.sizes["chain"] * posterior.sizes["draw"]
    keep = np.linspace(0, total - 1, RANK_DRAWS).round().astype(int)
    draws = _quantities(posterior, case)
    truths = _quantities(_as_posterior(theta, case.covariate), case)
    jitter = np.random.default_rng(jitter_seed)
    result = {
        name: pit_from_draws(draws[name][keep], float(truths[name][0]), jitter) for name in draws
    }
    result["divergences"] = float(np.asarray(tree.sample_stats["diverging"]).sum())
    return result


def quick(case: WeibullCase, draws: int, tune: int) -> WeibullCase:
    """The same case with fewer draws (tests)."""
    return replace(case, settings=replace(case.settings, draws=draws, tune=tune))
