r"""Posterior quantities of the censored Weibull model, per draw: HR(t), S(t), medians, RMST.

With :math:`S(t \mid g) = \exp(-(t / \lambda_0)^{k_g} e^{\beta g})` (covariates at the cohort
mean), see :mod:`bayes_netlm.modeling.weibull`:

- :math:`HR(t) = (k_1 / k_0)(t / \lambda_0)^{k_1 - k_0} e^{\beta}`; the sampled ``log_hr`` is
  :math:`\log HR(t_\mathrm{ref})` and ``beta`` the deterministic coefficient of the group;
- median of group :math:`g`: :math:`\lambda_0 (\log 2 \, e^{-\beta g})^{1 / k_g}`;
- RMST up to :math:`\tau`: :math:`\int_0^\tau S(t)\,dt` in closed form (incomplete gamma
  function, :func:`rmst_draws`; checked against adaptive quadrature to 1e-9).

SciPy's special functions and NumPy only; posteriors are ``xarray.Dataset`` with ``log_lambda0``,
``log_k``, ``delta_log_k``, ``log_hr`` and ``beta`` over ``(chain, draw)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from scipy import special

from bayes_netlm.priors import ClinicalThresholds
from bayes_netlm.summaries import (
    Summary,
    hr_summary_from_draws,
    interval_from_draws,
    probability_from_draws,
)

__all__ = [
    "HORIZONS",
    "RMST_HORIZON",
    "derived_quantities",
    "hazard_ratio_draws",
    "hr_name",
    "survival_draws",
    "survival_summary",
]

HORIZONS = (1.0, 5.0, 10.0)
#: years up to which restricted mean survival is taken unless a run specification says otherwise
RMST_HORIZON = 10.0


def hr_name(reference_time: float) -> str:
    """``"HR at 1 year"``, ``"HR at 2.5 years"``: the hazard ratio at a stated time."""
    unit = "year" if reference_time == 1 else "years"
    return f"HR at {reference_time:g} {unit}"


def _flat(posterior: xr.Dataset, name: str) -> np.ndarray:
    """One variable's draws as a column ``(draws, 1)``, chains stacked."""
    return np.ravel(posterior[name])[:, None]


def _log_shapes(posterior: xr.Dataset, group_shape: bool) -> tuple[np.ndarray, np.ndarray]:
    log_k0 = _flat(posterior, "log_k")
    return log_k0, log_k0 + _flat(posterior, "delta_log_k") if group_shape else log_k0


def survival_draws(
    posterior: xr.Dataset, times: np.ndarray, group: int, group_shape: bool
) -> np.ndarray:
    """S(t) per posterior draw for a group at covariates equal to the cohort mean.

    Uses ``beta`` (the coefficient of the group), not ``log_hr`` (the HR at t_ref).

    Returns
    -------
    numpy.ndarray
        Shape ``(draws, len(times))`` with chains stacked.

    """
    log_k = _log_shapes(posterior, group_shape)[group]
    eta = group * _flat(posterior, "beta")
    log_times = np.log(np.asarray(times, dtype=float))[None, :]
    return np.exp(-np.exp(np.exp(log_k) * (log_times - _flat(posterior, "log_lambda0")) + eta))


def rmst_draws(posterior: xr.Dataset, horizon: float, group: int, group_shape: bool) -> np.ndarray:
    r"""Restricted mean survival time up to ``horizon`` per draw, in closed form.

    With :math:`S(t) = \exp(-c\,t^k)`, :math:`c = e^{\eta} / \lambda_0^k`, substituting
    :math:`u = c\,t^k` gives :math:`\int_0^\tau S(t)\,dt = c^{-1/k}\,\Gamma(1 + 1/k)\,
    P(1/k, c\,\tau^k)` (:math:`P` the regularised lower incomplete gamma function).
    """
    log_k = np.ravel(_log_shapes(posterior, group_shape)[group])
    k = np.exp(log_k)
    eta = group * np.ravel(posterior["beta"])
    log_c = eta - k * np.ravel(posterior["log_lambda0"])
    return np.exp(-log_c / k + special.gammaln(1 + 1 / k)) * special.gammainc(
        1 / k, np.exp(log_c + k * np.log(horizon))
    )


def hazard_ratio_draws(posterior: xr.Dataset, times: np.ndarray, group_shape: bool) -> np.ndarray:
    """HR(t) = (k1 / k0) (t / lambda0)^(k1 - k0) exp(beta) per draw, shape (draws, times).

    Without a group-specific shape, k1 = k0 and HR(t) = exp(beta) at every t.
    """
    log_k0, log_k1 = _log_shapes(posterior, group_shape)
    log_times = np.log(np.asarray(times, dtype=float))[None, :]
    shape_gap = np.exp(log_k1) - np.exp(log_k0)
    log_lambda0 = _flat(posterior, "log_lambda0")
    return np.exp(
        log_k1 - log_k0 + shape_gap * (log_times - log_lambda0) + _flat(posterior, "beta")
    )


def derived_quantities(
    posterior: xr.Dataset,
    group_shape: bool,
    horizons: Sequence[float] = HORIZONS,
    rmst_horizon: float = RMST_HORIZON,
) -> dict[str, np.ndarray]:
    """Per-draw HR(t_ref), HR(t), time ratio, medians, S(t) and their differences, RMST.

    Returns
    -------
    dict of str to numpy.ndarray
        ``hr`` (HR at the reference time, ``exp(log_hr)``); ``hr_at_{t}`` (HR(t) at each
        horizon); ``k_reference``, ``k_index``; ``median_reference``, ``median_index`` (years);
        ``time_ratio`` (median index / median reference); ``survival_{g}_{t}`` for each group
        and horizon and ``survival_difference_{t}`` (index - reference); ``rmst_reference``,
        ``rmst_index``, ``rmst_difference`` (index - reference) up to ``rmst_horizon``. Each is
        a flat array over draws.

    """
    log_lambda0 = np.ravel(posterior["log_lambda0"])
    k_reference, k_index = (np.ravel(np.exp(s)) for s in _log_shapes(posterior, group_shape))
    lambda0 = np.exp(log_lambda0)
    median_reference = lambda0 * np.log(2) ** (1 / k_reference)
    median_index = lambda0 * (np.log(2) * np.exp(-np.ravel(posterior["beta"]))) ** (1 / k_index)
    result = {"hr": np.exp(np.ravel(posterior["log_hr"]))}
    at_horizons = hazard_ratio_draws(posterior, np.asarray(horizons), group_shape)
    for j, horizon in enumerate(horizons):
        result[f"hr_at_{horizon:g}"] = at_horizons[:, j]
    result |= {
        "k_reference": k_reference,
        "k_index": k_index,
        "median_reference": median_reference,
        "median_index": median_index,
        "time_ratio": median_index / median_reference,
    }
    for group, name in ((0, "reference"), (1, "index")):
        survival = survival_draws(posterior, np.asarray(horizons), group, group_shape)
        for j, horizon in enumerate(horizons):
            result[f"survival_{name}_{horizon:g}"] = survival[:, j]
        result[f"rmst_{name}"] = rmst_draws(posterior, rmst_horizon, group, group_shape)
    for horizon in horizons:
        result[f"survival_difference_{horizon:g}"] = (
            result[f"survival_index_{horizon:g}"] - result[f"survival_reference_{horizon:g}"]
        )
    result["rmst_difference"] = result["rmst_index"] - result["rmst_reference"]
    return result


def _headline_first(summary: Summary, horizons: Sequence[float]) -> Summary:
    """Non-proportional hazards: RMST and S(t) differences first, then HR(t), then the rest."""
    head = ["rmst_difference", "p_rmst_difference_above_0"]
    for horizon in horizons:
        head += [f"survival_difference_{horizon:g}", f"p_survival_difference_{horizon:g}_above_0"]
    head += [f"hr_at_{horizon:g}" for horizon in horizons]
    return {key: summary[key] for key in head} | {
        key: value for key, value in summary.items() if key not in head
    }


def survival_summary(
    posterior: xr.Dataset,
    group_shape: bool,
    clinical: ClinicalThresholds,
    horizons: Sequence[float] = HORIZONS,
    rmst_horizon: float = RMST_HORIZON,
) -> Summary:
    """HR(t_ref) probabilities plus S(t) and RMST differences, HR(t), medians, shapes.

    ``hr`` and its probabilities are those of the HR at the reference time (the sampled
    ``log_hr``). With a group-specific shape the hazards are not proportional, so the RMST and
    S(t) differences come first, then HR(t) at the horizons; with a common shape HR(t) is the
    constant ``hr`` and is not repeated. Every quantity carries its Monte Carlo standard error.
    """
    chains = posterior.sizes["chain"]
    summary = hr_summary_from_draws(posterior["log_hr"].values, clinical)
    derived = {
        key: draws.reshape(chains, -1)
        for key, draws in derived_quantities(posterior, group_shape, horizons, rmst_horizon).items()
        if key != "hr" and (group_shape or not key.startswith("hr_at_"))
    }
    for key, draws in derived.items():
        summary[key] = interval_from_draws(draws)
        if key.startswith("survival_difference_"):
            horizon = key.removeprefix("survival_difference_")
            summary[f"p_survival_difference_{horizon}_above_0"] = probability_from_draws(draws > 0)
    summary["p_rmst_difference_above_0"] = probability_from_draws(derived["rmst_difference"] > 0)
    return _headline_first(summary, horizons) if group_shape else summary
