"""`bayes-netlm survival` on many patients: the bundled cohort resampled to 10^4, 10^5, 10^6 rows.

Per size the resampled cohort is written to a CSV file and the command a user would type is timed
end to end in a fresh process (reading and checking the file, collapsing identical rows into
weights, the Weibull fit with its compile cache warm, lifelines beside it, the printed result),
with the time per row. Beside it, lifelines alone on the same uncollapsed rows in this process
(Kaplan-Meier per group, log-rank, Cox): the ratio is ours / lifelines. lifelines' Cox on tied
rows grows steeply (measured here at 10^6 rows: see the closing note of issue 11), so its column
is measured up to ``LIFELINES_MAX_ROWS`` rows (environment, default 10^6).

``--continuous`` jitters every time (no two rows equal) at 10^5 rows: data that cannot collapse
are fitted row by row, and the command reports the sampler's progress every few seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test

ROOT = Path(__file__).resolve().parent.parent
LIFELINES_MAX_ROWS = int(os.environ.get("LIFELINES_MAX_ROWS", "1000000"))
COMMAND = ["--time", "os_time", "--event", "os_event", "--group", "group", "--index-level"]
COMMAND += ["cystic", "--json"]


def lifelines_alone(frame: pd.DataFrame) -> float:
    """Seconds for KM per group, log-rank and Cox on the rows as they are."""
    start = time.perf_counter()
    index = (frame["group"] == "cystic").to_numpy()
    time_, event = frame["os_time"], frame["os_event"]
    KaplanMeierFitter().fit(time_[index], event[index])
    KaplanMeierFitter().fit(time_[~index], event[~index])
    logrank_test(time_[index], time_[~index], event[index], event[~index])
    cox = pd.DataFrame({"t": time_, "e": event, "g": index.astype(float)})
    CoxPHFitter().fit(cox, "t", "e")
    return time.perf_counter() - start


def survival_command(path: Path) -> float:
    """Wall seconds of ``bayes-netlm survival`` on ``path`` in a fresh process."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", "survival", "--data", str(path), *COMMAND],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return time.perf_counter() - start


def main() -> None:
    continuous = "--continuous" in sys.argv
    cohort = pd.read_csv(ROOT / "data" / "synthetic_cohort.csv")
    rng = np.random.default_rng(11)
    sizes = [100_000] if continuous else [10_000, 100_000, 1_000_000]
    # the first call compiles for the collapsed row count; later sizes reuse the cache
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.csv"
        cohort.to_csv(warm, index=False)
        survival_command(warm)
        for n in sizes:
            frame = cohort.iloc[rng.integers(0, len(cohort), n)].reset_index(drop=True)
            frame["id"] = np.arange(n)
            if continuous:
                frame["os_time"] = frame["os_time"] * rng.uniform(0.999, 1.001, n)
            path = Path(tmp) / f"cohort_{n}.csv"
            frame.to_csv(path, index=False)
            ours = survival_command(path)
            alone = lifelines_alone(frame) if n <= LIFELINES_MAX_ROWS else float("nan")
            print(
                f"{n:>9} rows{' (continuous times)' if continuous else ''}: bayes-netlm survival "
                f"{ours:6.1f} s ({1e6 * ours / n:7.2f} us/row); lifelines alone (KM, log-rank, "
                f"Cox) {alone:7.1f} s; ours / lifelines = {ours / alone:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
