"""Municipality profiles: one page per municipality, built from the same tables as the book.

``resolve_municipality`` turns what a user types (``"GM0363"``, ``"363"``, ``"Amsterdam"``,
``"'s-Gravenhage"``, ``"Groningen (gemeente)"``) into the GM code and name of the latest register
year, and explains what happened to a municipality that merged away.  ``profile_tables`` computes
everything the profile template (``analysis/templates/profile.ipynb``) shows, from the library's own
panel, estimates and snapshot tables, so a profile's numbers agree with the chapters.

Every part of a profile may be missing for a given municipality (no reported cost in a year, a cost
outside the plausible range, no Iv3 or fund figures): the functions then return NaN or an empty table
rather than fail, and the template says "not available".
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata

import numpy as np
import pandas as pd

from . import descriptives
from . import estimation as E
from . import panel as P
from .mergers import successor_shares

#: Urbanity classes of the register (CBS "stedelijkheid", by address density).
URBANITY_LABELS = {1: "very strongly urban", 2: "strongly urban", 3: "moderately urban",
                   4: "hardly urban", 5: "not urban"}
#: Shown where a figure is missing.
NOT_AVAILABLE = "not available"

_CODE = re.compile(r"^(?:gm)?\s*(\d{1,4})$", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*\([^)]*\)$")


class UnknownMunicipalityError(ValueError):
    """The query names no municipality of the latest register year.

    Attributes
    ----------
    query
        What was asked for.
    suggestions
        Up to five names of current municipalities that resemble the query.
    """

    def __init__(self, message: str, query: str = "", suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.query = query
        self.suggestions = list(suggestions or [])


class MergedMunicipalityError(UnknownMunicipalityError):
    """The query names a municipality that no longer exists; ``successors`` says where it went.

    Attributes
    ----------
    code, name
        The former municipality.
    successors
        ``[(gm_code, name, share), ...]`` in the latest register year (share of the former
        municipality's inhabitants; 1.0 for a merger).
    """

    def __init__(self, message: str, query: str, code: str, name: str,
                 successors: list[tuple[str, str, float]]) -> None:
        super().__init__(message, query, [s[1] for s in successors])
        self.code = code
        self.name = name
        self.successors = successors


def _normalise(text: str) -> str:
    """Case-, accent-, apostrophe- and whitespace-insensitive form of a name."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.casefold().split())


def _as_mergers(mergers: pd.DataFrame | None) -> pd.DataFrame | None:
    if mergers is None or mergers.empty:
        return None
    out = mergers.copy()
    out["date"] = pd.to_datetime(out["date"])
    return out


def _latest(register: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    year = int(register["year"].max())
    return year, register[register["year"] == year]


def _former(code: str, register: pd.DataFrame, mergers: pd.DataFrame | None,
            query: str) -> UnknownMunicipalityError:
    """The error for a GM code that is not in the latest register (merged away or never existed)."""
    latest_year, current = _latest(register)
    names = dict(zip(current["gm_code"], current["name"]))
    seen = register[register["gm_code"] == code].sort_values("year")
    rows = mergers[mergers["old_code"] == code] if mergers is not None else pd.DataFrame()
    if seen.empty and rows.empty:
        return UnknownMunicipalityError(
            f"{query!r}: there is no municipality with code {code} in the register "
            f"({int(register['year'].min())}-{latest_year}).", query)
    name = str(seen["name"].iat[-1]) if not seen.empty else str(rows["old_name"].iat[0])
    if rows.empty:
        last = int(seen["year"].iat[-1])
        return UnknownMunicipalityError(
            f"{query!r}: {name} ({code}) is in the register until {last} but not in {latest_year}, and the "
            "snapshot's list of reorganisations names no successor.", query)
    if not seen.empty:
        since = int(seen["year"].iat[-1])
    else:
        since = int((rows["date"].min() - pd.Timedelta(days=1)).year)
    shares = successor_shares(code, since, latest_year, mergers)
    successors = [(c, names.get(c, c), s) for c, s in sorted(shares.items(), key=lambda kv: -kv[1])
                  if c in names]
    first = rows.sort_values("date").iloc[0]
    how = "was split" if (rows["kind"] == "split").any() else "merged"
    if len(successors) == 1:
        where = f"it is now part of {successors[0][1]} ({successors[0][0]})"
    else:
        where = "it is now part of " + ", ".join(f"{n} ({c}, {100 * s:.0f}% of its inhabitants)"
                                                   for c, n, s in successors)
    if not successors:
        return UnknownMunicipalityError(
            f"{query!r}: {name} ({code}) {how} on {first['date']:%Y-%m-%d}, but its successor is not in "
            f"the register of {latest_year}.", query)
    return MergedMunicipalityError(
        f"{query!r}: {name} ({code}) no longer exists: it {how} on {first['date']:%Y-%m-%d}; {where}. "
        f"Ask for the profile of {' or '.join(n for _, n, _ in successors)}.",
        query, code, name, successors)


def resolve_municipality(query: str, register: pd.DataFrame,
                         mergers: pd.DataFrame | None = None) -> tuple[str, str]:
    """The GM code and name, in the latest register year, of the municipality ``query`` names.

    Parameters
    ----------
    query
        A GM code (``"GM0363"``, ``"gm0363"``, ``"0363"``, ``"363"``) or a name or label of the latest
        register year (``"Amsterdam"``, ``"'s-Gravenhage"``, ``"Groningen (gemeente)"``; case, accents
        and surrounding spaces are ignored, and a name without its province suffix, ``"Hengelo"``, is
        accepted when only one municipality has it).
    register
        The snapshot's ``register`` table (all years).
    mergers
        The snapshot's ``mergers`` table; used to name the successor of a former municipality.

    Returns
    -------
    tuple
        ``(gm_code, name)`` in the latest register year.

    Raises
    ------
    MergedMunicipalityError
        The query names a former municipality; the message and ``successors`` name where it went.
    UnknownMunicipalityError
        Anything else that is not a current municipality; the message lists up to five close matches.
    """
    text = " ".join(str(query).split())
    if not text:
        raise UnknownMunicipalityError("empty municipality: give a GM code (e.g. GM0363) or a name", query)
    mergers = _as_mergers(mergers)
    latest_year, current = _latest(register)
    names = dict(zip(current["gm_code"], current["name"]))

    code_match = _CODE.match(text)
    if code_match:
        code = f"GM{int(code_match.group(1)):04d}"
        if code in names:
            return code, names[code]
        raise _former(code, register, mergers, query)

    key = _normalise(text)
    exact: dict[str, set[str]] = {}
    bare: dict[str, set[str]] = {}
    for row in current.itertuples():
        for label in (row.name, row.label):
            exact.setdefault(_normalise(label), set()).add(row.gm_code)
            bare.setdefault(_normalise(_SUFFIX.sub("", label)), set()).add(row.gm_code)
    for table in (exact, bare):
        codes = table.get(key, set())
        if len(codes) == 1:
            code = next(iter(codes))
            return code, names[code]
        if len(codes) > 1:
            options = sorted(names[c] for c in codes)
            raise UnknownMunicipalityError(
                f"{query!r} is ambiguous: it could be {', '.join(options)}; give the full name or the GM code.",
                query, options)

    # A former municipality?  Older registers and the reorganisation list know its code.
    former: list[str] = []
    older = register[register["year"] < latest_year].sort_values("year", ascending=False)
    for row in older.itertuples():
        if key in (_normalise(row.name), _normalise(row.label), _normalise(_SUFFIX.sub("", row.label))):
            if row.gm_code not in former:
                former.append(row.gm_code)
    if mergers is not None:
        for row in mergers.itertuples():
            if _normalise(row.old_name) == key and row.old_code not in former:
                former.append(row.old_code)
    if former:
        raise _former(former[0], register, mergers, query)

    candidates: dict[str, str] = {}
    for row in current.itertuples():
        candidates.setdefault(_normalise(row.name), row.name)
        candidates.setdefault(_normalise(row.label), row.name)
    close = difflib.get_close_matches(key, list(candidates), n=10, cutoff=0.6)
    suggestions = list(dict.fromkeys(candidates[c] for c in close))[:5]
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise UnknownMunicipalityError(
        f"{query!r} is not a municipality of the {latest_year} register (nor a GM code).{hint}",
        query, suggestions)


# --------------------------------------------------------------------------------------------
# Profile tables
# --------------------------------------------------------------------------------------------


def size_class_label(size_class: str) -> str:
    """The register's Dutch size class in English (``'20 000 tot 50 000 inwoners'`` -> ``'20,000 to 50,000 inhabitants'``)."""
    text = re.sub(r"(\d+) (\d{3})", r"\1,\2", str(size_class))
    for dutch, english in (("Minder dan", "fewer than"), ("of meer", "or more"), (" tot ", " to "),
                           ("inwoners", "inhabitants")):
        text = text.replace(dutch, english)
    return text


def circular_label(circular: str) -> str:
    """``'S2024'`` -> ``'September circular 2024'``, ``'M2023'`` -> ``'May circular 2023'``."""
    month = {"M": "May", "S": "September", "D": "December"}.get(circular[:1].upper(), circular[:1])
    return f"{month} circular {circular[1:]}"


def _circular_order(circular: str) -> tuple[int, int]:
    return int(circular[1:]), {"M": 0, "S": 1, "D": 2}.get(circular[:1].upper(), 0)


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
    from .iv3 import CATEGORIES

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
    info = {"year": year, "size_class": None, "size_class_label": None, "urbanity": None,
            "urbanity_label": None, "peers": 0, "value": float("nan"), "peer_median": float("nan"),
            "peer_p25": float("nan"), "peer_p75": float("nan"), "peer_min": float("nan"),
            "peer_max": float("nan"), "national_median": float("nan"), "percentile_rank": float("nan")}
    empty = pd.DataFrame(columns=["name", "cost_per_youth", "plausible", "is_self"],
                         index=pd.Index([], name="gm_code"))
    if gm_code not in attributes.index or year is None:
        return pd.Series(info, dtype=object), empty
    size_class, urbanity = attributes.at[gm_code, "size_class"], int(attributes.at[gm_code, "urbanity"])
    info.update(size_class=size_class, size_class_label=size_class_label(size_class), urbanity=urbanity,
                urbanity_label=URBANITY_LABELS.get(urbanity, str(urbanity)))
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
    info = {"circular": None, "circular_label": None, "year": None, "computed_eur": float("nan"),
            "youth_edition": None, "inhabitants_0_17": float("nan"), "model_per_youth": float("nan"),
            "budget_keur": float("nan"), "budget_per_youth": float("nan"), "budget_vs_model_pct": float("nan"),
            "national_median_model_per_youth": float("nan"),
            "national_median_budget_per_youth": float("nan"),
            "national_median_budget_vs_model_pct": float("nan")}
    if model.empty or mix.empty:
        return pd.Series(info, dtype=object)
    from .budget import model_vs_budget

    # The same comparison as the budget chapter: model plus special youth payments against the Iv3
    # youth budget of the latest year with both; national medians over the comparable municipalities.
    comparison = model_vs_budget(tables)
    circular, year = comparison.attrs["circular"], int(comparison.attrs["year"])
    edition, _ = _youth_for_year(tables, year)
    amounts = comparison["model_eur"]
    youth = comparison["inhabitants_0_17"]
    budgets = comparison["budget_eur"] / 1000
    per_youth_model = comparison["model_per_youth"]
    per_youth_budget = comparison["budget_per_youth"]
    ratio = 100 * (comparison["ratio"] - 1)
    usable = comparison["comparable"]
    info.update(circular=circular, circular_label=circular_label(circular), year=year, youth_edition=edition,
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
        "jz_region": row["jz_region"], "size_class": row["size_class"],
        "size_class_label": size_class_label(row["size_class"]), "urbanity": int(row["urbanity"]),
        "urbanity_label": URBANITY_LABELS.get(int(row["urbanity"]), row["urbanity_label"]),
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


def fmt(value: object, spec: str = ",.0f", *, prefix: str = "", suffix: str = "",
        missing: str = NOT_AVAILABLE) -> str:
    """``value`` formatted for a sentence (``fmt(2220.3, prefix='EUR ')`` -> ``'EUR 2,220'``), or ``missing``."""
    if value is None:
        return missing
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"{prefix}{value}{suffix}"
    if math.isnan(number):
        return missing
    return f"{prefix}{format(number, spec)}{suffix}"


def compare(value: float, spec: str = ".1f", *, prefix: str = "", suffix: str = "%", above: str = "above",
            below: str = "below") -> tuple[str, str]:
    """A signed difference as the two parts of a sentence: magnitude and direction word.

    ``compare(12.34)`` -> ``('12.3%', 'above')``, ``compare(-3)`` -> ``('3.0%', 'below')``; a missing
    value reads ``('not comparable', 'with')``, so that "X% above the median" becomes "not comparable
    with the median".
    """
    if value is None or not np.isfinite(value):
        return "not comparable", "with"
    return f"{prefix}{format(abs(float(value)), spec)}{suffix}", above if value >= 0 else below
