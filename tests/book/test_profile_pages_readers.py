"""The municipality pages as their Dutch readers get them (the committed pages, read as text).

Dutch notation and no English number notation; each number in a page's tables tied to its quantity
(its key in the page's record, the CSV), not merely to digits found somewhere in it; the second CSV
for Dutch-locale spreadsheets read back with that locale's conventions; the edition, the citation and
the meta description; no text about how the pages are made; the finder's list.
"""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from jeugdzorg.book import profile_pages as PP
from jeugdzorg.book.aliases import aliases
from jeugdzorg.book.edition import load_edition
from jeugdzorg.paths import BOOK_DIR

from tests.book.page_checks import PROFILE_SAMPLE
from tests.book.test_profile_pages import number, page_csv, table_rows


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((BOOK_DIR / PP.PAGES_DIR).glob("GM*.md"))}


def prose(page: str) -> str:
    """The page's text and tables without its front matter, directives' options, links and file names."""
    body = page.split("\n---\n", 1)[1]
    body = re.sub(r"^:(name|alt|class): .*$", "", body, flags=re.M)
    body = re.sub(r"\]\([^)]*\)|<[^>]*\.(csv|svg|md)>|\{doc\}`[^`]*`", "", body)
    return re.sub(r"(Versie|Editie|[Ee]ditie van|[Ee]ditie) \d{4}\.\d{2}\.\d{2}", "", body)


def test_pages_are_dutch_with_dutch_notation(pages):
    for code, page in pages.items():
        assert "\nlang: nl\n" in page.split("\n---\n", 1)[0], code
        text = prose(page)
        assert "EUR" not in text, code
        # English notation: a thousands comma (2,220) or a decimal point (6.7)
        assert not re.search(r"(?<![\w.,])\d{1,3},\d{3}(?!\d)", text), (code, re.search(r"\d{1,3},\d{3}", text))
        # (a point before three digits is the Dutch thousands point; before one or two, a decimal point)
        assert not re.search(r"(?<![\w.,])\d+\.\d{1,2}(?!\d)", text), (code, re.search(r"\d+\.\d{1,2}(?!\d)", text))
        assert "-0" not in text and " -" not in re.sub(r" -{3,}", "", text), "a hyphen where a minus sign belongs"
        assert "€\N{NO-BREAK SPACE}" in text and "%" in text


def test_each_number_in_the_tables_is_its_quantity_in_the_record(pages):
    """Every cell of the benchmark, cost, use and budget tables equals the value of its key."""
    for code in PROFILE_SAMPLE:
        page, data = pages[code], page_csv(code)
        value = {(r.section, r.measure, r.year): r.value for r in data.itertuples()}
        name = data["name"].iloc[0]

        def check(cell: str, key: tuple[str, str, str], value: dict = value, code: str = code) -> None:
            recorded = value[key]
            if cell in (PP.MISSING, PP.NOT_AVAILABLE):
                assert recorded == "", (code, key, cell)
            else:
                assert number(cell) == pytest.approx(float(recorded)), (code, key, cell, recorded)

        bench = table_rows(page, "Kosten en verwachte kosten van")
        year = re.search(r"Meting \| (\d{4}) \(€\)", page)[1]
        check(bench["Werkelijke kosten"][0], ("need benchmark", "actual cost per inhabitant aged 0-17", year))
        check(bench["Verwachte kosten bij deze kenmerken"][0], ("need benchmark", "need benchmark (expected cost)", year))
        for level in ("90", "95"):
            cell = bench[f"Bandbreedte {level}%"][0]
            if cell != PP.NOT_AVAILABLE:
                low, high = cell.split(" tot ")
                check(low, ("need benchmark", f"{level}% interval, lower bound", year))
                check(high, ("need benchmark", f"{level}% interval, upper bound", year))
        if bench["Verschil met de verwachting"][0] != PP.MISSING:
            check(bench["Verschil met de verwachting"][0], ("need benchmark", "actual against the benchmark", year))
        columns = {"Grootteklasse": "median of its size class", "Regio": "median of its youth-care region",
                   "Nederland": "median of all municipalities"}
        cost = table_rows(page, "Kosten per inwoner van 0 tot en met 17 jaar (€)")
        for year, cells in cost.items():
            check(cells[0], ("cost", "cost per inhabitant aged 0-17", year))
            for k, measure in enumerate(columns.values(), start=1):
                check(cells[k], ("cost", f"cost per inhabitant aged 0-17, {measure}", year))
        use = table_rows(page, "Jongeren met jeugdhulp in natura")
        for year, cells in use.items():
            check(cells[0], ("use", "youth help in kind", year))
            for k, measure in enumerate(columns.values(), start=1):
                check(cells[k], ("use", f"youth help in kind, {measure}", year))
            check(cells[4], ("use", "young people in care", year))
        budget = table_rows(page, "Begrote en gerealiseerde kosten")
        for year, cells in budget.items():
            check(cells[3], ("budget", "Netherlands: realised against budget, screened", year))
            if cells[0] != PP.MISSING:
                check(cells[0], ("budget", "budgeted cost", year))
                check(cells[1], ("budget", "realised cost", year))
                if cells[2] != "registratiefout":
                    check(cells[2], ("budget", "realised against budget", year))
        latest = table_rows(page, "Bruto lasten op de drie taakvelden")
        for year, cells in latest.items():
            check(cells[0], ("accounts and budgets", "spending on the three care fields, accounts (Iv3)", year))
            check(cells[1], ("accounts and budgets", "spending on the three care fields, budget (Iv3)", year))
        # the verdict sentence quotes the same actual cost as the table
        sentence = page.split("## Kosten en verwachting")[1].split("```")[0]
        if bench["Werkelijke kosten"][0] != PP.NOT_AVAILABLE and "Geen oordeel" not in sentence:
            assert f"**€\N{NO-BREAK SPACE}{bench['Werkelijke kosten'][0]}**" in sentence, (code, name)


def test_the_dutch_csv_reads_back_as_the_same_numbers(pages):
    """``GMxxxx-nl.csv``: ``;``-separated with decimal commas, as a Dutch spreadsheet reads it."""
    for code in list(pages)[::17]:
        machine = page_csv(code)
        raw = (BOOK_DIR / PP.PAGES_DIR / f"{code}-nl.csv").read_bytes()
        assert raw.startswith("\ufeff".encode()), "a spreadsheet needs the byte-order mark to read UTF-8"
        dutch = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig", dtype={"jaar": str},
                            keep_default_na=False)
        assert list(dutch.columns) == list(PP.Records.COLUMNS_NL)
        assert len(dutch) == len(machine)
        assert (dutch["meting"] == machine["measure"]).all() and (dutch["jaar"] == machine["year"]).all()
        a = pd.to_numeric(dutch["waarde"].astype(str).str.replace(",", "."), errors="coerce")
        b = pd.to_numeric(machine["value"], errors="coerce")
        assert ((a == b) | (a.isna() & b.isna())).all(), code
        assert any("," in str(v) for v in dutch["waarde"]) or not any("." in str(v) for v in machine["value"])


def test_every_page_gives_edition_source_citation_and_a_description(pages):
    edition = load_edition()
    descriptions = set()
    for code, page in pages.items():
        front = page.split("\n---\n", 1)[0]
        description = json.loads(re.search(r"\n    description: (.*)", front)[1])
        assert code in description and 60 < len(description) < 320, code
        descriptions.add(description)
        assert f"Editie {edition.version}" in page
        cite = re.search(r"\*\*Deze pagina citeren:\*\* (.*)\n", page)[1]
        assert f"Versie {edition.version}" in cite and PP.PAGE_ADDRESS.format(code=code) in cite, code
        assert page.count("Bron: ") >= 4
        data = page_csv(code)
        assert (data["edition"] == edition.version).all() and (data["source"] != "").all()
    assert len(descriptions) == len(pages), "two pages share a description"


def test_no_text_about_how_the_pages_are_made(pages):
    for code, page in pages.items():
        text = page.split("\n---\n", 1)[1].lower()
        for process in ("byte for byte", "test command", "jeugdzorg.analysis", "jeugdzorg.book", "notebook"):
            assert process not in text, (code, process)


def test_the_finder_lists_every_municipality_with_its_other_names(pages):
    script = (BOOK_DIR / PP.FINDER_DATA).read_text(encoding="utf-8")
    rows = json.loads(re.search(r"window\.JZ_GEMEENTEN = (\[.*\]);", script, re.S)[1])
    assert {row[0] for row in rows} == set(pages)
    for code, name, _province, *others in rows:
        assert others == aliases(code, name)
        assert f"# {PP._md_escape(name)} ({code})" in pages[code]
    assert ["GM0518", "'s-Gravenhage", "Zuid-Holland", "Den Haag", "The Hague"] in rows


def test_the_why_adds_up_to_the_benchmark_and_peers_agree_with_their_own_pages(pages):
    """The terms multiply to the benchmark shown; each similar municipality's numbers are those of its own page."""
    for code in PROFILE_SAMPLE:
        page = pages[code]
        if "## Waarom deze verwachting" not in page or "Samen" not in page:
            continue
        data = page_csv(code)
        terms = data[data["section"] == "benchmark terms"].set_index("measure")["value"].astype(float)
        reference = terms.pop("benchmark of a municipality with median drivers")
        together = terms.pop("all terms together")
        expected = number(table_rows(page, "Kosten en verwachte kosten van")["Verwachte kosten bij deze kenmerken"][0])
        ratio = float(pd.Series(1 + terms / 100).prod())
        assert reference * ratio == pytest.approx(expected, rel=0.01), code
        assert 100 * (ratio - 1) == pytest.approx(together, abs=0.6), code
        shown = table_rows(page, "Hoeveel elke groep kenmerken")
        assert number(shown["Samen"][0]) == pytest.approx(together)
        peers = table_rows(page, "Gemeenten met kenmerken die het meest lijken op")
        assert len(peers) == 5
        for label, cells in peers.items():
            peer = re.search(r"\((GM\d{4})\.md\)", label)[1]
            assert peer != code
            own = table_rows(pages[peer], "Kosten en verwachte kosten van")
            assert cells[0] == own["Werkelijke kosten"][0].replace(PP.NOT_AVAILABLE, PP.MISSING), (code, peer)
            assert cells[1] == own["Verwachte kosten bij deze kenmerken"][0], (code, peer)
            assert cells[2] == own[PP.VERDICT_ROW][0], (code, peer)
        assert "De regel: de kleinste afstand over alle kenmerken" in page
