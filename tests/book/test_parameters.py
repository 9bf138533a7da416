"""The notebooks run coherently with non-default parameters (the papermill use case)."""

from __future__ import annotations

import json

import pytest

from jeugdzorg.book.runner import execute_notebook, template_path

from tests.helpers import glued_values

OTHER = {"outcome": "cost_per_youth", "boundary_year": 2022, "cluster": "jz_region", "driver_set": "scp",
         "first_year": 2020}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    results = {}
    for name in ("panel_models", "trends"):
        execute_notebook(template_path(name), OTHER, out / f"{name}.ipynb")
        results[f"{name}.ipynb"] = json.loads((out / f"{name}.ipynb").read_text(encoding="utf-8"))
    return results


def test_parameters_reach_the_text(executed):
    values = glued_values(executed["panel_models.ipynb"])
    assert values["pm_boundary"] == "2022"
    assert values["pm_first"] == "2020"
    assert values["pm_cluster"] == "'jeugdzorgregio'"
    assert values["pm_unit"] == "'EUR'"
    assert "realised cost per inhabitant aged 0-17 (EUR)" in values["pm_outcome"]


def test_models_use_the_chosen_driver_set_and_clusters(executed):
    notebook = executed["panel_models.ipynb"]
    table = glued_values(notebook)["tbl_models"]
    assert table  # the comparison table was produced
    markdown = next(o["data"] for c in notebook["cells"] for o in c.get("outputs", [])
                    if o.get("metadata", {}).get("scrapbook", {}).get("name") == "tbl_models")
    text = markdown[next(k for k in markdown if k.endswith("text/markdown"))]
    assert "Population size" not in text  # not in the 'scp' driver set
    clusters = next(line for line in text.splitlines() if line.startswith("| Clusters"))
    assert " 42 " in clusters or " 41 " in clusters  # ~42 jeugdzorgregio's, not ~330 municipalities


def test_the_chapters_the_conclusions_paste_from_follow_the_parameters(executed):
    values = glued_values(executed["trends.ipynb"])
    assert values["tr_first"] == "2020" and values["tr_boundary"] == "2022"
    models = glued_values(executed["panel_models.ipynb"])
    assert models["pm_unit"] == "'EUR'" and models["pm_first"] == "2020"
