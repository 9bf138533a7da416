"""Consumer prices: the published annual changes by default, CBS 83131NED when fetched, one table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jeugdzorg.data.cbs_api import V3_BASE, fetch_tables
from jeugdzorg.data.checks import Checks, check_chained_index
from jeugdzorg.data.snapshot import import_raw
from jeugdzorg.errors import InputDataError

RECORDING = Path(__file__).parent / "fixtures" / "v3-83131ned"
TABLE = "83131NED"


def fake_fetch():
    responses = {f"{V3_BASE}/{TABLE}/{name}?$format=json": json.loads((RECORDING / f"{name}.json").read_text())
                 for name in ("DataProperties", "Bestedingscategorieen", "TypedDataSet")}

    def fetch(url: str):
        return responses[url]
    return fetch


def test_default_prices_are_the_published_annual_changes(tables):
    prices = tables["prices"].set_index("year")
    assert set(prices["source"]) == {"cpi/cpi_annual.csv"}
    assert prices.at[2015, "cpi_index"] == 100.0
    # CPI +14% from 2019 to 2022 (research brief).
    assert prices.at[2022, "cpi_index"] / prices.at[2019, "cpi_index"] == pytest.approx(1.14, abs=0.01)


def test_a_fetched_83131ned_takes_precedence(raw_copy):
    written = fetch_tables([TABLE], raw_copy.path, fake_fetch())
    assert [p.name for p in written] == [f"{TABLE}.csv"]
    snapshot = import_raw(raw_copy.path)
    prices = snapshot.tables["prices"].set_index("year")
    assert set(prices["source"]) == {f"cbs/{TABLE}.csv"}
    assert list(prices.index) == list(range(2015, 2025))  # months and other categories skipped
    assert prices.at[2022, "cpi_index"] == pytest.approx(121.41)
    record = next(r for r in snapshot.inputs if r.role == "prices")
    assert record.file == f"cbs/{TABLE}.csv" and record.table == TABLE


def test_the_fetched_and_the_published_index_agree(raw_copy, tables):
    fetch_tables([TABLE], raw_copy.path, fake_fetch())
    fetched = import_raw(raw_copy.path).tables["prices"].set_index("year")["cpi_index"]
    published = tables["prices"].set_index("year")["cpi_index"]
    assert ((fetched / published - 1).abs() < 0.001).all()  # chained from rounded changes: within 0.1%


def test_an_index_must_follow_from_its_published_change():
    # CBS's own figures: 107.52 x 1.027 = 110.42, published 110.38 (the change is rounded from +2.66%).
    rounded = pd.DataFrame({"year": [2020, 2021], "cpi_index": [107.52, 110.38], "cpi_change_pct": [1.3, 2.7]})
    check_chained_index(rounded, "CPI_1", "JaarmutatieCPI_5", f"cbs/{TABLE}.csv", Checks())
    typo = pd.DataFrame({"year": [2021, 2022, 2023], "cpi_index": [110.40, 112.45, 126.06],
                         "cpi_change_pct": [2.7, 10.0, 3.8]}, index=[8, 9, 10])
    with pytest.raises(InputDataError, match=r"112\.45 of 2022 .* 110\.40 x \(1 \+ 10\.0%\) = 121\.44") as err:
        check_chained_index(typo, "CPI_1", "JaarmutatieCPI_5", f"cbs/{TABLE}.csv", Checks())
    assert (err.value.column, err.value.row) == ("CPI_1", 9)  # the first year that does not follow
