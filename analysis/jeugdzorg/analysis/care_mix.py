"""What youth-care money is spent on: the Iv3 care mix, nationally and per municipality."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.iv3 import CATEGORIES, WITH_RESIDENCE


@dataclass
class CareMix:
    """The care mix of the Iv3 accounts and budgets (the care-mix chapter).

    Attributes
    ----------
    national
        EUR million per care category (columns, in :data:`CATEGORIES` order, plus ``Total``, the
        ``Receipts`` (baten) of those fields and ``Net`` = total minus receipts), one row per year
        and document (``(year, kind)``).
    latest_year
        The latest year of realised accounts.
    shares
        Per municipality, each category's share of its youth spending in ``latest_year``, %.
    """

    national: pd.DataFrame
    latest_year: int
    shares: pd.DataFrame

    @property
    def latest_total(self) -> float:
        """National youth spending in the latest accounts, EUR million."""
        return float(self.national.loc[(self.latest_year, "realised"), "Total"])

    @property
    def latest_residence_share(self) -> float:
        """Share of the latest national youth spending that went to care with residence, %."""
        row = self.national.loc[(self.latest_year, "realised")]
        return float(100 * row[WITH_RESIDENCE] / row["Total"])

    @property
    def residence(self) -> pd.Series:
        """Each municipality's share of care with residence in the latest accounts, %."""
        return self.shares[WITH_RESIDENCE].dropna()


def care_mix(care: pd.DataFrame) -> CareMix:
    """National care mix per year and document, and municipal shares in the latest accounts."""
    national = care.groupby(["year", "kind", "category"])["lasten_keur"].sum().unstack("category") / 1000
    national = national.reindex(columns=[c for c in CATEGORIES if c in national.columns])
    national["Total"] = national.sum(axis=1)
    national["Receipts"] = care.groupby(["year", "kind"])["baten_keur"].sum() / 1000
    national["Net"] = national["Total"] - national["Receipts"]
    realised = care[care["kind"] == "realised"]
    latest = int(realised["year"].max())
    shares = realised[realised["year"] == latest].pivot_table(index="gm_code", columns="category",
                                                              values="lasten_keur", aggfunc="sum")
    shares = 100 * shares.div(shares.sum(axis=1), axis=0)
    return CareMix(national, latest, shares)
