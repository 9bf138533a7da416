"""Rolling-origin validation: no leakage from the predicted year, honest coverage, sensible predictors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdzorg.analysis import estimation as E
from jeugdzorg.analysis import forecast as F
from jeugdzorg.analysis import panel as P
from tests.analysis.simulated import simulate

DRIVERS = ["x1", "x2"]


def tampered(sample: pd.DataFrame, after: int, seed: int = 0) -> pd.DataFrame:
    """``sample`` with every outcome and driver of the years after ``after`` replaced by noise."""
    rng = np.random.default_rng(seed)
    out = sample.copy()
    later = out.index.get_level_values("year") > after
    for column in [c for c in out.columns if c != "inhabitants" and pd.api.types.is_float_dtype(out[c])]:
        out.loc[later, column] = out.loc[later, column].to_numpy() * rng.uniform(0.5, 1.5, int(later.sum()))
    out["log_cost_per_youth"] = np.log(out["cost_per_youth"])
    return out


def assert_same_fit(a: F.RollingOrigin, b: F.RollingOrigin, origin: int) -> None:
    ma, mb = a.models[origin], b.models[origin]
    pd.testing.assert_series_equal(ma.coef, mb.coef)
    pd.testing.assert_series_equal(ma.levels, mb.levels)
    pd.testing.assert_series_equal(ma.scale.scale, mb.scale.scale)
    assert ma.scale.quantiles == mb.scale.quantiles
    ha, hb = a.history[origin], b.history[origin]
    assert (ha is None) == (hb is None)
    if ha is not None:
        assert ha.k == hb.k
        pd.testing.assert_series_equal(ha.last_deviation, hb.last_deviation)


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate(31, entities=1500, persistent=0.15)


def test_changing_later_years_does_not_change_the_fit_of_an_origin(simulated):
    """No leakage: the fit of origin t is the same whatever the data of t + 1 and later."""
    base = F.rolling_origin(simulated, DRIVERS)
    for origin in base.origins:
        other = F.rolling_origin(tampered(simulated, origin), DRIVERS)
        assert_same_fit(base, other, origin)
    # And the leakage test can fail: tampering with the training years changes the fit.
    changed = F.rolling_origin(tampered(simulated, 2019), DRIVERS)
    assert not changed.models[2020].coef.equals(base.models[2020].coef)


def test_predictions_of_the_next_year_do_not_use_its_costs(simulated):
    """Changing only the costs of t + 1 leaves every prediction of t + 1 unchanged (their drivers are
    legitimately used by the need benchmark)."""
    base = F.rolling_origin(simulated, DRIVERS, origins=[2021])
    costs = simulated.copy()
    target = costs.index.get_level_values("year") == 2022
    costs.loc[target, "cost_per_youth"] *= 1.7
    costs["log_cost_per_youth"] = np.log(costs["cost_per_youth"])
    other = F.rolling_origin(costs, DRIVERS, origins=[2021])
    columns = [c for c in base.predictions.columns if c != "actual"]
    pd.testing.assert_frame_equal(base.predictions[columns], other.predictions[columns])
    assert not base.predictions["actual"].equals(other.predictions["actual"])


def test_the_scored_rows_use_nothing_of_the_scored_year(simulated):
    """Which rows are scored follows the training years only: a municipality whose cost in the
    predicted year jumps twentyfold (implausible in that year) is still predicted and scored under the
    training-only screen; only the test-year filter, shown beside and named as such, drops it."""
    base = F.rolling_origin(simulated, DRIVERS, origins=[2021])
    costs = simulated.copy()
    jump = (costs.index.get_level_values("gm_code") == "GM0007") & (costs.index.get_level_values("year") == 2022)
    costs.loc[jump, "cost_per_youth"] *= 20
    costs["log_cost_per_youth"] = np.log(costs["cost_per_youth"])
    other = F.rolling_origin(costs, DRIVERS, origins=[2021])
    assert base.predictions["screened"].equals(other.predictions["screened"])
    row = other.predictions.set_index("gm_code").loc["GM0007"]
    assert bool(row["screened"]) and not bool(row["test_plausible"])
    assert other.metrics(screen="training").loc[("need", "all"), "n"] == base.metrics(screen="training").loc[("need", "all"), "n"]
    assert other.metrics(screen="test").loc[("need", "all"), "n"] == base.metrics(screen="test").loc[("need", "all"), "n"] - 1
    with pytest.raises(ValueError):
        base.metrics(screen="guessed")


def test_the_forecaster_is_chosen_on_earlier_years_than_it_is_scored_on(simulated):
    validation = F.rolling_origin(simulated, DRIVERS)
    chosen, reported = F.choice_years(validation)
    assert chosen and reported and max(chosen) < min(reported)
    metrics = validation.metrics("extrapolated")
    first = metrics.xs(str(chosen[0]), level="year")["mae_eur"]
    assert F.best_forecast(validation) == first.reindex(["persistence", "forecast"]).idxmin()


def test_need_interval_coverage_out_of_sample_is_close_to_nominal():
    """Without persistent municipal effects the need benchmark's intervals are exact: coverage of the
    next year within 1.5 points of 90% and 95%."""
    validation = F.rolling_origin(simulate(41, entities=3000), DRIVERS)
    need = validation.metrics("known", common=False).loc[("need", "all")]
    assert need["coverage_90"] == pytest.approx(90, abs=1.5)
    assert need["coverage_95"] == pytest.approx(95, abs=1.5)
    assert need["slope"] == pytest.approx(1, abs=0.1)


def test_own_history_helps_when_municipalities_differ_persistently(simulated):
    validation = F.rolling_origin(simulated, DRIVERS)
    scores = validation.metrics("known").xs("all", level="year")
    assert scores.at["forecast", "r2"] > scores.at["need", "r2"]
    assert scores.at["forecast", "mae_eur"] < scores.at["need", "mae_eur"]
    assert 0.2 < validation.history[validation.origins[-1]].k < 1
    assert validation.history[validation.origins[0]] is None  # one training year: no forecast
    assert F.best_forecast(validation) in ("persistence", "forecast")
    assert scores.at["forecast", "coverage_95"] == pytest.approx(95, abs=2.5)


def test_level_known_removes_each_predictors_mean_error(simulated):
    validation = F.rolling_origin(simulated, DRIVERS)
    known = validation._shifted("known")
    for name in F.PREDICTORS:
        errors = (known["actual"] - known[name]).groupby(known["year"]).mean().dropna()
        assert np.allclose(errors, 0, atol=1e-12)
    with pytest.raises(ValueError):
        validation.metrics("guessed")


def test_hosts_are_found_from_the_training_years_only():
    """A municipality whose cost falls sharply in the rule year is a host only once that year trains."""
    frame = simulate(5, entities=400, years=(2020, 2021, 2022, 2023))
    # Two large municipalities (a drop beyond chance for their size; a small one's would be within it).
    size = frame.groupby(level="gm_code")["inhabitants"].first()
    chosen = list(size[size > 100_000].index[:2])
    codes, years = frame.index.get_level_values("gm_code"), frame.index.get_level_values("year")
    frame.loc[codes.isin(chosen) & (years >= 2022), "cost_per_youth"] *= 0.35
    frame["log_cost_per_youth"] = np.log(frame["cost_per_youth"])
    # The two-sided rule scales chance by size: young inhabitants and young people in care.
    frame["inhabitants_0_17"] = 0.2 * frame["inhabitants"]
    frame["youths_in_care"] = (0.025 * frame["inhabitants"]).round()
    frame["name"] = frame.index.get_level_values("gm_code")
    assert F.training_hosts(frame[frame.index.get_level_values("year") <= 2021]) == (None, ())
    year, hosts = F.training_hosts(frame[frame.index.get_level_values("year") <= 2022])
    assert year == 2022 and set(chosen) <= set(hosts)
    validation = F.rolling_origin(frame, DRIVERS)
    assert validation.models[2021].controls == []
    assert validation.models[2022].controls == [E.HOST, E.HOST_POST]


# ------------------------------------------------------------------------------- real snapshot


@pytest.fixture(scope="module")
def real(tables):
    spec = E.resolve(tables, E.Specification())
    _, sample, _ = E.estimation_data(tables, spec)
    return sample, list(P.DRIVER_SETS[spec.driver_set])


def test_no_leakage_on_the_real_panel(real):
    sample, drivers = real
    base = F.rolling_origin(sample, drivers)
    last = base.origins[-1]
    other = F.rolling_origin(tampered(sample, last), drivers)
    assert_same_fit(base, other, last)
    assert other.predictions.loc[other.predictions["origin"] == last, "need"].notna().all()


def test_real_validation_reports_every_predictor_and_year(tables):
    validation = F.validate(tables)
    metrics = validation.metrics("known", common=False)
    assert set(metrics.index.get_level_values("predictor")) == set(F.PREDICTORS)
    need = metrics.loc["need"]
    assert {"all", *map(str, [o + 1 for o in validation.origins])} == set(need.index)
    assert ((need["coverage_95"] > 80) & (need["coverage_95"] <= 100)).all()
    model_years, overlap = F.objective_overlap(tables)
    assert model_years and set(overlap) <= set(model_years)


def test_next_year_forecast_uses_the_best_validated_predictor(tables):
    forecast = F.next_year_forecast(tables)
    assert forecast.predictor == F.best_forecast(forecast.validation)
    table = forecast.table
    assert forecast.year == int(forecast.validation.predictions["year"].max()) + 1
    assert len(table) > 300 and table["forecast_eur"].notna().all()
    assert ((table["lower_95"] <= table["lower_90"]) & (table["lower_90"] < table["forecast_eur"])
            & (table["forecast_eur"] < table["upper_90"]) & (table["upper_90"] <= table["upper_95"])).all()
    # A forecast of next year stays near this year's cost, unlike the need benchmark.
    assert ((table["forecast_eur"] / table["last_eur"]).median() - 1) == pytest.approx(0, abs=0.15)
