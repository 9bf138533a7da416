"""The estimation panel: keys, units, harmonised totals, derived drivers."""

from __future__ import annotations

import numpy as np
import pytest

from jeugdzorg.analysis import panel as P
from jeugdzorg.analysis.descriptives import without_reported_zeros


@pytest.fixture(scope="module")
def built(tables):
    return P.build_panel(tables)


def test_one_row_per_municipality_and_year_in_the_boundary_year(built, tables):
    assert built.index.is_unique and built.index.is_monotonic_increasing
    register = tables["register"]
    latest = set(register.loc[register["year"] == register["year"].max(), "gm_code"])  # the default boundaries
    assert set(built.index.get_level_values("gm_code")) <= latest
    assert built["jz_region_code"].notna().all() and built["name"].notna().all()


def test_merged_municipality_cost_is_the_sum_of_its_parts(built, tables):
    costs, _ = without_reported_zeros(tables["costs"])
    # Land van Cuijk (GM1982, 2022-01-01) = Boxmeer, Cuijk, Grave, Mill en Sint Hubert, Sint Anthonis.
    row = built.loc[("GM1982", 2021)]
    parts = row["constituents"].split("+")
    assert len(parts) == 5
    original = costs[(costs.year == 2021) & costs.gm_code.isin(parts)]
    assert row["realised_keur"] == pytest.approx(original["realised_keur"].sum())
    youth = tables["drivers"].query("variable == 'inhabitants_0_17' and edition == 2021")
    assert row["inhabitants_0_17"] == pytest.approx(youth[youth.gm_code.isin(parts)]["value"].sum())


@pytest.mark.parametrize("code, year", [("GM1982", 2019), ("GM1979", 2020), ("GM1991", 2021), ("GM0439", 2019)])
def test_merged_municipality_without_every_part_has_no_cost(built, code, year):
    """Land van Cuijk 2019 had cost from 2 of its 5 parts: a partial total must not enter the panel."""
    assert (code, year) not in built.index


def test_youth_population_is_consistent_across_editions(built):
    # The 2019 edition's 'InwonersTot18Jaar' is 5% above its neighbours; 2019 is interpolated.
    wide = built["inhabitants_0_17"].unstack("year").loc[:, 2018:2022].dropna()
    assert len(wide) > 250
    assert wide.sum().pct_change().dropna().abs().max() < 0.03


def test_national_totals_survive_harmonisation(built, tables):
    costs, _ = without_reported_zeros(tables["costs"])
    for year in (2021, 2022):
        harmonised = built.xs(year, level="year")
        covered = set("+".join(harmonised["constituents"]).split("+"))
        original = costs[(costs.year == year) & costs.gm_code.isin(covered)]
        assert harmonised["realised_keur"].sum() == pytest.approx(original["realised_keur"].sum())


def test_outcome_and_driver_units(built):
    row = built.loc[("GM0344", 2022)]  # Utrecht
    assert row["cost_per_youth"] == pytest.approx(1000 * row["realised_keur"] / row["inhabitants_0_17"])
    assert row["log_cost_per_youth"] == pytest.approx(np.log(row["cost_per_youth"]))
    assert 0 < row["low_income_minors_pct"] < 100 and 0 < row["single_parent_pct"] < 100
    assert 15 < row["income_with_children_keur"] < 60  # EUR 1,000
    sample = P.estimation_sample(built, "log_cost_per_youth", list(P.DRIVER_NAMES))
    assert sample["cost_per_youth"].between(100, 10_000).all()


def test_driver_lag_shifts_the_edition(tables):
    now = P.build_panel(tables, first_year=2020, last_year=2020)
    lagged = P.build_panel(tables, first_year=2020, last_year=2020, driver_lag=1)
    earlier = P.build_panel(tables, first_year=2019, last_year=2019)
    code = "GM0344"
    assert lagged.loc[(code, 2020), "bijstand_pct"] == pytest.approx(earlier.loc[(code, 2019), "bijstand_pct"])
    assert lagged.loc[(code, 2020), "bijstand_pct"] != now.loc[(code, 2020), "bijstand_pct"]


def test_frozen_criteria_are_recognised_as_time_invariant(built):
    sample = P.estimation_sample(built.loc[(slice(None), slice(2018, None)), :], "log_cost_per_youth",
                                 list(P.DRIVER_NAMES))
    varying = P.time_varying(sample, list(P.DRIVER_NAMES))
    assert "income_with_children_keur" not in varying and "low_income_minors_pct" not in varying
    assert "psych_medication_per_100" in varying


def test_implausible_costs_are_flagged_not_silently_kept(built):
    known = built.dropna(subset=["cost_per_youth"])
    flagged = known[~P.plausible_cost(known)]
    # a few, not many (e.g. Kerkrade reported EUR 187 thousand for 6,700 young inhabitants in 2021)
    assert 0 < len(flagged) < 0.05 * len(known)


def test_alternative_boundary_year_and_refusal_of_unknown_year(tables):
    register = tables["register"]
    years = sorted(register["year"].unique())
    older = P.build_panel(tables, boundary_year=years[-2])
    assert older.index.get_level_values("gm_code").nunique() <= (register["year"] == years[-2]).sum()
    with pytest.raises(ValueError, match=f"no municipality register for boundary year {years[0] - 1}"):
        P.build_panel(tables, boundary_year=years[0] - 1)
