"""Where every raw file came from: the provenance file of the raw directory.

The raw directory (``raw/`` of the project by default) keeps the inputs exactly as they were
obtained, and ``PROVENANCE.yml`` beside them gives, for every file, its source, address (URL or table
id), retrieval date, licence as the source states it (``none stated`` where it states none) and
sha256.  The file is data: a new edition arrives as new or replaced files plus their entries,
written by ``make.py fetch`` (:func:`record_provenance`) or by hand, and git keeps the old ones.

:func:`check_provenance` runs before every import: a file without an entry, or whose bytes no longer
match its entry's sha256, stops the import with one line naming the file and what to add or update.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputDataError
from ..fingerprint import sha256_file

PROVENANCE_FILE = "PROVENANCE.yml"
#: What every entry states, in this order.
FIELDS = ("source", "address", "retrieved", "licence", "sha256")

_HOW = ("source, address (URL or table id), retrieved (date), licence (as the source states it, "
        "or 'none stated') and sha256")


def raw_files(raw_dir: Path) -> list[str]:
    """Every file of the raw directory (relative, sorted), except the provenance file itself and the
    ``.tmp-`` leftovers of an interrupted fetch."""
    root = Path(raw_dir)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.name != PROVENANCE_FILE
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))


def read_provenance(raw_dir: Path) -> dict[str, Any]:
    """The parsed provenance file (``{'about': ..., 'files': {relative: entry}}``); empty if absent."""
    path = Path(raw_dir) / PROVENANCE_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def check_provenance(raw_dir: Path) -> None:
    """Every raw file has a complete entry, and its sha256 matches the file.

    Raises
    ------
    InputDataError
        Naming the first file without an entry, with an incomplete entry or with other bytes than its
        entry records, and saying how to add or update the entry.
    """
    raw_dir = Path(raw_dir)
    where = raw_dir / PROVENANCE_FILE
    if not where.is_file():
        raise InputDataError(PROVENANCE_FILE, f"no provenance file in the raw directory {raw_dir}: write "
                                              f"{where} with an entry per raw file under 'files:' ({_HOW})")
    entries = read_provenance(raw_dir).get("files") or {}
    for relative in raw_files(raw_dir):
        entry = entries.get(relative)
        actual = sha256_file(raw_dir / relative)
        if entry is None:
            raise InputDataError(relative, f"has no provenance entry: add one under 'files:' in {where} "
                                           f"({_HOW}; its sha256 is {actual})")
        missing = [name for name in FIELDS if not str(entry.get(name) or "").strip()]
        if missing:
            raise InputDataError(relative, f"its provenance entry in {where} lacks {', '.join(missing)}")
        if entry["sha256"] != actual:
            raise InputDataError(relative, f"sha256 {actual} differs from its provenance entry ({entry['sha256']}) "
                                           f"in {where}: raw files are never edited in place; if this is a new "
                                           "release from its source, update the entry's sha256, retrieved and "
                                           "address")


def record_provenance(raw_dir: Path, entries: Mapping[str, Mapping[str, str]],
                      retrieved: str | None = None) -> None:
    """Add or replace the entries of ``entries`` (relative path -> source, address, licence).

    The sha256 is computed from the file as it is now, and ``retrieved`` defaults to today.  The
    provenance file is replaced in one step.
    """
    raw_dir = Path(raw_dir)
    provenance = read_provenance(raw_dir)
    files = dict(provenance.get("files") or {})
    day = retrieved or datetime.date.today().isoformat()
    for relative, given in entries.items():
        entry = {"source": given["source"], "address": given["address"], "retrieved": day,
                 "licence": given["licence"], "sha256": sha256_file(raw_dir / relative)}
        entry.update({k: v for k, v in given.items() if k not in entry})
        files[relative] = entry
    provenance["files"] = dict(sorted(files.items()))
    handle, staging = tempfile.mkstemp(prefix=".tmp-provenance-", suffix=".yml", dir=raw_dir)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        yaml.safe_dump(provenance, out, sort_keys=False, allow_unicode=True, width=100)
    os.chmod(staging, 0o644)
    os.replace(staging, raw_dir / PROVENANCE_FILE)
