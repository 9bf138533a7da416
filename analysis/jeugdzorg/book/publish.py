"""Glue results into the book: every stored number rounded by its kind, every table with its unit.

The chapter notebooks call these instead of ``myst_nb.glue`` directly, so that what lands in a
stored output has passed through :mod:`jeugdzorg.book.precision`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

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


def figure_data(data: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """``data`` with every numeric column rounded by its kind (a numeric column without one is an error)."""
    unkinded = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])
                and not pd.api.types.is_bool_dtype(data[c]) and c not in kinds]
    if unkinded:
        raise ValueError(f"numeric column(s) {unkinded} have no precision kind")
    return rounded_frame(data.reset_index(drop=True), kinds)


def figure(key: str, data: pd.DataFrame, kinds: Mapping[str, str],
           draw: Callable[[pd.DataFrame], object]) -> None:
    """Round the figure's data, draw the figure from the rounded data only, glue both.

    The figure is glued under ``key`` (shown with ``{glue:figure}`` and a caption); its data under
    ``<key>_data`` as CSV text, so nbval compares the plotted numbers (it skips images) and the build
    can offer them for download.  (:func:`figure_data` gives the same rounded data, for a caller that
    also counts or ranks what the figure shows.)
    """
    data = figure_data(data, kinds)
    _glue(key, draw(data))
    _glue(f"{key}_data", FigureData(data))


def values(mapping: Mapping[str, object]) -> None:
    """Glue already formatted values: text, whole numbers or ``None`` (a float must go through
    :func:`number`, which rounds it by its kind)."""
    for key, value in mapping.items():
        if isinstance(value, float):
            raise TypeError(f"{key}: glue a float with publish.number(key, value, kind), not unrounded")
        _glue(key, value)
