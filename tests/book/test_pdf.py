"""The PDF edition of the chapters builds (xelatex) and carries the book's headline numbers.

The headline numbers are those the Conclusions paste from the chapters: each, formatted as the
page formats it, must be in the PDF's text (read back with pdftotext).  The PDF leaves out the
municipality profiles and the code readers fold away, and says where an interactive output is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from myst_nb.core.variables import format_plain_text

from jeugdzorg.book import pdf
from jeugdzorg.book.runner import chapters
from jeugdzorg.paths import BOOK_DIR

from tests.helpers import glued_values, load_notebook

pytestmark = pytest.mark.slow  # builds the book or re-executes chapters: scheduled first under -n

PASTED = re.compile(r"\{glue:text\}`([\w./]+\.ipynb)::(\w+)(?::([^`]*))?`")


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext not found: install the Debian package poppler-utils (`python3 make.py test` does)")
    build = tmp_path_factory.mktemp("pdf") / "_build"
    path = pdf.build_pdf(build_dir=build, progress=lambda _: None)
    assert path == build / "pdf" / "jeugdzorg.pdf" and path.stat().st_size > 100_000
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    # One space between words and a plain minus, whatever the line breaks and dashes of the layout.
    return " ".join(text.replace("−", "-").split())


def headline_numbers() -> list[tuple[str, str]]:
    """(key, text as the Conclusions show it) of every number the Conclusions paste."""
    page = (BOOK_DIR / "conclusions.md").read_text(encoding="utf-8")
    shown = []
    for notebook, key, spec in PASTED.findall(page):
        value = glued_values(load_notebook(BOOK_DIR / notebook))[key]
        shown.append((key, format_plain_text(value, spec or "")))
    return shown


def test_the_pdf_carries_every_headline_number_of_the_conclusions(pdf_text):
    numbers = headline_numbers()
    assert len(numbers) > 20
    missing = [(key, text) for key, text in numbers if text not in pdf_text]
    assert missing == []


def _title(notebook: Path) -> str:
    """The first level-1 heading of an executed notebook (glued or plain text)."""
    for cell in load_notebook(notebook)["cells"]:
        heading = re.search(r"^# (.+)$", "".join(cell["source"]), re.M)
        if cell["cell_type"] == "markdown" and heading:
            return heading[1]
    raise AssertionError(f"{notebook.name} has no title")


def test_the_pdf_has_the_chapters_and_not_the_profiles(pdf_text):
    for notebook in chapters():
        words = _title(BOOK_DIR / f"{notebook}.ipynb").split()[:4]
        assert " ".join(words) in pdf_text, notebook
    pages = sorted((BOOK_DIR / "profiles").glob("GM*.md"))
    titles = {p.stem: next(line[2:] for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("# "))
              for p in pages}
    assert len(titles) > 300 and titles["GM0363"] == "Amsterdam (GM0363)"
    assert [code for code, title in titles.items() if title in pdf_text] == []


def test_the_pdf_leaves_out_folded_code_and_points_to_interactive_outputs(pdf_text):
    assert "publish.number(" not in pdf_text and "import pandas" not in pdf_text
    assert "IPython.core.display" not in pdf_text
    assert "This output is interactive; it is in the HTML edition" in pdf_text


def test_the_pdf_toc_drops_the_profiles_part():
    toc = {"parts": [{"caption": "Data", "chapters": [{"file": "book/data_coverage"}]},
                     {"caption": "Profiles", "chapters": [{"file": "book/profiles",
                                                            "sections": [{"glob": "book/profiles/GM*"}]}]},
                     {"caption": "About", "chapters": [{"file": "book/reproducibility"}]}]}
    assert [p["caption"] for p in pdf.chapters_toc(toc)["parts"]] == ["Data", "About"]


def test_missing_latex_names_the_debian_packages(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="texlive-xetex .*latexmk"):
        pdf.build_pdf(build_dir=tmp_path / "_build", progress=lambda _: None)
    assert not (tmp_path / "_build").exists()


def test_an_html_build_keeps_the_pdf(tmp_path, monkeypatch):
    """`make.py html` replaces _build/ whole; the PDF made by `make.py pdf` must survive it."""
    from jeugdzorg.book import runner

    target = tmp_path / "_build"
    (target / "pdf").mkdir(parents=True)
    (target / "pdf" / "jeugdzorg.pdf").write_bytes(b"%PDF- the edition")
    (target / "html").mkdir()
    (target / "html" / "index.html").write_text("old book")

    def fake_build(source_root, output, **options):
        (output / "_build" / "html").mkdir(parents=True)
        (output / "_build" / "html" / "index.html").write_text("new book")
        return output / "_build"

    monkeypatch.setattr(runner, "run_jupyter_book", fake_build)
    runner.build_html(target=target, progress=lambda _: None)
    assert (target / "html" / "index.html").read_text() == "new book"
    assert (target / "pdf" / "jeugdzorg.pdf").read_bytes() == b"%PDF- the edition"
