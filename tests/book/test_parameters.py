"""The notebooks run coherently with non-default parameters (the papermill use case)."""

from __future__ import annotations

import json
import re

import pytest

from jeugdzorg.book.runner import execute_notebook, template_path
from jeugdzorg.data.snapshot import load_snapshot

from tests.helpers import glued_values

_REGISTER = load_snapshot()["register"]
#: Not the defaults: the register year before the latest as boundaries, and a later first year.
BOUNDARY_YEAR = int(sorted(_REGISTER["year"].unique())[-2])
FIRST_YEAR = int(load_snapshot()["costs"]["year"].max()) - 2
OTHER = {"outcome": "cost_per_youth", "boundary_year": BOUNDARY_YEAR, "cluster": "jz_region", "driver_set": "scp",
         "first_year": FIRST_YEAR}


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
    assert values["pm_boundary"] == str(BOUNDARY_YEAR)
    assert values["pm_first"] == str(FIRST_YEAR)
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
    counts = {int(n) for n in re.findall(r"\b\d+\b", clusters)}
    in_year = _REGISTER[_REGISTER["year"] == BOUNDARY_YEAR]
    regions, municipalities = in_year["jz_region_code"].nunique(), in_year["gm_code"].nunique()
    # as many clusters as jeugdzorgregio's with data (a region may lack one), not one per municipality
    assert counts and all(regions - 2 <= n <= regions < municipalities / 4 for n in counts)


def test_the_chapters_the_conclusions_paste_from_follow_the_parameters(executed):
    values = glued_values(executed["trends.ipynb"])
    assert values["tr_first"] == str(FIRST_YEAR) and values["tr_boundary"] == str(BOUNDARY_YEAR)
    models = glued_values(executed["panel_models.ipynb"])
    assert models["pm_unit"] == "'EUR'" and models["pm_first"] == str(FIRST_YEAR)
