"""Matplotlib figures that display themselves in notebooks without pyplot.

nbviz builds its static figures with ``matplotlib.figure.Figure`` rather than pyplot, so
that a figure is never shown twice (once by pyplot's auto-show, once as the cell's value)
and never leaks into pyplot's global figure list. A bare ``Figure`` has no notebook
display of its own until pyplot's inline backend is loaded, so :class:`StaticFigure` adds
one: it renders itself as PNG when it is a cell's value.

>>> fig = new_figure(figsize=(3, 2))
>>> ax = fig.add_subplot()
>>> _ = ax.plot([0, 1], [1, 0])
>>> fig._repr_png_()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["StaticFigure", "new_figure"]


class StaticFigure(Figure):
    """A ``Figure`` that shows itself as a PNG in Jupyter (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()


#: The categorical palette every view colours classes and groups with (Tableau 10, as
#: ``js/src/lib/palette.js``), for static figures that should match the live views.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip


def new_figure(**kwargs) -> StaticFigure:
    """A :class:`StaticFigure` with an Agg canvas; ``kwargs`` go to ``Figure``."""
    fig = StaticFigure(**kwargs)
    FigureCanvasAgg(fig)
    return fig
