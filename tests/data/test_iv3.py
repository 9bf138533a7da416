"""Iv3 budgets and accounts: strict reading, the youth care-category mapping and the care mix."""

from __future__ import annotations

import ast
import inspect

import pandas as pd
import pytest

from jeugdzorg.data import iv3
from jeugdzorg.errors import InputDataError
from jeugdzorg.data.snapshot import municipality_names

REQUIRED_YEARS = {2023, 2024, 2025}
#: CBS 83454NED, realised youth-care costs 2022 (data/costs.csv): EUR 4.8 billion.
CBS_2022_REALISED_EUR = 4.8e9
HEADER = ("Gemeenten;Taakveld;L1.1 Salarissen en sociale lasten;Baten;Lasten;Provincie;Gemeentegrootte;"
          "Stedelijkheid;Inwonertal\n")


@pytest.fixture(scope="module")
def names(raw_dir):
    return municipality_names(raw_dir)


@pytest.fixture(scope="module")
def frames(raw_dir, names) -> dict[tuple[int, str], pd.DataFrame]:
    out = {}
    for year, kind in iv3.available_iv3(raw_dir):
        name = f"iv3/{year}_{kind}.csv"
        out[(year, kind)] = iv3.read_iv3(raw_dir / name, name, kind, year, names)
    return out


def test_files_cover_every_municipality_and_drop_the_national_row(frames, names):
    assert REQUIRED_YEARS <= {year for year, _ in frames}
    for (year, kind), frame in frames.items():
        assert set(frame["gm_code"]) == names.known_codes(year), (year, kind)
        assert frame["kind"].eq(iv3.KINDS[kind]).all()
        assert not frame.duplicated(["gm_code", "task_field"]).any()
        # Iv3 files are complete grids: every municipality reports every task field
        assert len(frame) == frame["gm_code"].nunique() * frame["task_field"].nunique()


def test_national_row_is_kept_on_request(raw_dir, names):
    name = "iv3/2023_jaarrekening.csv"
    frame = iv3.read_iv3(raw_dir / name, name, "realised", 2023, names, keep_national=True)
    national = frame[frame["gm_code"] == iv3.NATIONAL_CODE].set_index("task_field")["lasten_keur"]
    municipal = frame[frame["gm_code"] != iv3.NATIONAL_CODE].groupby("task_field")["lasten_keur"].sum()
    pd.testing.assert_series_equal(national.sort_index(), municipal.sort_index(), check_names=False)


def test_youth_fields_are_found_in_both_structures(frames):
    old = ["6.72", "6.72a", "6.72b", "6.72c", "6.72d", "6.73a", "6.73b", "6.73c", "6.74a", "6.74b",
           "6.74c", "6.82", "6.82a", "6.82b"]
    new = ["6.22", "6.751", "6.752", "6.753", "6.761", "6.762", "6.763", "6.792", "6.821", "6.822", "6.92"]
    for (year, kind), frame in frames.items():
        expected = old if year < 2025 else new
        assert iv3.youth_task_fields(frame) == expected, (year, kind)
        # mixed youth/adult access is not a youth field
        assert not {"6.2", "6.23"} & set(iv3.youth_task_fields(frame))


def test_mapping_covers_every_youth_field_exactly_once(frames):
    seen: set[str] = set()
    for (year, kind), frame in frames.items():
        assert iv3.unmapped_youth_fields(frame) == [], (year, kind)
        seen |= set(iv3.youth_task_fields(frame))
    # no stale or mistyped entries: every mapped field is a youth field of some file
    assert set(iv3.CARE_CATEGORIES) == seen
    assert set(iv3.CARE_CATEGORIES.values()) == set(iv3.CATEGORIES)
    assert not set(iv3.EXCLUDED_FIELDS) & set(iv3.CARE_CATEGORIES)
    # a key written twice in the dict literal would silently keep only the last category
    tree = ast.parse(inspect.getsource(iv3))
    literal = next(node.value for node in ast.walk(tree)
                   if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "CARE_CATEGORIES")
    keys = [key.value for key in literal.keys]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


def test_care_mix_totals_equal_the_mapped_task_field_lasten(frames):
    for key, frame in frames.items():
        mix = iv3.care_mix(frame)
        by_category = mix.groupby("gm_code")["lasten_keur"].sum()
        mapped = frame[frame["task_field"].isin(iv3.CARE_CATEGORIES)].groupby("gm_code")["lasten_keur"].sum()
        pd.testing.assert_series_equal(by_category, mapped, check_names=False)
        assert set(mix["category"]) <= set(iv3.CATEGORIES), key
        assert mix.groupby("gm_code").size().nunique() == 1, key  # same categories for everyone
    gr = frames[(2023, "jaarrekening")].query("gm_code == 'GM0014'").set_index("task_field")["lasten_keur"]
    mix = iv3.care_mix(frames[(2023, "jaarrekening")]).query("gm_code == 'GM0014'")
    residence = mix.loc[mix["category"] == iv3.WITH_RESIDENCE, "lasten_keur"].item()
    assert residence == gr[["6.73a", "6.73b", "6.73c", "6.74b", "6.74c", "6.82"]].sum()


def test_national_youth_total_2023_is_of_the_order_of_cbs(frames):
    mix = iv3.care_mix(frames[(2023, "jaarrekening")])
    by_category = mix.groupby("category")["lasten_keur"].sum() * 1000
    total = by_category.sum()
    print(f"\nIv3 2023 realised youth care: EUR {total / 1e9:.3f} bn "
          f"(CBS 83454NED 2022 realised: EUR {CBS_2022_REALISED_EUR / 1e9:.1f} bn)")
    print((by_category / 1e6).round(1).to_string())
    assert 4e9 < total < 8e9


def test_unknown_municipality_names_file_column_and_row(raw_dir, names, tmp_path):
    name = "iv3/2023_jaarrekening.csv"
    lines = (raw_dir / name).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("Aalsmeer;"))
    lines[index] = "Atlantis;" + lines[index][len("Aalsmeer;"):]
    copy = tmp_path / "2023_jaarrekening.csv"
    copy.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError, match="Atlantis") as err:
        iv3.read_iv3(copy, name, "jaarrekening", 2023, names)
    assert (err.value.file, err.value.column, err.value.row) == (name, "Gemeenten", index + 1)


def _write(tmp_path, rows: list[str]):
    path = tmp_path / "2023_begroting.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


ROW = "Aalsmeer;6.72a Jeugdhulp begeleiding;;0.0;{lasten};Noord-Holland;x;y;33000"


def test_non_numeric_amount_is_an_input_error(tmp_path, names):
    path = _write(tmp_path, [ROW.format(lasten="1.0"), ROW.format(lasten="n.v.t.").replace("6.72a", "6.72b")])
    with pytest.raises(InputDataError) as err:
        iv3.read_iv3(path, "iv3/2023_begroting.csv", "begroting", 2023, names)
    assert (err.value.column, err.value.row) == ("Lasten", 3)


def test_duplicate_task_field_is_an_input_error(tmp_path, names):
    path = _write(tmp_path, [ROW.format(lasten="1.0"), ROW.format(lasten="2.0")])
    with pytest.raises(InputDataError, match="6.72a") as err:
        iv3.read_iv3(path, "iv3/2023_begroting.csv", "begroting", 2023, names)
    assert (err.value.column, err.value.row) == ("Taakveld", 3)


def test_kind_must_agree_with_the_file_name(raw_dir, names):
    name = "iv3/2023_begroting.csv"
    with pytest.raises(InputDataError, match="read as realised 2023.*says begroting") as err:
        iv3.read_iv3(raw_dir / name, name, "jaarrekening", 2023, names)
    assert err.value.file == name


def test_care_mix_refuses_an_unmapped_youth_field(frames):
    frame = frames[(2025, "begroting")].copy()
    frame.loc[frame["task_field"] == "6.92", ["task_field", "task_field_label"]] = ["6.93", "Jeugd nieuw"]
    assert iv3.unmapped_youth_fields(frame) == ["6.93"]
    with pytest.raises(InputDataError, match="6.93"):
        iv3.care_mix(frame)
