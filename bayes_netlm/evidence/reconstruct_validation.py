"""Validation of the curve reconstruction on data sets with known patients (lifelines' own).

For each data set: draw the Kaplan-Meier curve of each group, read the corners of every drop off
it with a simulated digitising error (independent uniform errors of up to ``error`` times each
axis' range, times kept >= 0), take the numbers at risk at regular times (the printed table), then
reconstruct and compare with the original patients: Cox log hazard ratio (index vs reference),
KM medians and restricted mean survival time per group (up to the earlier of the groups' last
times). The naive comparator is the same algorithm given only the number at time 0 (no at-risk
table, no totals): all censoring then falls at the end of follow-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.datasets import load_gbsg2, load_leukemia, load_lung, load_rossi, load_waltons
from lifelines.utils import restricted_mean_survival_time

from bayes_netlm.evidence.curves import load_curve_input
from bayes_netlm.evidence.reconstruct import reconstruct, to_patient_frame
from bayes_netlm.evidence.reconstruct_quality import kaplan_meier

__all__ = ["DATASETS", "ValidationSet", "digitise", "validate", "validation_table"]


@dataclass(frozen=True)
class ValidationSet:
    """A two-group survival data set: loader, columns and the index group's label."""

    name: str
    load: Callable[[], pd.DataFrame]
    time: str
    event: str
    group: str
    index_level: object

    def patients(self) -> pd.DataFrame:
        """The data as ``arm, time, event`` with arm ``index`` / ``reference``."""
        frame = self.load()
        arm = np.where(frame[self.group] == self.index_level, "index", "reference")
        return pd.DataFrame(
            {"arm": arm, "time": frame[self.time].astype(float), "event": frame[self.event]}
        )


DATASETS = (
    ValidationSet("rossi", load_rossi, "week", "arrest", "fin", 1),
    ValidationSet("gbsg2", load_gbsg2, "time", "cens", "horTh", "yes"),
    ValidationSet("lung", load_lung, "time", "status", "sex", 2),
    ValidationSet("waltons", load_waltons, "T", "E", "group", "miR-137"),
    ValidationSet("leukemia", load_leukemia, "t", "status", "Rx", 1),
)


def digitise(
    patients: pd.DataFrame, rng: np.random.Generator, error: float = 0.005, n_times: int = 8
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated digitised curve and printed at-risk table of every arm.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``arm,time,survival`` points (both corners of each drop and the curve's end, with error)
        and ``arm,time,n_at_risk`` at ``n_times`` regular times from 0 (exact counts).

    """
    axis = float(patients["time"].max())
    step = axis / n_times
    curves, tables = [], []
    for arm, group in patients.groupby("arm", sort=False):
        time, event = group["time"].to_numpy(), group["event"].to_numpy()
        km_t, km_s = kaplan_meier(time, event)
        upper = np.r_[1.0, km_s[:-1]]
        t = np.r_[np.repeat(km_t, 2), time.max()]
        s = np.r_[np.column_stack([upper, km_s]).ravel(), km_s[-1] if km_s.size else 1.0]
        t = np.maximum(t + rng.uniform(-error, error, t.size) * axis, 0.0)
        s = s + rng.uniform(-error, error, s.size)
        curves.append(pd.DataFrame({"arm": arm, "time": t, "survival": s}))
        grid = np.arange(0.0, time.max(), step)
        at_risk = time.size - np.searchsorted(np.sort(time), grid, side="left")
        tables.append(pd.DataFrame({"arm": arm, "time": grid, "n_at_risk": at_risk}))
    return pd.concat(curves, ignore_index=True), pd.concat(tables, ignore_index=True)


def summaries(patients: pd.DataFrame, horizon: float) -> dict[str, float]:
    """Cox log HR (index vs reference), KM median and RMST up to ``horizon`` per arm."""
    frame = pd.DataFrame(
        {
            "time": patients["time"],
            "event": patients["event"],
            "index": (patients["arm"] == "index").astype(float),
        }
    )
    cox = CoxPHFitter().fit(frame, "time", "event")
    result = {"log_hr": float(cox.params_["index"])}
    for arm in ("index", "reference"):
        group = patients[patients["arm"] == arm]
        km = KaplanMeierFitter().fit(group["time"], group["event"])
        result[f"median_{arm}"] = float(km.median_survival_time_)
        result[f"rmst_{arm}"] = float(restricted_mean_survival_time(km, t=horizon))
    return result


def _relative(new: float, old: float) -> float:
    return abs(new - old) / old if np.isfinite(old) and np.isfinite(new) else float("nan")


def validate(
    data: ValidationSet, seed: int, error: float = 0.005, naive: bool = False
) -> dict[str, object]:
    """Reconstruct one data set from its simulated figure and compare with the original."""
    original = data.patients()
    curve, at_risk = digitise(original, np.random.default_rng(seed), error)
    if naive:
        at_risk = at_risk[at_risk["time"] == 0]
    rebuilt = to_patient_frame(reconstruct(load_curve_input(curve, at_risk)))
    horizon = float(original.groupby("arm")["time"].max().min())
    old, new = summaries(original, horizon), summaries(rebuilt, horizon)
    row: dict[str, object] = {
        "data": data.name,
        "method": "naive" if naive else "guyot",
        "n": len(original),
        "abs_dlog_hr": abs(new["log_hr"] - old["log_hr"]),
    }
    for arm in ("index", "reference"):
        row[f"median_rel_err_{arm}"] = _relative(new[f"median_{arm}"], old[f"median_{arm}"])
        row[f"rmst_rel_err_{arm}"] = _relative(new[f"rmst_{arm}"], old[f"rmst_{arm}"])
    return row


def validation_table(seed: int = 1, error: float = 0.005) -> pd.DataFrame:
    """Guyot and naive reconstruction of every data set in :data:`DATASETS`, one row each."""
    rows = [validate(data, seed, error, naive) for data in DATASETS for naive in (False, True)]
    return pd.DataFrame(rows)
