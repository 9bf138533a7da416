"""A real new CBS edition builds the whole book, and a failing build changes nothing.

The edition (tests/edition.py) brings the year after the last one in the data, provisional, a
revised earlier year, sub-year labels in a new spelling, and a newest cost year with only the
gemeentefonds drivers the repository has for it.  The snapshot is imported from it with no code
change and the whole book -- every chapter, a sample of municipality pages, the HTML -- is built from
it through the same route as ``make.py book``.  What the tests expect is derived from the data (the
years, the register, the drivers' coverage), never from one edition.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from jeugdzorg.book.runner import build_book
from jeugdzorg.data.snapshot import import_raw, read_manifest, write_snapshot
from jeugdzorg.paths import BOOK_DIR, data_dir

from jeugdzorg.analysis import estimation as E
from jeugdzorg.analysis import panel as P
from jeugdzorg.analysis.years import model_driver_years
from jeugdzorg.data.snapshot import load_snapshot
from tests.edition import NEW_YEAR, REVISED_YEAR, register_year, simulate_new_edition
from tests.helpers import glued_values

pytestmark = pytest.mark.slow  # builds the book or re-executes chapters: scheduled first under -n


def profiles() -> tuple[str, ...]:
    """Two municipality pages to look at: the largest and the smallest municipality of the register
    of the new year."""
    register = load_snapshot()["register"]
    current = register[register["year"] == register_year(NEW_YEAR)].sort_values("inhabitants")
    return current["gm_code"].iloc[-1], current["gm_code"].iloc[0]


@pytest.fixture(scope="module")
def edition(raw_dir, tmp_path_factory):
    from tests.conftest import RawCopy

    base = tmp_path_factory.mktemp("edition")
    raw = RawCopy(raw_dir, base / "raw")
    simulate_new_edition(raw)
    shutil.copytree(data_dir(), base / "data")
    write_snapshot(import_raw(raw.path), raw.path, base / "data", today="2027-01-15")
    shutil.copytree(BOOK_DIR, base / "book")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JZ_DATA_DIR", str(base / "data"))  # the kernels inherit it
        index = build_book(force=True, strict=True, book_dir=base / "book", build_dir=base / "_build",
                           progress=lambda _: None)
    return base, index


def glued(base, name):
    return glued_values(json.loads((base / "book" / f"{name}.ipynb").read_text(encoding="utf-8")))


def test_the_import_records_the_new_and_the_revised_year(edition):
    base, _ = edition
    manifest = read_manifest(base / "data")
    assert manifest["vintage"]["costs (83454NED)"] == str(NEW_YEAR)
    changes = manifest["changes"]["tables"]
    tables = load_snapshot()
    register = tables["register"]
    municipalities = (register["year"] == register_year(NEW_YEAR)).sum()
    costs = tables["costs"]
    reported = costs[(costs["year"] == REVISED_YEAR) & costs["realised_keur"].notna()]
    # nearly every municipality gains the new year; every tenth reported cost row was revised
    assert changes["costs"]["added"] >= 0.9 * municipalities
    assert changes["costs"]["revised"] >= len(reported) // 15
    assert changes["use_pct"]["added"] >= 0.9 * municipalities
    assert changes["use_counts"]["added"] >= 0.9 * municipalities
    costs_input = next(e for e in manifest["inputs"] if e["file"] == "cbs/83454NED.csv")
    assert "half-years not used" in costs_input["periods"]


def test_descriptive_chapters_show_the_newest_year_and_say_it_is_provisional(edition):
    base, _ = edition
    coverage = glued(base, "data_coverage")
    assert coverage["last_year"] == str(NEW_YEAR)
    assert f"{NEW_YEAR} in the cost table" in coverage["provisional_note"]
    assert glued(base, "trends")["tr_last"] == str(NEW_YEAR)
    assert glued(base, "maps")["mp_year"] == str(NEW_YEAR)


def test_models_stop_at_the_last_year_with_complete_drivers_and_say_why(edition):
    base, _ = edition
    tables = load_snapshot(base / "data")
    drivers = list(P.DRIVER_SETS[E.Specification().driver_set])
    last = max(model_driver_years(tables, drivers))
    models = glued(base, "panel_models")
    assert models["pm_last"] == str(last)
    assert glued(base, "drivers")["dr_year"] == str(last)
    note = models["pm_years_note"]
    if last < NEW_YEAR:  # the new year's drivers are incomplete: the note says so, and which
        assert f"run to {NEW_YEAR}" in note and f"stop at {last}" in note
        panel = P.build_panel(tables)
        missing = P.missing_by_year(panel[P.plausible_cost(panel)], drivers)[NEW_YEAR]
        labels = {d.name: d.label.lower() for d in P.DRIVERS}
        assert missing and all(labels[name] in note for name in missing)
    else:
        assert f"to {NEW_YEAR}" in note
    # Every robustness variant ran on the new edition (the baseline is not counted).
    variants = E.robustness_variants(E.Specification(), alternative_boundary_year=NEW_YEAR)
    assert glued(base, "robustness")["rb_n_variants"] == str(len(variants) - 1)


def test_the_whole_book_is_built_from_the_edition(edition):
    base, index = edition
    assert index == base / "_build" / "html" / "index.html" and index.is_file()
    page = (base / "_build" / "html" / "book" / "conclusions.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    # the trend the conclusions paste runs to the new year, in euros of that year
    first = glued(base, "trends")["tr_first"]
    assert f"between {first} and {NEW_YEAR} in real euros of {NEW_YEAR}" in text
    for code in profiles():
        assert (base / "_build" / "html" / "book" / "profiles" / f"{code}.html").is_file()
        # the municipality pages are regenerated: the new year is on them
        page = (base / "book" / "profiles" / f"{code}.md").read_text(encoding="utf-8")
        assert f"| {NEW_YEAR} |" in page
    assert not list(base.glob(".tmp-*"))
    assert REVISED_YEAR < NEW_YEAR


def test_a_failing_notebook_leaves_book_and_html_as_they_were(edition):
    """One chapter fails: no chapter is replaced, and the HTML stays as it was."""
    base, _ = edition
    before = {p.relative_to(base): p.read_bytes() for p in sorted((base / "book").rglob("*")) if p.is_file()}
    html_before = (base / "_build" / "html" / "book" / "trends.html").read_bytes()
    oldest = int(load_snapshot()["register"]["year"].min())
    with pytest.MonkeyPatch.context() as patch, pytest.raises(Exception, match=str(oldest)):
        patch.setenv("JZ_DATA_DIR", str(base / "data"))
        # The oldest register's boundaries cannot hold data that already reflect later mergers: the
        # trends chapter fails, after the data chapter (which takes no boundary year) has succeeded.
        build_book({"boundary_year": oldest}, only=["data_coverage", "trends"], force=True, jobs=1,
                   book_dir=base / "book", build_dir=base / "_build", progress=lambda _: None)
    after = {p.relative_to(base): p.read_bytes() for p in sorted((base / "book").rglob("*")) if p.is_file()}
    assert after == before
    assert (base / "_build" / "html" / "book" / "trends.html").read_bytes() == html_before
    assert not list(base.glob(".tmp-*"))
