"""One specification of the cost-driver analysis, estimated end to end.

The chapters on panel models, robustness and the conclusions all start from
:func:`estimate`, so a parameter means the same everywhere and every number has one source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import decomposition as D
from . import models
from . import panel as P
from . import validation as V
from .trends import default_first_year

CROSS_SECTION_MODELS = ("Pooled OLS", "Between", "Random effects")
WITHIN_MODELS = ("Entity FE", "Two-way FE", "First differences")


@dataclass(frozen=True)
class Specification:
    """What to estimate; ``None`` values are resolved from the data by :func:`resolve`.

    Attributes
    ----------
    outcome
        A column of the panel, see :data:`jeugdzorg.analysis.panel.OUTCOMES`.
    first_year, last_year
        Cost years; by default from the first year in which 90% of municipalities report.
    boundary_year
        Municipal boundaries of 1 January of this year; by default the latest register year.
    driver_set
        A key of :data:`jeugdzorg.analysis.panel.DRIVER_SETS`.
    cluster
        ``"municipality"`` or ``"jz_region"``: the level of the clustered standard errors.
    driver_lag
        Match cost in year *t* with gemeentefonds edition *t - driver_lag*.
    weighted
        Weight municipalities by their number of inhabitants aged 0-17.
    balanced
        Keep only municipalities observed in every year.
    exclude
        GM codes left out (e.g. :data:`jeugdzorg.analysis.panel.G4`).
    trim
        Drop this share of the lowest and of the highest outcomes in each year.
    carry_drivers_forward
        Fill a driver that a year's gemeentefonds edition lacks with the municipality's value of the
        latest edition that has it.  Off by default: the models then stop at the last year whose
        drivers are complete.
    residence_rule
        Control for the residence rule of 2022 (:func:`jeugdzorg.analysis.validation.residence_rule`):
        an indicator of the host municipalities of residential institutions (whose cost carried
        those youths until the rule moved it to the parents' municipalities) and the host indicator
        times the years from the rule on, so that the hosts' drop is not read as a change in need.
        Fixed-effects models keep only the second (the first is a municipal constant); the between
        model only the first (its mean of the second is about a quarter of it for every host).
    region_effects
        Add fixed effects of the jeugdzorgregio (boundary-year register) to the pooled, between and
        random-effects models: the drivers are then compared between municipalities of the same
        region, which buy care together.  The within models are unaffected (a region is constant
        within a municipality).
    exclude_hosts
        Leave the residence-rule host municipalities out of the sample (the sensitivity check of the
        treatment above).
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
    residence_rule: bool = True
    region_effects: bool = False
    exclude_hosts: bool = False


#: Columns of the residence-rule controls: host municipality, and host in a year under the rule.
HOST = "residence_host"
HOST_POST = "residence_host_post"
#: Prefix of the jeugdzorgregio dummies (``region_<code>``).
REGION_PREFIX = "region_"


@dataclass
class Estimates:
    """A resolved specification with its panel, estimation sample and fitted models.

    Attributes
    ----------
    controls
        The control columns each model used (model name -> columns): residence-rule indicators
        (:data:`HOST`, :data:`HOST_POST`) and region dummies, those that vary in the sample.
    hosts
        GM codes of the residence-rule hosts (empty when the rule is not in the data or not
        controlled for); ``rule_year`` the rule's first year, or ``None``.
    hausman
        The classical Hausman test (:func:`jeugdzorg.analysis.models.hausman_test`), computed with
        the Mundlak test.
    """

    spec: Specification
    panel: pd.DataFrame
    sample: pd.DataFrame
    drivers: list[str]
    within_drivers: list[str]
    fits: models.ModelFits
    mundlak: models.MundlakResult | None = field(default=None)
    incomplete_years: dict[int, list[str]] = field(default_factory=dict)
    controls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hosts: tuple[str, ...] = ()
    rule_year: int | None = None
    hausman: models.HausmanResult | None = field(default=None)

    @property
    def years(self) -> tuple[int, int]:
        years = self.sample.index.get_level_values("year")
        return int(years.min()), int(years.max())

    @property
    def host_post_effect(self) -> float:
        """The two-way fixed-effects estimate of the hosts' change under the residence rule, in % of
        cost per young inhabitant for the log outcome (NaN when not estimated)."""
        params = self.fits["Two-way FE"].params if "Two-way FE" in self.fits else pd.Series(dtype=float)
        if HOST_POST not in params.index:
            return float("nan")
        value = float(params[HOST_POST])
        return 100 * float(np.expm1(value)) if self.spec.outcome.startswith("log_") else value


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


def residence_hosts(tables: dict[str, pd.DataFrame], boundary_year: int,
                    panel: pd.DataFrame | None = None) -> tuple[int | None, tuple[str, ...]]:
    """The residence rule's first year in the data and the municipalities whose cost it possibly
    moved out (former hosts; GM codes of ``boundary_year``), as
    :func:`jeugdzorg.analysis.validation.residence_rule` finds them (``panel`` is not used: the rule
    calibrates chance on years before the model's first year)."""
    rule = V.residence_rule(tables, boundary_year)
    return (None, ()) if rule.year is None else (rule.year, tuple(sorted(rule.hosts.index)))


def add_controls(panel: pd.DataFrame, hosts: Sequence[str], rule_year: int | None) -> pd.DataFrame:
    """``panel`` with the residence-rule indicators :data:`HOST` and :data:`HOST_POST` (0/1) and a
    dummy ``region_<code>`` for every jeugdzorgregio."""
    out = panel.copy()
    codes = out.index.get_level_values("gm_code")
    years = out.index.get_level_values("year")
    out[HOST] = codes.isin(list(hosts)).astype(float)
    out[HOST_POST] = out[HOST] * (years >= rule_year if rule_year is not None else False)
    regions = out["jz_region_code"].astype("string")
    for code in sorted(regions.dropna().unique()):
        out[f"{REGION_PREFIX}{code}"] = (regions == code).astype(float).where(regions.notna())
    return out


def region_columns(frame: pd.DataFrame) -> list[str]:
    """The region dummies of ``frame``, without the first (the reference region)."""
    return sorted(c for c in frame.columns if c.startswith(REGION_PREFIX))[1:]


def _varying(sample: pd.DataFrame, columns: Sequence[str]) -> tuple[str, ...]:
    """The columns that are not constant in ``sample`` (a control without variation is left out)."""
    return tuple(c for c in columns if c in sample.columns and sample[c].nunique(dropna=True) > 1)


def panel_key(spec: Specification) -> tuple:
    """What :func:`jeugdzorg.analysis.panel.build_panel` depends on in ``spec`` (for reusing a panel)."""
    return spec.boundary_year, spec.first_year, spec.last_year, spec.driver_lag


def estimation_data(tables: dict[str, pd.DataFrame], spec: Specification, *,
                    panel: pd.DataFrame | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, list[str]]]:
    """The panel, the estimation sample of a resolved specification, and the cost years left out
    because their drivers are incomplete (year -> the drivers missing).

    The panel carries the control columns of :func:`add_controls` (hosts as in ``spec``).  ``panel``
    is an already built :func:`~jeugdzorg.analysis.panel.build_panel` of the same
    :func:`panel_key`, to save building it again."""
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    if panel is None:
        panel = P.build_panel(tables, boundary_year=spec.boundary_year, first_year=spec.first_year,
                              last_year=spec.last_year, driver_lag=spec.driver_lag)
    rule_year, hosts = (residence_hosts(tables, spec.boundary_year, panel)
                        if spec.residence_rule or spec.exclude_hosts else (None, ()))
    panel = add_controls(panel, hosts, rule_year)
    panel.attrs.update(rule_year=rule_year, hosts=hosts)
    if spec.carry_drivers_forward:
        panel = P.carry_forward(panel, drivers)
    candidates = panel[P.plausible_cost(panel)]
    incomplete = P.missing_by_year(candidates, drivers)
    years = panel.index.get_level_values("year")
    sample = P.estimation_sample(panel[~years.isin(list(incomplete))], spec.outcome, drivers)
    exclude = (*spec.exclude, *(hosts if spec.exclude_hosts else ()))
    if exclude:
        sample = sample[~sample.index.get_level_values("gm_code").isin(exclude)]
    if spec.trim:
        sample = P.trim_outcome(sample, spec.outcome, spec.trim)
    if spec.balanced:
        sample = P.balanced(sample)
    return panel, sample, incomplete


def estimate(tables: dict[str, pd.DataFrame], spec: Specification = Specification(), *,
             mundlak: bool = True, panel: pd.DataFrame | None = None) -> Estimates:
    """Fit the six panel models of a specification.

    The cross-section models (pooled OLS, between, random effects) use every driver; the
    within models (entity FE, two-way FE, first differences) use only the drivers that vary within
    municipalities (:func:`jeugdzorg.analysis.panel.time_varying`), because the others are frozen in the
    source or move too little for a within estimate.  Every model carries the controls of the
    specification (residence-rule hosts, region effects; see :class:`Specification`), and with
    ``mundlak`` the Mundlak and classical Hausman tests are computed.  ``panel``: a built panel of
    the same :func:`panel_key` to reuse (robustness variants share one).
    """
    spec = resolve(tables, spec)
    panel, sample, incomplete = estimation_data(tables, spec, panel=panel)
    drivers = list(P.DRIVER_SETS[spec.driver_set])
    within = P.time_varying(sample, drivers)
    cluster = P.CLUSTERS[spec.cluster]
    weights = "inhabitants_0_17" if spec.weighted else None
    rule_year, hosts = ((panel.attrs["rule_year"], panel.attrs["hosts"])
                        if spec.residence_rule and not spec.exclude_hosts else (None, ()))
    regions = region_columns(sample) if spec.region_effects else []
    controls = {
        "cross": _varying(sample, [HOST, HOST_POST, *regions] if hosts else regions),
        "between": _varying(sample, [HOST, *regions] if hosts else regions),
        "within": _varying(sample, [HOST_POST] if hosts else []),
    }
    fits: models.ModelFits = {}
    for name in CROSS_SECTION_MODELS:
        group = "between" if name == "Between" else "cross"
        fits.update(models.fit_models(sample, spec.outcome, drivers, cluster=cluster, weights=weights,
                                      models=(name,), controls=controls[group]))
    fits.update(models.fit_models(sample, spec.outcome, within, cluster=cluster, weights=weights,
                                  models=WITHIN_MODELS, controls=controls["within"]))
    test = hausman = None
    if mundlak:
        test = models.mundlak_test(sample, spec.outcome, drivers, cluster=cluster, time_varying=within,
                                   controls=controls["cross"])
        hausman = models.hausman_test(sample, spec.outcome, drivers, time_varying=within,
                                      controls=controls["cross"])
    used = {name: controls["between" if name == "Between" else "cross" if name in CROSS_SECTION_MODELS
                           else "within"] for name in fits}
    return Estimates(spec, panel, sample, drivers, within, fits, test, incomplete, used,
                     hosts if controls["within"] or controls["between"] else (), rule_year, hausman)


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
        "Jeugdzorgregio fixed effects": replace(spec, region_effects=True),
        "Without residence-rule hosts": replace(spec, exclude_hosts=True),
        f"Boundaries of {alternative_boundary_year}": replace(spec, boundary_year=alternative_boundary_year),
    }


def effect_unit(outcome: str) -> str:
    """How a coefficient on ``outcome`` reads: '%' for the log outcome (100 x beta), else its unit."""
    return {"log_cost_per_youth": "%", "cost_per_youth": "EUR", "pct_youth_with_jeugdhulp": "pp"}[outcome]


def effect_scale(outcome: str) -> float:
    """Factor that turns a coefficient into :func:`effect_unit` (100 for the log outcome)."""
    return 100.0 if outcome.startswith("log_") else 1.0


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
    """The last cost year's boundaries; if the baseline uses those, the latest register's (data can
    always be expressed in later boundaries, not always in earlier ones); the year before the
    baseline's only when both coincide with it."""
    last_cost_year = int(tables["costs"].dropna(subset=["realised_keur"])["year"].max())
    latest = P.default_boundary_year(tables)
    for year in (last_cost_year, latest):
        if year != spec.boundary_year:
            return year
    return spec.boundary_year - 1


def robustness(tables: dict[str, pd.DataFrame], spec: Specification = Specification(),
               models_shown: tuple[str, ...] = ("Between", "Two-way FE")) -> Robustness:
    """Estimate every robustness variant of ``spec`` and collect the key coefficients."""
    baseline_spec = resolve(tables, spec)
    alternative = alternative_boundary_year(tables, baseline_spec)
    variants = robustness_variants(baseline_spec, alternative)
    rows, baseline = [], None
    panels: dict[tuple, pd.DataFrame] = {}
    for name, variant in variants.items():
        key = panel_key(variant)
        if key not in panels:
            panels[key] = P.build_panel(tables, boundary_year=variant.boundary_year, first_year=variant.first_year,
                                        last_year=variant.last_year, driver_lag=variant.driver_lag)
        est = estimate(tables, variant, mundlak=name == "Baseline", panel=panels[key])
        baseline = baseline or est
        coefs = models.coefficients(est.fits, est.drivers)
        coefs = coefs[coefs["model"].isin(models_shown)].copy()
        coefs.insert(0, "variant", name)
        coefs["n_obs"] = coefs["model"].map({model: fit.nobs for model, fit in est.fits.items()})
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


#: The group name under which the decompositions list the between model's controls.
CONTROLS_GROUP = "controls"


def driver_groups(drivers: Sequence[str]) -> dict[str, list[str]]:
    """The SCP driver groups of :data:`jeugdzorg.analysis.panel.DRIVER_GROUPS` restricted to ``drivers``."""
    return {group: [d for d in names if d in drivers] for group, names in P.DRIVER_GROUPS.items()
            if any(d in drivers for d in names)}


def explained_by_group(est: Estimates) -> pd.DataFrame:
    """Fields decomposition of the between model's R² by driver group (see
    :func:`jeugdzorg.analysis.models.explained_variance_by_group`); the model's controls (residence-
    rule host indicator, region dummies) form the group :data:`CONTROLS_GROUP`."""
    groups = driver_groups(est.drivers)
    used = [c for c in est.controls.get("Between", ()) if c in est.fits["Between"].params.index]
    if used:
        groups[CONTROLS_GROUP] = used
    return models.explained_variance_by_group(est.fits["Between"], est.sample, est.spec.outcome, groups)


def entity_means(est: Estimates, columns: Sequence[str]) -> pd.DataFrame:
    """Per municipality, the mean of ``columns`` over its sample years (what the between model fits)."""
    return est.sample.groupby(level="gm_code")[list(dict.fromkeys(columns))].mean()


@dataclass
class ExplainedShares:
    """The between model's explained variance split over the driver groups, several ways.

    Attributes
    ----------
    table
        Indexed by driver group (SCP's four): ``fields`` (Fields' method, :func:`explained_by_group`),
        ``shapley`` (Shapley values of the groups = Owen group totals, :mod:`.decomposition`), both
        in % of what the need drivers explain beyond the controls; ``per_inhabitant`` (Shapley, the
        outcome divided by all inhabitants instead of the young ones) and ``size_netted`` (Shapley,
        log cost with the size block -- log young inhabitants and log inhabitants -- as controls,
        which no choice of denominator changes; youth share and population are then part of the
        size block, so its socio-demographic group holds single parents only and its urbanity group
        address density only).  Each column adds up to 100.
    drivers
        Owen values of the single drivers (baseline): ``group``, ``share_of_variance``,
        ``share_of_explained`` (of what the need drivers explain).
    r2
        R² of the between model (``between``), the share of the variance that the need drivers add to
        the controls (``need``), and the same for the other specifications (``per_inhabitant``,
        ``size_netted``: the partial R² of the need drivers given the size block), and the R² of the
        size block alone for log cost (``size_only``).
    size_elasticities
        In the size-netted specification, the elasticity of cost with respect to the number of young
        inhabitants and to the number of inhabitants (``youth``, ``inhabitants``): dividing by the
        young inhabitants imposes 1 and 0.
    """

    table: pd.DataFrame
    drivers: pd.DataFrame
    r2: pd.Series
    size_elasticities: pd.Series


#: Drivers that are functions of the size block (young inhabitants, inhabitants) and leave the
#: size-netted specification.
SIZE_DRIVERS = ("youth_share_pct", "log_population")


def explained_shares(est: Estimates) -> ExplainedShares:
    """Fields and Shapley/Owen decompositions of the between model, and the ratio-of-ratios check.

    The outcome divides cost by the young inhabitants, and the youth share divides the young
    inhabitants by all inhabitants: the same count sits in a denominator on the left and a numerator
    on the right, so any part of cost that does not scale with the young inhabitants (or any error in
    counting them) shows up as a negative youth-share relation (the ratio-of-ratios problem, Kronmal
    1993).  Two checks: the same decomposition with cost per inhabitant, and a specification
    without an imposed denominator -- log cost on log young inhabitants and log inhabitants (the size
    block, coefficients estimated) plus the other drivers, decomposing only what the drivers add to
    the size block.  Its shares do not depend on the denominator: dividing cost by any combination
    of the two counts shifts the outcome by a column of the size block.  The two checks need the
    log cost per young inhabitant as the outcome; for another outcome their columns are NaN.
    """
    outcome = est.spec.outcome
    groups = driver_groups(est.drivers)
    controls = [c for c in est.controls.get("Between", ()) if c in est.fits["Between"].params.index]
    fields = explained_by_group(est)
    need = [g for g in groups]
    fields_share = fields.loc[need, "share_of_variance"] / fields.loc[need, "share_of_variance"].sum()

    extra = est.sample.assign(
        log_cost=np.log(1000 * est.sample["realised_keur"]),
        log_cost_per_inhabitant=np.log(1000 * est.sample["realised_keur"] / est.sample["inhabitants"]),
        log_youth=np.log(est.sample["inhabitants_0_17"]), log_inhabitants=np.log(est.sample["inhabitants"]))
    means = extra.groupby(level="gm_code")[[outcome, "log_cost", "log_cost_per_inhabitant", "log_youth",
                                             "log_inhabitants", *est.drivers, *controls]].mean()
    base_groups, base_drivers = D.decompose(means, outcome, groups, controls=controls)
    size = ["log_youth", "log_inhabitants"]
    netted = {g: [d for d in members if d not in SIZE_DRIVERS] for g, members in groups.items()}
    netted = {g: members for g, members in netted.items() if members}
    if outcome == "log_cost_per_youth":
        inhabitant_groups, _ = D.decompose(means, "log_cost_per_inhabitant", groups, controls=controls)
        netted_groups, _ = D.decompose(means, "log_cost", netted, controls=[*size, *controls])
    else:
        # The ratio-of-ratios check concerns the log cost per young inhabitant; another outcome
        # (cost in euros, use of care) gets the Fields and Shapley columns only.
        empty = pd.DataFrame({"share_of_variance": np.nan, "share_of_explained": np.nan}, index=list(groups))
        empty.attrs.update(r2=np.nan, r2_controls=np.nan)
        inhabitant_groups = netted_groups = empty
    table = pd.DataFrame({
        "fields": 100 * fields_share,
        "shapley": 100 * base_groups["share_of_explained"],
        "per_inhabitant": 100 * inhabitant_groups["share_of_explained"],
        "size_netted": 100 * netted_groups["share_of_explained"].reindex(list(groups)),
    })
    table.index.name = "group"
    size_only = D.subset_r2(means["log_cost"], {"size": means[size]})[frozenset({"size"})]
    netted_added = float(netted_groups["share_of_variance"].sum(min_count=1))
    r2 = pd.Series({
        "between": est.fits["Between"].r2,
        "need": float(base_groups["share_of_variance"].sum()),
        "per_inhabitant": float(inhabitant_groups.attrs["r2"]),
        "per_inhabitant_need": float(inhabitant_groups["share_of_variance"].sum(min_count=1)),
        "size_only": size_only,
        "size_netted": netted_added / (1 - netted_groups.attrs["r2_controls"]),
    })
    x = np.column_stack([np.ones(len(means)), means[[*size, *[d for m in netted.values() for d in m], *controls]]])
    coef = np.linalg.lstsq(x, means["log_cost"].to_numpy(), rcond=None)[0]
    elasticities = pd.Series({"youth": coef[1], "inhabitants": coef[2]})
    if outcome != "log_cost_per_youth":
        elasticities[:] = np.nan
    return ExplainedShares(table, base_drivers, r2, elasticities)


@dataclass
class RegionalBetween:
    """The between model with jeugdzorgregio effects (regions of the boundary-year register).

    Attributes
    ----------
    coefficients
        Long format ``model, variable, coef, std_err, pvalue, lower, upper`` for the between model
        without regions (``"Between"``), with region fixed effects (``"Region FE"``, robust standard
        errors), the same with standard errors clustered by region (``"Region FE, clustered by
        region"``) and with region random effects (``"Region RE"``, linearmodels' ``RandomEffects``
        with municipalities nested in regions).
    r2
        ``drivers`` (between R² without regions), ``regions`` (R² of the regions alone),
        ``regions_adjusted`` (the same, adjusted for the number of regions), ``both`` (drivers and
        regions), ``regions_added`` (what the regions add to the drivers, as a share of the variance
        the drivers leave), ``need_shapley`` and ``regions_shapley`` (Shapley split of ``both`` beyond
        the controls between the need drivers as one player and the regions as the other).
    regions, municipalities
        Number of regions and municipalities; ``re_share`` the share of the residual variance of
        the random-effects model that lies between regions (its ``theta``-weighted variance
        decomposition: ``sigma2_regions / (sigma2_regions + sigma2_municipalities)``).
    """

    coefficients: pd.DataFrame
    r2: pd.Series
    regions: int
    municipalities: int
    re_share: float

    def wide(self, column: str = "coef") -> pd.DataFrame:
        return self.coefficients.pivot(index="variable", columns="model", values=column)


def regional_between(est: Estimates) -> RegionalBetween:
    """How much of the between-municipality variation is regional, and what regions do to the drivers.

    Youth care is bought by about 42 jeugdzorgregio's.  The between model (municipal means over the
    sample years, with the residence-rule host control) is re-estimated with a dummy per region,
    with standard errors robust and clustered by region, and with region random effects as a
    robustness check.
    """
    from linearmodels.panel import BetweenOLS, RandomEffects

    outcome = est.spec.outcome
    controls = [c for c in est.controls.get("Between", ()) if not c.startswith(REGION_PREFIX)]
    regions = region_columns(est.sample)
    means = entity_means(est, [outcome, *est.drivers, *controls, *regions])
    region_of = est.sample.groupby(level="gm_code")["jz_region_code"].first().astype(str)
    base = est.fits["Between"] if not est.spec.region_effects else None
    exog = pd.concat([pd.DataFrame({models.CONSTANT: 1.0}, index=est.sample.index),
                      est.sample[[*est.drivers, *controls]]], axis=1)
    rows = []
    if base is None:
        base = models.fit_models(est.sample, outcome, est.drivers, models=("Between",),
                                 controls=controls)["Between"]
    fits = {"Between": base.result}
    with_regions = pd.concat([exog, est.sample[regions]], axis=1)
    fits["Region FE"] = BetweenOLS(est.sample[outcome], with_regions).fit(cov_type="robust")
    clusters = est.sample[["jz_region_code"]].astype("category").apply(lambda c: c.cat.codes)
    fits["Region FE, clustered by region"] = BetweenOLS(est.sample[outcome], with_regions).fit(
        cov_type="clustered", clusters=clusters, group_debias=True)
    # linearmodels wants a numeric second level: the municipality's number within its GM code.
    nested = (means.assign(region=region_of, number=means.index.str[2:].astype(int))
              .set_index(["region", "number"]).sort_index())
    re_exog = pd.concat([pd.DataFrame({models.CONSTANT: 1.0}, index=nested.index),
                         nested[[*est.drivers, *controls]]], axis=1)
    random = RandomEffects(nested[outcome], re_exog).fit(cov_type="robust")
    fits["Region RE"] = random
    for name, result in fits.items():
        interval = result.conf_int()
        for driver in est.drivers:
            rows.append({"model": name, "variable": driver, "coef": float(result.params[driver]),
                         "std_err": float(result.std_errors[driver]), "pvalue": float(result.pvalues[driver]),
                         "lower": float(interval.loc[driver, "lower"]),
                         "upper": float(interval.loc[driver, "upper"])})
    value = D.subset_r2(means[outcome], {"need": means[est.drivers], "regions": means[regions]},
                        means[controls] if controls else None)
    split = D.shapley(value, ["need", "regions"])
    regions_only = D.subset_r2(means[outcome], {"regions": means[regions]})[frozenset({"regions"})]
    n, k = len(means), len(regions)
    both = float(fits["Region FE"].rsquared)
    drivers_r2 = float(base.r2)
    variance = random.variance_decomposition
    r2 = pd.Series({
        "drivers": drivers_r2,
        "regions": regions_only,
        "regions_adjusted": 1 - (1 - regions_only) * (n - 1) / (n - k - 1),
        "both": both,
        "regions_added": (both - drivers_r2) / (1 - drivers_r2),
        "need_shapley": float(split["need"]),
        "regions_shapley": float(split["regions"]),
    })
    re_share = float(variance["Effects"] / (variance["Effects"] + variance["Residual"]))
    return RegionalBetween(pd.DataFrame(rows), r2, k + 1, n, re_share)


def drivers_r2(est: Estimates, model: str = "Two-way FE") -> float:
    """The share of the variance left by ``model``'s effects that its drivers explain, net of its
    controls: the model's own R² minus that of the same model with the controls alone (the
    residence-rule indicator explains the hosts' drop, which is not a change in need)."""
    fit = est.fits[model]
    controls = [c for c in est.controls.get(model, ()) if c in fit.params.index]
    if not controls:
        return fit.r2
    alone = models.fit_models(est.sample, est.spec.outcome, controls, models=(model,))[model]
    return fit.r2 - alone.r2


#: Measurement noise assumed by :func:`within_identification`'s reliability, as a share of a
#: driver's total variance.
RELIABILITY_NOISE = 0.01


def within_identification(est: Estimates, model: str = "Two-way FE", level: float = 0.95) -> pd.DataFrame:
    """What the within-municipality data can say about each driver.

    A fixed-effects coefficient rests only on changes within municipalities.  The gemeentefonds froze
    several criteria between editions (and redefined some, e.g. the 2019 youth count), so many
    drivers barely move; measurement error in a small within variation attenuates the coefficient
    towards zero (its reliability is the share of the within variance that is signal); and a driver
    with a common trend (the youth share falls nearly everywhere) picks up any other trend in cost
    unless the year effects absorb it.

    Returns
    -------
    pandas.DataFrame
        Indexed by driver (all drivers of the specification): ``within_share`` (standard deviation
        within municipalities / total), ``within_sd`` (in the driver's unit), ``changing`` (share of
        municipalities whose driver changes at all over their sample years, %), ``trend`` (median
        change per year within a municipality, in the driver's unit), ``between`` (between
        coefficient), ``entity_fe`` and ``fe`` (the entity and ``model`` coefficients, NaN for a
        driver the within models leave out), ``fe_lower``/``fe_upper`` (its ``level`` interval) and
        ``informative``: the interval excludes zero, or it is narrower on each side than the
        between estimate is large, so the within data could tell an effect of the between size from
        no effect (False for a driver without a within estimate); ``reliability_1pct``: the share of
        the within variance that would be signal if the driver carried measurement noise with a
        variance of :data:`RELIABILITY_NOISE` of its total variance (0 when the noise would exceed
        the within variance) -- the factor by which such noise shrinks a fixed-effects coefficient.  Coefficients in the outcome's units (log points for the
        log outcome).
    """
    sample = est.sample
    drivers = est.drivers
    total_sd = sample[drivers].std()
    within = sample[drivers] - sample[drivers].groupby(level="gm_code").transform("mean")
    grouped = sample[drivers].groupby(level="gm_code")
    changing = (grouped.max() - grouped.min()).gt(1e-9 * total_sd.abs().clip(lower=1e-12)).mean()
    years = pd.Series(sample.index.get_level_values("year"), index=sample.index)
    span = years.groupby(level="gm_code").agg(lambda y: y.max() - y.min())
    first = sample.groupby(level="gm_code")[drivers].first()
    last = sample.groupby(level="gm_code")[drivers].last()
    trend = ((last - first).div(span.where(span > 0), axis=0)).median()
    fit = est.fits[model]
    interval = fit.conf_int(level)
    out = pd.DataFrame({
        "within_share": within.std() / total_sd,
        "within_sd": within.std(),
        "changing": 100 * changing,
        "trend": trend,
        "between": est.fits["Between"].params.reindex(drivers),
        "entity_fe": est.fits["Entity FE"].params.reindex(drivers) if "Entity FE" in est.fits else np.nan,
        "fe": fit.params.reindex(drivers),
        "fe_lower": interval["lower"].reindex(drivers),
        "fe_upper": interval["upper"].reindex(drivers),
    })
    half = (out["fe_upper"] - out["fe_lower"]) / 2
    excludes_zero = (out["fe_lower"] > 0) | (out["fe_upper"] < 0)
    out["informative"] = (excludes_zero | (half < out["between"].abs())) & out["fe"].notna()
    # Reliability of the within variation if the driver carried measurement noise with a variance of
    # 1% of its total variance (rounding, sampling, a changed definition): signal / (signal + noise)
    # of the within variance; the fixed-effects coefficient is attenuated by this factor.
    within_var = out["within_share"] ** 2
    out["reliability_1pct"] = ((within_var - RELIABILITY_NOISE) / within_var).clip(lower=0)
    out.index.name = "driver"
    return out


def latest_plausible_year(est: Estimates) -> tuple[int, pd.DataFrame]:
    """The panel's latest cost year and its municipalities with a plausible cost (indexed by GM code),
    with ``overspend_per_youth``: realised minus budgeted cost per inhabitant aged 0-17, EUR."""
    panel = est.panel[P.plausible_cost(est.panel)]
    year = int(panel.index.get_level_values("year").max())
    latest = panel.xs(year, level="year").copy()
    latest["overspend_per_youth"] = 1000 * (latest["realised_keur"] - latest["budgeted_keur"]) / latest["inhabitants_0_17"]
    return year, latest
