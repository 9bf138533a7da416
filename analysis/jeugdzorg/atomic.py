"""Replace a directory in one step, so readers never see a half-written snapshot or book."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def recover_interrupted_swap(target: Path) -> None:
    """Put back the previous directory if a swap was interrupted between its two renames."""
    if target.exists():
        return
    leftovers = sorted(target.parent.glob(f".tmp-old-{target.name}-*"))
    if leftovers:
        leftovers[-1].rename(target)


def swap_directory(new: Path, target: Path) -> None:
    """Move ``new`` to ``target``, replacing what was there.

    Two renames on the same file system: the old directory is moved aside, the new one into place,
    then the old one is deleted.  If the second rename fails the old directory is put back.
    """
    old = target.with_name(f".tmp-old-{target.name}-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
