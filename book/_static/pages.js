/* Small fixes in the reader's browser, after the theme has drawn the page.

   1. Tables with the class jz-stack (the municipality pages) stack on a phone: each row becomes a
      block and each cell shows its column's name (data-label, from the table's header), so no table
      needs sideways scrolling (book/_static/jeugdzorg.css).

   The theme's markup is not repaired here: the build writes it valid and accessible
   (jeugdzorg.book.sphinx_markup, book/_templates). */
(function () {
  "use strict";

  function labelStackedTables() {
    document.querySelectorAll("table.jz-stack").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (heads[i]) cell.setAttribute("data-label", heads[i]);
        });
      });
    });
  }

  function start() {
    labelStackedTables();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
