r"""Individual patient data from a digitised Kaplan-Meier curve (Guyot et al. 2012).

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res Methodol
2012;12:9. The algorithm is implemented from the paper's description; this module is in
``evidence/`` because its output is patient data in the loader's schema (no model is fitted here).

Per arm, with cleaned points :math:`(T_k, S_k)` and numbers at risk :math:`n_i` at times
:math:`t_i` (:math:`t_1 = 0`):

1. A point :math:`(t_i, S(t_i))` is added where no digitised point falls on an at-risk time
   (:math:`S` read as a step function), so every at-risk interval starts and ends on a point;
   at-risk times after the last point are dropped (the curve says nothing there; noted).
2. In interval :math:`i` (points :math:`l_i .. l_{i+1} - 1`) the censored count starts at
   :math:`c_i = \mathrm{round}(n_i S_{l_{i+1}} / S_{l_i} - n_{i+1})` (at least 0); the censoring
   times are spread evenly, :math:`T_{l_i} + j (T_{l_{i+1}} - T_{l_i}) / (c_i + 1)`,
   :math:`j = 1..c_i` (or drawn uniformly, :func:`reconstruct_arm` with ``rng``).
3. Walking the points, :math:`d_k = \mathrm{round}(\hat n_k (1 - S_k / \hat S_{last}))` with
   :math:`\hat S_{last}` the reconstructed KM after the last point with an event, and
   :math:`\hat n_{k+1} = \hat n_k - d_k - (\text{censored in } [T_k, T_{k+1}))`. Because
   :math:`\hat S_{last}` moves only when an event is placed, the part of a slanted drop that
   rounds away at one point is carried to the next: no event is lost or counted twice.
   Events are placed only where the digitised curve drops (:math:`S_k < S_{k-1}`), so a flat
   stretch, a flat tail included, never gets a death.
4. :math:`c_i` is corrected by :math:`\hat n_{l_{i+1}} - n_{i+1}` and step 3 repeated until the
   next number at risk is met, cannot be met (no censoring left to remove) or the correction
   cycles (the closest is kept). Each interval starts from the number reached, not the number
   printed, so every patient is accounted for exactly once.
5. Last interval: with the arm's total events, its censoring is corrected until the total is met;
   without, it is the earlier intervals' censoring per unit time, at most the number expected to
   outlive the interval (:math:`n S_K / S_{l_m}`: a curve that ends at 0 keeps its last deaths).
   Patients left at the end are censored at the last point's time.

The quality report (:mod:`bayes_netlm.evidence.reconstruct_quality`) compares the reconstructed KM
with every digitised point and the numbers at risk.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_netlm.evidence.curve_cleaning import DigitisedCurve
from bayes_netlm.evidence.curve_tables import AtRiskTable
from bayes_netlm.evidence.curves import CurveInput
from bayes_netlm.evidence.reconstruct_quality import ArmQuality, arm_quality

__all__ = [
    "ArmReconstruction",
    "quality_table",
    "reconstruct",
    "reconstruct_arm",
    "to_patient_frame",
]

_MAX_ITERATIONS = 100


@dataclass(frozen=True, eq=False)
class ArmReconstruction:
    """The reconstructed patients of one arm and how well they fit the figure.

    Parameters
    ----------
    arm : str
        Arm label.
    time, event : numpy.ndarray
        One entry per patient: follow-up time and 1 = event, 0 = censored.
    quality : ArmQuality
        The comparison with the digitised curve and the at-risk table.
    notes : tuple of str
        Decisions taken on this arm's input (at-risk times dropped, targets not met).

    """

    arm: str
    time: np.ndarray
    event: np.ndarray
    quality: ArmQuality
    notes: tuple[str, ...]


def _half_up(x: float) -> int:
    return int(np.floor(x + 0.5))


@dataclass
class _Walk:
    """The state carried along the points: patients at risk and the KM after the last event."""

    n: int
    km: float


def _walk(
    survival: np.ndarray, drops: np.ndarray, censored: np.ndarray, start: _Walk, lo: int
) -> tuple[np.ndarray, np.ndarray, _Walk]:
    """Events and (feasible) censorings at points ``lo, lo + 1, ...``; the state after them."""
    size = censored.size
    events = np.zeros(size, dtype=np.int64)
    kept = np.zeros(size, dtype=np.int64)
    n, km = start.n, start.km
    for j in range(size):
        k = lo + j
        if drops[k] and n > 0 and km > 0:
            d = min(max(_half_up(n * (1.0 - survival[k] / km)), 0), n)
            if d:
                km *= 1.0 - d / n
                events[j] = d
        kept[j] = min(censored[j], n - events[j])
        n -= events[j] + kept[j]
    return events, kept, _Walk(n, km)


def _censor_positions(count: int, pool: np.ndarray | None) -> np.ndarray:
    """Fractions of an interval where ``count`` censorings fall: even, or sorted uniform draws."""
    if pool is None:
        return np.arange(1, count + 1) / (count + 1)
    return np.sort(pool[:count])


def _binned(times: np.ndarray, lo: int, hi: int, positions: np.ndarray) -> np.ndarray:
    """Counts of censoring positions (fractions of [T_lo, T_hi]) per point lo..hi-1."""
    at = times[lo] + positions * (times[hi] - times[lo])
    bins = np.searchsorted(times[lo:hi], at, side="right") - 1
    return np.bincount(bins, minlength=hi - lo)


@dataclass
class _Interval:
    """Points ``lo .. hi - 1`` walked; censorings at ``positions`` of [T_lo, T_span_end]."""

    lo: int
    hi: int
    span_end: int
    events: np.ndarray
    censored: np.ndarray
    positions: np.ndarray
    end: _Walk


def _solve_interval(
    points: tuple[np.ndarray, np.ndarray, np.ndarray],
    lo: int,
    hi: int,
    start: _Walk,
    first_guess: int,
    mismatch: Callable[[_Interval], int],
    pool: np.ndarray | None,
) -> _Interval:
    """Correct the interval's censored count until ``mismatch`` is 0, cannot improve, or cycles.

    ``mismatch`` > 0 asks for more censoring. The last interval (``hi`` = number of points)
    spreads its censorings up to the last point, which keeps everyone left at the end.
    """
    times, survival, drops = points
    span_end = min(hi, times.size - 1)
    tried: dict[int, tuple[int, _Interval]] = {}
    count = min(max(first_guess, 0), start.n) if span_end > lo else 0
    for _ in range(_MAX_ITERATIONS):
        positions = _censor_positions(count, pool)
        bins = np.zeros(hi - lo, dtype=np.int64)
        bins[: span_end - lo] = _binned(times, lo, span_end, positions)
        events, kept, end = _walk(survival, drops, bins, start, lo)
        result = _Interval(lo, hi, span_end, events, kept, positions, end)
        gap = mismatch(result)
        tried[count] = (abs(gap), result)
        new = min(max(count + gap, 0), start.n) if span_end > lo else 0
        if gap == 0 or new in tried:
            break
        count = new
    return min(tried.values(), key=lambda item: item[0])[1]


def _reach(target: int) -> Callable[[_Interval], int]:
    """Mismatch of an interval that must end with ``target`` patients at risk."""
    return lambda result: result.end.n - target


def _with_at_risk_points(curve: DigitisedCurve, at_times: np.ndarray) -> tuple:
    """Curve points plus a flat point at each at-risk time without one; index of each time."""
    times, survival = curve.time, curve.survival
    new = at_times[~np.isin(at_times, times)]
    step = survival[np.searchsorted(times, new, side="right") - 1]
    all_t = np.concatenate([times, new])
    all_s = np.concatenate([survival, step])
    added = np.concatenate([np.zeros(times.size, bool), np.ones(new.size, bool)])
    order = np.lexsort((-all_s, all_t))
    all_t, all_s, added = all_t[order], all_s[order], added[order]
    drops = np.r_[False, all_s[1:] < all_s[:-1]] & ~added
    lower = np.searchsorted(all_t, at_times, side="left")
    return all_t, all_s, drops, lower


def reconstruct_arm(
    curve: DigitisedCurve,
    table: AtRiskTable,
    total_events: int | None = None,
    rng: np.random.Generator | None = None,
) -> ArmReconstruction:
    """Reconstruct one arm's patients (see the module notes for the algorithm).

    Parameters
    ----------
    curve : DigitisedCurve
        Cleaned points of the arm.
    table : AtRiskTable
        Its numbers at risk (first at time 0).
    total_events : int, optional
        The arm's total events, when published.
    rng : numpy.random.Generator, optional
        Draw censoring times uniformly within each at-risk interval instead of evenly.

    Returns
    -------
    ArmReconstruction
        Patients and quality report.

    """
    notes = []
    inside = table.time <= curve.time[-1]
    if not inside.all():
        dropped = ", ".join(f"{t:g}" for t in table.time[~inside])
        notes.append(f"arm {curve.arm!r}: at-risk time(s) {dropped} after the last point not used")
    at_t, at_n = table.time[inside], table.n_at_risk[inside].astype(int)
    times, survival, drops, lower = _with_at_risk_points(curve, at_t)
    points = (times, survival, drops)
    state = _Walk(int(at_n[0]), 1.0)
    intervals: list[_Interval] = []
    censored_so_far = 0
    for i in range(at_t.size - 1):
        lo, hi = int(lower[i]), int(lower[i + 1])
        ratio = survival[hi] / survival[lo] if survival[lo] > 0 else 0.0
        guess = _half_up(state.n * ratio - at_n[i + 1])
        pool = None if rng is None else rng.random(state.n)
        target = int(at_n[i + 1])
        part = _solve_interval(points, lo, hi, state, guess, _reach(target), pool)
        intervals.append(part)
        censored_so_far += int(part.censored.sum())
        state = part.end
    lo = int(lower[-1])
    pool = None if rng is None else rng.random(state.n)
    if total_events is not None:
        before = sum(int(p.events.sum()) for p in intervals)
        part = _solve_interval(
            points,
            lo,
            times.size,
            state,
            0,
            lambda r: before + int(r.events.sum()) - total_events,
            pool,
        )
    else:
        span = times[lo] - times[0]
        rate = censored_so_far / span if span > 0 else 0.0
        # only those who outlive the interval can be censored in it: at most n S_end / S_start
        survivors = state.n * survival[-1] / survival[lo] if survival[lo] > 0 else 0.0
        guess = min(_half_up(rate * (times[-1] - times[lo])), _half_up(survivors))
        part = _solve_interval(points, lo, times.size, state, guess, lambda r: 0, pool)
    intervals.append(part)
    time, event = _patients(times, intervals)
    quality = arm_quality(curve, time, event, at_t, at_n, total_events)
    return ArmReconstruction(curve.arm, time, event, quality, tuple(notes))


def _patients(times: np.ndarray, intervals: list[_Interval]) -> tuple[np.ndarray, np.ndarray]:
    """One row per patient: events at their points, censorings at their positions, the rest."""
    event_times, censor_times = [], []
    for part in intervals:
        event_times.append(np.repeat(times[part.lo : part.hi], part.events))
        end = part.span_end
        if part.positions.size:
            at = times[part.lo] + part.positions * (times[end] - times[part.lo])
            bins = np.searchsorted(times[part.lo : end], at, side="right") - 1
            # keep the first `censored[bin]` positions of each bin (the walk may have cut some)
            rank = np.arange(bins.size) - np.searchsorted(bins, bins, side="left")
            censor_times.append(at[rank < part.censored[bins]])
    remaining = intervals[-1].end.n
    events = np.concatenate(event_times)
    censored = np.concatenate([*censor_times, np.full(remaining, times[-1])])
    time = np.concatenate([events, censored])
    event = np.concatenate([np.ones(events.size, np.int64), np.zeros(censored.size, np.int64)])
    order = np.argsort(time, kind="stable")
    return time[order], event[order]


def reconstruct(
    data: CurveInput,
    rng: np.random.Generator | None = None,
    total_events: Mapping[str, int] | None = None,
) -> dict[str, ArmReconstruction]:
    """Reconstruct every arm of a validated figure.

    ``total_events`` overrides ``data.total_events`` where given.
    """
    totals = {**data.total_events, **(total_events or {})}
    return {
        arm: reconstruct_arm(data.curves[arm], data.at_risk[arm], totals.get(arm), rng)
        for arm in data.arms
    }


def to_patient_frame(arms: Mapping[str, ArmReconstruction]) -> pd.DataFrame:
    """Patients in the loader's schema: ``id, arm, group, time, event``.

    ``group`` repeats ``arm`` so that both ``load_survival(..., group="arm")`` and a run
    specification with ``group = "group"`` read the file; ids are ``ARM-0001``...
    """
    frames = []
    for arm, result in arms.items():
        ids = [f"{arm}-{i:04d}" for i in range(1, result.time.size + 1)]
        frames.append(
            pd.DataFrame(
                {"id": ids, "arm": arm, "group": arm, "time": result.time, "event": result.event}
            )
        )
    return pd.concat(frames, ignore_index=True)


def quality_table(arms: Mapping[str, ArmReconstruction]) -> pd.DataFrame:
    """One row per arm: n, events (and given total), max and RMS difference, at-risk mismatch."""
    rows = []
    for arm, result in arms.items():
        q = result.quality
        rows.append(
            {
                "arm": arm,
                "n": q.n,
                "events": q.events,
                "total_events_given": q.total_events_given,
                "max_abs_diff": q.max_abs_diff,
                "rmse": q.rmse,
                "at_risk_max_mismatch": int(
                    np.max(np.abs(q.at_risk_reconstructed - q.at_risk_given))
                ),
            }
        )
    return pd.DataFrame(rows)


def with_positive_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Times of 0 (a drop read at the origin) moved to half the smallest positive time.

    The Weibull likelihood and the patient loader cannot take a time of 0; everything else is
    left as it is.
    """
    times = frame["time"].to_numpy(dtype=float)
    positive = times > 0
    if positive.all():
        return frame
    return frame.assign(time=np.where(positive, times, times[positive].min() / 2))
