"""Classed choropleth maps of the municipalities in the book's figure style.

:func:`choropleth` draws a map: classed colours (quantiles or fixed bins), a legend with readable
class ranges, municipalities without a value in light grey, the title and the source line placed as
:func:`jeugdzorg.book.figures.finish` does.  The boundaries come from the snapshot
(:func:`jeugdzorg.data.boundaries.read_boundaries`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..data.boundaries import RD_NEW
from .figures import finish, new_figure

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas
    from matplotlib.figure import Figure

MAP_SOURCE = "Bron: CBS; kaart © CBS / Kadaster"
MISSING_COLOUR = "#d4d4d4"
BORDER_COLOUR = "white"
OUTLINE_COLOUR = "#8c8c8c"
#: Holes in the union of all municipalities smaller than this are slivers between neighbours that
#: were simplified independently, not lakes (the smallest real one in the 2025 file is 4 km²).
_SLIVER_M2 = 1.0e6

Scheme = Literal["quantiles", "fixed"]


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
    if "gm_code" not in boundaries.columns:
        raise ValueError("boundaries lack the column gm_code; read them with read_boundaries")
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

    fig, ax = _draw_municipalities(boundaries, colours)

    handles = [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.4, label=label)
               for colour, label in zip(palette, class_labels(edges, aligned, prefix=prefix,
                                                               suffix=suffix))]
    if (numbers < 0).any():
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", linewidth=0.4,
                             label=missing_label))
    return _finish_map(fig, ax, handles, legend_title=legend_title, title=title, source=source)


#: A map's size (inches) and the size of its legend and source line (points).  A map is shown as wide
#: as a phone's text column (about 343 px on a 390 px screen), where a 4.6-inch figure is drawn at
#: about 0.97 px per point, so 12.5 pt stays at least 12 px high (7-inch maps with 8-9 pt came out at 4-6 px).
MAP_SIZE = (4.6, 5.4)
MAP_TEXT_PT = 12.5


def _finish_map(fig: Figure, ax: Any, handles: list, *, legend_title: str, title: str, source: str) -> Figure:
    """The legend (below the map in two columns: at this size it would cover Noord-Holland in the
    North Sea corner), the title and the source line, at :data:`MAP_TEXT_PT`."""
    ax.legend(handles=handles, title=legend_title, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncols=2,
              frameon=False, fontsize=MAP_TEXT_PT, title_fontsize=MAP_TEXT_PT, alignment="left",
              handlelength=1.4, handleheight=1.0, borderaxespad=0.0, labelspacing=0.3, columnspacing=1.0)
    # A narrow map: a long title wraps instead of running off the image.
    finished = finish(fig, ax, title=textwrap.fill(title, 36), xlabel="", ylabel="", source=source)
    for text in finished.texts:  # the source line that finish() wrote
        if text.get_text() == source:
            text.set_fontsize(MAP_TEXT_PT)
    finished.tight_layout(rect=(0, 0.05, 1, 1))
    return finished


def _draw_municipalities(boundaries: geopandas.GeoDataFrame, fills: list[str]) -> tuple[Figure, Any]:
    """The municipalities in the Dutch national grid (RD New), filled with ``fills`` (in row order),
    with the outline of the country; no axes (map coordinates mean nothing to a reader)."""
    import geopandas  # heavy: only when a map is drawn

    projected = boundaries.to_crs(RD_NEW) if boundaries.crs is not None else boundaries
    fig, ax = new_figure(figsize=MAP_SIZE)
    projected.plot(ax=ax, color=fills, edgecolor=BORDER_COLOUR, linewidth=0.3)
    # Without axes, near-white classes (the centre of a diverging map) would dissolve into the
    # page: a thin grey outline of the country and its lakes keeps the shape readable.
    geopandas.GeoSeries([_outline(projected.geometry.values)], crs=projected.crs).plot(
        ax=ax, color=OUTLINE_COLOUR, linewidth=0.4)
    ax.set_aspect("equal")
    ax.margins(0.01)
    ax.set_axis_off()
    return fig, ax


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


def map_drawer(boundaries: geopandas.GeoDataFrame, column: str, **options):
    """A draw function for :func:`jeugdzorg.book.publish.figure`: the choropleth of ``column`` of the
    figure's (rounded) data, which has one row per municipality and a ``gm_code`` column."""
    def draw(data: pd.DataFrame) -> Figure:
        return choropleth(boundaries, data.set_index("gm_code")[column], **options)
    return draw


def categorical_map(boundaries: geopandas.GeoDataFrame, categories: pd.Series, colours: dict[str, str], *,
                    title: str, legend_title: str, missing_label: str = "no data",
                    source: str = MAP_SOURCE) -> Figure:
    """A map of one category per municipality, in the book's figure style.

    Parameters
    ----------
    categories
        One label per municipality, indexed by GM code; a municipality without a label is drawn in
        light grey under ``missing_label``.
    colours
        Label -> colour, in the order of the legend; a label that no municipality has is left out of
        the legend, a label not in ``colours`` is an error.
    """
    if categories.index.has_duplicates:
        raise ValueError("categories has duplicate GM codes")
    unknown = sorted(set(categories.dropna()) - set(colours))
    if unknown:
        raise ValueError(f"categories without a colour: {unknown}")
    aligned = categories.reindex(boundaries["gm_code"])
    fills = [colours[c] if isinstance(c, str) else MISSING_COLOUR for c in aligned]
    fig, ax = _draw_municipalities(boundaries, fills)
    present = set(aligned.dropna())
    handles = [Patch(facecolor=colour, edgecolor="#999999", linewidth=0.4, label=f"{label} ({int((aligned == label).sum())})")
               for label, colour in colours.items() if label in present]
    if aligned.isna().any():
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#999999", linewidth=0.4,
                             label=f"{missing_label} ({int(aligned.isna().sum())})"))
    return _finish_map(fig, ax, handles, legend_title=legend_title, title=title, source=source)


def category_drawer(boundaries: geopandas.GeoDataFrame, column: str, colours: dict[str, str], **options):
    """A draw function for :func:`jeugdzorg.book.publish.figure`: :func:`categorical_map` of ``column``
    of the figure's data (one row per municipality, with a ``gm_code`` column)."""
    def draw(data: pd.DataFrame) -> Figure:
        return categorical_map(boundaries, data.set_index("gm_code")[column], colours, **options)
    return draw
