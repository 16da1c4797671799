"""Layout checks for figures drawn with fixed margins (bayes_netlm.reporting.margins).

:func:`assert_laid_out` draws a figure and checks what a layout engine would have guaranteed:
every axes, with its tick labels, axis labels and title, and every figure-level text lies
inside the canvas, and no two axes' boxes (each with its texts) overlap.
"""

from __future__ import annotations

from itertools import combinations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: pixels a text may touch the canvas edge by (antialiasing)
TOLERANCE = 1.0


def assert_laid_out(figure: Figure) -> None:
    """Every text inside the canvas; no two visible axes (with their texts) overlapping."""
    canvas = (
        figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    )
    canvas.draw()
    renderer = canvas.get_renderer()
    page = figure.bbox
    boxes: list[tuple[str, Bbox]] = []
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        box = ax.get_tightbbox(renderer)
        assert box is not None
        name = ax.get_label() or ax.get_title() or repr(ax)
        boxes.append((name, box))
    for text in figure.get_children():  # figure-level texts: suptitle, notes
        if isinstance(text, Text) and text.get_visible() and text.get_text():
            boxes.append((text.get_text(), text.get_window_extent(renderer)))
    for name, box in boxes:
        assert box.x0 >= page.x0 - TOLERANCE and box.x1 <= page.x1 + TOLERANCE, (
            f"{name!r} leaves the canvas sideways: {box.x0:.0f}-{box.x1:.0f} of {page.x1:.0f} px"
        )
        assert box.y0 >= page.y0 - TOLERANCE and box.y1 <= page.y1 + TOLERANCE, (
            f"{name!r} leaves the canvas vertically: {box.y0:.0f}-{box.y1:.0f} of {page.y1:.0f} px"
        )
    for (name_a, a), (name_b, b) in combinations(boxes, 2):
        overlap = Bbox.intersection(a, b)
        assert overlap is None or min(overlap.width, overlap.height) <= TOLERANCE, (
            f"{name_a!r} and {name_b!r} overlap"
        )
