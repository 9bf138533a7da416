"""Accessibility and valid markup, judged by the tools Dutch public bodies are held to.

* axe-core (version pinned in ``tests/book/a11y/package.json``), WCAG 2.1 A and AA rules, in headless
  chromium: no serious or critical violation on the landing page, every chapter, the index of the
  municipality pages and a fixed sample of them.  The markup passes as the build writes it: with the
  book's own scripts (``html_js_files`` of ``_config.yml``: the finder, the stacking of wide tables)
  blocked, axe finds no violation at all on pages that carry each part of the theme a script once
  repaired in the browser.
* The Nu HTML Checker (``vnu.jar``, npm package ``vnu-jar``): no error on any page of the site but the
  342 municipality pages (which are checked by the fixed sample): every chapter, the landing page, the
  index, the search and general index pages, and the root ``index.html``.  Faults of the theme and of
  the extensions are fixed when the build writes the page (:mod:`jeugdzorg.book.sphinx_markup`,
  ``book/_templates``).

Both tools are installed at their pinned versions by :func:`tests.book.page_checks.ensure_node_tools`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.book.page_checks import PROFILE_SAMPLE, axe_violations, ensure_node_tools, nu_errors
from tests.book.test_browser import toc_pages
from jeugdzorg.paths import PROJECT_ROOT
from tests.browser import DESKTOP

#: The landing page, every chapter, the index of the municipality pages and the sample (each once:
#: the table of contents names the index too).
PAGES = list(dict.fromkeys([*toc_pages(), "book/profiles", *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)]))
#: The book's own scripts, blocked to show that the markup passes without them.
BOOK_SCRIPTS = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))[
    "sphinx"]["config"]["html_js_files"]
#: Pages with every part a script once repaired: the theme's search button and colour-mode switch
#: (every page), folded code cells (a chapter), the bibliography's list, a municipality page.
WITHOUT_SCRIPT = ["book/intro", "book/trends", "book/bibliography", f"book/profiles/{PROFILE_SAMPLE[0]}"]
#: Where the municipality pages are (each is checked by the sample, not all 342).
MUNICIPALITY_PAGES = "book/profiles"
#: Folders of the built site that hold no pages (the theme's Jinja macros are copied into ``_static``).
NOT_PAGES = ("_static", "_sources", "_downloads", "_images")


def site_pages(html: Path) -> list[Path]:
    """Every HTML page of the built site that is not a municipality page, and the fixed sample of those."""
    pages = [path for path in sorted(html.rglob("*.html"))
             if path.relative_to(html).parts[0] not in NOT_PAGES
             and path.parent.relative_to(html).as_posix() != MUNICIPALITY_PAGES]
    return pages + [html / MUNICIPALITY_PAGES / f"{code}.html" for code in PROFILE_SAMPLE]


@pytest.fixture(scope="module", autouse=True)
def node_tools() -> None:
    ensure_node_tools()


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_axe_violation(book_page, page):
    driver = book_page(f"{page}.html")
    assert axe_violations(driver) == [], page


def blocked_requests(driver) -> list[str]:
    """The addresses the browser blocked since its DevTools log was last read (the log of requests
    the test browser keeps, ``goog:loggingPrefs``)."""
    urls: dict[str, str] = {}
    blocked = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message.get("method") == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message.get("method") == "Network.loadingFailed" and params.get("blockedReason"):
            blocked.append(urls.get(params["requestId"], "?"))
    return blocked


@pytest.fixture
def page_without_script(browser, book_server):
    """``page_without_script(path)`` -> the driver showing that page with the book's scripts blocked (and
    the browser's cache off, so that no copy from an earlier page runs instead)."""
    driver = browser.driver
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [f"*/_static/{name}*" for name in BOOK_SCRIPTS]})

    def open_page(path: str):
        browser.resize(*DESKTOP)
        blocked_requests(driver)  # forget what earlier pages requested
        driver.get(book_server.url(path))
        blocked = blocked_requests(driver)
        missed = [name for name in BOOK_SCRIPTS if not any(f"/_static/{name}" in url for url in blocked)]
        assert missed == [], f"{missed} not blocked on {path} ({blocked}): the test would judge the repaired page"
        return driver

    yield open_page
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})


@pytest.mark.parametrize("page", WITHOUT_SCRIPT)
def test_axe_finds_no_violation_in_the_markup_as_built_without_the_books_scripts(page_without_script, page):
    driver = page_without_script(f"{page}.html")
    assert axe_violations(driver, impacts=("minor", "moderate", "serious", "critical")) == [], page


def test_the_nu_html_checker_finds_no_error_on_any_page_of_the_site(built_html):
    pages = site_pages(built_html)
    checked = {path.relative_to(built_html).as_posix() for path in pages}
    # The selection is the whole site, not a few pages: the root redirect, Sphinx's own pages, every
    # chapter of the table of contents, the index of the municipality pages and the sample.
    assert {"index.html", "search.html", "genindex.html"} <= checked
    assert {f"{page}.html" for page in PAGES} <= checked
    assert nu_errors(pages) == {}


def test_the_nu_html_checker_reports_what_the_build_no_longer_writes(tmp_path):
    """The checker is run so that it can fail: a paragraph in a summary (MyST-NB's folded cells), a
    page without doctype and title (the bare redirect), itables' unknown ``<it>`` are errors."""
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>t</title></head>\n'
            "<body>\n<details><summary>{}</summary><p>code</p></details>\n</body>\n</html>\n")
    (tmp_path / "valid.html").write_text(page.format("<span>Show code cell source</span>"), encoding="utf-8")
    (tmp_path / "broken.html").write_text(page.format("<p>Show code cell source</p>"), encoding="utf-8")
    (tmp_path / "bare.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html" />\n',
                                        encoding="utf-8")
    (tmp_path / "unknown.html").write_text(page.format("<noscript><it>trusted</it></noscript>"),
                                           encoding="utf-8")
    errors = nu_errors([tmp_path / name for name in ("valid.html", "broken.html", "bare.html", "unknown.html")])
    assert sorted(errors) == ["bare.html", "broken.html", "unknown.html"]
    assert any("“p” not allowed as child of element “summary”" in message for message in errors["broken.html"])
    assert any("doctype" in message for message in errors["bare.html"])


def test_a_folded_code_cell_shows_the_prompt_for_its_state(book_page):
    """The prompts are spans now (a summary may not hold a p): the book's CSS still shows the one for
    the fold's state, which is also the summary's name, and a click still opens the cell."""
    from selenium.webdriver.common.by import By

    driver = book_page("book/trends.html")
    fold = driver.find_element(By.CSS_SELECTOR, "div.cell details.hide")
    summary = fold.find_element(By.TAG_NAME, "summary")
    assert summary.get_attribute("aria-label") is None
    assert summary.get_attribute("innerText").strip() == "Show code cell source"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    assert fold.get_attribute("open") is not None
    assert summary.get_attribute("innerText").strip() == "Hide code cell source"
