"""Run a piece of Python in a fresh interpreter with this project importable (tests' helper)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -c code`` with the project on ``PYTHONPATH``; output captured as text."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
    )
