"""Where things live.  Every path is derived from the package location, never from the cwd."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
#: The tidy snapshot; ``JZ_DATA_DIR`` points the notebooks at another one (used by the new-year test).
DATA_DIR = Path(os.environ.get("JZ_DATA_DIR", PROJECT_ROOT / "data"))
BOOK_DIR = PROJECT_ROOT / "book"
TEMPLATES_DIR = PROJECT_ROOT / "analysis" / "templates"
PARAMS_FILE = PROJECT_ROOT / "analysis" / "params.yml"
BUILD_DIR = PROJECT_ROOT / "_build"

#: The one setting for the raw extracts; ``--raw-dir`` or ``JZ_RAW_DIR`` override it.
DEFAULT_RAW_DIR = Path(os.environ.get("JZ_RAW_DIR", PROJECT_ROOT.parent / "shared" / "data"))
