"""Budget against realisation, and spending against the gemeentefonds' own youth-care model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.catalogue import load_catalogue
from ..data.iv3 import COMPARABLE_CATEGORIES
from .descriptives import cost_per_young_inhabitant, without_reported_zeros


#: Budget/model ratios outside this range are bookkeeping artefacts, not spending decisions.
RATIO_RANGE = (0.25, 4.0)
#: Realised cost below half or above twice the budget of the same year is a recording error (a budget
#: entered in the wrong unit or for part of the year, a realisation booked with a regional body), not
#: an under- or overspend: the largest overspends in the national figures of Divosa and the
#: Deskundigencommissie are a few tens of percent, while single rows of 83454NED show +3,000%.
PLAUSIBLE_REALISATION = (0.5, 2.0)


#: The kinds of budget a source can hold: set before the year (primitieve begroting), revised during
#: it (gewijzigde begroting), or not stated by the source's metadata.
BUDGET_KINDS = ("primitive", "amended", "unknown")


def budget_kind(source: str, kinds: dict[str, str] | None = None) -> str:
    """Which budget ``source`` ("83454NED", "Iv3") holds, as its metadata states.

    ``kinds`` defaults to the catalogue's ``budget_kinds``.  A source that is not listed is
    "unknown": the book never guesses the kind.
    """
    kinds = load_catalogue().get("budget_kinds", {}) if kinds is None else kinds
    kind = str(kinds.get(source, "unknown"))
    if kind not in BUDGET_KINDS:
        raise ValueError(f"catalogue.yml budget_kinds: {source!r} has {kind!r}; expected one of {BUDGET_KINDS}")
    return kind


def overspend_by_municipality(costs: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """Realised minus budgeted youth-care cost per municipality and year (83454NED).

    Returns
    -------
    pandas.DataFrame
        Rows with both figures: ``gm_code, year, realised_keur, budgeted_keur, overspend_keur``
        (EUR 1,000), ``overspend_pct`` (% of budget), ``overspend_per_youth`` (EUR per inhabitant
        aged 0-17; missing where the youth population is not known) and ``screened`` (realised
        outside :data:`PLAUSIBLE_REALISATION` times the budget: a recording error).
    """
    clean, _ = without_reported_zeros(costs)
    both = cost_per_young_inhabitant(clean.dropna(subset=["realised_keur", "budgeted_keur"]), drivers)
    both["overspend_keur"] = both["realised_keur"] - both["budgeted_keur"]
    both["overspend_pct"] = 100 * both["overspend_keur"] / both["budgeted_keur"]
    both["overspend_per_youth"] = 1000 * both["overspend_keur"] / both["inhabitants_0_17"]
    both["screened"] = ~(both["realised_keur"] / both["budgeted_keur"]).between(*PLAUSIBLE_REALISATION)
    return both[["gm_code", "year", "realised_keur", "budgeted_keur", "overspend_keur", "overspend_pct",
                 "overspend_per_youth", "inhabitants_0_17", "screened"]].reset_index(drop=True)


def overspend_by_year(overspend: pd.DataFrame, screen: bool = True) -> pd.DataFrame:
    """National sums over the municipalities reporting both figures, EUR million, per year.

    With ``screen`` the rows marked ``screened`` (recording errors) are left out; ``screened`` counts them.
    """
    screened = overspend.groupby("year")["screened"].sum()
    if screen:
        overspend = overspend[~overspend["screened"]]
    grouped = overspend.groupby("year")
    out = pd.DataFrame({
        "municipalities": grouped.size(),
        "budgeted_million": grouped["budgeted_keur"].sum() / 1000,
        "realised_million": grouped["realised_keur"].sum() / 1000,
        "share_over_budget_pct": 100 * grouped["overspend_keur"].apply(lambda s: (s > 0).mean()),
    })
    out["overspend_million"] = out["realised_million"] - out["budgeted_million"]
    out["overspend_pct"] = 100 * out["overspend_million"] / out["budgeted_million"]
    out["screened"] = screened.reindex(out.index).fillna(0).astype(int) if screen else 0
    return out


def latest_circular(objective_model: pd.DataFrame, year: int) -> str:
    """The most recent circular for ``year`` (September after May)."""
    circulars = objective_model.loc[objective_model["year"] == year, "circular"].unique()
    if len(circulars) == 0:
        raise ValueError(f"no gemeentefonds circular for {year}")
    return max(circulars, key=lambda c: (int(c[1:]), c[0] == "S"))


def youth_population_latest(drivers: pd.DataFrame, year: int) -> pd.Series:
    """Inhabitants aged 0-17 per municipality from the edition of ``year`` (or the latest before it)."""
    youth = drivers[(drivers["variable"] == "inhabitants_0_17") & (drivers["edition"] <= year)]
    edition = youth.dropna(subset=["value"])["edition"].max()
    return youth[youth["edition"] == edition].set_index("gm_code")["value"].rename("inhabitants_0_17")


def model_vs_budget(tables: dict[str, pd.DataFrame], year: int | None = None,
                    categories: list[str] | tuple[str, ...] | None = None, net: bool = False,
                    kind: str = "budgeted", model_year: int | None = None) -> pd.DataFrame:
    """The fund's youth-cluster amount against the municipality's own Iv3 youth budget, one year.

    Parameters
    ----------
    year
        A year with both a circular and an Iv3 budget (default: the latest such year).
    categories
        Iv3 care categories to count (default: all youth categories of that year).  The fund's youth
        cluster pays for care, so the like-for-like scope is the care categories
        (:data:`jeugdzorg.data.iv3.COMPARABLE_CATEGORIES`), without access and policy.
    net
        Subtract the receipts (baten) of those fields: what the municipality pays itself, not what
        it pays on behalf of others and gets back.
    kind
        "budgeted" (Iv3 budgets) or "realised" (Iv3 accounts).
    model_year
        The circular's payment year (default: ``year``); another year makes the comparison one
        that is not like for like.

    Returns
    -------
    pandas.DataFrame
        Indexed by GM code: ``model_eur`` (model amount plus special youth payments, EUR),
        ``budget_eur`` (Iv3 youth lasten, or lasten minus baten with ``net``, EUR), ``inhabitants_0_17``, per-young-inhabitant versions
        and ``ratio`` = budget / model.  ``circular`` and ``year`` are in ``attrs``.
    """
    model, care = tables["objective_model"], tables["care_mix"]
    budgets = care[care["kind"] == kind]
    years = sorted(set(model["year"]) & set(budgets["year"])) if model_year is None else sorted(set(budgets["year"]))
    if not years:
        raise ValueError(f"no year has both a gemeentefonds circular and Iv3 {kind} figures")
    year = year or years[-1]
    model_year = model_year or year
    circular = latest_circular(model, model_year)
    chosen = model[(model["year"] == model_year) & (model["circular"] == circular)].set_index("gm_code")
    budget = budgets[budgets["year"] == year]
    if categories is not None:
        budget = budget[budget["category"].isin(categories)]
    amounts = budget["lasten_keur"] - (budget["baten_keur"] if net else 0)
    out = pd.DataFrame({
        "model_eur": chosen["computed_eur"] + chosen["siudu_eur"].fillna(0),
        "budget_eur": 1000 * amounts.groupby(budget["gm_code"]).sum(),
    }).dropna()
    out["inhabitants_0_17"] = youth_population_latest(tables["drivers"], year)
    out["model_per_youth"] = out["model_eur"] / out["inhabitants_0_17"]
    out["budget_per_youth"] = out["budget_eur"] / out["inhabitants_0_17"]
    out["ratio"] = out["budget_eur"] / out["model_eur"]
    # A youth budget of (nearly) nothing means youth care is booked elsewhere, typically with a joint
    # regional body; such a ratio says nothing about spending against the model.
    out["comparable"] = out["ratio"].between(*RATIO_RANGE)
    out.attrs.update(circular=circular, year=year, model_year=model_year, kind=kind, net=net,
                     categories=tuple(categories) if categories is not None else None)
    return out


def care_budget_vs_model(tables: dict[str, pd.DataFrame], year: int | None = None) -> pd.DataFrame:
    """The like-for-like comparison with the fund's youth cluster, which pays for care: the Iv3
    care fields only (no access, no policy), net of receipts.  See :func:`model_vs_budget`."""
    return model_vs_budget(tables, year, categories=COMPARABLE_CATEGORIES, net=True)


def accounts_vs_model(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Realised accounts against the model: the latest Iv3 accounts year against the circular of the
    nearest payment year (of two equally near, the later).  Care fields, net of receipts, as
    :func:`care_budget_vs_model`.  When the years differ (``attrs["like_for_like"]`` is False) the
    comparison is a year apart, and the model of a later year counts a different scope (its
    municipalities, drivers and macro budget): context, not a finding.
    """
    care = tables["care_mix"]
    accounts_years = sorted(int(y) for y in care.loc[care["kind"] == "realised", "year"].unique())
    if not accounts_years:
        raise ValueError("the snapshot has no Iv3 accounts")
    year = accounts_years[-1]
    model_years = sorted(int(y) for y in tables["objective_model"]["year"].unique())
    model_year = min(model_years, key=lambda y: (abs(y - year), -y))
    out = model_vs_budget(tables, year, categories=COMPARABLE_CATEGORIES, net=True, kind="realised",
                          model_year=model_year)
    out.attrs["like_for_like"] = model_year == year
    return out


def realised_vs_budget(tables: dict[str, pd.DataFrame], year: int | None = None) -> pd.Series:
    """The Iv3 accounts against the Iv3 budget of the same year, care fields, net of receipts,
    over the municipalities with both (default: the latest accounts year with a budget).

    Returns
    -------
    pandas.Series
        ``year``, ``municipalities``, ``budget_million``, ``realised_million`` (EUR million) and
        ``gap_pct`` (realised over budget, % above).
    """
    care = tables["care_mix"]
    care = care[care["category"].isin(COMPARABLE_CATEGORIES)]
    net = (care["lasten_keur"] - care["baten_keur"]).groupby([care["kind"], care["year"], care["gm_code"]]).sum()
    years = sorted(set(net.loc["realised"].index.get_level_values("year"))
                   & set(net.loc["budgeted"].index.get_level_values("year")))
    if not years:
        raise ValueError("no year has both Iv3 accounts and an Iv3 budget")
    year = year or years[-1]
    both = pd.DataFrame({"budget": net.loc[("budgeted", year)], "realised": net.loc[("realised", year)]}).dropna()
    return pd.Series({"year": year, "municipalities": len(both), "budget_million": both["budget"].sum() / 1000,
                      "realised_million": both["realised"].sum() / 1000,
                      "gap_pct": 100 * (both["realised"].sum() / both["budget"].sum() - 1)})


def gap_drivers(comparison: pd.DataFrame, drivers: pd.DataFrame, names: list[str]):
    """OLS of log(budget / model) on need drivers, robust (HC1) standard errors.

    ``drivers`` is a frame indexed by GM code with the driver columns ``names`` (e.g. the latest
    year of the panel).  A positive coefficient means municipalities with more of that driver budget
    more, relative to what the fund's model gives them.
    """
    import statsmodels.api as sm

    data = comparison[comparison["comparable"]].join(drivers[names], how="inner").dropna(subset=["ratio", *names])
    exog = sm.add_constant(data[names])
    return sm.OLS(np.log(data["ratio"]), exog).fit(cov_type="HC1")


def model_reproduction(objective_model: pd.DataFrame) -> pd.DataFrame:
    """How exactly the recomputed fund model reproduces the published amounts, per circular.

    A circular publishes the cluster amount either without or with the special youth payments:
    per circular, the reading that fits is taken.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(circular, year)``: ``without`` and ``including`` (largest relative difference
        between model and published amount under each reading), ``max_rel`` (the better reading's)
        and ``with_siudu`` (whether the circular publishes the amounts including the payments).
    """
    model = objective_model
    without = (model["computed_eur"] - model["published_eur"]).abs() / model["published_eur"]
    including = ((model["computed_eur"] + model["siudu_eur"].fillna(0) - model["published_eur"]).abs()
                 / model["published_eur"])
    readings = model.assign(without=without, including=including).groupby(["circular", "year"])[
        ["without", "including"]].max()
    readings["max_rel"] = readings[["without", "including"]].min(axis=1)
    readings["with_siudu"] = readings["including"] < readings["without"]
    return readings


def model_totals(objective_model: pd.DataFrame) -> pd.DataFrame:
    """The youth cluster summed over municipalities per payment year and circular, EUR million."""
    return objective_model.groupby(["year", "circular"]).agg(
        model=("computed_eur", "sum"), special=("siudu_eur", "sum"), published=("published_eur", "sum"),
        factor=("uitkeringsfactor", "first")) / np.array([1e6, 1e6, 1e6, 1])
