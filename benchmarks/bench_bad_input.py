"""Time from start to answer for bad input, as a user runs the command (a fresh process each).

Each case is a new ``python -m bayes_netlm.cli`` process, so the time includes the interpreter start
and every import; the best of ``REPEATS`` runs is printed with the exit status and whether the
message was one line. Target (issues 10 and 11): every bad input answered in under 1 s with exit
status 2, and every ``--help`` in under 1 s with exit status 0.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3
CASES = {
    "hr tiny prior SD": ["hr", "--hr", "0.7", "--p", "0.05", "--prior", "normal:0,1e-300"],
    "hr --ci with --p": ["hr", "--hr", "0.7", "--ci", "0.5", "0.9", "--p", "0.05"],
    "hr bad CI": ["hr", "--hr", "0.8", "--ci", "0.9", "1.3"],
    "run --seed -1": ["run", "--seed", "-1"],
    "run --out under a file": ["run", "--out", "/etc/hostname/results"],
    "rates 13/12": ["rates", "--index", "a", "13/12", "--reference", "b", "3/12"],
    "survival missing file": [
        "survival",
        "--data",
        "no.csv",
        "--time",
        "t",
        "--event",
        "e",
        "--group",
        "g",
    ],
    "sensitivity --grid nan:0.2": ["sensitivity", "--grid", "nan:0.2"],
    "sensitivity narrow statement": ["sensitivity", "--prior", "hr:0.99999-1.00001@95%"],
}

HELP = {
    "--help": ["--help"],
    "run --help": ["run", "--help"],
    "survival --help": ["survival", "--help"],
    "calibrate --help": ["calibrate", "--help"],
}


def time_case(args: list[str], cwd: str) -> tuple[float, int, int]:
    """Best wall time of ``REPEATS`` runs, the exit status and the number of stderr lines."""
    best = float("inf")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "bayes_netlm.cli", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            check=False,
        )
        best = min(best, time.perf_counter() - start)
    return best, result.returncode, len(result.stderr.strip().splitlines())


def main() -> None:
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        print(f"{'bare python start':<36} {time.perf_counter() - start:6.2f} s")
        for name, args in CASES.items():
            seconds, status, lines = time_case(args, cwd)
            flag = "" if seconds < 1 and status == 2 and lines == 1 else "   <-- over target"
            print(f"{name:<36} {seconds:6.2f} s  exit {status}  {lines} line(s){flag}")
        for name, args in HELP.items():
            seconds, status, _ = time_case(args, cwd)
            flag = "" if seconds < 1 and status == 0 else "   <-- over target"
            print(f"{name:<36} {seconds:6.2f} s  exit {status}{flag}")


if __name__ == "__main__":
    main()
