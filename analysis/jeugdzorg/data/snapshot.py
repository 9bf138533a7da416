"""The importer: raw extracts -> the project's tidy snapshot in ``data/`` with a manifest.

:func:`import_raw` reads and checks every input through the table registry
(:mod:`jeugdzorg.data.registry`); :func:`write_snapshot` validates the tables and replaces ``data/``
in one step (a complete new directory is written beside it and swapped in), so a failed import
never leaves a half-written snapshot.  :func:`load_snapshot` is what the analysis reads; it first
checks every file of the snapshot against the sha256 its manifest records (:func:`check_snapshot`),
so a snapshot edited by hand is refused, not analysed.  Every raw file must have its provenance
entry before it is imported (:mod:`jeugdzorg.data.raw_provenance`).
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.errors
import yaml

from ..atomic import recover_interrupted_swap, remove_stale, swap_directory
from ..errors import InputDataError
from ..fingerprint import code_closure, files_digest, sha256_file
from ..paths import PROJECT_ROOT
from ..paths import data_dir as default_data_dir
from . import gemeentefonds, iv3
from .boundaries import BOUNDARIES_FILE, latest_boundary_file, simplify_boundaries, write_boundaries
from .catalogue import OPTIONAL_PARTS, InputRecord, cbs_path, cbs_tables, load_catalogue, part_of, prices_file
from .context import ImportContext
from .manifest import MANIFEST_NAME, read_manifest
from .names import ALIASES_FILE, MunicipalityNames, read_name_aliases
from .raw_provenance import check_provenance, read_provenance
from .registry import TABLES, validate_tables

__all__ = ["Snapshot", "import_raw", "write_snapshot", "load_snapshot", "read_manifest", "staleness",
           "input_files", "compare_tables", "importer_fingerprint", "sha256_file", "municipality_names",
           "MANIFEST_NAME", "load_boundaries", "missing_parts", "check_inputs_present",
           "OPTIONAL_PARTS", "check_snapshot"]

SNAPSHOT_FORMAT = 1
BOUNDARIES_DESCRIPTION = ("Municipal boundaries of the latest register year, simplified to about 100 m "
                          "(GeoJSON, WGS84), © CBS / Kadaster.")


@dataclass
class Snapshot:
    """The imported tables, the simplified municipal boundaries and the records of the inputs."""

    tables: dict[str, pd.DataFrame]
    inputs: list[InputRecord]
    boundaries: Any = None
    without: frozenset[str] = frozenset()


def importer_fingerprint() -> str:
    """Hash of the importer's code and catalogue: every module the importer imports, found from the code."""
    return files_digest(code_closure([__name__]))


def input_files(raw_dir: Path) -> list[str]:
    """Every raw file the importer reads, relative to ``raw_dir``."""
    cat = load_catalogue()
    prices = cbs_path(cat["prices"]["table"])
    files = [cbs_path(table) for table in cbs_tables() if cbs_path(table) != prices]
    files.append(prices_file(raw_dir))
    files.append(cat["mergers"]["file"])
    files.append(ALIASES_FILE)
    files += gemeentefonds.input_files(raw_dir) + iv3.input_files(raw_dir)
    boundary = latest_boundary_file(raw_dir)
    if boundary is not None:
        files.append(boundary)
    return files


def check_inputs_present(raw_dir: Path, previous: dict[str, Any] | None, without: frozenset[str] = frozenset()
                         ) -> None:
    """Every input the current snapshot was built from must still be in the raw directory.

    Files found by their names (Iv3 years, gemeentefonds circulars, boundaries) would otherwise drop
    out of a new snapshot without a word when one is deleted.

    Raises
    ------
    InputDataError
        Naming the first missing file and the option to build without its part.
    """
    unknown = sorted(set(without) - set(OPTIONAL_PARTS))
    if unknown:
        raise InputDataError("--without", f"unknown part(s) {unknown}; choose from {sorted(OPTIONAL_PARTS)}")
    if previous is None:
        return
    for entry in previous.get("inputs", []):
        relative = entry["file"]
        part = part_of(relative)
        if part in without or (Path(raw_dir) / relative).is_file():
            continue
        hint = f"; to build without {OPTIONAL_PARTS[part][1]}, pass --without {part}" if part else ""
        raise InputDataError(relative, f"the current snapshot was built from this file, but it is missing from "
                                       f"the raw directory {raw_dir}: restore it{hint}")


def import_raw(raw_dir: Path, without: frozenset[str] = frozenset()) -> Snapshot:
    """Read every raw input into the project's tidy tables (every table of the registry).

    Parameters
    ----------
    raw_dir
        The raw directory.
    without
        Optional parts (:data:`OPTIONAL_PARTS`) to leave out: their tables are empty, and the manifest
        and the book say so.

    Raises
    ------
    InputDataError
        Naming file, column and row of the first problem found; naming a raw file without a
        provenance entry, or whose bytes differ from it, before anything is read.
    """
    raw_dir = Path(raw_dir)
    check_provenance(raw_dir)
    context = ImportContext(raw_dir, {name: table.read for name, table in TABLES.items()},
                            without=frozenset(without))
    tables = {name: table.sort(context.table(name)) for name, table in TABLES.items()}
    boundaries = None
    if "boundaries" not in without:
        boundary_file = latest_boundary_file(raw_dir)
        if boundary_file is None:
            raise InputDataError("geo/", f"no municipal boundaries (geo/gemeente_<year>.geojson) in the raw "
                                         f"directory {raw_dir}; pass --without boundaries to build without maps")
        year = int(boundary_file.split("_")[-1].split(".")[0])
        register = context.table("register")
        try:
            register = register[register["year"] == context.names.register_year(year)]
        except KeyError:
            raise InputDataError(boundary_file, f"no municipality register covers the year {year}") from None
        boundaries = simplify_boundaries(raw_dir / boundary_file, boundary_file, register=register)
        context.record(boundary_file, "CBS/Kadaster gebiedsindelingen",
                       "Municipal boundaries (generalised), © CBS / Kadaster", "maps", str(year),
                       len(boundaries))
    return Snapshot(tables=tables, inputs=context.records, boundaries=boundaries, without=frozenset(without))


def _vintage(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Latest period per source table, e.g. ``{'costs (83454NED)': '2022', ...}``."""
    return {
        "costs (83454NED)": str(int(tables["costs"].dropna(subset=["realised_keur"])["year"].max())),
        "youth-care use": str(int(tables["use_pct"]["year"].max())),
        "youth-care counts": str(int(tables["use_counts"]["year"].max())),
        "gemeentefonds criteria": f"edition {int(tables['drivers']['edition'].max())}",
        "municipality register": str(int(tables["register"]["year"].max())),
    }


def compare_tables(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Rows added, removed and revised per table between two snapshots (by key)."""
    out = {}
    for name, table in TABLES.items():
        keys = list(table.keys)
        before = old[name].set_index(keys)
        after = new[name].set_index(keys)
        common = before.index.intersection(after.index).sort_values()
        columns = [c for c in before.columns if c in after.columns]
        a, b = before.loc[common, columns], after.loc[common, columns]
        differs = pd.Series(False, index=common)
        for column in columns:
            x, y = a[column], b[column]
            if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
                same = np.isclose(x, y, rtol=1e-9, atol=0, equal_nan=True)
            else:
                same = x.fillna("").astype(str).to_numpy() == y.fillna("").astype(str).to_numpy()
            differs |= ~pd.Series(same, index=common)
        out[name] = {"added": int(len(after.index.difference(before.index))),
                     "removed": int(len(before.index.difference(after.index))), "revised": int(differs.sum())}
    return out


def _manifest(snapshot: Snapshot, raw_dir: Path, out_dir: Path) -> dict[str, Any]:
    cat = load_catalogue()
    provenance = read_provenance(raw_dir).get("files") or {}
    inputs = []
    for record in sorted(snapshot.inputs, key=lambda r: r.file):
        path = Path(raw_dir) / record.file
        entry = asdict(record)
        credit = "© CBS / Kadaster" if record.role == "maps" else cat["credit"]
        origin = provenance.get(record.file, {})
        entry.update(sha256=sha256_file(path), bytes=path.stat().st_size, source=origin.get("source"),
                     retrieved=origin.get("retrieved"), licence=origin.get("licence"), credit=credit)
        inputs.append(entry)
    outputs = []
    for name, table in TABLES.items():
        frame = snapshot.tables[name]
        outputs.append({"file": table.file, "table": name, "description": table.description,
                        "rows": len(frame), "columns": list(frame.columns),
                        "missing_values": int(frame.isna().sum().sum()),
                        "sha256": sha256_file(out_dir / table.file)})
    if (out_dir / BOUNDARIES_FILE).is_file():
        outputs.append({"file": BOUNDARIES_FILE, "table": "boundaries", "description": BOUNDARIES_DESCRIPTION,
                        "rows": int(len(snapshot.boundaries)), "columns": ["gm_code", "name", "geometry"],
                        "missing_values": 0, "sha256": sha256_file(out_dir / BOUNDARIES_FILE)})
    return {
        "snapshot_format": SNAPSHOT_FORMAT,
        "title": "Youth-care cost of Dutch municipalities: tidy snapshot of public CBS data",
        "licence": cat["licence"],
        "credit": cat["credit"],
        "importer_fingerprint": importer_fingerprint(),
        "vintage": _vintage(snapshot.tables),
        "missing_parts": {part: OPTIONAL_PARTS[part][1] for part in sorted(snapshot.without)},
        "flags": {rule: int(n) for rule, n in snapshot.tables["input_flags"]["rule"].value_counts().sort_index().items()},
        "inputs": inputs,
        "outputs": outputs,
    }


def write_snapshot(snapshot: Snapshot, raw_dir: Path, data_dir: Path, *, today: str | None = None) -> None:
    """Validate and write the snapshot; replace ``data_dir`` only when everything succeeded.

    The manifest records the import date and what changed against the previous snapshot (rows added,
    removed, revised per table).  When the tables are unchanged, the previous date and change record
    are kept, so re-importing identical data changes no byte of the tables or of those entries.
    """
    try:
        validate_tables(snapshot.tables)
    except (pandera.errors.SchemaErrors, ValueError) as exc:
        raise _schema_error(exc) from None
    remove_stale(data_dir.parent, ["snapshot"], [data_dir])
    history = _history(snapshot, data_dir, today)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-snapshot-", dir=data_dir.parent))
    staging.chmod(0o755)
    try:
        for name, table in TABLES.items():
            table.write(snapshot.tables[name], staging)
        if snapshot.boundaries is not None:
            write_boundaries(snapshot.boundaries, staging / BOUNDARIES_FILE)
        manifest = _manifest(snapshot, raw_dir, staging)
        manifest.update(history)
        with (staging / MANIFEST_NAME).open("w", encoding="utf-8") as handle:
            handle.write("# Written by `python3 make.py import`; do not edit by hand.\n")
            yaml.safe_dump(manifest, handle, sort_keys=False, allow_unicode=True, width=100)
        swap_directory(staging, data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _schema_error(exc: Exception) -> InputDataError:
    """A failed validation of a tidy table, as an input error naming the table's sources and the first
    failing value (the raw checks should have caught it earlier, with the row of the raw file)."""
    if isinstance(exc, pandera.errors.SchemaErrors):
        name = exc.schema.name
        cases = exc.failure_cases
        first = cases.iloc[0]
        column = first.get("column")
        value = first.get("failure_case")
        check = first.get("check")
        sources = ", ".join(TABLES[name].sources) if name in TABLES else name
        return InputDataError(sources, f"the {name} table fails its check {check!r} with value {value!r} "
                                       f"({len(cases)} failing cell(s) in all)",
                              column=None if pd.isna(column) else str(column))
    return InputDataError("snapshot", str(exc))


def missing_parts(data_dir: Path | None = None) -> dict[str, str]:
    """The optional parts the snapshot was built without: part -> what the book lacks."""
    return (read_manifest(data_dir) or {}).get("missing_parts") or {}


def _history(snapshot: Snapshot, data_dir: Path, today: str | None) -> dict[str, Any]:
    today = today or datetime.date.today().isoformat()
    previous = read_manifest(data_dir)
    if previous is None:
        return {"imported": today, "changes": {"previous_import": None, "tables": None}}
    try:
        changes = compare_tables(load_snapshot(data_dir), snapshot.tables)
    except (OSError, ValueError, KeyError):  # an older snapshot format: no row-by-row comparison
        return {"imported": today, "changes": {"previous_import": previous.get("imported"), "tables": None}}
    if not any(v for counts in changes.values() for v in counts.values()):
        return {"imported": previous.get("imported", today), "changes": previous.get("changes")}
    return {"imported": today, "changes": {"previous_import": previous.get("imported"), "tables": changes}}


def staleness(raw_dir: Path, data_dir: Path, without: frozenset[str] = frozenset()) -> str | None:
    """Why the snapshot must be re-imported from ``raw_dir``, or ``None`` if it is current.

    The snapshot is current when its manifest records the same sha256 for every raw input and the
    same importer fingerprint; file dates are not used (a fresh clone has new dates).
    """
    manifest = read_manifest(data_dir)
    if manifest is None:
        return "no snapshot yet"
    if manifest.get("importer_fingerprint") != importer_fingerprint():
        return "the importer code or catalogue changed"
    if set(manifest.get("missing_parts") or {}) != set(without):
        return "the parts to build without changed"
    recorded = {entry["file"]: entry["sha256"] for entry in manifest["inputs"]}
    current = [f for f in input_files(raw_dir) if part_of(f) not in without]
    gone = sorted(set(recorded) - set(current))
    if gone:
        return f"{gone[0]} is no longer in the raw directory"
    for relative in current:
        path = Path(raw_dir) / relative
        if not path.is_file():
            return f"{relative} is missing from the raw directory"
        if recorded.get(relative) != sha256_file(path):
            return f"{relative} changed"
    modified = _modified_output(Path(data_dir), manifest)
    return None if modified is None else f"{modified} was modified or removed"


def _modified_output(data_dir: Path, manifest: dict[str, Any]) -> str | None:
    """The first file of the snapshot that is missing or differs from its manifest's sha256, if any."""
    for output in manifest["outputs"]:
        path = data_dir / output["file"]
        if not path.is_file() or sha256_file(path) != output["sha256"]:
            return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
    return None


def check_snapshot(data_dir: Path | None = None) -> None:
    """Every file of the snapshot is the one its manifest records (by sha256).

    Raises
    ------
    InputDataError
        Naming the first file changed outside the importer (or the missing manifest), and how to
        restore the snapshot.
    """
    data_dir = Path(data_dir or default_data_dir())
    manifest = read_manifest(data_dir)
    if manifest is None:
        raise InputDataError(data_dir / MANIFEST_NAME, "no data snapshot here: build it with `python3 make.py import`")
    modified = _modified_output(data_dir, manifest)
    if modified is not None:
        raise InputDataError(modified, f"missing, or its sha256 differs from the one {MANIFEST_NAME} records: the "
                                       "snapshot was changed outside the importer; restore it (`git checkout "
                                       "data/`) or rebuild it from the raw files (`python3 make.py import`)")


def load_snapshot(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Read the snapshot's tables (as written by :func:`write_snapshot`), with their types.

    Raises
    ------
    InputDataError
        When a file of the snapshot differs from its manifest (:func:`check_snapshot`).
    """
    data_dir = Path(data_dir or default_data_dir())
    recover_interrupted_swap(data_dir)
    check_snapshot(data_dir)
    return {name: table.load(data_dir) for name, table in TABLES.items()}


def municipality_names(raw_dir: Path, data_dir: Path | None = None) -> MunicipalityNames:
    """The snapshot's municipality names (register and reorganisations) plus the raw spelling aliases.

    For reading single fund or Iv3 files outside an import (tests, checks); the importer builds the
    same from the registers it reads.
    """
    tables = load_snapshot(data_dir)
    mergers = tables["mergers"].assign(date=lambda m: pd.to_datetime(m["date"]))
    aliases = read_name_aliases(Path(raw_dir) / ALIASES_FILE, ALIASES_FILE)
    return MunicipalityNames(tables["register"], mergers, aliases)


def load_boundaries(data_dir: Path | None = None):
    """The snapshot's simplified municipal boundaries (a GeoDataFrame: gm_code, name, geometry)."""
    from .boundaries import read_boundaries

    data_dir = Path(data_dir or default_data_dir())
    check_snapshot(data_dir)
    return read_boundaries(data_dir / BOUNDARIES_FILE)
