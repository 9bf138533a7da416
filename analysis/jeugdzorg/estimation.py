"""One specification of the cost-driver analysis, estimated end to end.

The chapters on panel models, robustness and the conclusions all start from
:func:`estimate`, so a parameter means the same everywhere and every number has one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import models
from . import panel as P
from .descriptives import coverage_by_year, first_complete_year, without_reported_zeros

CROSS_SECTION_MODELS = ("Pooled OLS", "Between", "Random effects")
WITHIN_MODELS = ("Entity FE", "Two-way FE", "First differences")


@dataclass(frozen=True)
class Specification:
    """What to estimate; ``None`` values are resolved from the data by :func:`resolve`.

    Attributes
    ----------
    outcome
        A column of the panel, see :data:`jeugdzorg.panel.OUTCOMES`.
    first_year, last_year
        Cost years; by default from the first year in which 90% of municipalities report.
    boundary_year
        Municipal boundaries of 1 January of this year; by default the latest register year.
    driver_set
        A key of :data:`jeugdzorg.panel.DRIVER_SETS`.
    cluster
        ``"municipality"`` or ``"jz_region"``: the level of the clustered standard errors.
    driver_lag
        Match cost in year *t* with gemeentefonds edition *t - driver_lag*.
    weighted
        Weight municipalities by their number of inhabitants aged 0-17.
    balanced
        Keep only municipalities observed in every year.
    exclude
        GM codes left out (e.g. :data:`jeugdzorg.panel.G4`).
    trim
        Drop this share of the lowest and of the highest outcomes in each year.
    """

    outcome: str = "log_cost_per_youth"
    first_year: int | None = None
    last_year: int | None = None
    boundary_year: int | None = None
    driver_set: str = "full"
    cluster: str = "municipality"
    driver_lag: int = 0
    weighted: bool = False
    balanced: bool = False
    exclude: tuple[str, ...] = ()
    trim: float = 0.0


@dataclass
class Estimates:
    """A resolved specification with its panel, estimation sample and fitted models."""

    spec: Specification
    panel: pd.DataFrame
    sample: pd.DataFrame
    drivers: list[str]
    within_drivers: list[str]
    fits: models.FittedModels
    mundlak: models.MundlakResult | None = field(default=None)

    @property
    def years(self) -> tuple[int, int]:
        years = self.sample.index.get_level_values("year")
        return int(years.min()), int(years.max())


def resolve(tables: dict[str, pd.DataFrame], spec: Specification) -> Specification:
    """Fill in the data-dependent defaults of ``spec``."""
    if spec.outcome not in P.OUTCOMES:
        raise ValueError(f"unknown outcome {spec.outcome!r}; choose from {sorted(P.OUTCOMES)}")
    if spec.driver_set not in P.DRIVER_SETS:
        raise ValueError(f"unknown driver_set {spec.driver_set!r}; choose from {sorted(P.DRIVER_SETS)}")
    if spec.cluster not in P.CLUSTERS:
        raise ValueError(f"unknown cluster {spec.cluster!r}; choose from {sorted(P.CLUSTERS)}")
    first = spec.first_year
    if first is None:
        costs, _ = without_reported_zeros(tables["costs"])
        first = first_complete_year(coverage_by_year(costs, tables["register"], tables["drivers"]))
    return replace(spec, first_year=first,
                   boundary_year=spec.boundary_year or P.default_boundary_year(tables))


def estimation_data(tables: dict[str, pd.DataFrame], spec: Specification) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The panel and the estimation sample of a resolved specification."""
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    panel = P.build_panel(tables, boundary_year=spec.boundary_year, first_year=spec.first_year,
                          last_year=spec.last_year, driver_lag=spec.driver_lag)
    sample = P.estimation_sample(panel, spec.outcome, drivers)
    if spec.exclude:
        sample = sample[~sample.index.get_level_values("gm_code").isin(spec.exclude)]
    if spec.trim:
        sample = P.trim_outcome(sample, spec.outcome, spec.trim)
    if spec.balanced:
        sample = P.balanced(sample)
    return panel, sample


def estimate(tables: dict[str, pd.DataFrame], spec: Specification = Specification(), *,
             mundlak: bool = True) -> Estimates:
    """Fit the six panel models of a specification.

    The cross-section models (pooled OLS, between, random effects) use every driver; the
    within models (entity FE, two-way FE, first differences) use only the drivers that vary within
    municipalities (:func:`jeugdzorg.panel.time_varying`), because the others are frozen in the
    source or move too little for a within estimate.
    """
    spec = resolve(tables, spec)
    panel, sample = estimation_data(tables, spec)
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    within = P.time_varying(sample, drivers)
    cluster = P.CLUSTERS[spec.cluster]
    weights = "inhabitants_0_17" if spec.weighted else None
    fits = models.combine(
        models.fit_models(sample, spec.outcome, drivers, cluster=cluster, weights=weights,
                          models=CROSS_SECTION_MODELS),
        models.fit_models(sample, spec.outcome, within, cluster=cluster, weights=weights,
                          models=WITHIN_MODELS),
    )
    test = (models.mundlak_test(sample, spec.outcome, drivers, cluster=cluster, time_varying=within)
            if mundlak else None)
    return Estimates(spec, panel, sample, drivers, within, fits, test)


def robustness_variants(spec: Specification, alternative_boundary_year: int) -> dict[str, Specification]:
    """The robustness checks of the book, each a variation of the (resolved) baseline ``spec``."""
    return {
        "Baseline": spec,
        "Balanced panel": replace(spec, balanced=True),
        "Without the four largest cities": replace(spec, exclude=P.G4),
        "Weighted by youth population": replace(spec, weighted=True),
        "Outcome trimmed 2% each side": replace(spec, trim=0.02),
        "Drivers lagged one edition": replace(spec, driver_lag=1),
        "Clustered by jeugdzorgregio": replace(spec, cluster="jz_region"),
        f"Boundaries of {alternative_boundary_year}": replace(spec, boundary_year=alternative_boundary_year),
    }


def effect_unit(outcome: str) -> str:
    """How a coefficient on ``outcome`` reads: '%' for the log outcome (100 x beta), else its unit."""
    return {"log_cost_per_youth": "%", "cost_per_youth": "EUR", "pct_youth_with_jeugdhulp": "pp"}[outcome]


def effect_scale(outcome: str) -> float:
    """Factor that turns a coefficient into :func:`effect_unit` (100 for the log outcome)."""
    return 100.0 if outcome.startswith("log_") else 1.0


def between_fit(est: Estimates) -> pd.DataFrame:
    """Actual and predicted municipal mean outcome of the between model, with residuals.

    Returns
    -------
    pandas.DataFrame
        Indexed by GM code: ``name``, ``actual``, ``predicted``, ``residual`` and ``residual_effect``
        (the residual in :func:`effect_unit`; for the log outcome the percentage by which the
        municipality's cost exceeds what its drivers predict, ``100 * (exp(residual) - 1)``), sorted
        by residual.
    """
    result = est.fits["Between"]
    columns = [c for c in result.params.index if c != models.CONSTANT]
    means = est.sample.groupby(level="gm_code")[[est.spec.outcome, *columns]].mean()
    predicted = result.params.get(models.CONSTANT, 0.0) + means[columns] @ result.params[columns]
    names = est.sample.groupby(level="gm_code")["name"].first()
    out = pd.DataFrame({"name": names, "actual": means[est.spec.outcome], "predicted": predicted})
    out["residual"] = out["actual"] - out["predicted"]
    if est.spec.outcome.startswith("log_"):
        out["residual_effect"] = 100 * (np.exp(out["residual"]) - 1)
    else:
        out["residual_effect"] = out["residual"]
    return out.sort_values("residual")


def within_changes(est: Estimates, model: str = "Two-way FE") -> pd.DataFrame:
    """Change of the outcome from the first to the last year per municipality, and the part the
    within model attributes to changes in the drivers.

    Returns
    -------
    pandas.DataFrame
        Indexed by GM code, for municipalities observed in both years: ``name``, ``actual_change``
        (outcome, last minus first year), ``driver_change`` (sum of coefficient x change in driver),
        in the units of the outcome.
    """
    first, last = est.years
    result = est.fits[model]
    columns = [c for c in result.params.index if c in est.within_drivers]
    start = est.sample.xs(first, level="year")
    end = est.sample.xs(last, level="year")
    both = start.index.intersection(end.index)
    delta = end.loc[both, [est.spec.outcome, *columns]] - start.loc[both, [est.spec.outcome, *columns]]
    return pd.DataFrame({
        "name": end.loc[both, "name"],
        "actual_change": delta[est.spec.outcome],
        "driver_change": delta[columns] @ result.params[columns],
    })


def robustness_table(tables: dict[str, pd.DataFrame], variants: dict[str, Specification],
                     models_shown: tuple[str, ...] = ("Between", "Two-way FE")) -> pd.DataFrame:
    """Coefficients of every driver under every variant, for the chosen models.

    Returns
    -------
    pandas.DataFrame
        Long format: ``variant, model, variable, coef, lower, upper, pvalue, n_obs, r2_between``.
    """
    rows = []
    for name, spec in variants.items():
        est = estimate(tables, spec, mundlak=False)
        coefs = models.coefficients(est.fits, est.drivers)
        coefs = coefs[coefs["model"].isin(models_shown)].copy()
        coefs.insert(0, "variant", name)
        coefs["n_obs"] = coefs["model"].map(lambda m: int(est.fits[m].nobs))
        coefs["r2_between"] = float(est.fits["Between"].rsquared)
        rows.append(coefs)
    return pd.concat(rows, ignore_index=True)
