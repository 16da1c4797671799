"""A synthetic cohort shaped like the published one: illustrative only, not the study's patients.

Ammann et al. (2025) report medians, percentages and p-values, not patient data. This module draws a
cohort of 12 cystic and 452 solid patients in the study layout (``data/DATA_DICTIONARY.md``) so the
patient-level pipeline can be run, tested and demonstrated end to end. Nothing in it is evidence
about cystic NETLM; every number below is a modelling choice stated here.

Generating process, per patient of a group (parameters are the module constants):

- Resection (study entry) uniform on calendar years [2000, 2021), i.e. 2000-01-01 to 2020-12-31.
  Administrative censoring at the end of 2022 (:data:`ADMINISTRATIVE_CENSORING`), so potential
  follow-up is 2 to 23 years; independent exponential loss to follow-up at
  :data:`LOSS_TO_FOLLOW_UP_RATE` per year. Censoring time C = min(2023 - entry, loss).
- Death time D ~ Weibull(shape k, scale lambda) with S(t) = exp(-(t / lambda)^k); the scale is
  chosen from the target median m as lambda = m / ln(2)^(1/k), so the *true* medians are exactly
  13.8 y (cystic) and 10.6 y (solid) with a common shape (proportional hazards for OS). With this
  follow-up the observed Kaplan-Meier median of the small cystic group is often not reached.
- Hepatic progression time P ~ Weibull likewise, independent of D: cystic shape 0.6 (a falling
  hazard: early apparent progression, true median 0.71 y), solid shape 1.0 (true median 1.78 y).
  The hazards cross, so hepatic PFS is deliberately *not* proportional-hazards.
- Observed: ``os_time`` = min(D, C), ``os_event`` = [D <= C]; ``pfs_time`` = min(P, D, C),
  ``pfs_event`` = [P <= min(D, C)]: hepatic progression is the event and death without it censors.
  Times are rounded up to the next 0.001 year (about 9 hours), so none is zero.
- Survival does not depend on the covariates. Binary baseline characteristics hit exact counts in
  both groups (the cystic counts are the ones the percentages of 12 pin down; the solid counts are
  the reported percentages of 452, rounded), assigned to patients by random permutation. Age is
  normal with the group mean exactly as reported (before rounding to 0.1 y); metastasis size is
  log-normal rescaled to the reported group mean; Ki-67 (not reported) is log-normal with median
  3 % in both groups; primary site is small bowel in 8/12 and 294/452 (65 %, assumed).
- Rows are shuffled and given ids P001..P464; there is no ``matched_set`` column (matching is done
  by propensity score elsewhere).

The same seed always gives the identical frame; ``data/synthetic_cohort.csv`` is the default seed's
output, written by ``scripts/make_synthetic_cohort.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_netlm.evidence.patients import STUDY_COLUMNS

__all__ = [
    "ACCRUAL_END",
    "ACCRUAL_START",
    "ADMINISTRATIVE_CENSORING",
    "AGE_SD",
    "CYSTIC",
    "DEFAULT_SEED",
    "KI67_LOG_SD",
    "KI67_MEDIAN",
    "LOSS_TO_FOLLOW_UP_RATE",
    "SIZE_LOG_SD",
    "SOLID",
    "GroupSpec",
    "WeibullSpec",
    "make_synthetic_cohort",
]

DEFAULT_SEED = 20250101
ACCRUAL_START = 2000.0  # decimal calendar year: 2000-01-01
ACCRUAL_END = 2021.0  # exclusive: resections up to 2020-12-31
ADMINISTRATIVE_CENSORING = 2023.0  # end of 2022
LOSS_TO_FOLLOW_UP_RATE = 0.02  # per year
AGE_SD = 11.0  # years
SIZE_LOG_SD = 0.5  # log-normal sigma of metastasis size
KI67_MEDIAN = 3.0  # %
KI67_LOG_SD = 0.8
_TIME_RESOLUTION = 1000  # times rounded up to 1/1000 year


@dataclass(frozen=True)
class WeibullSpec:
    """A Weibull time-to-event distribution given by its shape and its true median.

    S(t) = exp(-(t / scale)^shape), with scale = median / ln(2)^(1/shape).

    Parameters
    ----------
    shape : float
        Weibull shape k (k < 1: falling hazard, k = 1: exponential, k > 1: rising hazard).
    median : float
        True median survival time, years.

    """

    shape: float
    median: float

    @property
    def scale(self) -> float:
        """Weibull scale lambda, years: the time by which 63.2 % have had the event."""
        return float(self.median / np.log(2.0) ** (1.0 / self.shape))


@dataclass(frozen=True)
class GroupSpec:
    """Generating parameters of one group.

    Parameters
    ----------
    label : str
        Group label written to the ``group`` column.
    n : int
        Number of patients.
    os : WeibullSpec
        Time to death.
    pfs : WeibullSpec
        Time to hepatic progression.
    counts : Mapping[str, int]
        Exact number of patients with value 1 for each binary column (``male``, ``synchronous``,
        ``bilobar``, ``extrahepatic``) and of small-bowel primaries (``small_bowel``).
    age_mean : float
        Mean age, years (the sample mean is set to it exactly).
    size_mean_cm : float
        Mean size of metastases, cm (the sample mean is set to it exactly).

    """

    label: str
    n: int
    os: WeibullSpec
    pfs: WeibullSpec
    counts: Mapping[str, int]
    age_mean: float
    size_mean_cm: float


_BINARY = ("male", "synchronous", "bilobar", "extrahepatic")

CYSTIC = GroupSpec(
    label="cystic",
    n=12,
    os=WeibullSpec(shape=1.3, median=13.8),
    pfs=WeibullSpec(shape=0.6, median=0.71),
    counts={"male": 7, "synchronous": 11, "bilobar": 10, "extrahepatic": 1, "small_bowel": 8},
    age_mean=55.4,
    size_mean_cm=7.3,
)
SOLID = GroupSpec(
    label="solid",
    n=452,
    os=WeibullSpec(shape=1.3, median=10.6),
    pfs=WeibullSpec(shape=1.0, median=1.78),
    # 51 %, 77 %, 79 %, 18 % and 65 % of 452, rounded.
    counts={
        "male": 231,
        "synchronous": 348,
        "bilobar": 357,
        "extrahepatic": 81,
        "small_bowel": 294,
    },
    age_mean=59.7,
    size_mean_cm=3.8,
)


def make_synthetic_cohort(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Draw the synthetic cohort (see the module docstring for the generating process).

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives an identical frame.

    Returns
    -------
    pandas.DataFrame
        One row per patient (12 cystic, 452 solid) with the study-layout columns ``id``, ``group``,
        ``os_time``, ``os_event``, ``pfs_time``, ``pfs_event``, ``age``, ``male``, ``ki67``,
        ``synchronous``, ``bilobar``, ``extrahepatic``, ``size_cm``, ``primary_site``, sorted by id.

    """
    rng = np.random.default_rng(seed)
    frame = pd.concat([_draw_group(spec, rng) for spec in (CYSTIC, SOLID)], ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame.insert(0, "id", [f"P{row:03d}" for row in range(1, len(frame) + 1)])
    columns = [spec.name for spec in STUDY_COLUMNS if spec.name in frame.columns]
    return frame[columns]


def _draw_group(spec: GroupSpec, rng: np.random.Generator) -> pd.DataFrame:
    """Draw one group's patients, in a fixed order of random draws."""
    n = spec.n
    columns: dict[str, np.ndarray] = {
        name: _exact_count(spec.counts[name], n, rng) for name in _BINARY
    }
    small_bowel = _exact_count(spec.counts["small_bowel"], n, rng)
    z = rng.standard_normal(n)
    size = rng.lognormal(0.0, SIZE_LOG_SD, n)
    ki67 = rng.lognormal(np.log(KI67_MEDIAN), KI67_LOG_SD, n)
    entry = rng.uniform(ACCRUAL_START, ACCRUAL_END, n)
    loss = rng.exponential(1.0 / LOSS_TO_FOLLOW_UP_RATE, n)
    death = spec.os.scale * rng.weibull(spec.os.shape, n)
    progression = spec.pfs.scale * rng.weibull(spec.pfs.shape, n)

    censor = np.minimum(ADMINISTRATIVE_CENSORING - entry, loss)
    return pd.DataFrame(
        {
            "group": spec.label,
            "os_time": _round_up(np.minimum(death, censor)),
            "os_event": (death <= censor).astype(np.int64),
            "pfs_time": _round_up(np.minimum(progression, np.minimum(death, censor))),
            "pfs_event": (progression <= np.minimum(death, censor)).astype(np.int64),
            "age": np.round(spec.age_mean + AGE_SD * (z - z.mean()), 1),
            "ki67": np.round(ki67, 1),
            "size_cm": np.round(size * spec.size_mean_cm / size.mean(), 1),
            "primary_site": np.where(small_bowel == 1, "small_bowel", "pancreas"),
            **columns,
        }
    )


def _exact_count(count: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """0/1 values with exactly ``count`` ones among ``n``, in random order."""
    return rng.permutation(np.repeat(np.array([1, 0], dtype=np.int64), [count, n - count]))


def _round_up(times: np.ndarray) -> np.ndarray:
    return np.ceil(times * _TIME_RESOLUTION) / _TIME_RESOLUTION
