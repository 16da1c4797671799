"""The garbage collector's thresholds in the command line's processes.

CPython runs a collection of its youngest generation every 700 net allocations of container
objects. Importing PyMC, JAX, SciPy and matplotlib, building some 45 figures and their tables
allocate millions of objects that almost all live until the process ends, so the collector ran
thousands of times to free next to nothing. Measured on a warm ``bayes-netlm run`` (3 runs each):
22.4 s of CPU and 11.7 s of wall time with the default thresholds, 20.8 s and 11.1 s with
:data:`THRESHOLDS`, the largest process 4 MB bigger (667 MB). A larger first threshold gained
nothing more. The command line sets them in its own process and in ``run``'s second process; a
Python program using the API keeps its own settings.
"""

from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "raise_gc_thresholds"]

#: the thresholds of the three generations (CPython's defaults: 700, 10, 10)
THRESHOLDS = (50_000, 20, 20)


def raise_gc_thresholds() -> None:
    """Set :data:`THRESHOLDS` for this process."""
    gc.set_threshold(*THRESHOLDS)
