"""Glue results into the book: every stored number rounded by its kind, every table with its unit.

The chapter notebooks call these instead of ``myst_nb.glue`` directly, so that what lands in a
stored output has passed through :mod:`jeugdzorg.book.precision`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .precision import rounded
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


def figure(key: str, fig) -> None:
    """Glue a finished figure (shown with ``{glue:figure}`` and a caption)."""
    _glue(key, fig)


def values(mapping: Mapping[str, object]) -> None:
    """Glue already formatted values: text, whole numbers or ``None`` (a float must go through
    :func:`number`, which rounds it by its kind)."""
    for key, value in mapping.items():
        if isinstance(value, float):
            raise TypeError(f"{key}: glue a float with publish.number(key, value, kind), not unrounded")
        _glue(key, value)
