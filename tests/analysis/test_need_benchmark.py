"""The need benchmark: intervals with known noise, smearing, verdicts, and the real snapshot's rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import need_benchmark as B
from jeugdzorg.analysis import estimation as E
from jeugdzorg.analysis import validation as V
from jeugdzorg.analysis import verdicts as Vd
from tests.analysis.simulated import NOISE, TRUTH, simulate


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate(21)


def test_size_classes_and_merging():
    classes = B.size_class(pd.Series([4_000, 19_999, 20_000, 75_000, 100_000, 2e6, np.nan]))
    assert list(classes[:6]) == ["under 20,000", "under 20,000", "20,000-50,000", "50,000-100,000",
                                 "100,000 or more", "100,000 or more"]
    assert classes.iloc[6] is None
    order = B.size_labels()
    rows = pd.Series(["under 20,000"] * 5 + ["20,000-50,000"] * 50 + ["50,000-100,000"] * 40 + ["100,000 or more"] * 3)
    mapping = B.merged_classes(rows, order, minimum=30)
    assert mapping["under 20,000"] == mapping["20,000-50,000"] == "under 20,000 / 20,000-50,000"
    assert mapping["100,000 or more"] == mapping["50,000-100,000"]
    assert B.merged_classes(rows, order, minimum=1) == {label: label for label in order}


def test_need_model_recovers_coefficients_and_class_noise(simulated):
    model = B.fit_need_model(simulated, ["x1", "x2"])
    for driver, true in TRUTH.items():
        assert model.coef[driver] == pytest.approx(true, abs=0.01)
    for label, sd in NOISE.items():
        assert model.scale.scale[label] == pytest.approx(sd, rel=0.08), label


@pytest.mark.parametrize("level", [0.90, 0.95])
def test_interval_coverage_in_the_next_year_is_close_to_nominal(simulated, level):
    """Fit on 2019-2021, predict 2022 with the year's level given: coverage within 1.5 points."""
    years = simulated.index.get_level_values("year")
    model = B.fit_need_model(simulated[years <= 2021], ["x1", "x2"], levels=(level,))
    test = simulated[years == 2022].droplevel("year")
    predicted = model.predict(test, 2022, B.size_class(test["inhabitants"]), levels=(level,))
    shift = (test["log_cost_per_youth"] - predicted["centre"]).mean()
    pct = round(100 * level)
    inside = test["log_cost_per_youth"].between(predicted[f"log_lower_{pct}"] + shift,
                                                predicted[f"log_upper_{pct}"] + shift)
    assert 100 * inside.mean() == pytest.approx(100 * level, abs=1.5)
    # Heteroskedastic: the coverage holds in the smallest and the largest class separately.
    classes = B.size_class(test["inhabitants"])
    for label in ("under 20,000", "100,000 or more"):
        assert 100 * inside[classes == label].mean() == pytest.approx(100 * level, abs=3.5), label


def test_smearing_turns_the_log_prediction_into_the_mean_in_euros(simulated):
    model = B.fit_need_model(simulated, ["x1", "x2"])
    rows = simulated.xs(2022, level="year")
    predicted = model.predict(rows, 2022, B.size_class(rows["inhabitants"]))
    classes = B.size_class(rows["inhabitants"])
    true_mean = np.exp(7.21 + TRUTH["x1"] * rows["x1"] + TRUTH["x2"] * rows["x2"] + classes.map(NOISE) ** 2 / 2)
    ratio = predicted["expected_eur"] / true_mean
    assert ratio.median() == pytest.approx(1.0, abs=0.02)
    naive = predicted["median_eur"] / true_mean
    assert naive.median() < 0.99  # without smearing the mean is understated


def test_verdict_is_above_or_below_only_outside_the_interval():
    actual = pd.Series([100.0, 150.0, 99.9, 200.1, 200.0, np.nan])
    lower = pd.Series([100.0] * 6)
    upper = pd.Series([200.0] * 6)
    assert list(B.verdicts(actual, lower, upper)) == ["within", "within", "below", "above", "within", "not assessed"]


def test_fit_metrics_of_a_perfect_and_a_flattened_benchmark():
    actual = pd.Series([800.0, 1000.0, 1500.0, 2500.0])
    perfect = B.fit_metrics(actual, actual)
    assert perfect["r2_eur"] == pytest.approx(1) and perfect["slope_eur"] == pytest.approx(1)
    assert perfect["mae_eur"] == 0
    flat = B.fit_metrics(actual, actual.mean() + 0.5 * (actual - actual.mean()))
    assert flat["slope_eur"] == pytest.approx(2.0)


# ------------------------------------------------------------------------------- real snapshot


@pytest.fixture(scope="module")
def bench(tables):
    return B.need_benchmark(tables)


def test_need_model_is_the_pooled_model_of_the_chapter_without_the_flagged(tables, bench):
    """The benchmark is the chapter's pooled model fitted without the municipalities whose ranking
    flag says their cost is off in scope."""
    assert bench.fit_excluded and set(bench.fit_excluded) == V.ranking_exclusions(V.municipality_flags(tables))
    est = E.estimate(tables, E.Specification(exclude=bench.fit_excluded), mundlak=False)
    pooled = est.fits["Pooled OLS"].params
    for name, value in bench.model.coef.items():
        assert value == pytest.approx(pooled[name], abs=1e-9), name


def test_every_municipality_of_the_boundary_year_is_listed_once(tables, bench):
    register = tables["register"]
    codes = set(register.loc[register["year"] == bench.spec.boundary_year, "gm_code"])
    assert set(bench.table.index) == codes and bench.table.index.is_unique
    assert set(bench.table["verdict"]) <= set(B.VERDICTS)
    assert bench.counts().sum() == len(bench.table)


def test_positions_follow_the_range_and_verdicts_the_lasting_gap(bench):
    table = bench.table
    placed = table.dropna(subset=["position"])
    assert (placed.loc[placed["position"] == "above", "actual_eur"] > placed.loc[placed["position"] == "above", "upper_95"]).all()
    assert (placed.loc[placed["position"] == "below", "actual_eur"] < placed.loc[placed["position"] == "below", "lower_95"]).all()
    above, below = table[table["verdict"] == "above"], table[table["verdict"] == "below"]
    assert len(above) and len(below)
    assert (above["lasting_lower_pct"] > 0).all() and (above["lasting_gap_pct"] >= 100 * Vd.MATERIAL_GAP).all()
    assert (below["lasting_upper_pct"] < 0).all() and (below["lasting_gap_pct"] <= -100 * Vd.MATERIAL_GAP).all()
    known = table.dropna(subset=["expected_eur"])
    assert len(known) > 0.95 * len(table)
    assert (known["lower_90"] >= known["lower_95"]).all() and (known["upper_90"] <= known["upper_95"]).all()
    assert (known["lower_95"] < known["expected_eur"]).all() and (known["expected_eur"] < known["upper_95"]).all()
    assert (table.loc[table["verdict"] != "not assessed", "reason"] == "").all()
    assert (table.loc[table["verdict"] == "not assessed", "reason"] != "").all()
    # Every municipality's position in every cost year is there for the pages.
    years = set(bench.positions.index.get_level_values("year"))
    assert len(years) >= 3 and bench.positions["position"].notna().mean() > 0.9


def test_flagged_are_out_of_the_fit_and_residence_moved_use_the_years_before(tables, bench):
    flags = V.municipality_flags(tables, bench.spec.boundary_year)
    excluded = V.ranking_exclusions(flags)
    assert excluded and (bench.table.loc[sorted(excluded), "verdict"] == "not assessed").all()
    in_fit = set(bench.model.residuals.index.get_level_values("gm_code"))
    assert not excluded & in_fit
    # Every municipality, flagged or not, gets its benchmark from that fit.
    assert bench.table.loc[sorted(excluded), "expected_eur"].notna().mean() > 0.8
    moved = V.residence_rule(tables, bench.spec.boundary_year).affected.index
    assert bench.year == V.RESIDENCE_RULE_YEAR and len(moved)
    gaps = bench.table.loc[moved].dropna(subset=["gap_years"])
    assert len(gaps) and not gaps["gap_years"].str.contains(str(V.RESIDENCE_RULE_YEAR)).any()
    assert set(moved) <= set(bench.own_years)
    # Flags are carried for marking, also on municipalities that are assessed.
    assert bench.table.loc[flags["gm_code"].unique(), "flags"].ne("").all()


def test_stability_compares_the_published_verdicts(tables, bench):
    stability = B.verdict_stability(tables, bench=bench)
    rules = set(stability.comparisons["rule"])
    assert {"per-year range", "lasting gap"} <= rules
    flagged = stability.comparisons.set_index("comparison").loc["flagged out of and in the fit"]
    assert flagged["outside_a"] == bench.counts()[["above", "below"]].sum()
    published = stability.sensitivity.iloc[0]
    assert published["above"] == bench.counts()["above"] and published["changed"] == 0
    assert stability.chance_lasting < stability.chance_per_year


def test_hosts_found_from_the_panel_equal_the_validation_layer(tables):
    est = E.estimate(tables, mundlak=False)
    assert est.hosts == tuple(sorted(V.residence_rule(tables, est.spec.boundary_year).hosts.index))
    assert est.controls["Two-way FE"] == (E.HOST_POST,)


def test_flags_in_an_earlier_boundary_year_go_to_the_parts_of_a_merged_municipality(tables):
    latest = int(tables["register"]["year"].max())
    pd.testing.assert_frame_equal(B.flags_in_boundaries(tables, latest), V.municipality_flags(tables, latest))
    earlier = B.flags_in_boundaries(tables, 2022)
    codes_2022 = set(tables["register"].query("year == 2022")["gm_code"])
    assert set(earlier["gm_code"]) <= codes_2022 and earlier["name"].notna().all()
    latest_flags = V.municipality_flags(tables, latest)
    # A municipality that did not merge after 2022 keeps exactly its flags.
    pairs = lambda frame: set(zip(frame["gm_code"], frame["flag"]))  # noqa: E731
    later = tables["mergers"].query("date > '2022-01-01' and kind == 'merger'")
    untouched = codes_2022 - set(later["old_code"]) - set(later["new_code"])
    assert pairs(latest_flags[latest_flags["gm_code"].isin(untouched)]) == pairs(earlier[earlier["gm_code"].isin(untouched)])
