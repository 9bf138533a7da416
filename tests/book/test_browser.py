"""The built book in a real browser (Debian's chromium, headless), served on 127.0.0.1.

Every chapter of the table of contents and a fixed sample of municipality profiles load with no
console error and no request to another host; the Dutch page says it is Dutch; at phone width no page
is wider than the screen (a wide table scrolls inside its own box); and the data download under every
figure and table is there and answers.
"""

from __future__ import annotations

import urllib.request

import pytest
import yaml

from jeugdzorg.paths import PROJECT_ROOT

from tests.browser import PHONE, Browser, BookServer

#: The profiles visited: a large city, the smallest municipality, one without reported cost.
PROFILE_SAMPLE = ("GM0363", "GM0060", "GM0599")
#: Pages whose front matter says `lang: nl`: the summary, the municipality pages and their index.
DUTCH_PAGES = {"book/samenvatting", "book/profiles", *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)}


def toc_pages() -> list[str]:
    """Every page the table of contents names (the root and each ``file:``), as HTML paths."""
    toc = yaml.safe_load((PROJECT_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            if "file" in chapter:
                pages.append(chapter["file"])
    return pages


PAGES = [*toc_pages(), *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)]


@pytest.fixture(scope="module")
def desktop_visits(browser: Browser, book_server: BookServer) -> dict:
    """Each page (and the search page with a query) opened once at desktop width."""
    visits = {page: browser.visit(book_server.url(f"{page}.html")) for page in PAGES}
    visits["search"] = browser.visit(book_server.url("search.html?q=jeugdzorg"))
    return visits


@pytest.mark.parametrize("page", [*PAGES, "search"])
def test_page_loads_with_no_console_error_and_nothing_from_another_host(desktop_visits, page):
    visit = desktop_visits[page]
    assert "404" not in visit.title and visit.title, f"{page} did not load: {visit.title!r}"
    assert visit.console_errors == [], f"{page} logged errors: {visit.console_errors}"
    assert visit.foreign_requests == [], f"{page} asked another host: {visit.foreign_requests}"


def test_the_dutch_page_says_it_is_dutch_and_the_others_english(desktop_visits):
    languages = {page: visit.language for page, visit in desktop_visits.items() if page != "search"}
    assert {page for page, language in languages.items() if language == "nl"} == DUTCH_PAGES
    assert {language for page, language in languages.items() if page not in DUTCH_PAGES} == {"en"}


def test_the_browser_check_notices_an_error_and_a_request_elsewhere(browser, book_server, built_html):
    """The test of the test: a page with a script error and an image from another host."""
    bad = built_html / "book" / "broken-test-page.html"
    bad.write_text('<html lang="en"><head><title>broken</title></head><body>'
                   '<img src="https://example.org/pixel.png"><script>undefinedFunction()</script>'
                   "</body></html>", encoding="utf-8")
    try:
        visit = browser.visit(book_server.url("book/broken-test-page.html"))
    finally:
        bad.unlink()
    assert any("undefinedFunction" in message for message in visit.console_errors)
    assert visit.foreign_requests == ["https://example.org/pixel.png"]


#: Tables wider than the box they sit in, without an ancestor that scrolls sideways (a page-wide table).
_UNSCROLLED_TABLES = """
return Array.from(document.querySelectorAll('.bd-article table')).filter(function (table) {
  for (var box = table.parentElement; box && box !== document.body; box = box.parentElement) {
    var style = getComputedStyle(box).overflowX;
    if (style === 'auto' || style === 'scroll') { return false; }
    if (box.classList.contains('bd-article')) { break; }
  }
  return table.scrollWidth > table.parentElement.clientWidth + 1;
}).map(function (table) { return table.id || table.className; });
"""


@pytest.mark.parametrize("page", PAGES)
def test_at_phone_width_nothing_is_wider_than_the_screen(browser, book_server, page):
    browser.resize(*PHONE)
    try:
        visit = browser.visit(book_server.url(f"{page}.html"))
        unscrolled = browser.driver.execute_script(_UNSCROLLED_TABLES)
    finally:
        browser.resize(1280, 900)
    assert visit.page_width <= visit.window_width, f"{page} is {visit.page_width}px wide on a {visit.window_width}px phone"
    assert unscrolled == [], f"{page}: tables that widen the page instead of scrolling: {unscrolled}"


#: Figures and numbered tables of the article that have no data download directly below them.
_WITHOUT_DOWNLOAD = """
var missing = [], links = [];
document.querySelectorAll('.bd-article figure, .bd-article table').forEach(function (node) {
  if (node.tagName === 'TABLE' && node.closest('.cell_output') && !node.id) { return; }
  var below = node.tagName === 'TABLE' && node.parentElement.classList.contains('pst-scrollable-table-container')
      ? node.parentElement.nextElementSibling : node.nextElementSibling;
  // An interactive (itables) table is rebuilt by DataTables: its download closes its own box.
  var box = node.closest('.jz-interactive-table');
  if (box) { below = box.lastElementChild; }
  var link = below && below.classList.contains('data-download') ? below.querySelector('a[download]') : null;
  if (link) { links.push(link.href); } else { missing.push(node.id || node.tagName); }
});
return [missing, links];
"""


@pytest.mark.parametrize("page", [p for p in PAGES if p != "book/bibliography"])
def test_every_figure_and_table_has_its_data_download_below_it(browser, book_server, page):
    browser.visit(book_server.url(f"{page}.html"))
    missing, links = browser.driver.execute_script(_WITHOUT_DOWNLOAD)
    assert missing == [], f"{page}: no CSV download under {missing}"
    for link in links:
        with urllib.request.urlopen(link) as response:
            # A file served by the book answers 200; an interactive table's CSV is inline (data:).
            assert response.status in ((None,) if link.startswith("data:") else (200,)), link
            assert len(response.read().strip().splitlines()) > 1, link
