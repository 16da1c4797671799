"""A task that either of two processes may do: whichever claims it first does it.

``bayes-netlm run`` hands the published fits' rank plots and the design section to its second
process, which reaches them only after the patient-level analysis; if the main process runs out of
its own work first, it claims and does them itself (the balance of the two processes depends on the
machine and the data). A claim is the exclusive creation of a marker file, atomic across processes.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DESIGN", "RANK_PLOTS", "claim"]

#: marker names of the two tasks, inside the run's claims folder
RANK_PLOTS = "rank-plots"
DESIGN = "design"


def claim(marker: Path) -> bool:
    """True for the first caller only, in any process (creates ``marker``)."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
