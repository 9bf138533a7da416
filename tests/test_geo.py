"""Municipal boundaries: simplification of the real CBS/Kadaster files, stable output, choropleths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")

from matplotlib.figure import Figure  # noqa: E402

from jeugdzorg import geo  # noqa: E402
from jeugdzorg.errors import InputDataError  # noqa: E402
from jeugdzorg.paths import DEFAULT_RAW_DIR  # noqa: E402

GEO_DIR = DEFAULT_RAW_DIR / "geo"
YEARS = (2023, 2025)
ONE_MB = 1_000_000


def _raw_file(year: int) -> Path:
    path = GEO_DIR / f"gemeente_{year}.geojson"
    if not path.is_file():
        pytest.skip(f"raw boundaries not available at {path}")
    return path


@pytest.fixture(scope="module", params=YEARS)
def simplified(request) -> tuple[int, gpd.GeoDataFrame]:
    year = request.param
    return year, geo.simplify_boundaries(_raw_file(year), f"geo/gemeente_{year}.geojson")


@pytest.fixture(scope="module")
def boundaries_2025() -> gpd.GeoDataFrame:
    return geo.simplify_boundaries(_raw_file(2025), "geo/gemeente_2025.geojson")


def _raw_features(year: int) -> list[dict]:
    return json.loads(_raw_file(year).read_text(encoding="utf-8"))["features"]


# ------------------------------------------------------------------------------------------------
# simplification of the real files


def test_one_valid_shape_per_municipality(simplified):
    year, frame = simplified
    raw_codes = [feature["properties"]["statcode"] for feature in _raw_features(year)]
    assert len(frame) == len(raw_codes) == 342
    assert list(frame.columns) == ["gm_code", "name", "geometry"]
    assert frame["gm_code"].is_unique
    assert list(frame["gm_code"]) == sorted(raw_codes)
    assert frame.crs.equals(geo.WGS84)
    assert frame.geometry.is_valid.all(), frame.loc[~frame.geometry.is_valid, "gm_code"].tolist()
    assert not frame.geometry.is_empty.any()
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}


def test_simplification_keeps_the_area(simplified):
    year, frame = simplified
    raw = gpd.read_file(_raw_file(year)).to_crs(geo.RD_NEW)
    raw_area = raw.geometry.make_valid().area.sum()
    assert frame.to_crs(geo.RD_NEW).area.sum() == pytest.approx(raw_area, rel=0.01)


def test_written_file_is_small_and_byte_stable(boundaries_2025, tmp_path):
    first, second = tmp_path / "a.geojson", tmp_path / "b.geojson"
    geo.write_boundaries(boundaries_2025, first)
    # A shuffled frame must give the same bytes: the writer sorts.
    geo.write_boundaries(boundaries_2025.sample(frac=1.0, random_state=3), second)
    assert first.stat().st_size < ONE_MB
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob(".*tmp*")), "temporary file left behind"

    again = geo.read_boundaries(first)
    assert list(again.columns) == ["gm_code", "name", "geometry"]
    assert again.crs.equals(geo.WGS84)
    assert list(again["gm_code"]) == list(boundaries_2025["gm_code"])
    assert list(again["name"]) == list(boundaries_2025["name"])
    assert again.geometry.is_valid.all()
    # Reading and writing again changes nothing: the coordinates were already rounded.
    third = tmp_path / "c.geojson"
    geo.write_boundaries(again, third)
    assert third.read_bytes() == first.read_bytes()


def test_coordinates_have_at_most_five_decimals(boundaries_2025, tmp_path):
    path = tmp_path / "b.geojson"
    geo.write_boundaries(boundaries_2025, path)
    text = path.read_text(encoding="utf-8")
    assert re.search(r"\d\.\d{6,}", text) is None
    lines = text.splitlines()
    # Header, one feature per line (readable diffs), closing line.
    assert len(lines) == 1 + 342 + 1
    assert all(line.startswith('{"geometry":') for line in lines[1:-1])


# ------------------------------------------------------------------------------------------------
# bad raw files


def _edited(tmp_path: Path, change) -> Path:
    document = json.loads(_raw_file(2025).read_text(encoding="utf-8"))
    change(document["features"])
    path = tmp_path / "gemeente_2025.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_renamed_property_names_the_file_and_property(tmp_path):
    def rename(features):
        for feature in features:
            feature["properties"]["naam"] = feature["properties"].pop("statnaam")

    path = _edited(tmp_path, rename)
    with pytest.raises(InputDataError, match="statnaam") as caught:
        geo.simplify_boundaries(path, "geo/gemeente_2025.geojson")
    assert caught.value.file == "geo/gemeente_2025.geojson"
    assert caught.value.column == "statnaam"
    assert "naam" in caught.value.message  # what is there instead


def test_bad_statcode_names_the_file_and_feature(tmp_path):
    def corrupt(features):
        features[6]["properties"]["statcode"] = "GM34"

    path = _edited(tmp_path, corrupt)
    with pytest.raises(InputDataError, match="GM34") as caught:
        geo.simplify_boundaries(path, "geo/gemeente_2025.geojson")
    assert caught.value.file == "geo/gemeente_2025.geojson"
    assert caught.value.row == 7  # 1-based feature number
    assert caught.value.column == "statcode"


def test_duplicate_statcode_is_an_error(tmp_path):
    def duplicate(features):
        features[2]["properties"]["statcode"] = features[1]["properties"]["statcode"]

    with pytest.raises(InputDataError, match="features 2 and 3"):
        geo.simplify_boundaries(_edited(tmp_path, duplicate), "geo/x.geojson")


def test_not_a_feature_collection(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(InputDataError, match="not valid JSON") as caught:
        geo.simplify_boundaries(path, "geo/broken.geojson")
    assert caught.value.file == "geo/broken.geojson"


# ------------------------------------------------------------------------------------------------
# classification


@pytest.mark.parametrize("classes", [2, 3, 4, 5, 7])
def test_quantile_bins_are_monotonic_and_complete(classes):
    values = np.random.default_rng(classes).lognormal(7.0, 0.3, 342)
    edges = geo.class_bins(values, classes, "quantiles")
    assert len(edges) == classes + 1
    assert np.all(np.diff(edges) > 0)
    assert edges[0] <= values.min() and edges[-1] >= values.max()
    numbers = geo.assign_classes(values, edges)
    assert set(numbers) == set(range(classes))


def test_quantile_bins_ignore_missing_and_survive_ties():
    values = pd.Series([1.0, 1.0, 1.0, 2.0, np.nan])
    edges = geo.class_bins(values, 5, "quantiles")
    assert np.all(np.diff(edges) > 0)
    assert len(edges) - 1 <= 5
    assert geo.assign_classes(values.to_numpy(), edges)[-1] == -1


def test_fixed_bins_are_used_as_given():
    assert geo.class_bins([1, 2, 3], 9, "fixed", bins=[0, 1000, 1500]) == [0.0, 1000.0, 1500.0]
    with pytest.raises(ValueError, match="increasing"):
        geo.class_bins([1, 2, 3], 3, "fixed", bins=[0, 2, 1])
    with pytest.raises(ValueError, match="needs bins"):
        geo.class_bins([1, 2, 3], 3, "fixed")
    with pytest.raises(ValueError, match="symmetric"):
        geo.class_bins([1, 2, 3], 3, "fixed", bins=[-1, 0, 2], diverging=True)


@pytest.mark.parametrize("classes", [4, 5, 6])
def test_diverging_bins_are_symmetric(classes):
    values = np.random.default_rng(1).normal(3.0, 12.0, 342)
    edges = np.asarray(geo.class_bins(values, classes, "quantiles", diverging=True))
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


def test_choropleth_marks_missing_municipalities(boundaries_2025):
    codes = boundaries_2025["gm_code"]
    values = pd.Series(np.linspace(800.0, 2400.0, len(codes)), index=codes).iloc[1:]  # one missing
    fig = geo.choropleth(boundaries_2025, values, title="Kosten per jongere, 2023",
                         legend_title="Kosten per jongere (€)", missing_label="geen gegevens")
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
    fig = geo.choropleth(boundaries_2025, values, title="t", legend_title="l", scheme="fixed",
                         bins=[0, 100, 200, 341])
    assert _legend_texts(fig) == ["0 – 100", "100 – 200", "200 – 341"]


def test_diverging_choropleth_is_symmetric(boundaries_2025):
    values = pd.Series(np.random.default_rng(2).normal(0.0, 10.0, len(boundaries_2025)),
                       index=boundaries_2025["gm_code"])
    fig = geo.choropleth(boundaries_2025, values, title="t", legend_title="%", diverging=True,
                         classes=4)
    texts = _legend_texts(fig)
    assert len(texts) == 4
    assert texts[1].endswith("– 0") and texts[2].startswith("0 –")


def test_choropleth_refuses_codes_of_another_boundary_year(boundaries_2025):
    values = pd.Series([1.0, 2.0], index=["GM0014", "GM9999"])
    with pytest.raises(ValueError, match="GM9999"):
        geo.choropleth(boundaries_2025, values, title="t", legend_title="l")
