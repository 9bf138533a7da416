"""The book's figure style: every figure has a title, labelled axes with units and a source line."""

from __future__ import annotations

from io import BytesIO

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

CBS_SOURCE = "Bron: CBS (StatLine), CC BY 4.0; analysis: this book"
PALETTE = ["#1f5a96", "#d9822b", "#3a8f5c", "#a23b72", "#6c6c6c"]


def apply_style() -> None:
    """Deterministic, readable defaults (fixed size, fonts and hash salt, no timestamps)."""
    plt.rcParams.update({
        "figure.figsize": (8.0, 4.6), "figure.dpi": 100, "savefig.dpi": 100,
        "font.size": 10.5, "axes.titlesize": 12, "axes.titleweight": "bold",
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE), "svg.hashsalt": "jeugdzorg",
        "path.simplify": True,
    })


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[Figure, Axes]:
    """A figure in the book's style."""
    apply_style()
    return plt.subplots(nrows, ncols, **kwargs)


def finish(fig: Figure, ax: Axes, *, title: str, xlabel: str, ylabel: str,
           source: str = CBS_SOURCE) -> Figure:
    """Add title, axis labels (with units) and the source line, then close the figure for pyplot.

    Closing keeps the notebook from displaying it twice: it is shown through ``glue``.
    """
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.text(0.01, 0.01, source, fontsize=8, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    plt.close(fig)
    return fig


def finish_grid(fig: Figure, *, title: str, source: str = CBS_SOURCE) -> Figure:
    """Like :func:`finish` for a figure of several panels, each already labelled with its units."""
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    fig.text(0.01, 0.005, source, fontsize=8, color="#555555", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    plt.close(fig)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as the PNG a notebook stores: what IPython's inline backend writes (tight bounding
    box, the figure's own resolution and colours), and nothing that varies between runs."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", facecolor=fig.get_facecolor(), edgecolor=fig.get_edgecolor(), dpi=fig.dpi,
                bbox_inches="tight")
    return buffer.getvalue()


def label_points(ax: Axes, xs, ys, labels, *, fontsize: float = 7.5) -> None:
    """Name a few points without the names overlapping: each label starts just right of its point
    and moves up, one line at a time, until it clears the labels already placed.

    Call it after the axes' scales and limits are final (positions are computed on the display).
    """
    fig = ax.figure
    fig.canvas.draw()  # fixes the transform of the final layout
    points_per_pixel = 72.0 / fig.dpi
    line = fontsize * 1.25 / points_per_pixel       # one text line, pixels
    char = fontsize * 0.6 / points_per_pixel        # an average character, pixels
    placed: list[tuple[float, float, float, float]] = []
    order = sorted(range(len(labels)), key=lambda i: ax.transData.transform((xs[i], ys[i]))[1])
    for i in order:
        x, y = ax.transData.transform((xs[i], ys[i]))
        left, width = x + 4, char * len(str(labels[i]))
        bottom = y - line / 2
        while any(left < r and left + width > l and bottom < t and bottom + line > b for l, r, b, t in placed):
            bottom += line
        placed.append((left, left + width, bottom, bottom + line))
        offset = ((left - x) * points_per_pixel, (bottom + line / 2 - y) * points_per_pixel)
        ax.annotate(str(labels[i]), (xs[i], ys[i]), xytext=offset, textcoords="offset points", fontsize=fontsize,
                    va="center", arrowprops=dict(arrowstyle="-", color="#999999", linewidth=0.5)
                    if abs(offset[1]) > fontsize else None)
