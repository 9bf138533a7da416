"""Municipal boundaries: the raw CBS/Kadaster file simplified once into the snapshot, and read back.

The raw boundaries (``geo/gemeente_YYYY.geojson`` in the raw directory: generalised CBS/Kadaster
municipal boundaries, WGS84, property ``statcode`` = GM code) are simplified once into a small,
byte-stable GeoJSON that the notebooks read (:func:`read_boundaries`); the maps are drawn by
:mod:`jeugdzorg.book.maps`.

geopandas (with shapely and pyproj) is imported inside the functions, so that importing the package
does not need it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputDataError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas

#: Geographic WGS84 (GeoJSON's only CRS) and the Dutch national grid, in which distances are metres
#: and the country is drawn without distortion.
WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

#: 5 decimals of a degree is about 1 m (0.7 m east-west at 52° N): far below the simplification
#: tolerance, and short enough to keep the file small.
COORDINATE_DECIMALS = 5

REQUIRED_PROPERTIES = ("statcode", "statnaam")
_GM_CODE = re.compile(r"^GM\d{4}$")

#: The boundaries file of the snapshot.
BOUNDARIES_FILE = "boundaries.geojson"


def latest_boundary_file(raw_dir: Path) -> str | None:
    """The newest ``geo/gemeente_<year>.geojson`` in ``raw_dir`` (relative), if any."""
    found = sorted((int(p.stem.split("_")[-1]), p.name) for p in (Path(raw_dir) / "geo").glob("gemeente_*.geojson")
                   if p.stem.split("_")[-1].isdigit())
    return f"geo/{found[-1][1]}" if found else None


# --------------------------------------------------------------------------------------------------
# boundaries


def simplify_boundaries(source: Path, name: str, tolerance_m: float = 100.0, *,
                        register: pd.DataFrame | None = None) -> geopandas.GeoDataFrame:
    """Read raw CBS/Kadaster municipal boundaries and simplify them for the book's maps.

    Parameters
    ----------
    source
        A raw GeoJSON FeatureCollection in WGS84 with the properties ``statcode`` (GM code) and
        ``statnaam`` (name) on every feature.
    name
        How the file is named in error messages (relative to the raw directory).
    tolerance_m
        Douglas-Peucker tolerance in metres, applied in RD New (EPSG:28992).
    register
        ``year, gm_code, name``: the register of the boundary year.  Every statcode must be one of
        its municipalities and every one of them must have a feature, or the maps would drop a
        municipality's data without a word.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``gm_code``, ``name``, ``geometry`` (valid (Multi)Polygons in EPSG:4326, coordinates
        rounded to 5 decimals), one row per municipality, sorted by ``gm_code``, default index.

    Raises
    ------
    InputDataError
        If the file is not a GeoJSON FeatureCollection, a feature lacks a required property, has a
        statcode that is not ``GM`` + 4 digits, a duplicate statcode, a statcode not in ``register``,
        or no polygon geometry; or if a municipality of ``register`` has no feature.  ``row`` is the
        1-based feature number.
    """
    import geopandas
    import shapely

    if tolerance_m < 0:
        raise ValueError(f"tolerance_m must be >= 0, got {tolerance_m}")
    codes, names, geometries = _read_raw_features(source, name)
    if register is not None:
        _check_against_register(codes, register, name)
    frame = geopandas.GeoDataFrame({"gm_code": codes, "name": names}, geometry=geometries, crs=WGS84)
    rd = frame.geometry.to_crs(RD_NEW)
    # Generalised boundaries come with a few self-intersections (e.g. where two rings touch);
    # simplification and area need valid input, so repair first.
    rd = geopandas.GeoSeries(_polygonal(shapely.make_valid(rd.values)), index=rd.index, crs=RD_NEW)
    simplified = rd.simplify(tolerance_m, preserve_topology=True).to_crs(WGS84)
    frame = frame.set_geometry(_round_valid(simplified.values))
    _check_polygons(frame, name)
    return frame.sort_values("gm_code", kind="stable").reset_index(drop=True)


def write_boundaries(frame: geopandas.GeoDataFrame, path: Path) -> None:
    """Write boundaries as GeoJSON, byte-identical for the same input.

    The FeatureCollection has one feature per line (so a change shows as a readable diff), sorted by
    ``gm_code``, keys sorted, no whitespace, no timestamps, coordinates rounded to 5 decimals, UTF-8
    with ``\\n`` line ends.  No ``crs`` member: GeoJSON (RFC 7946) is WGS84 by definition.  The file
    is replaced in one step, so a reader never sees half of it.

    Parameters
    ----------
    frame
        Columns ``gm_code``, ``name`` and a (Multi)Polygon geometry; reprojected to WGS84 if needed.
    path
        The file to write.
    """
    _require_columns(frame, ("gm_code", "name"))
    if frame.crs is not None and not frame.crs.equals(WGS84):
        frame = frame.to_crs(WGS84)
    ordered = frame.sort_values("gm_code", kind="stable")
    lines = [
        _dumps({"type": "Feature",
                "properties": {"gm_code": str(code), "name": str(label)},
                "geometry": _rounded_mapping(geometry)})
        for code, label, geometry in zip(ordered["gm_code"], ordered["name"], ordered.geometry)
    ]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path = Path(path)
    temporary = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    temporary.write_bytes(text.encode("utf-8"))
    os.replace(temporary, path)


def read_boundaries(path: Path) -> geopandas.GeoDataFrame:
    """Read boundaries written by :func:`write_boundaries`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``gm_code``, ``name``, ``geometry`` in EPSG:4326, in file order (sorted by code).

    Raises
    ------
    InputDataError
        If the file is not a FeatureCollection or a feature lacks ``gm_code`` or ``name``.
    """
    import geopandas
    import shapely.geometry

    features = _load_features(path, str(path))
    records = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        for key in ("gm_code", "name"):
            if key not in properties:
                raise InputDataError(path, f"feature {number} has no property {key!r}", column=key,
                                     row=number)
        if not feature.get("geometry"):
            raise InputDataError(path, f"feature {number} has no geometry", row=number)
        records.append((properties["gm_code"], properties["name"],
                        shapely.geometry.shape(feature["geometry"])))
    codes, names, geometries = zip(*records) if records else ((), (), ())
    return geopandas.GeoDataFrame({"gm_code": list(codes), "name": list(names)},
                                  geometry=list(geometries), crs=WGS84)


def _read_raw_features(source: Path, name: str) -> tuple[list[str], list[str], list[Any]]:
    """Codes, names and shapely geometries of a raw file, checked feature by feature."""
    import shapely.geometry

    features = _load_features(source, name)
    if not features:
        raise InputDataError(name, "the FeatureCollection has no features")
    present = set().union(*((feature.get("properties") or {}).keys() for feature in features))
    codes, names, geometries, seen = [], [], [], {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        for key in REQUIRED_PROPERTIES:
            if key not in properties:
                # A missing property is usually a renamed one: say what is there instead.
                others = sorted(present - set(REQUIRED_PROPERTIES))
                raise InputDataError(name, f"required property {key!r} is missing from feature "
                                     f"{number}; properties present: {others}", column=key, row=number)
        code = properties["statcode"]
        if not isinstance(code, str) or not _GM_CODE.match(code.strip()):
            raise InputDataError(name, f"statcode {code!r} of feature {number} is not a municipality "
                                 "code (GM followed by 4 digits)", column="statcode", row=number)
        code = code.strip()
        if code in seen:
            raise InputDataError(name, f"{code} occurs in features {seen[code]} and {number}",
                                 column="statcode", row=number)
        seen[code] = number
        geometry = feature.get("geometry")
        if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            kind = geometry.get("type") if geometry else None
            raise InputDataError(name, f"feature {number} ({code}) has geometry {kind!r}, expected a "
                                 "Polygon or MultiPolygon", row=number)
        codes.append(code)
        names.append(str(properties["statnaam"]).strip())
        geometries.append(shapely.geometry.shape(geometry))
    return codes, names, geometries


def _check_against_register(codes: list[str], register: pd.DataFrame, name: str) -> None:
    """The statcodes (in feature order) are the municipalities of ``register``, no more, no fewer."""
    year = int(register["year"].iat[0]) if len(register) else None
    known = dict(zip(register["gm_code"], register["name"]))
    for number, code in enumerate(codes, start=1):
        if code not in known:
            raise InputDataError(name, f"statcode {code} of feature {number} is not a municipality of the register "
                                       f"of {year}", column="statcode", row=number)
    missing = sorted(set(known) - set(codes))
    if missing:
        first = f"{missing[0]} ({known[missing[0]]})"
        counted = (f"1 municipality of the register of {year} has no feature: {first}" if len(missing) == 1 else
                   f"{len(missing)} municipalities of the register of {year} have no feature (first: {first})")
        raise InputDataError(name, counted, column="statcode")


def _load_features(path: Path, name: str) -> list[dict]:
    """The ``features`` of a GeoJSON FeatureCollection; parsed with ``json`` so errors are exact."""
    try:
        document = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputDataError(name, f"not valid UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise InputDataError(name, f"not valid JSON: {exc.msg}", row=exc.lineno) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise InputDataError(name, "expected a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise InputDataError(name, "'features' is not a list of GeoJSON features")
    return features


def _polygonal(geometries: np.ndarray) -> np.ndarray:
    """Keep the polygonal part of each geometry (make_valid may add stray lines or points)."""
    import shapely

    out = []
    for geometry in geometries:
        if geometry.geom_type in ("Polygon", "MultiPolygon") or geometry.is_empty:
            out.append(geometry)
            continue
        parts = [part for part in shapely.get_parts(geometry)
                 if part.geom_type in ("Polygon", "MultiPolygon")]
        out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.asarray(out, dtype=object)


def _round_valid(geometries: np.ndarray) -> np.ndarray:
    """Snap to the 5-decimal grid and keep the result valid.

    ``set_precision`` snap-rounds, which repairs the self-intersections that plain rounding of
    neighbouring vertices can create; the final ``round`` only removes floating-point noise
    (6.773120000000001) so the written numbers are short.
    """
    import shapely

    grid = 10.0 ** -COORDINATE_DECIMALS
    snapped = _polygonal(shapely.set_precision(geometries, grid))
    # RFC 7946 asks for counter-clockwise exterior rings; normalising the orientation also makes
    # the output independent of the GEOS version's ring direction.
    oriented = shapely.orient_polygons(snapped)
    return shapely.transform(oriented, lambda xy: np.round(xy, COORDINATE_DECIMALS))


def _check_polygons(frame: geopandas.GeoDataFrame, name: str) -> None:
    """Every municipality keeps a valid, non-empty shape after simplification."""
    import shapely

    for number, (code, geometry) in enumerate(zip(frame["gm_code"], frame.geometry), start=1):
        if geometry is None or geometry.is_empty or not shapely.is_valid(geometry):
            raise InputDataError(name, f"{code} has no valid shape left after simplification "
                                 "(lower tolerance_m)", row=number)


def _rounded_mapping(geometry: Any) -> dict:
    """GeoJSON geometry dict with coordinates rounded (again, so any frame writes short numbers)."""
    import shapely.geometry

    mapping = shapely.geometry.mapping(geometry)
    return {"type": mapping["type"], "coordinates": _round_nested(mapping["coordinates"])}


def _round_nested(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            # +0.0 turns -0.0 into 0.0 so that the same point is always written the same way.
            return [round(float(c), COORDINATE_DECIMALS) + 0.0 for c in value]
        return [_round_nested(item) for item in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"boundaries lack column(s) {missing}; expected gm_code, name, geometry")
