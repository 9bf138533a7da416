"""Classed choropleth maps of the municipalities (on the snapshot's simplified boundaries)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")

from matplotlib.figure import Figure  # noqa: E402

from jeugdzorg.analysis import figure_geometry as G  # noqa: E402
from jeugdzorg.book import maps as geo  # noqa: E402
from jeugdzorg.data.snapshot import load_boundaries  # noqa: E402


@pytest.fixture(scope="module")
def boundaries_2025() -> gpd.GeoDataFrame:
    return load_boundaries()


# ------------------------------------------------------------------------------------------------
# classification (in the analysis layer: the map draws the classes it is given)


@pytest.mark.parametrize("classes", [2, 3, 4, 5, 7])
def test_quantile_bins_are_monotonic_and_complete(classes):
    values = np.random.default_rng(classes).lognormal(7.0, 0.3, 342)
    edges = G.class_bins(values, classes, "quantiles")
    assert len(edges) == classes + 1
    assert np.all(np.diff(edges) > 0)
    assert edges[0] <= values.min() and edges[-1] >= values.max()
    numbers = G.assign_classes(values, edges)
    assert set(numbers) == set(range(classes))


def test_quantile_bins_ignore_missing_and_survive_ties():
    values = pd.Series([1.0, 1.0, 1.0, 2.0, np.nan])
    edges = G.class_bins(values, 5, "quantiles")
    assert np.all(np.diff(edges) > 0)
    assert len(edges) - 1 <= 5
    assert G.assign_classes(values.to_numpy(), edges)[-1] == -1


def test_fixed_bins_are_used_as_given():
    assert G.class_bins([1, 2, 3], 9, "fixed", bins=[0, 1000, 1500]) == [0.0, 1000.0, 1500.0]
    with pytest.raises(ValueError, match="increasing"):
        G.class_bins([1, 2, 3], 3, "fixed", bins=[0, 2, 1])
    with pytest.raises(ValueError, match="needs bins"):
        G.class_bins([1, 2, 3], 3, "fixed")
    with pytest.raises(ValueError, match="symmetric"):
        G.class_bins([1, 2, 3], 3, "fixed", bins=[-1, 0, 2], diverging=True)


@pytest.mark.parametrize("classes", [4, 5, 6])
def test_diverging_bins_are_symmetric(classes):
    values = np.random.default_rng(1).normal(3.0, 12.0, 342)
    edges = np.asarray(G.class_bins(values, classes, "quantiles", diverging=True))
    assert len(edges) == classes + 1
    assert np.all(np.diff(edges) > 0)
    np.testing.assert_allclose(edges, -edges[::-1])
    assert (0.0 in edges) == (classes % 2 == 0)
    assert edges[0] <= values.min() and edges[-1] >= values.max()


def test_labels_have_thousands_separators_and_open_ends():
    edges = [900.0, 1100.0, 1300.0, 2500.0]
    assert geo.class_labels(edges) == ["900 – 1,100", "1,100 – 1,300", "1,300 – 2,500"]
    assert geo.class_labels([0.5, 1.25, 2.0], suffix="%") == ["0.50% – 1.25%", "1.25% – 2.00%"]
    open_ended = geo.class_labels(edges, np.array([100.0, 3000.0]))
    assert open_ended[0] == "< 1,100" and open_ended[-1] == "≥ 1,300"
    assert geo.class_labels([-10.0, 0.0, 10.0]) == ["−10 – 0", "0 – 10"]


# ------------------------------------------------------------------------------------------------
# maps


def _legend_texts(fig: Figure) -> list[str]:
    return [text.get_text() for text in fig.axes[0].get_legend().get_texts()]


def _classed(values: pd.Series, **options) -> pd.DataFrame:
    return G.map_classes(values.rename("value"), **options)


def test_map_classes_give_each_municipality_the_edges_of_its_class():
    values = pd.Series([800.0, 1000.0, 1200.0, np.nan, 2400.0], index=["GM1", "GM2", "GM3", "GM4", "GM5"])
    classed = _classed(values, scheme="fixed", bins=[0, 1000, 3000])
    assert classed["gm_code"].tolist() == ["GM1", "GM2", "GM3", "GM5"]  # a missing value has no class
    assert classed["class_from"].tolist() == [0.0, 1000.0, 1000.0, 1000.0]
    assert classed["class_to"].tolist() == [1000.0, 3000.0, 3000.0, 3000.0]


def test_choropleth_marks_missing_municipalities(boundaries_2025):
    codes = boundaries_2025["gm_code"]
    values = pd.Series(np.linspace(800.0, 2400.0, len(codes)), index=codes).iloc[1:]  # one missing
    fig = geo.choropleth(_classed(values), column="value", title="Kosten per jongere, 2023",
                         legend_title="Kosten per jongere (€)", missing_label="geen gegevens",
                         boundaries=boundaries_2025)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "Kosten per jongere, 2023"
    assert not ax.axison
    texts = _legend_texts(fig)
    assert texts[-1] == "geen gegevens"
    assert len(texts) == 5 + 1
    assert any("," in text and "–" in text for text in texts)
    assert fig.axes[0].get_legend().get_title().get_text() == "Kosten per jongere (€)"
    assert any(text.get_text() == geo.MAP_SOURCE for text in fig.texts)


def test_choropleth_without_missing_has_no_missing_entry(boundaries_2025):
    values = pd.Series(np.arange(len(boundaries_2025), dtype=float), index=boundaries_2025["gm_code"])
    fig = geo.choropleth(_classed(values, scheme="fixed", bins=[0, 100, 200, 341]), column="value", title="t",
                         legend_title="l", boundaries=boundaries_2025)
    assert _legend_texts(fig) == ["0 – 100", "100 – 200", "200 – 341"]


def test_diverging_choropleth_is_symmetric(boundaries_2025):
    values = pd.Series(np.random.default_rng(2).normal(0.0, 10.0, len(boundaries_2025)),
                       index=boundaries_2025["gm_code"])
    fig = geo.choropleth(_classed(values, classes=4, diverging=True), column="value", title="t", legend_title="%",
                         diverging=True, boundaries=boundaries_2025)
    texts = _legend_texts(fig)
    assert len(texts) == 4
    assert texts[1].endswith("– 0") and texts[2].startswith("0 –")


def test_choropleth_refuses_codes_of_another_boundary_year(boundaries_2025):
    values = pd.Series([1.0, 2.0], index=["GM0014", "GM9999"])
    with pytest.raises(ValueError, match="GM9999"):
        geo.choropleth(_classed(values), column="value", title="t", legend_title="l", boundaries=boundaries_2025)


def test_a_map_without_boundaries_reads_the_snapshots_boundary_file(boundaries_2025):
    """What a figure re-drawn from its CSV alone relies on: the committed boundary file."""
    data = pd.DataFrame({"gm_code": boundaries_2025["gm_code"], "verdict": "within"})
    fig = geo.categorical_map(data, column="verdict", colours={"within": "#efe6cf"}, title="t", legend_title="l")
    assert _legend_texts(fig) == [f"within ({len(boundaries_2025)})"]
