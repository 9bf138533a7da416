"""Small helpers shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path


def load_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def glued_values(notebook: dict) -> dict[str, str]:
    """Glue key -> its text/plain value, from the outputs of an executed notebook."""
    values = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                values[record["name"]] = output["data"].get(record["mime_prefix"] + "text/plain")
    return values


def glued_outputs(notebook: dict) -> dict[str, dict]:
    """Every glue key -> its data bundle (mime type -> content), from an executed notebook."""
    bundles = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                prefix = record["mime_prefix"]
                bundles[record["name"]] = {mime[len(prefix):]: value for mime, value in output["data"].items()}
    return bundles


def glued_output(notebook: dict, key: str) -> dict:
    """The data bundle (mime type -> content) glued under ``key``."""
    bundles = glued_outputs(notebook)
    if key not in bundles:
        raise KeyError(key)
    return bundles[key]
