"""The numbers of the municipality profiles, from the same panel, estimates and tables as the chapters.

:func:`profile_tables` computes everything a profile shows, so a profile's numbers agree with the
chapters; the words around them are :mod:`jeugdzorg.book.profile_text`.  A user's query (name or
code) is resolved by :func:`jeugdzorg.data.names.resolve_query`.

Every part of a profile may be missing for a given municipality (no reported cost in a year, a cost
outside the plausible range, no Iv3 or fund figures): the functions then return NaN or an empty table
rather than fail, and the template says "not available".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.iv3 import CATEGORIES
from ..data.names import UnknownMunicipalityError
from . import descriptives
from . import estimation as E
from . import panel as P
from .budget import care_budget_vs_model

# --------------------------------------------------------------------------------------------
# Profile tables
# --------------------------------------------------------------------------------------------


def _latest(register: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    year = int(register["year"].max())
    return year, register[register["year"] == year]


def percentile_rank(value: float, others: pd.Series) -> float:
    """Share of ``others`` (in %) below ``value``, ties counting half: 0 = lowest, 100 = highest."""
    others = pd.Series(others, dtype=float).dropna()
    if value is None or not np.isfinite(value) or others.empty:
        return float("nan")
    return float(100 * ((others < value).sum() + 0.5 * (others == value).sum()) / len(others))


def _youth_for_year(tables: dict[str, pd.DataFrame], year: int) -> tuple[int | None, pd.Series]:
    """Inhabitants aged 0-17 per municipality (latest-register codes) from the latest edition <= ``year``."""
    drivers = tables["drivers"]
    youth = drivers[(drivers["variable"] == "inhabitants_0_17") & drivers["value"].notna()]
    editions = sorted(e for e in youth["edition"].unique() if e <= year)
    if not editions:
        return None, pd.Series(dtype=float)
    edition = int(editions[-1])
    frame = P.youth_population_harmonised(tables, {edition}, P.default_boundary_year(tables))
    return edition, frame.set_index("gm_code")["inhabitants_0_17"]


def _cost_trend(panel: pd.DataFrame, gm_code: str) -> pd.DataFrame:
    plausible = P.plausible_cost(panel)
    kept = panel[plausible]
    national = descriptives.distribution_by_year(kept.reset_index(), "cost_per_youth")
    years = sorted(panel.index.get_level_values("year").unique())
    own = (panel.xs(gm_code, level="gm_code") if gm_code in panel.index.get_level_values("gm_code")
           else pd.DataFrame(columns=panel.columns, index=pd.Index([], name="year")))
    own_plausible = (plausible.xs(gm_code, level="gm_code") if not own.empty
                     else pd.Series(dtype=bool))
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    out["realised_keur"] = own["realised_keur"].reindex(out.index).astype(float)
    out["inhabitants_0_17"] = own["inhabitants_0_17"].reindex(out.index).astype(float)
    out["cost_per_youth"] = own["cost_per_youth"].reindex(out.index).astype(float)
    out["plausible"] = own_plausible.reindex(out.index).astype("boolean").fillna(False).astype(bool)
    out["national_median"] = national["median"].reindex(out.index)
    out["national_p25"] = national["p25"].reindex(out.index)
    out["national_p75"] = national["p75"].reindex(out.index)
    out["municipalities"] = national["municipalities"].reindex(out.index)
    ratio = out["cost_per_youth"].where(out["plausible"]) / out["national_median"]
    out["vs_median_pct"] = 100 * (ratio - 1)
    return out


def _budget(panel: pd.DataFrame, tables: dict[str, pd.DataFrame], gm_code: str,
            years: list[int]) -> pd.DataFrame:
    costs, _ = descriptives.without_reported_zeros(tables["costs"])
    national = descriptives.national_totals(costs)
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    if gm_code in panel.index.get_level_values("gm_code"):
        own = panel.xs(gm_code, level="gm_code")
        out["budgeted_keur"] = own["budgeted_keur"].reindex(out.index).astype(float)
        out["realised_keur"] = own["realised_keur"].reindex(out.index).astype(float)
    else:
        out["budgeted_keur"] = np.nan
        out["realised_keur"] = np.nan
    out["difference_keur"] = out["realised_keur"] - out["budgeted_keur"]
    out["over_budget_pct"] = 100 * (out["realised_keur"] / out["budgeted_keur"] - 1)
    out["national_over_budget_pct"] = national["overspend_pct"].reindex(out.index)
    return out


def _care_mix(tables: dict[str, pd.DataFrame], gm_code: str) -> pd.DataFrame:
    mix = tables["care_mix"]
    columns = ["kind", "year", "category", "municipality_keur", "municipality_pct", "national_keur",
               "national_pct"]
    if mix.empty:
        return pd.DataFrame(columns=columns)
    national = mix.groupby(["kind", "year", "category"])["lasten_keur"].sum().rename("national_keur")
    own = mix[mix["gm_code"] == gm_code].set_index(["kind", "year", "category"])["lasten_keur"]
    out = national.to_frame().join(own.rename("municipality_keur")).reset_index()
    for who in ("municipality", "national"):
        total = out.groupby(["kind", "year"])[f"{who}_keur"].transform(lambda s: s.sum(min_count=1))
        out[f"{who}_pct"] = 100 * out[f"{who}_keur"] / total.where(total != 0)
    order = {c: i for i, c in enumerate(CATEGORIES)}
    out = out.sort_values(["kind", "year", "category"], key=lambda s: s.map(order) if s.name == "category" else s)
    return out[columns].reset_index(drop=True)


def _position(trend: pd.DataFrame, panel: pd.DataFrame, register: pd.DataFrame,
              gm_code: str) -> tuple[pd.Series, pd.DataFrame]:
    latest_year, current = _latest(register)
    attributes = current.set_index("gm_code")
    years = list(trend.index)
    usable = trend.index[trend["plausible"] & trend["cost_per_youth"].notna()]
    year = int(usable.max()) if len(usable) else (int(max(years)) if years else None)
    info = {"year": year, "size_class": None, "urbanity": None, "peers": 0, "value": float("nan"), "peer_median": float("nan"),
            "peer_p25": float("nan"), "peer_p75": float("nan"), "peer_min": float("nan"),
            "peer_max": float("nan"), "national_median": float("nan"), "percentile_rank": float("nan")}
    empty = pd.DataFrame(columns=["name", "cost_per_youth", "plausible", "is_self"],
                         index=pd.Index([], name="gm_code"))
    if gm_code not in attributes.index or year is None:
        return pd.Series(info, dtype=object), empty
    size_class, urbanity = attributes.at[gm_code, "size_class"], int(attributes.at[gm_code, "urbanity"])
    info.update(size_class=size_class, urbanity=urbanity)
    group = attributes[(attributes["size_class"] == size_class) & (attributes["urbanity"] == urbanity)]
    in_year = panel.xs(year, level="year") if year in panel.index.get_level_values("year") else panel.iloc[:0]
    plausible = P.plausible_cost(panel)
    plausible_year = plausible.xs(year, level="year") if not in_year.empty else pd.Series(dtype=bool)
    peers = pd.DataFrame({"name": group["name"]})
    peers.index.name = "gm_code"
    peers["cost_per_youth"] = in_year["cost_per_youth"].reindex(peers.index).astype(float)
    peers["plausible"] = plausible_year.reindex(peers.index).astype("boolean").fillna(False).astype(bool)
    peers["is_self"] = peers.index == gm_code
    values = peers.loc[peers["plausible"], "cost_per_youth"]
    others = values.drop(gm_code, errors="ignore")
    own = float(values.get(gm_code, float("nan")))
    info.update(peers=int(len(others)), value=own, national_median=float(trend.at[year, "national_median"]))
    if not others.empty:
        info.update(peer_median=float(others.median()), peer_p25=float(others.quantile(0.25)),
                    peer_p75=float(others.quantile(0.75)), peer_min=float(others.min()),
                    peer_max=float(others.max()), percentile_rank=percentile_rank(own, others))
    return pd.Series(info, dtype=object), peers.sort_values("cost_per_youth")


def _model(est: E.Estimates, gm_code: str) -> tuple[pd.Series, pd.DataFrame]:
    fit = E.between_fit(est)
    outcome = est.spec.outcome
    scale, unit = E.effect_scale(outcome), E.effect_unit(outcome)
    first, last = est.years
    info = {"outcome": outcome, "outcome_label": P.OUTCOMES[outcome], "unit": unit, "first_year": first,
            "last_year": last, "in_sample": gm_code in fit.index, "actual": float("nan"),
            "predicted": float("nan"), "residual": float("nan"), "residual_effect": float("nan"),
            "actual_level": float("nan"), "predicted_level": float("nan"), "rank": float("nan"),
            "municipalities": int(len(fit)), "years_in_sample": 0}
    if gm_code in fit.index:
        row = fit.loc[gm_code]
        level = np.exp if outcome.startswith("log_") else (lambda x: x)
        info.update(actual=float(row["actual"]), predicted=float(row["predicted"]),
                    residual=float(row["residual"]), residual_effect=float(row["residual_effect"]),
                    actual_level=float(level(row["actual"])), predicted_level=float(level(row["predicted"])),
                    rank=int(fit.index.get_loc(gm_code)) + 1,
                    years_in_sample=int((est.sample.index.get_level_values("gm_code") == gm_code).sum()))

    # Drivers: the municipality's mean over the panel years beside the median of all municipalities'
    # means (the between model compares such means), and what the difference adds to the prediction.
    params = est.fits["Between"].params
    means = est.panel.groupby(level="gm_code")[est.drivers].mean()
    median = means.median()
    own = means.loc[gm_code] if gm_code in means.index else pd.Series(np.nan, index=est.drivers)
    by_name = {d.name: d for d in P.DRIVERS}
    rows = []
    for name in est.drivers:
        driver = by_name[name]
        value, med = float(own[name]), float(median[name])
        display = np.exp if driver.log else (lambda x: x)
        coef = float(params.get(name, np.nan))
        rows.append({
            "driver": name, "label": driver.label, "short_label": P.SHORT_LABELS.get(name, driver.label),
            "group": driver.group, "unit": driver.unit, "value": value, "national_median": med,
            "difference": value - med, "coefficient": coef, "contribution": scale * coef * (value - med),
            "display_unit": driver.unit.removeprefix("log ") if driver.log else driver.unit,
            "display_value": float(display(value)), "display_median": float(display(med)),
        })
    drivers = pd.DataFrame(rows).set_index("driver")
    info["contribution_unit"] = unit
    return pd.Series(info, dtype=object), drivers


def _objective(tables: dict[str, pd.DataFrame], gm_code: str) -> pd.Series:
    model = tables["objective_model"]
    mix = tables["care_mix"]
    info = {"circular": None, "year": None, "computed_eur": float("nan"),
            "youth_edition": None, "inhabitants_0_17": float("nan"), "model_per_youth": float("nan"),
            "budget_keur": float("nan"), "budget_per_youth": float("nan"), "budget_vs_model_pct": float("nan"),
            "national_median_model_per_youth": float("nan"),
            "national_median_budget_per_youth": float("nan"),
            "national_median_budget_vs_model_pct": float("nan")}
    if model.empty or mix.empty:
        return pd.Series(info, dtype=object)
    # The same comparison as the budget chapter: model plus special youth payments against the Iv3
    # care budget (net of receipts) of the latest year with both; national medians over the
    # comparable municipalities.
    comparison = care_budget_vs_model(tables)
    circular, year = comparison.attrs["circular"], int(comparison.attrs["year"])
    edition, _ = _youth_for_year(tables, year)
    amounts = comparison["model_eur"]
    youth = comparison["inhabitants_0_17"]
    budgets = comparison["budget_eur"] / 1000
    per_youth_model = comparison["model_per_youth"]
    per_youth_budget = comparison["budget_per_youth"]
    ratio = 100 * (comparison["ratio"] - 1)
    usable = comparison["comparable"]
    info.update(circular=circular, year=year, youth_edition=edition,
                computed_eur=float(amounts.get(gm_code, np.nan)),
                inhabitants_0_17=float(youth.get(gm_code, np.nan)),
                model_per_youth=float(per_youth_model.get(gm_code, np.nan)),
                budget_keur=float(budgets.get(gm_code, np.nan)),
                budget_per_youth=float(per_youth_budget.get(gm_code, np.nan)),
                budget_vs_model_pct=float(ratio.get(gm_code, np.nan)),
                national_median_model_per_youth=float(per_youth_model[usable].median()),
                national_median_budget_per_youth=float(per_youth_budget[usable].median()),
                national_median_budget_vs_model_pct=float(ratio[usable].median()))
    return pd.Series(info, dtype=object)


def profile_tables(tables: dict[str, pd.DataFrame], gm_code: str,
                   spec: E.Specification = E.Specification(), *,
                   estimates: E.Estimates | None = None) -> dict[str, pd.DataFrame | pd.Series]:
    """Everything a municipality profile shows.

    Parameters
    ----------
    tables
        The snapshot (:func:`jeugdzorg.snapshot.load_snapshot`).
    gm_code
        A municipality of the latest register year (see :func:`resolve_municipality`).
    spec
        The analysis specification (outcome, years, boundary year, driver set, clusters).
    estimates
        The result of :func:`jeugdzorg.estimation.estimate` for ``spec``, to reuse across profiles.

    Returns
    -------
    dict
        ``summary`` (Series): code, name, province, jeugdzorgregio, size class, urbanity, inhabitants,
        boundary year (``in_boundaries``: whether the municipality existed then) and panel years.

        ``cost_trend`` (DataFrame by year, the panel's years): ``realised_keur`` (EUR 1,000),
        ``inhabitants_0_17``, ``cost_per_youth`` (EUR per inhabitant aged 0-17, nominal),
        ``plausible`` (inside :data:`jeugdzorg.panel.PLAUSIBLE_RANGE`), ``national_median``,
        ``national_p25``, ``national_p75`` and ``municipalities`` (over plausible municipality-years)
        and ``vs_median_pct`` (the municipality against the median, %, plausible years only).

        ``budget`` (DataFrame by year): ``budgeted_keur``, ``realised_keur``, ``difference_keur``
        (EUR 1,000), ``over_budget_pct`` and ``national_over_budget_pct`` (%).

        ``care_mix`` (DataFrame): per Iv3 ``kind`` (realised/budgeted), ``year`` and ``category``:
        ``municipality_keur``, ``national_keur`` (EUR 1,000) and their shares ``municipality_pct``,
        ``national_pct`` (% of the youth task fields of that kind and year).

        ``position`` (Series) and ``peers`` (DataFrame by GM code): the municipalities of the same
        size class and urbanity (latest register); the municipality's cost per young inhabitant in
        its latest plausible panel year, the peers' median, quartiles and range, the national median
        and ``percentile_rank`` (% of peers with a lower cost, ties half; 0-100).

        ``model`` (Series): the between model's ``actual``, ``predicted``, ``residual`` and
        ``residual_effect`` (in ``unit``: % above (+) or below (-) the prediction for the log outcome),
        ``actual_level``/``predicted_level`` (EUR for the cost outcomes), the rank of the residual
        (1 = furthest below its prediction) among ``municipalities``.

        ``drivers`` (DataFrame by driver): ``label``, ``unit`` (from :data:`jeugdzorg.panel.DRIVERS`),
        the municipality's mean ``value`` over the panel years, ``national_median`` (median of the
        municipalities' means), ``contribution`` (between coefficient x difference, in the outcome's
        effect unit), and ``display_*`` columns with log drivers shown as levels.

        ``objective`` (Series): the latest gemeentefonds circular's youth-cluster model amount
        (``computed_eur``) and the municipality's Iv3 budget of the same year, each per inhabitant
        aged 0-17 (EUR), with national medians.

        Missing figures are NaN and missing rows empty tables; nothing raises for a municipality
        without data.
    """
    est = estimates if estimates is not None else E.estimate(tables, spec, mundlak=False)
    panel = est.panel
    register = tables["register"]
    latest_year, current = _latest(register)
    attributes = current.set_index("gm_code")
    if gm_code not in attributes.index:
        raise UnknownMunicipalityError(f"{gm_code} is not a municipality of the {latest_year} register; "
                                       "use resolve_municipality first", gm_code)
    row = attributes.loc[gm_code]
    trend = _cost_trend(panel, gm_code)
    years = [int(y) for y in trend.index]
    position, peers = _position(trend, panel, register, gm_code)
    model, drivers = _model(est, gm_code)
    summary = pd.Series({
        "gm_code": gm_code, "name": row["name"], "label": row["label"], "province": row["province"],
        "jz_region": row["jz_region"], "size_class": row["size_class"], "urbanity": int(row["urbanity"]),
        "urbanity_label": row["urbanity_label"],
        "inhabitants": float(row["inhabitants"]), "register_year": latest_year,
        "boundary_year": int(est.spec.boundary_year),
        "in_boundaries": gm_code in set(register.loc[register["year"] == est.spec.boundary_year, "gm_code"]),
        "first_year": min(years) if years else None,
        "last_year": max(years) if years else None,
        "years_with_cost": int(trend["cost_per_youth"].notna().sum()),
        "years_plausible": int(trend["plausible"].sum()),
        "constituents": (panel.xs(gm_code, level="gm_code")["constituents"].iat[-1]
                         if gm_code in panel.index.get_level_values("gm_code") else None),
    }, dtype=object)
    return {
        "summary": summary,
        "cost_trend": trend,
        "budget": _budget(panel, tables, gm_code, years),
        "care_mix": _care_mix(tables, gm_code),
        "position": position,
        "peers": peers,
        "model": model,
        "drivers": drivers,
        "objective": _objective(tables, gm_code),
    }
