"""Municipal boundaries and classed choropleth maps.

The raw boundaries (``geo/gemeente_YYYY.geojson`` in the raw directory: generalised CBS/Kadaster
municipal boundaries, WGS84, property ``statcode`` = GM code) are simplified once into a small,
byte-stable GeoJSON that the notebooks read.  :func:`choropleth` draws a map in the book's figure
style: classed colours (quantiles or fixed bins), a legend with readable class ranges,
municipalities without a value in light grey, the title and the source line placed as
:func:`figures.finish` does.

geopandas (with shapely and pyproj) is imported inside the functions, so that importing the package
does not need it.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from .errors import InputDataError
from .figures import finish, new_figure

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas
    from matplotlib.figure import Figure

#: Geographic WGS84 (GeoJSON's only CRS) and the Dutch national grid, in which distances are metres
#: and the country is drawn without distortion.
WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

#: 5 decimals of a degree is about 1 m (0.7 m east-west at 52° N): far below the simplification
#: tolerance, and short enough to keep the file small.
COORDINATE_DECIMALS = 5

MAP_SOURCE = "Bron: CBS; kaart © CBS / Kadaster"
MISSING_COLOUR = "#d4d4d4"
BORDER_COLOUR = "white"
OUTLINE_COLOUR = "#8c8c8c"
#: Holes in the union of all municipalities smaller than this are slivers between neighbours that
#: were simplified independently, not lakes (the smallest real one in the 2025 file is 4 km²).
_SLIVER_M2 = 1.0e6

REQUIRED_PROPERTIES = ("statcode", "statnaam")
_GM_CODE = re.compile(r"^GM\d{4}$")

Scheme = Literal["quantiles", "fixed"]


# --------------------------------------------------------------------------------------------------
# boundaries


def simplify_boundaries(source: Path, name: str,
                        tolerance_m: float = 100.0) -> geopandas.GeoDataFrame:
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

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``gm_code``, ``name``, ``geometry`` (valid (Multi)Polygons in EPSG:4326, coordinates
        rounded to 5 decimals), one row per municipality, sorted by ``gm_code``, default index.

    Raises
    ------
    InputDataError
        If the file is not a GeoJSON FeatureCollection, a feature lacks a required property, has a
        statcode that is not ``GM`` + 4 digits, a duplicate statcode, or no polygon geometry.
        ``row`` is the 1-based feature number.
    """
    import geopandas
    import shapely

    if tolerance_m < 0:
        raise ValueError(f"tolerance_m must be >= 0, got {tolerance_m}")
    codes, names, geometries = _read_raw_features(source, name)
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
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
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


# --------------------------------------------------------------------------------------------------
# classification


def class_bins(values: Sequence[float] | np.ndarray | pd.Series, classes: int = 5,
               scheme: Scheme = "quantiles", *, bins: Sequence[float] | None = None,
               diverging: bool = False) -> list[float]:
    """Class edges for a choropleth: ``len(edges) - 1`` classes, strictly increasing.

    Parameters
    ----------
    values
        The values to classify; missing values are ignored.
    classes
        Number of classes for ``"quantiles"`` (fewer are returned when ties leave fewer distinct
        edges).  Ignored for ``"fixed"``.
    scheme
        ``"quantiles"``: about equally many municipalities per class, edges rounded to a "nice"
        step (e.g. 1,100 rather than 1,093.7) so the legend reads easily and is exactly true;
        the outer edges are rounded outwards so every value falls in a class.
        ``"fixed"``: the given ``bins``.
    bins
        The edges for ``"fixed"``, strictly increasing (at least two).
    diverging
        Edges symmetric around 0: quantiles of the absolute values, mirrored, with 0 as an edge
        for an even number of classes and a middle class around 0 for an odd number.  With
        ``"fixed"`` the given bins must already be symmetric.

    Returns
    -------
    list[float]
        The edges, from low to high.

    Raises
    ------
    ValueError
        For no finite values (quantiles), an unknown scheme, or unusable ``bins``.
    """
    if scheme == "fixed":
        return _fixed_bins(bins, diverging)
    if scheme != "quantiles":
        raise ValueError(f"unknown scheme {scheme!r}: use 'quantiles' or 'fixed'")
    if classes < 1:
        raise ValueError(f"classes must be >= 1, got {classes}")
    data = _finite(values)
    if data.size == 0:
        raise ValueError("no finite values to classify")
    if diverging:
        return _diverging_quantile_bins(data, classes)
    raw = np.quantile(data, np.linspace(0.0, 1.0, classes + 1))
    return _nice(raw, span=float(data.max() - data.min()), classes=classes)


def _fixed_bins(bins: Sequence[float] | None, diverging: bool) -> list[float]:
    if bins is None or len(bins) < 2:
        raise ValueError("scheme 'fixed' needs bins: at least two increasing edges")
    edges = np.asarray(bins, dtype=float)
    if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bins must be finite and strictly increasing, got {list(bins)}")
    if diverging and not np.allclose(edges, -edges[::-1]):
        raise ValueError(f"diverging maps need bins symmetric around 0, got {list(bins)}")
    return [float(edge) for edge in edges]


def _diverging_quantile_bins(data: np.ndarray, classes: int) -> list[float]:
    """Mirror quantiles of |values|: n positive edges, n = ceil(classes / 2)."""
    magnitude = np.abs(data)
    n = math.ceil(classes / 2)
    positive = np.quantile(magnitude, np.linspace(0.0, 1.0, n + 1)[1:])
    even = classes % 2 == 0
    # For an even number of classes 0 is an edge and stays fixed; for an odd number the first
    # positive edge bounds the middle class and must stay above 0.
    half = np.concatenate([[0.0], positive]) if even else positive
    nice = np.asarray(_nice(half, span=float(magnitude.max()), classes=n, floor_first=even,
                            positive_first=not even))
    if nice.size == 0 or nice[-1] == 0:
        return [0.0, 0.0]  # every value is 0: one class
    mirrored = -nice[::-1][:-1] if even else -nice[::-1]
    # np.unique also merges the two middle edges when ties left a single positive edge.
    return [float(edge) + 0.0 for edge in np.unique(np.concatenate([mirrored, nice]))]


def _nice(raw: np.ndarray, *, span: float, classes: int, floor_first: bool = True,
          positive_first: bool = False) -> list[float]:
    """Round edges to the coarsest power-of-ten step that keeps them distinct.

    The first edge is rounded down (if ``floor_first``) and the last up, so the classes still
    cover all values; the inner edges go to the nearest step.
    """
    # Ties (many equal values) give repeated quantiles: classify with the distinct ones.
    raw = np.unique(np.asarray(raw, dtype=float))
    wanted = raw.size
    if span <= 0 or wanted < 2:
        return [float(raw[0]) + 0.0] * 2  # all values equal: one class
    exponent = math.floor(math.log10(span / classes))
    for power in range(exponent, exponent - 12, -1):
        step = 10.0 ** power
        edges = np.round(raw / step) * step
        if floor_first:
            edges[0] = math.floor(raw[0] / step) * step
        edges[-1] = math.ceil(raw[-1] / step) * step
        # Remove binary noise (0.30000000000000004) so labels and comparisons are exact.
        edges = np.round(edges, max(0, -power))
        if np.unique(edges).size == wanted and np.all(np.diff(edges) > 0) \
                and not (positive_first and edges[0] <= 0):
            return [float(edge) + 0.0 for edge in edges]
    return [float(edge) + 0.0 for edge in np.unique(raw)]


def _finite(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    data = pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    return data[np.isfinite(data)]


def assign_classes(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Class number (0-based) of each value; -1 for missing.

    Classes are ``[e0, e1), [e1, e2), ..., [e(k-1), ek]``.  Values below the first or above the last
    edge (possible with fixed bins) go to the outer classes, whose labels then read "< e1" and
    "≥ e(k-1)".
    """
    values = np.asarray(values, dtype=float)
    edges = np.asarray(edges, dtype=float)
    inner = edges[1:-1]
    classes = np.searchsorted(inner, values, side="right")
    return np.where(np.isfinite(values), classes, -1)


def class_labels(edges: Sequence[float], values: np.ndarray | None = None, *, prefix: str = "",
                 suffix: str = "") -> list[str]:
    """Legend labels like "1,100 – 1,300": thousands separators, as few decimals as the edges need.

    If ``values`` fall outside the outer edges, the outer labels become open ("< 1,100",
    "≥ 1,300") so the legend does not claim a range that the data leave.
    """
    edges = [float(edge) for edge in edges]
    decimals = _decimals(edges)

    def fmt(x: float) -> str:
        text = f"{x + 0.0:,.{decimals}f}".replace("-", "\N{MINUS SIGN}")
        return f"{prefix}{text}{suffix}"

    k = len(edges) - 1
    labels = [f"{fmt(lo)} \N{EN DASH} {fmt(hi)}" if lo != hi else fmt(lo)
              for lo, hi in zip(edges[:-1], edges[1:])]
    if values is not None and k >= 2:
        data = _finite(values)
        if data.size and data.min() < edges[0]:
            labels[0] = f"< {fmt(edges[1])}"
        if data.size and data.max() > edges[-1]:
            labels[-1] = f"\N{GREATER-THAN OR EQUAL TO} {fmt(edges[-2])}"
    return labels


def _decimals(edges: Sequence[float]) -> int:
    """Fewest decimals (up to 4) that show every edge exactly."""
    for decimals in range(5):
        if all(abs(round(edge, decimals) - edge) <= 1e-9 * max(1.0, abs(edge)) for edge in edges):
            return decimals
    return 4


# --------------------------------------------------------------------------------------------------
# drawing


def choropleth(boundaries: geopandas.GeoDataFrame, values: pd.Series, *, title: str,
               legend_title: str, classes: int = 5, scheme: Scheme = "quantiles",
               bins: list[float] | None = None, cmap: str | None = None, diverging: bool = False,
               missing_label: str = "no data", source: str = MAP_SOURCE, prefix: str = "",
               suffix: str = "") -> Figure:
    """A classed choropleth of the municipalities in the book's figure style.

    Parameters
    ----------
    boundaries
        ``gm_code``, ``name``, ``geometry`` (e.g. from :func:`read_boundaries`) of the boundary year
        that matches ``values``.
    values
        One number per municipality, indexed by GM code.  Missing values (NaN, or municipalities
        not in the index) are drawn in light grey under ``missing_label``.
    title
        The figure title (left-aligned, bold, as in :func:`figures.finish`).
    legend_title
        Title of the legend: what is shown and its unit, e.g. "Kosten per jongere (€)".
    classes, scheme, bins, diverging
        See :func:`class_bins`.
    cmap
        A matplotlib colormap name; default ``"YlOrRd"``, or ``"RdBu_r"`` (centred on 0) when
        ``diverging``.
    missing_label
        Legend entry for municipalities without a value (only shown if there are any).
    source
        The source line, bottom left.
    prefix, suffix
        Unit signs around each number in the legend, e.g. ``prefix="€"`` or ``suffix="%"``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, already closed for pyplot (show it through ``glue`` or ``display``).

    Raises
    ------
    ValueError
        If ``values`` has duplicate codes, codes that are not in ``boundaries`` (probably the wrong
        boundary year), non-numeric values, or no value at all.
    """
    import geopandas

    _require_columns(boundaries, ("gm_code",))
    aligned = _align(boundaries, values)
    edges = class_bins(aligned, classes, scheme, bins=bins, diverging=diverging)
    numbers = assign_classes(aligned, edges)
    k = len(edges) - 1
    colormap = matplotlib.colormaps[cmap or ("RdBu_r" if diverging else "YlOrRd")]
    # Sequential: skip the palest end, which would be hard to tell from the grey of "no data".
    # Diverging: equal steps around the centre, so symmetric classes get mirrored colours.
    positions = np.linspace(0.05, 0.95, k) if diverging else np.linspace(0.12, 0.95, k)
    if k == 1:
        positions = np.array([0.5 if diverging else 0.6])
    palette = [matplotlib.colors.to_hex(colormap(p)) for p in positions]
    colours = [palette[n] if n >= 0 else MISSING_COLOUR for n in numbers]

    projected = boundaries.to_crs(RD_NEW) if boundaries.crs is not None else boundaries
    fig, ax = new_figure(figsize=(7.0, 8.0))
    projected.plot(ax=ax, color=colours, edgecolor=BORDER_COLOUR, linewidth=0.3)
    # Without axes, near-white classes (the centre of a diverging map) would dissolve into the
    # page: a thin grey outline of the country and its lakes keeps the shape readable.
    geopandas.GeoSeries([_outline(projected.geometry.values)], crs=projected.crs).plot(
        ax=ax, color=OUTLINE_COLOUR, linewidth=0.4)
    ax.set_aspect("equal")
    ax.margins(0.01)
    ax.set_axis_off()  # map coordinates have no meaningful units for the reader

    handles = [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.4, label=label)
               for colour, label in zip(palette, class_labels(edges, aligned, prefix=prefix,
                                                               suffix=suffix))]
    if (numbers < 0).any():
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", linewidth=0.4,
                             label=missing_label))
    # Upper left is North Sea in RD New, so the legend covers no municipality.
    ax.legend(handles=handles, title=legend_title, loc="upper left", frameon=False, fontsize=9,
              title_fontsize=9.5, alignment="left", handlelength=1.6, handleheight=1.1)
    return finish(fig, ax, title=title, xlabel="", ylabel="", source=source)


def _outline(geometries: np.ndarray) -> Any:
    """The coast, land borders and lake shores: the union's rings, without sliver holes."""
    import shapely

    rings = []
    for part in shapely.get_parts(shapely.union_all(geometries)):
        if part.geom_type != "Polygon":
            continue
        rings.append(part.exterior)
        rings.extend(hole for hole in part.interiors if shapely.Polygon(hole).area >= _SLIVER_M2)
    return shapely.MultiLineString(rings)


def _align(boundaries: geopandas.GeoDataFrame, values: pd.Series) -> np.ndarray:
    """``values`` in the order of ``boundaries.gm_code`` (NaN where missing), after checks."""
    if not isinstance(values, pd.Series):
        raise ValueError("values must be a pandas Series indexed by GM code")
    if values.index.has_duplicates:
        duplicated = sorted(set(values.index[values.index.duplicated()]))[:5]
        raise ValueError(f"values has duplicate GM codes: {duplicated}")
    unknown = sorted(set(values.index) - set(boundaries["gm_code"]))
    if unknown:
        # Silently dropping them would hide a mismatch of boundary year and data year.
        raise ValueError(f"{len(unknown)} code(s) in values are not in the boundaries (wrong "
                         f"boundary year?): {unknown[:5]}")
    try:
        numeric = pd.to_numeric(values, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values must be numeric: {exc}") from None
    aligned = numeric.reindex(boundaries["gm_code"]).to_numpy(dtype=float)
    if not np.isfinite(aligned).any():
        raise ValueError("no municipality has a value: nothing to map")
    return aligned
