"""Schemas for every tidy table of the snapshot (types, ranges, keys, known codes)."""

from __future__ import annotations

import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

GM = Check.str_matches(r"^GM\d{4}$")
REGION = Check.str_matches(r"^(GM\d{4}|NL01)$")
YEAR = Check.in_range(2010, 2100)
COUNT = Check.ge(0)
PERCENT = Check.in_range(0, 100)


def _nullable(check: Check) -> Column:
    return Column(float, check, nullable=True)


REGISTER = DataFrameSchema(
    {
        "year": Column(int, YEAR),
        "gm_code": Column(str, GM),
        "name": Column(str),
        "label": Column(str),
        "province_code": Column(str, Check.str_matches(r"^PV\d{2}$")),
        "province": Column(str),
        "jz_region_code": Column(str, Check.str_matches(r"^JZ\d{2}$")),
        "jz_region": Column(str),
        "corop_code": Column(str, Check.str_matches(r"^CR\d{2}$")),
        "corop": Column(str),
        "size_class": Column(str),
        "urbanity": Column(int, Check.isin([1, 2, 3, 4, 5])),
        "urbanity_label": Column(str),
        "inhabitants": Column(float, Check.gt(0)),
        "address_density": Column(float, COUNT),
    },
    unique=["year", "gm_code"], strict=True, ordered=True, name="register",
)

COSTS = DataFrameSchema(
    {
        "gm_code": Column(str, GM),
        "year": Column(int, YEAR),
        "budgeted_keur": _nullable(COUNT),
        "realised_keur": _nullable(COUNT),
    },
    unique=["gm_code", "year"], strict=True, ordered=True, name="costs",
)

USE_PCT = DataFrameSchema(
    {
        "region_code": Column(str, REGION),
        "year": Column(int, YEAR),
        "pct_youth_with_jeugdhulp": _nullable(PERCENT),
        "pct_jeugdhulp_with_residence": _nullable(PERCENT),
        "pct_youth_with_protection": _nullable(PERCENT),
        "pct_protection_and_residence": _nullable(COUNT),
        "pct_youth_with_probation": _nullable(PERCENT),
    },
    unique=["region_code", "year"], strict=True, ordered=True, name="use_pct",
)

USE_COUNTS = DataFrameSchema(
    {
        "region_code": Column(str, REGION),
        "year": Column(int, YEAR),
        "youths_in_care": _nullable(COUNT),
        "pct_youth_0_22_in_care": _nullable(PERCENT),
    },
    unique=["region_code", "year"], strict=True, ordered=True, name="use_counts",
)

DRIVERS = DataFrameSchema(
    {
        "gm_code": Column(str, GM),
        "edition": Column(int, YEAR),
        "variable": Column(str),
        "value": _nullable(COUNT),
        "reference_period": Column(str, nullable=True),
        "status": Column(str, nullable=True),
        "source_table": Column(str),
        "source_column": Column(str),
    },
    unique=["gm_code", "edition", "variable"], strict=True, ordered=True, name="drivers",
)

MERGERS = DataFrameSchema(
    {
        "date": Column(str, Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "old_code": Column(str, GM),
        "old_name": Column(str),
        "new_code": Column(str, GM),
        "new_name": Column(str),
        "kind": Column(str, Check.isin(["merger", "split"])),
        "share": Column(float, Check.in_range(0, 1, include_min=False)),
        "note": Column(str, nullable=True),
    },
    unique=["date", "old_code", "new_code"], strict=True, ordered=True, name="mergers",
)

OBJECTIVE_MODEL = DataFrameSchema(
    {
        "gm_code": Column(str, GM),
        "circular": Column(str, Check.str_matches(r"^[MS]\d{4}$")),
        "year": Column(int, YEAR),
        "uitkeringsfactor": Column(float, Check.in_range(0.5, 3)),
        "computed_eur": Column(float),
        "siudu_eur": Column(float, nullable=True),
        "published_eur": Column(float, nullable=True),
    },
    unique=["gm_code", "circular", "year"], strict=True, ordered=True, name="objective_model",
)

CARE_MIX = DataFrameSchema(
    {
        "gm_code": Column(str, GM),
        "year": Column(int, YEAR),
        "kind": Column(str, Check.isin(["realised", "budgeted"])),
        "category": Column(str),
        "lasten_keur": Column(float),
    },
    unique=["gm_code", "year", "kind", "category"], strict=True, ordered=True, name="care_mix",
)

SCHEMAS: dict[str, DataFrameSchema] = {
    "register": REGISTER, "costs": COSTS, "use_pct": USE_PCT, "use_counts": USE_COUNTS,
    "drivers": DRIVERS, "mergers": MERGERS, "objective_model": OBJECTIVE_MODEL, "care_mix": CARE_MIX,
}


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Validate every table against its schema, and every code against the register.

    Raises
    ------
    pandera.errors.SchemaErrors
        Listing every failing check (lazy validation), or ``ValueError`` for codes that no register
        year knows.
    """
    for name, schema in SCHEMAS.items():
        schema.validate(tables[name], lazy=True)
    known = set(tables["register"]["gm_code"])
    for name, column in (("costs", "gm_code"), ("use_pct", "region_code"),
                         ("use_counts", "region_code"), ("drivers", "gm_code")):
        codes = set(tables[name][column]) - known - {"NL01"}
        if codes:
            raise ValueError(f"table {name}: codes unknown to every register year: {sorted(codes)[:5]}")
    register_years = {(y, c) for y, c in tables["register"][["year", "gm_code"]].itertuples(index=False)}
    last = tables["register"]["year"].max()
    editions = tables["drivers"][["edition", "gm_code"]].drop_duplicates()
    stray = [(e, c) for e, c in editions.itertuples(index=False) if (min(e, last), c) not in register_years]
    if stray:
        raise ValueError(f"table drivers: municipalities not in the register of their edition: {stray[:5]}")
