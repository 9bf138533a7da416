"""Fixtures of the book tests: the built HTML served on 127.0.0.1 and a real browser reading it.

A test that drives the page gets ``book_page``: call it with a path of the built book and it returns
the Selenium driver showing that page (desktop size), e.g.::

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
