"""The numbers of the municipality pages, computed once for every municipality (real snapshot)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import need_benchmark as B
from jeugdzorg.analysis import budget
from jeugdzorg.analysis import estimation as E
from jeugdzorg.analysis import panel as P
from jeugdzorg.analysis import validation as V
from jeugdzorg.analysis.profiles import GROUP_KINDS, municipality_profiles, screened_budget


@pytest.fixture(scope="module")
def profiles(tables):
    return municipality_profiles(tables)


def test_every_municipality_of_the_boundary_year_once(profiles, tables):
    register = tables["register"]
    codes = set(register.loc[register["year"] == profiles.boundary_year, "gm_code"])
    assert set(profiles.municipalities.index) == codes and profiles.municipalities.index.is_unique
    assert list(profiles.municipalities["name"]) == sorted(profiles.municipalities["name"])
    assert set(profiles.cost.index.get_level_values("gm_code")) == codes
    assert len(profiles.cost) == len(codes) * len(profiles.years)


def test_years_follow_the_specification(profiles, tables):
    spec = E.resolve(tables, E.Specification())
    assert profiles.years[0] == spec.first_year
    costs = tables["costs"].dropna(subset=["realised_keur"])
    assert profiles.years[-1] == costs["year"].max()


def test_size_classes_are_the_benchmarks(profiles):
    """The class a page compares with is the class that sets the width of its interval."""
    bench = profiles.benchmark.table
    known = bench["size_class"].notna()
    assert (profiles.municipalities.loc[bench.index[known], "size_class"] == bench.loc[known, "size_class"]).all()
    # a municipality without a reported cost in the benchmark year still gets its class from inhabitants
    assert profiles.municipalities["size_class"].notna().all()
    assert set(profiles.municipalities["size_class"]) <= set(B.size_labels())


def test_group_medians_are_medians_of_plausible_costs(profiles):
    cost = profiles.cost.join(profiles.municipalities[["size_class", "jz_region"]], on="gm_code")
    year = profiles.years[-1]
    in_year = cost.xs(year, level="year")
    plausible = in_year.loc[in_year["plausible"], "cost_per_youth"]
    assert profiles.groups.at[("national", "Netherlands", year), "cost_median"] == pytest.approx(plausible.median())
    region = in_year.at["GM0363", "jz_region"]
    members = in_year[(in_year["jz_region"] == region) & in_year["plausible"]]["cost_per_youth"]
    assert profiles.groups.at[("region", region, year), "cost_median"] == pytest.approx(members.median())
    assert profiles.groups.at[("region", region, year), "cost_n"] == len(members)
    assert set(profiles.groups.index.get_level_values("kind")) == set(GROUP_KINDS)


def test_cost_matches_the_panel_and_plausibility(profiles, tables):
    panel = P.build_panel(tables, boundary_year=profiles.boundary_year, first_year=profiles.years[0])
    joined = profiles.cost.join(panel["cost_per_youth"].rename("panel"), how="left")
    both = joined.dropna(subset=["panel"])
    assert np.allclose(both["cost_per_youth"], both["panel"])
    assert not profiles.cost.loc[profiles.cost["cost_per_youth"].isna(), "plausible"].any()
    # a municipality-year without a reported cost is a gap, not a zero (e.g. Amsterdam 2019)
    costs = tables["costs"].set_index(["gm_code", "year"])["realised_keur"]
    unreported = costs.index[costs.isna()].intersection(profiles.cost.index)
    assert len(unreported) and profiles.cost.loc[unreported, "cost_per_youth"].isna().all()


def test_use_is_shown_where_no_cost_was_reported(profiles, tables):
    """A municipality that reports no realised cost (e.g. Rotterdam) may have known use of youth care:
    the page shows it."""
    cost = profiles.cost
    unreported = cost.groupby(level="gm_code")["cost_per_youth"].apply(lambda s: s.isna().all())
    codes = list(unreported.index[unreported])
    assert codes  # the snapshot has such a municipality; the rule is tested on each of them
    for code in codes:
        rows = cost.loc[code]
        assert rows["pct_youth_with_jeugdhulp"].notna().any() or rows["youths_in_care"].notna().any(), code
    panel = P.build_panel(tables, boundary_year=profiles.boundary_year, first_year=profiles.years[0])
    joined = profiles.cost[["pct_youth_with_jeugdhulp"]].join(panel["pct_youth_with_jeugdhulp"].rename("panel"))
    both = joined.dropna()
    assert len(both) > 1000 and np.allclose(both["pct_youth_with_jeugdhulp"], both["panel"])


def test_budget_screen_is_the_budget_chapters(profiles, tables):
    reported = budget.overspend_by_municipality(tables["costs"], tables["drivers"]).set_index(["gm_code", "year"])
    own = profiles.budget.join(reported["screened"].rename("reported"), how="inner")
    assert len(own) > 1000
    assert (own["screened"] == own["reported"]).all()
    assert own["screened"].any()
    national = budget.overspend_by_year(budget.overspend_by_municipality(tables["costs"], tables["drivers"]))
    assert profiles.national_budget["overspend_pct"].equals(national["overspend_pct"])


def test_a_merged_sum_is_screened_when_a_part_is(tables):
    """A recording error of one former municipality contaminates the sum of the merged one."""
    boundary = P.default_boundary_year(tables)
    panel = P.build_panel(tables, boundary_year=boundary)
    merged = panel[panel["constituents"].str.contains(r"\+", regex=True)].dropna(subset=["budgeted_keur"])
    code, year = merged.index[0]
    part = merged.at[(code, year), "constituents"].split("+")[0]
    costs = tables["costs"].copy()
    row = (costs["gm_code"] == part) & (costs["year"] == year)
    assert row.sum() == 1
    costs.loc[row, "budgeted_keur"] = costs.loc[row, "realised_keur"] / 10  # a budget in the wrong unit
    screened, _ = screened_budget(panel, {**tables, "costs": costs})
    assert screened.at[(code, year), "screened"]
    clean, _ = screened_budget(panel, tables)
    assert not clean.at[(code, year), "screened"]


def test_care_mix_shares(profiles):
    shares = profiles.care_mix["share_pct"].groupby(level="gm_code").sum()
    positive = profiles.care_mix["lasten_keur"].groupby(level="gm_code").sum() > 0
    assert np.allclose(shares[positive], 100)
    assert profiles.national_mix.sum() == pytest.approx(100)
    assert profiles.care_mix_year == int(profiles.accounts_years[1])


def test_flags_breaks_and_mergers(profiles, tables):
    pd.testing.assert_frame_equal(profiles.flags, V.municipality_flags(tables, profiles.boundary_year))
    assert profiles.residence.year == V.RESIDENCE_RULE_YEAR
    assert profiles.use_switch is not None and profiles.use_switch[2] == "85099NED"
    former = profiles.municipalities.at["GM1980", "former"]  # Dijk en Waard
    assert "Heerhugowaard" in former and "Langedijk" in former
    assert profiles.municipalities.at["GM0344", "former"] == ""  # Utrecht: no merger in these years


def test_benchmark_is_the_chapters(profiles, tables):
    bench = B.need_benchmark(tables, E.Specification())
    pd.testing.assert_frame_equal(profiles.benchmark.table, bench.table)
