"""The book builds with Sphinx warnings as errors, has its pages, and a failed build keeps the old one.

Incremental builds (``make.py book`` after a chapter was executed again) are never stale: every page
that pastes a number shows its new value, no page that pastes nothing from the chapter is rewritten,
and the HTML is, file for file, what a clean build gives (``incremental_rebuild`` in conftest.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from myst_nb.core.variables import format_plain_text

from jeugdzorg import build_record
from jeugdzorg.book import runner
from jeugdzorg.book.sphinx_language import dutch_notation
from jeugdzorg.paths import BOOK_DIR

from .conftest import CHAPTER, KEY

pytestmark = pytest.mark.slow  # builds the book or re-executes chapters: scheduled first under -n


@pytest.fixture(scope="module")
def built(built_html):
    """The strict build of the whole test run (tests/conftest.py) and its index page."""
    return built_html, built_html / "index.html"


def test_strict_build_opens_with_the_introduction(built):
    html, index = built
    assert index.is_file()
    text = index.read_text(encoding="utf-8")
    # The site's index.html (jeugdzorg.book.sphinx_markup) forwards to the root page of the table of contents.
    assert "book/intro.html" in text
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    assert "What drives the cost of youth care in Dutch municipalities?" in intro


def test_data_chapter_has_numbered_figures_and_tables_with_glued_numbers(built):
    html, _ = built
    page = (html / "book" / "data_coverage.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<img [^>]*src="[^"]+\.png"', page)) >= 3
    assert re.search(r"Figure 1\b", page) and re.search(r"Table 1\b", page)
    assert "glue" not in re.sub(r"<div class=\"cell.*?</div>", "", page, flags=re.S).split("<article")[1][:200]
    assert "Bron: CBS" in page
    # No unresolved glue role or reference left in the text.
    assert "{glue" not in page and "??" not in page


def test_every_figure_image_has_alt_text_that_describes_it(built):
    """A screen reader must not read out a file hash: alt text comes from the figure's caption."""
    html, _ = built
    pages = sorted(html.rglob("*.html"))
    images = 0
    for page in pages:
        for tag in re.findall(r"<img [^>]*>", page.read_text(encoding="utf-8")):
            if "_images/" not in tag:
                continue  # logos and icons of the theme
            images += 1
            alt = re.search(r'alt="([^"]*)"', tag)
            assert alt and len(alt[1]) > 20 and "_images/" not in alt[1] and not alt[1].endswith(".png"), (page, tag)
    assert images > 20


def test_reproducibility_page_renders_the_manifest(built):
    html, _ = built
    page = (html / "book" / "reproducibility.html").read_text(encoding="utf-8")
    assert "83454NED" in page and "CC BY 4.0" in page
    assert re.search(r"[0-9a-f]{12}", page)


def test_failed_build_leaves_the_previous_book_in_place(tmp_path, monkeypatch):
    target = tmp_path / "_build"
    (target / "html").mkdir(parents=True)
    (target / "html" / "index.html").write_text("previous book")

    def failing_run(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, stdout="Sphinx error", stderr="")

    monkeypatch.setattr(runner.subprocess, "run", failing_run)
    with pytest.raises(RuntimeError, match=r"HTML build \(jupyter-book, Sphinx\) failed"):
        runner.build_html(target=target, progress=lambda _: None)
    assert (target / "html" / "index.html").read_text() == "previous book"
    assert [p.name for p in tmp_path.iterdir()] == ["_build"]
    # No staging left, and no Sphinx state a later build could trust after the failure.
    assert [p.name for p in target.iterdir()] == ["html"]


# --------------------------------------------------------------------------------------------
# Incremental builds
# --------------------------------------------------------------------------------------------

def _pasting(project: Path, reference: str) -> dict[str, str]:
    """Page (docname) -> its source text, for every page of ``book/`` whose text contains ``reference``."""
    pages = {}
    for source in sorted((project / "book").rglob("*")):
        if source.suffix in (".md", ".ipynb") and ".tmp-" not in source.name:
            text = source.read_text(encoding="utf-8")
            if reference in text:
                pages[str(source.relative_to(project).with_suffix(""))] = text
    return pages


def test_every_page_pasting_a_number_shows_its_new_value_after_its_chapter_ran_again(incremental_rebuild):
    from tests.helpers import glued_values, load_notebook

    project, html = incremental_rebuild.project, incremental_rebuild.html
    value = glued_values(load_notebook(project / "book" / f"{CHAPTER}.ipynb"))[KEY]
    assert value != incremental_rebuild.edited_value
    pages = _pasting(project, f"{CHAPTER}.ipynb::{KEY}")
    assert {"book/conclusions", "book/samenvatting"} <= set(pages)
    for page, text in pages.items():
        shown = (html / f"{page}.html").read_text(encoding="utf-8")
        for spec in re.findall(rf"{CHAPTER}\.ipynb::{KEY}(?::([^`]*))?`", text):
            new, old = (format_plain_text(v, spec) if spec else v for v in (value, incremental_rebuild.edited_value))
            if re.search(r"^lang:\s*nl\s*$", text, re.M):
                new, old = dutch_notation(new), dutch_notation(old)
            assert f'<span class="pasted-text">{new}</span>' in shown, (page, new)
            assert f'<span class="pasted-text">{old}</span>' not in shown, (page, old)


def test_no_page_that_pastes_nothing_from_the_chapter_was_rewritten(incremental_rebuild):
    project, html, before = incremental_rebuild.project, incremental_rebuild.html, incremental_rebuild.before
    # Rewritten: the chapter, the pages pasting from it, and the root page, whose table of contents
    # shows the chapter's title (Sphinx rewrites the page holding a changed page's toctree entry).
    root = yaml.safe_load((project / "_toc.yml").read_text(encoding="utf-8"))["root"]
    pasting = set(_pasting(project, f"{CHAPTER}.ipynb::")) | {f"book/{CHAPTER}", root}
    rewritten, kept = set(), set()
    for page in sorted((html / "book").rglob("*.html")):
        relative = str(page.relative_to(html))
        (rewritten if page.stat().st_mtime_ns != before[relative] else kept).add(relative.removesuffix(".html"))
    assert rewritten == pasting
    assert len(kept) > 300  # the municipality pages and every other chapter


def test_incremental_builds_give_the_html_of_a_clean_build_file_for_file(incremental_rebuild, built_html):
    project, html = incremental_rebuild.project, incremental_rebuild.html
    # The second run re-executed the chapter from the committed template: the committed notebook.
    committed = (BOOK_DIR / f"{CHAPTER}.ipynb").read_bytes()
    assert (project / "book" / f"{CHAPTER}.ipynb").read_bytes() == committed, "committed notebook is stale"

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    incremental, clean = tree(html), tree(built_html)
    assert sorted(set(incremental) ^ set(clean)) == []
    assert [name for name in clean if incremental[name] != clean[name]] == []
    assert len(clean) > 4000


def test_the_record_of_a_complete_build_covers_every_file_its_checks_read(incremental_rebuild):
    # With no record, make.py book proves the book current by content; every file of the project it
    # opens doing so must be one whose status the record holds, or a change to it would go unseen.
    opened, recorded = incremental_rebuild.opened_by_checks, incremental_rebuild.recorded_files
    record = "_build/.book-inputs.json"
    assert record in opened  # the run looked for the record ...
    assert "_build/html/.book-fingerprint" in opened and "book/trends.ipynb" in opened  # ... then checked by content
    derived = build_record.IGNORED_FOLDERS  # Python's bytecode of the package's modules
    unrecorded = sorted(name for name in opened - recorded if name != record and not derived & set(Path(name).parts)
                        and not Path(name).name.startswith(".tmp-record-"))
    assert unrecorded == []


def test_make_book_with_nothing_changed_stops_at_the_record(incremental_rebuild):
    output = incremental_rebuild.unchanged_run
    assert "Nothing the book is made from changed since the last complete build" in output
    assert "[cached]" not in output and "Data snapshot" not in output  # no check by content ran
