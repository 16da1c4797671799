"""Figures rendered to PNG: to a file, or to bytes that another process can write.

``bayes-netlm run`` draws the patient-level figures in its survival process; the main process,
the only writer of the results folder, writes the bytes (:mod:`bayes_netlm.run_main`).

Every PNG the toolkit writes goes through :func:`save_png`, which renders text with FreeType's
auto-hinter (``text.hinting = "force_autohint"``, Matplotlib's default before 3.11). Matplotlib
3.11's default hinting cost about 4 ms per text label on these machines against about 1 ms (50
labels on one figure: 0.25 s against 0.10 s to save); text was a third of the run's drawing
time. Only the rendering is affected: the process's settings stay as they were, so figures a
user draws from the Python API look as their Matplotlib draws them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["DPI", "MODEL_NAMES", "Rendered", "grid_title", "save_png"]

#: resolution of every PNG of the results folder
DPI = 100
MODEL_NAMES = {"summary_hr": "published numbers", "weibull": "Weibull, patient-level data"}


def save_png(figure: Figure, target: Path | BinaryIO, dpi: int = DPI) -> None:
    """Render ``figure`` as PNG into ``target`` (a path or a binary file) and close it."""
    with mpl.rc_context({"text.hinting": "force_autohint"}):  # see the module's docstring
        figure.savefig(target, format="png", dpi=dpi)
    plt.close(figure)


def grid_title(label: str, model: str) -> str:
    """Title of a prior-grid heat map: the endpoint's label and the model family."""
    return f"{label} ({MODEL_NAMES[model]})"


@dataclass
class Rendered:
    """Figures rendered to PNG: ``(name, caption, png bytes)`` in drawing order."""

    items: list[tuple[str, str, bytes]] = field(default_factory=list)

    def save(self, name: str, caption: str, figure: Figure) -> None:
        """Render ``figure`` at :data:`DPI` and close it."""
        buffer = io.BytesIO()
        save_png(figure, buffer)
        self.items.append((name, caption, buffer.getvalue()))
