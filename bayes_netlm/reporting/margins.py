"""Figure margins set once, in inches, instead of by matplotlib's layout engine.

Matplotlib's constrained layout measures every text of a figure in two extra passes before the
figure is drawn: measured here, a 7.5 x 4.5 in figure with eight curves and a legend took 0.37 s
to save with it and 0.14 s with fixed margins, and ``bayes-netlm run`` draws 45 figures. The
margins below leave room for what the figures put outside their axes (tick labels, axis labels,
a title, a suptitle); tick labels whose width depends on the data (prior-set names, group names)
are measured with the font, not guessed. The tests draw every figure and check that no text
leaves the canvas.
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

__all__ = [
    "BOTTOM",
    "LEFT",
    "RIGHT",
    "SUPTITLE",
    "TOP",
    "left_for_labels",
    "set_margins",
    "title_lines",
    "wrap_title",
]

#: inches left of the axes: numeric y tick labels (up to about five characters) and the y label
LEFT = 0.8
#: inches below the axes: x tick labels and the x label
BOTTOM = 0.6
#: inches above the axes: one line of title
TOP = 0.35
#: inches right of the axes: the last x tick label's overhang
RIGHT = 0.25
#: inches added above the axes for a suptitle over their titles
SUPTITLE = 0.3

#: inches between the y tick labels and the y label, plus the y label itself (medium font)
_Y_LABEL = 0.35
#: inches between the axes and its tick labels (tick length and padding)
_TICK = 0.1


def text_width(text: str, size: float | str = "medium") -> float:
    """Width in inches of one line of ``text`` in the default font at ``size``."""
    width, _, _ = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=size), ismath=False
    )
    return width / 72.0


def left_for_labels(
    labels: Iterable[str], size: float | str = "medium", pad: float = 0.0, y_label: bool = True
) -> float:
    """A left margin (inches) that fits the widest of ``labels`` as y tick labels.

    ``pad`` is extra space between the axes and the labels (inches); ``y_label`` leaves room for
    the y-axis label beside them. Never less than :data:`LEFT`.
    """
    widest = max((text_width(str(label), size) for label in labels), default=0.0)
    return max(LEFT, widest + _TICK + pad + (_Y_LABEL if y_label else 0.05) + 0.05)


def set_margins(
    figure: Figure,
    *,
    left: float = LEFT,
    bottom: float = BOTTOM,
    top: float = TOP,
    right: float = RIGHT,
    wspace: float | None = None,
    hspace: float | None = None,
) -> None:
    """Place the subplot grid with these margins in inches (gaps as in ``subplots_adjust``).

    Call it before adding a colorbar: a colorbar takes its room from its axes as placed here.
    """
    width, height = figure.get_size_inches()
    figure.subplots_adjust(
        left=left / width,
        right=1.0 - right / width,
        bottom=bottom / height,
        top=1.0 - top / height,
        wspace=wspace,
        hspace=hspace,
    )


def wrap_title(head: str, tail: str, room: float, size: float | str = "large") -> list[str]:
    """The lines of a title ``head tail`` no wider than ``room`` inches (as far as words allow).

    One line if it fits; otherwise ``tail`` takes a line of its own and ``head`` is broken
    between words.
    """

    def fits(line: str) -> bool:
        return text_width(line, size) <= room

    if fits(f"{head} {tail}"):
        return [f"{head} {tail}"]
    lines = [""]
    for word in head.split():
        candidate = f"{lines[-1]} {word}".strip()
        if lines[-1] and not fits(candidate):
            lines.append(word)
        else:
            lines[-1] = candidate
    return [*lines, tail]


def title_lines(figure: Figure, head: str, tail: str) -> str:
    """An axes title ``head tail`` on as few lines as fit over the axes, the top margin to match.

    The title is centred on the axes (placed with the default left and right margins), so a
    line may be as wide as twice the shorter distance from the axes' centre to the canvas's
    edge. Too wide, ``tail`` takes a line of its own and ``head`` is broken between words
    (:func:`wrap_title`).
    """
    width = figure.get_size_inches()[0]
    centre = (LEFT + width - RIGHT) / 2
    lines = wrap_title(head, tail, 2 * min(centre, width - centre) - 0.1)
    if len(lines) > 1:
        set_margins(figure, left=LEFT, top=len(lines) * TOP)
    return "\n".join(lines)
