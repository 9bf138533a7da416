"""What the book shows about the need benchmark: no municipality is called above or below expected
unless its lasting gap's interval shown with it excludes zero and the gap is material; none that is
flagged is ranked; the year's position is named for the range it is, not a verdict."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from jeugdzorg.analysis import validation as V
from jeugdzorg.paths import BOOK_DIR
from tests.helpers import glued_output, glued_values, load_notebook


@pytest.fixture(scope="module")
def notebook() -> dict:
    return load_notebook(BOOK_DIR / "panel_models.ipynb")


def figure_data(notebook: dict, key: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(glued_output(notebook, f"{key}_data")["text/plain"]), dtype={"gm_code": str})


def markdown_rows(text: str) -> pd.DataFrame:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    return pd.DataFrame(rows, columns=header)


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_year_positions_follow_the_range_shown(notebook):
    data = figure_data(notebook, "fig_actual_predicted")
    assert set(data["position"]) <= {"above", "below", "within", "not assessed"}
    assert (data["position"] == "within").any() and (data["position"] != "within").any()


def test_forest_figure_shows_only_clear_material_gaps(notebook):
    values = glued_values(notebook)
    material = float(values["pm_vd_material"])
    data = figure_data(notebook, "fig_lasting_gaps")
    assert len(data) == int(values["pm_bm_above"]) + int(values["pm_bm_below"])
    for row in data.itertuples():
        if row.verdict == "above":
            assert row.lasting_lower_pct > 0 and row.lasting_gap_pct >= material, row.name
        else:
            assert row.verdict == "below" and row.lasting_upper_pct < 0 and row.lasting_gap_pct <= -material, row.name


def test_table_of_municipalities_with_a_verdict(notebook, tables):
    table = markdown_rows(glued_output(notebook, "tbl_residuals")["text/markdown"])
    assert len(table) > 0 and set(table["Verdict"]) <= {"above", "below"}
    for row in table.to_dict("records"):
        gap = number(row["Lasting gap (%)"].replace("+", ""))
        low, high = (number(part.replace("+", "")) for part in row["95% interval (%)"].split(" to "))
        assert (low > 0 and gap > 0) if row["Verdict"] == "above" else (high < 0 and gap < 0), row["Municipality"]
    flags = V.municipality_flags(tables)
    assert not set(table["GM code"]) & V.ranking_exclusions(flags)
    # A municipality whose cost the residence rule possibly moved is judged on the years before the rule.
    moved = set(V.residence_rule(tables).affected.index)
    for row in table.to_dict("records"):
        if row["GM code"] in moved:
            assert str(V.RESIDENCE_RULE_YEAR) not in row["Years"], row["Municipality"]


def test_counts_in_the_text_add_up(notebook):
    values = {k: v for k, v in glued_values(notebook).items() if k.startswith(("pm_bm_", "pm_pos_", "pm_vd_"))}
    total = sum(int(values[f"pm_bm_{v}"]) for v in ("above", "below", "within", "not_assessed"))
    assert total == int(values["pm_bm_municipalities"])
    assert int(values["pm_bm_not_assessed"]) == int(values["pm_bm_flagged"]) + int(values["pm_bm_few_years"])
    assert int(values["pm_pos_outside"]) == int(values["pm_pos_above"]) + int(values["pm_pos_below"])
    scatter = figure_data(notebook, "fig_actual_predicted")
    assert (scatter["position"] == "above").sum() == int(values["pm_pos_above"])
    assert (scatter["position"] == "below").sum() == int(values["pm_pos_below"])
    # Chance alone gives far fewer lasting-gap verdicts than the old per-year rule.
    assert float(values["pm_vd_chance"]) < float(values["pm_vd_chance_per_year"])
