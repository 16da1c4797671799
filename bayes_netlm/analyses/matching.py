"""Propensity-score matching of the index group (cystic) to the reference group (solid).

Ammann et al. (2025) compared cystic and solid NETLM also in a propensity-matched cohort whose
matching ratio and size are not reported. This module rebuilds such a cohort from patient-level
data, or reads one that is already matched (``SurvivalData.matched_set``). Pure functions; no file
input or output.

Conventions, each a choice stated here:

- **Propensity model**: :mod:`bayes_netlm.analyses.propensity` (ridge-penalised logistic
  regression on the standardised covariates).
- **Matching** (:func:`match_nearest`): greedy nearest-neighbour matching without replacement on
  the logit of the propensity score, within a caliper of ``caliper`` standard deviations of the
  logit score (Austin 2011, Pharm Stat 10:150-161, recommends 0.2). The SD is the pooled SD
  sqrt((var_index + var_reference) / 2) of the two groups' logit scores (``ddof=1``). Matching
  runs in ``ratio`` rounds; in each round the index patients still in play pick, one at a time,
  the nearest control not yet used. Index patients are taken in order of **decreasing**
  propensity score (the hardest to match first; equal scores in row order). An index patient with
  no control inside the caliper in round 1 is unmatched and dropped; one that runs out of controls
  in a later round keeps the controls it has (variable-ratio matching). Controls at exactly equal
  distance are chosen by a random priority drawn from ``seed``, so the result is a deterministic
  function of the inputs and the seed.
- **Weights and balance**: :func:`matched_cohort` stores the within-set weights of
  :func:`bayes_netlm.analyses.balance.matched_set_weights` (1 per index patient, 1 / k_s per
  control of a set with k_s controls) in ``SurvivalData.weights`` and reports balance with
  :func:`bayes_netlm.analyses.balance.balance_table` (weighted means, |SMD| > 0.1 flagged).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_netlm.analyses.balance import (
    balance_table,
    check_index,
    matched_set_weights,
    pooled_sd,
)
from bayes_netlm.analyses.propensity import logit_scores, propensity_scores
from bayes_netlm.errors import InputError
from bayes_netlm.evidence.patients import SurvivalData

__all__ = ["MatchResult", "match_nearest", "matched_cohort"]


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Outcome of :func:`match_nearest`.

    Parameters
    ----------
    rows : numpy.ndarray
        Row positions (0-based, into the arrays given to :func:`match_nearest`) of the matched
        patients, index and reference, in increasing order.
    matched_set : numpy.ndarray
        Matched-set id (int, 1, 2, ... in the order the index patients were processed) of each
        entry of ``rows``.
    unmatched_index : numpy.ndarray
        Row positions of the index patients with no control inside the caliper (dropped).
    ratio : int
        Controls sought per index patient.
    caliper : float
        Caliper in SDs of the logit propensity score.
    caliper_width : float
        The caliper on the logit scale: ``caliper`` times the pooled SD of the logit score.

    """

    rows: np.ndarray
    matched_set: np.ndarray
    unmatched_index: np.ndarray
    ratio: int
    caliper: float
    caliper_width: float = float("nan")

    def controls_per_set(self) -> dict[int, int]:
        """Number of controls in each matched set (set id to count)."""
        sets, counts = np.unique(self.matched_set, return_counts=True)
        # Each set holds exactly one index patient; the rest are controls.
        return {int(s): int(c) - 1 for s, c in zip(sets, counts, strict=True)}


def match_nearest(
    index: np.ndarray,
    scores: np.ndarray,
    ratio: int = 3,
    caliper: float = 0.2,
    seed: int = 0,
) -> MatchResult:
    """Greedy 1:``ratio`` nearest-neighbour matching without replacement on the logit score.

    See the module notes for the order of processing, the rounds and the caliper.

    Parameters
    ----------
    index : numpy.ndarray
        1 for the index group, 0 for the reference group.
    scores : numpy.ndarray
        Propensity scores in [0, 1], aligned with ``index`` (clipped to [1e-15, 1 - 1e-15] before
        the logit is taken).
    ratio : int
        Controls sought per index patient, >= 1.
    caliper : float
        Maximum distance between logit scores, in pooled SDs of the logit score, > 0
        (``numpy.inf`` for no caliper).
    seed : int
        Seed of the random priority that breaks exact ties in distance.

    Returns
    -------
    MatchResult
        Matched rows, their set ids and the unmatched index patients.

    Raises
    ------
    ValueError
        If the arguments are malformed (lengths, 0/1 coding, scores outside [0, 1], ratio < 1,
        caliper <= 0).

    """
    flags = check_index(index)
    p = np.asarray(scores, dtype=float)
    if p.shape != flags.shape:
        raise ValueError(f"scores has shape {p.shape}; expected {flags.shape}")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError("scores must be probabilities in [0, 1]")
    if isinstance(ratio, bool) or int(ratio) != ratio or ratio < 1:
        raise ValueError(f"ratio must be a whole number >= 1, got {ratio!r}")
    if not caliper > 0:
        raise ValueError(f"caliper must be > 0, got {caliper!r}")
    ratio = int(ratio)

    logit = logit_scores(p)
    treated = np.flatnonzero(flags == 1)
    controls = np.flatnonzero(flags == 0)
    sd = pooled_sd(logit[treated], logit[controls])
    width = float(caliper * sd) if np.isfinite(caliper) else float("inf")

    # Decreasing score; a stable sort keeps row order among equal scores.
    order = treated[np.argsort(-logit[treated], kind="stable")]
    priority = np.random.default_rng(seed).permutation(len(controls))
    available = np.ones(len(controls), dtype=bool)
    chosen: dict[int, list[int]] = {int(row): [] for row in order}
    unmatched: list[int] = []
    for round_number in range(ratio):
        for row in order:
            if round_number > 0 and not chosen[int(row)]:
                continue  # unmatched in round 1: out of play
            distance = np.abs(logit[controls] - logit[row])
            candidates = np.flatnonzero(available & (distance <= width))
            if len(candidates) == 0:
                if round_number == 0:
                    unmatched.append(int(row))
                continue
            best = candidates[np.lexsort((priority[candidates], distance[candidates]))[0]]
            available[best] = False
            chosen[int(row)].append(int(controls[best]))

    rows: list[int] = []
    sets: list[int] = []
    set_id = 0
    for row in order:
        if not chosen[int(row)]:
            continue
        set_id += 1
        members = [int(row), *chosen[int(row)]]
        rows += members
        sets += [set_id] * len(members)
    positions = np.asarray(rows, dtype=np.int64)
    labels = np.asarray(sets, dtype=np.int64)
    sort = np.argsort(positions, kind="stable")
    return MatchResult(
        rows=positions[sort],
        matched_set=labels[sort],
        unmatched_index=np.sort(np.asarray(unmatched, dtype=np.int64)),
        ratio=ratio,
        caliper=float(caliper),
        caliper_width=width,
    )


def matched_cohort(
    data: SurvivalData, ratio: int = 3, caliper: float = 0.2
) -> tuple[SurvivalData, pd.DataFrame]:
    """The matched cohort of ``data`` and its covariate balance before and after matching.

    With ``data.matched_set`` present, that matching is used as given: the patients kept are those
    whose set holds at least one index and one reference patient. Otherwise the index group is
    propensity-matched on ``data.covariates`` (:func:`propensity_scores`, then
    :func:`match_nearest` with ``seed=0``), and unmatched index patients are dropped and named in
    the notes.

    Parameters
    ----------
    data : SurvivalData
        The full cohort (or an already matched one, with ``matched_set``).
    ratio : int
        Controls sought per index patient when matching here.
    caliper : float
        Caliper in SDs of the logit propensity score when matching here.

    Returns
    -------
    tuple of (SurvivalData, pandas.DataFrame)
        The matched cohort (arrays subset, read-only, in the original row order; ``matched_set``
        filled as text; ``weights`` the within-set weights of :func:`matched_set_weights`, 1 per
        index patient and 1 / k_s per control of a set with k_s controls; a sentence on the
        matching appended to ``notes``) and the tidy balance table of :func:`balance_table`, with
        weighted ``"matched"`` means, beside the ``"full"`` rows (empty when there are no
        covariates).

    Raises
    ------
    InputError
        If there is no ``matched_set`` and no covariates to match on, if no matched set holds
        both groups, or if no index patient has a control inside the caliper.

    """
    index = np.asarray(data.index)
    if data.matched_set is not None:
        rows, sets = _complete_sets(data)
        note = (
            f"matched cohort: given matched sets, {len(np.unique(sets))} sets holding both groups "
            f"kept ({len(rows)} of {len(index)} patients)"
        )
    else:
        if data.covariates.shape[1] == 0:
            raise InputError.single(
                data.source,
                "no covariates to match on and no matched-set column",
                "name the baseline covariates to match on (e.g. age, size_cm), or load a matched "
                "cohort with its matched-set column",
            )
        scores = propensity_scores(index, data.covariates)
        result = match_nearest(index, scores, ratio=ratio, caliper=caliper)
        if len(result.rows) == 0:
            raise InputError.single(
                data.source,
                f"no {data.index_label!r} patient has a {data.reference_label!r} patient within "
                f"the caliper of {caliper:g} SD of the logit propensity score",
                "widen the caliper, or match on fewer covariates",
            )
        rows = result.rows
        sets = np.array([f"{s}" for s in result.matched_set], dtype=object)
        note = _matching_note(data, result)
    weights = matched_set_weights(index[rows], sets)
    balance = balance_table(index, data.covariates, rows, weights)
    matched = dataclasses.replace(
        data,
        time=_read_only(np.asarray(data.time)[rows]),
        event=_read_only(np.asarray(data.event)[rows]),
        index=_read_only(index[rows]),
        covariates=data.covariates.iloc[rows].reset_index(drop=True),
        ids=_read_only(np.asarray(data.ids)[rows]),
        matched_set=_read_only(sets),
        notes=(*data.notes, note),
        weights=weights,
    )
    return matched, balance


def _complete_sets(data: SurvivalData) -> tuple[np.ndarray, np.ndarray]:
    """Rows of sets holding both groups, and their set labels."""
    assert data.matched_set is not None
    sets = np.asarray(data.matched_set, dtype=object)
    frame = pd.DataFrame({"set": sets, "index": np.asarray(data.index)})
    both = frame.groupby("set", sort=False)["index"].transform("nunique") == 2
    rows = np.flatnonzero(both.to_numpy())
    if len(rows) == 0:
        raise InputError.single(
            data.source,
            "no matched set holds both an index and a reference patient",
            "check the matched-set column: each set needs patients of both groups",
        )
    return rows, sets[rows]


def _matching_note(data: SurvivalData, result: MatchResult) -> str:
    counts = result.controls_per_set()
    short = sum(1 for c in counts.values() if c < result.ratio)
    text = (
        f"matched cohort: greedy 1:{result.ratio} nearest-neighbour propensity matching on the "
        f"logit score (covariates: {', '.join(map(str, data.covariates.columns))}; caliper "
        f"{result.caliper:g} SD = {result.caliper_width:.3g} on the logit scale); "
        f"{len(counts)} sets, {len(result.rows)} patients"
    )
    if short:
        text += (
            f"; {short} set(s) with fewer than {result.ratio} controls (controls weighted 1/k "
            "within a set of k controls)"
        )
    if len(result.unmatched_index):
        ids = ", ".join(str(data.ids[row]) for row in result.unmatched_index)
        text += f"; {len(result.unmatched_index)} index patient(s) unmatched and dropped: {ids}"
    return text


def _read_only(values: np.ndarray) -> np.ndarray:
    values = np.array(values)
    values.setflags(write=False)
    return values
