"""Growth of cost and use in the same municipalities, split into more clients and cost per client."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import descriptives
from . import panel as P


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
    cost_growth, client_growth, cost_per_client_growth
        Growth over the period, % (nominal euros).
    share_from_clients
        The part of the (log) growth of cost that came from more young people in care, %.
    """

    first: int
    last: int
    boundary_year: int
    table: pd.DataFrame

    @property
    def municipalities(self) -> int:
        return int(self.table["municipalities"].iat[0])

    def growth(self, column: str) -> float:
        """Growth of ``<column>`` over the period, % (``realised_million``, ``youths_in_care`` ...)."""
        return float(self.table[f"{column}_index"].iat[-1] - 100)

    @property
    def cost_growth(self) -> float:
        return self.growth("realised_million")

    @property
    def client_growth(self) -> float:
        return self.growth("youths_in_care")

    @property
    def cost_per_client_growth(self) -> float:
        return self.growth("cost_per_client")

    @property
    def share_from_clients(self) -> float:
        clients = np.log(self.table["youths_in_care_index"].iat[-1] / 100)
        cost = np.log(self.table["realised_million_index"].iat[-1] / 100)
        return float(100 * clients / cost)


def default_first_year(tables: dict[str, pd.DataFrame]) -> int:
    """The first year in which nine in ten municipalities report their realised cost."""
    costs, _ = descriptives.without_reported_zeros(tables["costs"])
    return descriptives.first_complete_year(descriptives.coverage_by_year(costs, tables["register"],
                                                                          tables["drivers"]))


def same_municipality_growth(tables: dict[str, pd.DataFrame], first_year: int | None = None,
                             last_year: int | None = None, boundary_year: int | None = None) -> Trend:
    """Totals per year over the municipalities with plausible cost, youths in care and youth
    population in every year of the period (boundaries of ``boundary_year``)."""
    boundary = boundary_year or P.default_boundary_year(tables)
    first = first_year or default_first_year(tables)
    panel = P.build_panel(tables, boundary_year=boundary, first_year=first, last_year=last_year)
    panel = panel[P.plausible_cost(panel)]
    last = int(panel.index.get_level_values("year").max())
    return Trend(first, last, boundary, descriptives.same_municipality_trend(panel, first, last))
