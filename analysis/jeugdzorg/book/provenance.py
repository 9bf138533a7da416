"""Tables for the reproducibility page: the data manifest, the variables and the environment."""

from __future__ import annotations

import tomllib
from importlib import metadata
from typing import Any

import pandas as pd
from packaging.specifiers import SpecifierSet

from ..data.catalogue import load_catalogue
from ..data.registry import TABLES
from ..data.manifest import read_manifest
from ..paths import PROJECT_ROOT

__all__ = ["read_manifest", "inputs_table", "vintage_table", "changes_table", "outputs_table",
           "variables_table", "data_dictionary", "environment_table", "supported_pythons"]

#: Packages whose versions the book reports (all pinned in requirements.txt).
KEY_PACKAGES = ("jupyter-book", "myst-nb", "pandas", "numpy", "scipy", "linearmodels", "statsmodels",
                "matplotlib", "papermill", "nbval", "pandera")


def inputs_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per raw input: file, CBS table id, title, periods, rows, suppressed cells, sha256."""
    rows = [{
        "File": entry["file"], "Table": entry["table"], "Title": entry["title"],
        "Periods / edition": entry["periods"], "Rows": entry["rows"],
        "Suppressed cells": entry["suppressed_cells"], "sha256": entry["sha256"][:12],
    } for entry in manifest["inputs"]]
    return pd.DataFrame(rows).set_index("File")


def vintage_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """Latest period per source and the import date of the snapshot."""
    rows = [{"Source": source, "Latest period": period} for source, period in manifest["vintage"].items()]
    rows.append({"Source": "snapshot imported on", "Latest period": manifest.get("imported", "unknown")})
    return pd.DataFrame(rows).set_index("Source")


def changes_table(manifest: dict[str, Any]) -> pd.DataFrame | None:
    """Rows added, removed and revised per table by the last import that changed data (or ``None``)."""
    tables = (manifest.get("changes") or {}).get("tables")
    if not tables:
        return None
    frame = pd.DataFrame(tables).T.rename(columns=str.capitalize)
    frame.index.name = "Table"
    return frame


def outputs_table(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per snapshot table: file, rows, missing values and what it holds."""
    rows = [{"File": f"data/{entry['file']}", "Rows": entry["rows"],
             "Missing values": entry["missing_values"], "Contents": entry["description"]}
            for entry in manifest["outputs"]]
    return pd.DataFrame(rows).set_index("File")


def variables_table() -> pd.DataFrame:
    """The named variables of the catalogue with label, unit and merger rule."""
    rows = []
    for name, spec in load_catalogue()["variables"].items():
        rule = {"sum": "sum", "none": "not combined (denominator not in the data)"}.get(
            spec["combine"], f"mean weighted by {spec.get('weight')}")
        rows.append({"Variable": name, "Table": spec["table"], "Meaning": spec["label"],
                     "Unit": spec["unit"], "When municipalities merge": rule})
    return pd.DataFrame(rows).set_index("Variable")


def data_dictionary() -> pd.DataFrame:
    """Every column of every snapshot table: type, key, whether it may be missing, and what it holds."""
    kinds = {"str": "text", "int64": "integer", "float64": "number"}
    rows = []
    for table in TABLES.values():
        for name, column in table.schema.columns.items():
            rows.append({"Table": f"data/{table.file}", "Column": name,
                         "Type": kinds.get(str(column.dtype), str(column.dtype)),
                         "Key": "yes" if name in table.keys else "",
                         "Missing allowed": "yes" if column.nullable else "",
                         "Meaning": column.description})
    return pd.DataFrame(rows).set_index(["Table", "Column"])


def supported_pythons() -> tuple[str, str]:
    """The first and the last Python minor version ``requires-python`` of pyproject.toml allows."""
    spec = SpecifierSet(tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                        ["project"]["requires-python"])
    minors = [f"3.{minor}" for minor in range(40) if spec.contains(f"3.{minor}.99")]
    return minors[0], minors[-1]


def environment_table() -> pd.DataFrame:
    """The supported Python versions and the versions of the key packages.

    The range, not the running Python: the book's outputs are the same under every supported version.
    """
    first, last = supported_pythons()
    rows = [{"Software": "Python", "Version": f"{first} to {last}"}]
    rows += [{"Software": name, "Version": metadata.version(name)} for name in KEY_PACKAGES]
    return pd.DataFrame(rows).set_index("Software")
