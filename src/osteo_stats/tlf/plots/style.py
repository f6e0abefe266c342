"""Figures as deterministic, self-contained SVG text.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` (no pyplot, so no global state)
and saved with a fixed hash salt and no date, so the same numbers give byte-identical SVG.
Text is converted to paths: the report shows exactly what matplotlib laid out (the number-at-risk
table stays aligned with the axis) and no font has to be found at render time.
"""

from __future__ import annotations

import contextlib
import io

import matplotlib
from matplotlib.figure import Figure

#: Colours used across all figures (colour-blind safe, Okabe-Ito).
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "grey": "#7F7F7F",
    "black": "#000000",
}

_RC = {
    "svg.hashsalt": "osteo_stats",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    # Labels carry data (USUBJIDs, terms): '$' must not switch matplotlib to mathtext (TeX).
    "text.parse_math": False,
}


def figure_style() -> contextlib.AbstractContextManager[None]:
    """The package's matplotlib style; draw inside ``with figure_style():``.

    matplotlib reads most style settings when an artist is created, so the whole drawing (not
    just figure creation) must happen inside this context.
    """
    return matplotlib.rc_context(_RC)


def new_figure(width_in: float = 7.0, height_in: float = 4.5) -> Figure:
    """A blank figure (A4 portrait text width is about 7 inches); call within figure_style()."""
    return Figure(figsize=(width_in, height_in), layout="constrained")


def figure_to_svg(figure: Figure) -> str:
    """Serialise ``figure`` to SVG text, identical for identical content."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "osteo_stats"})
    return buffer.getvalue()
