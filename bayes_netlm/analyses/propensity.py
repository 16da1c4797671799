"""Propensity scores of the index group: ridge-penalised logistic regression.

**Propensity model** (:func:`propensity_scores`): logistic regression of the index indicator on
the covariates standardised to mean 0 and SD 1 (population SD, ``ddof=0``), fitted by penalised
maximum likelihood with Newton's method in a trust region (``scipy.optimize.minimize``,
``method="trust-exact"``, analytic gradient and Hessian). With 12 index patients and 8
covariates (1.5 index patients per coefficient) an unpenalised fit overfits and separates, so
the model is regularised by a ridge: the objective is

    loglik(beta) - RIDGE_PENALTY / 2 * sum_{j >= 1} beta_j^2,

with :data:`RIDGE_PENALTY` = 1 on the non-intercept coefficients of the standardised covariates
(the intercept is free). This is the posterior mode under independent Normal(0, 1) priors on the
log odds ratios per SD of each covariate: an odds ratio of e^2 (7.4) per SD is at the prior's
2-SD edge. It keeps the estimate finite under complete or quasi-complete separation and pulls
weakly supported coefficients towards 0 (the scores towards the index-group proportion). The
score equations become sum_i x_ij (y_i - p_i) = RIDGE_PENALTY * beta_j. A covariate constant in
the cohort carries no information and is left out of the fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from bayes_netlm.analyses.balance import check_index

__all__ = ["RIDGE_PENALTY", "logit_scores", "propensity_scores"]

RIDGE_PENALTY = 1.0
"""Ridge penalty on the standardised non-intercept coefficients of the propensity model: the
posterior mode under Normal(0, 1) priors on the log odds ratios per SD (see the module notes)."""

_PROBABILITY_FLOOR = 1e-15  # scores are clipped to [floor, 1 - floor] before taking the logit


def _design(covariates: pd.DataFrame) -> np.ndarray:
    """Intercept plus standardised non-constant covariates."""
    values = covariates.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError("covariates must be finite and complete")
    sd = values.std(axis=0)
    keep = sd > 0
    standard = (values[:, keep] - values[:, keep].mean(axis=0)) / sd[keep]
    return np.column_stack([np.ones(len(values)), standard])


def propensity_scores(
    index: np.ndarray, covariates: pd.DataFrame, penalty: float = RIDGE_PENALTY
) -> np.ndarray:
    """Fit the propensity model and return P(index group | covariates) for every patient.

    Logistic regression on the standardised covariates, maximising
    loglik(beta) - penalty / 2 * sum_{j >= 1} beta_j^2 (ridge on the non-intercept coefficients;
    see the module notes for the default :data:`RIDGE_PENALTY`).

    Parameters
    ----------
    index : numpy.ndarray
        1 for the index group, 0 for the reference group, one entry per patient.
    covariates : pandas.DataFrame
        Numeric, complete covariates, one row per patient (in the order of ``index``). With no
        columns (or only constant ones) the model is intercept-only and every score is the
        index-group proportion.
    penalty : float
        Ridge penalty, >= 0 (0: plain maximum likelihood, which may not converge under
        separation).

    Returns
    -------
    numpy.ndarray
        Propensity scores in (0, 1), float, aligned with ``index``.

    Raises
    ------
    ValueError
        If ``index`` is not 0/1 with both groups present, its length differs from the number of
        rows of ``covariates``, a covariate value is missing or infinite, or the fit fails.

    """
    y = check_index(index, len(covariates)).astype(float)
    if not penalty >= 0:
        raise ValueError(f"penalty must be >= 0, got {penalty!r}")
    x = _design(covariates)
    ridge = np.full(x.shape[1], float(penalty))
    ridge[0] = 0.0

    def objective(beta: np.ndarray) -> float:
        eta = x @ beta
        loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        return -loglik + 0.5 * float(np.sum(ridge * beta**2))

    def gradient(beta: np.ndarray) -> np.ndarray:
        p = _expit(x @ beta)
        return np.asarray(-(x.T @ (y - p)) + ridge * beta)

    def hessian(beta: np.ndarray) -> np.ndarray:
        p = _expit(x @ beta)
        return np.asarray((x.T * (p * (1.0 - p))) @ x + np.diag(ridge))

    start = np.zeros(x.shape[1])
    mean = y.mean()
    start[0] = np.log(mean / (1.0 - mean))
    fit = optimize.minimize(
        objective,
        start,
        jac=gradient,
        hess=hessian,
        method="trust-exact",
        options={"gtol": 1e-9, "maxiter": 1000},
    )
    if not np.all(np.isfinite(fit.x)) or np.max(np.abs(gradient(fit.x))) > 1e-6:
        raise ValueError(f"propensity model did not converge: {fit.message}")
    return np.asarray(_expit(x @ fit.x), dtype=float)


def _expit(eta: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(-np.logaddexp(0.0, -eta)))


def logit_scores(scores: np.ndarray) -> np.ndarray:
    """Logit of propensity scores, clipped to [1e-15, 1 - 1e-15] first so it stays finite."""
    p = np.clip(scores, _PROBABILITY_FLOOR, 1.0 - _PROBABILITY_FLOOR)
    return np.asarray(np.log(p) - np.log1p(-p))
