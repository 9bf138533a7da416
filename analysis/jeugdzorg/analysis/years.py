"""Which years each source carries, which of them CBS marks provisional, and which the models can use.

Sources are published on different calendars: CBS adds a cost year before the gemeentefonds edition
with that year's criteria appears, the use tables may end earlier or later than the costs, and the
Iv3 accounts and the fund circulars cover other years still.  Every chapter uses the years its own
sources have; :func:`source_years` lists them for the data chapter.
"""

from __future__ import annotations

import pandas as pd

from . import panel as P
from .descriptives import without_reported_zeros


def _years(frame: pd.DataFrame, column: str, year: str = "year") -> list[int]:
    return sorted(int(y) for y in frame.loc[frame[column].notna(), year].unique())


def _provisional(frame: pd.DataFrame, column: str) -> list[int]:
    marked = frame[frame[column].notna() & frame["provisional"]]
    return sorted(int(y) for y in marked["year"].unique())


def _span(years: list[int]) -> str:
    if not years:
        return "none"
    missing = [y for y in range(years[0], years[-1] + 1) if y not in years]
    text = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    return text + (f" (not {', '.join(map(str, missing))})" if missing else "")


def provisional_years(tables: dict[str, pd.DataFrame]) -> dict[str, list[int]]:
    """Years CBS marks provisional, per snapshot table that records it."""
    return {"costs": _provisional(tables["costs"], "realised_keur"),
            "use_pct": _provisional(tables["use_pct"], "pct_youth_with_jeugdhulp"),
            "use_counts": _provisional(tables["use_counts"], "youths_in_care")}


def model_driver_years(tables: dict[str, pd.DataFrame], drivers: list[str]) -> list[int]:
    """Cost years whose need drivers are complete (see :func:`jeugdzorg.analysis.panel.complete_years`)."""
    panel = P.build_panel(tables)
    return P.complete_years(panel[P.plausible_cost(panel)], drivers)


def source_years(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per source: the years it carries, the years CBS marks provisional, and the chapters
    that use it."""
    costs, _ = without_reported_zeros(tables["costs"])
    use, counts = tables["use_pct"], tables["use_counts"]
    drivers = tables["drivers"]
    youth = drivers[(drivers["variable"] == "inhabitants_0_17") & drivers["value"].notna()]
    care = tables["care_mix"]
    model = tables["objective_model"]
    register = tables["register"]
    provisional = provisional_years(tables)
    rows = [
        ("Realised youth-care cost", "83454NED", _years(costs, "realised_keur"), provisional["costs"],
         "data, trends, budget, models, maps, profiles"),
        ("Budgeted youth-care cost", "83454NED", _years(costs, "budgeted_keur"), provisional["costs"],
         "data, budget, maps, profiles"),
        ("Youth-care use (% of young inhabitants)", "82972NED, 85098NED",
         _years(use, "pct_youth_with_jeugdhulp"), provisional["use_pct"], "data, maps"),
        ("Young people in care (counts)", "84134NED, 85099NED", _years(counts, "youths_in_care"),
         provisional["use_counts"], "data, trends"),
        ("Inhabitants aged 0-17", "Maatstaven gemeentefonds", sorted(int(e) for e in youth["edition"].unique()), [],
         "every cost per young inhabitant"),
        ("Need drivers of the models, complete", "Maatstaven gemeentefonds",
         model_driver_years(tables, list(P.DRIVER_SETS["full"])), [], "drivers, models, robustness"),
        ("Iv3 accounts (jaarrekening)", "Iv3", _years(care[care["kind"] == "realised"], "lasten_keur"), [],
         "care mix, profiles"),
        ("Iv3 budgets (begroting)", "Iv3", _years(care[care["kind"] == "budgeted"], "lasten_keur"), [],
         "budget, care mix, profiles"),
        ("Gemeentefonds youth-cluster model (payment years)", "BZK circulars", _years(model, "computed_eur"), [],
         "budget, profiles"),
        ("Municipality register", "Gebieden in Nederland", sorted(int(y) for y in register["year"].unique()), [],
         "boundaries of every chapter"),
    ]
    return pd.DataFrame([{"Source": source, "Tables": ids, "Years": _span(years),
                          "Provisional": ", ".join(map(str, marked)) or "none", "Used in": used}
                         for source, ids, years, marked, used in rows]).set_index("Source")
