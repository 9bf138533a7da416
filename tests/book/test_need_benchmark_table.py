"""The benchmark table and the need-benchmark map of the maps chapter (real snapshot, committed outputs).

What a browser does with the table (sorting both ways, searching, following a row's link) is in
``test_need_benchmark_table_browser.py``.
"""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from jeugdzorg.analysis import need_benchmark as B
from jeugdzorg.analysis import estimation as E
from jeugdzorg.analysis import validation as V
from jeugdzorg.analysis.flags import RESIDENCE_FLAGS, record
from jeugdzorg.book.need_benchmark_table import MISSING, VERDICT_TEXT, benchmark_rows
from jeugdzorg.book.profile_pages import PAGES_DIR
from jeugdzorg.paths import BOOK_DIR
from tests.helpers import glued_output, glued_values, load_notebook


@pytest.fixture(scope="module")
def maps() -> dict:
    return load_notebook(BOOK_DIR / "maps.ipynb")


@pytest.fixture(scope="module")
def rows(tables):
    flags = V.municipality_flags(tables)
    bench = B.need_benchmark(tables, E.Specification(), flags=flags)
    register = tables["register"][tables["register"]["year"] == bench.spec.boundary_year]
    cells, numbers = benchmark_rows(bench, register, flags)
    return bench, flags, cells, numbers


def html_outputs(notebook: dict) -> list[str]:
    return ["".join(o["data"]["text/html"]) if isinstance(o["data"]["text/html"], list) else o["data"]["text/html"]
            for cell in notebook["cells"] for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]


def number(text: str) -> float:
    return float(text.replace(",", "").replace("\N{MINUS SIGN}", "-"))


def test_every_municipality_once_with_a_link_to_its_page(rows):
    bench, _, cells, numbers = rows
    assert len(cells) == len(bench.table) == len(numbers)
    for code, cell in cells["Municipality"].items():
        link = re.match(r'<a href="profiles/(GM\d{4})\.html">', cell)
        assert link and link[1] == code
        assert (BOOK_DIR / PAGES_DIR / f"{code}.md").is_file()


def test_verdicts_follow_the_lasting_gap_shown(rows):
    _, _, cells, _ = rows
    assert set(cells["Verdict (lasting gap)"]) == set(VERDICT_TEXT.values())
    for row in cells.to_dict("records"):
        verdict, lasting = row["Verdict (lasting gap)"], row["Lasting gap (%)"]
        if verdict == "not assessed":
            assert row["Actual vs benchmark (%)"] == MISSING, "a municipality without a verdict has no deviation to rank by"
            continue
        match = re.match(r"([+\N{MINUS SIGN}]?\d+) \(([+\N{MINUS SIGN}]?\d+) to ([+\N{MINUS SIGN}]?\d+); ", lasting)
        assert match, lasting
        gap, low, high = (int(x.replace("\N{MINUS SIGN}", "-")) for x in match.groups())
        if verdict.startswith("above"):
            assert low > 0 and gap > 0
        elif verdict.startswith("below"):
            assert high < 0 and gap < 0


def test_flagged_municipalities_are_marked_with_the_reason(rows):
    _, flags, cells, numbers = rows
    ranked = set(flags.loc[flags["ranking"], "gm_code"])
    shown = numbers.set_index("gm_code")
    for code in ranked:
        assert "(not ranked)" in cells.at[code, "Flags and reasons"]
        assert cells.at[code, "Verdict (lasting gap)"] == "not assessed"
        if pd.notna(shown.at[code, "actual_eur"]):  # a flag marks, it does not delete
            assert cells.at[code, "Actual (EUR)"] == f"{int(shown.at[code, 'actual_eur']):,}"
    for flag in RESIDENCE_FLAGS:
        codes = set(flags.loc[flags["flag"] == flag, "gm_code"])
        assert all(record(flag).label("en") in cells.at[c, "Flags and reasons"] for c in codes)


def test_search_finds_common_names(rows):
    _, _, cells, _ = rows
    assert "Den Haag" in cells.at["GM0518", "Also known as"]
    assert "Den Haag" in cells.at["GM0518", "Municipality"]  # shown under the official name
    assert "Sudwest-Fryslan" in cells.at["GM1900", "Also known as"]


def test_the_chapter_shows_the_table_offline_with_a_fixed_id(maps, rows):
    html = html_outputs(maps)
    table = next(h for h in html if 'id="benchmark"' in h)
    assert not re.search(r"<script[^>]+src=", "".join(html)), "a script loaded from a URL"
    assert "unpkg.com" not in "".join(html) and "cdn." not in "".join(html)
    assert any("injectCSS" in h for h in html), "the DataTables bundle is not in the page"
    data = json.loads(json.loads(re.search(r'"data_json": ("(?:[^"\\]|\\.)*")', table)[1]))
    bench, _, cells, numbers = rows
    assert len(data) == len(cells)
    assert [r[0] for r in data] == list(cells["Municipality"])
    csv = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)"', table)[1]
    import base64

    download = pd.read_csv(io.BytesIO(base64.b64decode(csv)), dtype={"gm_code": str})
    pd.testing.assert_frame_equal(download, pd.read_csv(io.StringIO(numbers.to_csv(index=False)),
                                                         dtype={"gm_code": str}))
    assert "Bron: CBS" in table and "EUR per inhabitant aged 0-17" in table


def test_the_map_and_the_chapters_count_the_same_verdicts(maps):
    """The map is coloured by the verdicts the panel-models chapter counts (one computation)."""
    data = pd.read_csv(io.StringIO(glued_output(maps, "fig_map_benchmark_data")["text/plain"]))
    counts = data["verdict"].value_counts()
    models = glued_values(load_notebook(BOOK_DIR / "panel_models.ipynb"))
    assert counts["Above"] == int(models["pm_bm_above"])
    assert counts["Below"] == int(models["pm_bm_below"])
    assert counts["Within"] == int(models["pm_bm_within"])
    assert counts.filter(like="Not assessed").sum() == int(models["pm_bm_not_assessed"])
    markdown = "\n".join("".join(c["source"]) for c in maps["cells"] if c["cell_type"] == "markdown")
    assert "between_fit" not in "".join("".join(c["source"]) for c in maps["cells"]), "point residuals are back"
    assert "{glue:text}`panel_models.ipynb::pm_bm_above:s`" in markdown


def test_the_dutch_table_of_the_index_shows_the_chapters_numbers_in_dutch(rows):
    """The benchmark table a reader reaches from the Dutch index: the chapter's rounded numbers (the CSV
    download), written the Dutch way (2.220; −24), in Dutch words, the verdict first."""
    from jeugdzorg.book.profile_pages import INDEX_PAGE, VERDICT_NL

    _, _, _, numbers = rows
    index = (BOOK_DIR / INDEX_PAGE).read_text(encoding="utf-8")
    lines = [line for line in index.split(":name: profiles-benchmark-table")[1].split("```")[0].splitlines()
             if line.startswith("|")]
    head = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert head == ["Gemeente", "Oordeel", "Blijvend verschil (%)", "Werkelijke kosten (€)",
                    "Verwachte kosten (€)", "Bandbreedte 95% (€)", "Signalen"]
    english_to_dutch = {"above": VERDICT_NL["above"], "below": VERDICT_NL["below"],
                        "within": VERDICT_NL["within"], "not assessed": VERDICT_NL["not assessed"]}

    def dutch(value: float, sign: str = "") -> str:
        return MISSING if pd.isna(value) else format(value, f"{sign},.0f").replace(",", ".").replace("-", "\N{MINUS SIGN}")

    by_code = numbers.set_index("gm_code")
    seen = set()
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        code = re.search(rf"\({PAGES_DIR}/(GM\d{{4}})\.md\)", cells[0])[1]
        n = by_code.loc[code]
        assert cells[1] == english_to_dutch[n["verdict"]], code
        assert cells[3] == dutch(n["actual_eur"]) and cells[4] == dutch(n["expected_eur"]), code
        assert cells[5] == (MISSING if pd.isna(n["lower_95"]) else f"{dutch(n['lower_95'])}–{dutch(n['upper_95'])}")
        if n["verdict"] == "not assessed":
            assert cells[2] == MISSING and cells[6] != MISSING, code  # no gap, and the reason why
        else:
            assert cells[2] == (f"{dutch(n['lasting_gap_pct'], '+')} ({dutch(n['lasting_lower_pct'], '+')} tot "
                                f"{dutch(n['lasting_upper_pct'], '+')})"), code
        seen.add(code)
    assert seen == set(by_code.index)
