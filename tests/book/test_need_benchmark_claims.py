"""What the book shows about the need benchmark: no municipality is called above or below expected
unless its actual cost lies outside the interval shown with it, and none that is flagged is ranked."""

from __future__ import annotations

import io
import re

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


def test_ranking_figure_labels_follow_its_intervals(notebook):
    data = figure_data(notebook, "fig_benchmark_ranking")
    assert len(data) == 20
    for row in data.itertuples():
        expected = "above" if row.actual_eur > row.upper else "below" if row.actual_eur < row.lower else "within"
        assert row.verdict == expected, row.name
    assert (data["verdict"] == "within").any()  # the ranking shows intervals, not only the extremes


def test_table_of_municipalities_outside_their_interval(notebook, tables):
    table = markdown_rows(glued_output(notebook, "tbl_residuals")["text/markdown"])
    assert len(table) > 0 and set(table["Verdict"]) <= {"above", "below"}
    for row in table.to_dict("records"):
        low, high = (number(part) for part in re.split(r"(?<=\d)-(?=\d)", row["95% interval (EUR)"]))
        actual = number(row["Actual (EUR)"])
        assert (actual > high) if row["Verdict"] == "above" else (actual < low), row["Municipality"]
    flags = V.municipality_flags(tables)
    assert not set(table["GM code"]) & V.ranking_exclusions(flags)
    hosts = set(V.residence_rule(tables).hosts.index)
    assert not set(table["GM code"]) & hosts


def test_counts_in_the_text_add_up(notebook):
    values = {k: v for k, v in glued_values(notebook).items() if k.startswith("pm_bm_")}
    total = sum(int(values[f"pm_bm_{v}"]) for v in ("above", "below", "within", "not_assessed"))
    assert total == int(values["pm_bm_municipalities"])
    assert int(values["pm_bm_not_assessed"]) == sum(int(values[f"pm_bm_{k}"]) for k in ("flagged", "hosts", "no_cost"))
    scatter = figure_data(notebook, "fig_actual_predicted")
    assert (scatter["verdict"] == "above").sum() == int(values["pm_bm_above"])
    assert (scatter["verdict"] == "below").sum() == int(values["pm_bm_below"])
