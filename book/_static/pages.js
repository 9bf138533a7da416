/* Two small fixes in the reader's browser, after the theme has drawn the page (tables that do not
   fit their column: book/_static/tables.js).

   1. The theme's controls whose accessible name does not contain their visible text (WCAG 2.5.3,
      axe rule label-content-name-mismatch) are named by that text.
   2. The bibliography's entries are list items of its list. */
(function () {
  "use strict";

  function nameButtonsByTheirText() {
    // A control with visible text whose label says something else (the search button "Search ...
    // Ctrl+K" named "Search"; a folded code cell "Show code cell source" named "Toggle hidden
    // content"): the name is taken from the visible text.
    document.querySelectorAll("button[aria-label], summary[aria-label]").forEach(function (control) {
      var text = control.textContent.replace(/\s+/g, " ").trim().toLowerCase();
      if (text && control.getAttribute("aria-label").trim().toLowerCase().indexOf(text) < 0) {
        control.removeAttribute("aria-label");
      }
    });
    // An icon button (the colour-mode switch): its name becomes text inside it, hidden from the eye.
    document.querySelectorAll("button.theme-switch-button[aria-label]").forEach(function (button) {
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = button.getAttribute("aria-label");
      button.appendChild(name);
      button.removeAttribute("aria-label");
    });
  }

  function bibliographyAsAList() {
    // docutils writes role="list" on the bibliography with role="doc-biblioentry" entries (deprecated,
    // and not a list item): a list must hold list items (axe rule aria-required-children).
    document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
  }

  function start() {
    nameButtonsByTheirText();
    bibliographyAsAList();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
