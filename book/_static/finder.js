/* The municipality finder ("Zoek uw gemeente"): type a name, another name ("Den Haag") or a GM code
   and pick a municipality's page.  Offline: the list is book/_static/gemeenten.js (window.JZ_GEMEENTEN,
   written by jeugdzorg.book.profile_pages), loaded on every page; nothing is fetched.

   Markup: <div class="jz-finder" data-finder="PATH/"></div>, where PATH/ leads from the page to the
   folder of the municipality pages (e.g. "profiles/" on book/profiles.html). */
(function () {
  "use strict";

  function fold(text) {
    // Case, accents, apostrophes and hyphens do not matter: "sudwest fryslan" finds Súdwest-Fryslân.
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/['’`]/g, "").replace(/[-\s]+/g, " ").trim();
  }

  function entries() {
    return (window.JZ_GEMEENTEN || []).map(function (row) {
      var names = [row[1]].concat(row.slice(3));
      return { code: row[0], name: row[1], province: row[2], others: row.slice(3),
               keys: names.map(fold).concat([row[0].toLowerCase(), row[0].slice(2)]) };
    });
  }

  function search(list, query) {
    var q = fold(query);
    if (!q) return [];
    var ranked = [];
    list.forEach(function (e) {
      var best = 9;
      e.keys.forEach(function (k) {
        if (k === q) best = Math.min(best, 0);
        else if (k.indexOf(q) === 0) best = Math.min(best, 1);
        else if (k.split(" ").some(function (w) { return w.indexOf(q) === 0; })) best = Math.min(best, 2);
        else if (q.length > 2 && k.indexOf(q) > 0) best = Math.min(best, 3);
      });
      if (best < 9) ranked.push([best, e]);
    });
    ranked.sort(function (a, b) { return a[0] - b[0] || a[1].name.localeCompare(b[1].name, "nl"); });
    return ranked.slice(0, 8).map(function (r) { return r[1]; });
  }

  function build(box, list, n) {
    var base = box.getAttribute("data-finder") || "";
    var id = "jz-finder-" + n;
    box.setAttribute("role", "search");
    box.innerHTML =
      '<label for="' + id + '">Zoek uw gemeente</label>' +
      '<input id="' + id + '" type="text" autocomplete="off" spellcheck="false" ' +
      'placeholder="naam of code, bijvoorbeeld Den Haag of GM0363" aria-describedby="' + id + '-status">' +
      '<p id="' + id + '-status" class="jz-finder-status" aria-live="polite"></p>' +
      '<ul class="jz-finder-results"></ul>';
    var input = box.querySelector("input"), results = box.querySelector("ul"),
        status = box.querySelector("p");
    function show() {
      var found = search(list, input.value);
      results.innerHTML = "";
      found.forEach(function (e) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = base + e.code + ".html";
        a.textContent = e.name;
        li.appendChild(a);
        var extra = [e.code, e.province].concat(e.others.length ? ["ook: " + e.others.join(", ")] : []);
        li.appendChild(document.createTextNode(" (" + extra.join(" · ") + ")"));
        results.appendChild(li);
      });
      status.textContent = !input.value.trim() ? "" :
        found.length ? found.length + (found.length === 1 ? " gemeente gevonden; Enter opent de pagina." :
                                                           " gemeenten gevonden; Enter opent de eerste.")
                     : "Geen gemeente gevonden. Probeer een deel van de naam of de GM-code.";
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        var first = results.querySelector("a");
        if (first) { event.preventDefault(); window.location.href = first.href; }
      }
    });
  }

  function start() {
    var list = entries();
    Array.prototype.forEach.call(document.querySelectorAll(".jz-finder"), function (box, n) {
      build(box, list, n);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
