"""The record of a complete ``make.py book`` (:mod:`jeugdzorg.build_record`) sees every kind of change.

A project in a temporary folder stands in for the real one: its raw folder, snapshot, package,
book and single files.  That the record covers every file the real checks read is tested on a real
build (``tests/book/test_book_build.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jeugdzorg import build_record


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "project"
    for relative in ("raw/cbs/83454NED.csv", "data/MANIFEST.yml", "analysis/jeugdzorg/x.py",
                     "analysis/templates/trends.md", "book/trends.ipynb", "book/profiles/GM0363.md", "_config.yml",
                     "_build/html/.book-fingerprint"):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{relative}\n", encoding="utf-8")
    monkeypatch.setenv("JZ_DATA_DIR", str(root / "data"))
    monkeypatch.setattr(build_record, "RECORD", root / "_build" / ".book-inputs.json")
    monkeypatch.setattr(build_record, "WATCHED_FOLDERS", (root / "analysis", root / "book"))
    monkeypatch.setattr(build_record, "WATCHED_FILES", (root / "_config.yml", root / "_build/html/.book-fingerprint"))
    monkeypatch.setattr(build_record, "TEMPORARY_PARENTS", (root, root / "_build"))
    build_record.record(root / "raw")
    assert build_record.unchanged(root / "raw")
    return root


def _same_size_and_time(path: Path, text: str) -> None:
    """Write ``text`` (as long as the old content) and give the file its old modification time back."""
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize("relative", ["raw/cbs/83454NED.csv", "data/MANIFEST.yml", "analysis/jeugdzorg/x.py",
                                      "book/profiles/GM0363.md", "_config.yml"])
def test_a_file_rewritten_with_its_old_size_and_time_is_seen(project, relative):
    path = project / relative
    _same_size_and_time(path, path.read_text(encoding="utf-8").upper())
    assert not build_record.unchanged(project / "raw")


@pytest.mark.parametrize("change", ["add", "remove", "touch", "remove single file", "interrupted run"])
def test_an_added_removed_or_touched_file_and_an_interrupted_run_are_seen(project, change):
    if change == "add":
        (project / "book" / "profiles" / "GM0014.md").write_text("new\n", encoding="utf-8")
    elif change == "remove":
        (project / "raw" / "cbs" / "83454NED.csv").unlink()
    elif change == "touch":
        os.utime(project / "analysis" / "templates" / "trends.md")
    elif change == "remove single file":
        (project / "_build" / "html" / ".book-fingerprint").unlink()
    else:
        (project / ".tmp-book-x1").mkdir()
    assert not build_record.unchanged(project / "raw")


def test_another_raw_folder_or_snapshot_is_not_the_recorded_one(project, monkeypatch):
    other = project / "raw-copy"
    (other / "cbs").mkdir(parents=True)
    (other / "cbs" / "83454NED.csv").write_bytes((project / "raw" / "cbs" / "83454NED.csv").read_bytes())
    assert not build_record.unchanged(other)
    monkeypatch.setenv("JZ_DATA_DIR", str(project / "data-elsewhere"))
    assert not build_record.unchanged(project / "raw")


def test_bytecode_caches_are_not_inputs_and_a_damaged_record_is_not_trusted(project):
    cache = project / "analysis" / "jeugdzorg" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    assert build_record.unchanged(project / "raw")
    build_record.RECORD.write_text("{not json", encoding="utf-8")
    assert not build_record.unchanged(project / "raw")
    build_record.RECORD.unlink()
    assert not build_record.unchanged(project / "raw")


def test_a_file_changed_no_earlier_than_the_record_was_written_is_not_trusted(project, monkeypatch):
    # A change in the same clock tick as the record may leave the status as recorded ("racy", as git
    # calls it): then the record is not trusted, whatever the status says.
    recorded_status, _ = build_record.status(project / "raw")
    written = build_record.RECORD.stat().st_ctime_ns
    monkeypatch.setattr(build_record, "status", lambda raw_dir: (recorded_status, written))
    assert not build_record.unchanged(project / "raw")
    monkeypatch.setattr(build_record, "status", lambda raw_dir: (recorded_status, written - 1))
    assert build_record.unchanged(project / "raw")
