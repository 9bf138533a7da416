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


def reseal_manifest(data_dir: Path) -> None:
    """Record the current sha256 of every file of a test's own snapshot copy in its manifest.

    The snapshot refuses files its manifest does not record (``check_snapshot``); a test that
    deliberately rewrites a copy's tables (e.g. perturbed by a few ulp) seals the copy again.
    """
    import yaml

    from jeugdzorg.data.snapshot import MANIFEST_NAME, read_manifest, sha256_file

    manifest = read_manifest(data_dir)
    for output in manifest["outputs"]:
        output["sha256"] = sha256_file(Path(data_dir) / output["file"])
    with (Path(data_dir) / MANIFEST_NAME).open("w", encoding="utf-8") as handle:
        yaml.safe_dump(manifest, handle, sort_keys=False, allow_unicode=True, width=100)
