"""The PDF edition of the chapters, built with Jupyter Book's LaTeX builder (xelatex).

The PDF holds the chapters of the table of contents, not the municipality profiles (hundreds of
pages of the same layout that the online edition serves better).  It is built from a staging copy of
the executed book with a reduced table of contents, so ``book/`` and the HTML are never touched, and
the finished file is moved into ``_build/pdf/`` only when the build succeeded.

xelatex, latexmk and the fonts come from Debian packages (:data:`DEBIAN_PACKAGES`), which
``python3 make.py pdf`` installs when they are missing.  The PDF's dates are those of the edition
(``SOURCE_DATE_EPOCH`` from the data manifest), not the build time.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..atomic import remove_stale, swap_directory
from ..paths import BOOK_DIR, BUILD_DIR, PROJECT_ROOT
from .edition import load_edition
from .leave_out import unlink_in_notebooks

Progress = Callable[[str], None]

#: What the LaTeX build needs from Debian (make.py installs them; keep the two lists in step).
DEBIAN_PACKAGES = ("texlive-xetex", "texlive-latex-recommended", "texlive-latex-extra",
                   "texlive-fonts-recommended", "latexmk", "make", "fonts-freefont-otf")
#: Executables that must be on PATH for the build (Jupyter Book runs Sphinx's LaTeX Makefile).
EXECUTABLES = ("xelatex", "latexmk", "make")
#: Where the PDF goes, relative to the build directory.
PDF_DIR = "pdf"
PDF_NAME = "jeugdzorg.pdf"
#: Table-of-contents entries left out of the PDF: the municipality profiles and their index.
LEFT_OUT = "book/profiles"


def _print(message: str) -> None:
    print(message, flush=True)


def missing_tools() -> list[str]:
    """The executables of :data:`EXECUTABLES` that are not on PATH."""
    return [name for name in EXECUTABLES if shutil.which(name) is None]


def _left_out(entry: dict[str, Any]) -> bool:
    target = str(entry.get("file") or entry.get("glob") or "")
    return target == LEFT_OUT or target.startswith(LEFT_OUT + "/")


def chapters_toc(toc: dict[str, Any]) -> dict[str, Any]:
    """The table of contents without the profiles (and without parts that are left empty)."""
    toc = dict(toc)
    parts = []
    for part in toc.get("parts", []):
        chapters = [c for c in part.get("chapters", []) if not _left_out(c)]
        if chapters:
            parts.append({**part, "chapters": chapters})
    toc["parts"] = parts
    return toc


def _edition_epoch() -> str:
    """``SOURCE_DATE_EPOCH`` of the edition date (midnight UTC), so the PDF carries no build time."""
    date = load_edition().date
    return str(int(datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.timezone.utc).timestamp()))


def build_pdf(*, book_dir: Path = BOOK_DIR, build_dir: Path = BUILD_DIR, progress: Progress = _print) -> Path:
    """Build the PDF edition of the chapters into ``build_dir/pdf/`` and return its path.

    Raises
    ------
    RuntimeError
        If xelatex or latexmk is missing (naming the Debian packages), or the LaTeX build fails
        (with the end of its log).
    """
    missing = missing_tools()
    if missing:
        raise RuntimeError(f"{', '.join(missing)} not found; install the Debian packages "
                           f"{' '.join(DEBIAN_PACKAGES)} (python3 make.py pdf does so as root)")
    build_dir.mkdir(parents=True, exist_ok=True)
    remove_stale(build_dir.parent, ["pdf"], [build_dir / PDF_DIR])
    staging = Path(tempfile.mkdtemp(prefix=".tmp-pdf-", dir=build_dir.parent))
    try:
        # Without the municipality pages' folder: Sphinx would read all 342 pages, which the PDF leaves out.
        shutil.copytree(book_dir, staging / "book", ignore=lambda folder, names: (
            [Path(LEFT_OUT).name] if Path(folder) == Path(book_dir) else []))
        shutil.copy2(PROJECT_ROOT / "_config.yml", staging / "_config.yml")
        with (PROJECT_ROOT / "_toc.yml").open(encoding="utf-8") as handle:
            toc = chapters_toc(yaml.safe_load(handle))
        (staging / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
        # Links to the municipality pages become text: the PDF does not carry them.
        unlink_in_notebooks(staging / "book", [Path(LEFT_OUT).name])
        progress("building the PDF with Jupyter Book's LaTeX builder (xelatex) ...")
        start = time.perf_counter()
        env = {**os.environ, "SOURCE_DATE_EPOCH": _edition_epoch(), "FORCE_SOURCE_DATE": "1"}
        command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(staging),
                   "--builder", "pdflatex", "--path-output", str(staging)]
        result = subprocess.run(command, cwd=staging, capture_output=True, text=True, env=env)
        built = staging / "_build" / "latex" / PDF_NAME
        if result.returncode != 0 or not built.is_file():
            log = staging / "_build" / "latex" / PDF_NAME.replace(".pdf", ".log")
            tail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.is_file() else ""
            raise RuntimeError(f"the PDF build failed (exit {result.returncode}):\n"
                               f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}\n{tail}")
        finished = staging / PDF_DIR
        finished.mkdir()
        shutil.move(built, finished / PDF_NAME)
        swap_directory(finished, build_dir / PDF_DIR)
        progress(f"PDF built in {time.perf_counter() - start:.1f} s")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return build_dir / PDF_DIR / PDF_NAME
