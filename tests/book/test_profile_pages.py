"""The municipality pages: every number checked by regenerating them, and what the pages say.

The pages are generated, not executed notebooks, so nbval does not see them; instead the whole set
(342 pages, their CSV downloads and figures, the index) is regenerated from the committed snapshot and
compared byte for byte with book/.  The other tests read the committed pages as a reader would.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis.flags import record
from jeugdzorg.analysis.profiles import municipality_profiles
from jeugdzorg.book import profile_pages as PP
from jeugdzorg.book.runner import PAGES_TASK, PAGES_TEMPLATES, execute_all, load_params, planned_notebooks
from jeugdzorg.paths import BOOK_DIR

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def profiles(tables):
    return municipality_profiles(tables, PP.specification(load_params()["parameters"]))


@pytest.fixture(scope="module")
def files(profiles):
    return PP.render(profiles)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((BOOK_DIR / PP.PAGES_DIR).glob("GM*.md"))}


def page_csv(code: str) -> pd.DataFrame:
    return pd.read_csv(BOOK_DIR / PP.PAGES_DIR / f"{code}.csv", dtype={"year": str}, keep_default_na=False)


def table_rows(page: str, caption_start: str) -> dict[str, list[str]]:
    """The rows of the Markdown table whose caption starts with ``caption_start``: label -> cells."""
    block = re.search(r"```\{table\} " + re.escape(caption_start) + r".*?\n(.*?)\n```", page, re.S)
    assert block, caption_start
    lines = [line for line in block[1].splitlines() if line.startswith("|")][2:]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    return {row[0]: row[1:] for row in rows}


def number(text: str) -> float:
    """A number as the Dutch pages write it: ``'2.220'``, ``'−5,9'``, ``'+8%'``."""
    return float(text.rstrip("%").replace(".", "").replace(",", ".").replace("\N{MINUS SIGN}", "-"))


def test_committed_pages_are_the_regenerated_ones_byte_for_byte(files):
    """Every number on every page, in its CSV and in its figures, is what the code computes now."""
    assert PP.differences(files, BOOK_DIR) == []


def test_the_check_notices_an_edited_number(files, tmp_path):
    """The test of the test: change one digit on one page and the comparison names that page."""
    book = tmp_path / "book"
    book.mkdir()
    PP.write_pages(files, book)
    assert PP.differences(files, book) == []
    page = book / PP.PAGES_DIR / "GM0363.md"
    text = page.read_text(encoding="utf-8")
    digit = re.search(r"€\N{NO-BREAK SPACE}(\d)", text)
    page.write_text(text[:digit.start(1)] + str((int(digit[1]) + 1) % 10) + text[digit.end(1):], encoding="utf-8")
    (book / PP.PAGES_DIR / "GM9999.md").write_text("stale", encoding="utf-8")
    assert PP.differences(files, book) == [f"{PP.PAGES_DIR}/GM0363.md", f"{PP.PAGES_DIR}/GM9999.md"]


def test_rewriting_touches_only_changed_files(files, tmp_path):
    book = tmp_path / "book"
    first = PP.write_pages(files, book)
    assert len(first.written) == len(files) and first.unchanged == 0
    mtimes = {p: p.stat().st_mtime_ns for p in book.rglob("*") if p.is_file()}
    changed = dict(files)
    changed[f"{PP.PAGES_DIR}/GM0363.csv"] = files[f"{PP.PAGES_DIR}/GM0363.csv"] + b"\n"
    del changed[f"{PP.PAGES_DIR}/GM0060-mix.svg"]
    second = PP.write_pages(changed, book)
    assert second.written == [f"{PP.PAGES_DIR}/GM0363.csv"]
    assert second.removed == [f"{PP.PAGES_DIR}/GM0060-mix.svg"]
    assert second.unchanged == len(files) - 2
    untouched = [p for p in book.rglob("*") if p.is_file() and p.name not in ("GM0363.csv",)]
    assert all(p.stat().st_mtime_ns == mtimes[p] for p in untouched)


def test_a_page_for_every_municipality_titled_with_name_and_code(pages, profiles):
    assert set(pages) == set(profiles.municipalities.index)
    for code, name in profiles.municipalities["name"].items():
        assert f"\n# {PP._md_escape(name)} ({code})\n" in pages[code]
        assert pages[code].startswith("---\norphan: true\n"), "a page in the sidebar of every page"


def test_the_index_lists_every_page_a_to_z_and_by_province(profiles):
    index = (BOOK_DIR / PP.INDEX_PAGE).read_text(encoding="utf-8")
    a_z, rest = index.split("\n## Per provincie\n")
    provinces, table = rest.split("\n## Alle gemeenten: kosten en verwachting")
    other = pd.Series([code for _, code, _ in PP.other_names(profiles)], dtype=object).value_counts()
    for code in profiles.municipalities.index:
        link = f"({PP.PAGES_DIR}/{code}.md)"
        assert a_z.count(link) == 1 + other.get(code, 0) and provinces.count(link) == 1, code
    assert "### G\n" in a_z and "[\'s-Gravenhage]" in a_z.split("### G\n")[1].split("###")[0]
    # the other names have their own entries: "Den Haag" under D, leading to 's-Gravenhage
    assert "Den Haag → [\'s-Gravenhage](profiles/GM0518.md)" in a_z.split("### D\n")[1].split("###")[0]
    assert "Den Bosch → [\'s-Hertogenbosch](profiles/GM0796.md)" in a_z.split("### D\n")[1].split("###")[0]
    # the table of all municipalities: one row each, the verdict of its page
    assert all(table.count(f"({PP.PAGES_DIR}/{code}.md)") == 1 for code in profiles.municipalities.index)
    for province, group in profiles.municipalities.groupby("province"):
        assert f"### {province} ({len(group)})" in provinces


def test_benchmark_verdicts_follow_the_lasting_gap_shown(pages, profiles):
    """No municipality is called above or below unless its lasting gap's interval excludes zero; the
    year's position against the range is shown beside it and never called a verdict."""
    seen = set()
    lasting = profiles.benchmark.table
    for code, page in pages.items():
        rows = table_rows(page, "Kosten en verwachte kosten van")
        verdict = rows[PP.VERDICT_ROW][0]
        position = rows["Dit jaar (bandbreedte 95%)"][0]
        seen.add(verdict)
        text = page.split("## Kosten en verwachting")[1].split("```{table}")[0]
        if position != PP.MISSING:
            actual = number(rows["Werkelijke kosten"][0])
            low, high = (number(x) for x in rows["Bandbreedte 95%"][0].split(" tot "))
            side = {v: k for k, v in PP.POSITION_NL.items()}[position]
            assert {"above": actual >= high, "below": actual <= low, "within": low <= actual <= high}[side], code
        if verdict in (PP.VERDICT_NL["above"], PP.VERDICT_NL["below"]):
            above = verdict == PP.VERDICT_NL["above"]
            assert f"**Blijvend {verdict}:**" in text, code
            assert (lasting.at[code, "lasting_lower_pct"] > 0) if above else (lasting.at[code, "lasting_upper_pct"] < 0), code
        else:
            assert not re.search(r"\*\*Blijvend (hoger|lager) dan verwacht", text), code
        if verdict == PP.VERDICT_NL["within"]:
            assert "**Binnen de verwachting.**" in text, code
        # The verdict opens the section, so a phone shows it on the first screen.
        assert re.match(r"\*\*(Blijvend|Binnen de verwachting|Geen oordeel)", text.strip()), code
        if verdict == PP.VERDICT_NL["not assessed"]:
            assert f"Geen oordeel over {PP._md_escape(profiles.municipalities.at[code, 'name'])}" in text
            assert rows["Verschil met de verwachting"][0] == PP.MISSING
    assert seen == set(PP.VERDICT_NL.values())


def test_flagged_municipalities_get_no_verdict_and_say_why(pages, profiles):
    flags = profiles.flags
    ranked = flags[flags["ranking"]]
    assert len(ranked) > 5
    for row in ranked.itertuples():
        page = pages[row.gm_code]
        assert table_rows(page, "Kosten en verwachte kosten van")[PP.VERDICT_ROW][0] == PP.VERDICT_NL["not assessed"]
        assert record(row.flag).rule("nl") in page
        assert "Ze tellen niet mee in de berekening van de verwachting, in ranglijsten" in page
    unflagged = set(profiles.municipalities.index) - set(flags["gm_code"])
    assert all("Er is geen signaal voor" in pages[code] for code in unflagged)


def test_residence_rule_flags_show_the_evidence_and_say_possibly(pages, profiles):
    rule = profiles.residence
    assert len(rule.hosts) >= 5
    for code, row in rule.affected.iterrows():
        page = pages[code]
        before, after = (PP.eur(PP.rounded(row[k], "eur")) for k in ("before", "after"))
        assert f"gingen van {before} in {rule.year - 1} naar {after} in {rule.year}" in page, code
        clients = PP.number(PP.rounded(row["clients_before"], "count"))
        assert f"jongeren met jeugdzorg ging van {clients}" in page, code
        assert "mogelijk" in page and "is uit deze cijfers niet op te maken." in page
        assert "boekhoudkundige verschuiving" not in page


def test_common_names_are_on_the_pages(pages):
    assert "Den Haag" in pages["GM0518"].split("\n## ")[0]
    assert "Den Bosch" in pages["GM0796"].split("\n## ")[0]
    assert "Sudwest-Fryslan" in pages["GM1900"].split("\n## ")[0]


def test_every_number_in_the_tables_is_in_the_csv(pages):
    """The download holds the numbers of the page (spot check on every page's benchmark table)."""
    for code, page in pages.items():
        data = page_csv(code)
        bench = data[data["section"] == "need benchmark"].set_index("measure")["value"]
        rows = table_rows(page, "Kosten en verwachte kosten van")
        actual = rows["Werkelijke kosten"][0]
        assert (actual == PP.NOT_AVAILABLE and bench["actual cost per inhabitant aged 0-17"] == "") or \
            number(actual) == float(bench["actual cost per inhabitant aged 0-17"]), code
        assert f"{{download}}`Alle cijfers van deze pagina (CSV) <{code}.csv>`" in page
        assert f"{{download}}`Dezelfde cijfers voor een Nederlandse spreadsheet (CSV) <{code}-nl.csv>`" in page


def test_figures_are_drawn_from_the_rounded_numbers_and_described(pages, profiles):
    for code in ("GM0363", "GM0233", "GM0599", "GM0060"):
        svg_text = (BOOK_DIR / PP.PAGES_DIR / f"{code}-cost.svg").read_text(encoding="utf-8")
        root = ET.fromstring(svg_text)
        assert root.get("role") == "img"
        desc = root.find(f"{SVG}desc").text
        title = root.find(f"{SVG}title").text
        assert profiles.municipalities.at[code, "name"] in title
        assert "€ per inwoner van 0-17 jaar" in svg_text and "Bron: CBS" in svg_text
        data = page_csv(code)
        own = data[(data["section"] == "cost") & (data["measure"] == "cost per inhabitant aged 0-17")
                   & (data["note"] == "") & (data["value"] != "")]
        for value, year in zip(own["value"], own["year"]):
            assert f"{PP.eur(int(value))} in {year}" in desc, code
        alt = re.search(r":alt: (.*)\n", pages[code])[1]
        assert alt == desc.replace("&amp;", "&")
    assert not (BOOK_DIR / PP.PAGES_DIR / "GM0599-cost.svg").read_text().count("<polyline points=\"") > 2


def test_pages_task_is_cached_and_follows_its_inputs(tmp_path):
    task = next(t for t in planned_notebooks() if t.output == PAGES_TASK)
    assert task.recorded(BOOK_DIR) == task.fingerprint(), "the committed pages are stale: run make.py book"
    shutil.copytree(BOOK_DIR, tmp_path / "book")
    assert execute_all(only=[PAGES_TASK], book_dir=tmp_path / "book", progress=lambda _: None) == []
    changed = next(t for t in planned_notebooks({"first_year": 2020}) if t.output == PAGES_TASK)
    assert changed.fingerprint() != task.fingerprint()
    other = next(t for t in planned_notebooks({"outcome": "cost_per_youth"}) if t.output == PAGES_TASK)
    assert other.fingerprint() == task.fingerprint(), "a parameter the pages do not use re-made them"
    # the fingerprint sees both templates of the pages
    assert task.template.name == PP.PAGE_TEMPLATE
    assert {p.name for p in task.template.parent.glob(PAGES_TEMPLATES)} == {PP.PAGE_TEMPLATE, PP.INDEX_TEMPLATE}


def test_the_pages_are_made_again_when_the_base_url_changes(tmp_path, monkeypatch):
    """The citation line of every page gives its address from ``html.baseurl`` of ``_config.yml``."""
    from jeugdzorg.book import runner

    task = runner.pages_task()
    before = task.fingerprint()
    for name in ("_config.yml", "requirements-lock.txt"):
        shutil.copy2(runner.PROJECT_ROOT / name, tmp_path / name)
    config = tmp_path / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert 'baseurl: ""' in text
    config.write_text(text.replace('baseurl: ""', 'baseurl: "https://example.org/jeugdzorg"'), encoding="utf-8")
    monkeypatch.setattr(runner, "PROJECT_ROOT", tmp_path)
    assert task.fingerprint() != before


def test_pages_with_other_parameters_change_only_what_depends_on_them(tmp_path, tables):
    """A later first year: fewer years on every page, the same need benchmark (it is the chapter's)."""
    last = int(tables["costs"]["year"].max())
    first = last - 1
    files = PP.generate(tables, {**load_params()["parameters"], "first_year": first})
    page = files[f"{PP.PAGES_DIR}/GM0363.md"].decode()
    assert f"| {first - 1} |" not in page and f"| {first} |" in page
    data = pd.read_csv(io.BytesIO(files[f"{PP.PAGES_DIR}/GM0363.csv"]), dtype={"year": str}, keep_default_na=False)
    assert set(data.loc[data["section"] == "cost", "year"]) == {str(first), str(last)}
    assert np.isin(["need benchmark"], data["section"]).all()


def test_csv_downloads_are_tidy(pages):
    for code in list(pages)[:20]:
        text = (BOOK_DIR / PP.PAGES_DIR / f"{code}.csv").read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == list(PP.Records.COLUMNS)
        assert all(len(r) == len(PP.Records.COLUMNS) and r[0] == code for r in rows[1:])


def test_the_profile_command_finds_common_names_and_suggests(tables):
    from jeugdzorg.cli import resolve_municipality
    from jeugdzorg.data.names import UnknownMunicipalityError

    assert resolve_municipality("Den Haag", tables) == ("GM0518", "'s-Gravenhage")
    assert resolve_municipality("sudwest-fryslan", tables)[0] == "GM1900"
    assert resolve_municipality("Ermelo", tables) == ("GM0233", "Ermelo")
    with pytest.raises(UnknownMunicipalityError) as error:
        resolve_municipality("Den Haaag", tables)
    assert any("'s-Gravenhage" in s for s in error.value.suggestions)
    with pytest.raises(UnknownMunicipalityError, match="Amsterdam"):
        resolve_municipality("Amsterdm", tables)
