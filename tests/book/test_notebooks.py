"""The executed notebooks in book/: in sync with their templates, clean, and guarded by nbval."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jeugdzorg.book.runner import chapters, read_template, template_path
from jeugdzorg.paths import BOOK_DIR, PROJECT_ROOT

from tests.helpers import glued_values

NOTEBOOKS = [f"{stem}.ipynb" for stem in chapters()]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _sources(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"]
            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_executed_notebook_matches_its_template(name):
    """Editing a template without rebuilding the book leaves a stale chapter: catch it."""
    template = read_template(template_path(Path(name).stem))
    assert _sources(_load(BOOK_DIR / name)) == [cell.source for cell in template.cells]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_cells_have_stable_ids(name):
    ids = [c["id"] for c in _load(BOOK_DIR / name)["cells"] if c["id"] != "injected-parameters"]
    assert ids == [f"cell-{i:02d}" for i in range(len(ids))]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_executed_notebook_has_outputs_and_no_errors_or_volatile_data(name):
    notebook = _load(BOOK_DIR / name)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code)
    outputs = [o for c in code for o in c["outputs"]]
    assert outputs
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr"], "warnings leaked into the book"
    text = json.dumps(notebook)
    assert str(PROJECT_ROOT) not in text, "absolute path in a committed notebook"
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text), "timestamp in a committed notebook"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_figure_and_table_is_glued_with_a_caption(name):
    notebook = _load(BOOK_DIR / name)
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    for key in re.findall(r'publish\.figure\("(fig_\w+)"', code):
        block = re.search(r"```\{glue:figure\} %s\n:name: (\S+)\n(?::\w+:.*\n)*\n(.+?)```" % key, markdown, re.S)
        assert block, f"{key} is not shown with {{glue:figure}} and a name"
        assert len(block[2].strip()) > 40, f"{key} has no real caption"
    for key in re.findall(r'publish\.table\("(tbl_\w+)"', code):
        assert re.search(r"````\{table\} .+\n:name: \S+\n\n```\{glue:md\} %s\n" % key, markdown), key
    glued = set(glued_values(notebook))
    for key in re.findall(r"\{glue:text\}`(\w+)(?=[`:])", markdown):
        assert key in glued, f"{key} is used in the text but never glued"
    for other, key in PASTED.findall(markdown):  # pasted from another chapter: computed once, there
        assert key in glued_values(_load(BOOK_DIR / other)), f"{other}::{key} is not glued"


def _bump_first_number(text: str) -> str:
    """``text`` with the first number after a comma (a CSV value, not a header) changed in its last digit."""
    match = re.search(r"(?<=,)-?\d+(?:\.\d+)?", text)
    assert match, "no number to tamper with"
    digits = match.group(0)
    changed = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    return text[:match.start()] + changed + text[match.end():]


@pytest.mark.parametrize("name, edit", [
    # A glued number in the text.
    ("n_realised_last", lambda text: str(int(text) + 1)),
    # A value the figure plots (its rounded data, glued beside it as CSV): nbval skips images, not this.
    ("fig_cost_per_youth_data", _bump_first_number),
])
def test_nbval_fails_when_a_committed_number_is_edited(tmp_path, name, edit):
    """The test of the test setup: tamper with one stored number and nbval must notice."""
    notebook = _load(BOOK_DIR / "data_coverage.ipynb")
    tampered = False
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            if record.get("name") == name:
                key = record["mime_prefix"] + "text/plain"
                before = output["data"][key]
                output["data"][key] = edit(before)
                tampered = output["data"][key] != before
    assert tampered, f"the glued value {name} to tamper with was not found"
    target = tmp_path / "data_coverage.ipynb"
    target.write_text(json.dumps(notebook), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "-q", str(target)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout


PASTED = re.compile(r"\{glue:text\}`([\w./]+\.ipynb)::(\w+)(?::[^`]*)?`")


@pytest.mark.parametrize("page", ["conclusions.md", "samenvatting.md"])
def test_summary_pages_paste_every_number_from_the_chapters(page):
    """The conclusions and the Samenvatting compute nothing: each number is a chapter's glued value."""
    text = (BOOK_DIR / page).read_text(encoding="utf-8")
    pasted = PASTED.findall(text)
    assert len(pasted) > 20
    for notebook, key in pasted:
        assert key in glued_values(_load(BOOK_DIR / notebook)), f"{page}: {notebook}::{key} is not glued"
    assert "{glue:text}`" not in PASTED.sub("", text), f"{page} glues a value that is not from a chapter"


def test_every_template_glues_through_the_precision_module():
    """Stored numbers are rounded by kind: templates glue with jeugdzorg.book.publish, never myst_nb directly."""
    for template in sorted(template_path("x").parent.glob("*.md")):
        assert "myst_nb" not in template.read_text(encoding="utf-8"), template.name


def test_rebuilding_reproduces_the_committed_notebooks_byte_for_byte(tmp_path):
    """Same snapshot, code and parameters -> identical outputs, figures included (no volatile bytes)."""
    from jeugdzorg.book.runner import execute_all

    names = ["data_coverage.ipynb", "panel_models.ipynb"]
    executed = execute_all(only=names, force=True, book_dir=tmp_path, progress=lambda _: None)
    assert sorted(p.name for p in executed) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == (BOOK_DIR / name).read_bytes(), name


def test_unchanged_notebooks_are_reused_and_changed_parameters_rerun(tmp_path):
    import shutil

    from jeugdzorg.book.runner import execute_all

    from jeugdzorg.book.runner import planned_notebooks

    shutil.copytree(BOOK_DIR, tmp_path, dirs_exist_ok=True)
    assert {t.output for t in planned_notebooks()} >= {"trends.ipynb", "profiles"}
    assert execute_all(book_dir=tmp_path, progress=lambda _: None) == []
    rerun = execute_all({"first_year": 2020}, only=["trends"], book_dir=tmp_path, progress=lambda _: None)
    assert [p.name for p in rerun] == ["trends.ipynb"]
    assert execute_all({"first_year": 2020}, only=["trends"], book_dir=tmp_path, progress=lambda _: None) == []
    assert glued_values(_load(tmp_path / "trends.ipynb"))["tr_first"] == "2020"


def _fingerprints() -> dict[str, str]:
    from jeugdzorg.book.runner import planned_notebooks

    return {task.output: task.fingerprint() for task in planned_notebooks()}


def _edited(package: Path, relative: str) -> set[str]:
    """The notebooks whose fingerprint changes when the module ``relative`` of ``package`` (the
    test's copy of the package) is edited."""
    path = package / relative
    original = path.read_bytes()
    before = _fingerprints()
    path.write_bytes(original + b"\n# an edit\n")
    after = _fingerprints()
    path.write_bytes(original)
    assert _fingerprints() == before
    return {name for name in before if before[name] != after[name]}


def test_fingerprints_follow_the_imports_of_each_notebook(package_copy):
    """Which notebooks re-execute after an edit is found from the code, not from a hand-kept list."""
    assert _edited(package_copy, "book/maps.py") == {"maps.ipynb"}  # a book-layer helper of one chapter
    assert _edited(package_copy, "book/profile_pages.py") == {"profiles"}  # the municipality pages, one task
    assert _edited(package_copy, "book/svg.py") == {"profiles"}
    assert _edited(package_copy, "analysis/profiles.py") == {"profiles", "maps.ipynb"}  # maps screens budgets with it
    # every notebook reads the snapshot through it
    assert _edited(package_copy, "data/rawtext.py") == set(_fingerprints())
    assert _edited(package_copy, "cli.py") == set()  # the command line changes no output


def test_fingerprint_of_a_notebook_is_stable():
    assert _fingerprints() == _fingerprints()


#: A number with more than this many digits after the point has not been through the precision module.
MAX_DECIMALS = 10
UNROUNDED = re.compile(r"(?<![\w.])-?\d+\.\d{%d,}(?![\w])" % (MAX_DECIMALS + 1))


def test_no_stored_output_carries_an_unrounded_number():
    """Machine noise lives in the 14th-16th digit: a stored number with that many decimals would make
    nbval fail on another CPU.  Every text output of every executed notebook is scanned (images and
    the notebook's own metadata are not outputs a reader or nbval compares)."""
    offenders = []
    for path in sorted(BOOK_DIR.rglob("*.ipynb")):
        for cell in _load(path)["cells"]:
            for output in cell.get("outputs", []):
                texts = [output.get("text", "")] + [v for k, v in output.get("data", {}).items()
                                                    if isinstance(v, str) and not k.startswith("image/")]
                for text in texts:
                    text = "".join(text) if isinstance(text, list) else text
                    offenders += [(path.name, m.group(0)) for m in UNROUNDED.finditer(text)]
    assert not offenders, offenders[:10]
