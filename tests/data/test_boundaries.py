"""Municipal boundaries: simplification of the real CBS/Kadaster files, stable output."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

gpd = pytest.importorskip("geopandas")

from jeugdzorg.data import boundaries as geo  # noqa: E402
from jeugdzorg.errors import InputDataError  # noqa: E402
from jeugdzorg.paths import default_raw_dir  # noqa: E402

GEO_DIR = default_raw_dir() / "geo"
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
    assert len(lines) == 1 + len(boundaries_2025) + 1
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


def test_every_municipality_of_the_register_needs_a_feature(tmp_path, tables):
    """A feature lost from the file would drop a municipality from every map without a word."""
    register = tables["register"][tables["register"]["year"] == 2025]

    def lose(features):
        features[:] = [f for f in features if f["properties"]["statcode"] != "GM0193"]

    with pytest.raises(InputDataError, match=r"1 municipality of the register of 2025 has no feature: GM0193") \
            as caught:
        geo.simplify_boundaries(_edited(tmp_path, lose), "geo/gemeente_2025.geojson", register=register)
    assert (caught.value.file, caught.value.column) == ("geo/gemeente_2025.geojson", "statcode")
