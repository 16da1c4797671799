"""The results folder under faults: stale staging, a second writer, a full disk, signals.

A small writer process stands in for ``bayes-netlm run``: it goes through the same
:func:`bayes_netlm.reporting.outputs.results_folder` and the same signal handling as the command,
but writes a few files slowly instead of fitting for a minute.
"""

import errno
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fresh_python import run_python

from bayes_netlm.errors import InputError
from bayes_netlm.reporting.outputs import MARKER, STAGING_MARKER, DiskFull, results_folder

ROOT = Path(__file__).resolve().parent.parent
FILES = 5
WRITER = """
import sys, time
from bayes_netlm.errors import InputError, Interrupted, stoppable
from bayes_netlm.reporting.outputs import results_folder

out, tag, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
try:
    with stoppable(), results_folder(out) as folder:
        print("staging", flush=True)
        for i in range(5):
            folder.text(f"part{i}.txt", tag)
            time.sleep(delay)
except InputError as error:
    print(error, file=sys.stderr)
    sys.exit(2)
except KeyboardInterrupt:
    sys.exit(130)
except Interrupted as stop:
    sys.exit(stop.status)
"""


def writer(out: Path, tag: str, delay: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(out), tag, str(delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def complete(out: Path, tag: str) -> bool:
    """``out`` holds one writer's whole, consistent result."""
    names = sorted(p.name for p in out.iterdir())
    parts = [f"part{i}.txt" for i in range(FILES)]
    return names == sorted([MARKER, *parts]) and all(
        (out / name).read_text() == tag for name in parts
    )


def leftovers(out: Path) -> list[str]:
    """Staging or swap folders beside ``out`` (the lock file stays by design)."""
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.is_dir() and (".staging-" in p.name or ".previous-" in p.name)
    )


def write(out: Path, tag: str) -> None:
    with results_folder(out) as folder:
        for i in range(FILES):
            folder.text(f"part{i}.txt", tag)


def test_stale_staging_of_a_killed_run_is_removed_and_only_that(tmp_path):
    out = tmp_path / "results"
    ours = tmp_path / ".results.staging-killed"
    ours.mkdir()
    (ours / STAGING_MARKER).write_text("123\n")
    foreign = tmp_path / ".results.staging-not-ours"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    write(out, "new")
    assert complete(out, "new")
    assert not ours.exists()
    assert not (tmp_path / ".results.lock").exists()  # the lock file lives only during a run
    assert (foreign / "notes.txt").read_text() == "mine"


def test_results_lost_between_the_two_renames_come_back(tmp_path):
    out = tmp_path / "results"
    previous = tmp_path / ".results.previous-999"
    write(previous, "old")  # a complete results folder under the swap's temporary name
    with pytest.raises(RuntimeError), results_folder(out):
        raise RuntimeError("the run failed")
    assert complete(out, "old")
    assert leftovers(out) == []


def test_full_disk_is_one_message_with_the_space_needed(tmp_path):
    out = tmp_path / "results"
    write(out, "old")
    with pytest.raises(DiskFull) as error, results_folder(out) as folder:
        folder.text("big.txt", "x" * 2_000_000)
        raise OSError(errno.ENOSPC, "No space left on device")
    message = str(error.value)
    assert "the disk filled up after 1.9 MB of results were written" in message
    assert "free at least 2 MB" in message
    assert complete(out, "old") and leftovers(out) == []


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    out = tmp_path / "results"
    first = writer(out, "first", 0.4)
    assert first.stdout is not None and first.stdout.readline().strip() == "staging"
    with pytest.raises(InputError, match="another bayes-netlm run is writing these results now"):
        write(out, "second")
    assert first.communicate(timeout=60)[1] == "" and first.returncode == 0
    assert complete(out, "first") and leftovers(out) == []


@pytest.mark.slow
def test_concurrent_writers_leave_one_complete_folder(tmp_path):
    out = tmp_path / "results"
    for round_ in range(5):
        procs = [writer(out, f"w{round_}-{i}", 0.05) for i in range(4)]
        results = [(p.communicate(timeout=60)[1], p.returncode)[::-1] for p in procs]
        codes = [code for code, _ in results]
        assert set(codes) <= {0, 2} and 0 in codes, results
        assert all("another bayes-netlm run" in err for code, err in results if code == 2)
        winners = [f"w{round_}-{i}" for i, code in enumerate(codes) if code == 0]
        assert any(complete(out, tag) for tag in winners)
        assert leftovers(out) == []


@pytest.mark.slow
def test_killed_writers_never_damage_the_previous_results(tmp_path):
    out = tmp_path / "results"
    write(out, "good")
    rng = random.Random(20250101)
    for sig in [signal.SIGKILL, signal.SIGTERM, signal.SIGINT] * 2:
        proc = writer(out, "partial", 0.2)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "staging"
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        code = proc.returncode
        expected = {signal.SIGKILL: -9, signal.SIGTERM: 143, signal.SIGINT: 130}[sig]
        assert code in (expected, 0), (sig, code)  # 0: it finished before the signal came
        tag = "good" if code != 0 else "partial"
        assert complete(out, tag), sig
        if code == 0:
            write(out, "good")
        if sig != signal.SIGKILL:
            assert leftovers(out) == []
    write(out, "after")  # the next run removes what a SIGKILL left
    assert complete(out, "after") and leftovers(out) == []


def test_a_swallowed_stop_signal_is_raised_again(tmp_path):
    # a SIGTERM whose exception a library swallows (a gc callback, a bare except) still stops
    # the command a second later, quietly
    code = """
import os, signal, sys, time
from bayes_netlm.errors import Interrupted, stoppable

try:
    with stoppable():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)
        except BaseException:
            print("swallowed", flush=True)
        start = time.time()
        while time.time() - start < 10:
            time.sleep(0.01)
        print("never stopped")
except Interrupted as stop:
    print("stopped", stop.status)
"""
    result = run_python(code, timeout=60)
    assert result.stdout.split("\n")[:2] == ["swallowed", "stopped 143"], result.stderr
    assert result.stderr == ""


def test_full_disk_exits_2_without_finalising_half_written_files(tmp_path):
    # h5py crashes (SIGSEGV) when it finalises a file the full disk cut short, so the command
    # leaves without running finalisers once the message is printed
    code = """
import atexit, sys
import bayes_netlm.cli as cli
from bayes_netlm.reporting.outputs import DiskFull

def full(args):
    raise DiskFull.single("results", "the disk filled up", "free space")

cli._command_run = full
atexit.register(lambda: print("finalised"))
sys.exit(cli.main(["run"]))
"""
    result = run_python(code, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "bayes-netlm run: error: results: the disk filled up (free space)\n"
    assert "finalised" not in result.stdout
