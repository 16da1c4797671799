r"""How well reconstructed patients reproduce a digitised figure.

The quality report compares the reconstructed KM with every digitised point; a point counts as
on the curve when it lies between the KM's values just before and at its time (the vertical
segment of a step), otherwise its distance is to the nearer of the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayes_netlm.evidence.curve_cleaning import DigitisedCurve

__all__ = ["ArmQuality", "arm_quality", "kaplan_meier"]


@dataclass(frozen=True, eq=False)
class ArmQuality:
    """Reconstructed vs given: KM over the digitised points, numbers at risk, events."""

    n: int
    events: int
    max_abs_diff: float
    rmse: float
    at_risk_time: np.ndarray
    at_risk_given: np.ndarray
    at_risk_reconstructed: np.ndarray
    total_events_given: int | None

    def as_dict(self) -> dict[str, object]:
        """Plain values (JSON-ready)."""
        return {
            "n": self.n,
            "events": self.events,
            "total_events_given": self.total_events_given,
            "max_abs_diff": self.max_abs_diff,
            "rmse": self.rmse,
            "at_risk": [
                {"time": float(t), "given": int(g), "reconstructed": int(r)}
                for t, g, r in zip(
                    self.at_risk_time, self.at_risk_given, self.at_risk_reconstructed, strict=True
                )
            ],
        }


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Kaplan-Meier estimate: distinct event times and S just after each.

    :math:`\hat S(t) = \prod_{t_j \le t} (1 - d_j / n_j)`.
    """
    event_times, deaths = np.unique(time[event == 1], return_counts=True)
    at_risk = time.size - np.searchsorted(np.sort(time), event_times, side="left")
    return event_times, np.cumprod(1.0 - deaths / at_risk)


def _km_at(km_t: np.ndarray, km_s: np.ndarray, t: np.ndarray, left: bool) -> np.ndarray:
    index = np.searchsorted(km_t, t, side="left" if left else "right")
    return np.r_[1.0, km_s][index]


def arm_quality(
    curve: DigitisedCurve,
    time: np.ndarray,
    event: np.ndarray,
    at_time: np.ndarray,
    at_given: np.ndarray,
    total_events: int | None,
) -> ArmQuality:
    """Compare reconstructed patients with the digitised curve and the at-risk table."""
    km_t, km_s = kaplan_meier(time, event)
    before = _km_at(km_t, km_s, curve.time, left=True)
    after = _km_at(km_t, km_s, curve.time, left=False)
    s = curve.survival
    distance = np.where(s > before, s - before, np.where(s < after, after - s, 0.0))
    reproduced = time.size - np.searchsorted(np.sort(time), at_time, side="left")
    return ArmQuality(
        n=int(time.size),
        events=int(event.sum()),
        max_abs_diff=float(distance.max()),
        rmse=float(np.sqrt(np.mean(distance**2))),
        at_risk_time=at_time,
        at_risk_given=np.asarray(at_given),
        at_risk_reconstructed=reproduced,
        total_events_given=total_events,
    )
