"""Data to download and an edition to cite.

The HTML build writes, from what the executed notebooks glued, a CSV under every figure (exactly the
numbers drawn) and every table (exactly the cells shown), and the whole snapshot as one zip; the
edition (version, date) comes from the data manifest, never from the build time; CITATION.cff and
the "how to cite" line agree with it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from jeugdzorg.book import edition as E
from jeugdzorg.book import runner
from jeugdzorg.book.runner import planned_notebooks
from jeugdzorg.data.snapshot import read_manifest
from jeugdzorg.paths import BOOK_DIR, PROJECT_ROOT, data_dir

from tests.helpers import glued_outputs, load_notebook

NOTEBOOKS = [task.output for task in planned_notebooks() if task.output.endswith(".ipynb")]
#: Municipality pages whose figure downloads are read (one with both figures, one with a gap in its costs).
PROFILE_SAMPLE = ("GM0363", "GM0599")


def _downloads(html: Path, notebook: str) -> dict[str, str]:
    """The CSV files written for one page: file name -> text."""
    folder = html / "_downloads" / "data" / "book" / Path(notebook).with_suffix("")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv"))}


def _markdown_rows(markdown: str) -> list[list[str]]:
    """The cells of a glued Markdown table (header and body), as written."""
    rows = []
    for line in markdown.strip().splitlines():
        if re.fullmatch(r"\|[\s:|-]+\|", line.strip()):
            continue  # the alignment row
        cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        rows.append([cell.strip().replace("\\|", "|") for cell in cells])
    return rows


def _as_number(text: str) -> str:
    """What a spreadsheet should read: thousands separators gone, the missing-value dash empty."""
    if text in ("–", "—"):
        return ""
    if re.fullmatch(r"[+\-−]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        return text.replace(",", "").replace("−", "-")
    return text


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_figure_offers_exactly_the_numbers_it_draws(built_html, notebook):
    glued = glued_outputs(load_notebook(BOOK_DIR / notebook))
    files = _downloads(built_html, notebook)
    page = (built_html / "book" / notebook).with_suffix(".html").read_text(encoding="utf-8")
    figures = [key for key in glued if key.endswith("_data")]
    for key in figures:
        drawn = glued[key]["text/plain"]
        matches = [name for name, text in files.items() if text == drawn.rstrip("\n") + "\n"]
        assert matches, f"{notebook}: no CSV holds the data of {key[:-5]}"
        assert any(f"{Path(notebook).stem}/{name}" in page for name in matches), f"{key}: not linked"


@pytest.mark.parametrize("code", PROFILE_SAMPLE)
def test_a_municipality_pages_figures_offer_the_numbers_written_beside_their_images(built_html, code):
    files = _downloads(built_html, f"profiles/{code}")
    page = (built_html / "book" / "profiles" / f"{code}.html").read_text(encoding="utf-8")
    for figure in ("cost", "mix"):
        name = f"{code}-{figure}.csv"
        written = (BOOK_DIR / "profiles" / name).read_text(encoding="utf-8")
        assert files[name] == written and len(written.splitlines()) > 2, name
        assert f"profiles/{code}/{name}" in page, f"{name}: not linked"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_table_offers_exactly_the_cells_it_shows(built_html, notebook):
    glued = glued_outputs(load_notebook(BOOK_DIR / notebook))
    files = {name: list(csv.reader(io.StringIO(text))) for name, text in _downloads(built_html, notebook).items()}
    tables = {key: bundle["text/markdown"] for key, bundle in glued.items() if "text/markdown" in bundle}
    assert tables or not notebook.endswith("reproducibility.ipynb")
    for key, markdown in tables.items():
        expected = [[_as_number(cell) for cell in row] for row in _markdown_rows(markdown)]
        assert expected in files.values(), f"{notebook}: no CSV shows the cells of {key}"


def test_a_figure_pasted_without_its_data_fails_the_strict_build(tmp_path, monkeypatch):
    """The test of the rule: glue a figure with myst_nb directly (no ``_data``) and the build stops."""
    import shutil

    import nbformat

    source = tmp_path / "project"
    (source / "book").mkdir(parents=True)
    for name in ("_config.yml", "book/references.bib"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    (source / "_toc.yml").write_text("format: jb-book\nroot: book/page\n", encoding="utf-8")
    page = load_notebook(BOOK_DIR / "trends.ipynb")
    for cell in page["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            if record.get("name") == "fig_trend_index_data":
                record["name"] = "something_else"
    nbformat.write(nbformat.from_dict(page), source / "book" / "page.ipynb")
    with pytest.raises(RuntimeError, match="has no glued data 'fig_trend_index_data'"):
        runner.run_jupyter_book(source, tmp_path / "out", strict=True)


def test_table_cells_become_what_a_spreadsheet_reads():
    from jeugdzorg.book.sphinx_publish import plain_cell

    assert plain_cell("1,234,567.5") == "1234567.5"
    assert plain_cell("−2,500") == "-2500"
    assert plain_cell("–") == ""
    assert plain_cell("0.030***") == "0.030***"  # significance stars stay as shown
    assert plain_cell("2015-2020") == "2015-2020"
    assert plain_cell("6.72a-d, 6.74a") == "6.72a-d, 6.74a"


# --------------------------------------------------------------------------------------------
# The snapshot zip
# --------------------------------------------------------------------------------------------

def test_the_snapshot_zip_holds_every_file_of_the_snapshot_byte_for_byte(built_html):
    edition = E.load_edition()
    path = built_html / "_downloads" / edition.snapshot_zip_name
    page = (built_html / "book" / "reproducibility.html").read_text(encoding="utf-8")
    assert f'href="../_downloads/{edition.snapshot_zip_name}"' in page
    folder = edition.snapshot_zip_name.removesuffix(".zip")
    snapshot = sorted(p for p in data_dir().iterdir() if p.is_file())
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert f"{folder}/MANIFEST.yml" in names and f"{folder}/README.txt" in names
        for file in snapshot:
            assert archive.read(f"{folder}/{file.name}") == file.read_bytes(), file.name
        assert len(names) == len(snapshot) + 1
        stamps = {info.date_time for info in archive.infolist()}
        readme = archive.read(f"{folder}/README.txt").decode("utf-8")
    assert stamps == {(edition.date.year, edition.date.month, edition.date.day, 0, 0, 0)}
    assert "CC BY 4.0" in readme and "Bron: CBS" in readme and edition.citation() in readme


def test_the_snapshot_zip_is_the_same_bytes_every_time():
    edition = E.load_edition()
    first, second = E.snapshot_zip(edition), E.snapshot_zip(edition)
    assert first.content == second.content and first.sha256 == second.sha256


def test_two_builds_write_byte_identical_downloads(built_html, incremental_rebuild):
    """No build time, path or random id in any CSV or in the zip (the other build: a scratch copy's,
    shared with the incremental-build tests)."""

    def tree(root: Path) -> dict[str, bytes]:
        base = root / "_downloads"
        return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}

    first, second = tree(built_html), tree(incremental_rebuild.html)
    assert len(first) > 50 and first == second


# --------------------------------------------------------------------------------------------
# The edition and its citation
# --------------------------------------------------------------------------------------------

def test_the_edition_is_named_after_the_data_not_the_build():
    manifest = read_manifest()
    edition = E.load_edition()
    assert edition.date == datetime.date.fromisoformat(str(manifest["imported"]))
    assert edition.version == edition.date.strftime("%Y.%m.%d")
    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert edition.authors == config["author"] and edition.title == config["title"]
    assert "team" in edition.authors.lower() and "book team" not in edition.authors.lower()


def test_citation_cff_is_the_current_edition():
    """CITATION.cff is written by `make.py book`; a snapshot or config change without it is stale."""
    committed = (PROJECT_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert committed == E.citation_cff(E.load_edition())
    cff = yaml.safe_load(committed)
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == E.load_edition().version
    assert cff["date-released"] == E.load_edition().date.isoformat()
    assert cff["license"] == ["MIT", "CC-BY-4.0"]
    assert [a["name"] for a in cff["authors"]] == [E.load_edition().authors]


def test_the_book_says_how_to_cite_this_edition(built_html):
    edition = E.load_edition()
    page = (built_html / "book" / "reproducibility.html").read_text(encoding="utf-8")
    line = re.search(r'<p class="how-to-cite">(.*?)</p>', page, re.S)
    assert line, "no how-to-cite line on the reproducibility page"
    text = re.sub(r"<[^>]+>", "", line[1])
    assert edition.version in text and edition.date.isoformat() in text and edition.authors in text
    assert "CC BY 4.0" in text


def _project(tmp_path: Path, url: str) -> Path:
    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = url
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return tmp_path


def test_an_unset_repository_url_is_left_out_not_invented(tmp_path):
    edition = E.load_edition(_project(tmp_path, ""))
    assert edition.repository_url is None
    assert "http" not in edition.citation()
    assert "repository-code" not in yaml.safe_load(E.citation_cff(edition))


def test_a_repository_url_reaches_the_citation_and_citation_cff(tmp_path):
    edition = E.load_edition(_project(tmp_path, "https://github.com/example/jeugdzorg/"))
    assert edition.citation().endswith("https://github.com/example/jeugdzorg")
    assert yaml.safe_load(E.citation_cff(edition))["repository-code"] == "https://github.com/example/jeugdzorg"
    assert E.write_citation_file(tmp_path, data_dir()) is True
    assert E.write_citation_file(tmp_path, data_dir()) is False  # unchanged: not rewritten


def test_the_html_is_rebuilt_when_an_extension_or_the_snapshot_changes(tmp_path, monkeypatch, package_copy):
    """An edit to the code that writes the downloads, or new data, must not leave a stale site."""
    assert runner.sphinx_extensions() == ["jeugdzorg.book.sphinx_alt_text", "jeugdzorg.book.sphinx_bibliography",
                                          "jeugdzorg.book.sphinx_incremental", "jeugdzorg.book.sphinx_language",
                                          "jeugdzorg.book.sphinx_markup", "jeugdzorg.book.sphinx_publish"]
    before, key = runner.html_fingerprint(), runner.state_key(PROJECT_ROOT)
    module = package_copy / "book" / "edition.py"  # imported by sphinx_publish
    original = module.read_bytes()
    module.write_bytes(original + b"\n# an edit\n")
    # rebuilt, and from scratch: an unchanged page would keep what the old code wrote
    assert runner.html_fingerprint() != before and runner.state_key(PROJECT_ROOT) != key
    module.write_bytes(original)
    assert runner.html_fingerprint() == before and runner.state_key(PROJECT_ROOT) == key
    import shutil

    shutil.copytree(data_dir(), tmp_path / "data")
    (tmp_path / "data" / "MANIFEST.yml").write_text(
        (data_dir() / "MANIFEST.yml").read_text(encoding="utf-8").replace("imported: '", "imported: '1"),
        encoding="utf-8")
    monkeypatch.setenv("JZ_DATA_DIR", str(tmp_path / "data"))
    assert runner.html_fingerprint() != before and runner.state_key(PROJECT_ROOT) != key
