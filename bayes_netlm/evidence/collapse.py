r"""Collapse identical patient rows into one weighted row, exactly.

Times are recorded at finite resolution (days, months), so in a large cohort many patients share
the same (time, event, group, covariates). Every likelihood used on patient data is a sum over rows
of a term that depends on the row's values only, weighted by the row weight :math:`w_i`:

.. math::

    \ell = \sum_i w_i \, \ell(t_i, d_i, g_i, x_i),

so the :math:`m_j` rows of a group of identical rows contribute :math:`W_j \ell_j` with
:math:`W_j = \sum_{i \in j} w_i`: one row of weight :math:`W_j` gives the same log-likelihood,
gradient and posterior. The same holds for the Kaplan-Meier estimator, the log-rank statistic and
the Cox partial likelihood when the weights are frequencies (unweighted data: :math:`W_j = m_j`);
:mod:`bayes_netlm.analyses.frequentist` then uses the model-based (not the sandwich) variance.

Data that do not collapse (continuous covariates, or times at full floating-point resolution as in
the bundled synthetic cohort) come back unchanged in size: nothing is lost, nothing is gained, and
the fits cost what the row count says.

``counts`` (:math:`m_j`) is kept beside the summed weights because what depends on the number of
patients rather than on the likelihood (the covariates' standardisation, the time scale of the
baseline prior, the patient and event counts of a table) must be computed with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bayes_netlm.evidence.patients import SurvivalData

__all__ = ["Collapsed", "collapse", "expand"]


@dataclass(frozen=True)
class Collapsed:
    """Unique rows of a data set with their summed weights and row counts.

    Attributes
    ----------
    data : SurvivalData
        One row per distinct (time, event, group, covariates); ``weights`` is the sum of the
        original rows' weights, ``ids`` the first original id of each group.
    counts : numpy.ndarray
        Number of original rows behind each row (int).
    rows : int
        Number of original rows.

    """

    data: SurvivalData
    counts: np.ndarray
    rows: int

    @property
    def factor(self) -> float:
        """Original rows per collapsed row (1.0: nothing collapsed)."""
        return self.rows / max(self.counts.size, 1)

    def weighted_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean over the original rows of per-row ``values`` (rows along axis 0)."""
        return np.average(values, axis=0, weights=self.counts)

    def weighted_std(self, values: np.ndarray) -> np.ndarray:
        """Population SD over the original rows (as ``numpy.std``) of per-row ``values``."""
        mean = self.weighted_mean(values)
        return np.sqrt(np.average((values - mean) ** 2, axis=0, weights=self.counts))

    def standardised(
        self, covariates: Sequence[str], frame: pd.DataFrame | None = None
    ) -> np.ndarray:
        """The Weibull model's design: covariates standardised over the original rows.

        Each covariate is centred and scaled by its mean and SD over the original (uncollapsed)
        rows, unweighted: row weights such as matching weights do not enter. ``frame`` (default:
        the collapsed rows' covariates) holds the rows to standardise, e.g. the original ones;
        the result has shape ``(rows of frame, covariates)``.
        """
        values = self.data.covariates[list(covariates)].to_numpy(dtype=float)
        target = values if frame is None else frame[list(covariates)].to_numpy(dtype=float)
        return (target - self.weighted_mean(values)) / self.weighted_std(values)


def collapse(data: SurvivalData) -> Collapsed:
    r"""Merge rows that agree on time, event, group and every covariate.

    Row weights are summed, so any likelihood of the form :math:`\sum_i w_i \ell_i` is unchanged.
    The order of the result is that of each group's first row. The matched-set labels (if any)
    are dropped: no likelihood here uses them.

    Parameters
    ----------
    data : SurvivalData

    Returns
    -------
    Collapsed

    """
    n = int(np.asarray(data.time).size)
    key = data.covariates.reset_index(drop=True).astype(float).copy()
    key.columns = [f"c{i}" for i in range(key.shape[1])]
    key["__time__"] = np.asarray(data.time, dtype=float)
    key["__event__"] = np.asarray(data.event)
    key["__index__"] = np.asarray(data.index)
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(key), sort=False)
    groups = len(uniques)
    if groups == n:
        return Collapsed(data, np.ones(n, dtype=int), n)
    first = np.full(groups, n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n))
    counts = np.bincount(codes, minlength=groups)
    weights = np.bincount(codes, weights=np.asarray(data.weights, dtype=float), minlength=groups)
    merged = replace(
        data,
        time=np.asarray(data.time)[first],
        event=np.asarray(data.event)[first],
        index=np.asarray(data.index)[first],
        covariates=data.covariates.iloc[first].reset_index(drop=True),
        ids=np.asarray(data.ids)[first],
        matched_set=None,
        weights=weights,
    )
    return Collapsed(merged, counts, n)


def expand(collapsed: Collapsed) -> SurvivalData:
    """The collapsed data with each row repeated ``counts`` times (for checks; weights divided)."""
    data, counts = collapsed.data, collapsed.counts
    rows = np.repeat(np.arange(counts.size), counts)
    return replace(
        data,
        time=np.asarray(data.time)[rows],
        event=np.asarray(data.event)[rows],
        index=np.asarray(data.index)[rows],
        covariates=data.covariates.iloc[rows].reset_index(drop=True),
        ids=np.asarray(data.ids)[rows],
        weights=(np.asarray(data.weights) / counts)[rows],
    )
