"""What the book's figures draw that is not a column of the data: fitted lines, class breaks,
histogram bins, reference lines.

The plotting modules (:mod:`jeugdzorg.book.charts`, :mod:`jeugdzorg.book.maps`,
:mod:`jeugdzorg.book.svg`) compute nothing: they draw the rounded numbers of a figure's CSV.  A least-
squares line or a quantile depends on the CPU in its last digits (the BLAS kernel changes the
arithmetic of a fit); computed here at full precision and rounded by kind when the chapter glues the
figure's data (:func:`jeugdzorg.book.publish.figure`), every machine draws the same pixels.

Each function returns a frame in the long form the figure's CSV takes: one row per point drawn, a
``series`` column saying what the row is where a figure draws more than one kind of thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

#: ``series`` of the rows that are municipalities (the dots of a scatter).
MUNICIPALITY = "municipality"
#: ``series`` of the two end points of a least-squares line.
LEAST_SQUARES = "least-squares line"

Scheme = Literal["quantiles", "fixed"]


# --------------------------------------------------------------------------------------------------
# fitted lines


@dataclass(frozen=True)
class FittedLine:
    """A least-squares line ``y = intercept + slope * x`` and the correlation of ``x`` and ``y``.

    Attributes
    ----------
    slope, intercept
        The coefficients of the line.
    r
        Pearson's correlation of ``x`` and ``y``.
    low, high
        The smallest and largest ``x`` fitted: the line is drawn between them.
    """

    slope: float
    intercept: float
    r: float
    low: float
    high: float

    def at(self, x: float | np.ndarray) -> float | np.ndarray:
        """The fitted ``y`` at ``x``."""
        return self.intercept + self.slope * x


def least_squares_line(x: Sequence[float] | np.ndarray | pd.Series,
                       y: Sequence[float] | np.ndarray | pd.Series) -> FittedLine:
    """The least-squares line of ``y`` on ``x`` over the pairs where both are finite.

    Parameters
    ----------
    x, y
        Values of equal length.

    Returns
    -------
    FittedLine
        Slope, intercept, correlation and the range of ``x``.

    Raises
    ------
    ValueError
        With fewer than two finite pairs or no variation in ``x``.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y differ in length: {xs.size} and {ys.size}")
    both = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[both], ys[both]
    if xs.size < 2 or np.ptp(xs) == 0:
        raise ValueError("a line needs at least two points with different x")
    slope, intercept = np.polyfit(xs, ys, 1)
    return FittedLine(float(slope), float(intercept), float(np.corrcoef(xs, ys)[0, 1]),
                      float(xs.min()), float(xs.max()))


def driver_scatter_points(data: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                          log_drivers: Sequence[str] = ()) -> pd.DataFrame:
    """Each driver against the outcome, per municipality, with the least-squares line fitted to them.

    The line is fitted on the scale the models use (the logs of a log outcome and of a logged
    driver) and given by its two end points in the reader's units: on axes drawn with logarithmic
    scales for the logged quantities it is the straight line fitted.

    Parameters
    ----------
    data
        One row per municipality (indexed by GM code): ``outcome`` and each driver.
    outcome
        The outcome column; a name starting with ``log_`` is a log, shown in its level.
    drivers
        The driver columns, in the order of the panels.
    log_drivers
        The drivers that are logs, shown in their level.

    Returns
    -------
    pandas.DataFrame
        ``driver, series, gm_code, driver_value, <outcome without log_>, r``: the municipalities
        (``series`` :data:`MUNICIPALITY`) and the two end points of each line (``series``
        :data:`LEAST_SQUARES`, no GM code, ``r`` the driver's correlation with the outcome).
    """
    level = outcome.removeprefix("log_")
    to_level_y = np.exp if outcome.startswith("log_") else (lambda v: v)
    parts = []
    for driver in drivers:
        to_level_x = np.exp if driver in log_drivers else (lambda v: v)
        x, y = data[driver].to_numpy(float), data[outcome].to_numpy(float)
        line = least_squares_line(x, y)
        ends = np.array([line.low, line.high])
        parts.append(pd.DataFrame({
            "driver": driver, "series": MUNICIPALITY, "gm_code": data.index.to_numpy(),
            "driver_value": to_level_x(x), level: to_level_y(y), "r": np.nan}))
        parts.append(pd.DataFrame({
            "driver": driver, "series": LEAST_SQUARES, "gm_code": "", "driver_value": to_level_x(ends),
            level: to_level_y(line.at(ends)), "r": line.r}))
    return pd.concat(parts, ignore_index=True)


def reference_lines(x: Sequence[float] | np.ndarray | pd.Series, slopes: Mapping[str, float], *,
                    margin: float = 1.5) -> pd.DataFrame:
    """Lines through the origin, ``y = slope * x``, across the range of ``x`` (widened by the factor
    ``margin`` at both ends, as on a logarithmic axis), as their two end points.

    Parameters
    ----------
    x
        The x values of the dots the lines are drawn with (missing values are ignored).
    slopes
        Name of each line (its ``series``) -> its slope.
    margin
        The lines run from ``min(x) / margin`` to ``max(x) * margin``.

    Returns
    -------
    pandas.DataFrame
        ``series, x, y``: two rows per entry of ``slopes``.
    """
    finite = _finite(x)
    if finite.size == 0:
        raise ValueError("no x values to span")
    low, high = float(finite.min()) / margin, float(finite.max()) * margin
    return pd.DataFrame([{"series": name, "x": end, "y": slope * end}
                         for name, slope in slopes.items() for end in (low, high)])


# --------------------------------------------------------------------------------------------------
# distributions


def histogram(values: pd.Series, bins: int = 30) -> pd.DataFrame:
    """Equal-width bins from the smallest to the largest value, their counts and the median.

    Returns
    -------
    pandas.DataFrame
        ``bin_from, bin_to, count, median``, one row per bin (the median repeated on each row).
    """
    data = pd.to_numeric(values, errors="raise").dropna().to_numpy(float)
    if data.size == 0:
        raise ValueError("no values to count")
    counts, edges = np.histogram(data, bins=bins)
    return pd.DataFrame({"bin_from": edges[:-1], "bin_to": edges[1:], "count": counts,
                         "median": float(np.median(data))})


# --------------------------------------------------------------------------------------------------
# classes of a choropleth


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


def map_classes(values: pd.Series, classes: int = 5, scheme: Scheme = "quantiles", *,
                bins: Sequence[float] | None = None, diverging: bool = False) -> pd.DataFrame:
    """Each municipality's value with the class a choropleth colours it by.

    Parameters
    ----------
    values
        One number per municipality, indexed by GM code (missing values are left out).
    classes, scheme, bins, diverging
        See :func:`class_bins`.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, <values.name>, class_from, class_to``: the value and the edges of its class,
        one row per municipality with a value.  A map draws its classes from these edges alone.
    """
    if values.name is None:
        raise ValueError("values need a name: it is the column of the figure's data")
    present = pd.to_numeric(values, errors="raise").astype(float).dropna()
    edges = np.asarray(class_bins(present, classes, scheme, bins=bins, diverging=diverging))
    number = assign_classes(present.to_numpy(), edges)
    return pd.DataFrame({"gm_code": present.index.to_numpy(), str(values.name): present.to_numpy(),
                         "class_from": edges[number], "class_to": edges[number + 1]})
