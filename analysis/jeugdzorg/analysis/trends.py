"""Growth of cost and use in the same municipalities, split into more clients (volume) and cost per
client (price and intensity), in real euros."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import descriptives
from . import panel as P
from .prices import Deflator, deflator
from .validation import use_table_switch


@dataclass
class Trend:
    """Cost and use of the same municipalities over a period (the trends chapter).

    Attributes
    ----------
    first, last, boundary_year
        The period and the boundaries it is expressed in.
    table
        :func:`jeugdzorg.analysis.descriptives.same_municipality_trend` of the period.
    municipalities
        How many municipalities have complete data in every year.
    prices
        The deflator: growth figures are in its prices (real euros of its base year, or nominal).
    cost_growth, client_growth, cost_per_client_growth
        Growth over the period, % (in the deflator's prices; ``nominal_growth`` for nominal euros).
    switch
        The change of CBS table for young people in care inside the period
        (:func:`jeugdzorg.analysis.validation.use_table_switch`: year, old, new, national jump %
        beyond the trend), or ``None``.
    """

    first: int
    last: int
    boundary_year: int
    table: pd.DataFrame
    prices: Deflator
    switch: tuple[int, str, str, float] | None = None

    @property
    def switch_jump(self) -> float:
        """The table switch's jump in the count of young people in care, % (0 without a switch)."""
        return self.switch[3] if self.switch is not None else 0.0

    @property
    def client_growth_corrected(self) -> float:
        """Growth of young people in care with the table switch's jump taken out, %."""
        return 100 * ((1 + self.client_growth / 100) / (1 + self.switch_jump / 100) - 1)

    @property
    def cost_per_client_growth_corrected(self) -> float:
        """Growth of the cost per young person in care with the switch's jump put back, %: the switch
        adds young people to the count, not cost, so it lowers the cost per young person by as much."""
        return 100 * ((1 + self.cost_per_client_growth / 100) * (1 + self.switch_jump / 100) - 1)

    @property
    def split_decided(self) -> bool:
        """Whether the growth split can carry a verdict: the switch is smaller than both corrected
        parts (where the break is as large as the effect, the data cannot say which part moved)."""
        jump = abs(self.switch_jump)
        return jump < abs(self.client_growth_corrected) and jump < abs(self.cost_per_client_growth_corrected)

    @property
    def municipalities(self) -> int:
        return int(self.table["municipalities"].iat[0])

    def growth(self, column: str) -> float:
        """Growth of ``<column>`` over the period, % (``realised_million``, ``youths_in_care`` ...)."""
        return float(self.table[f"{column}_index"].iat[-1] - 100)

    @property
    def cost_growth(self) -> float:
        return self.growth("realised_million_prices")

    @property
    def nominal_growth(self) -> float:
        return self.growth("realised_million")

    @property
    def price_growth(self) -> float:
        """Consumer prices over the period, % (CPI)."""
        return self.prices.change(self.first, self.last)

    @property
    def client_growth(self) -> float:
        return self.growth("youths_in_care")

    @property
    def cost_per_client_growth(self) -> float:
        return self.growth("cost_per_client_prices")


def default_first_year(tables: dict[str, pd.DataFrame]) -> int:
    """The first year in which nine in ten municipalities report their realised cost."""
    costs, _ = descriptives.without_reported_zeros(tables["costs"])
    return descriptives.first_complete_year(descriptives.coverage_by_year(costs, tables["register"],
                                                                          tables["drivers"]))


def with_prices(trend: pd.DataFrame, prices: Deflator) -> pd.DataFrame:
    """Add ``realised_million_prices`` and ``cost_per_client_prices`` (the deflator's prices) and
    their indices to a :func:`descriptives.same_municipality_trend` table."""
    out = trend.copy()
    for column in ("realised_million", "cost_per_client", "cost_per_youth"):
        out[f"{column}_prices"] = prices.convert(out[column], out.index)
        out[f"{column}_prices_index"] = 100 * out[f"{column}_prices"] / out[f"{column}_prices"].iloc[0]
    return out


def same_municipality_growth(tables: dict[str, pd.DataFrame], first_year: int | None = None,
                             last_year: int | None = None, boundary_year: int | None = None,
                             prices: str = "real") -> Trend:
    """Totals per year over the municipalities with plausible cost, youths in care and youth
    population in every year of the period (boundaries of ``boundary_year``); growth in real euros
    of the last year (``prices="real"``) or nominal."""
    boundary = boundary_year or P.default_boundary_year(tables)
    first = first_year or default_first_year(tables)
    panel = P.build_panel(tables, boundary_year=boundary, first_year=first, last_year=last_year)
    panel = panel[P.plausible_cost(panel)]
    last = int(panel.index.get_level_values("year").max())
    prices_of = deflator(tables["prices"], prices, latest_year=last)
    table = with_prices(descriptives.same_municipality_trend(panel, first, last), prices_of)
    switch = use_table_switch(tables["use_counts"])
    inside = switch if switch is not None and first < switch[0] <= last else None
    return Trend(first, last, boundary, table, prices_of, inside)


@dataclass
class VolumePrice:
    """Growth of spending split into volume (young people in care) and cost per young person in care.

    ``table`` has one row per group (``"All"`` first, then each :data:`SIZE_GROUPS` group by
    inhabitants in the boundary year): ``municipalities``, ``cost_growth``, ``client_growth`` and
    ``cost_per_client_growth`` (%, the deflator's prices).  Cost growth is the product of the other
    two: ``(1 + cost) = (1 + clients) x (1 + cost per client)``.
    """

    first: int
    last: int
    table: pd.DataFrame
    prices: Deflator


def _split(window: pd.DataFrame, first: int, last: int, prices: Deflator) -> dict[str, float]:
    sums = window.groupby(level="year")[["realised_keur", "youths_in_care"]].sum()
    cost = sums["realised_keur"] * np.array([prices.factor(int(y)) for y in sums.index])
    clients = sums["youths_in_care"]
    cost_growth, client_growth = cost[last] / cost[first], clients[last] / clients[first]
    return {"municipalities": window.index.get_level_values("gm_code").nunique(),
            "cost_growth": 100 * (cost_growth - 1), "client_growth": 100 * (client_growth - 1),
            "cost_per_client_growth": 100 * (cost_growth / client_growth - 1)}


def volume_and_price(tables: dict[str, pd.DataFrame], first_year: int | None = None,
                     last_year: int | None = None, boundary_year: int | None = None,
                     prices: str = "real") -> VolumePrice:
    """Spending growth = young people in care x real cost per young person in care, nationally and
    per size class (boundary-year register), over the municipalities with complete data in every
    year (the same group as :func:`same_municipality_growth`)."""
    trend = same_municipality_growth(tables, first_year, last_year, boundary_year, prices)
    first, last = trend.first, trend.last
    panel = P.build_panel(tables, boundary_year=trend.boundary_year, first_year=first, last_year=last)
    panel = panel[P.plausible_cost(panel)]
    columns = ["realised_keur", "youths_in_care", "inhabitants_0_17"]
    window = panel.dropna(subset=columns)
    counts = window.groupby(level="gm_code").size()
    window = window[window.index.get_level_values("gm_code").isin(counts[counts == last - first + 1].index)]
    register = tables["register"]
    inhabitants = register[register["year"] == trend.boundary_year].set_index("gm_code")["inhabitants"]
    group = size_group(inhabitants.reindex(window.index.get_level_values("gm_code")))
    rows = {"All": _split(window, first, last, trend.prices)}
    for label in SIZE_GROUPS:
        members = window[(group == label).to_numpy()]
        if not members.empty:
            rows[label] = _split(members, first, last, trend.prices)
    table = pd.DataFrame(rows).T
    table["municipalities"] = table["municipalities"].astype(int)
    return VolumePrice(first, last, table, trend.prices)


#: Size groups by inhabitants (lower bounds).  CBS's eight size classes leave one to five
#: municipalities in several classes of the complete-data group: too few for a growth figure.
SIZE_GROUPS: dict[str, int] = {"under 20,000": 0, "20,000-50,000": 20_000, "50,000-100,000": 50_000,
                               "100,000 or more": 100_000}


def size_group(inhabitants: pd.Series) -> pd.Series:
    """The :data:`SIZE_GROUPS` label of each number of inhabitants."""
    bounds = list(SIZE_GROUPS.values()) + [np.inf]
    return pd.cut(inhabitants, bounds, right=False, labels=list(SIZE_GROUPS)).astype(str)
