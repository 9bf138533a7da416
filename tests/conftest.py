"""Shared fixtures: the real raw extracts (read-only), a tamperable view of them, the snapshot."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from jeugdzorg.paths import data_dir, default_raw_dir
from jeugdzorg.data.snapshot import input_files, load_snapshot



@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The real raw directory (../shared/data); tests that need it are skipped without it."""
    raw = default_raw_dir()
    if not raw.is_dir():
        pytest.skip(f"raw data not available at {raw}")
    return raw


@pytest.fixture(scope="session")
def tables() -> dict:
    """The committed snapshot."""
    return load_snapshot(data_dir())


class RawCopy:
    """A raw directory of symlinks to the real files; ``edit`` swaps one for a modified copy."""

    def __init__(self, source: Path, target: Path) -> None:
        self.source, self.path = source, target
        for relative in input_files(source):
            link = target / relative
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source / relative)

    def edit(self, relative: str, change: Callable[[str], str]) -> Path:
        """Replace ``relative`` by ``change(original text)``; returns the edited file."""
        path = self.path / relative
        text = (self.source / relative).read_text(encoding="utf-8-sig")
        path.unlink()
        path.write_text(change(text), encoding="utf-8")
        return path

    def write_bytes(self, relative: str, data: bytes) -> Path:
        path = self.path / relative
        path.unlink()
        path.write_bytes(data)
        return path

    def read_bytes(self, relative: str) -> bytes:
        return (self.source / relative).read_bytes()


@pytest.fixture
def raw_copy(raw_dir: Path, tmp_path: Path) -> RawCopy:
    return RawCopy(raw_dir, tmp_path / "raw")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the committed snapshot that a test may try to overwrite."""
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target
