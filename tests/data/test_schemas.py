"""Every snapshot table has a schema, and the schemas catch what they are meant to catch."""

from __future__ import annotations

import pandera.errors
import pytest

from jeugdzorg.data.registry import TABLES, validate_tables


def test_every_column_of_every_table_is_declared_and_described(tables):
    for name, table in TABLES.items():
        assert list(tables[name].columns) == table.columns, name
        for column, spec in table.schema.columns.items():
            assert spec.description, f"{name}.{column} has no description"
        assert set(table.keys) <= set(table.columns), name


def test_tables_read_back_with_their_declared_types(tables):
    for name, table in TABLES.items():
        for column in table.integer_columns:
            assert str(tables[name][column].dtype) == "int64", (name, column)
        for column in table.text_columns:
            assert tables[name][column].map(type).eq(str).all(), (name, column)


def test_committed_snapshot_is_valid(tables):
    validate_tables(tables)


def _with_cell(tables, name, row, column, value):
    copy = {k: v.copy() for k, v in tables.items()}
    copy[name].loc[row, column] = value
    return copy


@pytest.mark.parametrize("name, column, value, expected", [
    ("costs", "realised_keur", -1.0, "greater_than_or_equal_to"),
    ("use_pct", "pct_youth_with_jeugdhulp", 130.0, "in_range"),
    ("register", "urbanity", 7, "isin"),
    ("register", "jz_region_code", "XX01", "str_matches"),
])
def test_schema_violations_are_caught(tables, name, column, value, expected):
    with pytest.raises(pandera.errors.SchemaErrors, match=expected):
        validate_tables(_with_cell(tables, name, 5, column, value))


def test_duplicate_keys_are_caught(tables):
    broken = _with_cell(tables, "costs", 0, "year", tables["costs"].loc[1, "year"])
    broken["costs"].loc[0, "gm_code"] = tables["costs"].loc[1, "gm_code"]
    with pytest.raises(pandera.errors.SchemaErrors, match="unique"):
        validate_tables(broken)


def test_codes_unknown_to_every_register_are_caught(tables):
    broken = _with_cell(tables, "drivers", 0, "gm_code", "GM9999")
    with pytest.raises(ValueError, match="GM9999"):
        validate_tables(broken)


def test_snapshot_boundaries_match_the_latest_register(tables):
    from jeugdzorg.data.snapshot import load_boundaries

    boundaries = load_boundaries()
    register = tables["register"]
    latest = set(register.loc[register["year"] == register["year"].max(), "gm_code"])
    assert set(boundaries["gm_code"]) == latest
    assert boundaries.geometry.is_valid.all()
