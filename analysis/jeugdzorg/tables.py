"""Tables for the book: DataFrames rendered as Markdown so Sphinx numbers them as tables."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from IPython.display import Markdown

MISSING = "–"


def _cell(value: object, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if fmt is not None:
        return format(value, fmt)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value).replace("|", "\\|")


def markdown_table(frame: pd.DataFrame, formats: Mapping[str, str] | None = None,
                   index: bool = True) -> Markdown:
    """A GitHub-flavoured Markdown table of ``frame``, for ``glue`` and ``{glue:md}``.

    Parameters
    ----------
    frame
        The table; column names should carry the unit.
    formats
        Format spec per column (e.g. ``{"Share (%)": ".1f"}``); floats default to one decimal with
        thousands separators, missing values show as an en dash.
    index
        Include the index as the first column (named after ``frame.index.name``).
    """
    formats = dict(formats or {})
    data = frame.reset_index() if index else frame
    header = [str(c) for c in data.columns]
    numeric = [pd.api.types.is_numeric_dtype(data[c]) for c in data.columns]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for row in data.itertuples(index=False):
        cells = [_cell(v.item() if hasattr(v, "item") else v, formats.get(c))
                 for c, v in zip(data.columns, row)]
        lines.append("| " + " | ".join(cells) + " |")
    return Markdown("\n".join(lines))
