"""Figures from the literature that the book compares its own numbers with.

They are quoted, not computed: each carries its source (a key of ``book/references.bib``). Keeping
them here, once, means a chapter never types them into its prose or code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Anchor:
    """A published figure: what it measures, its value, unit, year and citation key."""

    label: str
    value: float
    unit: str
    year: int
    source: str


DIVOSA_2017_OVERSPEND = Anchor("Youth-care spending above budget, all municipalities", 605, "EUR million", 2017,
                               "divosa2018")
DIVOSA_2017_OVERSPEND_PCT = Anchor("Youth-care spending above budget, all municipalities", 18.9, "%", 2017,
                                   "divosa2018")
AEF_2019_SPENDING_LOW = Anchor("Youth-care spending (lower bound)", 5400, "EUR million", 2019, "aef2020")
AEF_2019_SPENDING_HIGH = Anchor("Youth-care spending (upper bound)", 5600, "EUR million", 2019, "aef2020")
AEF_2019_BUDGET = Anchor("Youth-care budget (macro budget)", 3800, "EUR million", 2019, "aef2020")
SCP_2014_R2 = Anchor("Share of cost differences explained by need drivers (more than)", 75, "%", 2014, "scp2014")
#: SCP (2014): shares of the explained cost differences by driver group, %.
SCP_2014_SHARES = {"socio-economic": 60, "socio-demographic": 25, "urbanity": 9, "health": 6}
#: AEF counted the young people in care in 2019 from the same CBS series as this book (84134NED).
AEF_2019_YOUTHS_IN_CARE = Anchor("Young people with youth care", 443_585, "persons", 2019, "aef2020")
#: Deskundigencommissie Hervormingsagenda Jeugd, *Groeipijn* (January 2025): municipal youth-care
#: spending in 2015 and 2024, and the shortfall of the national means against spending per year.
DESKUNDIGEN_2015_SPENDING = Anchor("Municipal youth-care spending", 3600, "EUR million", 2015, "deskundigen2025")
DESKUNDIGEN_2024_SPENDING = Anchor("Municipal youth-care spending", 8100, "EUR million", 2024, "deskundigen2025")
DESKUNDIGEN_SHORTFALLS = {year: Anchor("Shortfall of the national means against spending", value, "EUR million",
                                       year, "deskundigen2025")
                          for year, value in {2020: 1300, 2021: 1100, 2022: 200, 2024: 800}.items()}
#: Divosa (from CBS): young people with youth care in 2015 and 2019, and spending growth 2015-2018.
DIVOSA_YOUTHS_2015 = Anchor("Young people with youth care", 380_000, "persons", 2015, "divosa2018")
DIVOSA_YOUTHS_2019 = Anchor("Young people with youth care", 444_000, "persons", 2019, "divosa2018")
DIVOSA_GROWTH_2015_2018 = Anchor("Growth of youth-care spending since 2015", 42, "%", 2018, "divosa2018")
#: AEF: spending grew more than this much from 2015 to 2019.
AEF_GROWTH_2015_2019 = Anchor("Growth of youth-care spending since 2015 (more than)", 50, "%", 2019, "aef2020")
VAN_WIJZEN_COST_PER_CLIENT = Anchor("Cost per child in youth care (about)", 12_000, "EUR", 2019, "vanwijzen2021")


def aef_cost_per_client() -> tuple[float, float]:
    """AEF's 2019 spending range divided by the young people in care it quotes, EUR (low, high)."""
    youths = AEF_2019_YOUTHS_IN_CARE.value
    return 1e6 * AEF_2019_SPENDING_LOW.value / youths, 1e6 * AEF_2019_SPENDING_HIGH.value / youths
