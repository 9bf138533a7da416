"""Glue results into the book: every stored number rounded by its kind, every table with its unit.

The chapter notebooks call these instead of ``myst_nb.glue`` directly, so that what lands in a
stored output has passed through :mod:`jeugdzorg.book.precision`.

A figure is glued as two outputs: its data as CSV (``<key>_data``) and the figure, drawn from that
CSV alone by a chart function whose options (titles, labels, years -- text and layout, never a
number drawn) are stored as the figure's text.  The figure can therefore be drawn again from what
the notebook stores (:func:`redraw`), and its pixels depend on nothing but the rounded numbers.
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Callable, Mapping
from functools import partial
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .precision import rounded, rounded_frame
from .tables import markdown_table


def _glue(key: str, value) -> None:
    from myst_nb import glue

    glue(key, value, display=False)


def number(key: str, value, kind: str) -> None:
    """Glue ``value`` rounded as a ``kind`` (see :data:`jeugdzorg.book.precision.KINDS`)."""
    _glue(key, rounded(value, kind))


def text(key: str, value: str) -> None:
    """Glue a piece of text (a name, a list, a word chosen by a result)."""
    _glue(key, str(value))


def table(key: str, frame: pd.DataFrame, formats: Mapping[str, str] | None = None, *,
          index: bool = True) -> None:
    """Glue ``frame`` as a Markdown table (shown with ``{glue:md}`` inside a numbered ``{table}``)."""
    _glue(key, markdown_table(frame, formats, index=index))


class FigureData:
    """The numbers behind a figure, as CSV text (what nbval compares and readers download)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.csv = frame.to_csv(index=False, lineterminator="\n")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": self.csv}


def read_figure_data(csv: str) -> pd.DataFrame:
    """The frame a figure is drawn from: its glued CSV text read back (an empty cell is missing,
    every other cell as written, so a name such as "None" stays a name)."""
    return pd.read_csv(StringIO(csv), keep_default_na=False, na_values=[""])


#: The modules whose functions may draw a glued figure.
DRAWING_MODULES = ("jeugdzorg.book.charts", "jeugdzorg.book.maps")


def _plain(value: Any, where: str) -> Any:
    """``value`` as JSON can store it exactly; a float is refused: a number that a figure draws
    belongs in its data, rounded by kind, not in the options of the drawing."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        raise TypeError(f"{where}: the float {value!r} is a drawing option; a number the figure draws "
                        "goes in its data (a column of the figure's CSV)")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v, where) for v in value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    raise TypeError(f"{where}: {type(value).__name__} cannot be stored as a drawing option")


class Drawing:
    """How a figure is drawn: a chart function of :data:`DRAWING_MODULES` and its options.

    ``Drawing.of(partial(charts.trend_index, first=2015, ...))`` takes a function or a
    :func:`functools.partial` of one with keyword options; its :meth:`text` is JSON.
    """

    def __init__(self, function: str, options: Mapping[str, Any]) -> None:
        module = function.rpartition(".")[0]
        if module not in DRAWING_MODULES:
            raise ValueError(f"{function}: figures are drawn by a function of {', '.join(DRAWING_MODULES)}")
        self.function = function
        self.options = _plain(dict(options), function)

    @classmethod
    def of(cls, draw: Callable[..., Figure]) -> Drawing:
        func, options = (draw.func, draw.keywords) if isinstance(draw, partial) else (draw, {})
        if isinstance(draw, partial) and draw.args:
            raise TypeError("give a drawing's options by keyword: they are stored by name")
        return cls(f"{func.__module__}.{func.__qualname__}", options)

    @classmethod
    def parse(cls, text: str) -> Drawing:
        spec = json.loads(text)
        return cls(spec["draw"], spec["options"])

    def text(self) -> str:
        # Keys keep their order: a legend follows the order of its colour mapping.
        return json.dumps({"draw": self.function, "options": self.options}, ensure_ascii=False)

    def __call__(self, data: pd.DataFrame) -> Figure:
        module, _, name = self.function.rpartition(".")
        return getattr(importlib.import_module(module), name)(data, **self.options)


class GluedFigure:
    """A figure as a notebook stores it: the PNG, and as text how it was drawn."""

    def __init__(self, drawing: Drawing, data: pd.DataFrame) -> None:
        from .figures import png

        self.drawing = drawing
        self.png = png(drawing(data))

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.drawing.text()}


def redraw(drawing: str, csv: str) -> bytes:
    """The PNG of a glued figure drawn again from what the notebook stores: the figure's text
    (its :class:`Drawing`) and its CSV (``<key>_data``)."""
    return GluedFigure(Drawing.parse(drawing), read_figure_data(csv)).png


def figure_data(data: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """``data`` with every numeric column rounded by its kind (a numeric column without one is an error)."""
    unkinded = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])
                and not pd.api.types.is_bool_dtype(data[c]) and c not in kinds]
    if unkinded:
        raise ValueError(f"numeric column(s) {unkinded} have no precision kind")
    return rounded_frame(data.reset_index(drop=True), kinds)


def figure(key: str, data: pd.DataFrame, kinds: Mapping[str, str],
           draw: Callable[[pd.DataFrame], object]) -> None:
    """Round the figure's data, draw the figure from its CSV only, glue both.

    The figure is glued under ``key`` (shown with ``{glue:figure}`` and a caption); its data under
    ``<key>_data`` as CSV text, so nbval compares the plotted numbers and the build can offer them
    for download.  ``draw`` is a chart function of :data:`DRAWING_MODULES`, or a
    :func:`functools.partial` of one with text and layout options; every number it draws, fitted
    lines and class edges included, is a column of ``data``
    (:mod:`jeugdzorg.analysis.figure_geometry`).  The figure is drawn from the CSV read back,
    through its stored options, exactly as :func:`redraw` draws it again from the notebook.
    (:func:`figure_data` gives the same rounded data, for a caller that also counts or ranks what
    the figure shows.)
    """
    glued = FigureData(figure_data(data, kinds))
    drawing = Drawing.parse(Drawing.of(draw).text())
    _glue(key, GluedFigure(drawing, read_figure_data(glued.csv)))
    _glue(f"{key}_data", glued)


def values(mapping: Mapping[str, object]) -> None:
    """Glue already formatted values: text, whole numbers or ``None`` (a float must go through
    :func:`number`, which rounds it by its kind)."""
    for key, value in mapping.items():
        if isinstance(value, float):
            raise TypeError(f"{key}: glue a float with publish.number(key, value, kind), not unrounded")
        _glue(key, value)
