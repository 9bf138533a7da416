"""The executed notebooks in book/: in sync with their templates, clean, and guarded by nbval."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jeugdzorg.paths import BOOK_DIR, PROJECT_ROOT, TEMPLATES_DIR
from jeugdzorg.runner import load_params

NOTEBOOKS = load_params()["notebooks"]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _sources(notebook: dict) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"]
            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]


def glued_values(notebook: dict) -> dict[str, str]:
    """Glue key -> its text/plain value, from the outputs of an executed notebook."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                values[record["name"]] = output["data"].get(record["mime_prefix"] + "text/plain")
    return values


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_executed_notebook_matches_its_template(name):
    """Editing a template without rebuilding the book leaves a stale chapter: catch it."""
    assert _sources(_load(BOOK_DIR / name)) == _sources(_load(TEMPLATES_DIR / name))


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
    for key in re.findall(r'glue\("(fig_\w+)"', code):
        block = re.search(r"```\{glue:figure\} %s\n:name: (\S+)\n(?::\w+:.*\n)*\n(.+?)```" % key, markdown, re.S)
        assert block, f"{key} is not shown with {{glue:figure}} and a name"
        assert len(block[2].strip()) > 40, f"{key} has no real caption"
    for key in re.findall(r'glue\("(tbl_\w+)"', code):
        assert re.search(r"````\{table\} .+\n:name: \S+\n\n```\{glue:md\} %s\n" % key, markdown), key
    glued = set(glued_values(notebook))
    for key in re.findall(r"\{glue:text\}`(\w+)", markdown):
        assert key in glued, f"{key} is used in the text but never glued"


def test_nbval_fails_when_a_committed_number_is_edited(tmp_path):
    """The test of the test setup: tamper with one glued number and nbval must notice."""
    notebook = _load(BOOK_DIR / "data_coverage.ipynb")
    tampered = False
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            if record.get("name") == "n_realised_last":
                key = record["mime_prefix"] + "text/plain"
                output["data"][key] = str(int(output["data"][key]) + 1)
                tampered = True
    assert tampered, "the glued number to tamper with was not found"
    target = tmp_path / "data_coverage.ipynb"
    target.write_text(json.dumps(notebook), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider",
         "-q", str(target)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "1 failed" in result.stdout


def test_conclusions_quote_the_numbers_of_the_chapters():
    """A headline number must equal the number of the chapter that develops it."""
    conclusions = glued_values(_load(BOOK_DIR / "conclusions.ipynb"))
    samenvatting = glued_values(_load(BOOK_DIR / "samenvatting.ipynb"))
    trends = glued_values(_load(BOOK_DIR / "trends.ipynb"))
    models = glued_values(_load(BOOK_DIR / "panel_models.ipynb"))
    coverage = glued_values(_load(BOOK_DIR / "data_coverage.ipynb"))
    pairs = [("cf_cost_growth", trends, "tr_cost_growth"), ("cf_trend_n", trends, "tr_n"),
             ("cf_cpc_last", trends, "tr_cpc_last"), ("cf_median_per_youth", coverage, "median_last"),
             ("cf_youths_last", coverage, "youths_last"), ("cf_resid_p90", models, "pm_resid_p90"),
             ("cf_changes_corr", models, "pm_changes_corr"), ("cf_mundlak_p", models, "pm_mundlak_p")]
    for key, chapter, chapter_key in pairs:
        assert conclusions[key] == chapter[chapter_key], (key, chapter_key)
        dutch = samenvatting["nl_" + key[3:]].strip("'").replace(".", "").replace(",", ".")
        assert float(dutch) == pytest.approx(float(conclusions[key])), key
    assert float(conclusions["cf_r2_between_pct"]) == round(float(models["pm_r2_between_pct"]))


def test_rebuilding_reproduces_the_committed_notebooks_byte_for_byte(tmp_path):
    """Same snapshot, code and parameters -> identical outputs, figures included (no volatile bytes)."""
    from jeugdzorg.runner import execute_all

    names = ["data_coverage.ipynb", "panel_models.ipynb"]
    executed = execute_all(only=names, force=True, book_dir=tmp_path, progress=lambda _: None)
    assert sorted(p.name for p in executed) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes() == (BOOK_DIR / name).read_bytes(), name


def test_unchanged_notebooks_are_reused_and_changed_parameters_rerun(tmp_path):
    import shutil

    from jeugdzorg.runner import execute_all

    from jeugdzorg.runner import planned_notebooks

    for name, _, _ in planned_notebooks():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BOOK_DIR / name, tmp_path / name)
    assert execute_all(book_dir=tmp_path, progress=lambda _: None) == []
    rerun = execute_all({"first_year": 2020}, only=["trends"], book_dir=tmp_path, progress=lambda _: None)
    assert [p.name for p in rerun] == ["trends.ipynb"]
    assert execute_all({"first_year": 2020}, only=["trends"], book_dir=tmp_path, progress=lambda _: None) == []
    assert glued_values(_load(tmp_path / "trends.ipynb"))["tr_first"] == "2020"
