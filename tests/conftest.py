"""Shared fixtures: the real raw extracts (read-only), a tamperable view of them, the snapshot."""

from __future__ import annotations

import functools
import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from jeugdzorg.data.raw_provenance import PROVENANCE_FILE, record_provenance
from jeugdzorg.data.snapshot import input_files, load_snapshot
from jeugdzorg.paths import PROJECT_ROOT, RAW_DIR, data_dir


#: Session fixtures of the book tests that build or serve the strict HTML (tests/book/conftest.py).
HTML_FIXTURES = ("built_book", "built_html", "book_server", "book_page", "incremental_rebuild")


def work_unit(root: Path, nodeid: str) -> str:
    """The share of the work a test goes with under ``pytest -n`` (see :func:`pytest_xdist_make_scheduler`):
    its file, or ``built-html`` for every test file that reads the built HTML."""
    file = nodeid.split("::")[0]
    return "built-html" if _reads_built_html(root / file) else file


@functools.lru_cache(maxsize=None)  # asked once per test id and worker: each file is read once
def _reads_built_html(path: Path) -> bool:
    return path.suffix == ".py" and path.is_file() and any(name in path.read_text(encoding="utf-8")
                                                           for name in HTML_FIXTURES)


def pytest_xdist_make_scheduler(config, log):
    """How the test command shares the work between processes (``pytest -n auto``).

    Every file's tests run in one process, so a module's costly fixtures (a new edition built, the
    chapters re-executed on a perturbed snapshot) and a notebook's cells (nbval runs them in order,
    in one kernel) are never split, and every test file that reads the built HTML runs in the same
    process, so the strict HTML is built once.  (pytest-xdist's own ``loadgroup`` cannot be used:
    its marks do not reach the test ids under pytest 9.)
    """
    from xdist.scheduler import LoadScopeScheduling

    root = config.rootpath

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(root, nodeid)

    return ByFile(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under ``-n``, the files marked ``slow`` are collected first, so their work starts first and the
    longest work does not begin last (the order within a file is kept)."""
    if getattr(config.option, "numprocesses", None):
        slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
        items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)


@pytest.fixture
def make():
    """make.py as a module (its main() only runs when executed)."""
    spec = importlib.util.spec_from_file_location("make_under_test", PROJECT_ROOT / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The repository's raw directory (``raw/``, with its provenance), whatever ``JZ_RAW_DIR`` says."""
    return RAW_DIR


@pytest.fixture(scope="session")
def tables() -> dict:
    """The committed snapshot."""
    return load_snapshot(data_dir())


class RawCopy:
    """A raw directory of symlinks to the real files and a copy of their provenance; ``edit`` swaps
    one file for a modified copy and records it in the copy's provenance, as an analyst placing a
    new file would."""

    def __init__(self, source: Path, target: Path) -> None:
        self.source, self.path = source, target
        for relative in input_files(source):
            link = target / relative
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source / relative)
        shutil.copyfile(source / PROVENANCE_FILE, target / PROVENANCE_FILE)

    def _record(self, relative: str) -> None:
        record_provenance(self.path, {relative: {"source": f"a test's edit of {relative}", "address": "tests",
                                                 "licence": "none stated"}})

    def edit(self, relative: str, change: Callable[[str], str]) -> Path:
        """Replace ``relative`` by ``change(original text)``; returns the edited file."""
        path = self.path / relative
        text = (self.source / relative).read_text(encoding="utf-8-sig")
        path.unlink()
        path.write_text(change(text), encoding="utf-8")
        self._record(relative)
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self.path / relative
        path.unlink()
        path.write_bytes(data)
        self._record(relative)
        return path

    def read_bytes(self, relative: str) -> bytes:
        return (self.source / relative).read_bytes()


@pytest.fixture
def raw_copy(raw_dir: Path, tmp_path: Path) -> RawCopy:
    return RawCopy(raw_dir, tmp_path / "raw")


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the package that a test may edit: code fingerprints are computed from the copy, so
    the package's own source files are never written (a killed run leaves no edit in the code)."""
    from jeugdzorg import fingerprint
    from jeugdzorg.paths import PACKAGE_DIR

    copy = tmp_path / "package" / PACKAGE_DIR.name
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", copy)
    return copy


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the committed snapshot that a test may try to overwrite."""
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target
