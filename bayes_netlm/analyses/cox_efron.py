r"""Cox regression with Efron's ties for frequency-weighted (collapsed) rows.

lifelines' weighted Efron counts tied death *rows* and scales by their mean weight, which for
collapsed rows (one row standing for :math:`w_i` identical patients) is not the Efron likelihood of
the expanded data. This module maximises that likelihood exactly. With distinct event times
:math:`\tau_j`, risk sums :math:`R_j = \sum_{t_i \ge \tau_j} w_i e^{x_i^\top\beta}`, tied-death sums
:math:`D_j = \sum_{t_i = \tau_j, d_i = 1} w_i e^{x_i^\top\beta}`, death counts
:math:`m_j = \sum_{t_i = \tau_j, d_i = 1} w_i` (integers) and :math:`s_j` the weighted sum of the
deaths' covariates,

.. math::

    \ell(\beta) = \sum_j \Big[ s_j^\top \beta
        - \sum_{l=0}^{m_j - 1} \log\big(R_j - \tfrac{l}{m_j} D_j\big) \Big],

which is Efron's partial log-likelihood of the data with every row repeated :math:`w_i` times.
Newton-Raphson from 0; the standard errors are the model-based ones (inverse observed
information), as lifelines reports them for unweighted data.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NO_ESTIMATE", "efron_cox"]

#: why a Cox fit has no result
NO_ESTIMATE = (
    "Cox regression has no finite estimate (the events of one group, or of a covariate's "
    "values, separate from the others)"
)


def _sums(
    time: np.ndarray, event: np.ndarray, weight: np.ndarray, x: np.ndarray, beta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, gradient and Hessian at ``beta``."""
    order = np.argsort(-time, kind="stable")
    t, d, w, xs = time[order], event[order], weight[order], x[order]
    risk = w * np.exp(xs @ beta)
    r0 = np.cumsum(risk)
    r1 = np.cumsum(risk[:, None] * xs, axis=0)
    r2 = np.cumsum(risk[:, None, None] * xs[:, :, None] * xs[:, None, :], axis=0)
    # distinct event times; the risk set at tau holds every row with t >= tau: the last row of
    # that time in descending order
    died = d == 1
    times = np.unique(-t[died])
    last = np.searchsorted(-t, times, side="right") - 1
    code = np.searchsorted(times, -t[died])
    m = np.bincount(code, weights=w[died], minlength=times.size)
    d0 = np.bincount(code, weights=risk[died], minlength=times.size)
    d1 = np.stack(
        [
            np.bincount(code, weights=risk[died] * xs[died, k], minlength=times.size)
            for k in range(xs.shape[1])
        ],
        axis=1,
    )
    d2 = np.zeros((times.size, xs.shape[1], xs.shape[1]))
    outer = xs[died, :, None] * xs[died, None, :] * risk[died, None, None]
    np.add.at(d2, code, outer)
    s = (w[died, None] * xs[died]).sum(axis=0)
    counts = np.rint(m).astype(np.int64)
    j = np.repeat(np.arange(times.size), counts)
    a = (np.arange(j.size) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[j]
    den0 = r0[last][j] - a * d0[j]
    den1 = r1[last][j] - a[:, None] * d1[j]
    den2 = r2[last][j] - a[:, None, None] * d2[j]
    loglik = float(s @ beta - np.log(den0).sum())
    ratio = den1 / den0[:, None]
    gradient = s - ratio.sum(axis=0)
    hessian = -(den2 / den0[:, None, None]).sum(axis=0) + np.einsum("ni,nj->ij", ratio, ratio)
    return loglik, gradient, hessian


def efron_cox(
    time: np.ndarray,
    event: np.ndarray,
    weight: np.ndarray,
    x: np.ndarray,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximum partial-likelihood estimate (Efron ties) with integer frequency weights.

    Parameters
    ----------
    time, event, weight : numpy.ndarray
        Follow-up times, 0/1 event flags and integer frequency weights, one per row.
    x : numpy.ndarray
        Design, rows x covariates (no intercept).

    Returns
    -------
    tuple
        Coefficients, their standard errors and the maximised log partial likelihood.

    Raises
    ------
    RuntimeError
        When Newton-Raphson does not converge or the information matrix becomes singular: the
        estimate is infinite (e.g. a group's or a covariate's events all come first).

    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    weight = np.asarray(weight, dtype=float)
    x = np.asarray(x, dtype=float).reshape(time.size, -1)
    beta = np.zeros(x.shape[1])
    loglik, gradient, hessian = _sums(time, event, weight, x, beta)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:  # the information vanished: beta runs off to infinity
            raise RuntimeError(NO_ESTIMATE) from None
        shrink = 1.0
        while True:  # step halving keeps every iteration an ascent
            candidate = beta - shrink * step
            new = _sums(time, event, weight, x, candidate)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12 or shrink < 1e-6:
                break
            shrink /= 2
        beta, (previous, (loglik, gradient, hessian)) = candidate, (loglik, new)
        if abs(loglik - previous) < tol and np.max(np.abs(gradient)) < 1e-6:
            se = np.sqrt(np.diag(np.linalg.inv(-hessian)))
            return beta, se, loglik
    raise RuntimeError(NO_ESTIMATE)
