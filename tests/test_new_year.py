"""A new year of data updates the book without a code change.

The snapshot is built from the raw files with the last cost year removed, then from all files;
the last year must appear in the panel, in the manifest's change record and in a glued number of
the executed data chapter.
"""

from __future__ import annotations

import json
import re

import pytest

from jeugdzorg.analysis import panel as P
from jeugdzorg.book.runner import execute_notebook, template_path
from jeugdzorg.data.snapshot import import_raw, load_snapshot, read_manifest, write_snapshot

from tests.helpers import glued_values

NEW_YEAR_TABLES = ("cbs/83454NED.csv", "cbs/85098NED.csv", "cbs/85099NED.csv")


def _without_year(year: int):
    pattern = re.compile(rf"^\d+;(?:[^;]*;)*?(?:[12]e halfjaar )?{year};", re.M)

    def change(text: str) -> str:
        return "".join(line for line in text.splitlines(keepends=True) if not pattern.match(line))
    return change


@pytest.fixture(scope="module")
def snapshots(raw_dir, tmp_path_factory):
    from tests.conftest import RawCopy

    base = tmp_path_factory.mktemp("newyear")
    latest = int(load_snapshot()["costs"].dropna(subset=["realised_keur"])["year"].max())
    old_raw = RawCopy(raw_dir, base / "raw_old")
    for table in NEW_YEAR_TABLES:
        old_raw.edit(table, _without_year(latest))
    data = base / "data"
    write_snapshot(import_raw(old_raw.path), old_raw.path, data, today="2026-01-01")
    old_copy = base / "data_old"
    import shutil

    shutil.copytree(data, old_copy)
    write_snapshot(import_raw(raw_dir), raw_dir, data, today="2026-02-01")
    return latest, old_copy, data


def test_the_new_year_enters_the_panel(snapshots):
    latest, old, new = snapshots
    assert P.build_panel(load_snapshot(old)).index.get_level_values("year").max() == latest - 1
    assert P.build_panel(load_snapshot(new)).index.get_level_values("year").max() == latest


def test_the_manifest_records_vintage_and_what_changed(snapshots):
    latest, old, new = snapshots
    before, after = read_manifest(old), read_manifest(new)
    assert before["vintage"]["costs (83454NED)"] == str(latest - 1)
    assert after["vintage"]["costs (83454NED)"] == str(latest)
    assert after["imported"] == "2026-02-01"
    assert after["changes"]["previous_import"] == "2026-01-01"
    added = after["changes"]["tables"]
    assert added["costs"]["added"] > 300 and added["use_pct"]["added"] > 300
    assert added["register"] == {"added": 0, "removed": 0, "revised": 0}


def test_the_new_year_reaches_a_glued_number(snapshots, tmp_path, monkeypatch):
    latest, old, new = snapshots
    glued = {}
    for label, data in (("old", old), ("new", new)):
        monkeypatch.setenv("JZ_DATA_DIR", str(data))  # the kernel inherits it
        target = tmp_path / label / "data_coverage.ipynb"
        execute_notebook(template_path("data_coverage"), {}, target)
        glued[label] = glued_values(json.loads(target.read_text(encoding="utf-8")))
    assert glued["old"]["last_year"] == str(latest - 1)
    assert glued["new"]["last_year"] == str(latest)
    assert glued["new"]["youths_last"] != glued["old"]["youths_last"]
