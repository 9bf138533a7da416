"""Replace directories in one step, so readers never see a half-written snapshot or book.

Every temporary path the project creates starts with ``.tmp-`` (git-ignored).  A run that was killed
may leave some behind: :func:`remove_stale` deletes them at the start of the next run, after
:func:`recover_interrupted_swap` has put back a directory whose replacement was interrupted.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

PREFIX = ".tmp-"


def _old(target: Path) -> Path:
    return target.with_name(f"{PREFIX}old-{target.name}-{os.getpid()}")


def recover_interrupted_swap(target: Path) -> None:
    """Put back the previous directory if a swap was interrupted between its renames."""
    if target.exists():
        return
    leftovers = sorted(target.parent.glob(f"{PREFIX}old-{target.name}-*"))
    if leftovers:
        leftovers[-1].rename(target)


def remove_stale(directory: Path, kinds: Sequence[str], targets: Sequence[Path] = ()) -> list[Path]:
    """Delete the ``.tmp-<kind>-*`` files and directories a killed run left in ``directory``.

    ``targets`` are first recovered (:func:`recover_interrupted_swap`), so a directory caught between
    the two renames of a swap comes back instead of being deleted; their ``.tmp-old-*`` leftovers are
    removed too.  Returns what was removed.
    """
    for target in targets:
        recover_interrupted_swap(target)
    patterns = [f"{PREFIX}{kind}-*" for kind in kinds] + [f"{PREFIX}old-{t.name}-*" for t in targets]
    removed = []
    for path in sorted({p for pattern in patterns for p in Path(directory).glob(pattern)}):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def swap_directories(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Move each ``new`` to its ``target``, replacing what was there: all of them, or none.

    Each target is moved aside and its replacement moved into place (renames on one file system);
    if any rename fails, every target is put back as it was.  Only then are the old directories
    deleted.
    """
    done: list[tuple[Path, Path, bool]] = []
    try:
        for new, target in pairs:
            old = _old(target)
            existed = target.exists()
            if existed:
                target.rename(old)
            done.append((target, old, existed))
            new.rename(target)
    except BaseException:
        for target, old, existed in reversed(done):
            if target.exists():
                shutil.rmtree(target, ignore_errors=True)
            if existed and old.exists():
                old.rename(target)
        raise
    for _, old, existed in done:
        if existed:
            shutil.rmtree(old, ignore_errors=True)


def swap_directory(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing what was there (see :func:`swap_directories`)."""
    swap_directories([(new, target)])
