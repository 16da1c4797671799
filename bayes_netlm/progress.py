"""Progress lines on standard error for long work: the stage and the time since the start.

The run's final line goes to standard output and is never affected; ``--quiet`` silences these.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Prints ``bayes-netlm run [  12.3 s] stage`` lines to a stream (standard error).

    Parameters
    ----------
    started : float
        ``time.perf_counter()`` at the start of the work.
    quiet : bool
        Print nothing.
    stream : text stream, optional
        Where the lines go; standard error by default.
    prefix : str
        The words before the elapsed time.

    """

    def __init__(
        self,
        started: float | None = None,
        quiet: bool = False,
        stream: TextIO | None = None,
        prefix: str = "bayes-netlm run",
    ) -> None:
        self.started = time.perf_counter() if started is None else started
        self.quiet = quiet
        self.stream = stream
        self.prefix = prefix

    def __call__(self, stage: str) -> None:
        """Say that ``stage`` is starting (or has finished), with the elapsed time."""
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.started
        stream = self.stream or sys.stderr
        print(f"{self.prefix} [{elapsed:6.1f} s] {stage}", file=stream, flush=True)
