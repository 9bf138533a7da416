"""The importer: raw extracts -> the project's tidy snapshot in ``data/`` with a manifest.

``import_raw`` reads and checks every input; ``write_snapshot`` validates the tables and replaces
``data/`` in one step (a complete new directory is written beside it and swapped in), so a failed
import never leaves a half-written snapshot.  ``load_snapshot`` is what the notebooks use.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .paths import PACKAGE_DIR
from .atomic import recover_interrupted_swap, swap_directory
from .catalogue import cbs_path, load_catalogue
from .errors import InputDataError
from .mergers import read_mergers
from .register import MunicipalityLookup, read_register
from .schemas import validate_tables
from .sources import ReadRecord, read_driver_edition, read_measure_table

SNAPSHOT_FORMAT = 1
MANIFEST_NAME = "MANIFEST.yml"
TABLE_FILES = {
    "register": "register.csv",
    "costs": "costs.csv",
    "use_pct": "use_pct.csv",
    "use_counts": "use_counts.csv",
    "drivers": "drivers.csv",
    "mergers": "mergers.csv",
    "objective_model": "objective_model.csv",
    "care_mix": "care_mix.csv",
}
TABLE_DESCRIPTIONS = {
    "register": "Municipalities per register year (1 January): GM code, name, province, jeugdzorgregio, "
                "COROP, size class, urbanity 1 (very strongly urban) - 5 (not urban), inhabitants, address density.",
    "costs": "Budgeted and realised youth-care cost per municipality and calendar year, EUR 1,000 nominal "
             "(83454NED, form 'JZ Totaal jeugdzorg'); missing = not reported.",
    "use_pct": "Youth-care use per municipality (GM) or the Netherlands (NL01) and year, percentages "
               "(82972NED, 85098NED).",
    "use_counts": "Youths with any youth care per municipality (GM) or the Netherlands (NL01) and year "
                  "(84134NED, 85099NED, form 'JZ Totaal jeugdzorg').",
    "drivers": "Gemeentefonds distribution criteria per municipality and edition, long format: one named "
               "variable per row, with the CBS source column and the reference date where CBS states it.",
    "mergers": "Municipal reorganisations 2015-2023: date, old and new GM code, kind (merger/split) and "
               "the share of inhabitants that went to each successor.",
    "objective_model": "Gemeentefonds cluster 'Individuele voorzieningen Jeugd' per municipality, circular and "
                       "year, EUR: the model amount (volumes x weights x uitkeringsfactor), the special "
                       "payments for youth (SIUDU) and the amount BZK published.",
    "care_mix": "Iv3 youth task fields per municipality, year and kind (realised accounts or budget), summed "
                "into care categories, EUR 1,000 (lasten).",
}
#: Modules whose code shapes the snapshot; a change to any of them makes the snapshot stale.
IMPORTER_FILES = ("catalogue.yml", "catalogue.py", "rawcsv.py", "register.py", "sources.py",
                  "mergers.py", "schemas.py", "snapshot.py", "gemeentefonds.py", "iv3.py", "geo.py")


BOUNDARIES_FILE = "boundaries.geojson"


@dataclass
class Snapshot:
    """The imported tables, the simplified municipal boundaries and the records of the inputs."""

    tables: dict[str, pd.DataFrame]
    inputs: list[ReadRecord]
    boundaries: Any = None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def importer_fingerprint() -> str:
    """Hash of the importer's own code and catalogue."""
    digest = hashlib.sha256()
    for name in IMPORTER_FILES:
        digest.update(name.encode() + b"\0" + (PACKAGE_DIR / name).read_bytes())
    return digest.hexdigest()


def input_files(raw_dir: Path) -> list[str]:
    """Every raw file the importer reads, relative to ``raw_dir``."""
    cat = load_catalogue()
    files = [cbs_path(r["table"]) for r in cat["registers"]]
    files.append(cbs_path(cat["costs"]["table"]))
    files += [cbs_path(t) for t in cat["use_pct"]["tables"] + cat["use_counts"]["tables"]]
    files += [cbs_path(e["table"]) for e in cat["drivers"]["editions"]]
    files.append(cat["mergers"]["file"])
    files += _fund_files(raw_dir) + _iv3_files(raw_dir)
    boundary = latest_boundary_file(raw_dir)
    if boundary is not None:
        files.append(boundary)
    return files


def latest_boundary_file(raw_dir: Path) -> str | None:
    """The newest ``geo/gemeente_<year>.geojson`` in ``raw_dir`` (relative), if any."""
    found = sorted((int(p.stem.split("_")[-1]), p.name) for p in (Path(raw_dir) / "geo").glob("gemeente_*.geojson")
                   if p.stem.split("_")[-1].isdigit())
    return f"geo/{found[-1][1]}" if found else None


def _fund_files(raw_dir: Path) -> list[str]:
    from . import gemeentefonds as gf

    files = [gf.ALIASES_FILE, gf.FACTOR_FILE]
    for circular, year in gf.available_circulars(raw_dir):
        files += list(gf.circular_files(circular, year).values())
    return files


def _iv3_files(raw_dir: Path) -> list[str]:
    from .iv3 import available_iv3

    return [f"iv3/{year}_{kind}.csv" for year, kind in available_iv3(raw_dir)]


def import_objective_model(raw_dir: Path, register: pd.DataFrame) -> tuple[pd.DataFrame, list[ReadRecord]]:
    """The fund's youth-cluster model and published amounts for every circular in ``raw_dir``."""
    from . import gemeentefonds as gf

    names = gf.MunicipalityNames(register, gf.read_name_aliases(raw_dir / gf.ALIASES_FILE, gf.ALIASES_FILE))
    frames, records = [], []
    for circular, year in gf.available_circulars(raw_dir):
        amounts, published = gf.read_circular(raw_dir, circular, year, names)
        compared = gf.compare_with_published(amounts, published)
        frame = compared[["gm_code", "circular", "year", "computed_eur", "published_eur"]].merge(
            amounts[["gm_code", "uitkeringsfactor", "siudu_eur"]], on="gm_code", how="left")
        frames.append(frame)
        for kind, file in gf.circular_files(circular, year).items():
            label = "cluster amounts" if kind == "clusterbedragen" else kind.lower()
            records.append(ReadRecord(file, f"GF {circular} {year}",
                                      f"Gemeentefonds {circular} circular for {year}: {label}",
                                      "objective model", f"{circular} {year}", len(frame), 0))
    records.append(ReadRecord(gf.FACTOR_FILE, "uitkeringsfactor", "Gemeentefonds uitkeringsfactor",
                              "objective model", "per circular", 0, 0))
    records.append(ReadRecord(gf.ALIASES_FILE, "gemeentenamen", "Iv3 and fund name variants",
                              "names", "-", 0, 0))
    out = pd.concat(frames, ignore_index=True)
    for column in ("computed_eur", "siudu_eur", "published_eur"):
        out[column] = out[column].round(2)  # cents: the CSV must read back identically
    return out[["gm_code", "circular", "year", "uitkeringsfactor", "computed_eur", "siudu_eur",
                "published_eur"]], records


def import_care_mix(raw_dir: Path, register: pd.DataFrame) -> tuple[pd.DataFrame, list[ReadRecord]]:
    """Iv3 youth spending per care category for every accounts/budget file in ``raw_dir``."""
    from . import gemeentefonds as gf
    from . import iv3

    names = gf.MunicipalityNames(register, gf.read_name_aliases(raw_dir / gf.ALIASES_FILE, gf.ALIASES_FILE))
    frames, records = [], []
    for year, kind in iv3.available_iv3(raw_dir):
        name = f"iv3/{year}_{kind}.csv"
        frame = iv3.read_iv3(raw_dir / name, name, kind, year, names)
        frames.append(iv3.care_mix(frame))
        records.append(ReadRecord(name, f"Iv3 {year} {kind}", f"Iv3 {kind} {year}: lasten per task field",
                                  "care mix", f"{year} ({kind})", len(frame), 0))
    return pd.concat(frames, ignore_index=True), records


def _require(raw_dir: Path, relative: str) -> Path:
    path = raw_dir / relative
    if not path.is_file():
        raise InputDataError(relative, f"not found in the raw directory {raw_dir}")
    return path


def import_raw(raw_dir: Path) -> Snapshot:
    """Read every raw input into the project's tidy tables.

    Raises
    ------
    InputDataError
        Naming file, column and row of the first problem found.
    """
    cat = load_catalogue()
    records: list[ReadRecord] = []
    registers = []
    for entry in cat["registers"]:
        name = cbs_path(entry["table"])
        frame = read_register(_require(raw_dir, name), name, int(entry["year"]))
        registers.append(frame)
        records.append(ReadRecord(name, entry["table"], f"Gebieden in Nederland {entry['year']}",
                                  "register", f"{entry['year']} (1 January)", len(frame), 0))
    register = pd.concat(registers, ignore_index=True)
    mergers_name = cat["mergers"]["file"]
    mergers = read_mergers(_require(raw_dir, mergers_name), mergers_name)
    records.append(ReadRecord(mergers_name, "herindelingen", cat["mergers"]["title"], "mergers",
                              f"{mergers['date'].min():%Y-%m-%d} to {mergers['date'].max():%Y-%m-%d}",
                              len(mergers), 0))
    lookup = MunicipalityLookup(register, mergers)

    spec = cat["costs"]
    name = cbs_path(spec["table"])
    costs, record = read_measure_table(_require(raw_dir, name), name, spec["table"], spec, "costs", lookup)
    national = costs[~costs["region_code"].str.startswith("GM")]
    if not national.empty:
        raise InputDataError(name, "unexpected aggregate rows in the cost table", column=spec["region_column"])
    costs = costs.rename(columns={"region_code": "gm_code"})
    records.append(record)

    tables: dict[str, pd.DataFrame] = {"register": register, "costs": costs}
    for role in ("use_pct", "use_counts"):
        spec = cat[role]
        parts = []
        for table in spec["tables"]:
            name = cbs_path(table)
            frame, record = read_measure_table(_require(raw_dir, name), name, table, spec, role, lookup)
            parts.append(frame)
            records.append(record)
        combined = pd.concat(parts, ignore_index=True)
        overlap = combined[combined.duplicated(["region_code", "year"], keep=False)]
        if not overlap.empty:
            raise InputDataError(", ".join(cbs_path(t) for t in spec["tables"]),
                                 f"editions overlap in year {int(overlap['year'].iat[0])}")
        tables[role] = combined

    register_codes = {int(y): set(g["gm_code"]) for y, g in register.groupby("year")}
    driver_parts = []
    for edition in cat["drivers"]["editions"]:
        name = cbs_path(edition["table"])
        frame, record = read_driver_edition(_require(raw_dir, name), name, edition,
                                            cat["drivers"]["title"], lookup, register_codes)
        driver_parts.append(frame)
        records.append(record)
    drivers = pd.concat(driver_parts, ignore_index=True)
    clash = drivers[drivers.duplicated(["gm_code", "edition", "variable"], keep=False)]
    if not clash.empty:
        raise InputDataError(clash["source_table"].iat[0],
                             f"edition {int(clash['edition'].iat[0])} comes from two tables")
    tables["drivers"] = drivers
    tables["objective_model"], fund_records = import_objective_model(raw_dir, register)
    tables["care_mix"], iv3_records = import_care_mix(raw_dir, register)
    records += fund_records + iv3_records
    boundaries = None
    boundary_file = latest_boundary_file(raw_dir)
    if boundary_file is not None:
        from .geo import simplify_boundaries

        boundaries = simplify_boundaries(raw_dir / boundary_file, boundary_file)
        records.append(ReadRecord(boundary_file, "CBS/Kadaster gebiedsindelingen",
                                  "Municipal boundaries (generalised), © CBS / Kadaster", "maps",
                                  boundary_file.split("_")[-1].split(".")[0], len(boundaries), 0))
    out_mergers = mergers.copy()
    out_mergers["date"] = out_mergers["date"].dt.strftime("%Y-%m-%d")
    tables["mergers"] = out_mergers
    return Snapshot(tables=_sorted(tables), inputs=records, boundaries=boundaries)


def _sorted(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    keys = {"register": ["year", "gm_code"], "costs": ["gm_code", "year"],
            "use_pct": ["region_code", "year"], "use_counts": ["region_code", "year"],
            "drivers": ["gm_code", "edition", "variable"], "mergers": ["date", "old_code", "new_code"],
            "objective_model": ["gm_code", "circular", "year"], "care_mix": ["gm_code", "year", "kind", "category"]}
    return {name: frame.sort_values(keys[name]).reset_index(drop=True) for name, frame in tables.items()}


def _vintage(snapshot: Snapshot) -> dict[str, str]:
    """Latest period per source table, e.g. ``{'costs': '2022', 'drivers': 'edition 2025'}``."""
    tables = snapshot.tables
    return {
        "costs (83454NED)": str(int(tables["costs"].dropna(subset=["realised_keur"])["year"].max())),
        "youth-care use": str(int(tables["use_pct"]["year"].max())),
        "youth-care counts": str(int(tables["use_counts"]["year"].max())),
        "gemeentefonds criteria": f"edition {int(tables['drivers']['edition'].max())}",
        "municipality register": str(int(tables["register"]["year"].max())),
    }


KEYS = {"register": ["year", "gm_code"], "costs": ["gm_code", "year"], "use_pct": ["region_code", "year"],
        "use_counts": ["region_code", "year"], "drivers": ["gm_code", "edition", "variable"],
        "mergers": ["date", "old_code", "new_code"], "objective_model": ["gm_code", "circular", "year"],
        "care_mix": ["gm_code", "year", "kind", "category"]}


def compare_tables(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """Rows added, removed and revised per table between two snapshots (by key)."""
    out = {}
    for name, keys in KEYS.items():
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
        revised = int(differs.sum())
        out[name] = {"added": int(len(after.index.difference(before.index))),
                     "removed": int(len(before.index.difference(after.index))), "revised": revised}
    return out


def _manifest(snapshot: Snapshot, raw_dir: Path, out_dir: Path) -> dict[str, Any]:
    cat = load_catalogue()
    inputs = []
    for record in sorted(snapshot.inputs, key=lambda r: r.file):
        path = raw_dir / record.file
        entry = asdict(record)
        entry.pop("extra")
        credit = "© CBS / Kadaster" if record.role == "maps" else cat["credit"]
        entry.update(sha256=sha256_file(path), bytes=path.stat().st_size,
                     licence=cat["licence"], credit=credit)
        inputs.append(entry)
    outputs = []
    for name, file in TABLE_FILES.items():
        frame = snapshot.tables[name]
        outputs.append({"file": file, "table": name, "description": TABLE_DESCRIPTIONS[name],
                        "rows": len(frame), "columns": list(frame.columns),
                        "missing_values": int(frame.isna().sum().sum()),
                        "sha256": sha256_file(out_dir / file)})
    if (out_dir / BOUNDARIES_FILE).is_file():
        outputs.append({"file": BOUNDARIES_FILE, "table": "boundaries",
                        "description": "Municipal boundaries of the latest register year, simplified to about "
                                       "100 m (GeoJSON, WGS84), © CBS / Kadaster.",
                        "rows": int(len(snapshot.boundaries)), "columns": ["gm_code", "name", "geometry"],
                        "missing_values": 0, "sha256": sha256_file(out_dir / BOUNDARIES_FILE)})
    return {
        "snapshot_format": SNAPSHOT_FORMAT,
        "title": "Youth-care cost of Dutch municipalities: tidy snapshot of public CBS data",
        "licence": cat["licence"],
        "credit": cat["credit"],
        "importer_fingerprint": importer_fingerprint(),
        "vintage": _vintage(snapshot),
        "inputs": inputs,
        "outputs": outputs,
    }


def write_snapshot(snapshot: Snapshot, raw_dir: Path, data_dir: Path, *, today: str | None = None) -> None:
    """Validate and write the snapshot; replace ``data_dir`` only when everything succeeded.

    The manifest records the import date and what changed against the previous snapshot (rows added,
    removed, revised per table).  When the tables are unchanged, the previous date and change record
    are kept, so re-importing identical data changes no byte of the tables or of those entries.
    """
    validate_tables(snapshot.tables)
    recover_interrupted_swap(data_dir)
    history = _history(snapshot, data_dir, today)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-snapshot-", dir=data_dir.parent))
    staging.chmod(0o755)
    try:
        for name, file in TABLE_FILES.items():
            snapshot.tables[name].to_csv(staging / file, index=False, lineterminator="\n")
        if snapshot.boundaries is not None:
            from .geo import write_boundaries

            write_boundaries(snapshot.boundaries, staging / BOUNDARIES_FILE)
        manifest = _manifest(snapshot, raw_dir, staging)
        manifest.update(history)
        with (staging / MANIFEST_NAME).open("w", encoding="utf-8") as handle:
            handle.write("# Written by `python3 make.py import`; do not edit by hand.\n")
            yaml.safe_dump(manifest, handle, sort_keys=False, allow_unicode=True, width=100)
        swap_directory(staging, data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _history(snapshot: Snapshot, data_dir: Path, today: str | None) -> dict[str, Any]:
    import datetime

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


def read_manifest(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def staleness(raw_dir: Path, data_dir: Path) -> str | None:
    """Why the snapshot must be re-imported from ``raw_dir``, or ``None`` if it is current.

    The snapshot is current when its manifest records the same sha256 for every raw input and the
    same importer fingerprint; file dates are not used (a fresh clone has new dates).
    """
    manifest = read_manifest(data_dir)
    if manifest is None:
        return "no snapshot yet"
    if manifest.get("importer_fingerprint") != importer_fingerprint():
        return "the importer code or catalogue changed"
    recorded = {entry["file"]: entry["sha256"] for entry in manifest["inputs"]}
    current = input_files(raw_dir)
    gone = sorted(set(recorded) - set(current))
    if gone:
        return f"{gone[0]} is no longer in the raw directory"
    for relative in current:
        path = raw_dir / relative
        if not path.is_file():
            return f"{relative} is missing from the raw directory"
        if recorded.get(relative) != sha256_file(path):
            return f"{relative} changed"
    for output in manifest["outputs"]:
        path = data_dir / output["file"]
        if not path.is_file() or sha256_file(path) != output["sha256"]:
            return f"data/{output['file']} was modified or removed"
    return None


_DTYPES = {"year": "int64", "edition": "int64", "urbanity": "int64"}
_TEXT = ("circular", "category", "kind", "gm_code", "region_code", "name", "label", "province_code", "province", "jz_region_code",
         "jz_region", "corop_code", "corop", "size_class", "urbanity_label", "variable",
         "reference_period", "status", "source_table", "source_column", "date", "old_code", "old_name",
         "new_code", "new_name", "kind", "note")


def load_snapshot(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Read the snapshot's tables (as written by :func:`write_snapshot`)."""
    from .paths import DATA_DIR

    data_dir = data_dir or DATA_DIR
    recover_interrupted_swap(data_dir)
    tables = {}
    for name, file in TABLE_FILES.items():
        frame = pd.read_csv(data_dir / file, keep_default_na=False, na_values=[""],
                            dtype={c: str for c in _TEXT})
        for column in frame.columns:
            if column in _DTYPES:
                frame[column] = frame[column].astype(_DTYPES[column])
            elif column in _TEXT:
                frame[column] = frame[column].fillna("")
        tables[name] = frame
    return tables
