"""The catalogue of raw sources (``catalogue.yml``) and the record each input leaves in the manifest."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue.yml"


#: Parts of the raw data the book can be built without (``--without PART``): the raw folder they live
#: in, and what the book loses.
OPTIONAL_PARTS: dict[str, tuple[str, str]] = {
    "iv3": ("iv3/", "the Iv3 accounts and budgets: the care mix, the comparison with the objective model and the check of costs against the accounts"),
    "gemeentefonds": ("gemeentefonds/", "the gemeentefonds circulars: the objective model of youth-care cost"),
    "boundaries": ("geo/", "the municipal boundaries: the maps"),
}


def part_of(relative: str) -> str | None:
    """The optional part a raw file belongs to, if any."""
    return next((part for part, (folder, _) in OPTIONAL_PARTS.items() if relative.startswith(folder)), None)


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Any]:
    """The parsed catalogue (cached; treat it as read-only)."""
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def cbs_path(table: str) -> str:
    """Path of a CBS table's CSV export, relative to the raw data directory."""
    return f"cbs/{table}.csv"


def cbs_tables() -> list[str]:
    """Every CBS table id the importer reads (what ``make.py fetch`` downloads)."""
    cat = load_catalogue()
    tables = [r["table"] for r in cat["registers"]] + [cat["costs"]["table"]]
    tables += cat["use_pct"]["tables"] + cat["use_counts"]["tables"]
    tables += [e["table"] for e in cat["drivers"]["editions"]]
    tables.append(cat["prices"]["table"])
    return tables


def prices_file(raw_dir) -> str:
    """The raw file of the consumer prices: the fetched CBS table if present, else the fallback."""
    from pathlib import Path

    spec = load_catalogue()["prices"]
    fetched = cbs_path(spec["table"])
    return fetched if (Path(raw_dir) / fetched).is_file() else spec["fallback"]["file"]


@dataclass
class InputRecord:
    """What the manifest says about one raw input file.

    Attributes
    ----------
    file
        Path relative to the raw directory.
    table
        The CBS table id or another short source name.
    title
        What the file holds.
    role
        Which snapshot table it feeds.
    periods
        The periods or edition found in it, in words.
    rows
        Data lines read.
    suppressed_cells
        Cells CBS left empty or marked as suppressed (kept missing, never zero).
    """

    file: str
    table: str
    title: str
    role: str
    periods: str
    rows: int
    suppressed_cells: int
