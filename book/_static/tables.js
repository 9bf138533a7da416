/* Every table of the book fits its text column, at any screen width, without sideways scrolling.

   A table that is wider than the column (a chapter's table with a column per year, the benchmark
   table, a municipality page's table on a phone) gets the class jz-stacked: each row becomes a block
   headed by its first cell, and every other cell a line "column name ... value" (book/_static/
   jeugdzorg.css).  The column names come from the table's header (data-label, with the group of a
   two-row header, e.g. "2022 – Realised"), so nothing is left out: the caption keeps the unit, and
   the header cells stay in the page for screen readers.  A table that fits stays a table (a
   two-column table is never stacked).  Decided again when the window changes width, and when a
   sortable table (DataTables) draws other rows.  Without this script a wide table scrolls in its box. */
(function () {
  "use strict";

  var STACKED = "jz-stacked";

  function columnWidth(table) {
    // The text column, or the full width of a cell tagged full-width (the theme lets it use the margin).
    var room = table.closest(".tag_full-width") || table.closest(".bd-article") || document.body;
    var style = getComputedStyle(room);
    return room.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }

  function headerLabels(table) {
    // The header's rows as a grid (a cell spanning columns fills each of them), then per column its
    // distinct non-empty names from the top row down.
    var grid = [];
    Array.prototype.forEach.call(table.querySelectorAll("thead tr"), function (tr) {
      var row = [];
      Array.prototype.forEach.call(tr.children, function (cell) {
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        for (var i = 0; i < (cell.colSpan || 1); i++) row.push(text);
      });
      grid.push(row);
    });
    var width = Math.max.apply(null, [0].concat(grid.map(function (row) { return row.length; })));
    var labels = [];
    for (var column = 0; column < width; column++) {
      var parts = [];
      grid.forEach(function (row) {
        var text = row[column];
        if (text && parts.indexOf(text) < 0) parts.push(text);
      });
      labels.push(parts.join(" – "));
    }
    return labels;
  }

  function label(table) {
    var labels = headerLabels(table);
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        var column = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          if (labels[column]) cell.setAttribute("data-label", labels[column]);
          column += cell.colSpan || 1;
        });
      });
    });
  }

  function fit(table) {
    table.classList.remove(STACKED);
    if (table.getBoundingClientRect().width > columnWidth(table) + 1) {
      label(table);
      table.classList.add(STACKED);
    }
  }

  function fitAll() {
    document.querySelectorAll(".bd-article table").forEach(fit);
  }

  function start() {
    fitAll();
    // A sortable table (DataTables) draws its header and rows after the page has loaded, and other
    // rows when it sorts, searches or pages.
    document.querySelectorAll(".bd-article table").forEach(function (table) {
      new MutationObserver(function () { fit(table); }).observe(table, {childList: true, subtree: true});
    });
    // A folded output that opens shows its tables.
    document.addEventListener("toggle", fitAll, true);
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(fitAll);
    });
    window.addEventListener("load", fitAll);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
