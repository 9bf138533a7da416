"""Whether anything ``make.py book`` reads changed since its last complete run, from file status.

A ``make.py book`` with nothing to do proves the book current by content: it hashes the raw inputs
and the snapshot, follows the imports of every notebook's code, and hashes every source of the
HTML.  That takes two to three seconds, most of it importing pandas and parsing the package to do it.
make, ninja and git decide from file status instead, and so does this module, as a shortcut in
front of those checks, never instead of them:

* At the end of a complete ``make.py book`` (no ``--param``, ``--only``, ``--without``, ``--force``
  or ``--reimport``), :func:`record` writes the status of every file the content checks read
  (:func:`watched_files`: path, size, modification time, change time, inode) to :data:`RECORD`.
* The next such run calls :func:`unchanged` first.  Only if every file has the same status, no
  file was added or removed, and the paths, Python and options are the same, does it stop there.
  Anything else, including a missing or unreadable record, goes through the content checks, which
  then record again.

The change time (``st_ctime``) changes on every write and no tool can set it back, so a file edited
and given back its old size and modification time is still seen.  A file changed in the same clock
tick as the record was written may show the same status; as git does with its index, such a "racy"
file (changed no earlier than the record itself) makes the record untrusted.

``tests/test_build_record.py`` checks that the record covers every file the content checks open
(by an audit hook on ``open``) and that a change of any kind is seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .paths import BOOK_DIR, BUILD_DIR, PROJECT_ROOT, data_dir

#: The record of the last complete ``make.py book``.
RECORD = BUILD_DIR / ".book-inputs.json"
#: Folders ``make.py book`` reads (the raw folder and the snapshot are added where they are).
WATCHED_FOLDERS = (PROJECT_ROOT / "analysis", BOOK_DIR)
#: Single files it reads: the book's configuration and table of contents, the pinned environment,
#: the citation file it keeps in step, and the stamp of the served HTML.
WATCHED_FILES = (PROJECT_ROOT / "_config.yml", PROJECT_ROOT / "_toc.yml", PROJECT_ROOT / "requirements-lock.txt",
                 PROJECT_ROOT / "CITATION.cff", BUILD_DIR / "html" / ".book-fingerprint")
#: Derived files no check reads: Python's bytecode cache.
IGNORED_FOLDERS = frozenset({"__pycache__"})
#: Where an interrupted run leaves its temporary folders (``.tmp-*``), which a full run removes.
TEMPORARY_PARENTS = (PROJECT_ROOT, BUILD_DIR)
FORMAT = 1


def _files(folder: Path) -> Iterator[os.DirEntry]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in IGNORED_FOLDERS:
                yield from _files(Path(entry.path))
        else:
            yield entry


def watched_files(raw_dir: Path) -> list[Path]:
    """Every file whose status is recorded: :data:`WATCHED_FILES` and all files under the raw folder,
    the snapshot and :data:`WATCHED_FOLDERS` (present or not: a missing file is part of the status)."""
    folders = (Path(raw_dir), data_dir(), *WATCHED_FOLDERS)
    return [*WATCHED_FILES, *(Path(entry.path) for folder in folders for entry in _files(folder))]


def _context(raw_dir: Path) -> dict[str, str]:
    """What besides the files decides the result: where the inputs are, and the Python running."""
    return {"format": str(FORMAT), "raw": str(Path(raw_dir).resolve()), "data": str(data_dir().resolve()),
            "python": sys.version, "executable": sys.executable}


def status(raw_dir: Path) -> tuple[str, int]:
    """The digest of every watched file's status, and the latest change time among them (ns)."""
    digest, latest = hashlib.sha256(json.dumps(_context(raw_dir), sort_keys=True).encode()), 0
    for path in watched_files(raw_dir):
        try:
            info = os.stat(path)
        except FileNotFoundError:
            digest.update(f"{path}\0missing\n".encode())
            continue
        latest = max(latest, info.st_ctime_ns)
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}\n".encode())
    return digest.hexdigest(), latest


def _interrupted_run() -> bool:
    return any(entry.name.startswith(".tmp-") for parent in TEMPORARY_PARENTS if parent.is_dir()
               for entry in os.scandir(parent))


def unchanged(raw_dir: Path) -> bool:
    """Whether every watched file has the status :func:`record` wrote, and none changed since."""
    try:
        recorded = json.loads(RECORD.read_text(encoding="utf-8"))["status"]
        written = RECORD.stat().st_ctime_ns
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if _interrupted_run():
        return False
    current, latest = status(raw_dir)
    return current == recorded and latest < written


def record(raw_dir: Path) -> None:
    """Record the status of every watched file (after a complete ``make.py book``)."""
    current, _ = status(raw_dir)
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-record-", dir=RECORD.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"status": current}, out)
    os.replace(temporary, RECORD)
