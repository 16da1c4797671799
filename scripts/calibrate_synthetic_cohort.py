"""Search the seeds of the synthetic cohort so its own tests reproduce the published ones.

The search rule (also in the docstring of ``bayes_netlm/evidence/synthetic.py``): keep every
generating parameter and the ``base`` seed fixed; over ``cystic_os`` = 0, 1, ... and, within each,
``control_os`` = 0, 1, ..., take the first pair meeting every OS target; then the same over
``cystic_pfs`` and ``control_pfs`` with the chosen OS seeds. A target is met when each
Kaplan-Meier median is within 10 % of the published one and each log-rank p within 0.05 (matched:
the project's propensity matching with 1/k within-set weights, weighted KM and log-rank). The
search is bounded by ``--max-seed`` for each stream and stops at the first hit.

Usage: .venv/bin/python scripts/calibrate_synthetic_cohort.py [--max-seed N]
Prints the chosen seeds and every target beside the cohort's value; copy the seeds into
``DEFAULT_SEEDS`` and rerun ``scripts/make_synthetic_cohort.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from bayes_netlm.analyses.frequentist import kaplan_meier_medians, logrank
from bayes_netlm.analyses.matching import matched_cohort
from bayes_netlm.evidence.patients import SurvivalData, load_survival
from bayes_netlm.evidence.published import load_published
from bayes_netlm.evidence.synthetic import (
    DEFAULT_SEEDS,
    MATCH_CALIPER,
    MATCH_ON,
    MATCH_RATIO,
    TOLERANCES,
    CohortSeeds,
    draw_baseline,
    draw_outcomes,
)

BASE_START = 20250101
PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "ammann2025.toml"


def km_median(time: np.ndarray, event: np.ndarray, weight: np.ndarray) -> float:
    """Weighted Kaplan-Meier median: the first time with S(t) <= 0.5 (inf if none), as lifelines."""
    distinct, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=weight * event, minlength=len(distinct))
    leaving = np.bincount(inverse, weights=weight, minlength=len(distinct))
    at_risk = leaving[::-1].cumsum()[::-1]
    survival = np.cumprod(1.0 - deaths / at_risk)
    below = np.flatnonzero(survival <= 0.5)
    return float(distinct[below[0]]) if len(below) else float("inf")


def logrank_p(time: np.ndarray, event: np.ndarray, index: np.ndarray, weight: np.ndarray) -> float:
    """Weighted log-rank p: counts are weight sums (the hypergeometric variance, as lifelines)."""
    distinct, inverse = np.unique(time, return_inverse=True)

    def reverse_cumsum(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=len(distinct))[::-1].cumsum()[::-1]

    def per_time(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=len(distinct))

    n, n1 = reverse_cumsum(weight), reverse_cumsum(weight * index)
    d, d1 = per_time(weight * event), per_time(weight * event * index)
    keep = d > 0
    n, n1, d, d1 = n[keep], n1[keep], d[keep], d1[keep]
    share = n1 / n
    factor = np.divide(n - d, n - 1, out=np.zeros_like(n), where=n > 1)
    variance = float(np.sum(d * share * (1 - share) * factor))
    statistic = float(np.sum(d1 - d * share)) ** 2 / variance
    return float(stats.chi2.sf(statistic, df=1))


class Evaluator:
    """The cohort's medians and log-rank p-values, full and matched, against the published ones.

    The matching depends on the covariates only, so it is computed once for the baseline and
    reused for every set of outcome seeds.
    """

    def __init__(self, baseline: pd.DataFrame) -> None:
        frame = draw_outcomes(baseline, DEFAULT_SEEDS)
        self.template = load_survival(
            frame, time="os_time", event="os_event", group="group", covariates=list(MATCH_ON)
        )
        matched, _ = matched_cohort(self.template, MATCH_RATIO, MATCH_CALIPER)
        positions = {pid: row for row, pid in enumerate(self.template.ids)}
        self.rows = np.array([positions[pid] for pid in matched.ids])
        self.weights = matched.weights
        self.targets = {s.name: s for s in load_published(PUBLISHED).survival}

    def cohort(self, frame: pd.DataFrame, endpoint: str, cohort: str) -> SurvivalData:
        time = frame[f"{endpoint}_time"].to_numpy(dtype=float)
        event = frame[f"{endpoint}_event"].to_numpy(dtype=np.int64)
        full = dataclasses.replace(self.template, time=time, event=event)
        if cohort == "full":
            return full
        return dataclasses.replace(
            full,
            time=time[self.rows],
            event=event[self.rows],
            index=full.index[self.rows],
            covariates=full.covariates.iloc[self.rows].reset_index(drop=True),
            ids=full.ids[self.rows],
            weights=self.weights,
        )

    def misses(self, frame: pd.DataFrame, names: tuple[str, ...], exact: bool = True) -> list[str]:
        """The targets among ``names`` (e.g. "os_full") the cohort misses, described.

        ``exact``: lifelines (:mod:`bayes_netlm.analyses.frequentist`); otherwise the numpy screen
        :func:`km_median` and :func:`logrank_p`, which agree with it and are 100 times faster.
        """
        out = []
        for name in names:
            target = self.targets[name]
            data = self.cohort(frame, target.endpoint, target.cohort)
            if exact:
                medians = kaplan_meier_medians(data)["median"].to_numpy()
                p = logrank(data)
            else:
                medians = np.array([_group_median(data, flag) for flag in (1, 0)])
                p = logrank_p(data.time, data.event, data.index, data.weights)
            published = np.array([target.median_index, target.median_reference])
            relative = np.abs(medians - published) / published
            if not (relative <= TOLERANCES["median_relative"]).all():
                out.append(f"{name} medians {medians.round(2)} vs {published}")
            if abs(p - target.p_value) > TOLERANCES["p_absolute"]:
                out.append(f"{name} p {p:.3f} vs {target.p_value}")
        return out


def _group_median(data: SurvivalData, flag: int) -> float:
    rows = data.index == flag
    return km_median(data.time[rows], data.event[rows], data.weights[rows])


def choose_base(start: int, limit: int) -> tuple[int, pd.DataFrame]:
    """First base seed from ``start`` whose solid OS and PFS KM medians are within 5 % (half the
    tolerance, leaving room for the controls' redraw) of the published 10.6 and 1.78 years."""
    for seed in range(start, start + limit):
        baseline = draw_baseline(seed)
        solid = (baseline["group"] == "solid").to_numpy()
        censor = baseline["censor"].to_numpy()[solid]
        ok = True
        for column, published in (("death", 10.6), ("progression", 1.78)):
            latent = baseline[column].to_numpy()[solid]
            if column == "progression":
                censor = np.minimum(censor, baseline["death"].to_numpy()[solid])
            median = km_median(
                np.minimum(latent, censor), (latent <= censor) * 1.0, np.ones(len(latent))
            )
            ok &= abs(median - published) <= 0.05 * published
        if ok:
            return seed, baseline
    raise SystemExit(f"no base seed in [{start}, {start + limit}) meets the solid medians")


def search(
    evaluator: Evaluator, baseline: pd.DataFrame, seeds: CohortSeeds, endpoint: str, limit: int
) -> CohortSeeds:
    """First (cystic, control) seed pair of ``endpoint`` meeting its full and matched targets."""
    names = (f"{endpoint}_full", f"{endpoint}_matched")
    cystic_key, control_key = f"cystic_{endpoint}", f"control_{endpoint}"
    for cystic in range(limit):
        # Screen: the cystic medians depend on the cystic seed alone.
        frame = draw_outcomes(baseline, dataclasses.replace(seeds, **{cystic_key: cystic}))
        if not _cystic_medians_ok(evaluator, frame, names):
            continue
        for control in range(limit):
            trial = dataclasses.replace(seeds, **{cystic_key: cystic, control_key: control})
            frame = draw_outcomes(baseline, trial)
            if not evaluator.misses(frame, names, exact=False) and not evaluator.misses(
                frame, names
            ):
                return trial
    raise SystemExit(f"no {endpoint} seeds below {limit} meet the targets")


def _cystic_medians_ok(evaluator: Evaluator, frame: pd.DataFrame, names: tuple[str, ...]) -> bool:
    for name in names:
        target = evaluator.targets[name]
        median = _group_median(evaluator.cohort(frame, target.endpoint, target.cohort), 1)
        if abs(median - target.median_index) > TOLERANCES["median_relative"] * target.median_index:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-seed", type=int, default=3000)
    args = parser.parse_args()
    base, baseline = choose_base(BASE_START, args.max_seed)
    evaluator = Evaluator(baseline)
    seeds = CohortSeeds(base=base)
    print(f"base: {base}", flush=True)
    seeds = search(evaluator, baseline, seeds, "os", args.max_seed)
    print(f"OS: {seeds}", flush=True)
    seeds = search(evaluator, baseline, seeds, "pfs", args.max_seed)
    print(f"chosen: {seeds}")
    misses = evaluator.misses(draw_outcomes(baseline, seeds), tuple(evaluator.targets))
    print("all targets met" if not misses else f"still missed: {misses}")


if __name__ == "__main__":
    main()
