"""The need benchmark: what a municipality would cost per young inhabitant given its need drivers.

The benchmark is the basis of every "above / below expected" statement in the book, the maps and
the profiles.  It is need-based on purpose: it uses the municipality's drivers and the national
level of the year, never the municipality's own cost history (that is the next-year forecast of
:mod:`jeugdzorg.analysis.forecast`, a different product with its own interval).

Model
    OLS of log realised cost per inhabitant aged 0-17 on a dummy per year (the national level), the
    need drivers and, when the data contain the residence rule of 2022, the host controls of
    :mod:`jeugdzorg.analysis.estimation` -- the pooled model of the panel-models chapter.  The
    controls keep the hosts' bookkeeping out of the need coefficients; the expectation leaves them
    out (it is the cost of the drivers, not of hosting an institution).
Heteroskedastic intervals
    Small municipalities are more volatile: one expensive placement moves their cost per young
    inhabitant by tens of percent.  The residual scale is estimated per size class (inhabitants:
    :data:`SIZE_BOUNDS`); the shape of the interval comes from the empirical quantiles of the
    residuals divided by their class's scale (pooled over classes, so the tails are estimated from
    every municipality and need not be normal); the parameter uncertainty of the point adds
    ``sqrt(1 + h)`` with ``h`` the leverage of the point.  The interval in euros is the exponent of
    the interval in logs.
Back-transform
    The expected cost in euros is the exponent of the log prediction times the class's smearing
    factor (Duan 1983: the mean of the exponentiated residuals), which turns the median of the log
    model into a mean.
Fit without the flagged
    Municipalities whose ranking flag says their cost is off in scope
    (:data:`jeugdzorg.analysis.flags.RANKING_FLAGS`) are left out of the fit; every municipality,
    flagged or not, gets its benchmark from that fit.
Position in a year (context)
    Whether the year's actual cost lies above, below or within the year's prediction interval: the
    range of cost seen for municipalities with these need drivers.  About 5% of municipalities lie
    outside a 95% range by construction, and the position changes from year to year; it is shown,
    never called a verdict.
Verdict
    On the lasting gap (:mod:`jeugdzorg.analysis.verdicts`): the municipality's residuals over the
    cost years split into a lasting and a year-to-year part; ``above`` or ``below`` only when the
    shrunken lasting gap's interval excludes zero, survives the false-discovery rate over all
    municipalities and is material; otherwise ``within``.  Municipalities with a ranking flag, or
    with fewer than two cost years, get ``not assessed`` with the reason.  A municipality whose cost
    the residence rule possibly moved uses the years before the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import estimation as E
from . import panel as P
from . import validation as V
from . import verdicts as Vd
from .flags import RANKING_FLAGS, RESIDENCE_FLAGS, record

#: Upper bounds (inhabitants) of the size classes of the intervals; the last class is open.
SIZE_BOUNDS: tuple[int, ...] = (20_000, 50_000, 100_000)
#: A size class with fewer residuals than this is merged with the next smaller class (or, for the
#: smallest, the next larger one): a scale needs enough rows to be estimated.
MIN_CLASS_ROWS = 30
#: The interval levels the benchmark reports; the verdict uses :data:`VERDICT_LEVEL`.
LEVELS: tuple[float, ...] = (0.90, 0.95)
VERDICT_LEVEL = 0.95
OUTCOME = "log_cost_per_youth"
VERDICTS = ("above", "below", "within", "not assessed")


def size_labels(bounds: Sequence[int] = SIZE_BOUNDS) -> list[str]:
    """Readable labels of the size classes, smallest first."""
    edges = [0, *bounds]
    labels = [f"under {bounds[0]:,}"]
    labels += [f"{lo:,}-{hi:,}" for lo, hi in zip(edges[1:-1], edges[2:])]
    return labels + [f"{bounds[-1]:,} or more"]


def size_class(inhabitants: pd.Series, bounds: Sequence[int] = SIZE_BOUNDS) -> pd.Series:
    """The size class (label of :func:`size_labels`) of each number of inhabitants."""
    labels = size_labels(bounds)
    # Inhabitants are counts: rounding first keeps a municipality of exactly 20,000 in one class on
    # every machine, whatever the last bits of a harmonised sum.
    codes = np.searchsorted(np.asarray(bounds), np.round(inhabitants.to_numpy(dtype=float)), side="right")
    out = pd.Series([labels[c] if np.isfinite(v) else None for c, v in zip(codes, inhabitants)],
                    index=inhabitants.index, dtype=object)
    return out


def merged_classes(classes: pd.Series, order: Sequence[str], minimum: int = MIN_CLASS_ROWS) -> dict[str, str]:
    """Map each class to the class whose scale it uses: a class with fewer than ``minimum`` rows
    joins its smaller neighbour (the smallest joins the larger one), repeatedly."""
    counts = classes.value_counts().reindex(list(order), fill_value=0)
    groups = [[label] for label in order]
    while len(groups) > 1:
        small = [i for i, group in enumerate(groups) if int(counts[group].sum()) < minimum]
        if not small:
            break
        i = small[0]
        a, b = sorted((i, i - 1 if i > 0 else 1))
        groups[a] = groups[a] + groups[b]
        del groups[b]
    return {label: " / ".join(group) if len(group) > 1 else group[0] for group in groups for label in group}


@dataclass
class ResidualScale:
    """Heteroskedastic scale, interval shape and smearing of a set of log residuals.

    Attributes
    ----------
    mapping
        Size class -> the (possibly merged) class whose scale it uses.
    scale
        Per merged class, the residual standard deviation (degrees of freedom of the fit taken off).
    quantiles
        Level -> (lower, upper) empirical quantiles of the residuals divided by their class's scale.
    smearing
        Per merged class, Duan's smearing factor: the mean of ``exp(residual - class mean)``.
    rows
        Residuals per merged class.
    """

    mapping: dict[str, str]
    scale: pd.Series
    quantiles: dict[float, tuple[float, float]]
    smearing: pd.Series
    rows: pd.Series

    @classmethod
    def fit(cls, residuals: pd.Series, classes: pd.Series, *, parameters: int = 0,
            levels: Sequence[float] = LEVELS, order: Sequence[str] | None = None) -> "ResidualScale":
        """Estimate the scale per class from ``residuals`` (log units) and their ``classes``."""
        order = list(order or size_labels())
        mapping = merged_classes(classes, order)
        merged = classes.map(mapping)
        n = len(residuals)
        correction = n / max(n - parameters, 1)
        squared = (residuals ** 2).groupby(merged).mean()
        scale = np.sqrt(squared * correction)
        standardised = residuals / merged.map(scale)
        quantiles = {level: (float(np.quantile(standardised, (1 - level) / 2)),
                             float(np.quantile(standardised, (1 + level) / 2))) for level in levels}
        # Duan's factor per class, of the residuals around their class mean: the class's dispersion
        # turns the median into a mean; a class mean that differs from zero is not a need effect and
        # is not added to the expectation.
        centred = residuals - residuals.groupby(merged).transform("mean")
        smearing = np.exp(centred).groupby(merged).mean()
        return cls(mapping, scale, quantiles, smearing, merged.value_counts())

    def of(self, classes: pd.Series) -> pd.Series:
        """The merged class of each size class (unknown classes: the largest merged class)."""
        fallback = self.rows.idxmax()
        return classes.map(self.mapping).fillna(fallback)

    def bounds(self, centre: pd.Series, classes: pd.Series, level: float,
               inflation: pd.Series | float = 1.0) -> tuple[pd.Series, pd.Series]:
        """Lower and upper bound (log units) of the ``level`` interval around ``centre``."""
        scale = self.of(classes).map(self.scale) * inflation
        low, high = self.quantiles[level]
        return centre + low * scale, centre + high * scale


@dataclass
class NeedModel:
    """A fitted need model: coefficients, year levels and the residual scale of its intervals.

    Attributes
    ----------
    drivers, controls
        The need drivers and the controls (in the fit, not in the expectation).
    coef
        Coefficients of drivers and controls.
    levels
        The national level per year (coefficient of the year dummy).
    residuals
        In-sample residuals (log units), indexed like the training rows.
    scale
        :class:`ResidualScale` of the residuals by size class.
    xtx_inv
        ``(X'X)^-1`` of the design (year dummies, drivers, controls), for the leverage of a point.
    """

    drivers: list[str]
    controls: list[str]
    coef: pd.Series
    levels: pd.Series
    residuals: pd.Series
    scale: ResidualScale
    xtx_inv: np.ndarray = field(repr=False)

    @property
    def years(self) -> list[int]:
        return [int(y) for y in self.levels.index]

    @property
    def drift(self) -> float:
        """Mean change of the national level per year in the training years (0 with one year)."""
        return float(self.levels.diff().mean()) if len(self.levels) > 1 else 0.0

    def level(self, year: int) -> float:
        """The national level of ``year``: estimated if it is a training year, else extrapolated
        from the last training year by :attr:`drift` per year."""
        if year in self.levels.index:
            return float(self.levels[year])
        last = int(self.levels.index.max())
        return float(self.levels[last] + self.drift * (year - last))

    def need_part(self, rows: pd.DataFrame) -> pd.Series:
        """``x' beta`` over the drivers only (no level, no controls)."""
        return rows[self.drivers].astype(float) @ self.coef[self.drivers]

    def leverage(self, rows: pd.DataFrame, year: int) -> pd.Series:
        """``z' (X'X)^-1 z`` of each row's need prediction (the year's dummy, its drivers, controls 0);
        a year outside the training data uses the last training year's dummy."""
        anchor = year if year in self.levels.index else int(self.levels.index.max())
        dummies = np.tile((self.levels.index.to_numpy() == anchor).astype(float), (len(rows), 1))
        z = np.hstack([dummies, rows[self.drivers].to_numpy(dtype=float), np.zeros((len(rows), len(self.controls)))])
        return pd.Series(np.einsum("ij,jk,ik->i", z, self.xtx_inv, z), index=rows.index)

    def predict(self, rows: pd.DataFrame, year: int, classes: pd.Series,
                levels: Sequence[float] = LEVELS) -> pd.DataFrame:
        """The need prediction for ``rows`` (drivers of one year) with intervals, in logs and euros.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``rows``: ``centre`` (log), ``expected_eur`` (smeared mean), ``median_eur``
            (``exp(centre)``), ``leverage``, and per level ``lower_<pct>``/``upper_<pct>`` in logs
            (``log_``-prefixed) and euros.
        """
        centre = self.level(year) + self.need_part(rows)
        leverage = self.leverage(rows, year)
        out = pd.DataFrame({"centre": centre, "leverage": leverage}, index=rows.index)
        merged = self.scale.of(classes)
        out["expected_eur"] = np.exp(centre) * merged.map(self.scale.smearing)
        out["median_eur"] = np.exp(centre)
        for level in levels:
            low, high = self.scale.bounds(centre, classes, level, np.sqrt(1 + leverage))
            pct = round(100 * level)
            out[f"log_lower_{pct}"], out[f"log_upper_{pct}"] = low, high
            out[f"lower_{pct}"], out[f"upper_{pct}"] = np.exp(low), np.exp(high)
        return out


def fit_need_model(sample: pd.DataFrame, drivers: Sequence[str], *, controls: Sequence[str] = (),
                   outcome: str = OUTCOME, inhabitants: str = "inhabitants",
                   levels: Sequence[float] = LEVELS) -> NeedModel:
    """Fit the need model on ``sample`` (indexed by municipality and year).

    Rows missing the outcome, a driver, a control or the inhabitants are dropped.  The design is a
    dummy per year (no constant), the drivers and the controls that vary; it is solved with
    :func:`numpy.linalg.lstsq`, so it equals linearmodels' pooled OLS with time effects of the
    panel-models chapter.
    """
    drivers = list(drivers)
    controls = [c for c in controls if c in sample.columns and sample[c].nunique() > 1]
    data = sample[[outcome, *drivers, *controls, inhabitants]].dropna()
    if data.empty:
        raise ValueError("no complete rows to fit the need model on")
    years = data.index.get_level_values("year")
    periods = sorted(int(y) for y in years.unique())
    dummies = np.column_stack([(years == t).astype(float) for t in periods])
    x = np.hstack([dummies, data[drivers].to_numpy(dtype=float), data[controls].to_numpy(dtype=float)])
    y = data[outcome].to_numpy(dtype=float)
    coef, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    if rank < x.shape[1]:
        raise ValueError("the need model's design is rank deficient (a driver without variation, or "
                         "collinear drivers)")
    residuals = pd.Series(y - x @ coef, index=data.index)
    classes = size_class(data[inhabitants])
    scale = ResidualScale.fit(residuals, classes, parameters=x.shape[1], levels=levels)
    names = [*drivers, *controls]
    return NeedModel(drivers, controls, pd.Series(coef[len(periods):], index=names),
                     pd.Series(coef[:len(periods)], index=periods), residuals, scale,
                     np.linalg.inv(x.T @ x))


def verdicts(actual: pd.Series, lower: pd.Series, upper: pd.Series) -> pd.Series:
    """``above`` / ``below`` when ``actual`` lies strictly outside ``[lower, upper]``, else
    ``within``; ``not assessed`` where any of the three is missing."""
    out = pd.Series("within", index=actual.index, dtype=object)
    out[actual > upper] = "above"
    out[actual < lower] = "below"
    out[actual.isna() | lower.isna() | upper.isna()] = "not assessed"
    return out


def fit_metrics(actual_eur: pd.Series, expected_eur: pd.Series) -> pd.Series:
    """How well expected euros match actual euros.

    Returns
    -------
    pandas.Series
        ``n``; ``r2_log`` (1 - SSE/SST of the logs); ``r2_eur`` (the same in euros); ``mae_eur`` (mean
        absolute error, euros); ``slope_eur`` (calibration slope: OLS slope of actual on expected
        euros, 1 for a calibrated benchmark, below 1 when the expectations spread too far);
        ``ratio_eur`` (sum of actual over sum of expected, calibration in the large).
    """
    both = pd.DataFrame({"a": actual_eur, "e": expected_eur}).dropna()
    a, e = both["a"].to_numpy(dtype=float), both["e"].to_numpy(dtype=float)
    la, le = np.log(a), np.log(e)
    sst_log = float(((la - la.mean()) ** 2).sum())
    sst = float(((a - a.mean()) ** 2).sum())
    slope = float(np.cov(a, e, ddof=0)[0, 1] / np.var(e)) if len(a) > 1 and np.var(e) > 0 else float("nan")
    return pd.Series({
        "n": len(a),
        "r2_log": 1 - float(((la - le) ** 2).sum()) / sst_log if sst_log > 0 else float("nan"),
        "r2_eur": 1 - float(((a - e) ** 2).sum()) / sst if sst > 0 else float("nan"),
        "mae_eur": float(np.abs(a - e).mean()) if len(a) else float("nan"),
        "slope_eur": slope,
        "ratio_eur": float(a.sum() / e.sum()) if len(a) else float("nan"),
    })


@dataclass
class NeedBenchmark:
    """Every municipality's actual cost per young inhabitant against its need benchmark, one year.

    Attributes
    ----------
    year
        The benchmark year: the latest year of the estimation sample.
    table
        Indexed by GM code (every municipality of the boundary year, alphabetical by name): ``name``,
        ``size_class`` (inhabitants), ``inhabitants_0_17``, ``actual_eur`` (realised cost per
        inhabitant aged 0-17, EUR, nominal), ``expected_eur`` (the need benchmark: smeared mean,
        EUR), ``lower_90``, ``upper_90``, ``lower_95``, ``upper_95`` (prediction interval, EUR),
        ``actual_vs_expected_pct`` (100 x (actual / expected - 1)), ``verdict`` (one of
        :data:`VERDICTS`), ``reason`` (why not assessed; empty otherwise) and ``flags`` (every
        validation flag of the municipality, ``;``-separated, also for assessed ones, so pages can
        mark them).  Expected values and intervals are present wherever the drivers are, also for a
        municipality that is not assessed.
    model
        The fitted :class:`NeedModel`.
    level
        The interval level of the verdict.
    fit
        :func:`fit_metrics` of actual against expected euros over the municipalities in the sample in
        ``year`` (in sample).
    spec
        The resolved specification (years, boundaries, driver set).
    lasting
        The lasting gap of every municipality (:class:`jeugdzorg.analysis.verdicts.LastingGaps`) over
        the cost years of the fit; a municipality whose cost the residence rule possibly moved uses
        the years before the rule (the year after when fewer than two years precede it).  Its
        verdict is in ``table["lasting_verdict"]``.
    positions
        Indexed by ``(gm_code, year)`` over the cost years: ``actual_eur``, ``expected_eur``,
        ``lower_95``, ``upper_95`` (the range of cost seen for municipalities with these need
        drivers), ``gap_pct`` (actual against expected, %), ``log_gap`` (log actual minus the log
        benchmark: the residual the lasting gap is estimated from) and ``position`` (the per-year
        rule: above/below/within that range).
    fit_excluded
        GM codes left out of the fit (flags that keep a municipality out of rankings); every
        municipality still gets its benchmark from that fit.
    own_years
        GM code -> the cost years its lasting gap uses, for the municipalities whose cost the
        residence rule possibly moved.
    """

    year: int
    table: pd.DataFrame
    model: NeedModel
    level: float
    fit: pd.Series
    spec: E.Specification
    lasting: Vd.LastingGaps | None = None
    positions: pd.DataFrame = field(default_factory=pd.DataFrame)
    fit_excluded: tuple[str, ...] = ()
    own_years: dict[str, list[int]] = field(default_factory=dict)

    def lasting_in(self, years: Sequence[int] | None = None, rho: float | None = None) -> Vd.LastingGaps:
        """The lasting gaps recomputed from :attr:`positions` over ``years`` (default: every cost
        year) with AR(1) correlation ``rho`` (``None``: estimated): the window and correlation
        sensitivity checks.  The flagged stay out of the variance components, as in the fit."""
        available = sorted(int(y) for y in self.positions.index.get_level_values("year").unique())
        chosen = [y for y in available if years is None or y in set(years)]
        own = {c: [y for y in ys if y in chosen] for c, ys in self.own_years.items()}
        own = {c: ys if len(ys) >= 2 else [y for y in chosen if y not in self.own_years[c]] for c, ys in own.items()}
        residuals = Vd.window_residuals(self.positions["log_gap"], chosen, own)
        groups = self.model.scale.of(self.table["size_class"].dropna())
        fit = sorted(set(self.table.index) - set(self.fit_excluded))
        return Vd.lasting_gaps(residuals, groups, rho=rho, fit=fit)

    def verdicts_of(self, lasting: Vd.LastingGaps) -> pd.Series:
        """The published verdicts' rule applied to other lasting gaps: ``not assessed`` where the
        book's verdict is (flagged) or where ``lasting`` has no gap."""
        out = lasting.table["verdict"].reindex(self.table.index).fillna("not assessed")
        return out.where(~self.table["reason"].str.startswith("flagged"), "not assessed")

    @property
    def assessed(self) -> pd.DataFrame:
        return self.table[self.table["verdict"] != "not assessed"]

    def counts(self) -> pd.Series:
        """Municipalities per verdict (all of :data:`VERDICTS`, zeros included)."""
        return self.table["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)

    @property
    def class_scale(self) -> pd.DataFrame:
        """Per merged size class, smallest first: residual standard deviation (log), rows, smearing
        factor and the relative width of the 95% interval (``lower_pct``, ``upper_pct``: % below /
        above the interval's centre)."""
        scale = self.model.scale
        low, high = scale.quantiles[VERDICT_LEVEL]
        order = list(dict.fromkeys(scale.mapping[label] for label in size_labels() if label in scale.mapping))
        out = pd.DataFrame({"sd_log": scale.scale, "rows": scale.rows, "smearing": scale.smearing,
                            "lower_pct": 100 * np.expm1(low * scale.scale),
                            "upper_pct": 100 * np.expm1(high * scale.scale)})
        return out.reindex([c for c in order if c in out.index])


def flags_in_boundaries(tables: dict[str, pd.DataFrame], boundary_year: int) -> pd.DataFrame:
    """:func:`jeugdzorg.analysis.validation.municipality_flags` in the municipalities of ``boundary_year``
    (kept as the name this module's callers use)."""
    return V.municipality_flags(tables, boundary_year)


def _reasons(flags: pd.DataFrame) -> dict[str, str]:
    """GM code -> the rule of its ranking flag (first flag in :data:`jeugdzorg.analysis.flags.RANKING_FLAGS`
    order)."""
    ranked = flags[flags["ranking"]].copy()
    ranked["order"] = ranked["flag"].map({f: i for i, f in enumerate(RANKING_FLAGS)})
    ranked = ranked.sort_values(["gm_code", "order"]).drop_duplicates("gm_code")
    return {code: record(flag).rule("en") for code, flag in zip(ranked["gm_code"], ranked["flag"])}


def need_benchmark(tables: dict[str, pd.DataFrame], spec: E.Specification = E.Specification(), *,
                   year: int | None = None, level: float = VERDICT_LEVEL,
                   flags: pd.DataFrame | None = None, exclude_flagged: bool = True,
                   rho: float | None = None) -> NeedBenchmark:
    """The need benchmark of every municipality in one year.

    Parameters
    ----------
    tables
        The snapshot (:func:`jeugdzorg.data.snapshot.load_snapshot`).
    spec
        The specification: years, boundary year, driver set, residence-rule controls (the outcome is
        always log cost per young inhabitant, the benchmark is in euros; region effects, weights and
        sample restrictions of a robustness variant are not used: the benchmark compares with need).
    year
        The benchmark year (default: the latest year of the estimation sample); the model is fitted
        on every sample year.
    level
        Interval level of the verdict (:data:`LEVELS` are always reported).
    flags
        :func:`flags_in_boundaries` of the boundary year, if already computed.
    exclude_flagged
        Leave the municipalities with a ranking flag out of the fit (the default; ``False`` is the
        sensitivity check "flagged in").
    rho
        AR(1) correlation of the year-to-year part of the lasting-gap decomposition (``None``:
        estimated, :func:`jeugdzorg.analysis.verdicts.estimate_rho`).

    Returns
    -------
    NeedBenchmark
    """
    spec = E.resolve(tables, replace(spec, outcome=OUTCOME, region_effects=False, weighted=False,
                                     balanced=False, exclude=(), trim=0.0, exclude_hosts=False))
    panel, sample, _ = E.estimation_data(tables, spec)
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    hosts = tuple(panel.attrs.get("hosts", ()))
    rule_year = panel.attrs.get("rule_year")
    if flags is None:
        flags = flags_in_boundaries(tables, spec.boundary_year)
    # The flagged are left out of the fit (their cost is off in scope); every municipality, flagged
    # or not, gets its benchmark from that fit.
    excluded = tuple(sorted(V.ranking_exclusions(flags))) if exclude_flagged else ()
    fitted = sample[~sample.index.get_level_values("gm_code").isin(list(excluded))]
    model = fit_need_model(fitted, drivers, controls=[E.HOST, E.HOST_POST] if hosts else [],
                           levels=sorted({*LEVELS, level}))
    year = int(year if year is not None else sample.index.get_level_values("year").max())

    register = tables["register"]
    municipalities = register[register["year"] == spec.boundary_year].set_index("gm_code")["name"]
    in_year = panel.xs(year, level="year") if year in panel.index.get_level_values("year") else panel.iloc[:0]
    rows = in_year.reindex(municipalities.index)
    complete = rows[drivers].notna().all(axis=1) & rows["inhabitants"].notna()
    classes = size_class(rows["inhabitants"])
    predicted = model.predict(rows[complete], year, classes[complete], levels=sorted({*LEVELS, level}))

    table = pd.DataFrame({"name": municipalities, "size_class": classes,
                          "inhabitants_0_17": rows["inhabitants_0_17"], "actual_eur": rows["cost_per_youth"]})
    table["expected_eur"] = predicted["expected_eur"].reindex(table.index)
    for lv in LEVELS:
        pct = round(100 * lv)
        for side in ("lower", "upper"):
            table[f"{side}_{pct}"] = predicted[f"{side}_{pct}"].reindex(table.index)
    table["actual_vs_expected_pct"] = 100 * (table["actual_eur"] / table["expected_eur"] - 1)
    pct = round(100 * level)
    verdict_bounds = predicted[[f"lower_{pct}", f"upper_{pct}"]].reindex(table.index)
    in_fit_year = table.index.isin(list(sample.xs(year, level="year").index)) if year in \
        sample.index.get_level_values("year") else np.zeros(len(table), dtype=bool)
    # The year's position against the range of cost seen for municipalities with these need drivers
    # (context, not the verdict): only for a plausible cost with complete drivers, never for the flagged.
    table["position"] = Vd.per_year_verdicts(table["actual_eur"].where(in_fit_year), verdict_bounds[f"lower_{pct}"],
                                             verdict_bounds[f"upper_{pct}"]).where(~table.index.isin(list(V.ranking_exclusions(flags))))

    in_fit = fitted.xs(year, level="year").index if year in fitted.index.get_level_values("year") else []
    fit = fit_metrics(table.loc[table.index.isin(in_fit), "actual_eur"],
                      table.loc[table.index.isin(in_fit), "expected_eur"])

    # The verdict: the lasting gap over the cost years (the years before the rule for a municipality
    # whose cost the residence rule possibly moved).
    years = sorted(int(y) for y in sample.index.get_level_values("year").unique())
    positions = yearly_positions(model, sample, classes)
    affected = flags.loc[flags["flag"].isin(RESIDENCE_FLAGS), "gm_code"]
    own_years = residence_years(years, rule_year, sorted(set(affected)))
    residuals = Vd.window_residuals(positions["log_gap"], years, own_years)
    groups = model.scale.of(classes.dropna())
    lasting = Vd.lasting_gaps(residuals, groups, rho=rho, fit=sorted(set(fitted.index.get_level_values("gm_code"))))
    gaps = lasting.table.reindex(table.index)
    table["lasting_gap_pct"] = gaps["gap_pct"]
    table["lasting_lower_pct"] = gaps["lower_pct"]
    table["lasting_upper_pct"] = gaps["upper_pct"]
    table["gap_years"] = gaps["years"]
    table["verdict"] = gaps["verdict"].fillna("not assessed")

    # Why a municipality is not assessed; the first reason that applies wins.
    reason = pd.Series("", index=table.index, dtype=object)
    ranked = _reasons(flags)
    window = Vd.year_label(years)
    for code in table.index:
        if code in ranked:
            reason[code] = f"flagged: {ranked[code]}"
        elif table.at[code, "verdict"] == "not assessed":
            reason[code] = (f"fewer than two years with a plausible cost and complete need drivers in {window}")
    table.loc[reason != "", "verdict"] = "not assessed"
    table["reason"] = reason
    listed = flags.groupby("gm_code")["flag"].agg(lambda f: ";".join(sorted(set(f))))
    table["flags"] = listed.reindex(table.index).fillna("")
    table.index.name = "gm_code"
    table = table.sort_values(["name"], kind="stable")
    return NeedBenchmark(year, table, model, level, fit, spec, lasting, positions, excluded, own_years)


def yearly_positions(model: NeedModel, sample: pd.DataFrame, classes: pd.Series) -> pd.DataFrame:
    """Every municipality's position against its need benchmark in every cost year of ``sample``
    (see :attr:`NeedBenchmark.positions`; ``log_gap`` is the log residual from the benchmark's centre).  ``classes``: the size
    class of each GM code (benchmark year)."""
    parts = []
    for year, rows in sample.groupby(level="year"):
        rows = rows.droplevel("year")
        predicted = model.predict(rows, int(year), classes.reindex(rows.index), levels=[VERDICT_LEVEL])
        part = pd.DataFrame({"actual_eur": rows["cost_per_youth"], "expected_eur": predicted["expected_eur"],
                             "lower_95": predicted["lower_95"],
                             "upper_95": predicted["upper_95"]})
        part["gap_pct"] = 100 * (part["actual_eur"] / part["expected_eur"] - 1)
        part["log_gap"] = np.log(part["actual_eur"]) - predicted["centre"]
        part["position"] = Vd.per_year_verdicts(part["actual_eur"], part["lower_95"], part["upper_95"])
        parts.append(pd.concat({int(year): part}, names=["year"]))
    out = pd.concat(parts).swaplevel().sort_index()
    out.index.names = ["gm_code", "year"]
    return out


def residence_years(years: Sequence[int], rule_year: int | None, affected: Sequence[str]) -> dict[str, list[int]]:
    """GM code -> the cost years the lasting gap of a municipality whose cost the residence rule
    possibly moved uses: the years before the rule, or the years from it when fewer than two precede it."""
    if rule_year is None:
        return {}
    before = [y for y in years if y < rule_year]
    chosen = before if len(before) >= 2 else [y for y in years if y >= rule_year]
    return {code: chosen for code in affected}


@dataclass
class VerdictStability:
    """How stable the published verdicts are (the robustness chapter's figures).

    Attributes
    ----------
    comparisons
        One row per comparison of two sets of verdicts: ``comparison``, ``rule`` (``"per-year
        range"`` or ``"lasting gap"``) and the columns of :func:`jeugdzorg.analysis.verdicts.agreement`
        (``n``, ``same``, ``kept``, ``outside_a``, ``outside_b``, ``changed``).
    sensitivity
        One row per variant of the lasting gap: ``variant``, ``rho``, ``above``, ``below``,
        ``within``, ``not assessed`` and ``changed`` (verdicts that differ from the published ones).
    chance_lasting
        Above/below verdicts that chance alone gives under the published rule
        (:meth:`jeugdzorg.analysis.verdicts.LastingGaps.chance_verdicts`).
    chance_per_year
        The same under the per-year rule: (1 - level) times the municipalities with a position.
    """

    comparisons: pd.DataFrame
    sensitivity: pd.DataFrame
    chance_lasting: float
    chance_per_year: float


def verdict_stability(tables: dict[str, pd.DataFrame], spec: E.Specification = E.Specification(), *,
                      bench: NeedBenchmark | None = None, flags: pd.DataFrame | None = None,
                      first_alternative: int | None = None) -> VerdictStability:
    """Agreement of the published verdicts with the year before, other windows, the flagged in the
    fit and other AR(1) correlations; the per-year rule beside them.

    Parameters
    ----------
    tables, spec
        As :func:`need_benchmark`.
    bench
        The published benchmark, if already computed.
    flags
        :func:`flags_in_boundaries`, if already computed.
    first_alternative
        An earlier first cost year for the window check (default: one year before the book's).
    """
    spec = E.resolve(tables, spec)
    if flags is None:
        flags = flags_in_boundaries(tables, spec.boundary_year)
    bench = bench if bench is not None else need_benchmark(tables, spec, flags=flags)
    published = bench.table["verdict"]
    years = sorted(int(y) for y in bench.positions.index.get_level_values("year").unique())
    first, last = years[0], years[-1]
    ranked = bench.table["reason"].str.startswith("flagged")
    position = bench.positions["position"].unstack("year").reindex(bench.table.index).where(~ranked, np.nan)
    rows = []

    def add(comparison: str, rule: str, a: pd.Series, b: pd.Series) -> None:
        decided = lambda v: v.where(v != "not assessed")  # noqa: E731
        rows.append({"comparison": comparison, "rule": rule, **Vd.agreement(decided(a), decided(b))})

    for prev, year in zip(years[:-1], years[1:]):
        add(f"{prev} and {year}", "per-year range", position[prev], position[year])
    # The AR(1) correlation is estimated once, on the book's window: three years or fewer cannot
    # separate it from the lasting part (the estimate runs to its bound), so the window checks use it.
    rho = bench.lasting.rho
    earlier = need_benchmark(tables, replace(spec, last_year=last - 1), flags=flags, rho=rho)
    add(f"to {last - 1} and to {last}", "lasting gap", earlier.table["verdict"], published)
    alternative = first_alternative if first_alternative is not None else first - 1
    try:
        wider = need_benchmark(tables, replace(spec, first_year=alternative), flags=flags, rho=rho)
        add(f"{Vd.year_label(years)} and from {alternative}", "lasting gap", published, wider.table["verdict"])
    except ValueError:  # the earlier year has no complete drivers: no window check
        wider = None
    covid = [y for y in years if y not in (2020, 2021)]
    without_covid = bench.verdicts_of(bench.lasting_in(covid, rho=rho))
    add("with and without 2020-2021", "lasting gap", published, without_covid)
    before_rule = [y for y in years if y < V.RESIDENCE_RULE_YEAR]
    without_break = bench.verdicts_of(bench.lasting_in(before_rule, rho=rho)) if len(before_rule) >= 2 else None
    if without_break is not None:
        add(f"with and without {V.RESIDENCE_RULE_YEAR}", "lasting gap", published, without_break)
    flagged_in = need_benchmark(tables, spec, flags=flags, exclude_flagged=False, rho=rho)
    add("flagged out of and in the fit", "lasting gap", published, flagged_in.table["verdict"])
    add(f"per-year range {last} and lasting gap", "both", position[last], published)

    variants = [("published (estimated correlation)", rho, published)]
    variants += [(f"AR(1) correlation {rho:g}", rho, bench.verdicts_of(bench.lasting_in(rho=rho)))
                 for rho in Vd.RHO_SENSITIVITY]
    variants.append(("without 2020-2021", rho, without_covid))
    if without_break is not None:
        variants.append((f"without {V.RESIDENCE_RULE_YEAR}", rho, without_break))
    if wider is not None:
        variants.append((f"from {alternative}", wider.lasting.rho, wider.table["verdict"]))
    variants.append(("flagged in the fit", flagged_in.lasting.rho, flagged_in.table["verdict"]))
    sensitivity = pd.DataFrame([{"variant": name, "rho": rho,
                                 **v.value_counts().reindex(list(VERDICTS), fill_value=0).to_dict(),
                                 "changed": int((v != published).sum())} for name, rho, v in variants])
    assessed = int(position[last].notna().sum())
    return VerdictStability(pd.DataFrame(rows), sensitivity, bench.lasting.chance_verdicts(),
                            (1 - bench.level) * assessed)
