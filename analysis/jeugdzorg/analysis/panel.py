"""The estimation panel: municipality x year in one boundary year, outcome and need drivers.

Every source table is first harmonised to the municipalities of the boundary year (see
:mod:`jeugdzorg.data.mergers`), then the outcome and the drivers are formed as ratios of harmonised
counts, so a merged municipality's share is the share of the merged population, not an average of
shares.  Drivers come from the gemeentefonds criteria: edition *t* describes the municipalities of
1 January *t* and mostly refers to the situation one or two years earlier (the reference dates CBS
states are kept in the snapshot); with ``driver_lag=k`` the cost of year *t* is matched with
edition *t - k*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.catalogue import load_catalogue
from .descriptives import without_reported_zeros
from ..data.mergers import SUM, Rule, harmonise


@dataclass(frozen=True)
class Driver:
    """A need driver formed as ``scale * numerator / denominator`` (or a transform of a level)."""

    name: str
    label: str
    unit: str
    group: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    log: bool = False


#: The need drivers of the book, grouped as in SCP (2014): socio-economic, socio-demographic,
#: urbanity and health.
DRIVERS: tuple[Driver, ...] = (
    Driver("low_income_minors_pct", "Minors in households below 120% of the social minimum",
           "% of minors", "socio-economic", "minors_below_120pct_social_minimum", "minors_total", 100),
    Driver("bijstand_pct", "Persons with social assistance (bijstand)", "% of inhabitants aged 15-64",
           "socio-economic", "persons_bijstand", "inhabitants_15_64", 100),
    Driver("income_with_children_keur", "Mean standardised income of households with children",
           "EUR 1,000 per year", "socio-economic", "mean_standardised_income_with_children", None, 0.001),
    Driver("single_parent_pct", "Single-parent households with 2+ children",
           "% of households with children", "socio-demographic", "single_parent_households_2plus",
           "households_with_children", 100),
    Driver("youth_share_pct", "Share of inhabitants aged 0-17", "% of inhabitants", "socio-demographic",
           "inhabitants_0_17", "inhabitants", 100),
    Driver("log_address_density", "Address density", "log addresses per km2", "urbanity",
           "address_density", None, 1.0, log=True),
    Driver("log_population", "Population size", "log inhabitants", "urbanity", "inhabitants", None, 1.0, log=True),
    Driver("psych_medication_per_100", "Parents with long-term psychiatric medication",
           "per 100 households with children", "health", "parents_psychiatric_medication",
           "households_with_children", 100),
)
#: Short labels for narrow tables and small panels.
SHORT_LABELS: dict[str, str] = {
    "low_income_minors_pct": "Low-income minors", "bijstand_pct": "Social assistance",
    "income_with_children_keur": "Income, families", "single_parent_pct": "Single parents",
    "youth_share_pct": "Youth share", "log_address_density": "Density",
    "log_population": "Population", "psych_medication_per_100": "Parents' psych. medication",
}
DRIVER_NAMES: tuple[str, ...] = tuple(d.name for d in DRIVERS)
DRIVER_GROUPS: dict[str, list[str]] = {}
for _driver in DRIVERS:
    DRIVER_GROUPS.setdefault(_driver.group, []).append(_driver.name)

#: Named driver sets for the ``driver_set`` parameter.
DRIVER_SETS: dict[str, tuple[str, ...]] = {
    "full": DRIVER_NAMES,
    "scp": ("low_income_minors_pct", "bijstand_pct", "income_with_children_keur", "single_parent_pct",
            "psych_medication_per_100", "log_address_density"),
}

#: Cluster levels for the ``cluster`` parameter: "municipality" or the ~42 jeugdzorgregio's.
CLUSTERS = {"municipality": "entity", "jz_region": "jz_region_code"}

OUTCOMES = {
    "log_cost_per_youth": "log realised cost per inhabitant aged 0-17",
    "cost_per_youth": "realised cost per inhabitant aged 0-17 (EUR)",
    "pct_youth_with_jeugdhulp": "% of inhabitants aged 0-17 with youth help in kind",
}

#: The four largest municipalities (G4): Amsterdam, Rotterdam, 's-Gravenhage, Utrecht.
G4 = ("GM0363", "GM0599", "GM0518", "GM0344")


def _rules(table: str) -> dict[str, Rule]:
    variables = load_catalogue()["variables"]
    return {name: (SUM if spec["combine"] == "sum" else Rule("mean", spec["weight"]))
            for name, spec in variables.items() if spec["table"] == table and spec["combine"] != "none"}


def _mergers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    mergers = tables["mergers"].copy()
    mergers["date"] = pd.to_datetime(mergers["date"])
    return mergers


def default_boundary_year(tables: dict[str, pd.DataFrame]) -> int:
    """The latest year of the municipality register."""
    return int(tables["register"]["year"].max())


def expected_municipalities(tables: dict[str, pd.DataFrame], years: set[int]) -> pd.DataFrame:
    """The municipalities each year's tables should describe: ``gm_code, year``.

    The register of 1 January of the year, less municipalities that were dissolved during that year
    (Weesp, 24 March 2022): CBS reports those with the successor and leaves their own row empty.
    """
    register = tables["register"]
    out = register[register["year"].isin(years)][["gm_code", "year"]]
    mergers = _mergers(tables)
    mid_year = mergers[(mergers["date"].dt.month != 1) | (mergers["date"].dt.day != 1)]
    dissolved = set(zip(mid_year["old_code"], mid_year["date"].dt.year))
    keep = [(c, y) not in dissolved for c, y in out.itertuples(index=False)]
    return out[keep].reset_index(drop=True)


def youth_population_harmonised(tables: dict[str, pd.DataFrame], years: set[int], boundary_year: int,
                                expected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Inhabitants aged 0-17 per municipality (boundary-year codes) and year.

    Edition *t* of the gemeentefonds criteria gives the youth population of year *t*.  A year whose
    edition has no usable figure is filled with the geometric mean of the neighbouring years, after
    both are expressed in the same boundaries (see the 2019 edition in ``catalogue.yml``).
    """
    youth = tables["drivers"][tables["drivers"]["variable"] == "inhabitants_0_17"]
    youth = youth.rename(columns={"edition": "year", "value": "inhabitants_0_17"})[
        ["gm_code", "year", "inhabitants_0_17"]]
    available = set(youth.loc[youth["inhabitants_0_17"].notna(), "year"])
    gaps = {y for y in years if y not in available}
    wanted = years | {y - 1 for y in gaps} | {y + 1 for y in gaps}
    youth = youth[youth["year"].isin(wanted)]
    harmonised = harmonise(youth, {"inhabitants_0_17": SUM}, _mergers(tables), _codes(tables, boundary_year),
                           boundary_year, expected=expected).drop(columns="constituents")
    wide = harmonised.pivot(index="gm_code", columns="year", values="inhabitants_0_17")
    for year in sorted(years):
        if year in wide.columns and wide[year].notna().any():
            continue
        if year - 1 in wide.columns and year + 1 in wide.columns:
            wide[year] = np.sqrt(wide[year - 1] * wide[year + 1])
    out = wide.reindex(columns=sorted(years)).stack().rename("inhabitants_0_17").reset_index()
    return out


def driver_counts(tables: dict[str, pd.DataFrame], boundary_year: int,
                  expected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gemeentefonds criteria per municipality (boundary-year codes) and edition, wide."""
    drivers = tables["drivers"]
    wide = drivers.pivot_table(index=["gm_code", "edition"], columns="variable", values="value",
                               aggfunc="first").reset_index()
    wide.columns.name = None
    rules = {k: v for k, v in _rules("drivers").items() if k in wide.columns}
    codes = _codes(tables, boundary_year)
    out = harmonise(wide, rules, _mergers(tables), codes, boundary_year, period="edition", expected=expected)
    return out.drop(columns="constituents")


def _codes(tables: dict[str, pd.DataFrame], boundary_year: int) -> set[str]:
    register = tables["register"]
    if boundary_year not in set(register["year"]):
        raise ValueError(f"no municipality register for boundary year {boundary_year}; "
                         f"available: {sorted(register['year'].unique())}")
    return set(register.loc[register["year"] == boundary_year, "gm_code"])


def build_panel(tables: dict[str, pd.DataFrame], *, boundary_year: int | None = None,
                first_year: int | None = None, last_year: int | None = None,
                driver_lag: int = 0) -> pd.DataFrame:
    """Municipality x year panel of cost, use and need drivers in one set of boundaries.

    Parameters
    ----------
    tables
        The snapshot (:func:`jeugdzorg.data.snapshot.load_snapshot`).
    boundary_year
        Express every row in the municipalities of 1 January of this year (default: the latest
        register year).
    first_year, last_year
        Keep cost years in this range (default: all years with realised cost).
    driver_lag
        Match the cost of year *t* with gemeentefonds edition *t - driver_lag*.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(gm_code, year)``, sorted; columns: ``name``, ``jz_region_code``,
        ``province``, ``urbanity`` (1 = very strongly urban ... 5 = not urban, boundary-year
        register), ``realised_keur``, ``budgeted_keur``, ``inhabitants``, ``inhabitants_0_17``,
        ``cost_per_youth`` (EUR), ``log_cost_per_youth``, ``pct_youth_with_jeugdhulp``,
        ``youths_in_care``, every driver of :data:`DRIVERS`, and ``constituents`` (the original
        municipalities in the row, joined by ``+``).
    """
    boundary_year = boundary_year or default_boundary_year(tables)
    codes = _codes(tables, boundary_year)
    mergers = _mergers(tables)

    costs, _ = without_reported_zeros(tables["costs"])
    if first_year is not None:
        costs = costs[costs["year"] >= first_year]
    if last_year is not None:
        costs = costs[costs["year"] <= last_year]
    years = set(costs.loc[costs["realised_keur"].notna(), "year"])
    if not years:
        raise ValueError(f"no realised cost between {first_year} and {last_year}")
    costs = costs[costs["year"].isin(years)]
    expected = expected_municipalities(tables, years | {y - driver_lag for y in years})
    # Only the periods the panel uses are harmonised: a table's later years may already reflect
    # reorganisations after an (earlier) boundary year.
    in_years = lambda frame, column="year": frame[frame[column].isin(years)]  # noqa: E731
    # Harmonise every row, reported or not, and only then drop missing totals: a merged
    # municipality must not get the cost of only the parts that reported.
    panel = harmonise(costs, _rules("costs"), mergers, codes, boundary_year, expected=expected)
    panel = panel[panel["realised_keur"].notna()]

    register = in_years(tables["register"])[["gm_code", "year", "inhabitants", "address_density"]]
    register = harmonise(register, {"inhabitants": SUM, "address_density": Rule("mean", "inhabitants")},
                         mergers, codes, boundary_year, expected=expected).drop(columns="constituents")

    editions = {year - driver_lag for year in years}
    counts = driver_counts({**tables, "drivers": tables["drivers"][tables["drivers"]["edition"].isin(editions)]},
                           boundary_year, expected.rename(columns={"year": "edition"}))
    counts["year"] = counts["edition"] + driver_lag
    counts = counts.drop(columns=["edition", "address_density", "inhabitants_total"], errors="ignore")

    youth = tables["drivers"][tables["drivers"]["variable"] == "inhabitants_0_17"]
    youth = youth.rename(columns={"edition": "year", "value": "inhabitants_0_17"})[
        ["gm_code", "year", "inhabitants_0_17"]]
    use = tables["use_pct"].rename(columns={"region_code": "gm_code"})
    use = in_years(use[use["gm_code"].str.startswith("GM")]).merge(youth, on=["gm_code", "year"], how="left")
    use = harmonise(use[["gm_code", "year", "pct_youth_with_jeugdhulp", "inhabitants_0_17"]],
                    {"pct_youth_with_jeugdhulp": Rule("mean", "inhabitants_0_17")}, mergers, codes,
                    boundary_year, expected=expected).drop(columns="constituents")
    care = tables["use_counts"].rename(columns={"region_code": "gm_code"})
    care = in_years(care[care["gm_code"].str.startswith("GM")])[["gm_code", "year", "youths_in_care"]]
    care = harmonise(care, {"youths_in_care": SUM}, mergers, codes, boundary_year,
                     expected=expected).drop(columns="constituents")
    youth = youth_population_harmonised(tables, years, boundary_year, expected)

    for other in (register, counts.drop(columns="inhabitants_0_17", errors="ignore"), youth, use, care):
        panel = panel.merge(other, on=["gm_code", "year"], how="left")

    attributes = tables["register"][tables["register"]["year"] == boundary_year][
        ["gm_code", "name", "jz_region_code", "province", "urbanity"]]
    panel = panel.merge(attributes, on="gm_code", how="left")
    panel["cost_per_youth"] = 1000 * panel["realised_keur"] / panel["inhabitants_0_17"]
    panel["log_cost_per_youth"] = np.log(panel["cost_per_youth"])
    for driver in DRIVERS:
        value = panel[driver.numerator] * driver.scale
        if driver.denominator is not None:
            value = value / panel[driver.denominator]
        panel[driver.name] = np.log(value) if driver.log else value
    columns = ["gm_code", "year", "name", "jz_region_code", "province", "urbanity", "realised_keur",
               "budgeted_keur", "inhabitants", "inhabitants_0_17", "cost_per_youth",
               "log_cost_per_youth", "pct_youth_with_jeugdhulp", "youths_in_care", *DRIVER_NAMES,
               "constituents"]
    return panel[columns].set_index(["gm_code", "year"]).sort_index()


#: A municipality-year whose cost per young inhabitant is below ``LOW`` or above ``HIGH`` times the
#: median of its year is treated as a reporting artefact (e.g. cost booked by a joint regional body).
PLAUSIBLE_RANGE = (0.25, 4.0)


def plausible_cost(panel: pd.DataFrame, bounds: tuple[float, float] = PLAUSIBLE_RANGE) -> pd.Series:
    """True where cost per young inhabitant lies within ``bounds`` times the median of its year.

    In 2018 several municipalities of one youth-care region reported a fraction of their budget as
    realised cost (their care was paid through a joint arrangement), and single municipalities
    report a cost of a few euros per young inhabitant in some years. Such values measure
    bookkeeping, not care, and would dominate a log-cost regression.
    """
    ratio = panel["cost_per_youth"] / panel.groupby(level="year")["cost_per_youth"].transform("median")
    return ratio.between(*bounds)


#: A year counts as complete for a set of columns when at least this share of its municipality-years
#: with a realised cost has every one of them (the gemeentefonds may publish an edition with some
#: criteria missing, and a new cost year may precede the edition that carries its drivers).
COMPLETE_SHARE = 0.9


def coverage_by_year(panel: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per year, the share of municipality-years with a realised cost that have each column."""
    reported = panel[panel["realised_keur"].notna()]
    return reported[columns].notna().groupby(level="year").mean()


def complete_years(panel: pd.DataFrame, columns: list[str], share: float = COMPLETE_SHARE) -> list[int]:
    """Years in which every one of ``columns`` is available for at least ``share`` of the
    municipality-years with a realised cost."""
    coverage = coverage_by_year(panel, columns)
    return [int(year) for year in coverage.index if bool((coverage.loc[year] >= share).all())]


def missing_by_year(panel: pd.DataFrame, columns: list[str], share: float = COMPLETE_SHARE) -> dict[int, list[str]]:
    """For each incomplete year, the columns available for fewer than ``share`` of its municipalities."""
    coverage = coverage_by_year(panel, columns)
    return {int(year): [c for c in columns if coverage.at[year, c] < share]
            for year in coverage.index if bool((coverage.loc[year] < share).any())}


def carry_forward(panel: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``panel`` with each missing value of ``columns`` filled by the municipality's latest earlier one."""
    out = panel.copy()
    out[columns] = out.sort_index().groupby(level="gm_code")[columns].ffill()
    return out


def estimation_sample(panel: pd.DataFrame, outcome: str, drivers: list[str]) -> pd.DataFrame:
    """Rows with a plausible cost, the outcome and every driver present (what every model uses)."""
    return panel[plausible_cost(panel)].dropna(subset=[outcome, *drivers])


def within_share(panel: pd.DataFrame, drivers: list[str]) -> pd.Series:
    """Standard deviation of each driver within municipalities relative to its total standard deviation."""
    values = panel[drivers]
    within = values - values.groupby(level="gm_code").transform("mean")
    return (within.std() / values.std()).rename("within_share")


def time_varying(panel: pd.DataFrame, drivers: list[str], *, min_ratio: float = 0.05) -> list[str]:
    """Drivers whose within-municipality variation is at least ``min_ratio`` of their total variation.

    The gemeentefonds froze some criteria (income, low-income minors) for several editions, and
    density and population move little in a few years; such a driver carries almost no
    within-municipality information, and a fixed-effects estimate of it would rest on rounding noise,
    so it is left out of the fixed-effects models (its level is absorbed by the municipality effect).
    """
    ratio = within_share(panel, drivers)
    return [d for d in drivers if ratio[d] >= min_ratio]


def balanced(panel: pd.DataFrame) -> pd.DataFrame:
    """Only municipalities observed in every year of the panel."""
    years = panel.index.get_level_values("year").nunique()
    counts = panel.groupby(level="gm_code").size()
    return panel[panel.index.get_level_values("gm_code").isin(counts[counts == years].index)]


def trim_outcome(panel: pd.DataFrame, outcome: str, share: float = 0.02) -> pd.DataFrame:
    """Drop the ``share`` lowest and highest values of ``outcome`` within each year."""
    grouped = panel.groupby(level="year")[outcome]
    low, high = grouped.transform("quantile", share), grouped.transform("quantile", 1 - share)
    return panel[(panel[outcome] >= low) & (panel[outcome] <= high)]


@dataclass
class CrossSection:
    """The municipalities of one year with a plausible cost and every driver (the drivers chapter).

    Attributes
    ----------
    year
        The latest cost year of the panel.
    data
        One row per municipality (GM code): the outcome and the drivers.
    correlations
        Correlation of each driver with the outcome.
    """

    year: int
    outcome: str
    drivers: list[str]
    data: pd.DataFrame

    @property
    def correlations(self) -> pd.Series:
        return self.data[self.drivers].corrwith(self.data[self.outcome]).rename("r")

    @property
    def strongest(self) -> str:
        """The driver with the largest absolute correlation."""
        return str(self.correlations.abs().idxmax())

    def summary(self) -> pd.DataFrame:
        """Median, 10th and 90th percentile of each driver and its correlation with the outcome."""
        return pd.DataFrame({
            "median": self.data[self.drivers].median(), "p10": self.data[self.drivers].quantile(0.1),
            "p90": self.data[self.drivers].quantile(0.9), "r": self.correlations})


def latest_cross_section(tables: dict[str, pd.DataFrame], outcome: str, drivers: list[str], *,
                         boundary_year: int | None = None, last_year: int | None = None) -> CrossSection:
    """The estimation sample of the latest cost year whose drivers are complete (up to ``last_year``),
    in ``boundary_year`` boundaries."""
    panel = build_panel(tables, boundary_year=boundary_year or default_boundary_year(tables), last_year=last_year)
    year = complete_years(panel[plausible_cost(panel)], list(drivers))[-1]
    return CrossSection(year, outcome, list(drivers),
                        estimation_sample(panel, outcome, drivers).xs(year, level="year"))
