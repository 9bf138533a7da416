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

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Rebuild:
    """A scratch copy of the project after two ``make.py book`` runs (see :func:`incremental_rebuild`)."""

    project: Path
    html: Path
    #: Modification time of every file of the HTML after the first run, by path relative to ``html``.
    before: dict[str, int]
    #: The glued value the edit produced (the value of the committed notebook is back after the second run).
    edited_value: str


#: The chapter executed again, the number it glues that the summaries paste, and what is added to it.
CHAPTER, KEY, ADDED = "trends", "tr_cpc_last", 1000


def _make_book(project: Path) -> None:
    """``make.py book`` in the scratch copy (its own package, the committed snapshot)."""
    from jeugdzorg.build_timing import scratch_env

    command = [sys.executable, "-m", "jeugdzorg.cli", "book", "--raw-dir", str(project / "no-raw-data")]
    result = subprocess.run(command, cwd=project, env=scratch_env(project), capture_output=True, text=True)
    assert result.returncode == 0, f"make.py book failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def incremental_rebuild(tmp_path_factory) -> Rebuild:
    """The book built twice through ``make.py book`` in a scratch copy: first from scratch after an
    edit of a chapter's template that changes a number the conclusions and the Samenvatting paste
    (``tr_cpc_last`` of the trends chapter, plus 1000), then, incrementally, after the edit was undone.

    The second run executes the chapter again and must bring the committed number back into every
    page that pastes it, rewrite no page that pastes nothing from that chapter, and leave the HTML
    exactly as a clean build of the committed book (``built_html``) -- the tests of
    ``test_book_build.py`` check each.
    """
    from jeugdzorg.build_timing import copy_project
    from tests.helpers import glued_values

    project = copy_project(tmp_path_factory.mktemp("incremental"))
    template = project / "analysis" / "templates" / f"{CHAPTER}.md"
    original = template.read_text(encoding="utf-8")
    glue = re.compile(rf'(publish\.number\("{KEY}", )(.+?)(, "\w+"\))')
    assert len(glue.findall(original)) == 1, f"{template.name} no longer glues {KEY} with publish.number"
    template.write_text(glue.sub(rf"\g<1>(\g<2>) + {ADDED}\g<3>", original), encoding="utf-8")
    _make_book(project)
    notebook = json.loads((project / "book" / f"{CHAPTER}.ipynb").read_text(encoding="utf-8"))
    html = project / "_build" / "html"
    before = {str(p.relative_to(html)): p.stat().st_mtime_ns for p in html.rglob("*") if p.is_file()}
    template.write_text(original, encoding="utf-8")
    _make_book(project)
    return Rebuild(project, html, before, glued_values(notebook)[KEY])
