"""Accessibility and valid markup, judged by the tools Dutch public bodies are held to.

* axe-core (version pinned in ``tests/book/a11y/package.json``), WCAG 2.1 A and AA rules, in headless
  chromium: no serious or critical violation on the landing page, every chapter, the index of the
  municipality pages and a fixed sample of them.
* The Nu HTML Checker (``vnu.jar``, npm package ``vnu-jar``): no error in the markup the project
  writes itself -- the landing page, the Dutch summary, the index and the sample of municipality
  pages (their Markdown, the finder, the figures); the chapters' remaining errors come from the
  theme's and MyST-NB's own templates.

Both tools are installed at their pinned versions by :func:`tests.book.page_checks.ensure_node_tools`.
"""

from __future__ import annotations

import pytest

from tests.book.page_checks import PROFILE_SAMPLE, axe_violations, ensure_node_tools, nu_errors
from tests.book.test_browser import toc_pages

PAGES = [*toc_pages(), "book/profiles", *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)]
#: Pages whose whole markup is the project's (no executed notebook cells in them).
OWN_MARKUP = ["book/intro", "book/samenvatting", "book/conclusions", "book/profiles",
              *(f"book/profiles/{code}" for code in PROFILE_SAMPLE)]


@pytest.fixture(scope="module", autouse=True)
def node_tools() -> None:
    ensure_node_tools()


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_axe_violation(book_page, page):
    driver = book_page(f"{page}.html")
    assert axe_violations(driver) == [], page


def test_the_nu_html_checker_finds_no_error_in_the_projects_own_markup(built_html):
    errors = nu_errors([built_html / f"{page}.html" for page in OWN_MARKUP])
    assert errors == {}
