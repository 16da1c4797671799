"""Time `bayes-netlm run` cold and warm, beside the same runs of a baseline revision, as ratios.

The baseline is the code of a git revision (``BENCH_BASELINE``, default ``5528e79``: main just
before the first speed work was merged, the run issue 11 timed at 50-60 s, with no compile cache
so cold and warm alike; ``e655db4``, main before the issue's second round, was the baseline of
earlier notes), unpacked with ``git archive`` into a temporary folder and run with this
environment's Python and packages.
Both sides run in fresh processes from this one, interleaved (baseline cold, new cold, baseline
warm, new warm) so that load from other work on the 2 cores affects them alike; each side has its
own new cache folder (``BAYES_NETLM_CACHE_DIR``): cold = empty, warm = the second run. Wall and
CPU time (user + system of the child) are printed, and every run's fits must have converged.

Targets (issue 11): warm <= 15 s, cold <= 30 s on 2 quiet cores. The machine's speed varies a lot
between days (e655db4's warm run took 28 s to 90 s), so the targets are also printed as fractions
of the issue's 50-60 s run (warm 0.25-0.30, cold 0.50-0.60), to compare with ``new / baseline``
when the baseline is that run's code.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the code and the time of the run issue 11 measured (seconds, on its day's machine)
ISSUE_BASELINE, ISSUE_RUN = "5528e79", (50.0, 60.0)
BASELINE = os.environ.get("BENCH_BASELINE", ISSUE_BASELINE)
TARGETS = {"cold": 30.0, "warm": 15.0}


def timed_run(code: Path, out: Path, cache: Path, old_code: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds of one ``run`` of the code in ``code``, in a fresh process.

    Code older than the cache folder keeps PyTensor's compiled C in ``~/.pytensor``; for the
    baseline (``old_code``) it is pointed into ``cache`` as well, so that its cold run is cold too.
    """
    env = {**os.environ, "PYTHONPATH": str(code), "BAYES_NETLM_CACHE_DIR": str(cache)}
    if old_code:
        flag = f"base_compiledir={cache / 'pytensor'}"
        given = env.get("PYTENSOR_FLAGS")
        env["PYTENSOR_FLAGS"] = f"{given},{flag}" if given else flag
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", "run", "--out", str(out), "--quiet"],
        check=True,
        cwd=code,
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if "all fits converged" not in result.stdout:
        raise SystemExit(f"run of {code} did not converge: {result.stdout.strip()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def unpack(revision: str, target: Path) -> bool:
    """The baseline's files from git into ``target``; False if git cannot give them."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=ROOT, capture_output=True
    )
    if archive.returncode != 0:
        return False
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return True


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = folder / "baseline"
        has_baseline = unpack(BASELINE, baseline)
        if not has_baseline:
            print(f"baseline {BASELINE} not found in git: new runs only")
        times: dict[tuple[str, str], tuple[float, float]] = {}
        for state in ("cold", "warm"):
            if has_baseline:
                times[("baseline", state)] = timed_run(
                    baseline, folder / f"b-{state}", folder / "cache-baseline", old_code=True
                )
            times[("new", state)] = timed_run(ROOT, folder / f"n-{state}", folder / "cache-new")
    for state, target in TARGETS.items():
        wall, cpu = times[("new", state)]
        line = f"run {state}: {wall:6.1f} s wall ({cpu:6.1f} s CPU); target {target:.0f} s"
        if BASELINE.startswith(ISSUE_BASELINE):
            low, high = (target / t for t in reversed(ISSUE_RUN))
            line += f" = {low:.2f}-{high:.2f} of the issue's run"
        if ("baseline", state) in times:
            old_wall, old_cpu = times[("baseline", state)]
            line += (
                f"; baseline {BASELINE} {old_wall:6.1f} s wall ({old_cpu:6.1f} s CPU); "
                f"new / baseline = {wall / old_wall:.2f} wall, {cpu / old_cpu:.2f} CPU"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
