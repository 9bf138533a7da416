"""Harmonisation to one boundary year: chains, splits, sums of parts, weighted means."""

from __future__ import annotations

import pandas as pd
import pytest

from jeugdzorg.data.mergers import SUM, Rule, check_register_changes, harmonise, successor_shares
from jeugdzorg.errors import InputDataError


@pytest.fixture(scope="module")
def mergers(tables):
    frame = tables["mergers"].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


@pytest.fixture(scope="module")
def codes_2025(tables):
    register = tables["register"]
    return set(register.loc[register.year == 2025, "gm_code"])


def test_merger_passes_the_whole_municipality_on(mergers):
    # Bussum joined Gooise Meren on 2016-01-01.
    assert successor_shares("GM0381", 2015, 2025, mergers) == {"GM1942": 1.0}
    # Its 2016 data already belong to Gooise Meren's period: nothing to do.
    assert successor_shares("GM1942", 2016, 2025, mergers) == {"GM1942": 1.0}


def test_mid_year_changes_apply_to_that_year(mergers):
    # De Friese Meren became De Fryske Marren on 2015-07-01; Weesp joined Amsterdam on 2022-03-24.
    assert successor_shares("GM1921", 2015, 2025, mergers) == {"GM1940": 1.0}
    assert successor_shares("GM0457", 2022, 2025, mergers) == {"GM0363": 1.0}
    assert successor_shares("GM0457", 2022, 2022, mergers) == {"GM0457": 1.0}


def test_split_shares_sum_to_one(mergers):
    splits = mergers[mergers.kind == "split"]
    for code in splits.old_code.unique():
        year = int(splits.loc[splits.old_code == code, "date"].dt.year.iat[0]) - 1
        shares = successor_shares(code, year, 2025, mergers)
        assert len(shares) > 1
        assert sum(shares.values()) == pytest.approx(1.0)


def test_harmonised_costs_are_the_sum_of_their_parts(tables, mergers, codes_2025):
    costs = tables["costs"]
    out = harmonise(costs, {"realised_keur": SUM, "budgeted_keur": SUM}, mergers, codes_2025, 2025)
    assert not out.duplicated(["gm_code", "year"]).any()
    assert set(out.gm_code) <= codes_2025
    # Altena (GM1959, 2019) = Aalburg + Werkendam + Woudrichem in 2018.
    parts = costs[(costs.year == 2018) & costs.gm_code.isin(["GM0738", "GM0870", "GM0874"])]
    altena = out[(out.gm_code == "GM1959") & (out.year == 2018)].iloc[0]
    assert altena.constituents == "GM0738+GM0870+GM0874"
    assert altena.realised_keur == pytest.approx(parts.realised_keur.sum())
    # Sums are unchanged wherever every constituent reported (splits aside).
    complete = out.dropna(subset=["realised_keur"])
    for year in (2021, 2022):  # no split after 2020, so every part is whole
        originals = costs[(costs.year == year)].dropna(subset=["realised_keur"])
        kept = complete[complete.year == year]
        covered = set("+".join(kept.constituents).split("+"))
        assert kept.realised_keur.sum() == pytest.approx(
            originals[originals.gm_code.isin(covered)].realised_keur.sum())


def test_a_merged_total_is_missing_when_a_part_is_missing(mergers):
    table = pd.DataFrame({"gm_code": ["GM0381", "GM0424", "GM0425"], "year": 2015,
                          "realised_keur": [10.0, None, 5.0]})
    out = harmonise(table, {"realised_keur": SUM}, mergers, {"GM1942"}, 2025)
    assert out.realised_keur.isna().all()


def test_percentages_are_reweighted_by_their_denominator(mergers):
    table = pd.DataFrame({"gm_code": ["GM0381", "GM0424", "GM0425", "NL01"], "year": 2015,
                          "pct": [10.0, 20.0, 40.0, 12.0], "youth": [100.0, 300.0, 100.0, None]})
    out = harmonise(table, {"pct": Rule("mean", "youth"), "youth": SUM}, mergers, {"GM1942"}, 2025)
    gooise = out[out.gm_code == "GM1942"].iloc[0]
    assert gooise.pct == pytest.approx((10 * 100 + 20 * 300 + 40 * 100) / 500)
    assert gooise.youth == 500
    assert out[out.gm_code == "NL01"].pct.iat[0] == 12.0


def test_split_municipality_is_divided_by_its_shares(mergers):
    split = mergers[mergers.kind == "split"].iloc[0]
    year = split.date.year - 1
    table = pd.DataFrame({"gm_code": [split.old_code], "year": [year], "count": [1000.0]})
    successors = set(mergers.loc[mergers.old_code == split.old_code, "new_code"])
    later = set()
    for code in successors:
        later |= set(successor_shares(code, split.date.year, 2025, mergers))
    out = harmonise(table, {"count": SUM}, mergers, later, 2025)
    assert out["count"].sum() == pytest.approx(1000.0)
    assert len(out) == len(later)


def test_boundary_year_before_a_reorganisation_in_the_data_is_refused(tables, mergers):
    costs = tables["costs"]
    register = tables["register"]
    codes_2018 = set(register.loc[register.year == 2018, "gm_code"])
    with pytest.raises(ValueError, match="cannot be expressed in the boundaries of 2018"):
        harmonise(costs, {"realised_keur": SUM}, mergers, codes_2018, 2018)


# ------------------------------------------------------------------------------------------------
# registers against the reorganisations

REGISTERS = {2024: "cbs/85755NED.csv", 2025: "cbs/86059NED.csv"}


def _registers(tables, change) -> pd.DataFrame:
    register = tables["register"][tables["register"]["year"].isin(REGISTERS)]
    later = register["year"] == 2025
    return pd.concat([register[~later], change(register[later])], ignore_index=True)


def test_the_registers_follow_from_the_reorganisations(tables, mergers):
    years = sorted(int(y) for y in tables["register"]["year"].unique())
    check_register_changes(tables["register"], mergers, {y: f"register {y}" for y in years},
                           "mergers.csv")


def test_a_municipality_lost_from_a_register_blames_that_register(tables, mergers):
    register = _registers(tables, lambda r: r[r["gm_code"] != "GM0193"])
    with pytest.raises(InputDataError, match=r"GM0193 \(Zwolle\) of the 2024 register.*cut short") as err:
        check_register_changes(register, mergers, REGISTERS, "mergers.csv")
    assert err.value.file == "cbs/86059NED.csv"


def test_a_municipality_no_reorganisation_creates_blames_that_register(tables, mergers):
    register = _registers(tables, lambda r: r.replace({"gm_code": {"GM0193": "GM0194"}}))
    with pytest.raises(InputDataError, match="GM0193") as err:  # the old code is lost first
        check_register_changes(register, mergers, REGISTERS, "mergers.csv")
    assert err.value.file == "cbs/86059NED.csv"
    extra = _registers(tables, lambda r: pd.concat([r, r[r["gm_code"] == "GM0193"].assign(gm_code="GM0194")]))
    with pytest.raises(InputDataError, match=r"GM0194 \(Zwolle\) is new in the 2025 register.*no reorganisation") \
            as err:
        check_register_changes(extra, mergers, REGISTERS, "mergers.csv")
    assert err.value.file == "cbs/86059NED.csv"
