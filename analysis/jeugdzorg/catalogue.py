"""Load ``catalogue.yml``: the raw sources, their periods/editions and column mappings."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from .paths import PACKAGE_DIR

CATALOGUE_FILE = PACKAGE_DIR / "catalogue.yml"


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Any]:
    """The parsed catalogue (cached; treat it as read-only)."""
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def cbs_path(table: str) -> str:
    """Path of a CBS table's CSV export, relative to the raw data directory."""
    return f"cbs/{table}.csv"
