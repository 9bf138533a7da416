"""One specification of the cost-driver analysis, estimated end to end.

The chapters on panel models, robustness and the conclusions all start from
:func:`estimate`, so a parameter means the same everywhere and every number has one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
