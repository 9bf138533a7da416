"""Classed choropleth maps of the municipalities in the book's figure style.

:func:`choropleth` draws a map: classed colours, a legend with readable class ranges, municipalities
without a value in light grey, the title and the source line placed as
:func:`jeugdzorg.book.figures.finish` does.  The classes are not computed here: each municipality
comes with the edges of its class (:func:`jeugdzorg.analysis.figure_geometry.map_classes`), so the
map is drawn from its CSV alone.  The boundaries come from the snapshot
(:func:`jeugdzorg.data.snapshot.load_boundaries`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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

# --------------------------------------------------------------------------------------------------
# legend


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
        data = np.asarray(values, dtype=float)
        data = data[np.isfinite(data)]
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


def choropleth(data: pd.DataFrame, *, column: str, title: str, legend_title: str, cmap: str | None = None,
               diverging: bool = False, missing_label: str = "no data", source: str = MAP_SOURCE,
               prefix: str = "", suffix: str = "",
               boundaries: geopandas.GeoDataFrame | None = None) -> Figure:
    """A classed choropleth of the municipalities in the book's figure style.

    Parameters
    ----------
    data
        The figure's data, one row per municipality with a value: ``gm_code``, ``column`` and the
        edges of its class, ``class_from`` and ``class_to``
        (:func:`jeugdzorg.analysis.figure_geometry.map_classes`, rounded).  The classes are the
        distinct edges; a municipality not in ``data`` is drawn in light grey under ``missing_label``.
    column
        The column of the value (shown only through its class, and to open the outer legend
        labels of values outside the outer edges).
    title
        The figure title (left-aligned, bold, as in :func:`figures.finish`).
    legend_title
        Title of the legend: what is shown and its unit, e.g. "Kosten per jongere (€)".
    cmap
        A matplotlib colormap name; default ``"YlOrRd"``, or ``"RdBu_r"`` (centred on 0) when
        ``diverging``.
    diverging
        Classes symmetric around 0, coloured from the centre of the colormap outwards.
    missing_label
        Legend entry for municipalities without a value (only shown if there are any).
    source
        The source line, bottom left.
    prefix, suffix
        Unit signs around each number in the legend, e.g. ``prefix="€"`` or ``suffix="%"``.
    boundaries
        ``gm_code``, ``name``, ``geometry`` of the boundary year that matches ``data``; default the
        snapshot's boundary file (:func:`jeugdzorg.data.snapshot.load_boundaries`).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, already closed for pyplot (show it through ``glue`` or ``display``).

    Raises
    ------
    ValueError
        If ``data`` has duplicate codes, codes that are not in ``boundaries`` (probably the wrong
        boundary year), non-numeric values, or no value at all.
    """
    boundaries = _boundaries(boundaries)
    aligned = _align(boundaries, data.set_index("gm_code")[column])
    edges = np.unique(np.concatenate([data["class_from"].to_numpy(float), data["class_to"].to_numpy(float)]))
    if edges.size == 1:
        edges = np.repeat(edges, 2)  # every value equal: one class
    lower = data.set_index("gm_code")["class_from"].reindex(boundaries["gm_code"]).to_numpy(float)
    numbers = np.where(np.isfinite(lower), np.searchsorted(edges, np.nan_to_num(lower)), -1)
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


def _boundaries(boundaries: geopandas.GeoDataFrame | None) -> geopandas.GeoDataFrame:
    """``boundaries``, or the snapshot's boundary file; checked for the GM code."""
    if boundaries is None:
        from ..data.snapshot import load_boundaries

        boundaries = load_boundaries()
    if "gm_code" not in boundaries.columns:
        raise ValueError("boundaries lack the column gm_code; read them with read_boundaries")
    return boundaries


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


def categorical_map(data: pd.DataFrame, *, column: str, colours: dict[str, str], title: str, legend_title: str,
                    missing_label: str = "no data", source: str = MAP_SOURCE,
                    boundaries: geopandas.GeoDataFrame | None = None) -> Figure:
    """A map of one category per municipality, in the book's figure style.

    Parameters
    ----------
    data
        The figure's data: ``gm_code`` and ``column``, one label per municipality; a municipality
        without a label is drawn in light grey under ``missing_label``.
    colours
        Label -> colour, in the order of the legend; a label that no municipality has is left out of
        the legend, a label not in ``colours`` is an error.  The legend counts the municipalities
        of each label.
    title, legend_title, source, boundaries
        As for :func:`choropleth`.
    """
    boundaries = _boundaries(boundaries)
    categories = data.set_index("gm_code")[column]
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
