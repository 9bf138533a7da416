"""The book builds with Sphinx warnings as errors, has its pages, and a failed build keeps the old one."""

from __future__ import annotations

import re
import subprocess

import pytest

from jeugdzorg.book import runner


@pytest.fixture(scope="module")
def built(built_html):
    """The strict build of the whole test run (tests/conftest.py) and its index page."""
    return built_html, built_html / "index.html"


def test_strict_build_opens_with_the_introduction(built):
    html, index = built
    assert index.is_file()
    text = index.read_text(encoding="utf-8")
    # Jupyter Book's index.html redirects to the root page of the table of contents.
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
    with pytest.raises(RuntimeError, match="jupyter-book build failed"):
        runner.build_html(target=target, progress=lambda _: None)
    assert (target / "html" / "index.html").read_text() == "previous book"
    assert [p.name for p in tmp_path.iterdir()] == ["_build"]
