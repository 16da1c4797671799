"""Time `bayes-netlm run` cold and warm, today's configuration beside the new one, as ratios.

All four runs happen in this one process, one after the other, so machine load (other work on the
2 cores) affects both sides alike; wall time and CPU time (user + system of the child) are printed.

- new: the project's compile caches on (``BAYES_NETLM_CACHE_DIR`` = a fresh temporary folder);
  cold = that folder empty, warm = the second run.
- today: the caches off (``BAYES_NETLM_CACHE_DIR=off``): JAX keeps nothing between runs and
  PyTensor uses a fresh ``base_compiledir`` (cold) that the warm run then reuses, which is what the
  toolkit did before issue 11 (PyTensor's own cache in ``~/.pytensor``). The number of fits is the
  same in both configurations.

Targets (issue 11): warm <= 15 s, cold <= 30 s on 2 quiet cores.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_run(out: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``run`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", "run", "--out", str(out), "--quiet"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        today = {
            "BAYES_NETLM_CACHE_DIR": "off",
            "PYTENSOR_FLAGS": f"base_compiledir={folder / 'today-pytensor'}",
        }
        new = {"BAYES_NETLM_CACHE_DIR": str(folder / "cache")}
        times = {
            ("today", "cold"): timed_run(folder / "a", today),
            ("today", "warm"): timed_run(folder / "b", today),
            ("new", "cold"): timed_run(folder / "c", new),
            ("new", "warm"): timed_run(folder / "d", new),
        }
    for state, target in (("cold", 30.0), ("warm", 15.0)):
        (old_wall, old_cpu), (wall, cpu) = times[("today", state)], times[("new", state)]
        print(
            f"run {state}: {wall:6.1f} s wall ({cpu:6.1f} s CPU); today {old_wall:6.1f} s wall "
            f"({old_cpu:6.1f} s CPU); new / today = {wall / old_wall:.2f} wall, "
            f"{cpu / old_cpu:.2f} CPU; target {target:.0f} s"
        )


if __name__ == "__main__":
    main()
