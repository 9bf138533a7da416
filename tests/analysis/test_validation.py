"""The data-validity rules: each on small synthetic cases, then what they do on the real snapshot.

Synthetic cases test the rules' properties (a shared-service pair, a host municipality, an
implausible budget, a regional body, a care-mix contrast); the real snapshot is used only for what
holds in any edition (which flags keep a municipality out of rankings, the accounts comparison, the
residence rule), never to pin which municipalities are flagged or how many.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import budget, trends, validation
from jeugdzorg.analysis import flags as flag_records
from jeugdzorg.analysis.prices import deflator
from jeugdzorg.analysis.reconciliation import reconcile
from jeugdzorg.data.iv3 import COMPARABLE_CATEGORIES, PROTECTION, WITH_RESIDENCE, WITHOUT_RESIDENCE


def _national(n: int = 60, seed: int = 1) -> pd.DataFrame:
    """``n`` ordinary municipalities: accounts 1.2 x CBS with a little noise, ~EUR 10,000 per client."""
    rng = np.random.default_rng(seed)
    cbs = rng.uniform(2_000, 80_000, n)
    ratio = 1.2 * np.exp(rng.normal(0, 0.08, n))
    clients = cbs * 1000 / (10_000 * np.exp(rng.normal(0, 0.15, n)))
    return pd.DataFrame({"cbs_keur": cbs, "accounts_keur": cbs * ratio, "ratio": ratio,
                         "cbs_per_client": 1000 * cbs / clients},
                        index=[f"GM{9000 + i:04d}" for i in range(n)])


# -- accounts against 83454NED -------------------------------------------------------------------

def test_a_shared_service_pair_is_flagged_and_ordinary_municipalities_are_not():
    table = _national()
    # Two members of one shared-service body: CBS sees a third of what their accounts book.
    pair = pd.DataFrame({"cbs_keur": [4_000.0, 5_000.0], "accounts_keur": [13_200.0, 19_000.0],
                         "ratio": [3.3, 3.8], "cbs_per_client": [3_900.0, 4_100.0]}, index=["GM8001", "GM8002"])
    result = validation.accounts_rule(pd.concat([table, pair]))
    assert set(result.index[result["flag"] != ""]) == {"GM8001", "GM8002"}
    assert (result.loc[["GM8001", "GM8002"], "flag"] == "accounts_mismatch").all()


def test_the_band_is_robust_to_the_outliers_it_looks_for():
    """Adding ten extreme municipalities must not widen the band so much that they pass."""
    table = _national()
    extremes = pd.DataFrame({"cbs_keur": 1_000.0, "accounts_keur": 15_000.0, "ratio": 15.0, "cbs_per_client": 900.0},
                            index=[f"GM70{i:02d}" for i in range(10)])
    result = validation.accounts_rule(pd.concat([table, extremes]))
    assert (result.loc[extremes.index, "flag"] == "accounts_mismatch").all()
    assert (result.loc[table.index, "flag"] == "").mean() > 0.95


def test_accounts_that_book_nothing_are_their_own_flag():
    table = pd.concat([_national(), pd.DataFrame({"cbs_keur": [20_000.0], "accounts_keur": [0.0], "ratio": [0.0],
                                                  "cbs_per_client": [12_000.0]}, index=["GM8003"])])
    assert validation.accounts_rule(table).at["GM8003", "flag"] == "no_accounts"


def test_a_municipality_that_gets_half_back_as_receipts_is_not_flagged_net_but_would_be_gross():
    """A central municipality buys care for its region (gross 2.4 x CBS) and is paid half back by
    the others: net it books what CBS reports, like everyone else."""
    table = _national().assign(accounts_gross_keur=lambda t: t["accounts_keur"])
    gross = 2.4 * 50_000.0
    central = pd.DataFrame({"cbs_keur": [50_000.0], "accounts_keur": [gross / 2], "accounts_gross_keur": [gross],
                            "ratio": [gross / 2 / 50_000.0], "cbs_per_client": [10_000.0]}, index=["GM8004"])
    net = validation.accounts_rule(pd.concat([table, central]))
    as_gross = validation.accounts_rule(pd.concat([table, central.assign(accounts_keur=gross, ratio=gross / 50_000.0)]))
    assert net.at["GM8004", "flag"] == ""
    assert as_gross.at["GM8004", "flag"] == "accounts_mismatch"


def test_receipts_as_large_as_the_spending_are_a_mismatch_not_missing_accounts():
    table = _national().assign(accounts_gross_keur=lambda t: t["accounts_keur"])
    even = pd.DataFrame({"cbs_keur": [20_000.0], "accounts_keur": [0.0], "accounts_gross_keur": [30_000.0],
                         "ratio": [0.0], "cbs_per_client": [10_000.0]}, index=["GM8005"])
    assert validation.accounts_rule(pd.concat([table, even])).at["GM8005", "flag"] == "accounts_mismatch"


def test_robust_z_of_a_constant_is_zero_not_an_error():
    assert (validation.robust_z(pd.Series([2.0, 2.0, 2.0])) == 0).all()


def test_nearest_year_prefers_the_same_year_then_the_later():
    assert validation.nearest_year(2023, [2021, 2022]) == 2022
    assert validation.nearest_year(2023, [2022, 2023, 2024]) == 2023
    assert validation.nearest_year(2023, [2022, 2024]) == 2024


# -- the residence rule --------------------------------------------------------------------------

def _break_panel(seed: int = 5, n: int = 330, *, shifts: dict[str, tuple[float, float]] | None = None,
                 jumps: dict[str, float] | None = None, small: set[str] = frozenset()) -> pd.DataFrame:
    """A synthetic cost panel 2018-2022 where chance follows size: each year a municipality's cost of
    ``youths_in_care`` cases is a sum of case costs, so its log change has a variance of about
    ``0.005 + 30 / inhabitants_0_17`` (the real snapshot's size).  ``shifts``: code -> (log shift
    of cost, log shift of the count) into 2022 (the rule); ``jumps``: code -> a log jump of cost
    into 2022 alone (one expensive placement); ``small``: codes with 400 young inhabitants."""
    rng = np.random.default_rng(seed)
    codes = [f"GM{8100 + i:04d}" for i in range(n)]
    youth = np.exp(rng.uniform(np.log(1_500), np.log(60_000), n))
    youth = pd.Series(youth, index=codes)
    youth[list(small)] = 400.0
    level = pd.Series(np.log(1_500) + rng.normal(0, 0.2, n), index=codes)
    clients = (0.12 * youth).round()
    rows = []
    shifts, jumps = shifts or {}, jumps or {}
    for year in range(2018, 2023):
        noise = rng.normal(0, 1, n) * np.sqrt(0.005 + 30 / youth.to_numpy())
        level = level + 0.05 + noise
        count = clients * np.exp(rng.normal(0, 1, n) * np.sqrt(0.003 + 0.9 / clients.to_numpy()))
        cost, count = np.exp(level), count.copy()
        if year == 2022:
            for code, (dc, dn) in shifts.items():
                cost[code] *= np.exp(dc)
                count[code] *= np.exp(dn)
            for code, dc in jumps.items():
                cost[code] *= np.exp(dc)
        rows.append(pd.DataFrame({"gm_code": codes, "year": year, "name": codes, "cost_per_youth": cost.to_numpy(),
                                  "youths_in_care": count.round().to_numpy(), "inhabitants_0_17": youth.to_numpy()}))
    return pd.concat(rows).set_index(["gm_code", "year"]).sort_index()


def test_the_residence_break_is_found_in_both_directions_and_a_small_jump_is_not():
    """Losers (-35% cost, -5% count) and gainers (+30%, +4%) are found; a municipality of 400 young
    inhabitants whose cost jumps 45% by one placement is within chance for its size; a large
    municipality whose cost falls while its count clearly rises is not what the rule does."""
    losers = {f"GM{8100 + i:04d}": (-0.43, -0.05) for i in range(0, 10)}
    gainers = {f"GM{8100 + i:04d}": (0.30, 0.04) for i in range(10, 16)}
    small = {"GM8120", "GM8121"}
    panel = _break_panel(shifts={**losers, **gainers}, jumps={"GM8120": 0.45, "GM8121": -0.45}, small=small)
    rule = validation.residence_break(panel)
    found = rule.table["direction"]
    large = [c for c in [*losers, *gainers] if panel.loc[(c, 2021), "inhabitants_0_17"] > 20_000]
    assert len(large) >= 4
    assert all(found[c] == "out" for c in losers if c in large)
    assert all(found[c] == "in" for c in gainers if c in large)
    assert found[list(small)].eq("").all()
    # Hardly anyone else: the calibration years give what chance gives.
    others = found.drop([*losers, *gainers])
    assert (others != "").sum() <= 3
    assert rule.calibration_years == (2019, 2020, 2021)
    assert rule.chance.to_numpy().sum() <= 3 * len(rule.calibration_years)


def test_the_residence_break_is_relative_to_the_national_change():
    """If every municipality fell by 30% (a national change), only chance is flagged (about one in 330)."""
    panel = _break_panel(shifts={f"GM{8100 + i:04d}": (-0.36, -0.05) for i in range(330)})
    assert len(validation.residence_break(panel).affected) <= 3


def test_the_chance_scale_recovers_a_size_dependent_spread():
    rng = np.random.default_rng(11)
    size = pd.Series(np.exp(rng.uniform(np.log(300), np.log(50_000), 3_000)))
    relative = pd.Series(rng.normal(0, 1, 3_000) * np.sqrt(0.004 + 30 / size))
    scale = validation.ChanceScale.fit(relative, size)
    assert scale.a == pytest.approx(0.004, abs=0.002) and scale.b == pytest.approx(30, rel=0.2)


# -- budgets -------------------------------------------------------------------------------------

def test_an_implausible_budget_is_screened_and_left_out_of_the_national_overspend():
    costs = pd.DataFrame({
        "gm_code": ["GM0001", "GM0002", "GM0003", "GM0004"], "year": 2022,
        "budgeted_keur": [10_000.0, 20_000.0, 114.0, 8_000.0],
        "realised_keur": [11_000.0, 21_000.0, 3_796.0, 3_000.0],   # GM0003: +3,230%; GM0004: -62%
        "provisional": False})
    drivers = pd.DataFrame({"gm_code": costs["gm_code"], "edition": 2022, "variable": "inhabitants_0_17",
                            "value": [5_000.0, 9_000.0, 1_000.0, 4_000.0]})
    over = budget.overspend_by_municipality(costs, drivers)
    assert over.set_index("gm_code")["screened"].to_dict() == {"GM0001": False, "GM0002": False, "GM0003": True,
                                                               "GM0004": True}
    screened = budget.overspend_by_year(over)
    assert screened.loc[2022, "municipalities"] == 2 and screened.loc[2022, "screened"] == 2
    assert screened.loc[2022, "overspend_pct"] == pytest.approx(100 * (32_000 / 30_000 - 1))
    assert budget.overspend_by_year(over, screen=False).loc[2022, "municipalities"] == 4


# -- care mix ------------------------------------------------------------------------------------

def _care(codes: list[str], residence: list[float], receipts: list[float]) -> pd.DataFrame:
    rows = []
    for code, share, back in zip(codes, residence, receipts):
        total = 10_000.0
        for category, amount in ((WITH_RESIDENCE, share * total), (WITHOUT_RESIDENCE, (0.9 - share) * total),
                                 (PROTECTION, 0.1 * total)):
            rows.append({"gm_code": code, "year": 2023, "kind": "realised", "category": category,
                         "lasten_keur": amount, "baten_keur": back * amount})
    return pd.DataFrame(rows)


def test_a_regional_body_and_a_care_mix_outlier_are_flagged():
    rng = np.random.default_rng(4)
    codes = [f"GM{9000 + i:04d}" for i in range(50)]
    care = _care(codes + ["GM8020", "GM8021"], list(rng.normal(0.3, 0.05, 50)) + [0.3, 0.85],
                 [0.0] * 50 + [0.45, 0.0])
    flags = validation.care_mix_flags(care)
    assert flags.at["GM8020", "flag"] == "regional_body"
    assert flags.at["GM8021", "flag"] == "care_mix_outlier"
    assert (flags.loc[codes, "flag"] == "").mean() > 0.95
    # Gross and net differ by the receipts of the residential fields.
    assert flags.at["GM8020", "residence_gross"] == pytest.approx(0.3)


# -- prices --------------------------------------------------------------------------------------

def test_the_deflator_expresses_euros_in_the_base_year_and_leaves_a_year_without_cpi_nominal():
    prices = pd.DataFrame({"year": [2020, 2021, 2022], "cpi_index": [100.0, 102.0, 112.2]})
    real = deflator(prices, "real", latest_year=2023)
    assert real.base_year == 2022
    assert real.factor(2020) == pytest.approx(1.122)
    assert real.factor(2019) == 1.0 and real.missing == {2019}
    assert real.change(2020, 2022) == pytest.approx(12.2)
    assert deflator(prices, "nominal").factor(2020) == 1.0
    with pytest.raises(ValueError, match="prices must be one of"):
        deflator(prices, "euros")


def test_no_cpi_for_the_base_year_means_nominal_with_a_notice_not_a_crash():
    prices = pd.DataFrame({"year": [2020, 2021], "cpi_index": [100.0, 102.0]})
    result = deflator(prices, "real", base_year=2022)
    assert not result.real and result.missing == {2022} and result.factor(2021) == 1.0


# -- on the real snapshot: what the rules do, whatever the edition --------------------------------
# (Which municipality a rule flags depends on the edition; the rules themselves are tested on the
# synthetic cases above: a shared-service pair, a host, implausible budgets, a care-mix contrast.)

@pytest.fixture(scope="module")
def flags(tables):
    return validation.municipality_flags(tables)


def test_the_ranking_flags_and_only_they_keep_a_municipality_out_of_rankings(flags):
    kept_out = validation.ranking_exclusions(flags)
    assert kept_out == set(flags.loc[flags["flag"].isin(flag_records.RANKING_FLAGS), "gm_code"])
    assert set(flags["flag"]) <= set(flag_records.FLAGS)  # every flag is one of the recorded rules


def test_the_hosts_fell_as_the_residence_rule_predicts(tables):
    rule = validation.residence_rule(tables)
    assert rule.year == validation.RESIDENCE_RULE_YEAR and len(rule.hosts) > 0
    # Hosts of large institutions fell 30-40% from 2021 to 2022 while the median municipality did not.
    assert rule.host_change_pct < -20 and abs(rule.median_change_pct) < 10
    # The rule is two-sided and scaled by size: the falls stand out from what it finds in years without the rule.
    assert len(rule.hosts) > rule.chance["out"].max()
    assert (rule.table.loc[rule.affected.index, "z_cost"].abs() >= validation.BREAK_Z_COST).all()


def test_a_same_year_pair_is_used_without_a_code_change(tables):
    """When 83454NED gains the accounts' year, the comparison uses it and applies no growth."""
    costs = tables["costs"]
    year = validation.accounts_check(tables).accounts_year
    register = tables["register"]
    current = set(register.loc[register["year"] == register.loc[register["year"] <= year, "year"].max(), "gm_code"])
    earlier = costs[costs["year"] < year]
    later = earlier[(earlier["year"] == earlier["year"].max()) & earlier["gm_code"].isin(current)].assign(year=year)
    check = validation.accounts_check({**tables, "costs": pd.concat([earlier, later], ignore_index=True)})
    assert check.cbs_year == check.accounts_year == year and check.growth == 1.0 and check.same_year


def test_the_accounts_comparison_corrects_for_growth_between_two_years(tables):
    """When 83454NED ends before the accounts' year (as in some editions), the cost is brought forward."""
    year = validation.accounts_check(tables).accounts_year
    costs = tables["costs"]
    check = validation.accounts_check({**tables, "costs": costs[costs["year"] < year]})
    assert check.cbs_year < check.accounts_year == year and check.growth > 1 and not check.same_year
    assert check.national_ratio == pytest.approx(check.national_ratio_unadjusted / check.growth)


def test_the_accounts_are_net_of_receipts(tables):
    """Real data: for the municipality with the largest receipts, the check's accounts are its care
    fields' lasten minus baten, and net is what the national scope factor uses."""
    check = validation.accounts_check(tables)
    both = check.compared
    share = 1 - both["accounts_keur"] / both["accounts_gross_keur"]
    code = share.idxmax()
    care = tables["care_mix"]
    rows = care[(care["gm_code"] == code) & (care["year"] == check.accounts_year) & (care["kind"] == "realised")
                & care["category"].isin(COMPARABLE_CATEGORIES)]
    assert share.max() > 0
    assert both.at[code, "accounts_keur"] == pytest.approx((rows["lasten_keur"] - rows["baten_keur"]).sum())
    assert both.at[code, "accounts_gross_keur"] == pytest.approx(rows["lasten_keur"].sum())
    assert check.national_ratio == pytest.approx(both["accounts_keur"].sum() / both["cbs_adjusted_keur"].sum())


def test_the_reconciliation_counts_payments_between_municipalities_once(tables):
    check = validation.accounts_check(tables)
    rec = reconcile(tables, check)
    care = tables["care_mix"]
    rows = care[(care["year"] == check.accounts_year) & (care["kind"] == "realised")
                & care["category"].isin(COMPARABLE_CATEGORIES)]
    assert rec.scope_ratio == check.national_ratio
    assert rec.accounts_total_million == pytest.approx((rows["lasten_keur"] - rows["baten_keur"]).sum() / 1000)
    assert rec.accounts_total_million < rows["lasten_keur"].sum() / 1000


def test_the_table_switch_in_the_counts_is_found(tables):
    year, old, new, jump = validation.use_table_switch(tables["use_counts"])
    assert (year, old, new) == (2021, "84134NED", "85099NED") and jump > 0


def test_the_like_for_like_budget_is_the_care_fields_net_of_receipts(tables):
    comparison = budget.care_budget_vs_model(tables)
    care = tables["care_mix"]
    for code in comparison.index[:: max(1, len(comparison) // 10)]:
        rows = care[(care["gm_code"] == code) & (care["year"] == comparison.attrs["year"])
                    & (care["kind"] == "budgeted") & care["category"].isin(COMPARABLE_CATEGORIES)]
        assert comparison.at[code, "budget_eur"] == pytest.approx(1000 * (rows["lasten_keur"] - rows["baten_keur"]).sum())


def test_a_budget_kind_the_metadata_does_not_state_is_unknown(tables):
    assert budget.budget_kind("Iv3", {}) == "unknown"
    assert budget.budget_kind("Iv3", {"Iv3": "primitive"}) == "primitive"
    with pytest.raises(ValueError, match="budget_kinds"):
        budget.budget_kind("Iv3", {"Iv3": "final"})
    assert budget.budget_kind("83454NED") in budget.BUDGET_KINDS


def test_realised_accounts_against_the_nearest_model_year(tables):
    realised = budget.accounts_vs_model(tables)
    care, model = tables["care_mix"], tables["objective_model"]
    accounts_year = int(care.loc[care["kind"] == "realised", "year"].max())
    model_years = sorted(int(y) for y in model["year"].unique())
    assert realised.attrs["year"] == accounts_year and realised.attrs["kind"] == "realised"
    assert realised.attrs["model_year"] == validation.nearest_year(accounts_year, model_years)
    assert realised.attrs["like_for_like"] == (realised.attrs["model_year"] == accounts_year)
    for code in realised.index[:: max(1, len(realised) // 10)]:
        rows = care[(care["gm_code"] == code) & (care["year"] == accounts_year) & (care["kind"] == "realised")
                    & care["category"].isin(COMPARABLE_CATEGORIES)]
        assert realised.at[code, "budget_eur"] == pytest.approx(1000 * (rows["lasten_keur"] - rows["baten_keur"]).sum())


def test_the_gap_between_accounts_and_budget_is_net_over_the_same_municipalities():
    rows = []
    for gm, (budgeted, realised) in {"GM0001": (100.0, 120.0), "GM0002": (50.0, 50.0)}.items():
        rows.append({"gm_code": gm, "year": 2023, "kind": "budgeted", "category": COMPARABLE_CATEGORIES[0],
                     "lasten_keur": budgeted + 10, "baten_keur": 10.0})
        rows.append({"gm_code": gm, "year": 2023, "kind": "realised", "category": COMPARABLE_CATEGORIES[0],
                     "lasten_keur": realised + 30, "baten_keur": 30.0})
    rows.append({"gm_code": "GM0003", "year": 2023, "kind": "budgeted", "category": COMPARABLE_CATEGORIES[0],
                 "lasten_keur": 500.0, "baten_keur": 0.0})   # no accounts: not counted
    gap = budget.realised_vs_budget({"care_mix": pd.DataFrame(rows)})
    assert gap["year"] == 2023 and gap["municipalities"] == 2
    assert gap["gap_pct"] == pytest.approx(100 * (170 / 150 - 1))


def test_volume_times_cost_per_client_is_cost(tables):
    split = trends.volume_and_price(tables).table
    product = (1 + split["client_growth"] / 100) * (1 + split["cost_per_client_growth"] / 100)
    assert np.allclose(product, 1 + split["cost_growth"] / 100)
    assert split["municipalities"].iloc[1:].sum() == split["municipalities"].iloc[0]
