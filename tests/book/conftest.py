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
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import DESKTOP, BookServer, Browser


@dataclass(frozen=True)
class BuiltBook:
    """A scratch copy of the project whose HTML was built strictly, and a copy of that HTML."""

    project: Path
    html: Path


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BuiltBook:
    """The committed book built once per test run the strict way (Sphinx warnings are errors), with
    ``make.py html --strict`` in a scratch copy of the project: the project's one HTML route
    (:func:`jeugdzorg.book.runner.build_html`).  The tests never touch the project's ``_build/``.

    The HTML is kept as it was (hard links: a build never writes into a served file, it swaps in a
    new folder), because :func:`incremental_rebuild` builds on in the same copy.
    """
    from jeugdzorg.build_timing import copy_project

    project = copy_project(tmp_path_factory.mktemp("book"))
    _cli(project, "html", "--strict")
    kept = project.parent / "html"
    shutil.copytree(project / "_build" / "html", kept, copy_function=os.link)
    return BuiltBook(project, kept)


@pytest.fixture(scope="session")
def built_html(built_book: BuiltBook) -> Path:
    """The strictly built HTML of the committed book (:func:`built_book`), shared by every test of the
    run: read it, never write into it."""
    return built_book.html


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
    """The scratch copy of :func:`built_book` after two more ``make.py book`` runs (see :func:`incremental_rebuild`)."""

    project: Path
    html: Path
    #: Modification time of every file of the HTML after the edited run, by path relative to ``html``.
    before: dict[str, int]
    #: The glued value the edit produced (the value of the committed notebook is back after the second run).
    edited_value: str
    #: A third run, with the record of the last complete build removed (every check by content):
    #: every file of the project it opened, and every file the record covers (relative to the project).
    opened_by_checks: frozenset[str]
    recorded_files: frozenset[str]
    #: What a fourth run, with nothing changed, printed.
    unchanged_run: str


#: The chapter executed again, the number it glues that the summaries paste, and what is added to it.
CHAPTER, KEY, ADDED = "trends", "tr_cpc_last", 1000


#: ``make.py book`` with an audit hook: writes every file the run opens, and the files whose status
#: the record of a complete build holds, as JSON into ``sys.argv[1]``.
_AUDITED_BOOK = """
import json, os, sys
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        opened.add(os.path.abspath(os.fsdecode(args[0])))
sys.addaudithook(hook)
from jeugdzorg.cli import main
code = main(sys.argv[2:])
from jeugdzorg.build_record import watched_files
watched = [str(p) for p in watched_files(sys.argv[sys.argv.index("--raw-dir") + 1])]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"opened": sorted(opened), "watched": watched}, out)
sys.exit(code)
"""


def _cli(project: Path, *arguments: str, opened: Path | None = None) -> str:
    """``make.py ARGUMENTS`` in the scratch copy (its own package); its output.  With ``opened``,
    every file the run opens is listed there."""
    from jeugdzorg.build_timing import scratch_env

    start = [sys.executable, "-m", "jeugdzorg.cli"] if opened is None else [sys.executable, "-c", _AUDITED_BOOK,
                                                                             str(opened)]
    result = subprocess.run([*start, *arguments], cwd=project, env=scratch_env(project), capture_output=True,
                            text=True)
    assert result.returncode == 0, (f"make.py {' '.join(arguments)} failed:\n{result.stdout[-3000:]}\n"
                                    f"{result.stderr[-3000:]}")
    return result.stdout


def _make_book(project: Path, opened: Path | None = None) -> str:
    """``make.py book`` in the scratch copy, from the committed snapshot (no raw folder)."""
    return _cli(project, "book", "--raw-dir", str(project / "no-raw-data"), opened=opened)


@pytest.fixture(scope="session")
def incremental_rebuild(built_book: BuiltBook) -> Rebuild:
    """The strictly built book (:func:`built_book`) built on twice through ``make.py book``, each time
    incrementally: first after an edit of a chapter's template that changes a number the conclusions
    and the Samenvatting paste (``tr_cpc_last`` of the trends chapter, plus 1000), then after the edit
    was undone.

    The last run executes the chapter again and must bring the committed number back into every
    page that pastes it, rewrite no page that pastes nothing from that chapter, and leave the HTML
    exactly as the clean build of the committed book (``built_html``) -- the tests of
    ``test_book_build.py`` check each.  Then, with the record of that complete build removed, a
    further run checks everything by content and lists the files it opens, and one more must stop at
    the record (:mod:`jeugdzorg.build_record`).
    """
    from tests.helpers import glued_values

    project = built_book.project
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
    (project / "_build" / ".book-inputs.json").unlink()
    listing = project.parent / "opened-by-make-book.json"
    _make_book(project, opened=listing)
    files = json.loads(listing.read_text(encoding="utf-8"))
    opened, watched = ({str(Path(p).relative_to(project)) for p in files[kind] if Path(p).is_relative_to(project)}
                       for kind in ("opened", "watched"))
    return Rebuild(project, html, before, glued_values(notebook)[KEY], frozenset(opened), frozenset(watched),
                   _make_book(project))
