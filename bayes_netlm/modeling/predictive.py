r"""Posterior predictive replicates of censored survival data from the Weibull PH model.

For a posterior draw :math:`(\lambda_0, k_0, k_1, \beta, \gamma)` of
:mod:`bayes_netlm.modeling.weibull` (:math:`\beta` the recorded deterministic ``beta``, not the
sampled log HR at the reference time) and patient :math:`i` in group :math:`g_i` with
standardised covariates :math:`x_i` (the model's design; none in an unadjusted fit),
:math:`\eta_i = \beta g_i + x_i^\top \gamma` and
:math:`S(t) = \exp(-(t / \lambda_0)^{k_g} e^{\eta_i})`, so by the inverse CDF with
:math:`U \sim \mathrm{Uniform}(0, 1)`

.. math::

    T_i = \lambda_0 \left(-\log U \, e^{-\eta_i}\right)^{1 / k_{g_i}}.

Censoring. The censoring times of patients with an event are not observed, so the administrative
censoring is approximated by the observed censoring pattern: a patient censored at :math:`c_i` is
censored at :math:`c_i` in every replicate, a patient with an observed event at the largest
observed follow-up time of the data set. Replicated curves therefore end where the data end.

NumPy only, seeded: the same posterior, data and seed give the same replicates.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayes_netlm.evidence.collapse import collapse
from bayes_netlm.evidence.patients import SurvivalData

__all__ = ["kaplan_meier_steps", "posterior_predictive_times"]


def posterior_predictive_times(
    posterior: xr.Dataset,
    data: SurvivalData,
    group_shape: bool,
    n_replicates: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicated (time, event) data sets, one per randomly chosen posterior draw.

    Parameters
    ----------
    posterior : xarray.Dataset
        Posterior of one Weibull fit with ``log_lambda0``, ``log_k``, ``delta_log_k`` and
        ``beta`` over ``(chain, draw)`` (any dimensions; draws are flattened), and ``gamma``
        over ``(chain, draw, covariate)`` if the fit was adjusted for covariates.
    data : SurvivalData
        The observed data: group membership, covariates (those the fit adjusted for) and the
        censoring pattern of every patient.
    group_shape : bool
        Whether the index group has its own shape ``k1 = exp(log_k + delta_log_k)``; if not,
        ``delta_log_k`` is ignored.
    n_replicates : int
        Number of replicated data sets. Draws are chosen without replacement when the posterior
        has at least this many, else with replacement.
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    tuple of numpy.ndarray
        ``times`` (float) and ``events`` (int, 1 = event, 0 = censored), each of shape
        ``(n_replicates, n_patients)``, patients in the order of ``data``.

    Raises
    ------
    ValueError
        ``n_replicates`` is not positive.

    """
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be positive, got {n_replicates}")
    rng = np.random.default_rng(seed)
    log_lambda0 = np.ravel(posterior["log_lambda0"])
    n_draws = log_lambda0.size
    chosen = rng.choice(n_draws, size=n_replicates, replace=n_replicates > n_draws)

    group = np.asarray(data.index, dtype=float)[None, :]
    log_k0 = np.ravel(posterior["log_k"])[chosen][:, None]
    log_k1 = log_k0 + np.ravel(posterior["delta_log_k"])[chosen][:, None] if group_shape else log_k0
    log_k = np.where(group == 1, log_k1, log_k0)
    eta = np.ravel(posterior["beta"])[chosen][:, None] * group
    if "gamma" in posterior:
        covariates = [str(c) for c in posterior["covariate"].values]
        # flattened in the order of the other variables' draws, so each draw keeps its gamma
        ordered = posterior["gamma"].transpose(*posterior["beta"].dims, "covariate")
        gamma = ordered.values.reshape(-1, len(covariates))
        design = collapse(data).standardised(covariates, data.covariates)
        eta = eta + gamma[chosen] @ design.T

    uniform = rng.uniform(size=(n_replicates, group.size))
    # log T = log lambda0 + (log(-log U) - eta) / k; -log U > 0 since U < 1 (U = 0 gives T = inf).
    log_time = log_lambda0[chosen][:, None] + (np.log(-np.log1p(-uniform)) - eta) / np.exp(log_k)
    event_time = np.exp(log_time)

    observed = np.asarray(data.time, dtype=float)
    censor_at = np.where(np.asarray(data.event) == 1, observed.max(), observed)[None, :]
    events = (event_time <= censor_at).astype(np.int64)
    times = np.minimum(event_time, censor_at)
    return times, events


def kaplan_meier_steps(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate as step-function vertices (product-limit, ties at event times).

    Parameters
    ----------
    time : numpy.ndarray
        Follow-up times.
    event : numpy.ndarray
        1 = event, 0 = censored.

    Returns
    -------
    tuple of numpy.ndarray
        ``times`` starting at 0 and ending at the last follow-up time, and ``survival`` (1 at 0),
        the value holding from each time on: plot with ``step(..., where="post")``.

    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    event_times, deaths = np.unique(time[event], return_counts=True)
    at_risk = (time[None, :] >= event_times[:, None]).sum(axis=1)
    survival = np.cumprod(1.0 - deaths / at_risk)
    end = time.max() if time.size else 0.0
    steps = np.concatenate([[0.0], event_times, [end]])
    values = np.concatenate([[1.0], survival, [survival[-1] if survival.size else 1.0]])
    return steps, values
