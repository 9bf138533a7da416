"""A map's legend, title and source line stay readable on a phone: at least 12 px high where the map is
shown as wide as a phone's text column (343 px on a 390 px screen, as the browser tests measure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")

from jeugdzorg.analysis.figure_geometry import map_classes  # noqa: E402
from jeugdzorg.book import maps as geo  # noqa: E402
from jeugdzorg.data.snapshot import load_boundaries  # noqa: E402

#: The text column of a 390 px phone screen (the theme's padding taken off), in CSS px.
PHONE_COLUMN_PX = 343
MINIMUM_PX = 12.0


@pytest.fixture(scope="module")
def boundaries_2025() -> gpd.GeoDataFrame:
    return load_boundaries()


def _shown_px(fig, points: float) -> float:
    """Height in CSS px of ``points`` of text when the saved image is scaled to the phone's column."""
    dpi = fig.dpi
    image_px = fig.get_size_inches()[0] * dpi
    return points * dpi / 72 * min(1.0, PHONE_COLUMN_PX / image_px)


@pytest.mark.parametrize("kind", ["classed", "categorical"])
def test_legend_title_and_source_are_at_least_12_px_on_a_phone(boundaries_2025, kind):
    codes = boundaries_2025["gm_code"]
    if kind == "classed":
        values = pd.Series(np.linspace(400, 3700, len(codes)), index=codes.to_numpy(), name="cost")
        fig = geo.choropleth(map_classes(values, classes=5), column="cost", boundaries=boundaries_2025,
                             title="Youth-care cost per young inhabitant, 2022", legend_title="EUR per inhabitant 0-17")
    else:
        labels = pd.DataFrame({"gm_code": codes.to_numpy(), "verdict": (["above", "below", "within"] * len(codes))[:len(codes)]})
        fig = geo.categorical_map(labels, column="verdict", colours={"above": "#b2182b", "below": "#2166ac",
                                                                     "within": "#f7f7f7"},
                                  boundaries=boundaries_2025, title="Actual cost against the need benchmark",
                                  legend_title="Verdict")
    legend = fig.axes[0].get_legend()
    sizes = {"legend": min(t.get_fontsize() for t in legend.get_texts()),
             "legend title": legend.get_title().get_fontsize(),
             "source": min(t.get_fontsize() for t in fig.texts),
             "title": fig.axes[0].title.get_fontsize() if fig.axes[0].get_title() else
             fig.axes[0]._left_title.get_fontsize()}
    for part, points in sizes.items():
        assert _shown_px(fig, points) >= MINIMUM_PX, f"{part}: {points} pt is {_shown_px(fig, points):.1f} px on a phone"
    # and the legend sits outside the map, so it covers no municipality
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    map_box = fig.axes[0].get_window_extent(renderer)
    legend_box = legend.get_window_extent(renderer)
    assert legend_box.y1 <= map_box.y0 + 1
