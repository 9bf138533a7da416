"""Panel regressions of youth-care cost on its drivers: six estimators, one comparison.

Every function takes ``panel``: a DataFrame indexed by (entity ``gm_code``, time ``year``) with a
numeric outcome, numeric drivers and optionally a cluster column (e.g. ``jz_region_code``) and a
weight column.  Each function drops the rows with a missing value in any column it uses (outcome,
drivers, cluster column, weights), so that all its estimators share one sample.

The six estimators answer different questions.  Pooled OLS and the between estimator compare
municipalities with each other and are biased if unobserved municipal characteristics are correlated
with the drivers; the within estimators (entity and two-way fixed effects, first differences) use only
changes within a municipality and are not; random effects sits in between.  ``mundlak_test`` tests
whether the cheaper comparisons are admissible.

A driver that an estimator cannot identify -- no variation within municipalities for a fixed-effects
or first-difference model, no variation beyond the year effects, or collinear with the other drivers --
is dropped from that estimator instead of stopping the fit, and its :class:`ModelFit` records it.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.panel import BetweenOLS, FirstDifferenceOLS, PanelOLS, RandomEffects
from linearmodels.panel.data import PanelData
from linearmodels.panel.results import PanelResults
from linearmodels.panel.utility import AbsorbingEffectWarning
from linearmodels.shared.hypotheses import InvalidTestStatistic

MODEL_NAMES: tuple[str, ...] = ("Pooled OLS", "Between", "Random effects", "Entity FE", "Two-way FE",
                                "First differences")

CONSTANT = "const"
YEAR_PREFIX = "year_"
_YEAR_DUMMY = re.compile(rf"{YEAR_PREFIX}\d+")
MEAN_PREFIX = "mean_"

# A column is absorbed if what is left of it after the effects (or the other columns) is below this
# fraction of its own size: the same idea as linearmodels' check, independent of the units.
_ABSORBED_TOLERANCE = 1e-8

# Estimators that remove the entity effect by a transformation, so that linearmodels does not list
# it in ``included_effects``; the table still has to say "Entity effects: Yes".
_ENTITY_REMOVED = (FirstDifferenceOLS,)


@dataclass(frozen=True)
class ModelFit:
    """One fitted panel model: the linearmodels result and what the book reports about it.

    Attributes
    ----------
    name
        One of :data:`MODEL_NAMES`.
    result
        The linearmodels result (``PanelEffectsResults``, ``RandomEffectsResults``, ...).
    absorbed
        Drivers the model could not identify and dropped (empty if none).
    covariance
        Readable description of the covariance, e.g. ``"clustered by entity"``.
    n_clusters
        Number of clusters of the covariance, or ``None`` if it is not clustered.
    """

    name: str
    result: PanelResults = field(repr=False)
    absorbed: tuple[str, ...] = ()
    covariance: str = ""
    n_clusters: int | None = None

    @property
    def params(self) -> pd.Series:
        return self.result.params

    @property
    def std_errors(self) -> pd.Series:
        return self.result.std_errors

    @property
    def pvalues(self) -> pd.Series:
        return self.result.pvalues

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        return self.result.conf_int(level=level)

    @property
    def resids(self) -> pd.Series:
        return self.result.resids

    @property
    def nobs(self) -> int:
        """Observations the estimator used: entities for the between model, differences for FD."""
        return int(self.result.nobs)

    @property
    def entities(self) -> int:
        return int(self.result.entity_info["total"])

    @property
    def time_periods(self) -> int:
        """Distinct periods in the sample (in levels)."""
        return int(self.result.time_info["total"])

    @property
    def periods_per_entity(self) -> tuple[int, int]:
        """``(min, max)`` observations per entity, in levels."""
        info = self.result.entity_info
        return int(info["min"]), int(info["max"])

    @property
    def r2(self) -> float:
        """The estimator's own R² (net of the effects for the fixed-effects models)."""
        return float(self.result.rsquared)

    @property
    def r2_within(self) -> float:
        return float(self.result.rsquared_within)

    @property
    def r2_between(self) -> float:
        return float(self.result.rsquared_between)

    @property
    def r2_overall(self) -> float:
        return float(self.result.rsquared_overall)

    @property
    def entity_effects(self) -> bool:
        """Whether the model controls for entity effects (differencing counts)."""
        included = getattr(self.result, "included_effects", [])
        return "Entity" in included or isinstance(self.result.model, _ENTITY_REMOVED)

    @property
    def time_effects(self) -> bool:
        """Whether the model controls for year effects (year dummies count)."""
        included = getattr(self.result, "included_effects", [])
        return "Time" in included or any(_YEAR_DUMMY.fullmatch(str(p)) for p in self.params.index)


#: Model name -> fit, in the order the models were asked for.
ModelFits = dict[str, ModelFit]


@dataclass(frozen=True)
class MundlakResult:
    """Outcome of the correlated-random-effects (Mundlak) test; see :func:`mundlak_test`."""

    statistic: float
    df: int
    pvalue: float
    alpha: float
    result: Any = field(repr=False)
    excluded: tuple[str, ...] = ()

    @property
    def rejects(self) -> bool:
        """Whether the test rejects random effects (in favour of fixed effects) at ``alpha``."""
        return self.pvalue < self.alpha


# --------------------------------------------------------------------------------------- data


def _estimation_sample(panel: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The used columns of ``panel`` without rows that miss any of them, sorted by entity and year."""
    if not isinstance(panel.index, pd.MultiIndex) or panel.index.nlevels != 2:
        raise ValueError("panel must be indexed by a 2-level MultiIndex (entity, year)")
    missing = [c for c in columns if c not in panel.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the panel")
    # dict.fromkeys keeps the order and removes a column named twice (e.g. a driver used as weight).
    data = panel[list(dict.fromkeys(columns))].dropna().sort_index()
    if data.empty:
        raise ValueError(f"no rows with all of {list(columns)}")
    return data


def _year_dummies(index: pd.MultiIndex) -> pd.DataFrame:
    """Dummies ``year_<t>`` for every period of ``index`` but the first (the reference period)."""
    years = index.get_level_values(1)
    periods = sorted(years.unique())
    return pd.DataFrame({f"{YEAR_PREFIX}{t}": (years == t).astype(float) for t in periods[1:]},
                        index=index)


def _entity_demeaned(frame: pd.DataFrame) -> pd.DataFrame:
    return frame - frame.groupby(level=0).transform("mean")


def _first_differenced(frame: pd.DataFrame) -> pd.DataFrame:
    # linearmodels' own differencing, so that the check sees exactly what FirstDifferenceOLS fits.
    return PanelData(frame).first_difference().dataframe


def _independent(transformed: pd.DataFrame, original: pd.DataFrame, order: Sequence[str]) -> list[str]:
    """The columns of ``order`` that each add rank to the ones kept before them.

    ``transformed`` holds the columns as the estimator sees them (demeaned, differenced, ...);
    ``original`` sets the scale against which a remainder counts as zero.
    """
    kept: list[str] = []
    # Gram-Schmidt with an orthonormal basis of the kept columns (orthogonalised twice, which keeps
    # it accurate to machine precision): one pass over the columns instead of a least-squares fit
    # per column, which matters with dozens of region or year dummies.
    basis = np.empty((len(transformed), 0))
    for column in order:
        x = transformed[column].to_numpy(dtype=float)
        for _ in range(2):
            x = x - basis @ (basis.T @ x)
        scale = float(np.linalg.norm(original[column].to_numpy(dtype=float))) or 1.0
        norm = float(np.linalg.norm(x))
        if norm > _ABSORBED_TOLERANCE * scale:
            kept.append(column)
            basis = np.column_stack([basis, x / norm])
    return kept


# ------------------------------------------------------------------------------------- fitting


def _cov_options(model_name: str, data: pd.DataFrame, cluster: str) -> tuple[dict[str, Any], str]:
    """Keyword arguments of ``fit`` for the covariance, and a description of it."""
    if model_name == "Between":
        # One observation per entity: clustering by entity is White's robust covariance, and a
        # cluster column is usable only if each entity lies in one cluster.
        if cluster == "entity":
            return {"cov_type": "robust"}, "robust"
        if data.groupby(level=0)[cluster].nunique().max() > 1:
            warnings.warn(f"{cluster!r} varies within entities; the between model uses robust "
                          "standard errors instead", stacklevel=3)
            return {"cov_type": "robust"}, "robust"
    if cluster == "entity":
        return ({"cov_type": "clustered", "cluster_entity": True, "group_debias": True},
                "clustered by entity")
    return ({"cov_type": "clustered", "clusters": data[[cluster]], "group_debias": True},
            f"clustered by {cluster}")


def _count_clusters(result: PanelResults, data: pd.DataFrame, cluster: str, cov_type: str) -> int | None:
    if cov_type != "clustered":
        return None
    # The residuals carry the index of the observations used: differences for first differences,
    # entities for the between model.
    used = result.resids.index
    if cluster == "entity":
        return int(used.get_level_values(0).nunique() if isinstance(used, pd.MultiIndex) else len(used))
    if isinstance(used, pd.MultiIndex):
        return int(data.loc[used, cluster].nunique())
    return int(data[cluster].groupby(level=0).first().loc[used].nunique())


def _fit_one(name: str, data: pd.DataFrame, outcome: str, drivers: list[str],
             weights: str | None, fit_options: dict[str, Any],
             controls: Sequence[str] = ()) -> tuple[PanelResults, tuple[str, ...]]:
    """Fit model ``name``; returns the result and the drivers it dropped (controls are dropped
    silently when the model cannot identify them)."""
    y = data[outcome]
    w = data[weights] if weights is not None else None
    x = data[[*drivers, *controls]].astype(float)
    const = pd.DataFrame({CONSTANT: 1.0}, index=data.index)
    if name in ("Pooled OLS", "Entity FE", "Two-way FE"):
        exog = pd.concat([const, x], axis=1)
        model = PanelOLS(y, exog, weights=w, entity_effects=name != "Pooled OLS",
                         time_effects=name != "Entity FE", drop_absorbed=True)
        with warnings.catch_warnings():
            # Absorbed drivers are reported through ModelFit.absorbed instead.
            warnings.simplefilter("ignore", AbsorbingEffectWarning)
            result = model.fit(**fit_options)
        return result, tuple(d for d in drivers if d not in result.params.index)
    if name == "Between":
        exog = pd.concat([const, x], axis=1)
        means = exog.groupby(level=0).mean()
        kept = _independent(means, exog, list(exog.columns))
        result = BetweenOLS(y, exog[kept], weights=w).fit(**fit_options)
    elif name == "Random effects":
        years = _year_dummies(data.index)
        exog = pd.concat([const, years, x], axis=1)
        kept = _independent(exog, exog, list(exog.columns))
        result = RandomEffects(y, exog[kept], weights=w).fit(**fit_options)
    elif name == "First differences":
        years = _year_dummies(data.index)
        exog = pd.concat([years, x], axis=1)
        # Year dummies first: a driver that only moves with the calendar is absorbed by them, as in
        # the two-way model.  Dummies without differences of their own are dropped silently.
        kept = _independent(_first_differenced(exog), exog, list(exog.columns))
        if not any(d in kept for d in drivers):
            raise ValueError("no driver varies within entities: first differences cannot be estimated")
        result = FirstDifferenceOLS(y, exog[kept], weights=w).fit(**fit_options)
    else:
        raise ValueError(f"unknown model {name!r}; choose from {MODEL_NAMES}")
    return result, tuple(d for d in drivers if d not in kept)


def fit_models(panel: pd.DataFrame, outcome: str, drivers: Sequence[str], *, cluster: str = "entity",
               weights: str | None = None, models: Iterable[str] = MODEL_NAMES,
               controls: Sequence[str] = ()) -> ModelFits:
    """Fit the panel estimators of ``outcome`` on ``drivers``, all on the same rows.

    Rows with a missing value in ``outcome``, a driver, the cluster column or the weights are dropped
    first.  The models:

    ``Pooled OLS``
        OLS with a constant and year effects (``PanelOLS(time_effects=True)``): compares
        municipalities within a year.
    ``Between``
        OLS of the entity means on a constant and the entity means of the drivers (``BetweenOLS``).
        It has one observation per entity, so ``cluster="entity"`` gives White's robust covariance;
        a cluster column is used only if every entity lies in one cluster (else robust, with a
        warning).
    ``Random effects``
        GLS random effects (``RandomEffects``) with a constant and year dummies (first year left out).
    ``Entity FE``
        ``PanelOLS`` with a constant and entity effects.  No year effects, so it is only unbiased if
        the drivers share no trend with the unobserved year shocks.
    ``Two-way FE``
        ``PanelOLS`` with a constant, entity and year effects.
    ``First differences``
        ``FirstDifferenceOLS`` on year dummies (first year left out) and the drivers, without a
        constant.  The estimator differences the dummies too; the differenced dummies span a separate
        intercept for every differenced period, which is the same as year effects in levels and also
        takes the place of a constant (a common drift), which ``FirstDifferenceOLS`` does not allow.
        Differences are between adjacent periods of the panel; an entity's observation after a gap
        has no difference.

    A driver that a model cannot identify is dropped from that model, not fatal: ``PanelOLS`` with
    ``drop_absorbed=True`` for the effects models, and the same rank check (remainder below 1e-8 of
    the column's size, drivers in the given order) for the others.  Which drivers were dropped is in
    ``.absorbed`` of the returned mapping.

    Parameters
    ----------
    panel : pandas.DataFrame
        Indexed by (entity, year), see the module docstring.
    outcome, drivers : str, sequence of str
        Columns of ``panel``.  The constant and year dummies are added here; do not pass them.
    cluster : str
        ``"entity"`` clusters the standard errors by entity; any other value names a column of
        ``panel`` holding the cluster ids (e.g. ``"jz_region_code"``).  Clustered covariances use
        linearmodels' ``debiased=True`` and ``group_debias=True`` (Stata's small-sample correction).
    weights : str, optional
        Column of ``panel`` with strictly positive weights, passed to every estimator (the residual
        variance is taken to be proportional to 1 / weight).
    models : iterable of str
        Names from :data:`MODEL_NAMES`; the result follows this order.
    controls : sequence of str
        Further regressors that are not drivers (e.g. indicators of a break in the series, region
        dummies): estimated like the drivers, but a control the model cannot identify (constant
        within entities in a fixed-effects model) is dropped without being listed in ``absorbed``,
        and the tables of drivers leave them out.

    Returns
    -------
    dict
        Model name -> :class:`ModelFit` (linearmodels result, absorbed drivers, covariance, clusters).
    """
    drivers = list(drivers)
    controls = [c for c in controls if c not in drivers]
    if not drivers:
        raise ValueError("at least one driver is needed")
    columns = [outcome, *drivers, *controls]
    if cluster != "entity":
        columns.append(cluster)
    if weights is not None:
        columns.append(weights)
    data = _estimation_sample(panel, columns)
    out: ModelFits = {}
    for name in models:
        if name not in MODEL_NAMES:
            raise ValueError(f"unknown model {name!r}; choose from {MODEL_NAMES}")
        options, description = _cov_options(name, data, cluster)
        result, absorbed = _fit_one(name, data, outcome, drivers, weights, options, controls)
        out[name] = ModelFit(name, result, absorbed, description,
                             _count_clusters(result, data, cluster, options["cov_type"]))
    return out


# ------------------------------------------------------------------------------------ summaries


def coefficients(fits: Mapping[str, ModelFit], drivers: Sequence[str],
                 level: float = 0.95) -> pd.DataFrame:
    """The drivers' estimates of every model in long format, for coefficient plots.

    Constants and year dummies are left out, and so is a driver that a model dropped (no row).

    Returns
    -------
    pandas.DataFrame
        ``model, variable, coef, std_err, lower, upper, pvalue``; ``lower``/``upper`` bound the
        ``level`` confidence interval.  Rows follow the order of ``fits``, then of ``drivers``.
    """
    rows = []
    for name, fit in fits.items():
        interval = fit.conf_int(level=level)
        for driver in drivers:
            if driver not in fit.params.index:
                continue
            rows.append({"model": name, "variable": driver, "coef": float(fit.params[driver]),
                         "std_err": float(fit.std_errors[driver]),
                         "lower": float(interval.loc[driver, "lower"]),
                         "upper": float(interval.loc[driver, "upper"]),
                         "pvalue": float(fit.pvalues[driver])})
    return pd.DataFrame(rows, columns=["model", "variable", "coef", "std_err", "lower", "upper", "pvalue"])


# ---------------------------------------------------------------------------------- Mundlak test


def mundlak_test(panel: pd.DataFrame, outcome: str, drivers: Sequence[str], *, cluster: str = "entity",
                 alpha: float = 0.05, time_varying: Sequence[str] | None = None,
                 controls: Sequence[str] = ()) -> MundlakResult:
    """Correlated random effects (Mundlak 1978): may the entity effects be treated as random?

    The random-effects model with a constant and year dummies is extended by the entity means
    ``mean_<driver>`` of every driver that varies within entities, net of the year effects.  If the
    entity effects are uncorrelated with the drivers, the means have no coefficient; a cluster-robust
    Wald test of all mean coefficients being zero is the robust form of the Hausman test.  Rejection
    means that the between variation is contaminated by unobserved municipal characteristics, and the
    within (fixed-effects) estimates should be preferred.  The drivers' own coefficients in this model
    equal the two-way fixed-effects estimates in a balanced panel.

    Rows with a missing value in a used column are dropped first; means are over the remaining rows.
    A driver without such within variation is kept as a regressor, but its mean would duplicate it
    and is left out; a driver that is collinear with the year dummies or earlier drivers in levels is
    left out altogether.  Both are listed in ``excluded``.  Means of the year dummies are not added,
    so in an unbalanced panel the equivalence with fixed effects is approximate.

    Parameters
    ----------
    cluster : str
        ``"entity"`` or a cluster column, as in :func:`fit_models`.
    alpha : float
        Significance level of the conclusion.
    time_varying : sequence of str, optional
        Restrict the means to these drivers (e.g. the drivers the fixed-effects models use, when
        others vary only by rounding); the other drivers stay in as regressors and are listed in
        ``excluded``.
    controls : sequence of str
        Further regressors in levels, without means (e.g. a break indicator); not tested.

    Returns
    -------
    MundlakResult
        ``statistic`` (chi-squared), ``df``, ``pvalue``, ``alpha`` (and ``rejects``), the fitted
        random-effects ``result`` and the ``excluded`` drivers.
    """
    drivers = list(drivers)
    controls = [c for c in controls if c not in drivers]
    columns = [outcome, *drivers, *controls] + ([cluster] if cluster != "entity" else [])
    data = _estimation_sample(panel, columns)
    const = pd.DataFrame({CONSTANT: 1.0}, index=data.index)
    years = _year_dummies(data.index)
    levels = pd.concat([const, years, data[[*drivers, *controls]].astype(float)], axis=1)
    # A driver that only moves with the calendar (or duplicates another) cannot be a regressor at all.
    regressors = _independent(levels, levels, list(levels.columns))
    kept = [d for d in drivers if d in regressors]
    within = _entity_demeaned(levels[[*years, *kept]])
    varying = [d for d in _independent(within, levels, [*years, *kept]) if d in kept]
    if time_varying is not None:
        varying = [d for d in varying if d in set(time_varying)]
    if not varying:
        raise ValueError("no driver varies within entities: the Mundlak test is not defined")
    excluded = tuple(d for d in drivers if d not in varying)
    means = levels[varying].groupby(level=0).transform("mean").add_prefix(MEAN_PREFIX)
    exog = pd.concat([levels[regressors], means], axis=1)
    options, _ = _cov_options("Random effects", data, cluster)
    result = RandomEffects(data[outcome], exog).fit(**options)

    names = list(result.params.index)
    restriction = np.zeros((len(varying), len(names)))
    for row, column in enumerate(means.columns):
        restriction[row, names.index(column)] = 1.0
    wald = result.wald_test(restriction=restriction)
    return MundlakResult(float(wald.stat), int(wald.df), float(wald.pval), alpha, result, excluded)


# ---------------------------------------------------------------------------------- Hausman test


@dataclass(frozen=True)
class HausmanResult:
    """The classical Hausman test of random against fixed effects; see :func:`hausman_test`.

    Attributes
    ----------
    statistic, df, pvalue
        The chi-squared statistic, its degrees of freedom and p-value; NaN when linearmodels finds
        the statistic invalid (negative or not finite: the data do not meet the test's assumptions).
    alpha
        Significance level of the conclusion.
    message
        linearmodels' explanation when the statistic is invalid, else empty.
    estimates
        linearmodels' table of the compared coefficients: ``b0`` (fixed effects), ``b1`` (random
        effects), their difference and its standard error.
    """

    statistic: float
    df: int
    pvalue: float
    alpha: float
    message: str = ""
    estimates: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def valid(self) -> bool:
        return math.isfinite(self.pvalue)

    @property
    def rejects(self) -> bool:
        """Whether the test rejects random effects at ``alpha`` (False when it is invalid)."""
        return self.valid and self.pvalue < self.alpha


def hausman_test(panel: pd.DataFrame, outcome: str, drivers: Sequence[str], *, alpha: float = 0.05,
                 time_varying: Sequence[str] | None = None, controls: Sequence[str] = ()) -> HausmanResult:
    """Hausman (1978): do the random-effects and two-way fixed-effects estimates differ systematically?

    linearmodels' ``RandomEffectsResults.hausman`` compares random effects (constant, year dummies,
    ``drivers`` and ``controls``) with two-way fixed effects (the ``time_varying`` drivers,
    default all, and the controls that vary within entities), both on the same rows and, as the test requires, with the *unadjusted*
    covariance.  Year dummies are regressors of the random-effects model so that the test is about
    the entity effects only.  Both covariances use the random-effects error variance (``sigmamore``,
    as Stata's ``hausman, sigmamore``), which keeps their difference positive definite in far more
    samples than two separately estimated variances.  The test is valid only if the errors are
    homoskedastic and uncorrelated within entities given the effects; with clustered errors its
    variance of the difference is wrong, and the cluster-robust Mundlak test (:func:`mundlak_test`)
    is the one to base a conclusion on.
    """
    drivers = list(drivers)
    controls = [c for c in controls if c not in drivers]
    data = _estimation_sample(panel, [outcome, *drivers, *controls])
    const = pd.DataFrame({CONSTANT: 1.0}, index=data.index)
    years = _year_dummies(data.index)
    exog = pd.concat([const, years, data[[*drivers, *controls]].astype(float)], axis=1)
    kept = _independent(exog, exog, list(exog.columns))
    random = RandomEffects(data[outcome], exog[kept]).fit(cov_type="unadjusted")
    varying = drivers if time_varying is None else [d for d in drivers if d in set(time_varying)]
    within = [c for c in [*varying, *controls] if c in kept]
    fixed_exog = pd.concat([const, data[within].astype(float)], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AbsorbingEffectWarning)
        fixed = PanelOLS(data[outcome], fixed_exog, entity_effects=True, time_effects=True,
                         drop_absorbed=True).fit(cov_type="unadjusted")
    with warnings.catch_warnings():
        # A covariance difference that is not positive definite is reported through the result.
        warnings.simplefilter("ignore", UserWarning)
        test, estimates = random.hausman(fixed, sigmamore=True)
    if isinstance(test, InvalidTestStatistic):
        return HausmanResult(math.nan, len(estimates), math.nan, alpha, str(test._reason), estimates)
    return HausmanResult(float(test.stat), int(test.df), float(test.pval), alpha, "", estimates)


# ------------------------------------------------------------------------- variance decomposition


def explained_variance_by_group(fit: ModelFit, data: pd.DataFrame, outcome: str,
                                groups: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """How much of the cross-municipal variance each group of drivers explains (Fields 1996).

    For the between model ``ybar = a + sum_j b_j xbar_j``, the share of driver j is
    ``b_j * cov(xbar_j, ybar) / var(ybar)`` over the entities.  The shares add up to the R² of that
    regression, and a share can be negative (a driver that offsets others).  A group's share is the
    sum over its drivers.

    Parameters
    ----------
    fit : ModelFit
        An unweighted ``Between`` fit (from :func:`fit_models`).  Its coefficients other than the
        constant must each be in exactly one group.
    data : pandas.DataFrame
        Either the panel itself (2-level MultiIndex): the entity means are computed here over the rows
        complete in ``outcome`` and the drivers, which reproduces the between model's sample; or
        entity-level data already (one row per entity, e.g. those means), used as given.
    outcome : str
        Column of ``data`` with the dependent variable.
    groups : mapping
        Group name -> drivers.

    Returns
    -------
    pandas.DataFrame
        Indexed by group (in the order of ``groups``): ``share_of_variance`` (sums to the R²) and
        ``share_of_explained`` (sums to 1).

    Warns
    -----
    UserWarning
        If the shares do not add up to the R² of ``result``: ``data`` is not the sample the model
        was fitted on, or the model was weighted.
    """
    params = fit.params.drop(CONSTANT, errors="ignore")
    assigned = [d for members in groups.values() for d in members]
    duplicated = sorted({d for d in assigned if assigned.count(d) > 1})
    unknown = [d for d in assigned if d not in params.index]
    unassigned = [d for d in params.index if d not in assigned]
    if duplicated or unknown or unassigned:
        raise ValueError(f"groups must hold each coefficient once: in several groups {duplicated}, "
                         f"not in the model {unknown}, in no group {unassigned}")
    columns = [outcome, *params.index]
    if isinstance(data.index, pd.MultiIndex):
        means = _estimation_sample(data, columns).groupby(level=0).mean()
    else:
        means = data[columns].dropna()
    y = means[outcome]
    variance = float(y.var())
    driver_share = pd.Series({d: params[d] * float(means[d].cov(y)) / variance for d in params.index})
    share = pd.Series({group: float(driver_share[list(members)].sum()) for group, members in groups.items()})
    total = float(share.sum())
    if not math.isclose(total, fit.r2, abs_tol=1e-6):
        warnings.warn(f"the shares add up to {total:.6f}, not to the model's R² {fit.r2:.6f}: "
                      "is data the model's sample, and is the model unweighted?", stacklevel=2)
    out = pd.DataFrame({"share_of_variance": share, "share_of_explained": share / total})
    out.index.name = "group"
    return out
