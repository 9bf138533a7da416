"""Tables for the book: DataFrames rendered as Markdown so Sphinx numbers them as tables, and the
interactive benchmark table (itables in offline mode)."""

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


#: Ordering of the numeric columns of an interactive table: the first number in the cell's text
#: (thousands commas, a minus sign, "+12%" and "916-1,717" read as numbers), and a cell without a
#: number (a missing value, shown as an en dash) last in both directions, so sorting never puts the
#: municipalities without a figure on top.
_ORDER_SCRIPT = """<script>
(function () {
  function value(cell) {
    var match = String(cell).replace(/<[^>]*>/g, "").replace(/\\u2212/g, "-").match(/[-+]?\\d[\\d,]*(?:\\.\\d+)?/);
    return match ? parseFloat(match[0].replace(/,/g, "")) : null;
  }
  function compare(a, b, sign) {
    var x = value(a), y = value(b);
    if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
    return sign * (x - y);
  }
  window.%(bundle)s.then(function (module) {
    var order = module.default.ext.type.order;
    order["%(type)s-asc"] = function (a, b) { return compare(a, b, 1); };
    order["%(type)s-desc"] = function (a, b) { return compare(a, b, -1); };
  });
})();
</script>"""
#: The DataTables type of the numeric columns (see :data:`_ORDER_SCRIPT`).
NUMBER_TYPE = "jz-number"


def interactive_assets() -> None:
    """Display the offline assets of itables (DataTables, about 1 MB) in the notebook that shows an
    interactive table: nothing is loaded from another host.  Call once, before the tables."""
    import itables

    itables.init_notebook_mode(all_interactive=False, connected=False)


def interactive_table(frame: pd.DataFrame, table_id: str, *, caption: str, numeric: list[str],
                      hidden: list[str] | None = None, wide: list[str] | None = None, notes: str = "",
                      csv: pd.DataFrame | None = None,
                      csv_name: str = "table.csv", page_length: int = 25):
    """A sortable, searchable table (itables/DataTables, offline) with caption, notes and a CSV download.

    Parameters
    ----------
    frame
        The cells as shown: text, already rounded and formatted (a missing value as an en dash);
        HTML is allowed (links).  The index is not shown.
    table_id
        A fixed id, so that the output is the same on every build (nbval, byte-identical rebuilds).
    caption
        The table's caption (its accessible name), with the unit.
    numeric
        Columns sorted as numbers, missing values last in both directions.
    hidden
        Columns not shown but searched (e.g. other names of a municipality).
    wide
        Text columns that get room rather than many short lines (notes).
    notes
        HTML under the table: sources and notes.
    csv
        The numbers behind the table, offered as a CSV download (a ``data:`` link in the page).
    """
    import base64
    from html import escape

    import itables
    from IPython.display import HTML

    from itables.javascript import _itables_underscore_version

    columns = list(frame.columns)
    column_defs = [{"targets": [columns.index(c) for c in numeric], "type": NUMBER_TYPE,
                    "className": "dt-right jz-nowrap"}]
    if hidden:
        column_defs.append({"targets": [columns.index(c) for c in hidden], "visible": False, "searchable": True})
    if wide:
        column_defs.append({"targets": [columns.index(c) for c in wide], "className": "jz-wide"})
    table = itables.to_html_datatable(
        frame.reset_index(drop=True), caption=caption, table_id=table_id, connected=False, allow_html=True,
        showIndex=False, columnDefs=column_defs, pageLength=page_length,
        lengthMenu=[10, 25, 50, 100, -1], classes="display compact", order=[],
        style="table-layout:auto;width:100%;margin:0;caption-side:top",
        layout={"topStart": "pageLength", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"},
        language={"search": "Search (name, province, region):", "lengthMenu": "_MENU_ rows per page"},
        # The whole heading sorts (and takes the keyboard focus), not only its arrow icon; a search
        # matches what is typed as one phrase ("Den Haag"), not each word anywhere in a row.
        text_in_header_can_be_selected=False, search={"smart": False},
        display_logo_when_loading=False, maxBytes=0,
        # Wide tables scroll inside their own box (a phone); the caption stays the table's accessible
        # name but is shown above the box, where it does not scroll away.
        css=(f"#{table_id}_wrapper .dt-layout-table {{overflow-x:auto}} #{table_id} td.jz-nowrap {{white-space:nowrap}} "
             f"#{table_id} td.jz-wide {{min-width:12em}} "
             f"#{table_id} caption {{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
             "white-space:nowrap}"))
    download = ""
    if csv is not None:
        # Whole numbers as whole numbers: a rounded euro amount is 2261, not 2261.0.
        whole = {c: "Int64" for c in csv.columns if pd.api.types.is_float_dtype(csv[c])
                 and bool((csv[c].dropna() % 1 == 0).all())}
        text = csv.astype(whole).to_csv(index=False, lineterminator="\n")
        data = base64.b64encode(text.encode("utf-8")).decode("ascii")
        # The same words and class as the downloads the HTML build puts under every other table.
        download = (f'<p class="data-download">Download the data (CSV, {len(csv)} rows): '
                    f'<a href="data:text/csv;charset=utf-8;base64,{data}" download="{escape(csv_name)}">'
                    f'<code>{escape(csv_name)}</code></a></p>')
    script = _ORDER_SCRIPT % {"bundle": _itables_underscore_version(), "type": NUMBER_TYPE}
    return HTML(f'<div class="jz-interactive-table"><p class="jz-table-caption"><strong>{escape(caption)}</strong></p>'
                f'{script}{table}'
                f'<div class="jz-table-notes">{notes}</div>{download}</div>')
