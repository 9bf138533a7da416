"""Panel model layer: known answers on simulated panels (no real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis.models import (
    MODEL_NAMES,
    MundlakResult,
    coefficients,
    explained_variance_by_group,
    fit_models,
    hausman_test,
    mundlak_test,
)
from jeugdzorg.book.model_tables import TABLE_STATISTICS, comparison_table, mundlak_sentence

TRUTH = {"x1": 0.5, "x2": -0.3}
DRIVERS = list(TRUTH)
WITHIN = ("Entity FE", "Two-way FE", "First differences")
N_ENTITIES, N_YEARS, N_REGIONS = 300, 6, 40


def simulate(seed: int, *, correlated: bool, trend: float = 0.0) -> pd.DataFrame:
    """A balanced panel ``y = alpha_i + lambda_t + 0.5 x1 - 0.3 x2 + e``.

    ``correlated`` makes the entity effects ``alpha_i`` correlated with both drivers, which biases
    every estimator that uses variation between entities.  ``trend`` gives both the drivers and the
    year effects a common trend, which biases estimators without year effects.  ``z`` is constant
    within entities (with a true coefficient of 0.2), ``noise`` has no effect at all, and
    ``jz_region_code`` puts the entities in 40 regions.
    """
    rng = np.random.default_rng(seed)
    codes = [f"GM{i + 1:04d}" for i in range(N_ENTITIES)]
    years = list(range(2017, 2017 + N_YEARS))
    index = pd.MultiIndex.from_product([codes, years], names=["gm_code", "year"])
    n = len(index)
    alpha = np.repeat(rng.normal(size=N_ENTITIES), N_YEARS)
    t = np.tile(np.arange(N_YEARS, dtype=float), N_ENTITIES)
    year_effect = np.tile(rng.normal(scale=0.5, size=N_YEARS), N_ENTITIES) + trend * t
    link = 1.0 if correlated else 0.0
    x1 = 0.8 * link * alpha + trend * t + rng.normal(size=n)
    x2 = -0.6 * link * alpha + trend * t + rng.normal(size=n)
    z = np.repeat(rng.normal(size=N_ENTITIES), N_YEARS)
    y = (1.0 + alpha + year_effect + TRUTH["x1"] * x1 + TRUTH["x2"] * x2 + 0.2 * z
         + rng.normal(scale=0.5, size=n))
    regions = np.repeat([f"JZ{i % N_REGIONS + 1:02d}" for i in range(N_ENTITIES)], N_YEARS)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "z": z, "noise": rng.normal(size=n),
                         "jz_region_code": regions}, index=index)


@pytest.fixture(scope="module")
def correlated() -> pd.DataFrame:
    return simulate(11, correlated=True)


@pytest.fixture(scope="module")
def uncorrelated() -> pd.DataFrame:
    return simulate(12, correlated=False)


@pytest.fixture(scope="module")
def fits(correlated):
    return fit_models(correlated, "y", DRIVERS)


def test_within_estimators_recover_the_truth_despite_correlated_effects(fits):
    for name in WITHIN:
        for driver, true in TRUTH.items():
            assert fits[name].params[driver] == pytest.approx(true, abs=0.05), (name, driver)


def test_between_comparisons_are_biased_and_mundlak_rejects(correlated, fits):
    for name in ("Pooled OLS", "Between", "Random effects"):
        assert abs(fits[name].params["x1"] - TRUTH["x1"]) > 0.1, name
    test = mundlak_test(correlated, "y", DRIVERS)
    assert isinstance(test, MundlakResult)
    assert test.pvalue < 0.01 and test.df == 2 and test.statistic > 0
    assert test.rejects and mundlak_sentence(test).startswith("Reject RE in favour of FE at 5%")


def test_random_effects_recovers_the_truth_and_mundlak_does_not_reject(uncorrelated):
    fitted = fit_models(uncorrelated, "y", DRIVERS, models=("Random effects", "Pooled OLS"))
    for name in fitted:
        for driver, true in TRUTH.items():
            assert fitted[name].params[driver] == pytest.approx(true, abs=0.05), (name, driver)
    test = mundlak_test(uncorrelated, "y", DRIVERS)
    assert test.pvalue > 0.05
    assert not test.rejects and mundlak_sentence(test).startswith("Do not reject RE")


def test_mundlak_driver_coefficients_equal_two_way_fixed_effects(correlated, fits):
    test = mundlak_test(correlated, "y", DRIVERS)
    assert np.allclose(test.result.params[DRIVERS], fits["Two-way FE"].params[DRIVERS], atol=1e-8)


def test_year_effects_remove_a_common_trend_in_levels_and_differences():
    # Drivers and year shocks trend together: only the models with year effects are unbiased.
    panel = simulate(13, correlated=True, trend=0.3)
    fitted = fit_models(panel, "y", DRIVERS, models=WITHIN)
    for name in ("Two-way FE", "First differences"):
        for driver, true in TRUTH.items():
            assert fitted[name].params[driver] == pytest.approx(true, abs=0.05), (name, driver)
    assert abs(fitted["Entity FE"].params["x1"] - TRUTH["x1"]) > 0.1


def test_entity_clustering_has_one_cluster_per_entity(fits):
    for name in MODEL_NAMES:
        expected = None if name == "Between" else N_ENTITIES
        assert fits[name].n_clusters == expected, name
    assert fits["Between"].covariance == "robust"


def test_clustering_by_a_column(correlated, fits):
    by_region = fit_models(correlated, "y", DRIVERS, cluster="jz_region_code")
    assert {name: fit.n_clusters for name, fit in by_region.items()} == dict.fromkeys(MODEL_NAMES, N_REGIONS)
    assert by_region["Two-way FE"].covariance == "clustered by jz_region_code"
    table = comparison_table(by_region, DRIVERS)
    assert set(table.loc["Clusters"]) == {str(N_REGIONS)}
    # Same estimates, other standard errors.
    for name in MODEL_NAMES:
        assert np.allclose(by_region[name].params, fits[name].params)
    assert not np.isclose(by_region["Two-way FE"].std_errors["x1"], fits["Two-way FE"].std_errors["x1"])


def test_between_ignores_clusters_that_vary_within_entities(correlated):
    panel = correlated.copy()
    panel["jz_region_code"] = np.where(panel.index.get_level_values("year") < 2020,
                                       panel["jz_region_code"], "JZ99")
    with pytest.warns(UserWarning, match="varies within entities"):
        fitted = fit_models(panel, "y", DRIVERS, cluster="jz_region_code", models=("Between",))
    assert fitted["Between"].covariance == "robust" and fitted["Between"].n_clusters is None


def test_driver_without_within_variation_is_absorbed_not_fatal(correlated):
    drivers = [*DRIVERS, "z"]
    fitted = fit_models(correlated, "y", drivers)
    for name in MODEL_NAMES:
        absorbed = ("z",) if name in WITHIN else ()
        assert fitted[name].absorbed == absorbed, name
        assert ("z" in fitted[name].params.index) == (name not in WITHIN), name
    assert fitted["Between"].params["z"] == pytest.approx(0.2, abs=0.15)
    table = comparison_table(fitted, drivers)
    assert list(table.loc["z", list(WITHIN)]) == ["absorbed"] * 3
    assert set(coefficients(fitted, drivers).query("variable == 'z'")["model"]) == {
        "Pooled OLS", "Between", "Random effects"}
    test = mundlak_test(correlated, "y", drivers)
    assert test.excluded == ("z",) and test.df == 2


def test_driver_that_only_moves_with_the_calendar_is_absorbed_by_year_effects(correlated):
    panel = correlated.assign(national=lambda f: 0.1 * (f.index.get_level_values("year") - 2016) ** 2)
    fitted = fit_models(panel, "y", [*DRIVERS, "national"])
    for name in MODEL_NAMES:
        # Entity FE has no year effects, so it can use the national series.
        assert ("national" in fitted[name].absorbed) == (name != "Entity FE"), name


def test_rows_with_missing_values_are_dropped(correlated):
    panel = correlated.copy()
    panel.loc[("GM0001", 2019), "x1"] = np.nan
    panel.loc[("GM0002", 2017), "y"] = np.nan
    fitted = fit_models(panel, "y", DRIVERS, models=("Two-way FE", "First differences"))
    assert fitted["Two-way FE"].nobs == N_ENTITIES * N_YEARS - 2
    # A hole costs two differences, a missing first year one.
    assert fitted["First differences"].nobs == N_ENTITIES * (N_YEARS - 1) - 3
    assert comparison_table(fitted, DRIVERS).loc["Time periods", "Two-way FE"] == "5-6"


def test_equal_weights_change_no_estimate(correlated, fits):
    weighted = fit_models(correlated.assign(w=2.0), "y", DRIVERS, weights="w")
    for name in MODEL_NAMES:
        assert np.allclose(weighted[name].params[DRIVERS], fits[name].params[DRIVERS]), name


def test_comparison_table_layout_and_determinism(fits):
    table = comparison_table(fits, DRIVERS, digits=3)
    assert list(table.columns) == list(MODEL_NAMES)
    assert list(table.index) == ["x1", "x1 (s.e.)", "x2", "x2 (s.e.)", *TABLE_STATISTICS]
    assert all(isinstance(cell, str) for cell in table.to_numpy().ravel())
    assert table.equals(comparison_table(fits, DRIVERS, digits=3))
    coef = fits["Two-way FE"].params["x1"]
    assert table.loc["x1", "Two-way FE"] == f"{coef:.3f}***"
    assert table.loc["x1 (s.e.)", "Two-way FE"] == f"({fits['Two-way FE'].std_errors['x1']:.3f})"
    assert table.loc["N"].tolist() == ["1800", "300", "1800", "1800", "1800", "1500"]
    assert table.loc["Time periods"].tolist() == ["6"] * 6
    assert table.loc["Entity effects"].tolist() == ["No", "No", "No", "Yes", "Yes", "Yes"]
    assert table.loc["Time effects"].tolist() == ["Yes", "No", "Yes", "No", "Yes", "Yes"]
    assert comparison_table(fits, DRIVERS, digits=2).loc["R² overall", "Between"].count(".") == 1
    assert len(comparison_table(fits, DRIVERS, digits=2).loc["R² overall", "Between"].split(".")[1]) == 2


def test_comparison_table_uses_linearmodels_compare(fits):
    from linearmodels.panel import compare

    compared = compare({name: fit.result for name, fit in fits.items()})
    table = comparison_table(fits, DRIVERS, digits=4)
    for name in MODEL_NAMES:
        assert table.loc["x2", name].startswith(f"{compared.params.at['x2', name]:.4f}")


def test_coefficients_long_format_and_intervals_cover_the_truth(fits):
    long = coefficients(fits, DRIVERS)
    assert list(long.columns) == ["model", "variable", "coef", "std_err", "lower", "upper", "pvalue"]
    assert list(long["model"]) == [name for name in MODEL_NAMES for _ in DRIVERS]
    assert list(long["variable"]) == DRIVERS * len(MODEL_NAMES)
    within = long[long["model"].isin(WITHIN)]
    truth = within["variable"].map(TRUTH)
    assert ((within["lower"] < truth) & (truth < within["upper"])).all()
    assert (long["lower"] < long["coef"]).all() and (long["coef"] < long["upper"]).all()
    narrow = coefficients(fits, DRIVERS, level=0.90)
    assert ((narrow["upper"] - narrow["lower"]) < (long["upper"] - long["lower"])).all()


def test_explained_variance_by_group(correlated):
    drivers = [*DRIVERS, "z", "noise"]
    between = fit_models(correlated, "y", drivers, models=("Between",))["Between"]
    groups = {"care drivers": DRIVERS, "structure": ["z"], "irrelevant": ["noise"]}
    shares = explained_variance_by_group(between, correlated, "y", groups)
    assert list(shares.index) == list(groups)
    assert list(shares.columns) == ["share_of_variance", "share_of_explained"]
    assert shares["share_of_variance"].sum() == pytest.approx(between.r2, abs=1e-10)
    assert shares["share_of_explained"].sum() == pytest.approx(1.0, abs=1e-10)
    assert abs(shares.loc["irrelevant", "share_of_explained"]) < 0.01
    assert shares.loc["care drivers", "share_of_explained"] > 0.5
    # Entity means passed directly give the same answer.
    means = correlated[["y", *drivers]].groupby(level=0).mean()
    assert explained_variance_by_group(between, means, "y", groups).equals(shares)


def test_explained_variance_needs_every_coefficient_in_one_group(fits, correlated):
    with pytest.raises(ValueError, match="in no group"):
        explained_variance_by_group(fits["Between"], correlated, "y", {"a": ["x1"]})
    with pytest.raises(ValueError, match="in several groups"):
        explained_variance_by_group(fits["Between"], correlated, "y", {"a": DRIVERS, "b": ["x2"]})


def test_model_fit_reports_sample_and_fit_for_every_model(fits):
    for name, fit in fits.items():
        assert fit.name == name
        assert fit.entities == N_ENTITIES and fit.time_periods == N_YEARS, name
        assert fit.periods_per_entity == (N_YEARS, N_YEARS), name
        assert isinstance(fit.nobs, int), name
        for value in (fit.r2, fit.r2_within, fit.r2_between, fit.r2_overall):
            assert isinstance(value, float) and -1 <= value <= 1, name
    assert fits["Between"].nobs == N_ENTITIES
    assert [fit.entity_effects for fit in fits.values()] == [False, False, False, True, True, True]


def test_unknown_model_and_bad_index_are_rejected(correlated):
    with pytest.raises(ValueError, match="unknown model"):
        fit_models(correlated, "y", DRIVERS, models=("Pooled",))
    with pytest.raises(ValueError, match="MultiIndex"):
        fit_models(correlated.reset_index(), "y", DRIVERS)


def test_classical_hausman_rejects_only_with_correlated_effects(correlated, uncorrelated):
    rejected = hausman_test(correlated, "y", DRIVERS)
    assert rejected.valid and rejected.rejects and rejected.pvalue < 0.001 and rejected.df == 2
    assert set(rejected.estimates.index) == set(DRIVERS)
    # The fixed-effects side of the comparison is the two-way model of fit_models.
    twfe = fit_models(correlated, "y", DRIVERS, models=("Two-way FE",))["Two-way FE"]
    assert rejected.estimates["b0"].to_numpy() == pytest.approx(twfe.params[DRIVERS].to_numpy(), abs=1e-10)
    kept = hausman_test(uncorrelated, "y", DRIVERS)
    assert kept.valid and not kept.rejects


def test_controls_enter_the_models_and_fixed_effects_drop_them_silently(correlated):
    fits = fit_models(correlated, "y", DRIVERS, controls=["z"])
    assert "z" in fits["Between"].params.index and "z" in fits["Pooled OLS"].params.index
    assert fits["Between"].params["z"] == pytest.approx(0.2, abs=0.15)
    for name in WITHIN:
        assert "z" not in fits[name].params.index and fits[name].absorbed == ()
    table = comparison_table(fits, DRIVERS)
    assert "z" not in table.index
