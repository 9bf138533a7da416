"""A real new CBS edition builds the whole book, and a failing build changes nothing.

The edition (tests/edition.py) brings a new, provisional year, a revised earlier year, sub-year
labels in a new spelling, and a newest cost year whose gemeentefonds drivers are incomplete.  The
snapshot is imported from it with no code change and the whole book -- every chapter, a sample of
profiles, the HTML -- is built from it through the same route as ``make.py book``.
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
from tests.edition import NEW_YEAR, REVISED_YEAR, simulate_new_edition
from tests.helpers import glued_values

PROFILES = ("GM0363", "GM0060")


@pytest.fixture(scope="module")
def edition(raw_dir, tmp_path_factory):
    from tests.conftest import RawCopy

    base = tmp_path_factory.mktemp("edition")
    raw = RawCopy(raw_dir, base / "raw")
    simulate_new_edition(raw)
    shutil.copytree(data_dir(), base / "data")
    write_snapshot(import_raw(raw.path), raw.path, base / "data", today="2027-01-15")
    shutil.copytree(BOOK_DIR, base / "book", ignore=shutil.ignore_patterns("GM*.ipynb"))
    for code in PROFILES:
        shutil.copy(BOOK_DIR / "profiles" / f"{code}.ipynb", base / "book" / "profiles")
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
    assert changes["costs"]["added"] >= 300 and changes["costs"]["revised"] >= 25
    assert changes["use_pct"]["added"] >= 300 and changes["use_counts"]["added"] >= 300
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
    models = glued(base, "panel_models")
    assert models["pm_last"] == str(NEW_YEAR - 1)
    note = models["pm_years_note"]
    assert f"run to {NEW_YEAR}" in note and f"stop at {NEW_YEAR - 1}" in note
    assert "psychiatric medication" in note
    assert glued(base, "drivers")["dr_year"] == str(NEW_YEAR - 1)
    # Every robustness variant ran on the new edition (the baseline is not counted).
    variants = E.robustness_variants(E.Specification(), alternative_boundary_year=NEW_YEAR)
    assert glued(base, "robustness")["rb_n_variants"] == str(len(variants) - 1)


def test_the_whole_book_is_built_from_the_edition(edition):
    base, index = edition
    assert index == base / "_build" / "html" / "index.html" and index.is_file()
    page = (base / "_build" / "html" / "book" / "conclusions.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    # the trend the conclusions paste runs to the new year, in euros of that year
    assert f"between 2019 and {NEW_YEAR} in real euros of {NEW_YEAR}" in text
    for code in PROFILES:
        assert (base / "_build" / "html" / "book" / "profiles" / f"{code}.html").is_file()
    assert not list(base.glob(".tmp-*"))
    assert REVISED_YEAR < NEW_YEAR


def test_a_failing_notebook_leaves_book_and_html_as_they_were(edition):
    """One chapter fails: no chapter is replaced, and the HTML stays as it was."""
    base, _ = edition
    before = {p.relative_to(base): p.read_bytes() for p in sorted((base / "book").rglob("*")) if p.is_file()}
    html_before = (base / "_build" / "html" / "book" / "trends.html").read_bytes()
    with pytest.MonkeyPatch.context() as patch, pytest.raises(Exception, match="2016"):
        patch.setenv("JZ_DATA_DIR", str(base / "data"))
        # Boundaries of 2016 cannot hold data that already reflect later mergers: the trends chapter
        # fails, after the data chapter (which takes no boundary year) has succeeded.
        build_book({"boundary_year": 2016}, only=["data_coverage", "trends"], force=True, jobs=1,
                   book_dir=base / "book", build_dir=base / "_build", progress=lambda _: None)
    after = {p.relative_to(base): p.read_bytes() for p in sorted((base / "book").rglob("*")) if p.is_file()}
    assert after == before
    assert (base / "_build" / "html" / "book" / "trends.html").read_bytes() == html_before
    assert not list(base.glob(".tmp-*"))
