"""The real ``bayes-netlm run`` under faults: killed at random moments, and a second run meanwhile.

Slow (each run is stopped part-way, after up to 20 s of work or as it starts writing): the
complete-run cases are covered by the small writer of ``test_robustness_outputs.py``, which goes
through the same results folder code.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bayes_netlm.reporting.outputs import MARKER, results_folder

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def start_run(out: Path) -> subprocess.Popen:
    # A child of a non-interactive shell may inherit SIGINT ignored; a user's run does not. The
    # handler is restored in the child itself: a preexec_fn would fork this (JAX-loaded) process.
    code = (
        "import signal, sys, runpy; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"sys.argv = ['bayes-netlm', 'run', '--out', {str(out)!r}]; "
        "runpy.run_module('bayes_netlm.cli', run_name='__main__')"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"},
    )


def staging(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if p.is_dir() and ".staging-" in p.name]


def wait_for_staging(out: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Until the run holds the folder's lock and has made its staging folder."""
    start = time.time()
    while not staging(out):
        assert proc.poll() is None, proc.communicate()
        assert time.time() - start < timeout
        time.sleep(0.2)


def previous_results(out: Path) -> None:
    with results_folder(out) as folder:
        folder.text("report.html", "previous")


#: the run's last stage: it writes the results folder and swaps it in
LAST_STAGE = "writing posteriors and the report"


def stop_at_random_moment(proc: subprocess.Popen, sig: int, seconds: float) -> str:
    """Send ``sig`` after ``seconds``, or as soon as the run starts its last stage if sooner.

    A run on a fast machine can finish within the random delay (and exit 0): the cap keeps
    every stop inside the run, and stops the late ones while it writes. Returns its stderr.
    """
    lines: list[str] = []
    last_stage = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if LAST_STAGE in line:
                last_stage.set()

    reader = threading.Thread(target=read)
    reader.start()
    last_stage.wait(timeout=seconds)
    proc.send_signal(sig)
    proc.wait(timeout=120)
    reader.join(timeout=120)
    proc.communicate(timeout=120)  # the rest of standard output; closes both pipes
    return "".join(lines)


def test_run_killed_at_random_moments_keeps_previous_results(tmp_path):
    out = tmp_path / "results"
    previous_results(out)
    rng = random.Random(7)
    for sig, status in [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -9)]:
        proc = start_run(out)
        wait_for_staging(out, proc)
        err = stop_at_random_moment(proc, sig, rng.uniform(0, 20))
        assert proc.returncode == status, err
        assert (out / "report.html").read_text() == "previous"
        assert (out / MARKER).is_file()
        if sig != signal.SIGKILL:
            assert "Traceback" not in err
            assert err.strip().splitlines()[-1] == (
                "bayes-netlm run: interrupted, nothing written; previous results left as they were"
            )
            assert staging(out) == []
    assert len(staging(out)) == 1  # what the SIGKILL left
    previous_results(out)  # the next run into the folder removes it
    assert staging(out) == []


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "results"
    first = start_run(out)
    try:
        wait_for_staging(out, first)
        second = subprocess.run(
            [sys.executable, "-m", "bayes_netlm.cli", "run", "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"},
            timeout=300,
        )
        assert second.returncode == 2
        assert "another bayes-netlm run is writing these results now" in second.stderr
        assert second.stderr.count("error:") == 1
        assert first.poll() is None  # the first run goes on undisturbed
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    assert first.returncode == 143
    assert not out.exists() and staging(out) == []
