"""Does the model predict?  Rolling-origin validation of the need benchmark and a next-year forecast.

For every origin year *t* from the first sample year on, everything is fitted on the years up to
*t* only and the year *t + 1* is predicted for every municipality in the sample that year.  Three
predictors are compared:

need benchmark
    :class:`jeugdzorg.analysis.need_benchmark.NeedModel` fitted on the years up to *t*, applied to the
    drivers of *t + 1*.  Need-based: it does not use the municipality's own cost.
persistence
    The municipality's own cost in *t*.
next-year forecast
    The need benchmark plus ``k`` times the municipality's deviation from it in *t*; ``k`` is
    estimated in the years up to *t* by regressing each year's deviation on the deviation of the
    year before (so it says how much of a deviation persists), and the interval comes from that
    regression's errors, by size class, as the benchmark's does.  It needs two training years.

Persistence gets an interval the same way, from the year-on-year changes in the training years.

All three carry the national level forward in the same way: the level of *t* plus the mean yearly
change of the levels up to *t* (no change when there is only one year).  A predictor's accuracy is
reported as it stands (``level="extrapolated"``, what a forecaster in year *t* would have got: the
headline), and beside it with its mean error of the year removed (``level="known"``, named "with the
test year's national level": it uses the test year).

Which municipalities are scored (``screen``): every municipality of the target year with a positive
cost and complete drivers is predicted -- no filter looks at the target year's own cost.  The
headline scores the rows that pass a **training-only screen**: the municipality's cost in the origin
year was plausible (:func:`jeugdzorg.analysis.panel.plausible_cost` within that training year), so a
municipality whose bookkeeping was already off is left out on information a forecaster had.  The old
filter on the test year's own cost is kept beside it, named as using the test year
(``screen="test"``).  Beside the mean absolute error, the median absolute error (robust to the few
municipalities whose cost jumps by bookkeeping) is reported.

Nothing of year *t + 1* or later enters the fit of origin *t*: not its costs, not its drivers, not
the residence-rule hosts (found from the years up to *t* by the rule of
:func:`jeugdzorg.analysis.validation.residence_break`, so not before the rule's first year is a training
year).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import need_benchmark as B
from . import estimation as E
from . import panel as P
from . import validation as V

PREDICTORS = ("need", "persistence", "forecast")
LABELS = {"need": "Need benchmark", "persistence": "Persistence (last year's cost)",
          "forecast": "Next-year forecast (need + own history)"}


def training_hosts(train: pd.DataFrame) -> tuple[int | None, tuple[str, ...]]:
    """Municipalities whose cost the residence rule possibly moved out, found from ``train`` alone
    (:func:`jeugdzorg.analysis.validation.residence_break` on the training years, so only when the
    rule's year and the year before are both training years)."""
    rule = V.residence_break(train)
    return (None, ()) if rule.year is None else (rule.year, tuple(sorted(rule.hosts.index)))


def with_host_controls(frame: pd.DataFrame, hosts: Sequence[str], rule_year: int | None) -> pd.DataFrame:
    """``frame`` with the residence-rule indicators of :func:`jeugdzorg.analysis.estimation.add_controls`."""
    out = frame.copy()
    codes = out.index.get_level_values("gm_code")
    out[E.HOST] = codes.isin(list(hosts)).astype(float)
    years = out.index.get_level_values("year")
    out[E.HOST_POST] = out[E.HOST] * ((years >= rule_year) if rule_year is not None else False)
    return out


@dataclass
class OwnHistory:
    """How much of a municipality's deviation from the need benchmark carries into the next year.

    Attributes
    ----------
    k
        OLS coefficient of a year's deviation on the same municipality's deviation the year before,
        over every pair of consecutive training years (0: deviations do not persist, 1: fully).
    last_deviation
        Per municipality, its deviation in the last training year.
    scale
        :class:`~jeugdzorg.analysis.need_benchmark.ResidualScale` of the regression's errors by size class:
        the forecast's interval.
    persistence_scale
        The same for the errors of persistence in the training years (a year's log cost minus the
        year before's, net of the change in the national level): persistence's interval.
    """

    k: float
    last_deviation: pd.Series
    scale: B.ResidualScale
    persistence_scale: B.ResidualScale


def _pairs(wide: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Values of consecutive years stacked: (year before, year), both present."""
    before, after = [], []
    for year in wide.columns[1:]:
        if year - 1 in wide.columns:
            both = wide[[year - 1, year]].dropna()
            before.append(both[year - 1].rename(year))
            after.append(both[year].rename(year))
    if not before:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    stack = lambda parts: pd.concat({int(p.name): p for p in parts}, names=["year"]).swaplevel()  # noqa: E731
    return stack(before), stack(after)


def own_history(model: B.NeedModel, train: pd.DataFrame, outcome: str = B.OUTCOME) -> OwnHistory | None:
    """Estimate :class:`OwnHistory` from the need model's training residuals (``None`` when no
    municipality has two consecutive training years)."""
    before, after = _pairs(model.residuals.unstack("year"))
    if before.empty:
        return None
    k = float((before @ after) / (before @ before))
    inhabitants = train["inhabitants"].reindex(after.index)
    scale = B.ResidualScale.fit(after - k * before, B.size_class(inhabitants), parameters=1)
    cost_before, cost_after = _pairs(train[outcome].unstack("year"))
    change = cost_after - cost_before
    level_change = pd.Series(model.levels.diff().to_numpy(), index=model.levels.index)
    errors = change - level_change.reindex(change.index.get_level_values("year")).to_numpy()
    persistence = B.ResidualScale.fit(errors, B.size_class(train["inhabitants"].reindex(change.index)))
    last_year = int(model.levels.index.max())
    trained = model.residuals.index.get_level_values("year")
    last = model.residuals.xs(last_year, level="year") if last_year in trained else pd.Series(dtype=float)
    return OwnHistory(k, last, scale, persistence)


@dataclass
class RollingOrigin:
    """Predictions of every origin and their accuracy.

    Attributes
    ----------
    predictions
        One row per origin and municipality of the target year with a positive cost and complete
        drivers: ``origin``, ``year`` (target), ``gm_code``, ``size_class``, ``actual`` (log cost per
        young inhabitant), ``screened`` (the training-only screen: a plausible cost in the origin
        year), ``test_plausible`` (the test year's own filter, shown beside only) and, per
        predictor of :data:`PREDICTORS`, the log prediction (``need``, ``persistence``, ``forecast``),
        the expected euros (``<predictor>_eur``: smeared mean for need and forecast, last year's cost
        carried forward for persistence) and the log interval bounds ``<predictor>_lower_90`` ...
        ``<predictor>_upper_95`` (persistence's and the forecast's need two training years).  A
        missing value: the predictor is not available (no cost of the municipality in *t*; a
        forecast from a single training year).
    models
        Origin -> the need model fitted on the years up to it.
    history
        Origin -> the :class:`OwnHistory` of the forecast (``None`` with one training year).
    """

    predictions: pd.DataFrame
    models: dict[int, B.NeedModel] = field(repr=False)
    history: dict[int, OwnHistory | None] = field(repr=False)

    @property
    def origins(self) -> list[int]:
        return sorted(self.models)

    def _shifted(self, level: str) -> pd.DataFrame:
        """Predictions with each predictor's mean log error of the year removed (``level="known"``)."""
        data = self.predictions.copy()
        if level == "extrapolated":
            return data
        if level != "known":
            raise ValueError("level must be 'known' or 'extrapolated'")
        for name in PREDICTORS:
            shift = (data["actual"] - data[name]).groupby(data["year"]).transform("mean")
            bounds = [c for c in data.columns if c.startswith((f"{name}_lower", f"{name}_upper"))]
            columns = [name, *bounds]
            for column in columns:
                data[column] = data[column] + shift
            data[f"{name}_eur"] = data[f"{name}_eur"] * np.exp(shift)
        return data

    def metrics(self, level: str = "extrapolated", common: bool = True, screen: str = "training") -> pd.DataFrame:
        """Accuracy per predictor and target year, and over all target years (``year == "all"``).

        Parameters
        ----------
        level
            ``"extrapolated"`` (as a forecaster would have had it) or ``"known"`` (each predictor's
            mean error of the year removed: uses the test year).
        common
            Score every predictor on the same rows: those where all predictors are available (a
            forecast needs two training years, persistence the municipality's cost of the year
            before).  ``False`` scores each on all of its own rows.
        screen
            ``"training"`` (the rows whose origin-year cost was plausible), ``"test"`` (the rows whose
            target-year cost is plausible: uses the test year) or ``"none"``.

        Returns
        -------
        pandas.DataFrame
            Indexed by (``predictor``, ``year``): ``n``; ``r2`` (1 - SSE/SST of the logs, SST around
            each year's mean); ``mae_eur`` (mean absolute error in euros per young inhabitant);
            ``medae_eur`` (median absolute error: robust to a few bookkeeping jumps);
            ``slope`` (calibration slope: OLS slope of actual on predicted euros, within years);
            ``coverage_90``, ``coverage_95`` (% of municipalities inside the interval).
        """
        data = self._shifted(level)
        if screen not in ("training", "test", "none"):
            raise ValueError("screen must be 'training', 'test' or 'none'")
        if screen != "none":
            data = data[data["screened" if screen == "training" else "test_plausible"].astype(bool)]
        if common:
            data = data.dropna(subset=list(PREDICTORS))
        rows = []
        for name in PREDICTORS:
            part = data.dropna(subset=[name])
            for year, group in [*part.groupby("year"), ("all", part)]:
                if group.empty:
                    continue
                rows.append({"predictor": name, "year": year, **_scores(group, name)})
        out = pd.DataFrame(rows)
        out["year"] = out["year"].astype(str)
        return out.set_index(["predictor", "year"])


def _scores(group: pd.DataFrame, name: str) -> dict[str, float]:
    actual = group["actual"]
    centred = actual - actual.groupby(group["year"]).transform("mean")
    sse = float(((actual - group[name]) ** 2).sum())
    sst = float((centred ** 2).sum())
    a_eur = np.exp(actual)
    p_eur = group[f"{name}_eur"]
    # Calibration slope within years: both sides centred on their year means.
    a_c = a_eur - a_eur.groupby(group["year"]).transform("mean")
    p_c = p_eur - p_eur.groupby(group["year"]).transform("mean")
    out = {"n": len(group), "r2": 1 - sse / sst if sst > 0 else float("nan"),
           "mae_eur": float((a_eur - p_eur).abs().mean()),
           "medae_eur": float((a_eur - p_eur).abs().median()),
           "slope": float((a_c @ p_c) / (p_c @ p_c)) if float(p_c @ p_c) > 0 else float("nan")}
    for pct in (90, 95):
        low, high = f"{name}_lower_{pct}", f"{name}_upper_{pct}"
        inside = (actual >= group[low]) & (actual <= group[high])
        out[f"coverage_{pct}"] = 100 * float(inside[group[low].notna()].mean()) if group[low].notna().any() \
            else float("nan")
    return out


def rolling_origin(sample: pd.DataFrame, drivers: Sequence[str], *, outcome: str = B.OUTCOME,
                   origins: Sequence[int] | None = None, residence_rule: bool = True,
                   panel: pd.DataFrame | None = None) -> RollingOrigin:
    """Fit on the years up to each origin, predict the next year (see the module docstring).

    Parameters
    ----------
    sample
        The estimation sample (:func:`jeugdzorg.analysis.estimation.estimation_data`), indexed by
        (``gm_code``, ``year``), with ``outcome`` (log cost per young inhabitant), its level
        ``cost_per_youth``, the drivers and ``inhabitants``.
    drivers
        The need drivers.
    origins
        Origin years (default: every sample year but the last).
    residence_rule
        Control for the residence-rule hosts in the origins whose training years contain the rule.
    panel
        The panel the sample was drawn from: the target year's rows are taken from it (every
        municipality with a positive cost and complete drivers, no filter on the target year's cost);
        without it, from ``sample``.
    """
    drivers = list(drivers)
    years = sample.index.get_level_values("year")
    periods = sorted(int(y) for y in years.unique())
    origins = list(origins) if origins is not None else periods[:-1]
    frames, fitted, histories = [], {}, {}
    for origin in origins:
        target = origin + 1
        if target not in periods:
            continue
        train = sample[years <= origin]
        rule_year, hosts = training_hosts(train) if residence_rule else (None, ())
        train = with_host_controls(train, hosts, rule_year)
        model = B.fit_need_model(train, drivers, controls=[E.HOST, E.HOST_POST] if hosts else [],
                                 outcome=outcome)
        pool = panel if panel is not None else sample
        test = pool[pool.index.get_level_values("year") == target].droplevel("year")
        test = test[(test["cost_per_youth"] > 0) & test[[*drivers, "inhabitants"]].notna().all(axis=1)]
        test = test.assign(**{outcome: np.log(test["cost_per_youth"])}) if outcome == B.OUTCOME else test
        classes = B.size_class(test["inhabitants"])
        need = model.predict(test, target, classes)
        drift = model.level(target) - model.level(origin)
        year_rows = pool[pool.index.get_level_values("year") == target]
        plausible_test = P.plausible_cost(year_rows).droplevel("year").reindex(test.index).fillna(False)
        out = pd.DataFrame({"origin": origin, "year": target, "size_class": classes,
                            "actual": test[outcome],
                            # The screen a forecaster had: a plausible cost in the origin year (training data).
                            "screened": test.index.isin(list(train.xs(origin, level="year").index)),
                            "test_plausible": plausible_test.astype(bool)}, index=test.index)
        out["need"] = need["centre"]
        out["need_eur"] = need["expected_eur"]
        for pct in (90, 95):
            out[f"need_lower_{pct}"], out[f"need_upper_{pct}"] = need[f"log_lower_{pct}"], need[f"log_upper_{pct}"]
        last = train[outcome].xs(origin, level="year").reindex(test.index)
        out["persistence"] = last + drift
        out["persistence_eur"] = np.exp(out["persistence"])
        history = own_history(model, train, outcome)
        bounds = [f"{name}_{side}_{pct}" for name in ("persistence", "forecast")
                  for side in ("lower", "upper") for pct in (90, 95)]
        if history is None:
            for column in ("forecast", "forecast_eur", *bounds):
                out[column] = np.nan
        else:
            # A municipality without a cost in the origin year has no deviation to carry: need only.
            deviation = history.last_deviation.reindex(test.index).fillna(0.0)
            centre = out["need"] + history.k * deviation
            out["forecast"] = centre
            out["forecast_eur"] = np.exp(centre) * history.scale.of(classes).map(history.scale.smearing)
            for name, scale, middle in (("forecast", history.scale, centre),
                                        ("persistence", history.persistence_scale, out["persistence"])):
                for pct in (90, 95):
                    low, high = scale.bounds(middle, classes, pct / 100)
                    out[f"{name}_lower_{pct}"], out[f"{name}_upper_{pct}"] = low, high
        frames.append(out.rename_axis("gm_code").reset_index())
        fitted[origin], histories[origin] = model, history
    if not frames:
        raise ValueError("no origin with a following year in the sample")
    return RollingOrigin(pd.concat(frames, ignore_index=True), fitted, histories)


def validate(tables: dict[str, pd.DataFrame], spec: E.Specification = E.Specification()) -> RollingOrigin:
    """Rolling-origin validation of the book's specification (need drivers of ``spec.driver_set``,
    its years and boundaries; the outcome is log cost per young inhabitant)."""
    from dataclasses import replace

    spec = E.resolve(tables, replace(spec, outcome=B.OUTCOME, region_effects=False, weighted=False,
                                     balanced=False, exclude=(), trim=0.0, exclude_hosts=False))
    panel, sample, _ = E.estimation_data(tables, spec)
    return rolling_origin(sample, list(P.DRIVER_SETS[spec.driver_set]), residence_rule=spec.residence_rule,
                          panel=panel)


def best_forecast(validation: RollingOrigin, candidates: Sequence[str] = ("persistence", "forecast"),
                  choose_on: Sequence[int] | None = None) -> str:
    """The candidate for the next-year forecast with the lowest mean absolute error in euros (as a
    forecaster would have had it, training-only screen, the rows every predictor covers) over the
    target years ``choose_on`` -- default: the first target year every candidate covers, so the
    choice is made on earlier years than the ones its accuracy is reported for
    (:func:`choice_years`)."""
    metrics = validation.metrics("extrapolated")
    years = [str(y) for y in (choose_on if choose_on is not None else choice_years(validation)[0])]
    scores = metrics.loc[metrics.index.get_level_values("year").isin(years), "mae_eur"]
    mean = scores.groupby(level="predictor").mean()
    return str(mean.reindex(list(candidates)).idxmin())


def choice_years(validation: RollingOrigin) -> tuple[list[int], list[int]]:
    """The target years the forecaster is chosen on (the first year every predictor covers) and the
    later ones its accuracy is reported for."""
    metrics = validation.metrics("extrapolated")
    years = sorted(int(y) for y in metrics.index.get_level_values("year").unique() if y != "all")
    return years[:1], years[1:]


def objective_overlap(tables: dict[str, pd.DataFrame]) -> tuple[list[int], list[int]]:
    """Payment years of the gemeentefonds' objective youth model in the snapshot, and those of them
    with realised cost: a validation against the fund's model needs the second list non-empty."""
    model = tables["objective_model"]
    model_years = sorted(int(y) for y in model.loc[model["computed_eur"].notna(), "year"].unique())
    costs = tables["costs"]
    cost_years = set(int(y) for y in costs.loc[costs["realised_keur"].notna(), "year"].unique())
    return model_years, [y for y in model_years if y in cost_years]


@dataclass
class NextYear:
    """The next-year forecast of every municipality (a budgeting aid, not the need benchmark).

    Attributes
    ----------
    year
        The forecast year: the year after the last sample year.
    predictor
        The predictor used (:func:`best_forecast` of the rolling-origin validation): ``persistence``
        or ``forecast``.
    table
        Indexed by GM code (municipalities in the sample of the last year): ``name``,
        ``size_class``, ``last_eur`` (cost per young inhabitant in the last year), ``forecast_eur``
        and ``lower_90``, ``upper_90``, ``lower_95``, ``upper_95`` (EUR per inhabitant aged 0-17,
        nominal).  The national level is extrapolated by the mean yearly change of the sample years;
        the interval does not include the uncertainty of that level, and the drivers are those of
        the last year (the gemeentefonds edition of the forecast year may not be there yet).
    validation
        The rolling-origin validation the predictor was chosen on (its coverage is the interval's
        track record).
    """

    year: int
    predictor: str
    table: pd.DataFrame
    validation: RollingOrigin = field(repr=False)


def next_year_forecast(tables: dict[str, pd.DataFrame], spec: E.Specification = E.Specification(), *,
                       validation: RollingOrigin | None = None) -> NextYear:
    """Forecast the cost per young inhabitant of the year after the sample for every municipality.

    The predictor is the one that validates best out of sample (:func:`best_forecast`); it is
    fitted on every sample year, as the validation fitted each origin on the years before it.
    ``validation``: the rolling-origin validation of the same specification (:func:`validate`), if
    already computed.
    """
    from dataclasses import replace

    spec = E.resolve(tables, replace(spec, outcome=B.OUTCOME, region_effects=False, weighted=False,
                                     balanced=False, exclude=(), trim=0.0, exclude_hosts=False))
    panel, sample, _ = E.estimation_data(tables, spec)
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    if validation is None:
        validation = rolling_origin(sample, drivers, residence_rule=spec.residence_rule, panel=panel)
    predictor = best_forecast(validation)
    years = sample.index.get_level_values("year")
    last = int(years.max())
    rule_year, hosts = training_hosts(sample) if spec.residence_rule else (None, ())
    train = with_host_controls(sample, hosts, rule_year)
    model = B.fit_need_model(train, drivers, controls=[E.HOST, E.HOST_POST] if hosts else [])
    history = own_history(model, train)
    if history is None:
        raise ValueError("a next-year forecast needs two consecutive sample years")
    rows = sample[years == last].droplevel("year")
    classes = B.size_class(rows["inhabitants"])
    drift = model.level(last + 1) - model.level(last)
    if predictor == "persistence":
        centre, scale = rows[B.OUTCOME] + drift, history.persistence_scale
        expected = np.exp(centre) * scale.of(classes).map(scale.smearing)
    else:
        need = model.predict(rows, last + 1, classes)["centre"]
        centre = need + history.k * history.last_deviation.reindex(rows.index).fillna(0.0)
        scale = history.scale
        expected = np.exp(centre) * scale.of(classes).map(scale.smearing)
    table = pd.DataFrame({"name": rows["name"] if "name" in rows.columns else None, "size_class": classes,
                          "last_eur": np.exp(rows[B.OUTCOME]), "forecast_eur": expected})
    for pct in (90, 95):
        low, high = scale.bounds(centre, classes, pct / 100)
        table[f"lower_{pct}"], table[f"upper_{pct}"] = np.exp(low), np.exp(high)
    table.index.name = "gm_code"
    return NextYear(last + 1, predictor, table, validation)
