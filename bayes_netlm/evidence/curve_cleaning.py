"""Cleaning of one digitised Kaplan-Meier curve.

Cleaning of the curve (every change is one sentence in :attr:`CurveInput.notes`): percent to
fraction; sort by time, then survival descending (the upper corner of a drop before the lower);
values up to 0.05 outside [0, 1] (digitising noise) clipped; a point above an earlier one lowered
to it (running minimum: a survival curve never rises); repeated identical points dropped, and of
more than two points at one time only the highest and lowest kept (the two corners of a drop);
(0, 1) prepended where the curve does not start there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DigitisedCurve", "clean_curve", "frozen"]


@dataclass(frozen=True, eq=False)
class DigitisedCurve:
    """One arm's cleaned curve: times ascending from 0, survival (a fraction) falling from 1."""

    arm: str
    time: np.ndarray
    survival: np.ndarray


def clean_curve(
    arm: str, time: np.ndarray, survival: np.ndarray
) -> tuple[DigitisedCurve, list[str]]:
    """Sort, clip, make non-increasing, thin repeated times and start at (0, 1).

    Parameters
    ----------
    arm : str
        Arm label, for the notes.
    time, survival : numpy.ndarray
        Points as read (survival already a fraction), times >= 0.

    Returns
    -------
    DigitisedCurve, list of str
        The cleaned curve and one note per kind of change made.

    """
    notes = []
    order = np.lexsort((-survival, time))
    if np.any(order != np.arange(order.size)):
        notes.append(f"arm {arm!r}: points sorted by time")
    t, s = time[order], survival[order]
    outside = (s < 0) | (s > 1)
    if outside.any():
        notes.append(f"arm {arm!r}: {int(outside.sum())} survival value(s) clipped to [0, 1]")
        s = np.clip(s, 0.0, 1.0)
    monotone = np.minimum.accumulate(s)
    raised = s > monotone
    if raised.any():
        largest = float(np.max(s - monotone))
        notes.append(
            f"arm {arm!r}: {int(raised.sum())} point(s) above an earlier point lowered to it "
            f"(largest change {largest:.4f})"
        )
        s = monotone
    keep = _thin_repeats(t, s)
    if not keep.all():
        notes.append(
            f"arm {arm!r}: {int((~keep).sum())} repeated point(s) dropped (identical points, or "
            "middle points of more than two at one time)"
        )
        t, s = t[keep], s[keep]
    if t[0] > 0 or s[0] < 1:
        notes.append(f"arm {arm!r}: point (0, 1) added at the start")
        t, s = np.concatenate([[0.0], t]), np.concatenate([[1.0], s])
    return DigitisedCurve(arm, frozen(t), frozen(s)), notes


def _thin_repeats(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Mask keeping no exact repeat, and of each run of equal times only its first and last."""
    keep = np.r_[True, (t[1:] != t[:-1]) | (s[1:] != s[:-1])]
    kept = np.flatnonzero(keep)
    tk = t[kept]
    middle = np.r_[False, tk[1:] == tk[:-1]] & np.r_[tk[:-1] == tk[1:], False]
    keep[kept[middle]] = False
    return keep


def frozen(values: np.ndarray) -> np.ndarray:
    """A read-only float copy of ``values``."""
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out
