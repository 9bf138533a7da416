"""Where things live.

Paths of the project itself are derived from the package location, never from the working
directory.  The two paths a user may point elsewhere -- the data snapshot (``JZ_DATA_DIR``) and the
raw extracts (``JZ_RAW_DIR``, default :data:`RAW_DIR`) -- are read from the environment when they are asked for, not when
this module is imported, so a test or a notebook kernel that sets them later still gets its value.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
BOOK_DIR = PROJECT_ROOT / "book"
TEMPLATES_DIR = PROJECT_ROOT / "analysis" / "templates"
PARAMS_FILE = PROJECT_ROOT / "analysis" / "params.yml"
BUILD_DIR = PROJECT_ROOT / "_build"
#: The raw inputs, unchanged, with their provenance (``raw/PROVENANCE.yml``), in the repository.
RAW_DIR = PROJECT_ROOT / "raw"


def data_dir() -> Path:
    """The tidy snapshot: ``data/`` of the project, or ``JZ_DATA_DIR`` (used by the new-year tests)."""
    return Path(os.environ.get("JZ_DATA_DIR") or PROJECT_ROOT / "data")


def default_raw_dir() -> Path:
    """The raw extracts: ``raw/`` of the project, or ``JZ_RAW_DIR``; ``--raw-dir`` wins."""
    return Path(os.environ.get("JZ_RAW_DIR") or RAW_DIR)
