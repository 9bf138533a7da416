"""The snapshot's manifest (``data/MANIFEST.yml``), read without the import machinery.

The manifest records what the snapshot was built from and what it holds.  It is read by every build
(the edition's name and date, the chapters left out) and by the book's Sphinx extensions, which
should not pay for importing pandas and the importer to do it; :mod:`jeugdzorg.data.snapshot`
writes it.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from ..paths import data_dir as default_data_dir

MANIFEST_NAME = "MANIFEST.yml"


def read_manifest(data_dir: Path | None = None) -> dict[str, Any] | None:
    """The snapshot's manifest, or ``None`` if there is no snapshot."""
    path = Path(data_dir or default_data_dir()) / MANIFEST_NAME
    if not path.is_file():
        return None
    return copy.deepcopy(_parsed_yaml(path.read_bytes()))


# A build reads the manifest once per notebook (its missing parts decide the chapters); parsing the
# same bytes again each time cost a no-op rebuild seconds.  Keyed by the bytes: never stale.
@functools.lru_cache(maxsize=8)
def _parsed_yaml(text: bytes) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
