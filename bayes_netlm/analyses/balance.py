"""Balance of a matched cohort: within-set weights and standardised mean differences.

Pure functions; no file input or output. Conventions, each a choice stated here:

- **Weights** (:func:`matched_set_weights`): the matched design is kept by weighting within sets.
  In a set with n1 index and n0 reference patients every index patient has weight 1 and every
  reference patient weight n1 / n0, so a 1:k_s set (one index patient, k_s controls) gives each of
  its controls 1 / k_s and every set carries equal reference weight, whether it found ``ratio``
  controls or fewer. These are the ATT weights of matching with a variable number of controls;
  :func:`bayes_netlm.analyses.matching.matched_cohort` stores them in ``SurvivalData.weights``
  for the outcome analyses (weighted Kaplan-Meier, weighted log-rank, weighted Cox with robust SE in
  :mod:`bayes_netlm.analyses.frequentist`; a weighted likelihood weights each row's
  log-likelihood term).
- **Balance** (:func:`balance_table`): standardised mean difference
  SMD = (mean_index - mean_reference) / sqrt((s2_index + s2_reference) / 2), where s2 are the
  sample variances (``ddof=1``) of the two groups **in the full cohort**, used for both the full
  and the matched rows so that a change in SMD reflects a change in means only. Matched means are
  weighted means sum(w x) / sum(w) with the within-set weights above. Every row with
  |SMD| > :data:`SMD_THRESHOLD` (0.1, the usual mark of inadequate balance) is flagged in the
  ``imbalanced`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "BALANCE_COLUMNS",
    "SMD_THRESHOLD",
    "balance_table",
    "check_index",
    "matched_set_weights",
    "pooled_sd",
]

SMD_THRESHOLD = 0.1
"""|SMD| above which a covariate is flagged as imbalanced in :func:`balance_table`."""

BALANCE_COLUMNS = (
    "cohort",
    "covariate",
    "n_index",
    "n_reference",
    "mean_index",
    "mean_reference",
    "smd",
    "imbalanced",
)
"""Columns of :func:`balance_table`, in order."""


def check_index(index: np.ndarray, n: int | None = None) -> np.ndarray:
    """The 0/1 group indicator as int, checked: one-dimensional, length ``n``, both groups.

    Raises
    ------
    ValueError
        If any of these fails.

    """
    values = np.asarray(index)
    if values.ndim != 1:
        raise ValueError("index must be one-dimensional")
    if n is not None and len(values) != n:
        raise ValueError(f"index has {len(values)} entries; expected {n}")
    if not np.isin(values, (0, 1)).all():
        raise ValueError("index must hold only 0 (reference) and 1 (index group)")
    flags = values.astype(np.int64)
    if not (flags == 1).any() or not (flags == 0).any():
        raise ValueError("index needs patients in both groups")
    return flags


def pooled_sd(a: np.ndarray, b: np.ndarray) -> float:
    """Pooled SD: root of the mean of the two sample variances (a group of one adds 0)."""
    var_a = float(np.var(a, ddof=1)) if len(a) > 1 else 0.0
    var_b = float(np.var(b, ddof=1)) if len(b) > 1 else 0.0
    return float(np.sqrt((var_a + var_b) / 2.0))


def matched_set_weights(index: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """Within-set weights of a matched cohort: 1 per index patient, n1 / n0 per reference patient.

    In a set with n1 index and n0 reference patients each reference patient gets n1 / n0 (1 / k_s
    in a 1:k_s set), so every set's reference patients weigh as much as its index patients.

    Parameters
    ----------
    index : numpy.ndarray
        1 for the index group, 0 for the reference group.
    sets : numpy.ndarray
        Matched-set label of each patient, aligned with ``index``; every set must hold both groups.

    Returns
    -------
    numpy.ndarray
        Weights (float, > 0), aligned with ``index``.

    Raises
    ------
    ValueError
        If the lengths differ or a set lacks one of the groups.

    """
    flags = check_index(index, len(sets))
    frame = pd.DataFrame({"set": np.asarray(sets, dtype=object), "index": flags})
    n_index = frame.groupby("set", sort=False)["index"].transform("sum").to_numpy(dtype=float)
    n_set = frame.groupby("set", sort=False)["index"].transform("size").to_numpy(dtype=float)
    n_reference = n_set - n_index
    if (n_index == 0).any() or (n_reference == 0).any():
        raise ValueError("every matched set needs patients of both groups")
    return np.where(flags == 1, 1.0, n_index / n_reference)


def balance_table(
    index: np.ndarray,
    covariates: pd.DataFrame,
    rows: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Standardised mean differences of the covariates, before and (given ``rows``) after matching.

    SMD = (mean_index - mean_reference) / sqrt((s2_index + s2_reference) / 2), with s2 the sample
    variances (``ddof=1``; a group of one patient contributes 0) of the two groups in the **full**
    cohort, for the full and the matched rows alike. Matched means are weighted,
    sum(w x) / sum(w) within each group, with ``weights`` (e.g. :func:`matched_set_weights`).
    Where the denominator is 0 the SMD is 0 if the means are equal and +/-inf otherwise.

    Parameters
    ----------
    index : numpy.ndarray
        1 for the index group, 0 for the reference group.
    covariates : pandas.DataFrame
        Numeric covariates aligned with ``index``.
    rows : numpy.ndarray, optional
        Row positions of the matched cohort (e.g. :attr:`MatchResult.rows`).
    weights : numpy.ndarray, optional
        Weights of the matched patients, aligned with ``rows`` (default: all 1).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per cohort and covariate, columns :data:`BALANCE_COLUMNS`: ``cohort``
        (``"full"``, then ``"matched"`` when ``rows`` is given), ``covariate``, ``n_index``,
        ``n_reference`` (patients), ``mean_index``, ``mean_reference``, ``smd`` and
        ``imbalanced`` (|SMD| > :data:`SMD_THRESHOLD`). No covariates give an empty frame with
        these columns.

    Raises
    ------
    ValueError
        If ``index`` is malformed or does not match ``covariates`` in length, ``rows`` holds
        positions outside the cohort or repeats one, or ``weights`` does not match ``rows`` or is
        not finite and > 0.

    """
    flags = check_index(index, len(covariates))
    values = covariates.to_numpy(dtype=float)
    treated, reference = flags == 1, flags == 0
    scale = np.array(
        [pooled_sd(values[treated, j], values[reference, j]) for j in range(values.shape[1])]
    )
    cohorts: list[tuple[str, np.ndarray]] = [("full", np.ones(len(flags)))]
    if rows is not None:
        cohorts.append(("matched", _row_weights(len(flags), rows, weights)))

    records: list[dict[str, object]] = []
    for cohort, weight in cohorts:
        in_index, in_reference = (weight > 0) & treated, (weight > 0) & reference
        for j, name in enumerate(covariates.columns):
            mean_index = _mean(values[in_index, j], weight[in_index])
            mean_reference = _mean(values[in_reference, j], weight[in_reference])
            smd = _smd(mean_index - mean_reference, float(scale[j]))
            records.append(
                {
                    "cohort": cohort,
                    "covariate": str(name),
                    "n_index": int(in_index.sum()),
                    "n_reference": int(in_reference.sum()),
                    "mean_index": mean_index,
                    "mean_reference": mean_reference,
                    "smd": smd,
                    "imbalanced": bool(abs(smd) > SMD_THRESHOLD),
                }
            )
    return pd.DataFrame.from_records(records, columns=list(BALANCE_COLUMNS))


def _row_weights(n: int, rows: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Weight of every patient of the cohort: ``weights`` at ``rows``, 0 elsewhere."""
    positions = np.asarray(rows, dtype=np.int64)
    if len(positions) and (positions.min() < 0 or positions.max() >= n):
        raise ValueError("rows holds positions outside the cohort")
    if len(np.unique(positions)) != len(positions):
        raise ValueError("rows repeats a position")
    given = np.ones(len(positions)) if weights is None else np.asarray(weights, dtype=float)
    if given.shape != positions.shape:
        raise ValueError(f"weights has shape {given.shape}; expected {positions.shape}")
    if not (np.isfinite(given).all() and (given > 0).all()):
        raise ValueError("weights must be finite and > 0")
    out = np.zeros(n)
    out[positions] = given
    return out


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.average(values, weights=weights)) if len(values) else float("nan")


def _smd(difference: float, scale: float) -> float:
    if scale > 0:
        return difference / scale
    if difference == 0:
        return 0.0
    return float(np.sign(difference) * np.inf) if np.isfinite(difference) else float("nan")
