"""Nominal and real euros: the consumer price index (CBS 83131NED) as the deflator.

Growth in nominal euros overstates how much more care was bought: consumer prices rose by about a
seventh between 2019 and 2022.  The book states growth in real euros of a base year (the latest cost
year by default) and keeps levels nominal wherever they are compared with budgets and the
gemeentefonds, which are nominal themselves.  The CPI measures household consumer prices, not the
wages and tariffs of youth care; it is the deflator CBS publishes for every year, and the book names
it wherever it uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: The values of the ``prices`` notebook parameter.
PRICE_MODES = ("real", "nominal")


@dataclass
class Deflator:
    """Turns nominal euros of a year into euros of ``base_year`` (or leaves them, ``mode='nominal'``).

    Attributes
    ----------
    mode
        ``"real"`` or ``"nominal"``.
    base_year
        The year whose prices real euros are expressed in.
    index
        CPI per year (any base; only ratios are used).
    missing
        Years asked for that have no CPI value: their amounts were left nominal.  A chapter says so.
    """

    mode: str
    base_year: int
    index: pd.Series
    missing: set[int] = field(default_factory=set)

    @property
    def real(self) -> bool:
        return self.mode == "real"

    def factor(self, year: int) -> float:
        """Multiply a nominal amount of ``year`` by this to get euros of ``base_year`` (1 if nominal
        or if the year has no CPI value, which is then recorded in :attr:`missing`)."""
        if not self.real:
            return 1.0
        if year not in self.index.index or pd.isna(self.index.get(year)):
            self.missing.add(int(year))
            return 1.0
        return float(self.index[self.base_year] / self.index[year])

    def convert(self, values: pd.Series, years: pd.Series | pd.Index) -> pd.Series:
        """``values`` (nominal euros of ``years``) in the deflator's prices."""
        factors = np.array([self.factor(int(y)) for y in years])
        return values * factors

    def change(self, first: int, last: int) -> float:
        """Price change from ``first`` to ``last``, % (missing when either year lacks a CPI value)."""
        if first not in self.index.index or last not in self.index.index:
            return float("nan")
        return float(100 * (self.index[last] / self.index[first] - 1))


def deflator(prices: pd.DataFrame, mode: str = "real", base_year: int | None = None,
             latest_year: int | None = None) -> Deflator:
    """The deflator of the snapshot's ``prices`` table.

    Parameters
    ----------
    prices
        The snapshot table ``prices`` (``year, cpi_index, ...``); may be empty.
    mode
        ``"real"`` or ``"nominal"`` (the ``prices`` parameter of the book).
    base_year
        Real euros are euros of this year.  Default: ``latest_year`` if it has a CPI value, else the
        latest CPI year before it.
    latest_year
        The latest year of the data the chapter shows (e.g. the last cost year).
    """
    if mode not in PRICE_MODES:
        raise ValueError(f"prices must be one of {PRICE_MODES}, not {mode!r}")
    index = prices.set_index("year")["cpi_index"].dropna() if not prices.empty else pd.Series(dtype=float)
    if base_year is None:
        candidates = [int(y) for y in index.index if latest_year is None or y <= latest_year]
        base_year = max(candidates) if candidates else int(latest_year or 0)
    if mode == "real" and base_year not in index.index:
        # No CPI for the base year: every amount stays nominal, and the chapter says so.
        return Deflator("nominal", base_year, index, {base_year})
    return Deflator(mode, int(base_year), index)
