"""Figures that cannot depend on the CPU: every figure is drawn from its CSV alone, and the plotting
code computes nothing.

A fit or a quantile agrees across CPUs (and BLAS kernels) only to rounding.  Computed in the
analysis layer (:mod:`jeugdzorg.analysis.figure_geometry`) and rounded into the figure's CSV, it
gives the same pixels on every machine; computed while drawing, it gave pixels that differed in the
last bits of a line, and nbval, which compares the stored image, failed on another CPU.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jeugdzorg.book import publish
from jeugdzorg.paths import BOOK_DIR, PACKAGE_DIR, PROJECT_ROOT

from tests.helpers import glued_outputs

#: The modules that draw: they may only place what they are given.
PLOTTING_MODULES = ["book/charts.py", "book/maps.py", "book/svg.py", "book/figures.py"]


# --------------------------------------------------------------------------------------------------
# drawn again from the stored CSV, in a fresh process


def chapter_figures(book_dir: Path) -> list[tuple[str, str, str, bytes]]:
    """Every glued figure of the executed notebooks: (notebook, key, drawing, CSV, stored PNG)."""
    found = []
    for path in sorted(book_dir.glob("*.ipynb")):
        bundles = glued_outputs(json.loads(path.read_text(encoding="utf-8")))
        for key, bundle in bundles.items():
            if "image/png" in bundle:
                data = bundles.get(f"{key}_data", {}).get("text/plain")
                found.append((f"{path.name}::{key}", bundle["text/plain"], data, base64.b64decode(bundle["image/png"])))
    return found


def _page_words(page: Path, image: str) -> str:
    """The alt text of ``image`` on a municipality page (the figure's description)."""
    match = re.search(r"```\{figure\} %s\n:alt: (.*)\n" % re.escape(image), page.read_text(encoding="utf-8"))
    assert match, f"{page.name} shows no {image} with alt text"
    return match.group(1)


def page_figures(book_dir: Path) -> list[tuple[str, str, bytes]]:
    """Every SVG figure of the municipality pages drawn again from its CSV: (file, drawn, stored)."""
    from jeugdzorg.book import svg
    from jeugdzorg.book.profile_pages import COST_SOURCE, MIX_SOURCE, PAGES_DIR

    found = []
    for stored in sorted((book_dir / PAGES_DIR).glob("GM*-*.svg")):
        code, kind = stored.stem.split("-")
        page = stored.with_name(f"{code}.md")
        numbers = pd.read_csv(stored.with_name(f"{code}.csv"), dtype=str, keep_default_na=False)
        name = numbers["name"].iloc[0]
        data = publish.read_figure_data(stored.with_suffix(".csv").read_text(encoding="utf-8"))
        desc = _page_words(page, stored.name)
        if kind == "cost":
            drawn = svg.cost_chart(data, name=name, desc=desc, source=COST_SOURCE)
        else:
            year = int(numbers.loc[numbers["section"] == "care mix", "year"].iloc[0])
            drawn = svg.mix_chart(data, name=name, year=year, desc=desc, source=MIX_SOURCE)
        found.append((stored.name, drawn.encode("utf-8"), stored.read_bytes()))
    return found


def redraw_everything(book_dir: Path) -> dict:
    """Draw every figure of the book again from its stored CSV; report what differs."""
    chapters = chapter_figures(book_dir)
    missing = [name for name, _, data, _ in chapters if data is None]
    differ = [name for name, drawing, data, png in chapters if data is not None and publish.redraw(drawing, data) != png]
    pages = page_figures(book_dir)
    return {"chapter_figures": len(chapters), "without_data": missing, "chapters_differ": differ,
            "page_figures": len(pages), "pages_differ": [name for name, drawn, stored in pages if drawn != stored]}


def _in_fresh_process(book_dir: Path) -> dict:
    """:func:`redraw_everything` in a new interpreter: nothing of this test run (a style, a cache, an
    import) can help it."""
    code = ("import json, sys; from pathlib import Path; from tests.book.test_figures import redraw_everything; "
            "print(json.dumps(redraw_everything(Path(sys.argv[1]))))")
    result = subprocess.run([sys.executable, "-c", code, str(book_dir)], cwd=PROJECT_ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_figure_is_drawn_again_from_its_csv_alone_to_the_same_bytes():
    """Every chapter figure (its PNG in the executed notebook) and every SVG of the municipality pages,
    drawn in a fresh process from the figure's CSV (and for maps the committed boundary file)."""
    report = _in_fresh_process(BOOK_DIR)
    assert report["chapter_figures"] >= 15 and report["page_figures"] >= 300, report
    assert not report["without_data"], report
    assert not report["chapters_differ"], report
    assert not report["pages_differ"], report


def test_a_changed_number_in_the_csv_changes_the_figure():
    """The test of the test: the figure really is drawn from the CSV -- move the end of the least-
    squares line and the pixels change (and in a page figure, the SVG)."""
    [(_, drawing, data, png)] = [f for f in chapter_figures(BOOK_DIR) if f[0].endswith("::fig_driver_scatter")]
    assert publish.redraw(drawing, data) == png
    frame = publish.read_figure_data(data)
    end = frame.index[frame["series"] == "least-squares line"][0]
    frame.loc[end, "cost_per_youth"] = 2 * frame.loc[end, "cost_per_youth"]
    assert publish.redraw(drawing, frame.to_csv(index=False, lineterminator="\n")) != png


def test_a_drawing_takes_no_number_as_an_option():
    """A float among a drawing's options would be a number drawn outside the figure's CSV."""
    from functools import partial

    from jeugdzorg.book import charts

    with pytest.raises(TypeError, match="goes in its data"):
        publish.Drawing.of(partial(charts.residence_rule_change, year=2022, threshold=48.0))
    with pytest.raises(ValueError, match="drawn by a function of"):
        publish.Drawing.of(print)
    drawing = publish.Drawing.of(partial(charts.trend_index, municipalities=300, first=2015, prices="real euros"))
    assert publish.Drawing.parse(drawing.text()).text() == drawing.text()


# --------------------------------------------------------------------------------------------------
# the plotting code computes nothing


#: Calls that fit, decompose or summarise data: they belong in the analysis layer.
COMPUTING_CALLS = frozenset({
    # fits and decompositions
    "polyfit", "polyval", "lstsq", "solve", "inv", "pinv", "svd", "eig", "eigh", "qr", "cholesky", "det",
    "fit", "fit_transform", "OLS", "WLS", "GLS", "PanelOLS", "RandomEffects", "BetweenOLS", "FirstDifferenceOLS",
    "curve_fit", "linregress", "lowess", "interp", "gaussian_kde",
    # statistics of the data
    "quantile", "nanquantile", "percentile", "nanpercentile", "median", "nanmedian", "mean", "nanmean", "average",
    "std", "nanstd", "var", "nanvar", "corrcoef", "cov", "corr", "corrwith", "describe", "mad", "sem",
    # counting and aggregating
    "histogram", "histogram2d", "histogram_bin_edges", "hist", "hist2d", "hexbin", "boxplot", "violinplot",
    "groupby", "agg", "aggregate", "pivot_table", "crosstab", "rolling", "expanding", "ewm", "resample",
    "value_counts",
})
#: Modules whose import in plotting code means it computes.
COMPUTING_MODULES = ("numpy.linalg", "scipy", "statsmodels", "linearmodels", "sklearn")


def computations(source: str, filename: str = "<module>") -> list[str]:
    """Where ``source`` fits, decomposes or summarises data: ``file:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name in COMPUTING_CALLS:
                found.append(f"{filename}:{node.lineno}: calls {name}()")
        elif isinstance(node, ast.Attribute) and node.attr == "linalg":
            found.append(f"{filename}:{node.lineno}: uses linalg")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            names += [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) else []
            found += [f"{filename}:{node.lineno}: imports {n}" for n in names
                      if any(n == m or n.startswith(m + ".") for m in COMPUTING_MODULES)]
    return found


@pytest.mark.parametrize("module", PLOTTING_MODULES)
def test_plotting_code_computes_nothing(module):
    """Charts, maps and the pages' SVG draw what they are given: no fit, no decomposition, no
    statistic of the data (those are in jeugdzorg.analysis.figure_geometry and glued in the CSV)."""
    path = PACKAGE_DIR / module
    assert computations(path.read_text(encoding="utf-8"), module) == []


VIOLATIONS = '''
import numpy as np
import scipy.stats
from numpy.linalg import lstsq
from statsmodels.api import OLS


def driver_scatter(ax, data):
    slope, intercept = np.polyfit(data["x"], data["y"], 1)
    ax.axhline(data["y"].median())
    ax.hist(data["x"], bins=30)
    beta = np.linalg.solve(data.T @ data, data.T @ data["y"])
    shares = data.groupby("group")["y"].agg("sum")
    edges = np.quantile(data["x"], [0.2, 0.4])
'''


def test_the_check_finds_a_fit_in_plotting_code():
    """The test of the test: a plotting function with a fit, a median, a histogram, a solve, an
    aggregation and quantiles, and the imports that go with them, is caught on every count."""
    found = computations(VIOLATIONS, "violation.py")
    for what in ("calls polyfit()", "calls median()", "calls hist()", "uses linalg", "calls solve()",
                 "calls groupby()", "calls agg()", "calls quantile()", "imports scipy.stats",
                 "imports numpy.linalg", "imports statsmodels.api"):
        assert any(line.endswith(what) for line in found), (what, found)
    assert computations("ax.plot(data['x'], data['y'])\nax.set_xlim(data['x'].min(), data['x'].max())\n") == []
