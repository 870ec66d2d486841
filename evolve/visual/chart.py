"""A figure of the report as a value, and how a matplotlib figure becomes one.

Contract: `Chart` holds what the page shows for one figure: a title, the `evolve sql` command that gives its data,
a caption, and either an SVG image (as text) or, when the data has nothing to show, `empty` saying why.
`draw(paint, height)` makes a figure and `to_svg(figure)` renders a matplotlib `Figure` (built with the object API, never pyplot: no global state, safe in
any thread) to SVG text that is the same for the same figure (no date, fixed id salt); artists with many
elements should be drawn with `rasterized=True` (see `DENSE`) so a 100,000-point scatter stays a small image.
`data_uri(svg)` is what an <img src> embeds: no file beside the page, no network.
"""
from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # matplotlib itself is imported only when a figure is drawn
    from matplotlib.typing import RcKeyType

DENSE = 2000  # elements above which an artist is rasterized inside the SVG
WIDTH_IN = 9.0  # figure width in inches (the page shows figures at 100% of a ~900 px column)
# one colour per meaning, used by every section (colour-blind-safe: Okabe-Ito)
COLOURS = {"population": "#0072B2", "seed": "#E69F00", "seed library": "#E69F00", "none": "#7f7f7f",
           "no skills": "#7f7f7f", "best-of-n": "#CC79A7", "best-of-N": "#CC79A7", "best": "#D55E00",
           "test": "#009E73", "train": "#56B4E9", "val": "#0072B2", "other": "#999999"}
STYLE: dict[RcKeyType, object] = {
    "font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "svg.hashsalt": "evolve-report", "svg.fonttype": "path", "legend.frameon": False}


@dataclass(frozen=True)
class Chart:
    key: str  # a stable id for the page (an HTML id)
    title: str
    query: str  # the `evolve sql` command giving its data
    caption: str = ""
    svg: str | None = None
    empty: str | None = None  # why there is no image

    @property
    def src(self) -> str:
        return data_uri(self.svg or "")


def draw(paint: Callable[[Any], None], height_in: float, width_in: float = WIDTH_IN) -> str:
    """SVG text of a new figure that `paint(figure)` fills (in the report's style, which matplotlib reads while
    axes and artists are made, hence inside the style's context)."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(width_in, height_in), layout="constrained")
        paint(figure)
        return to_svg(figure)


def to_svg(figure) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="svg", dpi=110, metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def short(library_id: str | None) -> str:
    return "no skills" if library_id is None else library_id[:8]
