"""Small, accessible SVG charts for pages made by the hundred (the municipality pages).

The chapters draw with matplotlib (:mod:`jeugdzorg.book.figures`); a municipality page needs the same
few chart types 342 times.  Matplotlib's SVG of a simple line chart is 20-30 kB of path data and a PNG
does not compress in git; these charts are 2-5 kB of plain text that git stores as small deltas when
a new edition changes a few numbers.  They follow the book's figure rules: a title, axes labelled in
the reader's units, a legend, the source line, and a ``<title>``/``<desc>`` that say what is shown.

Output is deterministic: coordinates are written with one decimal, nothing depends on time or
counters, and every number drawn comes from data the caller has already rounded by kind.  The two
figures of a page, :func:`cost_chart` and :func:`mix_chart`, are drawn from the page's figure CSV
alone (``GMxxxx-cost.csv``, ``GMxxxx-mix.csv``) and the page's words (name, description, source).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import pandas as pd

from .figures import PALETTE

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT = "#222222"
MUTED = "#555555"
GRID = "#dddddd"
#: Average advance of a character at 12 px in the font above, as a share of the font size: enough to
#: wrap the legend and leave room for labels (an estimate; no font metrics are available here).
CHAR_WIDTH = 0.56


def _n(value: float) -> str:
    """A coordinate with at most one decimal and no ``-0``."""
    text = f"{round(value, 1) + 0.0:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering ``[low, high]``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("ticks need finite bounds")
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 1e-9:
        ticks.append(round(value, 10) + 0.0)
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10) + 0.0)
    return ticks


def _label(value: float) -> str:
    """A tick or bar label in Dutch notation (the figures are on the Dutch municipality pages)."""
    text = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
    return text.translate(str.maketrans({",": ".", ".": ",", "-": "\N{MINUS SIGN}"}))


@dataclass(frozen=True)
class Series:
    """One line of a :func:`line_chart`.

    ``values`` align with the chart's x values (``None``: no point, the line breaks); ``crosses``
    are points drawn as a cross and not joined (values the text does not compare, e.g. implausible).
    """

    label: str
    values: Sequence[float | None]
    colour: str = PALETTE[0]
    width: float = 2.0
    dash: str = ""
    marker: bool = True
    crosses: Sequence[float | None] = field(default_factory=tuple)


@dataclass(frozen=True)
class Interval:
    """A point with two nested intervals, drawn at ``x`` beside the lines of a :func:`line_chart`."""

    x: int
    centre: float
    inner: tuple[float, float]
    outer: tuple[float, float]
    label: str
    inner_label: str
    outer_label: str


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="title desc" '
            f'font-family="{escape(FONT)}" font-size="13" fill="{TEXT}">')
    return "\n".join([head, f'<title id="title">{escape(title)}</title>', f'<desc id="desc">{escape(desc)}</desc>',
                      f'<rect width="{width}" height="{height}" fill="#ffffff"/>', *body, "</svg>", ""])


def _title_and_legend(title: str, entries: list[tuple[str, str]], width: int, left: int) -> tuple[list[str], float]:
    """Title at the top left and a wrapping legend under it; returns the elements and the bottom y."""
    # A long name must not run off the figure: the title shrinks to fit (bold runs about 8% wider).
    size = min(15.0, (width - left - 8) / (len(title) * CHAR_WIDTH * 1.08))
    out = [f'<text x="{left}" y="20" font-size="{_n(size)}" font-weight="bold">{escape(title)}</text>']
    x, y = float(left), 42.0
    for swatch, label in entries:
        item = 26 + _text_width(label, 13) + 14
        if x + item > width - 8 and x > left:
            x, y = float(left), y + 18
        out.append(swatch.format(x=_n(x), x2=_n(x + 20), xm=_n(x + 10), y=_n(y - 4), y1=_n(y - 9), y2=_n(y + 1)))
        out.append(f'<text x="{_n(x + 26)}" y="{_n(y)}">{escape(label)}</text>')
        x += item
    return out, y + 14


def _line_swatch(series: Series) -> str:
    dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
    return (f'<line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" stroke="{series.colour}" '
            f'stroke-width="{_n(series.width)}"{dash}/>')


def line_chart(*, title: str, x_values: Sequence[int], series: Sequence[Series], y_label: str, source: str,
               desc: str, interval: Interval | None = None, width: int = 480, height: int = 340) -> str:
    """A line chart over years with a zero baseline, optionally with a point and interval beside it.

    Parameters
    ----------
    title, desc
        The title (drawn, and the SVG ``<title>``) and a description of what the figure shows
        (the SVG ``<desc>``; the page's alt text says the same).
    x_values
        The years, in order; each gets a tick.
    series
        The lines (values already rounded by the caller).
    y_label, source
        The y axis label with its unit, and the source line at the bottom.
    interval
        A value with nested intervals (e.g. a prediction and its 90% and 95% intervals), drawn a
        little right of its year so it does not hide the lines.
    """
    left, right, bottom = 64, 20, 64
    entries = [(_line_swatch(s), s.label) for s in series]
    if any(s.crosses for s in series):
        cross = series[0]
        entries.append((f'<path d="M{{xm}} {{y1}}m-4 0l8 8m0 -8l-8 8" stroke="{cross.colour}" stroke-width="1.6" '
                        'fill="none"/>', "Niet vergeleken (buiten het plausibele bereik)"))
    if interval is not None:
        entries.append(('<rect x="{xm}" y="{y1}" width="6" height="10" fill="#9e9e9e" transform="translate(-3 0)"/>',
                        interval.label))
    body, top = _title_and_legend(title, entries, width, left)
    top += 8
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [v for s in series for v in (*s.values, *s.crosses) if v is not None]
    if interval is not None:
        numbers += [interval.outer[0], interval.outer[1], interval.centre]
    high = max(numbers) if numbers else 1.0
    ticks = nice_ticks(0.0, high)
    y_max = ticks[-1]
    n = len(x_values)
    slot = plot_w / max(n, 1)

    def px(i: float) -> float:
        return left + slot * (i + 0.5)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    for tick in ticks:
        y = py(tick)
        body.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end" fill="{MUTED}">{_label(tick)}</text>')
    for i, x in enumerate(x_values):
        body.append(f'<text x="{_n(px(i))}" y="{_n(top + plot_h + 18)}" text-anchor="middle" fill="{MUTED}">{x}</text>')
    body.append(f'<line x1="{left}" y1="{_n(top + plot_h)}" x2="{width - right}" y2="{_n(top + plot_h)}" stroke="{MUTED}"/>')
    body.append(f'<text x="{_n(left + plot_w / 2)}" y="{_n(top + plot_h + 36)}" text-anchor="middle">Jaar</text>')
    body.append(f'<text transform="translate(16 {_n(top + plot_h / 2)}) rotate(-90)" text-anchor="middle" '
                f'font-size="12">{escape(y_label)}</text>')

    if interval is not None and interval.x in x_values:
        i = list(x_values).index(interval.x)
        x = px(i) + min(slot * 0.3, 22)
        (lo_o, hi_o), (lo_i, hi_i) = interval.outer, interval.inner
        body.append(f'<line x1="{_n(x)}" y1="{_n(py(lo_o))}" x2="{_n(x)}" y2="{_n(py(hi_o))}" stroke="#bdbdbd" '
                    f'stroke-width="3"/>')
        body.append(f'<line x1="{_n(x)}" y1="{_n(py(lo_i))}" x2="{_n(x)}" y2="{_n(py(hi_i))}" stroke="#8a8a8a" '
                    f'stroke-width="7"/>')
        body.append(f'<line x1="{_n(x - 7)}" y1="{_n(py(interval.centre))}" x2="{_n(x + 7)}" '
                    f'y2="{_n(py(interval.centre))}" stroke="{TEXT}" stroke-width="2"/>')

    for s in series:
        dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((px(i), py(value)))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_n(a)},{_n(b)}" for a, b in run)
                body.append(f'<polyline points="{points}" fill="none" stroke="{s.colour}" '
                            f'stroke-width="{_n(s.width)}"{dash}/>')
            if s.marker or len(run) == 1:
                body += [f'<circle cx="{_n(a)}" cy="{_n(b)}" r="3.2" fill="{s.colour}"/>' for a, b in run]
        for i, value in enumerate(s.crosses):
            if value is not None:
                a, b = px(i), py(value)
                body.append(f'<path d="M{_n(a - 4)} {_n(b - 4)}l8 8m0 -8l-8 8" stroke="{s.colour}" '
                            'stroke-width="1.6" fill="none"/>')
    body.append(f'<text x="8" y="{height - 8}" font-size="11" fill="{MUTED}">{escape(source)}</text>')
    return _svg(width, height, title, desc, body)


def bar_chart(*, title: str, categories: Sequence[str], groups: Sequence[tuple[str, Sequence[float | None]]],
              x_label: str, source: str, desc: str, width: int = 480) -> str:
    """Horizontal grouped bars with their values written at the end, one group of bars per category.

    ``groups``: (label, one value per category) each, values already rounded; a missing value draws
    no bar and reads "n/a".
    """
    left = int(max(_text_width(c, 13) for c in categories) + 18) if categories else 120
    right = 56
    colours = [PALETTE[0], PALETTE[4], PALETTE[1], PALETTE[2]]
    entries = [(f'<rect x="{{x}}" y="{{y1}}" width="16" height="10" fill="{colours[k]}"/>', label)
               for k, (label, _) in enumerate(groups)]
    body, top = _title_and_legend(title, entries, width, 8)
    top += 6
    bar, gap = 14, 12
    band = bar * len(groups) + gap
    plot_h = band * len(categories)
    height = int(top + plot_h + 58)
    plot_w = width - left - right
    values = [v for _, vs in groups for v in vs if v is not None]
    ticks = nice_ticks(0.0, max(values) if values else 1.0, 4)
    x_max = ticks[-1]

    def px(v: float) -> float:
        return left + plot_w * v / x_max

    for tick in ticks:
        x = px(tick)
        body.append(f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(top + plot_h)}" stroke="{GRID}"/>')
        body.append(f'<text x="{_n(x)}" y="{_n(top + plot_h + 16)}" text-anchor="middle" fill="{MUTED}">'
                    f'{_label(tick)}</text>')
    for c, category in enumerate(categories):
        y0 = top + c * band + gap / 2
        body.append(f'<text x="{left - 8}" y="{_n(y0 + bar * len(groups) / 2 + 4)}" text-anchor="end">'
                    f'{escape(category)}</text>')
        for k, (_, vs) in enumerate(groups):
            value = vs[c]
            y = y0 + k * bar
            if value is None:
                body.append(f'<text x="{left + 4}" y="{_n(y + bar - 3)}" font-size="11" fill="{MUTED}">n.b.</text>')
                continue
            body.append(f'<rect x="{left}" y="{_n(y + 1)}" width="{_n(px(value) - left)}" height="{bar - 2}" '
                        f'fill="{colours[k]}"/>')
            body.append(f'<text x="{_n(px(value) + 4)}" y="{_n(y + bar - 3)}" font-size="11">{_label(value)}</text>')
    body.append(f'<line x1="{left}" y1="{_n(top)}" x2="{left}" y2="{_n(top + plot_h)}" stroke="{MUTED}"/>')
    body.append(f'<text x="{_n(left + plot_w / 2)}" y="{_n(top + plot_h + 34)}" text-anchor="middle">'
                f'{escape(x_label)}</text>')
    body.append(f'<text x="8" y="{height - 8}" font-size="11" fill="{MUTED}">{escape(source)}</text>')
    return _svg(width, height, title, desc, body)


def _values(column: pd.Series) -> list[float | None]:
    """A CSV column as chart values: an empty cell is no point."""
    return [None if pd.isna(v) else v for v in column.tolist()]


def cost_chart(data: pd.DataFrame, *, name: str, desc: str, source: str) -> str:
    """The cost figure of a municipality page: its cost per young inhabitant, the medians of its
    groups and the need benchmark with its intervals.

    Parameters
    ----------
    data
        The figure's CSV (``GMxxxx-cost.csv``), one row per year: ``year, cost_per_youth_eur,
        cost_outside_plausible_range_eur, size_class_median_eur, region_median_eur,
        need_benchmark_eur, lower_90_eur, upper_90_eur, lower_95_eur, upper_95_eur`` (a cost outside
        the plausible range is drawn as a cross; the benchmark where its row has one).
    name
        The municipality (title and legend).
    desc, source
        The description (the page's alt text) and the source line.
    """
    crosses = _values(data["cost_outside_plausible_range_eur"])
    benchmark = data.dropna(subset=["need_benchmark_eur"])
    interval = None
    if len(benchmark):
        row = benchmark.iloc[0]
        interval = Interval(int(row["year"]), row["need_benchmark_eur"], (row["lower_90_eur"], row["upper_90_eur"]),
                            (row["lower_95_eur"], row["upper_95_eur"]), "Verwachte kosten, bandbreedte 90%/95%",
                            "bandbreedte 90%", "bandbreedte 95%")
    return line_chart(
        title=f"Kosten per jeugdige inwoner: {name}", x_values=[int(y) for y in data["year"]],
        series=[Series(name, _values(data["cost_per_youth_eur"]), PALETTE[0], 2.6,
                       crosses=crosses if any(c is not None for c in crosses) else ()),
                Series("Grootteklasse (mediaan)", _values(data["size_class_median_eur"]), PALETTE[1], 1.8, "6 4",
                       marker=False),
                Series("Regio (mediaan)", _values(data["region_median_eur"]), PALETTE[2], 1.8, "2 3", marker=False)],
        y_label="€ per inwoner van 0-17 jaar", source=source, desc=desc, interval=interval)


def mix_chart(data: pd.DataFrame, *, name: str, year: int, desc: str, source: str) -> str:
    """The care-mix figure of a municipality page: its shares of the care fields and the national ones.

    ``data``: the figure's CSV (``GMxxxx-mix.csv``): ``care_field, municipality_share_pct,
    netherlands_share_pct``; ``year`` the year of the accounts.
    """
    return bar_chart(title=f"Zorgvormen, jaarrekening {year}: {name}", categories=data["care_field"].tolist(),
                     groups=[(name, _values(data["municipality_share_pct"])),
                             ("Nederland", _values(data["netherlands_share_pct"]))],
                     x_label="% van de uitgaven aan de drie taakvelden", source=source, desc=desc)
