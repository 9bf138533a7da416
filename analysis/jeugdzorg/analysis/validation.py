"""Is a municipality's cost what it seems?  Rules that test the cost data against other sources.

CBS 83454NED reports each municipality's youth-care cost; the municipality's own accounts (Iv3)
report its youth task fields; the use tables count its young people in care.  Where these disagree
far beyond the national spread, the cost is booked somewhere else (a shared-service body of several
municipalities, a regional purchasing body) and says nothing about the municipality's care.  Where
the residence rule of 2022 moved costs between municipalities, a host municipality's drop is
bookkeeping, not a saving.

Every rule here works on the distribution of the data, never on a list of names, so a new edition
is judged by the same rule.  Flags mark; they do not delete: a flagged municipality stays in every
table and total and is left out only of rankings and of "above/below expected" statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.iv3 import COMPARABLE_CATEGORIES
from ..data.mergers import SUM, harmonise
from . import panel as P
from .flags import record
from .descriptives import without_reported_zeros

#: A value is far from the national distribution beyond this many robust standard deviations
#: (1.4826 x the median absolute deviation, which equals the standard deviation for normal data and
#: is not pulled by the outliers it is meant to find).
ROBUST_Z_LIMIT = 3.0
#: The median absolute deviation of a normal distribution is 0.6745 of its standard deviation.
MAD_TO_SD = 1.4826

#: The residence rule (woonplaatsbeginsel) changed on 1 January 2022: from then on the municipality
#: where a young person was registered (BRP) immediately before a stay with residence pays.  Before,
#: the municipality of the parent with custody paid, or, for a young person under an institution's
#: guardianship, the municipality where the young person actually stayed (often where the
#: institution is).  CBS cost and use follow the paying municipality, so both moved.
RESIDENCE_RULE_YEAR = 2022
#: A municipality's change into the rule's year counts as possibly moved by the rule when its cost per
#: young inhabitant changed at least this many chance standard deviations (for its size) more than
#: the median municipality's (:func:`break_rule`).  With about 330 municipalities and normal
#: changes, chance alone passes three standard deviations about once, on either side.
BREAK_Z_COST = 3.0
#: ... unless its number of young people in care moved at least this many chance standard deviations
#: the other way: the rule moves a young person's cost and count together (the count by one, the
#: cost of a stay with residence by far more, so the count often hardly moves), so a cost that falls
#: while the count clearly rises is not what the rule does.
BREAK_Z_COUNT = 2.0
#: Year-on-year changes before the rule's year that calibrate what chance gives for a municipality
#: of a given size (three changes: 2018->19, 2019->20, 2020->21 for the rule of 2022).
CALIBRATION_CHANGES = 3
#: Size groups (equal numbers of municipality-years) in which the chance spread is measured.
CALIBRATION_GROUPS = 6

def robust_z(values: pd.Series) -> pd.Series:
    """``(value - median) / (1.4826 * MAD)``: distance from the centre in robust standard deviations."""
    centre = values.median()
    spread = MAD_TO_SD * (values - centre).abs().median()
    if not np.isfinite(spread) or spread == 0:
        return pd.Series(0.0, index=values.index)
    return (values - centre) / spread


def nearest_year(target: int, available: list[int]) -> int:
    """The year of ``available`` nearest to ``target``; of two equally near, the later."""
    if not available:
        raise ValueError("no years to choose from")
    return min(available, key=lambda y: (abs(y - target), -y))


@dataclass
class AccountsCheck:
    """CBS 83454NED cost against the municipal accounts (Iv3) and use, one pair of years.

    Attributes
    ----------
    cbs_year, accounts_year
        The years compared: the latest accounts year and the 83454NED year nearest to it.
    growth
        The factor applied to the 83454NED cost to bring it to ``accounts_year``: the national
        growth of 83454NED over its own last year, once per year between the two (1 when the years
        agree).
    growth_years
        The two 83454NED years that growth was measured on (``None`` when the years agree).
    boundary_year
        The municipalities both sources are expressed in.
    table
        Indexed by GM code (boundaries of the boundary year): ``name``, ``cbs_keur`` (83454NED realised,
        EUR 1,000), ``cbs_adjusted_keur`` (times ``growth``), ``accounts_keur`` (Iv3 care fields,
        lasten minus baten), ``accounts_gross_keur`` (lasten), ``youths_in_care`` and ``inhabitants_0_17`` (in ``cbs_year``), ``cbs_per_client``,
        ``accounts_per_client`` (EUR per young person in care), ``cbs_per_youth`` (adjusted) and
        ``accounts_per_youth`` (EUR per inhabitant aged 0-17), ``ratio`` (accounts / adjusted CBS), ``z`` (robust z of log ratio), ``z_per_client`` and
        ``flag`` (a key of :data:`jeugdzorg.analysis.flags.FLAGS` or empty).
    """

    cbs_year: int
    accounts_year: int
    growth: float
    growth_years: tuple[int, int] | None
    table: pd.DataFrame
    boundary_year: int

    @property
    def same_year(self) -> bool:
        return self.cbs_year == self.accounts_year

    @property
    def compared(self) -> pd.DataFrame:
        """Municipalities with both figures."""
        return self.table.dropna(subset=["cbs_keur", "accounts_keur"])

    @property
    def national_ratio_unadjusted(self) -> float:
        """Sum of the accounts over sum of 83454NED cost, same municipalities, without growth correction."""
        both = self.compared
        return float(both["accounts_keur"].sum() / both["cbs_keur"].sum())

    @property
    def national_ratio(self) -> float:
        """Sum of the accounts over sum of 83454NED cost brought to the accounts year."""
        both = self.compared
        return float(both["accounts_keur"].sum() / both["cbs_adjusted_keur"].sum())

    @property
    def median_ratio(self) -> float:
        return float(self.compared["ratio"].median())

    @property
    def ratio_band(self) -> tuple[float, float]:
        """Ratios inside this band pass the rule (median x/÷ the robust spread limit)."""
        logs = np.log(self.compared["ratio"][self.compared["ratio"] > 0])
        centre, spread = logs.median(), MAD_TO_SD * (logs - logs.median()).abs().median()
        return float(np.exp(centre - ROBUST_Z_LIMIT * spread)), float(np.exp(centre + ROBUST_Z_LIMIT * spread))

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flag"] != ""]


def _accounts_by_municipality(tables: dict[str, pd.DataFrame], year: int, boundary_year: int) -> pd.DataFrame:
    """Iv3 realised care fields (what 83454NED counts), EUR 1,000, per GM code of ``boundary_year``:
    ``accounts_keur`` net of receipts (lasten minus baten: a central municipality's care bought for
    its region and paid back by the others counts once, with the municipality that pays) and
    ``accounts_gross_keur`` (lasten)."""
    care = tables["care_mix"]
    rows = care[(care["kind"] == "realised") & (care["year"] == year) & care["category"].isin(COMPARABLE_CATEGORIES)]
    sums = (rows.assign(accounts_keur=rows["lasten_keur"] - rows["baten_keur"].fillna(0),
                        accounts_gross_keur=rows["lasten_keur"])
            .groupby("gm_code", as_index=False)[["accounts_keur", "accounts_gross_keur"]].sum().assign(year=year))
    register = tables["register"]
    codes = set(register.loc[register["year"] == boundary_year, "gm_code"])
    harmonised = harmonise(sums, {"accounts_keur": SUM, "accounts_gross_keur": SUM}, P._mergers(tables), codes,
                           boundary_year)
    return harmonised.set_index("gm_code")[["accounts_keur", "accounts_gross_keur"]]


def accounts_check(tables: dict[str, pd.DataFrame], boundary_year: int | None = None) -> AccountsCheck:
    """Compare each municipality's 83454NED cost with its own accounts and its use of care.

    The latest Iv3 accounts year is paired with the nearest 83454NED year (the same year once CBS
    publishes it: no code change).  When the years differ, the 83454NED cost is brought forward by
    the national growth of 83454NED over its own last year, so that the ratio measures scope and
    booking, not one year's growth.  Both sources are expressed in the municipalities of
    ``boundary_year`` (default: the latest register year), like every other table of the book.

    The accounts are net of receipts (lasten minus baten), like the 83454NED cost: a municipality
    that buys care for its region and gets it paid back would otherwise book the others' care too.

    Rules (records: :data:`jeugdzorg.analysis.flags.FLAGS`): ``no_accounts`` when the accounts book no care at all;
    ``accounts_mismatch`` when the log ratio lies beyond :data:`ROBUST_Z_LIMIT` robust standard
    deviations of the national distribution; ``cost_per_client`` when the 83454NED cost per young
    person in care does.
    """
    care = tables["care_mix"]
    accounts_years = sorted(int(y) for y in care.loc[care["kind"] == "realised", "year"].unique())
    if not accounts_years:
        raise ValueError("the snapshot has no Iv3 accounts")
    accounts_year = accounts_years[-1]
    costs, _ = without_reported_zeros(tables["costs"])
    cbs_years = sorted(int(y) for y in costs.loc[costs["realised_keur"].notna(), "year"].unique())
    cbs_year = nearest_year(accounts_year, cbs_years)
    # The accounts of a year cannot be expressed in the boundaries of an earlier year (a later merger
    # cannot be undone): for an earlier boundary year the comparison uses the latest boundaries.
    boundary = boundary_year or P.default_boundary_year(tables)
    if boundary < accounts_year:
        boundary = P.default_boundary_year(tables)

    years = sorted({cbs_year, cbs_year - 1} & set(cbs_years))
    panel = P.build_panel(tables, boundary_year=boundary, first_year=years[0], last_year=cbs_year)
    latest = panel.xs(cbs_year, level="year")
    growth, growth_years = 1.0, None
    if cbs_year != accounts_year and len(years) == 2:
        wide = panel["realised_keur"].unstack("year").dropna()
        yearly = float(wide[cbs_year].sum() / wide[years[0]].sum())
        growth, growth_years = yearly ** (accounts_year - cbs_year), (years[0], cbs_year)

    accounts = _accounts_by_municipality(tables, accounts_year, boundary)
    out = pd.DataFrame({"name": latest["name"], "cbs_keur": latest["realised_keur"],
                        "youths_in_care": latest["youths_in_care"], "inhabitants_0_17": latest["inhabitants_0_17"]})
    out = out.join(accounts, how="outer")
    names = tables["register"]
    names = names[names["year"] == names["year"].max()].set_index("gm_code")["name"]
    out["name"] = out["name"].fillna(names)
    out["cbs_adjusted_keur"] = out["cbs_keur"] * growth
    out["cbs_per_client"] = 1000 * out["cbs_keur"] / out["youths_in_care"]
    out["accounts_per_client"] = 1000 * out["accounts_keur"] / out["youths_in_care"]
    out["cbs_per_youth"] = 1000 * out["cbs_adjusted_keur"] / out["inhabitants_0_17"]
    out["accounts_per_youth"] = 1000 * out["accounts_keur"] / out["inhabitants_0_17"]
    out["ratio"] = out["accounts_keur"] / out["cbs_adjusted_keur"]
    out = out.join(accounts_rule(out))
    out.index.name = "gm_code"
    return AccountsCheck(cbs_year, accounts_year, growth, growth_years, out.sort_index(), boundary)


def accounts_rule(table: pd.DataFrame) -> pd.DataFrame:
    """The accounts rules on ``cbs_keur``, ``accounts_keur`` (net of receipts), ``accounts_gross_keur``
    (optional; lasten), ``ratio`` (net accounts / CBS, growth-adjusted) and ``cbs_per_client`` per
    municipality.

    Returns
    -------
    pandas.DataFrame
        Same index: ``z`` (robust z of the log ratio), ``z_per_client`` (of the log cost per young
        person in care) and ``flag``: ``no_accounts`` (accounts book no spending but CBS does),
        ``accounts_mismatch`` (``|z|`` beyond :data:`ROBUST_Z_LIMIT`, or receipts at least the
        spending), ``cost_per_client``
        (``|z_per_client|`` beyond it), or empty.
    """
    positive = table["ratio"] > 0
    out = pd.DataFrame(index=table.index)
    out["z"] = robust_z(np.log(table.loc[positive, "ratio"])).reindex(table.index)
    per_client = table["cbs_per_client"] > 0
    out["z_per_client"] = robust_z(np.log(table.loc[per_client, "cbs_per_client"])).reindex(table.index)
    flag = pd.Series("", index=table.index)
    flag[out["z_per_client"].abs() > ROBUST_Z_LIMIT] = "cost_per_client"
    # Receipts as large as the spending leave nothing the municipality pays itself: as far from CBS's
    # cost as a ratio can be.
    gross = table["accounts_gross_keur"] if "accounts_gross_keur" in table else table["accounts_keur"]
    flag[(out["z"].abs() > ROBUST_Z_LIMIT) | (table["ratio"].le(0) & gross.gt(0))] = "accounts_mismatch"
    flag[gross.eq(0) & table["cbs_keur"].gt(0)] = "no_accounts"
    out["flag"] = flag
    return out


@dataclass
class ChanceScale:
    """What chance gives for a municipality's year-on-year change, by its size.

    A municipality's change relative to the median municipality's has variance ``a + b / size``:
    ``b / size`` is the chance of few cases (one placement more or less moves a small
    municipality's cost and count by tens of percent, a large one's hardly), ``a`` what every
    municipality varies beyond that.  Measured robustly (1.4826 x MAD) in size groups of the
    calibration changes, so the few real breaks do not widen it.

    Attributes
    ----------
    a, b
        The two components (log units squared; ``b`` times the size's unit).
    """

    a: float
    b: float

    @classmethod
    def fit(cls, relative: pd.Series, size: pd.Series, groups: int = CALIBRATION_GROUPS) -> "ChanceScale":
        """Fit ``a`` and ``b`` (non-negative least squares over the size groups) to the relative
        changes ``relative`` of municipalities of size ``size`` (aligned)."""
        both = pd.DataFrame({"r": relative, "n": size}).dropna()
        both = both[both["n"] > 0]
        bins = pd.qcut(both["n"].rank(method="first"), min(groups, max(len(both) // 10, 1)), labels=False)
        grouped = both.groupby(bins)
        variance = grouped["r"].apply(lambda r: (MAD_TO_SD * (r - r.median()).abs().median()) ** 2)
        inverse = grouped["n"].apply(lambda n: float((1 / n).mean()))
        design = np.column_stack([np.ones(len(inverse)), inverse.to_numpy()])
        (a, b), *_ = np.linalg.lstsq(design, variance.to_numpy(), rcond=None)
        if b < 0:  # no size dependence in the data: one common spread
            a, b = float(variance.mean()), 0.0
        elif a < 0:  # all of it is the chance of few cases
            a, b = 0.0, float(variance.to_numpy() @ inverse.to_numpy() / (inverse.to_numpy() @ inverse.to_numpy()))
        return cls(float(a), float(b))

    def sd(self, size: pd.Series) -> pd.Series:
        """The chance standard deviation of the relative change of a municipality of ``size``."""
        return np.sqrt(self.a + self.b / size.astype(float))


@dataclass
class ResidenceRule:
    """The break of the residence rule: whose cost possibly moved out, and whose in.

    Attributes
    ----------
    year
        The first year of the rule (:data:`RESIDENCE_RULE_YEAR`); ``None`` when the data do not have
        both it and the year before.
    table
        Per municipality (boundaries of the boundary year) with both years: ``name``, ``before``,
        ``after`` (EUR per inhabitant aged 0-17 in the year before and the first year), ``change``
        (log change), ``relative`` (change minus the national median change), ``z_cost`` (relative
        change in chance standard deviations for the municipality's inhabitants aged 0-17);
        ``clients_before``, ``clients_after`` (young people in care), ``clients_change`` (log),
        ``z_clients`` (relative change in chance standard deviations for its number of young people
        in care); ``direction`` (``"out"``, ``"in"`` or empty, :func:`break_rule`), ``host``
        (``direction == "out"``: cost possibly moved to other municipalities) and ``gain``
        (``direction == "in"``).
    cost_scale, clients_scale
        The :class:`ChanceScale` of the cost and of the count, from the changes before the rule.
    calibration_years
        The years whose change from the year before calibrated the scales.
    chance
        Per calibration year, how many municipalities the same rule finds in each direction
        (``out``, ``in``): what chance gives in a year without the rule.
    """

    year: int | None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    cost_scale: ChanceScale | None = None
    clients_scale: ChanceScale | None = None
    calibration_years: tuple[int, ...] = ()
    chance: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def hosts(self) -> pd.DataFrame:
        """Municipalities whose cost possibly moved out (former hosts of stays with residence)."""
        return self.table[self.table["host"]] if not self.table.empty else self.table

    @property
    def gainers(self) -> pd.DataFrame:
        """Municipalities whose cost possibly moved in."""
        return self.table[self.table["gain"]] if not self.table.empty else self.table

    @property
    def affected(self) -> pd.DataFrame:
        """Both directions."""
        return self.table[self.table["direction"] != ""] if not self.table.empty else self.table

    @property
    def median_change_pct(self) -> float:
        """Median change of all municipalities' cost per young inhabitant, %."""
        return float(100 * np.expm1(self.table["change"].median()))

    @property
    def host_change_pct(self) -> float:
        """Median change of the hosts' cost per young inhabitant, %."""
        return float(100 * np.expm1(self.hosts["change"].median()))

    @property
    def gain_change_pct(self) -> float:
        """Median change of the gainers' cost per young inhabitant, %."""
        return float(100 * np.expm1(self.gainers["change"].median()))


def relative_changes(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per municipality with both years, the change from ``year - 1`` to ``year`` of cost per young
    inhabitant and of young people in care, each relative to the median municipality's (log), with
    the sizes (inhabitants aged 0-17, young people in care) of ``year - 1``.  Rows outside the
    plausible cost range and counts of zero are left out."""
    pair = panel[panel.index.get_level_values("year").isin([year - 1, year])]
    pair = pair[P.plausible_cost(pair)]
    cost = pair["cost_per_youth"].unstack("year")
    clients = pair["youths_in_care"].where(pair["youths_in_care"] > 0).unstack("year")
    youth = pair["inhabitants_0_17"].unstack("year")
    if not {year - 1, year} <= set(cost.columns):
        return pd.DataFrame(columns=["before", "after", "change", "relative", "youth", "clients_before",
                                     "clients_after", "clients_change", "clients_relative"])
    out = pd.DataFrame({"before": cost[year - 1], "after": cost[year]}).dropna()
    out["change"] = np.log(out["after"] / out["before"])
    out["relative"] = out["change"] - out["change"].median()
    out["youth"] = youth[year - 1].reindex(out.index)
    if {year - 1, year} <= set(clients.columns):
        out["clients_before"] = clients[year - 1].reindex(out.index)
        out["clients_after"] = clients[year].reindex(out.index)
    else:
        out["clients_before"] = out["clients_after"] = np.nan
    out["clients_change"] = np.log(out["clients_after"] / out["clients_before"])
    out["clients_relative"] = out["clients_change"] - out["clients_change"].median()
    return out


def break_rule(changes: pd.DataFrame, cost_scale: ChanceScale, clients_scale: ChanceScale) -> pd.DataFrame:
    """The two-sided residence-rule break on :func:`relative_changes` of the rule's year.

    A municipality's cost possibly moved **out** when its cost per young inhabitant fell at least
    :data:`BREAK_Z_COST` chance standard deviations (for its size) more than the median
    municipality's, and its number of young people in care did not rise :data:`BREAK_Z_COUNT` or
    more; **in** when the cost rose as much and the count did not fall as much.  Chance is measured
    by ``cost_scale`` (size: inhabitants aged 0-17) and ``clients_scale`` (size: young people in
    care), so a small municipality's jump of one expensive placement does not count, and a large
    one's change of a few percent can.

    Returns
    -------
    pandas.DataFrame
        Same index: ``z_cost``, ``z_clients``, ``direction`` (``"out"``, ``"in"`` or empty).
    """
    out = pd.DataFrame(index=changes.index)
    out["z_cost"] = changes["relative"] / cost_scale.sd(changes["youth"])
    out["z_clients"] = changes["clients_relative"] / clients_scale.sd(changes["clients_before"])
    direction = pd.Series("", index=changes.index, dtype=object)
    # A missing count does not contradict: the cost alone decides.
    direction[(out["z_cost"] <= -BREAK_Z_COST) & ~(out["z_clients"] >= BREAK_Z_COUNT)] = "out"
    direction[(out["z_cost"] >= BREAK_Z_COST) & ~(out["z_clients"] <= -BREAK_Z_COUNT)] = "in"
    out["direction"] = direction
    return out


def residence_break(panel: pd.DataFrame, year: int = RESIDENCE_RULE_YEAR) -> ResidenceRule:
    """The two-sided residence-rule break in ``panel`` (:func:`jeugdzorg.analysis.panel.build_panel`).

    Chance is calibrated on the :data:`CALIBRATION_CHANGES` year-on-year changes before ``year``
    that the panel holds; a panel with only the rule's year and the year before calibrates on that
    change itself (the robust spread ignores the few municipalities the rule moved).
    """
    years = set(int(y) for y in panel.index.get_level_values("year"))
    if not {year - 1, year} <= years:
        return ResidenceRule(None)
    changes = relative_changes(panel, year)
    calibration = [y for y in range(year - CALIBRATION_CHANGES, year) if {y - 1, y} <= years] or [year]
    earlier = pd.concat([relative_changes(panel, y) for y in calibration], ignore_index=True)
    cost_scale = ChanceScale.fit(earlier["relative"], earlier["youth"])
    clients_scale = ChanceScale.fit(earlier["clients_relative"], earlier["clients_before"])
    out = changes.drop(columns=["youth", "clients_relative"]).join(break_rule(changes, cost_scale, clients_scale))
    out.insert(0, "name", panel.groupby(level="gm_code")["name"].first().reindex(out.index))
    out["host"] = out["direction"] == "out"
    out["gain"] = out["direction"] == "in"
    chance = pd.DataFrame({y: break_rule(relative_changes(panel, y), cost_scale, clients_scale)["direction"]
                           .value_counts().reindex(["out", "in"], fill_value=0)
                           for y in calibration if y != year}).T.rename_axis("year")
    return ResidenceRule(year, out, cost_scale, clients_scale, tuple(calibration), chance)


def residence_rule(tables: dict[str, pd.DataFrame], boundary_year: int | None = None) -> ResidenceRule:
    """The two-sided residence-rule break (:func:`residence_break`) in the boundaries of
    ``boundary_year`` (default the latest register year), calibrated on the changes before it."""
    costs, _ = without_reported_zeros(tables["costs"])
    years = set(costs.loc[costs["realised_keur"].notna(), "year"])
    year = RESIDENCE_RULE_YEAR
    if not {year - 1, year} <= years:
        return ResidenceRule(None)
    panel = P.build_panel(tables, boundary_year=boundary_year or P.default_boundary_year(tables),
                          first_year=year - 1 - CALIBRATION_CHANGES, last_year=year)
    return residence_break(panel, year)


@dataclass
class SeriesBreak:
    """One break in a series: what changed, when, its size in the data and how the book handles it."""

    series: str
    year: int
    change: str
    size: str
    handling: str


def use_table_switch(use_counts: pd.DataFrame) -> tuple[int, str, str, float] | None:
    """Where the national count of youths in care switches CBS table: ``(year, old, new, jump %)``.

    The jump is the national change in the switch year minus the mean change of the years around
    it (log points, shown as %): the part of the change the trend does not explain.  ``None`` when
    the series comes from one table.
    """
    national = use_counts[~use_counts["region_code"].str.startswith("GM")].dropna(subset=["youths_in_care"])
    national = national.set_index("year").sort_index()
    tables = national["source_table"]
    switches = [y for prev, y in zip(national.index[:-1], national.index[1:]) if tables[y] != tables[prev]]
    if not switches:
        return None
    year = int(switches[0])
    logs = np.log(national["youths_in_care"]).diff()
    around = [y for y in (year - 1, year + 1) if y in logs.index and not np.isnan(logs[y])]
    trend = float(logs[around].mean()) if around else 0.0
    return year, str(tables[year - 1] if year - 1 in tables.index else tables.iloc[0]), str(tables[year]), \
        float(100 * np.expm1(logs[year] - trend))


def same_municipality_growth_in(costs: pd.DataFrame, year: int) -> float | None:
    """Growth of realised cost into ``year``, %, over the municipalities reporting both years."""
    wide = costs.pivot_table(index="gm_code", columns="year", values="realised_keur")
    if year not in wide.columns or year - 1 not in wide.columns:
        return None
    both = wide[[year - 1, year]].dropna()
    return float(100 * (both[year].sum() / both[year - 1].sum() - 1))


#: A municipality receives at least this share of its youth-care lasten back as baten (receipts):
#: it pays for care on behalf of other municipalities, as the central municipality of a region does.
#: Most municipalities receive nothing (the median is 0) and nine in ten under 3%, so the share is
#: not a matter of degree: it marks the regional arrangement.
REGIONAL_RECEIPTS_SHARE = 0.2


def care_mix_flags(care: pd.DataFrame) -> pd.DataFrame:
    """Municipalities whose Iv3 care mix reflects where care is booked, latest accounts.

    Two rules: ``regional_body`` when the receipts of the care fields are at least
    :data:`REGIONAL_RECEIPTS_SHARE` of their lasten; ``care_mix_outlier`` when the share of care with
    residence in the care fields' lasten (gross, as the care mix everywhere) lies beyond :data:`ROBUST_Z_LIMIT` robust standard deviations of the
    national distribution.

    Returns
    -------
    pandas.DataFrame
        Indexed by GM code: ``lasten_keur``, ``baten_keur``, ``net_keur`` (EUR 1,000),
        ``receipts_share``, ``residence_gross`` (shares, 0-1), ``z_residence`` and ``flag``.
    """
    from ..data.iv3 import WITH_RESIDENCE

    realised = care[care["kind"] == "realised"]
    year = int(realised["year"].max())
    rows = realised[(realised["year"] == year) & realised["category"].isin(COMPARABLE_CATEGORIES)]
    rows = rows.assign(net_keur=rows["lasten_keur"] - rows["baten_keur"])
    sums = rows.groupby("gm_code")[["lasten_keur", "baten_keur", "net_keur"]].sum()
    residence = rows[rows["category"] == WITH_RESIDENCE].groupby("gm_code")[["lasten_keur", "net_keur"]].sum()
    out = sums[["lasten_keur", "baten_keur"]].copy()
    out = out[out["lasten_keur"] > 0]
    out["receipts_share"] = out["baten_keur"] / out["lasten_keur"]
    out["residence_gross"] = residence["lasten_keur"] / out["lasten_keur"]
    out["net_keur"] = sums["net_keur"]
    # The mix is a share of spending (gross): net of receipts a residential share can go below zero
    # or above one, which says something about receipts (the regional-body rule), not the mix.
    out["z_residence"] = robust_z(out["residence_gross"].dropna()).reindex(out.index)
    flag = pd.Series("", index=out.index)
    flag[out["z_residence"].abs() > ROBUST_Z_LIMIT] = "care_mix_outlier"
    flag[out["receipts_share"] >= REGIONAL_RECEIPTS_SHARE] = "regional_body"
    out["flag"] = flag
    out.attrs["year"] = year
    return out


def municipality_flags(tables: dict[str, pd.DataFrame], boundary_year: int | None = None) -> pd.DataFrame:
    """Every validation flag, one row per municipality (boundaries of ``boundary_year``) and flag.

    The rules run in the boundaries of the latest register (the latest accounts cannot be expressed in
    boundaries that precede a later merger).  For an earlier ``boundary_year``, a flag of a merged
    municipality is given to each of its parts that existed then.  See :func:`_flags_latest` for
    the columns.
    """
    latest = P.default_boundary_year(tables)
    flags = _flags_latest(tables, latest)
    if boundary_year is None or boundary_year >= latest:
        return flags
    mergers = tables["mergers"]
    later = mergers[(mergers["kind"] == "merger") & (pd.to_datetime(mergers["date"]) > pd.Timestamp(boundary_year, 1, 1))]
    successor = dict(zip(later["old_code"], later["new_code"]))
    register = tables["register"]
    codes = register.loc[register["year"] == boundary_year, ["gm_code", "name"]].set_index("gm_code")["name"]
    final = {}
    for code in codes.index:
        target = code
        for _ in range(len(successor) + 1):
            if target not in successor:
                break
            target = successor[target]
        final[code] = target
    parts = pd.DataFrame({"gm_code": list(final), "latest_code": list(final.values())})
    out = flags.rename(columns={"gm_code": "latest_code"}).merge(parts, on="latest_code", how="inner")
    out["name"] = out["gm_code"].map(codes)
    return out[flags.columns].sort_values(["gm_code", "flag"], ignore_index=True)


def _flags_latest(tables: dict[str, pd.DataFrame], boundary_year: int) -> pd.DataFrame:
    """The validation flags in the boundaries of ``boundary_year`` (the latest register year).

    The care-mix rules read the Iv3 accounts as published (their own year's municipalities); a flag
    of a municipality that merged later is carried to its successor.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, name, flag, year`` (the year the rule looked at), ``value`` and ``reference``
        (the municipality's figure and the national one it was compared with: ratio, EUR per young
        person in care, change in log points or share) and ``ranking`` (whether the flag keeps the
        municipality out of rankings).  Empty when the sources a rule needs are absent.
    """
    rows: list[dict] = []
    if not tables["care_mix"].empty and (tables["care_mix"]["kind"] == "realised").any():
        check = accounts_check(tables, boundary_year)
        for code, row in check.flagged.iterrows():
            value, reference = {
                "accounts_mismatch": (row["ratio"], check.median_ratio),
                "no_accounts": (0.0, check.median_ratio),
                "cost_per_client": (row["cbs_per_client"], float(check.compared["cbs_per_client"].median())),
            }[row["flag"]]
            rows.append({"gm_code": code, "name": row["name"], "flag": row["flag"], "year": check.cbs_year,
                         "value": value, "reference": reference})
        mix = care_mix_flags(tables["care_mix"])
        for code, row in mix[mix["flag"] != ""].iterrows():
            regional = row["flag"] == "regional_body"
            rows.append({"gm_code": code, "name": None, "flag": row["flag"], "year": mix.attrs["year"],
                         "value": row["receipts_share"] if regional else row["residence_gross"],
                         "reference": REGIONAL_RECEIPTS_SHARE if regional else float(mix["residence_gross"].median())})
    rule = residence_rule(tables, boundary_year)
    if rule.year is not None:
        for code, row in rule.affected.iterrows():
            rows.append({"gm_code": code, "name": row["name"], "year": rule.year,
                         "flag": "residence_rule_host" if row["host"] else "residence_rule_gain",
                         "value": row["change"], "reference": float(rule.table["change"].median())})
    out = pd.DataFrame(rows, columns=["gm_code", "name", "flag", "year", "value", "reference"])
    out["gm_code"] = _successors(out["gm_code"], tables, boundary_year)
    register = tables["register"]
    latest = register[register["year"] == register["year"].max()].set_index("gm_code")["name"]
    every = register.drop_duplicates("gm_code", keep="last").set_index("gm_code")["name"]
    out["name"] = out["name"].fillna(out["gm_code"].map(latest)).fillna(out["gm_code"].map(every))
    out["ranking"] = [record(f).keeps_out_of_rankings for f in out["flag"]]
    return out.sort_values(["gm_code", "flag"], ignore_index=True)


def _successors(codes: pd.Series, tables: dict[str, pd.DataFrame], boundary_year: int) -> pd.Series:
    """Each code, or the code that absorbed it by ``boundary_year`` (whole mergers only)."""
    mergers = tables["mergers"]
    merged = mergers[(mergers["kind"] == "merger") & (mergers["date"].str[:4].astype(int) <= boundary_year)]
    successor = dict(zip(merged["old_code"], merged["new_code"]))
    out = codes.copy()
    for _ in range(len(successor)):
        mapped = out.map(successor).fillna(out)
        if mapped.equals(out):
            break
        out = mapped
    return out


def ranking_exclusions(flags: pd.DataFrame) -> set[str]:
    """GM codes that rankings, residual lists and "above/below expected" statements leave out."""
    return set(flags.loc[flags["ranking"], "gm_code"])
