"""Fixtures of the book tests: the strictly built HTML, served on 127.0.0.1, and a real browser reading it.

The HTML is built once per test run (``built_html``, session scope) and shared by every test that
reads it: static checks of the files, the downloads, the browser and accessibility tests.  A test that
needs the built pages takes ``built_html`` (the ``_build/html`` folder) or ``book_server`` (its URL on
127.0.0.1); it never builds the book again.  A test that drives the page gets ``book_page``: call it
with a path of the built book and it returns the Selenium driver showing that page (desktop size), e.g.::

    def test_benchmark_table_sorts(book_page):
        driver = book_page("book/maps.html")
        driver.find_element(By.CSS_SELECTOR, "#benchmark th").click()
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import DESKTOP, BookServer, Browser


@pytest.fixture(scope="session")
def built_html(tmp_path_factory) -> Path:
    """The book's HTML, built once per test run the strict way (Sphinx warnings are errors), through
    the project's one HTML route (:func:`jeugdzorg.book.runner.build_html`, as ``make.py`` builds).

    Built from the committed ``book/`` into a temporary directory, so the tests never touch
    ``_build/``.  Read it, never write into it: every test of the run shares it.
    """
    from jeugdzorg.book import runner

    target = tmp_path_factory.mktemp("book") / "_build"
    runner.build_html(strict=True, target=target, progress=lambda _: None)
    return target / "html"


@pytest.fixture(scope="session")
def book_server(built_html: Path) -> Iterator[BookServer]:
    """The strictly built HTML served on 127.0.0.1 (a free port)."""
    with BookServer(built_html) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole run (Debian's chromium through chromium-driver)."""
    try:
        driver = Browser()
    except RuntimeError as exc:  # not installed: the test command installs it, so this is a failure
        pytest.fail(str(exc))
    yield driver
    driver.close()


@pytest.fixture
def book_page(browser: Browser, book_server: BookServer):
    """``book_page(path)`` -> the Selenium driver showing that page of the built book, desktop size."""

    def open_page(path: str):
        browser.resize(*DESKTOP)
        browser.driver.get(book_server.url(path))
        return browser.driver

    yield open_page
    browser.resize(*DESKTOP)
