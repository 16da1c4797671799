"""Time `bayes-netlm run` with a cold and a warm compile cache, in one process, and print ratios.

Cold: PyTensor's compile cache (~/.pytensor) is emptied first; JAX keeps no disk cache by default.
Targets: the published-numbers run under 30 s (issue 2), with the Weibull survival analysis under
45 s (issue 3), with the default prior-sensitivity sweep under 60 s (issue 4); the run now does all
three, so the 60 s target is the one that applies to it.
"""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


def timed_run(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", "run", "--out", str(out)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.rmtree(Path.home() / ".pytensor", ignore_errors=True)
        cold = timed_run(Path(tmp) / "cold")
        warm = timed_run(Path(tmp) / "warm")
    print(
        f"run, cold compile cache: {cold:6.1f} s  (target {TARGET_SECONDS:.0f} s: "
        f"{cold / TARGET_SECONDS:.2f} x target)"
    )
    print(f"run, warm compile cache: {warm:6.1f} s  (cold / warm = {cold / warm:.2f})")


if __name__ == "__main__":
    main()
