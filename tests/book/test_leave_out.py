"""A book built without an optional part: what pointed at the left-out chapters is tidied away."""

from __future__ import annotations

import json
import re
import shutil

from jeugdzorg.book.leave_out import (drop_paragraphs, leave_out_chapters, unlink_in_notebooks,
                                      unlink_references)
from jeugdzorg.book.runner import chapter_names, chapters
from jeugdzorg.paths import BOOK_DIR, PROJECT_ROOT

PASTE = re.compile(r"\{glue:text\}`(\w+)\.ipynb::")


def test_a_build_without_iv3_leaves_out_the_chapters_that_need_it():
    left_out = set(chapters()) - set(chapter_names(missing={"iv3"}))
    assert {"budget", "care_mix", "validation"} <= left_out and "data_coverage" not in left_out


def test_summary_pages_keep_every_paragraph_that_does_not_paste_from_a_left_out_chapter(tmp_path):
    names = sorted(set(chapters()) - set(chapter_names(missing={"iv3"})))
    book = tmp_path / "book"
    shutil.copytree(BOOK_DIR, book, ignore=shutil.ignore_patterns("profiles", "*.ipynb"))
    for name in chapters():
        (book / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    toc = tmp_path / "_toc.yml"
    shutil.copy2(PROJECT_ROOT / "_toc.yml", toc)
    leave_out_chapters(book, toc, names)
    for page in ("conclusions.md", "samenvatting.md"):
        before = (BOOK_DIR / page).read_text(encoding="utf-8")
        after = (book / page).read_text(encoding="utf-8")
        assert not set(PASTE.findall(after)) & set(names), page
        # Paragraphs pasting only from chapters that are built stay, word for word but for their links
        # to a left-out chapter, which become text.
        language = "nl" if page == "samenvatting.md" else "en"
        kept = [unlink_references(b, names, language) for b in re.split(r"\n\s*\n", before)
                if not set(PASTE.findall(b)) & set(names)]
        assert kept and all(block in after for block in kept if not block.startswith("#")), page
        assert not any(f"{{doc}}`{name}`" in after for name in names), page
        assert "{doc}`budget`" not in after
    assert all(f"book/{name}" not in toc.read_text() for name in names)
    assert not any((book / f"{name}.ipynb").exists() for name in names)


def test_a_heading_whose_section_is_left_empty_goes_too():
    text = "# Page\n\nIntro.\n\n## 1. Kept\n\nA {glue:text}`trends.ipynb::x:s`.\n\n## 2. Gone\n\n" \
           "B {glue:text}`budget.ipynb::y:s`.\n\n## 3. Kept too\n\n* one\n* two {glue:text}`budget.ipynb::z:s`"
    out = drop_paragraphs(text, ["budget"])
    assert "## 2. Gone" not in out and "## 1. Kept" in out and "## 3. Kept too" in out
    assert "* one" in out and "two" not in out


def test_links_in_executed_chapters_to_a_left_out_chapter_become_text(tmp_path):
    notebook = {"cells": [{"cell_type": "markdown", "source": "See {doc}`validation` and {doc}`trends`.",
                           "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "data_coverage.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    unlink_in_notebooks(tmp_path, ["validation"])
    source = json.loads(path.read_text())["cells"][0]["source"]
    assert "{doc}`validation`" not in source and "not in this build" in source and "{doc}`trends`" in source


def test_links_in_written_pages_to_a_left_out_chapter_become_text(tmp_path):
    (tmp_path / "profiles").mkdir()
    page = tmp_path / "profiles" / "GM0001.md"
    page.write_text("# A (GM0001)\n\nSee {doc}`../budget` and {doc}`../trends`.\n", encoding="utf-8")
    unlink_in_notebooks(tmp_path, ["budget"])
    text = page.read_text(encoding="utf-8")
    assert "{doc}`../budget`" not in text and "budget chapter (not in this build)" in text
    assert "{doc}`../trends`" in text


def test_a_link_with_its_own_words_to_a_left_out_chapter_keeps_the_words():
    text = "Zie de {doc}`lijst van alle gemeenten <profiles>` en {doc}`maps`."
    out = unlink_references(text, ["profiles"], "nl")
    assert out == "Zie de lijst van alle gemeenten (niet in deze uitgave) en {doc}`maps`."
