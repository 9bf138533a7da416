"""Descriptive tables for the data chapter: coverage, national totals, cost per young inhabitant."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.names import NATIONAL_CODE


def without_reported_zeros(costs: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Treat a reported cost of exactly zero as not reported.

    No municipality has zero youth-care cost: a zero in 83454NED (e.g. Renkum 2016, realised 0
    against a budget of EUR 9 million) is a reporting error, and would distort sums, growth rates and
    the distribution of cost per young inhabitant.  The snapshot keeps CBS's figure; the analysis
    uses this function.

    Returns
    -------
    tuple
        The costs with zeros set to missing, and the number of cells changed.
    """
    out = costs.copy()
    changed = 0
    for column in ("realised_keur", "budgeted_keur"):
        zero = out[column].eq(0)
        changed += int(zero.sum())
        out.loc[zero, column] = float("nan")
    return out, changed


def select_years(frame: pd.DataFrame, first_year: int | None, last_year: int | None,
                 column: str = "year") -> pd.DataFrame:
    """Rows with ``first_year <= year <= last_year``; ``None`` leaves that side open."""
    keep = pd.Series(True, index=frame.index)
    if first_year is not None:
        keep &= frame[column] >= first_year
    if last_year is not None:
        keep &= frame[column] <= last_year
    if not keep.any():
        raise ValueError(f"no rows between {first_year} and {last_year}")
    return frame[keep]


def growth_same_municipalities(costs: pd.DataFrame, start: int, end: int,
                               column: str = "realised_keur") -> tuple[float, int]:
    """Percentage growth of ``column`` from ``start`` to ``end`` among municipalities with both years.

    Comparing the same municipalities keeps growth in reporting coverage out of the growth figure.
    Boundaries are not harmonised, so municipalities that merged in between drop out.

    Returns
    -------
    tuple
        ``(growth in percent, number of municipalities compared)``.
    """
    wide = costs.pivot_table(index="gm_code", columns="year", values=column).reindex(columns=[start, end])
    both = wide.dropna()
    return float(100 * (both[end].sum() / both[start].sum() - 1)), int(len(both))


def youth_population(drivers: pd.DataFrame) -> pd.DataFrame:
    """Inhabitants aged 0-17 per municipality and year, in the municipalities of that year.

    The gemeentefonds edition of year *t* describes the municipalities of 1 January *t* (the same
    boundaries as the cost data of year *t*), so edition *t* supplies the youth population of year *t*.
    A year between two editions without a usable figure of its own (2019, see ``catalogue.yml``) gets
    the geometric mean of its neighbours, for municipalities that exist in both; years before the
    first edition (2015) have none.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, year, inhabitants_0_17``.
    """
    youth = drivers[drivers["variable"] == "inhabitants_0_17"]
    wide = youth.pivot(index="gm_code", columns="edition", values="value")
    for year in range(int(wide.columns.min()) + 1, int(wide.columns.max())):
        if year not in wide.columns or wide[year].isna().all():
            wide[year] = np.sqrt(wide[year - 1] * wide[year + 1])
    wide = wide.reindex(columns=sorted(wide.columns))
    wide.columns.name = "year"
    out = wide.stack().rename("inhabitants_0_17").reset_index()
    return out[["gm_code", "year", "inhabitants_0_17"]]


def cost_per_young_inhabitant(costs: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """Realised and budgeted cost per inhabitant aged 0-17, EUR, for rows with both parts.

    Returns
    -------
    pandas.DataFrame
        ``costs`` joined with ``inhabitants_0_17`` plus ``realised_eur_per_youth`` and
        ``budgeted_eur_per_youth`` (nominal euros per inhabitant aged 0-17).
    """
    out = costs.merge(youth_population(drivers), on=["gm_code", "year"], how="left")
    out["realised_eur_per_youth"] = 1000 * out["realised_keur"] / out["inhabitants_0_17"]
    out["budgeted_eur_per_youth"] = 1000 * out["budgeted_keur"] / out["inhabitants_0_17"]
    return out


def coverage_by_year(costs: pd.DataFrame, register: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """How many municipalities report realised and budgeted cost, per year.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year``: ``municipalities`` (in the register of that year, or the latest register
        for later years), ``with_realised``, ``with_budgeted`` and ``youth_share_realised_pct``: the
        share of all inhabitants aged 0-17 living in a municipality that reports realised cost
        (missing where the youth population of that year is unknown).
    """
    counts = costs.groupby("year").agg(with_realised=("realised_keur", "count"),
                                       with_budgeted=("budgeted_keur", "count"))
    register_years = sorted(register["year"].unique())
    sizes = register.groupby("year")["gm_code"].nunique()
    counts.insert(0, "municipalities", [
        int(sizes[max([y for y in register_years if y <= year] or register_years[:1])])
        for year in counts.index])
    joined = costs.merge(youth_population(drivers), on=["gm_code", "year"], how="left")
    youth_all = youth_population(drivers).groupby("year")["inhabitants_0_17"].sum()
    youth_rep = joined[joined["realised_keur"].notna()].groupby("year")["inhabitants_0_17"].sum(min_count=1)
    counts["youth_share_realised_pct"] = (100 * youth_rep / youth_all).reindex(counts.index)
    return counts


def national_totals(costs: pd.DataFrame) -> pd.DataFrame:
    """Sum of realised and budgeted cost over the reporting municipalities, EUR million per year.

    ``both_million`` restricts both sums to municipalities reporting both figures, so that the
    overspend ``realised - budgeted`` compares like with like.
    """
    both = costs.dropna(subset=["realised_keur", "budgeted_keur"])
    out = pd.DataFrame({
        "realised_million": costs.groupby("year")["realised_keur"].sum(min_count=1) / 1000,
        "budgeted_million": costs.groupby("year")["budgeted_keur"].sum(min_count=1) / 1000,
        "realised_both_million": both.groupby("year")["realised_keur"].sum() / 1000,
        "budgeted_both_million": both.groupby("year")["budgeted_keur"].sum() / 1000,
        "municipalities_both": both.groupby("year").size(),
    })
    out["overspend_pct"] = 100 * (out["realised_both_million"] / out["budgeted_both_million"] - 1)
    return out


def national_use(use_pct: pd.DataFrame, use_counts: pd.DataFrame) -> pd.DataFrame:
    """National youth-care use per year (CBS's own national figures, not a sum of municipalities)."""
    pct = use_pct[use_pct["region_code"] == NATIONAL_CODE].set_index("year")
    counts = use_counts[use_counts["region_code"] == NATIONAL_CODE].set_index("year")
    return pd.concat([counts[["youths_in_care", "pct_youth_0_22_in_care"]],
                      pct[["pct_youth_with_jeugdhulp", "pct_youth_with_protection"]]], axis=1)


def distribution_by_year(values: pd.DataFrame, column: str) -> pd.DataFrame:
    """Count, percentiles (10, 25, 50, 75, 90) and mean of ``column`` per year, missing rows dropped."""
    grouped = values.dropna(subset=[column]).groupby("year")[column]
    return pd.DataFrame({
        "municipalities": grouped.count(),
        "p10": grouped.quantile(0.10), "p25": grouped.quantile(0.25), "median": grouped.median(),
        "p75": grouped.quantile(0.75), "p90": grouped.quantile(0.90), "mean": grouped.mean(),
    })


def first_complete_year(coverage: pd.DataFrame, threshold: float = 0.9) -> int:
    """The first year in which at least ``threshold`` of the municipalities report realised cost."""
    share = coverage["with_realised"] / coverage["municipalities"]
    good = share.index[share >= threshold]
    if len(good) == 0:
        raise ValueError(f"no year with {threshold:.0%} of municipalities reporting")
    return int(good[0])


def same_municipality_trend(panel: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """Totals per year over the municipalities with cost, youth and care counts in every year.

    Parameters
    ----------
    panel
        The harmonised panel (:func:`jeugdzorg.analysis.panel.build_panel`), indexed by ``(gm_code, year)``.
    first, last
        The period; only municipalities with complete data in every year of it are summed, so that
        growth is not confounded with reporting coverage.

    Returns
    -------
    pandas.DataFrame
        Indexed by year: ``municipalities``, ``realised_million`` (EUR million, nominal),
        ``youths_in_care``, ``inhabitants_0_17``, ``cost_per_youth`` and ``cost_per_client``
        (EUR per inhabitant aged 0-17 and per young person in care), and ``*_index`` columns with
        ``first`` = 100.
    """
    columns = ["realised_keur", "youths_in_care", "inhabitants_0_17"]
    years = list(range(first, last + 1))
    window = panel[panel.index.get_level_values("year").isin(years)].dropna(subset=columns)
    complete = window.groupby(level="gm_code").size()
    keep = complete[complete == len(years)].index
    sums = window[window.index.get_level_values("gm_code").isin(keep)].groupby(level="year")[columns].sum()
    out = pd.DataFrame({
        "municipalities": len(keep),
        "realised_million": sums["realised_keur"] / 1000,
        "youths_in_care": sums["youths_in_care"],
        "inhabitants_0_17": sums["inhabitants_0_17"],
        "cost_per_youth": 1000 * sums["realised_keur"] / sums["inhabitants_0_17"],
        "cost_per_client": 1000 * sums["realised_keur"] / sums["youths_in_care"],
    })
    for column in ("realised_million", "youths_in_care", "cost_per_client", "cost_per_youth"):
        out[f"{column}_index"] = 100 * out[column] / out[column].iloc[0]
    return out


@dataclass
class CostCoverage:
    """What the public cost and use data carry (the data chapter), for one range of years.

    Attributes
    ----------
    costs
        83454NED costs of the years, reported zeros set to missing.
    zero_cells
        How many reported zeros were set to missing.
    first, last
        First and last cost year.
    coverage
        :func:`coverage_by_year`.
    first_complete
        The first year in which nine in ten municipalities report realised cost.
    totals
        :func:`national_totals`.
    growth_pct, growth_n
        Growth of realised cost from ``first_complete`` to ``last`` among the municipalities
        reporting both years, and how many they are.
    use
        :func:`national_use` (CBS's national figures).
    per_youth, distribution
        Cost per inhabitant aged 0-17 per municipality and year, and its distribution per year.
    """

    costs: pd.DataFrame
    zero_cells: int
    first: int
    last: int
    coverage: pd.DataFrame
    first_complete: int
    totals: pd.DataFrame
    growth_pct: float
    growth_n: int
    use: pd.DataFrame
    per_youth: pd.DataFrame
    distribution: pd.DataFrame


def cost_coverage(tables: dict[str, pd.DataFrame], first_year: int | None = None,
                  last_year: int | None = None) -> CostCoverage:
    """Coverage, totals, use and spread of cost per young inhabitant (see :class:`CostCoverage`)."""
    costs, zero_cells = without_reported_zeros(select_years(tables["costs"], first_year, last_year))
    years = sorted(costs["year"].unique())
    first, last = int(years[0]), int(years[-1])
    coverage = coverage_by_year(costs, tables["register"], tables["drivers"])
    first_complete = first_complete_year(coverage)
    growth_pct, growth_n = growth_same_municipalities(costs, first_complete, last)
    use = national_use(select_years(tables["use_pct"], first_year, last_year),
                       select_years(tables["use_counts"], first_year, last_year))
    per_youth = cost_per_young_inhabitant(costs, tables["drivers"])
    return CostCoverage(costs, zero_cells, first, last, coverage, first_complete, national_totals(costs),
                        growth_pct, growth_n, use, per_youth,
                        distribution_by_year(per_youth, "realised_eur_per_youth"))


#: A municipality with at least this many inhabitants is "large" in the list of missing costs.
LARGE_MUNICIPALITY = 100_000


@dataclass
class MissingCosts:
    """Which municipalities lack a realised cost, per year, and what that does to totals and medians.

    Nothing is imputed anywhere in the book: totals are sums over the reporting municipalities and
    medians are medians of them.  This result says how far that can be off.

    Attributes
    ----------
    by_year
        Indexed by year: ``expected`` (municipalities of that year's register), ``missing``,
        ``youth_missing`` and ``youth_share_missing_pct`` (their inhabitants aged 0-17, and that
        number as a share of all), ``reported_million``
        (sum of realised cost), ``median`` (EUR per young inhabitant, reporters) and ``median_low``,
        ``median_high``: the median if every missing municipality had spent less than the lowest, or
        more than the highest reporter (the bounds of what the missing can do to the median).
    large
        ``year, gm_code, name, inhabitants``: missing municipalities with at least
        :data:`LARGE_MUNICIPALITY` inhabitants.
    """

    by_year: pd.DataFrame
    large: pd.DataFrame


def _median_bounds(values: np.ndarray, missing: int) -> tuple[float, float]:
    low = np.concatenate([np.full(missing, -np.inf), values])
    high = np.concatenate([values, np.full(missing, np.inf)])
    return float(np.median(low)), float(np.median(high))


def missing_costs(costs: pd.DataFrame, expected: pd.DataFrame, register: pd.DataFrame,
                  drivers: pd.DataFrame) -> MissingCosts:
    """See :class:`MissingCosts`.

    Parameters
    ----------
    costs
        83454NED costs with reported zeros set to missing (:func:`without_reported_zeros`).
    expected
        ``gm_code, year``: the municipalities each year should have
        (:func:`jeugdzorg.analysis.panel.expected_municipalities`).
    register, drivers
        Snapshot tables (names and inhabitants; youth population).
    """
    years = sorted(int(y) for y in costs.loc[costs["realised_keur"].notna(), "year"].unique())
    frame = expected[expected["year"].isin(years)].merge(costs[["gm_code", "year", "realised_keur"]],
                                                         on=["gm_code", "year"], how="left")
    frame = frame.merge(youth_population(drivers), on=["gm_code", "year"], how="left")
    latest_register = int(register["year"].max())
    info = register.assign(year=register["year"])[["gm_code", "year", "name", "inhabitants"]]
    frame["register_year"] = frame["year"].clip(upper=latest_register)
    frame = frame.merge(info.rename(columns={"year": "register_year"}), on=["gm_code", "register_year"], how="left")
    frame["per_youth"] = 1000 * frame["realised_keur"] / frame["inhabitants_0_17"]
    rows = {}
    for year, group in frame.groupby("year"):
        missing = group["realised_keur"].isna()
        reported = group.loc[~missing, "per_youth"].dropna().to_numpy()
        low, high = _median_bounds(reported, int(missing.sum()))
        youth = group["inhabitants_0_17"]
        rows[int(year)] = {
            "expected": len(group), "missing": int(missing.sum()), "youth_missing": youth[missing].sum(),
            "youth_share_missing_pct": 100 * youth[missing].sum() / youth.sum() if youth.notna().any() else np.nan,
            "reported_million": group["realised_keur"].sum() / 1000,
            "median": float(np.median(reported)) if len(reported) else np.nan,
            "median_low": low, "median_high": high}
    large = frame[frame["realised_keur"].isna() & (frame["inhabitants"] >= LARGE_MUNICIPALITY)]
    large = large[["year", "gm_code", "name", "inhabitants"]].sort_values(["year", "inhabitants"],
                                                                          ascending=[True, False])
    return MissingCosts(pd.DataFrame(rows).T.rename_axis("year"), large.reset_index(drop=True))
