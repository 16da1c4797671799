"""The frequentist analysis of the same patient data, beside the Bayesian one (lifelines).

Pure functions of a :class:`~bayes_netlm.evidence.patients.SurvivalData`; no file input or output.
Sign convention as everywhere in the toolkit: HR = hazard(index group) / hazard(reference group),
so HR < 1 favours the index group (cystic).

- Kaplan-Meier medians with 95 % confidence intervals from lifelines' exponential Greenwood
  (log(-log)) pointwise band: the interval is where the band crosses S = 0.5. A median, or a bound,
  the curve never reaches is ``inf``.
- Log-rank test of the two groups, two-sided p-value.
- Cox proportional hazards (Efron ties) on the index indicator plus any covariates (collapsed
  rows: :mod:`bayes_netlm.analyses.cox_efron`).
- Weibull proportional hazards by maximum likelihood. With x the index indicator and covariates,

      S(t | x) = exp(-(t / lambda0)^k * exp(x'gamma)),
      h(t | x) = (k / lambda0) * (t / lambda0)^(k - 1) * exp(x'gamma),

  so gamma_index is the log HR and lambda0 the scale of the reference group at covariates 0. It is
  fitted as lifelines' ``WeibullAFTFitter``, S(t | x) = exp(-(t / exp(b0 + x'b))^rho), which is the
  same model: k = rho, lambda0 = exp(b0), gamma = -rho * b. Standard errors of k, log HR and lambda0
  come from the AFT covariance matrix by the delta method.

Row weights (``SurvivalData.weights``, e.g. the 1/k within-set weights of a matched cohort) are
used by every estimate when any differs from 1: the Kaplan-Meier estimator counts a patient as
w_i at risk and w_i events, S(t) = prod_{t_j <= t} (1 - d_j^w / n_j^w); the log-rank statistic is
built from the weighted observed and expected events and their hypergeometric variance, with the
weighted counts in place of the counts (lifelines ``logrank_test(weights_A=, weights_B=)``; integer
weights give the test on the expanded data); Cox and Weibull maximise the weighted
log-likelihood sum_i w_i l_i with the robust (sandwich) variance (``robust=True``). The weighted
Kaplan-Meier band and the weighted log-rank variance treat the weights as frequencies: they are
approximations (exact only for integer weights), as lifelines warns; the robust Cox and Weibull
standard errors do not need that assumption. Unweighted data (all weights 1) give the plain
estimators.

Unweighted data with repeated rows (times recorded in days or months, a large registry) are
first collapsed into distinct rows whose weights are the row counts
(:mod:`bayes_netlm.evidence.collapse`).
Those are frequency weights, so every estimate treats them as such: the Kaplan-Meier estimator,
its Greenwood band, the log-rank test and the Cox (Efron ties) and Weibull likelihoods equal those
of the expanded data, with the model-based variance (``robust=False``), and the patient and event
counts are summed counts. This is what makes a million rows take seconds instead of twenty minutes.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter, WeibullAFTFitter
from lifelines.exceptions import ConvergenceError, ConvergenceWarning, StatisticalWarning
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times
from scipy import stats

from bayes_netlm.analyses.cox_efron import efron_cox
from bayes_netlm.evidence.collapse import collapse
from bayes_netlm.evidence.patients import SurvivalData, require_positive_times

__all__ = [
    "cox_hazard_ratio",
    "frequentist_table",
    "kaplan_meier_curves",
    "kaplan_meier_medians",
    "logrank",
    "weibull_mle",
]

# Internal column names of the design frame; dunder names cannot clash with a covariate.
_TIME = "__time__"
_EVENT = "__event__"
_INDEX = "__index__"
_WEIGHT = "__weight__"
_Z95 = float(stats.norm.ppf(0.975))


def _frequencies(data: SurvivalData) -> tuple[SurvivalData, np.ndarray, bool]:
    """Unweighted data with repeated rows as distinct rows weighted by their counts.

    Returns the data to fit, the number of patients behind each row and whether the weights are
    frequencies (collapsed rows). Weighted data (e.g. 1/k matching weights) are returned as given:
    their sandwich variance is per patient and does not survive collapsing.
    """
    n = int(np.asarray(data.time).size)
    if data.weighted:
        return data, np.ones(n, dtype=int), False
    collapsed = collapse(data)
    if collapsed.counts.size == n:
        return data, collapsed.counts, False
    return collapsed.data, collapsed.counts, True


def kaplan_meier_medians(data: SurvivalData) -> pd.DataFrame:
    """Kaplan-Meier median survival per group with its 95 % confidence interval.

    Parameters
    ----------
    data : SurvivalData
        Two-group survival data.

    Returns
    -------
    pandas.DataFrame
        One row per group, index group first, with columns ``group``, ``n``, ``events``,
        ``median``, ``lower``, ``upper``. ``inf`` marks a median or bound not reached (the curve or
        its confidence band never falls to 0.5 within follow-up).

    """
    data, counts, _ = _frequencies(data)
    rows = []
    for flag, label in ((1, data.index_label), (0, data.reference_label)):
        members = data.index == flag
        fitter = _kaplan_meier(data, members)
        interval = median_survival_times(fitter.confidence_interval_)
        rows.append(
            {
                "group": label,
                "n": int(counts[members].sum()),
                "events": int((counts * data.event)[members].sum()),
                "median": float(fitter.median_survival_time_),
                "lower": float(interval.iloc[0, 0]),
                "upper": float(interval.iloc[0, 1]),
            }
        )
    return pd.DataFrame(rows)


def _kaplan_meier(data: SurvivalData, members: np.ndarray) -> KaplanMeierFitter:
    """Kaplan-Meier fit of the rows ``members``, weighted when the data carry weights."""
    fitter = KaplanMeierFitter(alpha=0.05)
    if not data.weighted:
        return fitter.fit(data.time[members], data.event[members])
    with warnings.catch_warnings():
        # lifelines warns that non-integer weights bias the naive variance: documented above.
        warnings.filterwarnings("ignore", "It looks like your weights", StatisticalWarning)
        return fitter.fit(data.time[members], data.event[members], weights=data.weights[members])


def kaplan_meier_curves(data: SurvivalData) -> pd.DataFrame:
    """Kaplan-Meier survival curves per group with 95 % pointwise confidence bands, tidy.

    Parameters
    ----------
    data : SurvivalData
        Two-group survival data.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (label), ``time``, ``survival``, ``lower``, ``upper``; index group first.
        Each group starts at ``time`` 0 with survival 1 and has one row per distinct follow-up time
        (event or censoring), the value holding from that time on (a step function, draw with
        ``where="post"``). The band is lifelines' exponential Greenwood (log(-log)) interval.

    """
    data, _, _ = _frequencies(data)
    frames = []
    for flag, label in ((1, data.index_label), (0, data.reference_label)):
        members = data.index == flag
        fitter = _kaplan_meier(data, members)
        band = fitter.confidence_interval_
        frames.append(
            pd.DataFrame(
                {
                    "group": label,
                    "time": fitter.survival_function_.index.to_numpy(dtype=float),
                    "survival": fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float),
                    "lower": band.iloc[:, 0].to_numpy(dtype=float),
                    "upper": band.iloc[:, 1].to_numpy(dtype=float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def logrank(data: SurvivalData) -> float:
    """Two-sided p-value of the log-rank test between the two groups.

    Parameters
    ----------
    data : SurvivalData
        Two-group survival data.

    Returns
    -------
    float
        The p-value (chi-squared, one degree of freedom).

    """
    data, _, _ = _frequencies(data)
    index = data.index == 1
    result = logrank_test(
        data.time[index],
        data.time[~index],
        event_observed_A=data.event[index],
        event_observed_B=data.event[~index],
        weights_A=data.weights[index],
        weights_B=data.weights[~index],
    )
    return float(result.p_value)


def cox_hazard_ratio(data: SurvivalData) -> dict[str, float]:
    """Cox proportional-hazards estimate of the index-vs-reference hazard ratio.

    Adjusted for every column of ``data.covariates`` (none: unadjusted). Ties by Efron's method.

    Parameters
    ----------
    data : SurvivalData
        Two-group survival data.

    Returns
    -------
    dict of str to float
        ``log_hr``, ``log_hr_se``, ``hr``, ``lower`` and ``upper`` (95 % Wald interval of the HR),
        ``p`` (two-sided Wald p-value). All NaN when the estimate is infinite (the partial
        likelihood keeps rising, e.g. every event of one group comes before the other's):
        :data:`~bayes_netlm.analyses.cox_efron.NO_ESTIMATE`.

    """
    try:
        with warnings.catch_warnings():
            # lifelines' warning of complete separation: its estimate is not finite either
            warnings.simplefilter("error", ConvergenceWarning)
            return _cox(data)
    except (RuntimeError, ConvergenceError, ConvergenceWarning, OverflowError):
        nan = math.nan
        return {"log_hr": nan, "log_hr_se": nan, "hr": nan, "lower": nan, "upper": nan, "p": nan}


def _cox(data: SurvivalData) -> dict[str, float]:
    data, _, frequency = _frequencies(data)
    if frequency:
        # lifelines' weighted Efron is not the expanded data's Efron: fit that exactly
        design = _design(data)
        columns = [c for c in design.columns if c not in (_TIME, _EVENT, _WEIGHT)]
        beta, se, _ = efron_cox(
            data.time, data.event, data.weights, design[columns].to_numpy(dtype=float)
        )
        log_hr, log_hr_se = float(beta[0]), float(se[0])
        return {
            "log_hr": log_hr,
            "log_hr_se": log_hr_se,
            "hr": math.exp(log_hr),
            "lower": math.exp(log_hr - _Z95 * log_hr_se),
            "upper": math.exp(log_hr + _Z95 * log_hr_se),
            "p": float(2.0 * stats.norm.sf(abs(log_hr) / log_hr_se)),
        }
    fitter = CoxPHFitter().fit(
        _design(data), duration_col=_TIME, event_col=_EVENT, **_weighting(data)
    )
    row = fitter.summary.loc[_INDEX]
    return {
        "log_hr": float(row["coef"]),
        "log_hr_se": float(row["se(coef)"]),
        "hr": float(row["exp(coef)"]),
        "lower": float(row["exp(coef) lower 95%"]),
        "upper": float(row["exp(coef) upper 95%"]),
        "p": float(row["p"]),
    }


def weibull_mle(data: SurvivalData) -> dict[str, float]:
    """Weibull proportional-hazards maximum-likelihood fit (see the module docstring for the model).

    Parameters
    ----------
    data : SurvivalData
        Two-group survival data; every time must be > 0 (the Weibull density has no mass at 0).

    Returns
    -------
    dict of str to float
        ``shape`` (k) and ``shape_se``; ``log_hr`` (gamma of the index indicator), ``log_hr_se``,
        ``hr``, ``hr_lower``, ``hr_upper`` (95 % Wald interval on the log scale) and ``p``
        (two-sided Wald p-value); ``lambda0`` (Weibull scale of the reference group at covariates
        0, in the unit of the times) and ``lambda0_se``.

    Raises
    ------
    InputError
        If any time is zero.

    """
    require_positive_times(data)
    data, _, frequency = _frequencies(data)
    fitter = WeibullAFTFitter(alpha=0.05).fit(
        _design(data), duration_col=_TIME, event_col=_EVENT, **_weighting(data, frequency)
    )
    log_rho_key = ("rho_", "Intercept")
    b_key = ("lambda_", _INDEX)
    b0_key = ("lambda_", "Intercept")
    params = fitter.params_
    cov = fitter.variance_matrix_
    shape = math.exp(params[log_rho_key])
    b = float(params[b_key])
    log_hr = -shape * b
    # Delta method for log HR = -exp(log_rho) * b: gradient (-k b, -k) in (log_rho, b).
    gradient = np.array([-shape * b, -shape])
    keys = [log_rho_key, b_key]
    sub_cov = cov.loc[keys, keys].to_numpy()
    log_hr_se = float(np.sqrt(gradient @ sub_cov @ gradient))
    lambda0 = math.exp(params[b0_key])
    return {
        "shape": shape,
        "shape_se": shape * math.sqrt(cov.loc[log_rho_key, log_rho_key]),
        "log_hr": log_hr,
        "log_hr_se": log_hr_se,
        "hr": math.exp(log_hr),
        "hr_lower": math.exp(log_hr - _Z95 * log_hr_se),
        "hr_upper": math.exp(log_hr + _Z95 * log_hr_se),
        "p": float(2.0 * stats.norm.sf(abs(log_hr) / log_hr_se)),
        "lambda0": lambda0,
        "lambda0_se": lambda0 * math.sqrt(cov.loc[b0_key, b0_key]),
    }


def frequentist_table(data: SurvivalData) -> pd.DataFrame:
    """All frequentist results for one endpoint as tidy rows, for a report.

    Parameters
    ----------
    data : SurvivalData
        Two-group survival data.

    Returns
    -------
    pandas.DataFrame
        Columns ``quantity``, ``group``, ``value``, ``lower``, ``upper`` (95 % interval, NaN where
        none applies). Quantities: ``patients``, ``events`` and ``km_median`` per group (``inf``:
        not reached); ``logrank_p``, ``cox_hr``, ``cox_p``, ``weibull_hr``, ``weibull_p`` for the
        comparison (group "<index> vs <reference>"); ``weibull_shape`` (group "common").

    """
    comparison = f"{data.index_label} vs {data.reference_label}"
    nan = math.nan
    rows: list[tuple[str, str, float, float, float]] = []
    for km in kaplan_meier_medians(data).itertuples(index=False):
        rows += [
            ("patients", str(km.group), float(km.n), nan, nan),
            ("events", str(km.group), float(km.events), nan, nan),
            ("km_median", str(km.group), float(km.median), float(km.lower), float(km.upper)),
        ]
    cox = cox_hazard_ratio(data)
    weibull = weibull_mle(data)
    rows += [
        ("logrank_p", comparison, logrank(data), nan, nan),
        ("cox_hr", comparison, cox["hr"], cox["lower"], cox["upper"]),
        ("cox_p", comparison, cox["p"], nan, nan),
        ("weibull_hr", comparison, weibull["hr"], weibull["hr_lower"], weibull["hr_upper"]),
        ("weibull_p", comparison, weibull["p"], nan, nan),
        ("weibull_shape", "common", weibull["shape"], nan, nan),
    ]
    return pd.DataFrame(rows, columns=["quantity", "group", "value", "lower", "upper"])


def _design(data: SurvivalData) -> pd.DataFrame:
    """Frame of time, event, index indicator and covariates, as lifelines' fitters take it."""
    frame = data.covariates.reset_index(drop=True).astype(float)
    frame.insert(0, _INDEX, data.index.astype(float))
    frame[_TIME] = data.time
    frame[_EVENT] = data.event
    if data.weighted:
        frame[_WEIGHT] = data.weights
    return frame


def _weighting(data: SurvivalData, frequency: bool = False) -> dict[str, object]:
    """Fit options of a lifelines regression: the weight column and the variance.

    Robust (sandwich) SE for analytic weights, model-based SE for frequency weights (collapsed
    rows).
    """
    if not data.weighted:
        return {}
    return {"weights_col": _WEIGHT, "robust": not frequency}
