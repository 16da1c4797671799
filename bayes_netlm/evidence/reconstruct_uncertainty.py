"""Several plausible reconstructions of one figure: what the reconstruction cannot know.

A published figure fixes neither the censoring times within an at-risk interval nor the exact
position of each digitised point. Each plausible reconstruction therefore

1. moves every digitised point by an independent uniform error of up to ``digitising_error`` of
   each axis (survival axis 0-1; time axis 0 to the largest time of the figure), keeps times
   >= 0, and cleans the moved points again (sort, clip, running minimum, start at (0, 1));
2. reconstructs each arm with the censoring times drawn uniformly within each at-risk interval
   (sorted uniform draws) instead of spread evenly.

The draws come from one ``numpy.random.Generator`` seeded with ``seed``: the same seed gives the
same reconstructions.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from bayes_netlm.evidence.curve_cleaning import DigitisedCurve, clean_curve
from bayes_netlm.evidence.curves import CurveInput
from bayes_netlm.evidence.reconstruct import reconstruct, to_patient_frame

__all__ = ["jitter_curves", "plausible_reconstructions"]


def _jitter(
    curve: DigitisedCurve, axis: float, error: float, rng: np.random.Generator
) -> DigitisedCurve:
    time = np.maximum(curve.time + rng.uniform(-error, error, curve.time.size) * axis, 0.0)
    survival = curve.survival + rng.uniform(-error, error, curve.survival.size)
    cleaned, _ = clean_curve(curve.arm, time, np.clip(survival, 0.0, 1.0))
    return cleaned


def jitter_curves(
    data: CurveInput, digitising_error: float, rng: np.random.Generator
) -> CurveInput:
    """The figure with every digitised point moved within the digitising error, cleaned again.

    Parameters
    ----------
    data : CurveInput
        The validated figure.
    digitising_error : float
        Largest error of a point as a fraction of each axis' range (0.005 = 0.5 %).
    rng : numpy.random.Generator
        Source of the errors.

    """
    axis = max(float(curve.time[-1]) for curve in data.curves.values())
    curves = {
        arm: _jitter(curve, axis, digitising_error, rng) for arm, curve in data.curves.items()
    }
    return replace(data, curves=curves)


def plausible_reconstructions(
    data: CurveInput, n: int = 20, seed: int = 0, digitising_error: float = 0.005
) -> list[pd.DataFrame]:
    """``n`` plausible patient tables of a figure (see the module notes for how they vary).

    Parameters
    ----------
    data : CurveInput
        The validated figure (curves, at-risk tables, optional total events).
    n : int
        Number of reconstructions.
    seed : int
        Seed of the random draws; the same seed gives the same tables.
    digitising_error : float
        Largest digitising error as a fraction of each axis (0 keeps the points as read).

    Returns
    -------
    list of pandas.DataFrame
        Patient tables in the loader's schema (``id, arm, group, time, event``).

    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    rng = np.random.default_rng(seed)
    tables = []
    for _ in range(n):
        moved = jitter_curves(data, digitising_error, rng) if digitising_error > 0 else data
        tables.append(to_patient_frame(reconstruct(moved, rng=rng)))
    return tables
