"""The numbers of the municipality pages: every municipality of the boundary year, in one pass.

:func:`municipality_profiles` computes, for all municipalities at once, what a municipality's page
shows: its cost per young inhabitant over the book's years beside the medians of its size class, its
youth-care region and the Netherlands; its use of youth care; budget against realised cost with the
plausibility screen of the budget chapter; its care mix in the latest accounts; the need benchmark
with its intervals (:func:`jeugdzorg.analysis.need_benchmark.need_benchmark`, the same call as the
panel-models chapter, so the numbers agree); the validation flags and the breaks in its series.

Everything is returned at full precision (:class:`Profiles`); :mod:`jeugdzorg.book.profile_pages`
rounds, formats and writes the pages.  A figure a municipality does not have is NaN or absent (no
reported cost, a cost outside the plausible range, no accounts): nothing here raises for one
municipality's missing data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..data.iv3 import COMPARABLE_CATEGORIES
from ..data.mergers import SUM, Rule, harmonise
from . import need_benchmark as B
from . import budget
from . import estimation as E
from . import panel as P
from . import validation as V

#: Groups a municipality is compared with, in the order the pages show them.
GROUP_KINDS = ("size_class", "region", "national")
#: How many most similar municipalities (by need drivers) a page lists.
PEERS = 5
#: The term of the benchmark that is not a need driver: the size class sets the smearing factor
#: that turns the model's log prediction into expected euros.
SIZE_TERM = "size class"


@dataclass
class Profiles:
    """Every municipality's page numbers (full precision).

    Attributes
    ----------
    spec
        The resolved specification (years, boundary year, driver set) shared with the chapters.
    years
        The cost years shown: from the specification's first year to the last year with realised cost.
    municipalities
        Indexed by GM code (every municipality of the boundary year, alphabetical by name): ``name``,
        ``province``, ``jz_region``, ``inhabitants`` (register of the boundary year), ``size_class``
        (inhabitants in the benchmark year, the classes of the need benchmark's intervals) and
        ``former`` (the former municipalities whose figures its earlier years add up, ``, ``-joined,
        empty if none).
    cost
        Indexed by ``(gm_code, year)`` over every municipality and year: ``realised_keur`` (EUR 1,000),
        ``inhabitants_0_17``, ``cost_per_youth`` (EUR per inhabitant aged 0-17, nominal),
        ``plausible`` (inside :data:`jeugdzorg.analysis.panel.PLAUSIBLE_RANGE` times the year's
        median), ``pct_youth_with_jeugdhulp`` (% of inhabitants aged 0-17 with youth help in kind)
        and ``youths_in_care`` (young people with youth care, protection or probation).
    groups
        Indexed by ``(kind, group, year)`` with ``kind`` in :data:`GROUP_KINDS` (``group``: the size
        class, the region's name, or ``"Netherlands"``): ``cost_median`` and ``cost_n`` over the
        municipalities with a plausible cost, ``use_median`` and ``use_n`` over those with a use figure.
    budget
        Indexed by ``(gm_code, year)``, rows with both figures: ``budgeted_keur``, ``realised_keur``,
        ``overspend_pct`` (realised / budget - 1, %) and ``screened`` (a recording error by the budget
        chapter's rule, :func:`jeugdzorg.analysis.budget.overspend_by_municipality`, not an overspend).
    national_budget
        Indexed by year: the screened national ``overspend_pct``, ``municipalities`` and ``screened``
        (:func:`jeugdzorg.analysis.budget.overspend_by_year`).
    care_mix
        Indexed by ``(gm_code, category)`` (:data:`jeugdzorg.data.iv3.COMPARABLE_CATEGORIES`):
        ``lasten_keur`` and ``share_pct`` of the care fields in the latest Iv3 accounts
        (``care_mix_year``); ``national_mix`` the Netherlands' shares.
    benchmark
        The need benchmark of the benchmark year, with each municipality's position in every cost year
        (``benchmark.positions``) and its lasting gap and verdict (``benchmark.lasting``,
        ``benchmark.table["lasting_verdict"]``, :mod:`jeugdzorg.analysis.verdicts`).
    flags
        :func:`jeugdzorg.analysis.validation.municipality_flags`.
    residence
        :func:`jeugdzorg.analysis.validation.residence_rule` (cost before and after for every
        municipality).
    accounts_years
        ``(cbs_year, accounts_year)`` of the accounts check, or ``None`` without accounts.
    use_switch
        :func:`jeugdzorg.analysis.validation.use_table_switch`: ``(year, old table, new table, jump %)``.
    drivers
        Indexed by GM code: the need drivers of the benchmark year in the model's units
        (:data:`jeugdzorg.analysis.panel.DRIVERS`; a ``log`` driver as its log); ``driver_medians``
        their national medians over the municipalities with every driver.
    driver_terms
        Indexed by GM code, one column per driver group (:data:`jeugdzorg.analysis.panel.DRIVER_GROUPS`)
        and :data:`SIZE_TERM`: how far each term moves the municipality's benchmark from the benchmark of
        a municipality with the national median of every driver and the most common size class, in
        percent.  The model is in logs, so the terms multiply: ``prod(1 + term / 100)`` is the ratio of
        the two benchmarks.  The residence-rule controls of the fit are not in the benchmark (a
        benchmark is what need alone predicts), so they have no term.
    accounts_budgets
        Indexed by ``(gm_code, year)``: the gross spending (lasten, EUR 1,000) on the three youth-care
        task fields of the municipal accounts (``realised``, Iv3 jaarrekening) and budgets (``budgeted``,
        Iv3 begroting) in every year the Iv3 files hold -- newer than the cost series, and of a different
        scope (task fields of the accounts, not CBS 83454NED's realised cost).
    reference_benchmark
        The benchmark of that reference municipality (EUR per inhabitant aged 0-17): a municipality's
        benchmark is this times ``prod(1 + term / 100)`` over its terms.
    peers
        Indexed by ``(gm_code, rank)`` (rank 1 = most similar): ``peer`` (GM code) and ``distance``,
        the :data:`PEERS` municipalities with the smallest Euclidean distance over the standardised need
        drivers of the benchmark year (each driver divided by its standard deviation over the
        municipalities), itself excluded; a municipality with an incomplete driver has none.
    """

    spec: E.Specification
    years: list[int]
    municipalities: pd.DataFrame
    cost: pd.DataFrame
    groups: pd.DataFrame
    budget: pd.DataFrame
    national_budget: pd.DataFrame
    care_mix: pd.DataFrame
    care_mix_year: int | None
    national_mix: pd.Series
    benchmark: B.NeedBenchmark
    flags: pd.DataFrame
    residence: V.ResidenceRule
    accounts_years: tuple[int, int] | None
    use_switch: tuple[int, str, str, float] | None
    drivers: pd.DataFrame
    driver_medians: pd.Series
    driver_terms: pd.DataFrame
    reference_benchmark: float
    peers: pd.DataFrame
    accounts_budgets: pd.DataFrame

    @property
    def boundary_year(self) -> int:
        return int(self.spec.boundary_year)  # type: ignore[arg-type]

    def group_of(self, gm_code: str, kind: str) -> str | None:
        """The group of ``kind`` (:data:`GROUP_KINDS`) the municipality belongs to."""
        if kind == "national":
            return "Netherlands"
        value = self.municipalities.at[gm_code, "size_class" if kind == "size_class" else "jz_region"]
        return None if pd.isna(value) else str(value)

    def group_members(self, gm_code: str, kind: str) -> pd.Index:
        """The GM codes of the municipality's group of ``kind`` (itself included)."""
        if kind == "national":
            return self.municipalities.index
        column = "size_class" if kind == "size_class" else "jz_region"
        return self.municipalities.index[self.municipalities[column] == self.municipalities.at[gm_code, column]]


def _expected(tables: dict[str, pd.DataFrame], years: set[int]) -> pd.DataFrame:
    return P.expected_municipalities(tables, years)


def _codes(tables: dict[str, pd.DataFrame], boundary_year: int) -> set[str]:
    register = tables["register"]
    return set(register.loc[register["year"] == boundary_year, "gm_code"])


def inhabitants_harmonised(tables: dict[str, pd.DataFrame], year: int, boundary_year: int) -> pd.Series:
    """Inhabitants on 1 January of ``year`` in the municipalities of ``boundary_year`` (the sum of
    the parts for a later merger; missing if a part is missing), as the panel harmonises them."""
    register = tables["register"]
    rows = register[register["year"] == year][["gm_code", "year", "inhabitants"]]
    out = harmonise(rows, {"inhabitants": SUM}, P._mergers(tables), _codes(tables, boundary_year), boundary_year,
                    expected=_expected(tables, {year}))
    return out.set_index("gm_code")["inhabitants"]


def use_harmonised(tables: dict[str, pd.DataFrame], years: list[int], boundary_year: int) -> pd.DataFrame:
    """Use of youth care per municipality (boundary-year codes) and year, also where no cost was reported.

    The panel carries use only beside a realised cost; a page shows it for every year.  The rules are
    the panel's: the share with youth help is a mean weighted by inhabitants aged 0-17, young people
    in care a sum (:func:`jeugdzorg.analysis.panel.build_panel`).
    """
    wanted = set(years)
    mergers, codes, expected = P._mergers(tables), _codes(tables, boundary_year), _expected(tables, wanted)
    youth = tables["drivers"][tables["drivers"]["variable"] == "inhabitants_0_17"]
    youth = youth.rename(columns={"edition": "year", "value": "inhabitants_0_17"})[["gm_code", "year", "inhabitants_0_17"]]
    use = tables["use_pct"].rename(columns={"region_code": "gm_code"})
    use = use[use["gm_code"].str.startswith("GM") & use["year"].isin(wanted)]
    use = use.merge(youth, on=["gm_code", "year"], how="left")
    use = harmonise(use[["gm_code", "year", "pct_youth_with_jeugdhulp", "inhabitants_0_17"]],
                    {"pct_youth_with_jeugdhulp": Rule("mean", "inhabitants_0_17")}, mergers, codes, boundary_year,
                    expected=expected)
    care = tables["use_counts"].rename(columns={"region_code": "gm_code"})
    care = care[care["gm_code"].str.startswith("GM") & care["year"].isin(wanted)][["gm_code", "year", "youths_in_care"]]
    care = harmonise(care, {"youths_in_care": SUM}, mergers, codes, boundary_year, expected=expected)
    out = use[["gm_code", "year", "pct_youth_with_jeugdhulp"]].merge(
        care[["gm_code", "year", "youths_in_care"]], on=["gm_code", "year"], how="outer")
    return out.set_index(["gm_code", "year"]).sort_index()


def _cost(panel: pd.DataFrame, use: pd.DataFrame, codes: pd.Index, years: list[int]) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([codes, years], names=["gm_code", "year"])
    plausible = P.plausible_cost(panel)
    out = panel[["realised_keur", "inhabitants_0_17", "cost_per_youth"]].reindex(grid).astype(float)
    out["plausible"] = plausible.reindex(grid).astype("boolean").fillna(False).astype(bool)
    out = out.join(use.reindex(grid).astype(float))
    return out


def _groups(cost: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    frame = cost.join(municipalities[["size_class", "jz_region"]], on="gm_code")
    frame["national"] = "Netherlands"
    frame["region"] = frame["jz_region"]
    frame["plausible_cost"] = frame["cost_per_youth"].where(frame["plausible"])
    year = frame.index.get_level_values("year")
    parts = []
    for kind in GROUP_KINDS:
        grouped = frame.groupby([frame[kind].rename("group"), year])
        part = pd.DataFrame({"cost_median": grouped["plausible_cost"].median(),
                             "cost_n": grouped["plausible_cost"].count(),
                             "use_median": grouped["pct_youth_with_jeugdhulp"].median(),
                             "use_n": grouped["pct_youth_with_jeugdhulp"].count()})
        parts.append(pd.concat({kind: part}, names=["kind"]))
    return pd.concat(parts).sort_index()


def screened_budget(panel: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Budget against realised cost per municipality (boundary-year codes) and year, screened.

    :func:`jeugdzorg.analysis.budget.overspend_by_municipality` screens each reported row (a realised
    cost outside half to twice the budget is a recording error).  In the boundaries of the boundary
    year a merged municipality's earlier years are the sum of its parts (the panel's figures); such a
    sum is screened when any part is, and by the same rule on the sum itself.

    Returns
    -------
    tuple of pandas.DataFrame
        Per ``(gm_code, year)`` with both figures: ``budgeted_keur``, ``realised_keur``,
        ``overspend_pct``, ``screened``; and the screened national figures per year
        (:func:`jeugdzorg.analysis.budget.overspend_by_year`).
    """
    reported = budget.overspend_by_municipality(tables["costs"], tables["drivers"])
    national = budget.overspend_by_year(reported, screen=True)
    flagged = set(zip(reported.loc[reported["screened"], "gm_code"], reported.loc[reported["screened"], "year"]))
    both = panel.dropna(subset=["budgeted_keur", "realised_keur"])
    both = both[both["budgeted_keur"] > 0]
    out = both[["budgeted_keur", "realised_keur"]].astype(float).copy()
    ratio = out["realised_keur"] / out["budgeted_keur"]
    out["overspend_pct"] = 100 * (ratio - 1)
    parts = [str(c).split("+") for c in both["constituents"]]
    years = both.index.get_level_values("year")
    part_screened = [any((code, int(year)) in flagged for code in codes) for codes, year in zip(parts, years)]
    out["screened"] = ~ratio.between(*budget.PLAUSIBLE_REALISATION) | np.asarray(part_screened, dtype=bool)
    return out, national


def _care_mix(tables: dict[str, pd.DataFrame], boundary_year: int) -> tuple[pd.DataFrame, int | None, pd.Series]:
    care = tables["care_mix"]
    realised = care[(care["kind"] == "realised") & care["category"].isin(COMPARABLE_CATEGORIES)]
    empty = pd.DataFrame(columns=["lasten_keur", "share_pct"],
                         index=pd.MultiIndex.from_tuples([], names=["gm_code", "category"]))
    if realised.empty:
        return empty, None, pd.Series(dtype=float)
    year = int(realised["year"].max())
    rows = realised[realised["year"] == year]
    wide = rows.pivot_table(index="gm_code", columns="category", values="lasten_keur", aggfunc="sum").reset_index()
    wide["year"] = year
    categories = [c for c in COMPARABLE_CATEGORIES if c in wide.columns]
    harmonised = harmonise(wide[["gm_code", "year", *categories]], dict.fromkeys(categories, SUM), P._mergers(tables),
                           _codes(tables, boundary_year), boundary_year).set_index("gm_code")[categories]
    long = harmonised.stack(future_stack=True).rename("lasten_keur").rename_axis(["gm_code", "category"]).to_frame()
    total = harmonised.sum(axis=1, min_count=1)
    long["share_pct"] = 100 * long["lasten_keur"] / long.index.get_level_values("gm_code").map(total.where(total > 0)).to_numpy()
    national = rows.groupby("category")["lasten_keur"].sum().reindex(categories)
    return long.sort_index(), year, 100 * national / national.sum()


def accounts_and_budgets(tables: dict[str, pd.DataFrame], boundary_year: int) -> pd.DataFrame:
    """The Iv3 totals of the three youth-care task fields per municipality and year
    (:attr:`Profiles.accounts_budgets`), in the municipalities of the boundary year."""
    care = tables["care_mix"]
    care = care[care["category"].isin(COMPARABLE_CATEGORIES)]
    if care.empty:
        return pd.DataFrame(columns=["realised", "budgeted"],
                            index=pd.MultiIndex.from_tuples([], names=["gm_code", "year"]))
    totals = care.pivot_table(index=["gm_code", "year"], columns="kind", values="lasten_keur", aggfunc="sum")
    totals = totals.reindex(columns=["realised", "budgeted"]).reset_index()
    out = harmonise(totals, {"realised": SUM, "budgeted": SUM}, P._mergers(tables), _codes(tables, boundary_year),
                    boundary_year)
    return out.set_index(["gm_code", "year"])[["realised", "budgeted"]].sort_index()


def _former(panel: pd.DataFrame, names: pd.Series, register: pd.DataFrame) -> pd.Series:
    """Per GM code, the former municipalities whose figures its panel rows add up (``, ``-joined)."""
    every = register.drop_duplicates("gm_code", keep="last").set_index("gm_code")["name"]
    out = {}
    for code, constituents in panel["constituents"].groupby(level="gm_code"):
        parts = sorted({p for c in constituents for p in str(c).split("+") if p != code})
        out[code] = ", ".join(str(every.get(p, p)) for p in parts)
    return pd.Series(out, dtype=object).reindex(names.index).fillna("")


def need_terms(bench: B.NeedBenchmark, drivers: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, float]:
    """The national medians of the drivers, each municipality's terms (:attr:`Profiles.driver_terms`)
    and the benchmark of the reference municipality (median drivers, most common size class, EUR)."""
    model = bench.model
    complete = drivers.dropna()
    medians = complete.median()
    parts = {}
    for group, names in P.DRIVER_GROUPS.items():
        used = [n for n in names if n in model.drivers]
        if used:
            log_points = (drivers[used] - medians[used]) @ model.coef[used]
            parts[group] = 100 * np.expm1(log_points)
    classes = bench.table["size_class"]
    smearing = model.scale.smearing
    merged = model.scale.of(classes.dropna())
    typical = model.scale.of(pd.Series([classes.dropna().mode().iloc[0]]))[0]
    parts[SIZE_TERM] = (100 * (merged.map(smearing) / smearing[typical] - 1)).reindex(drivers.index)
    centre = model.level(bench.year) + float(model.need_part(medians.to_frame().T).iloc[0])
    return medians, pd.DataFrame(parts, index=drivers.index), float(np.exp(centre) * smearing[typical])


def similar_municipalities(drivers: pd.DataFrame, n: int = PEERS) -> pd.DataFrame:
    """The ``n`` most similar municipalities of each one by need drivers (:attr:`Profiles.peers`)."""
    complete = drivers.dropna()
    z = (complete - complete.mean()) / complete.std(ddof=0).replace(0, 1)
    values = z.to_numpy()
    distance = np.sqrt(((values[:, None, :] - values[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(distance, np.inf)
    rows = []
    codes = complete.index.to_numpy()
    for i, code in enumerate(codes):
        order = np.lexsort((codes, distance[i]))[:n]  # ties by GM code: the same peers on any machine
        rows += [(code, rank, codes[j], distance[i, j]) for rank, j in enumerate(order, start=1)]
    out = pd.DataFrame(rows, columns=["gm_code", "rank", "peer", "distance"])
    return out.set_index(["gm_code", "rank"])


def municipality_profiles(tables: dict[str, pd.DataFrame], spec: E.Specification = E.Specification(), *,
                          benchmark: B.NeedBenchmark | None = None) -> Profiles:
    """Everything the municipality pages show, for every municipality of the boundary year.

    Parameters
    ----------
    tables
        The snapshot (:func:`jeugdzorg.data.snapshot.load_snapshot`).
    spec
        The book's specification (first and last year, boundary year, driver set); the need benchmark
        is :func:`jeugdzorg.analysis.need_benchmark.need_benchmark` of it, as in the panel-models chapter.
    benchmark
        The need benchmark of ``spec``, if already computed.

    Returns
    -------
    Profiles
    """
    spec = E.resolve(tables, spec)
    boundary_year = int(spec.boundary_year)  # type: ignore[arg-type]
    flags = V.municipality_flags(tables, boundary_year)
    bench = benchmark if benchmark is not None else B.need_benchmark(tables, spec, flags=flags)

    panel = P.build_panel(tables, boundary_year=boundary_year, first_year=spec.first_year, last_year=spec.last_year)
    years = sorted(int(y) for y in panel.index.get_level_values("year").unique())
    register = tables["register"]
    current = register[register["year"] == boundary_year].set_index("gm_code")
    classes = B.size_class(inhabitants_harmonised(tables, bench.year, boundary_year).reindex(current.index))
    municipalities = pd.DataFrame({
        "name": current["name"], "province": current["province"], "jz_region": current["jz_region"],
        "inhabitants": current["inhabitants"].astype(float), "size_class": classes,
    })
    municipalities["former"] = _former(panel, municipalities["name"], register)
    municipalities = municipalities.sort_values("name", kind="stable")
    municipalities.index.name = "gm_code"

    cost = _cost(panel, use_harmonised(tables, years, boundary_year), municipalities.index, years)
    budget_rows, national_budget = screened_budget(panel, tables)
    care, care_year, national_mix = _care_mix(tables, boundary_year)
    drivers = panel.xs(bench.year, level="year")[bench.model.drivers].reindex(municipalities.index).astype(float) \
        if bench.year in years else pd.DataFrame(index=municipalities.index, columns=bench.model.drivers, dtype=float)
    driver_medians, driver_terms, reference = need_terms(bench, drivers)
    accounts_years = None
    if not tables["care_mix"].empty and (tables["care_mix"]["kind"] == "realised").any():
        check = V.accounts_check(tables, boundary_year)
        accounts_years = (check.cbs_year, check.accounts_year)
    return Profiles(
        spec=replace(spec), years=years, municipalities=municipalities, cost=cost,
        groups=_groups(cost, municipalities), budget=budget_rows, national_budget=national_budget,
        care_mix=care, care_mix_year=care_year, national_mix=national_mix, benchmark=bench, flags=flags,
        residence=V.residence_rule(tables, boundary_year), accounts_years=accounts_years,
        use_switch=V.use_table_switch(tables["use_counts"]), drivers=drivers, driver_medians=driver_medians,
        driver_terms=driver_terms, reference_benchmark=reference, peers=similar_municipalities(drivers),
        accounts_budgets=accounts_and_budgets(tables, boundary_year),
    )
