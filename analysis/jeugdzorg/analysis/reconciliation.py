"""National levels side by side: this book's totals, the municipal accounts, and published figures.

CBS 83454NED, the Iv3 accounts and the published reports (AEF 2020, the Deskundigencommissie 2025)
differ in three ways: which municipalities they cover (83454NED misses some every year), what they
count (83454NED counts less than the youth task fields of the accounts) and the year.  This module
computes each step from the data, so the book can say how far apart the figures are and why, step by
step, instead of explaining a gap by assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..data.iv3 import COMPARABLE_CATEGORIES
from ..data.names import NATIONAL_CODE
from . import anchors
from .descriptives import coverage_by_year, without_reported_zeros
from .validation import AccountsCheck


@dataclass
class Reconciliation:
    """The steps from 83454NED to a national figure of AEF's scope, in one year (AEF's, 2019).

    Attributes
    ----------
    year
        The year compared with AEF (the anchor's year, or the nearest cost year).
    reported_million
        83454NED realised cost summed over the municipalities that reported it, EUR million.
    reporters
        How many municipalities reported.
    youth_coverage_pct
        Their share of all inhabitants aged 0-17, %.
    all_municipalities_million
        ``reported_million`` scaled to every municipality by young inhabitants (an illustration
        of the coverage step; no figure of the book uses it).
    scope_ratio
        Iv3 accounts over 83454NED for the same municipalities, growth-adjusted
        (:class:`jeugdzorg.analysis.validation.AccountsCheck`, net of receipts, so a payment
        between municipalities counts once): what the accounts count beyond 83454NED.
    accounts_scope_million
        ``all_municipalities_million * scope_ratio``.
    youths_in_care
        CBS's national count of young people with youth care in ``year``.
    reporters_youths_in_care, clients_cost_million
        The young people in care of the reporting municipalities that have a count (their own
        counts), and those municipalities' realised cost, EUR million.
    cost_per_client
        ``clients_cost_million`` per young person in care of the same municipalities, EUR.
    accounts_total_million, accounts_year
        The latest Iv3 accounts, care fields net of receipts, every municipality, EUR million.
    budgets_million
        Iv3 budgets of the care fields net of receipts per year (every municipality), EUR million; ``budgets_all_million``
        every youth task field (from 2025 access and policy as well).
    overspend_million
        Realised minus budgeted cost per year over the municipalities reporting both (83454NED).
    """

    year: int
    reported_million: float
    reporters: int
    youth_coverage_pct: float
    scope_ratio: float
    youths_in_care: float
    reporters_youths_in_care: float
    clients_cost_million: float
    accounts_total_million: float
    accounts_year: int
    budgets_million: pd.Series
    budgets_all_million: pd.Series
    overspend_million: pd.Series

    @property
    def all_municipalities_million(self) -> float:
        return self.reported_million / (self.youth_coverage_pct / 100)

    @property
    def accounts_scope_million(self) -> float:
        return self.all_municipalities_million * self.scope_ratio

    @property
    def cost_per_client(self) -> float:
        return 1e6 * self.clients_cost_million / self.reporters_youths_in_care

    @property
    def cost_per_client_accounts_scope(self) -> float:
        return self.cost_per_client * self.scope_ratio


def reconcile(tables: dict[str, pd.DataFrame], accounts: AccountsCheck, year: int | None = None) -> Reconciliation:
    """Compute the :class:`Reconciliation` (``year`` defaults to AEF's 2019, or the nearest cost year)."""
    costs, _ = without_reported_zeros(tables["costs"])
    years = sorted(int(y) for y in costs.loc[costs["realised_keur"].notna(), "year"].unique())
    target = year or anchors.AEF_2019_SPENDING_LOW.year
    year = min(years, key=lambda y: (abs(y - target), -y))
    coverage = coverage_by_year(costs, tables["register"], tables["drivers"])
    reported = costs[(costs["year"] == year) & costs["realised_keur"].notna()]
    counts = tables["use_counts"]
    national = counts[(counts["region_code"] == NATIONAL_CODE) & (counts["year"] == year)]["youths_in_care"]
    own = counts[counts["year"] == year].set_index("region_code")["youths_in_care"]
    with_count = reported[reported["gm_code"].map(own).notna()]

    care = tables["care_mix"]
    # Net of receipts: a payment from one municipality to another is spending of the payer and a
    # receipt of the payee, so summing lasten would count it twice.
    care = care.assign(net_keur=care["lasten_keur"] - care["baten_keur"].fillna(0))
    care_fields = care[care["category"].isin(COMPARABLE_CATEGORIES)]
    realised = care_fields[care_fields["kind"] == "realised"]
    accounts_total = realised[realised["year"] == accounts.accounts_year]["net_keur"].sum() / 1000
    budgets = care_fields[care_fields["kind"] == "budgeted"].groupby("year")["net_keur"].sum() / 1000
    budgets_all = care[care["kind"] == "budgeted"].groupby("year")["net_keur"].sum() / 1000
    both = costs.dropna(subset=["realised_keur", "budgeted_keur"])
    overspend = (both.groupby("year")["realised_keur"].sum() - both.groupby("year")["budgeted_keur"].sum()) / 1000
    return Reconciliation(
        year=year,
        reported_million=float(reported["realised_keur"].sum() / 1000),
        clients_cost_million=float(with_count["realised_keur"].sum() / 1000),
        reporters=int(len(reported)),
        youth_coverage_pct=float(coverage.loc[year, "youth_share_realised_pct"]),
        scope_ratio=accounts.national_ratio,
        youths_in_care=float(national.iat[0]) if len(national) else float("nan"),
        reporters_youths_in_care=float(with_count["gm_code"].map(own).sum()),
        accounts_total_million=float(accounts_total),
        accounts_year=accounts.accounts_year,
        budgets_million=budgets,
        budgets_all_million=budgets_all,
        overspend_million=overspend,
    )
