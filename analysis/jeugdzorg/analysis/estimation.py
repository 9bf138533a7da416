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
from .trends import default_first_year

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
    carry_drivers_forward
        Fill a driver that a year's gemeentefonds edition lacks with the municipality's value of the
        latest edition that has it.  Off by default: the models then stop at the last year whose
        drivers are complete.
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
    carry_drivers_forward: bool = False


@dataclass
class Estimates:
    """A resolved specification with its panel, estimation sample and fitted models."""

    spec: Specification
    panel: pd.DataFrame
    sample: pd.DataFrame
    drivers: list[str]
    within_drivers: list[str]
    fits: models.ModelFits
    mundlak: models.MundlakResult | None = field(default=None)
    incomplete_years: dict[int, list[str]] = field(default_factory=dict)

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
    first = spec.first_year if spec.first_year is not None else default_first_year(tables)
    return replace(spec, first_year=first,
                   boundary_year=spec.boundary_year or P.default_boundary_year(tables))


def estimation_data(tables: dict[str, pd.DataFrame], spec: Specification
                    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, list[str]]]:
    """The panel, the estimation sample of a resolved specification, and the cost years left out
    because their drivers are incomplete (year -> the drivers missing)."""
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    panel = P.build_panel(tables, boundary_year=spec.boundary_year, first_year=spec.first_year,
                          last_year=spec.last_year, driver_lag=spec.driver_lag)
    if spec.carry_drivers_forward:
        panel = P.carry_forward(panel, drivers)
    candidates = panel[P.plausible_cost(panel)]
    incomplete = P.missing_by_year(candidates, drivers)
    years = panel.index.get_level_values("year")
    sample = P.estimation_sample(panel[~years.isin(list(incomplete))], spec.outcome, drivers)
    if spec.exclude:
        sample = sample[~sample.index.get_level_values("gm_code").isin(spec.exclude)]
    if spec.trim:
        sample = P.trim_outcome(sample, spec.outcome, spec.trim)
    if spec.balanced:
        sample = P.balanced(sample)
    return panel, sample, incomplete


def estimate(tables: dict[str, pd.DataFrame], spec: Specification = Specification(), *,
             mundlak: bool = True) -> Estimates:
    """Fit the six panel models of a specification.

    The cross-section models (pooled OLS, between, random effects) use every driver; the
    within models (entity FE, two-way FE, first differences) use only the drivers that vary within
    municipalities (:func:`jeugdzorg.panel.time_varying`), because the others are frozen in the
    source or move too little for a within estimate.
    """
    spec = resolve(tables, spec)
    panel, sample, incomplete = estimation_data(tables, spec)
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    within = P.time_varying(sample, drivers)
    cluster = P.CLUSTERS[spec.cluster]
    weights = "inhabitants_0_17" if spec.weighted else None
    fits = {
        **models.fit_models(sample, spec.outcome, drivers, cluster=cluster, weights=weights,
                            models=CROSS_SECTION_MODELS),
        **models.fit_models(sample, spec.outcome, within, cluster=cluster, weights=weights,
                            models=WITHIN_MODELS),
    }
    test = (models.mundlak_test(sample, spec.outcome, drivers, cluster=cluster, time_varying=within)
            if mundlak else None)
    return Estimates(spec, panel, sample, drivers, within, fits, test, incomplete)


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


#: The drivers whose robustness the book reports, in this order (those in the driver set).
KEY_DRIVERS = ("bijstand_pct", "income_with_children_keur", "psych_medication_per_100", "single_parent_pct",
               "low_income_minors_pct")


@dataclass
class Robustness:
    """The key coefficients under every robustness variant (the robustness chapter).

    Attributes
    ----------
    baseline
        The baseline estimates (with the Mundlak test).
    variants
        Variant name -> specification, the baseline first.
    alternative_boundary_year
        The boundary year of the "other boundaries" variant.
    coefficients
        Long format: ``variant, model, variable, coef, std_err, lower, upper, pvalue, n_obs,
        r2_between`` for the between and two-way fixed-effects models; ``coef``, ``lower`` and
        ``upper`` in the effect unit of the outcome (100 x beta for the log outcome).
    key
        The key drivers present in the driver set.
    """

    baseline: Estimates
    variants: dict[str, Specification]
    alternative_boundary_year: int
    coefficients: pd.DataFrame
    key: list[str]

    def model(self, name: str) -> pd.DataFrame:
        return self.coefficients[self.coefficients["model"] == name]

    def wide(self, column: str = "coef", model: str = "Between") -> pd.DataFrame:
        """Variant x key driver table of ``column`` for ``model``."""
        part = self.model(model)
        return part.pivot(index="variant", columns="variable", values=column).reindex(list(self.variants))[
            [k for k in self.key if k in set(part["variable"])]]

    @property
    def r2_between(self) -> pd.Series:
        return (self.coefficients.drop_duplicates("variant").set_index("variant")["r2_between"]
                .reindex(list(self.variants)))

    @property
    def stable_signs(self) -> list[str]:
        """Key drivers whose between coefficient has the same sign in every variant."""
        wide = self.wide()
        return [name for name in wide.columns
                if bool((np.sign(wide[name].dropna()) == np.sign(wide[name].dropna().iloc[0])).all())]

    @property
    def fe_significant_share(self) -> float:
        """Share (%) of the two-way fixed-effects coefficients shown that are significant at 5%."""
        fe = self.model("Two-way FE")
        return 100 * int((fe["pvalue"] < 0.05).sum()) / max(len(fe), 1)

    @property
    def fe_sign_changes(self) -> pd.Series:
        """Per key driver with a fixed-effects estimate: does its sign differ between variants?"""
        return self.model("Two-way FE").groupby("variable")["coef"].agg(lambda c: np.sign(c).nunique() > 1)


def alternative_boundary_year(tables: dict[str, pd.DataFrame], spec: Specification) -> int:
    """The last cost year's boundaries, or the year before the baseline's if they are the same."""
    last_cost_year = int(tables["costs"].dropna(subset=["realised_keur"])["year"].max())
    return last_cost_year if last_cost_year != spec.boundary_year else spec.boundary_year - 1


def robustness(tables: dict[str, pd.DataFrame], spec: Specification = Specification(),
               models_shown: tuple[str, ...] = ("Between", "Two-way FE")) -> Robustness:
    """Estimate every robustness variant of ``spec`` and collect the key coefficients."""
    baseline_spec = resolve(tables, spec)
    alternative = alternative_boundary_year(tables, baseline_spec)
    variants = robustness_variants(baseline_spec, alternative)
    rows, baseline = [], None
    for name, variant in variants.items():
        est = estimate(tables, variant, mundlak=name == "Baseline")
        baseline = baseline or est
        coefs = models.coefficients(est.fits, est.drivers)
        coefs = coefs[coefs["model"].isin(models_shown)].copy()
        coefs.insert(0, "variant", name)
        coefs["n_obs"] = coefs["model"].map(lambda m: est.fits[m].nobs)
        coefs["r2_between"] = est.fits["Between"].r2
        rows.append(coefs)
    coefficients = pd.concat(rows, ignore_index=True)
    scale = effect_scale(baseline_spec.outcome)
    for column in ("coef", "lower", "upper"):
        coefficients[column] = scale * coefficients[column]
    key = [d for d in KEY_DRIVERS if d in P.DRIVER_SETS[baseline_spec.driver_set]]
    return Robustness(baseline, variants, alternative, coefficients[coefficients["variable"].isin(key)]
                      .reset_index(drop=True), key)


def implausible_years(est: Estimates) -> int:
    """Municipality-years with an outcome that the plausibility rule leaves out of the sample."""
    candidates = est.panel.dropna(subset=[est.spec.outcome])
    return int((~P.plausible_cost(candidates)).sum())


def driver_effects(est: Estimates, level: float = 0.95) -> pd.DataFrame:
    """Every model's estimate of each driver as the effect of moving from its 10th to its 90th percentile.

    Returns
    -------
    pandas.DataFrame
        :func:`jeugdzorg.analysis.models.coefficients` plus ``delta`` (P90 - P10 of the driver in the
        sample) and ``coef_effect``, ``lower_effect``, ``upper_effect``: for the log outcome the %
        difference ``100 (exp(b delta) - 1)``, else ``b delta`` in the outcome's unit.
    """
    coefs = models.coefficients(est.fits, est.drivers, level=level)
    spread = est.sample[est.drivers].quantile(0.9) - est.sample[est.drivers].quantile(0.1)
    coefs["delta"] = coefs["variable"].map(spread)
    for column in ("coef", "lower", "upper"):
        if est.spec.outcome.startswith("log_"):
            coefs[f"{column}_effect"] = 100 * (np.exp(coefs[column] * coefs["delta"]) - 1)
        else:
            coefs[f"{column}_effect"] = coefs[column] * coefs["delta"]
    return coefs


def explained_by_group(est: Estimates) -> pd.DataFrame:
    """Fields decomposition of the between model's R² by driver group (see
    :func:`jeugdzorg.analysis.models.explained_variance_by_group`)."""
    groups = {group: [d for d in names if d in est.drivers] for group, names in P.DRIVER_GROUPS.items()
              if any(d in est.drivers for d in names)}
    return models.explained_variance_by_group(est.fits["Between"], est.sample, est.spec.outcome, groups)


def latest_plausible_year(est: Estimates) -> tuple[int, pd.DataFrame]:
    """The panel's latest cost year and its municipalities with a plausible cost (indexed by GM code),
    with ``overspend_per_youth``: realised minus budgeted cost per inhabitant aged 0-17, EUR."""
    panel = est.panel[P.plausible_cost(est.panel)]
    year = int(panel.index.get_level_values("year").max())
    latest = panel.xs(year, level="year").copy()
    latest["overspend_per_youth"] = 1000 * (latest["realised_keur"] - latest["budgeted_keur"]) / latest["inhabitants_0_17"]
    return year, latest
