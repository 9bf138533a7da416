"""Tables for the book: DataFrames rendered as Markdown so Sphinx numbers them as tables."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
from IPython.display import Markdown

from .precision import stable

MISSING = "–"


def _cell(value: object, fmt: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, float):
        value = stable(value)
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


_SEARCH_SCRIPT = """<script>
(function () {
  var box = document.getElementById("%(id)s-search");
  var rows = document.querySelectorAll("#%(id)s tbody tr");
  var count = document.getElementById("%(id)s-count");
  box.addEventListener("input", function () {
    var needle = box.value.toLowerCase(), shown = 0;
    rows.forEach(function (row) {
      var hit = row.textContent.toLowerCase().indexOf(needle) !== -1;
      row.style.display = hit ? "" : "none";
      if (hit) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " municipalities";
  });
  document.querySelectorAll("#%(id)s thead th").forEach(function (th, column) {
    th.style.cursor = "pointer";
    th.title = "Sort";
    th.addEventListener("click", function () {
      var body = document.querySelector("#%(id)s tbody");
      var list = Array.prototype.slice.call(body.querySelectorAll("tr"));
      var ascending = th.dataset.order !== "asc";
      th.dataset.order = ascending ? "asc" : "desc";
      list.sort(function (a, b) {
        var x = a.children[column].dataset.value || a.children[column].textContent;
        var y = b.children[column].dataset.value || b.children[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var result = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return ascending ? result : -result;
      });
      list.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
</script>"""


def searchable_table(frame: pd.DataFrame, table_id: str, formats: Mapping[str, str] | None = None):
    """An HTML table with a search box and click-to-sort columns, self-contained (works offline).

    No external library and no random ids: the output is the same for the same data, so the
    executed notebook stays reproducible.  Sorting uses the raw number in ``data-value``.
    """
    from html import escape

    from IPython.display import HTML

    formats = dict(formats or {})
    data = frame.reset_index()
    head = "".join(f"<th>{escape(str(c))}</th>" for c in data.columns)
    body = []
    for row in data.itertuples(index=False):
        cells = []
        for column, value in zip(data.columns, row):
            value = value.item() if hasattr(value, "item") else value
            text = escape(_cell(value, formats.get(column)))
            raw = "" if isinstance(value, str) or value is None or (isinstance(value, float) and math.isnan(value)) \
                else f' data-value="{stable(value) if isinstance(value, float) else value}"'
            cells.append(f"<td{raw}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    html = (f'<div class="searchable-table"><input id="{table_id}-search" type="search" '
            f'placeholder="Search a municipality, province or region" style="width:100%;margin:0.5em 0">'
            f'<p id="{table_id}-count" style="font-size:0.85em;color:#555">{len(data)} municipalities</p>'
            f'<div style="max-height:32em;overflow:auto"><table id="{table_id}" class="table">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div></div>"
            + _SEARCH_SCRIPT % {"id": table_id})
    return HTML(html)
