"""The garbage collector's thresholds in the command line's processes.

CPython (3.12, 3.13) collects its youngest generation every 700 net allocations of container
objects, and an older generation every 10 collections of the one below. Importing PyMC, JAX,
SciPy and matplotlib, building some 45 figures and their tables allocate millions of objects that
almost all live until the process ends, so the collector ran thousands of times to free next to
nothing. Measured on a warm ``bayes-netlm run`` (3 runs each, interleaved): 23.1 s of CPU and
12.1 s of wall time with the defaults; 21.8 s and 11.5 s with the first threshold at 50,000;
21.5 s and 11.4 s with :data:`THRESHOLDS` (the older generations' thresholds doubled as well);
the largest process 2 MB bigger (667 MB). A larger first threshold gained nothing more. The
command line sets them in its own process and in ``run``'s second process; a Python program
using the API keeps its own settings.
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "raise_gc_thresholds"]

#: the thresholds of the three generations (CPython's defaults: 700, 10, 10)
THRESHOLDS = (50_000, 20, 20)


def raise_gc_thresholds() -> None:
    """Set :data:`THRESHOLDS` for this process."""
    gc.set_threshold(*THRESHOLDS)
