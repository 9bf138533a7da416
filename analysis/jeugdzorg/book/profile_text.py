"""The words, tables and figures of a municipality profile, from the numbers of
:func:`jeugdzorg.analysis.profiles.profile_tables`.

Each ``*_section`` function returns the values one section of the page glues (``pf_*`` keys:
formatted text or whole numbers), its table and its figure (data, precision kinds, draw function for
:func:`jeugdzorg.book.publish.figure`); the template only glues them.  A figure
that is missing for a municipality reads "not available" in the text and is left empty in tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import panel as P
from ..data.iv3 import CATEGORIES, WITH_RESIDENCE
from . import charts, precision

#: Urbanity classes of the register (CBS "stedelijkheid", by address density).
URBANITY_LABELS = {1: "very strongly urban", 2: "strongly urban", 3: "moderately urban",
                   4: "hardly urban", 5: "not urban"}
#: Shown where a figure is missing.
NOT_AVAILABLE = "not available"

Values = dict[str, Any]
#: A figure to glue: its data, the precision kind of each number, and the function that draws it.
Figure = tuple[pd.DataFrame, dict[str, str], Callable[[pd.DataFrame], Any]]


def size_class_label(size_class: str) -> str:
    """The register's Dutch size class in English (``'20 000 tot 50 000 inwoners'`` -> ``'20,000 to 50,000 inhabitants'``)."""
    text = re.sub(r"(\d+) (\d{3})", r"\1,\2", str(size_class))
    for dutch, english in (("Minder dan", "fewer than"), ("of meer", "or more"), (" tot ", " to "),
                           ("inwoners", "inhabitants")):
        text = text.replace(dutch, english)
    return text


def circular_label(circular: str | None) -> str:
    """``'S2024'`` -> ``'September circular 2024'``, ``'M2023'`` -> ``'May circular 2023'``."""
    if not circular:
        return NOT_AVAILABLE
    month = {"M": "May", "S": "September", "D": "December"}.get(circular[:1].upper(), circular[:1])
    return f"{month} circular {circular[1:]}"


def fmt(value: object, spec: str = ",.0f", *, prefix: str = "", suffix: str = "",
        missing: str = NOT_AVAILABLE) -> str:
    """``value`` formatted for a sentence (``fmt(2220.3, prefix='EUR ')`` -> ``'EUR 2,220'``), or ``missing``."""
    if value is None:
        return missing
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"{prefix}{value}{suffix}"
    if math.isnan(number):
        return missing
    return f"{prefix}{precision.fmt(number, spec)}{suffix}"


def compare(value: float, spec: str = ".1f", *, prefix: str = "", suffix: str = "%", above: str = "above",
            below: str = "below") -> tuple[str, str]:
    """A signed difference as the two parts of a sentence: magnitude and direction word.

    ``compare(12.34)`` -> ``('12.3%', 'above')``, ``compare(-3)`` -> ``('3.0%', 'below')``; a missing
    value reads ``('not comparable', 'with')``, so that "X% above the median" becomes "not comparable
    with the median".
    """
    if value is None or not np.isfinite(value):
        return "not comparable", "with"
    return f"{prefix}{precision.fmt(abs(float(value)), spec)}{suffix}", above if value >= 0 else below


# --------------------------------------------------------------------------------------------
# Sections of the page
# --------------------------------------------------------------------------------------------

def header_section(profile: dict, name: str) -> Values:
    summary = profile["summary"]
    return {
        "pf_name": name, "pf_code": summary["gm_code"], "pf_province": summary["province"],
        "pf_region": summary["jz_region"], "pf_inhabitants": fmt(summary["inhabitants"]),
        "pf_register_year": int(summary["register_year"]),
        "pf_size_class": size_class_label(summary["size_class"]),
        "pf_urbanity": URBANITY_LABELS.get(int(summary["urbanity"]), summary["urbanity_label"]),
        "pf_boundary": int(summary["boundary_year"]),
        "pf_first": summary["first_year"], "pf_last": summary["last_year"],
    }


def cost_section(profile: dict, name: str) -> tuple[Values, Figure]:
    """Cost per young inhabitant: the latest plausible year against the national median, and a figure."""
    summary, trend = profile["summary"], profile["cost_trend"]
    usable = trend[trend["plausible"]]
    cost_year = int(usable.index.max()) if not usable.empty else int(trend.index.max())
    latest = trend.loc[cost_year]
    vs_median, vs_word = compare(latest["vs_median_pct"], ".0f")
    missing_years = [int(y) for y in trend.index[trend["cost_per_youth"].isna()]]
    odd_years = [int(y) for y in trend.index[trend["cost_per_youth"].notna() & ~trend["plausible"]]]
    notes = []
    if not summary["in_boundaries"]:
        notes.append(f"{name} did not exist on 1 January {summary['boundary_year']}, the boundaries chosen for "
                     "this page, so it has no figures of its own in them; choose a later boundary year.")
    elif missing_years:
        notes.append(f"No realised cost is available for {', '.join(map(str, missing_years))}.")
    if odd_years:
        low, high = P.PLAUSIBLE_RANGE
        notes.append(f"The cost reported for {', '.join(map(str, odd_years))} lies outside {low:g} to {high:g} "
                     "times the national median of its year; the book treats it as a reporting artefact (for "
                     "example cost booked by a joint regional body) and leaves it out of all comparisons.")
    values = {
        "pf_cost_year": cost_year,
        "pf_realised_latest": fmt(latest["realised_keur"] / 1000 if latest["plausible"] else np.nan, ",.1f",
                                  prefix="EUR ", suffix=" million"),
        "pf_cpy_latest": fmt(latest["cost_per_youth"] if latest["plausible"] else np.nan, prefix="EUR "),
        "pf_median_latest": fmt(latest["national_median"], prefix="EUR "),
        "pf_vs_median": vs_median, "pf_vs_median_word": vs_word,
        "pf_years_with_cost": int(summary["years_with_cost"]),
        "pf_years_plausible": int(summary["years_plausible"]),
        "pf_trend_note": " ".join(notes),
    }

    figure = (trend[["cost_per_youth", "plausible", "national_median", "national_p25", "national_p75"]]
              .rename_axis("year").reset_index())
    kinds = {"year": "year", **dict.fromkeys(["cost_per_youth", "national_median", "national_p25",
                                              "national_p75"], "eur")}
    return values, (figure, kinds, partial(charts.profile_cost_trend, name=name))


def budget_section(profile: dict) -> tuple[Values, pd.DataFrame, dict[str, str]]:
    """Budget against realised cost: the latest year with both, and the table of every year."""
    budget = profile["budget"]
    both = budget.dropna(subset=["budgeted_keur", "realised_keur"])
    budget_year = int(both.index.max()) if not both.empty else int(budget.index.max())
    over, over_word = compare(budget.at[budget_year, "over_budget_pct"])
    nl_over, nl_word = compare(budget.at[budget_year, "national_over_budget_pct"])
    values = {"pf_budget_year": budget_year, "pf_over_budget": over, "pf_over_under": over_word,
              "pf_nl_over_budget": nl_over, "pf_nl_over_under": nl_word}
    table = budget[["budgeted_keur", "realised_keur", "difference_keur", "over_budget_pct",
                    "national_over_budget_pct"]].rename(columns={
        "budgeted_keur": "Budget (EUR 1,000)", "realised_keur": "Realised (EUR 1,000)",
        "difference_keur": "Realised minus budget (EUR 1,000)", "over_budget_pct": "Over budget (%)",
        "national_over_budget_pct": "Netherlands: over budget (%)"})
    table.index.name = "Year"
    formats = {"Year": "d", "Budget (EUR 1,000)": ",.0f", "Realised (EUR 1,000)": ",.0f",
               "Realised minus budget (EUR 1,000)": "+,.0f", "Over budget (%)": "+.1f",
               "Netherlands: over budget (%)": "+.1f"}
    return values, table, formats


def care_mix_section(profile: dict, name: str) -> tuple[Values, pd.DataFrame, dict[str, str], Figure]:
    """The care mix of the latest accounts and budget against the Netherlands: values, table, figure."""
    mix = profile["care_mix"]
    realised_years = sorted(mix.loc[mix["kind"] == "realised", "year"].unique())
    budget_years = sorted(mix.loc[mix["kind"] == "budgeted", "year"].unique())
    mix_year = int(realised_years[-1]) if realised_years else None
    mix_budget_year = int(budget_years[-1]) if budget_years else None
    realised = mix[(mix["kind"] == "realised") & (mix["year"] == mix_year)].set_index("category")
    budgeted = mix[(mix["kind"] == "budgeted") & (mix["year"] == mix_budget_year)].set_index("category")
    values = {
        "pf_mix_year": mix_year, "pf_mix_budget_year": mix_budget_year,
        "pf_mix_total": fmt(realised["municipality_keur"].sum(min_count=1) / 1000, ",.1f", prefix="EUR ",
                            suffix=" million"),
        "pf_residence_share": fmt(realised["municipality_pct"].get(WITH_RESIDENCE, np.nan), ".1f", suffix="%"),
        "pf_residence_share_nl": fmt(realised["national_pct"].get(WITH_RESIDENCE, np.nan), ".1f", suffix="%"),
    }
    categories = [c for c in CATEGORIES if c in realised.index or c in budgeted.index]
    table = (realised.reindex(categories)[["municipality_pct", "national_pct"]]
             .join(budgeted.reindex(categories)[["municipality_pct", "national_pct"]], rsuffix="_budget"))
    table.columns = [f"{name}, realised {mix_year} (%)", f"Netherlands, realised {mix_year} (%)",
                     f"{name}, budget {mix_budget_year} (%)", f"Netherlands, budget {mix_budget_year} (%)"]
    table.index = [c.capitalize() for c in categories]
    table.index.name = "Care category"
    table.loc["Total"] = table.sum(min_count=1)

    shown = [c for c in CATEGORIES if c in realised.index]
    figure = (realised.reindex(shown)[["municipality_pct", "national_pct"]].rename_axis("category").reset_index())
    draw = partial(charts.profile_care_mix, name=name, year=mix_year)
    return values, table, {c: ".1f" for c in table.columns}, (figure, {"municipality_pct": "pct", "national_pct": "pct"}, draw)


def peers_section(profile: dict, name: str) -> tuple[Values, pd.DataFrame, dict[str, str]]:
    """The municipality among those of the same size class and urbanity."""
    position, peers = profile["position"], profile["peers"]
    values = {"pf_peer_year": position["year"], "pf_peer_n": int(position["peers"]),
              "pf_peer_median": fmt(position["peer_median"], prefix="EUR "),
              "pf_peer_value": fmt(position["value"], prefix="EUR "),
              "pf_peer_rank": fmt(position["percentile_rank"], ".0f")}
    rows = {name: position["value"]}
    others = peers[peers["plausible"] & ~peers["is_self"]]
    if 0 < len(others) <= 8:
        rows.update({peer: value for peer, value in zip(others["name"], others["cost_per_youth"])})
    rows.update({
        "Similar municipalities: lowest": position["peer_min"],
        "Similar municipalities: 25th percentile": position["peer_p25"],
        "Similar municipalities: median": position["peer_median"],
        "Similar municipalities: 75th percentile": position["peer_p75"],
        "Similar municipalities: highest": position["peer_max"],
        "Netherlands: median": position["national_median"],
    })
    table = pd.DataFrame({f"Cost per inhabitant aged 0-17, {position['year']} (EUR)": pd.Series(rows, dtype=float)})
    table.index.name = "Municipality or group"
    return values, table, {table.columns[0]: ",.0f"}


_MODEL_OUTCOMES = {"log_cost_per_youth": "cost per inhabitant aged 0-17",
                   "cost_per_youth": "cost per inhabitant aged 0-17",
                   "pct_youth_with_jeugdhulp": "share of inhabitants aged 0-17 with youth help"}


def model_section(profile: dict, name: str) -> tuple[Values, pd.DataFrame, dict[str, str]]:
    """Cost against need: the between model's prediction and what each driver adds to it."""
    summary, model, drivers = profile["summary"], profile["model"], profile["drivers"]
    unit = model["unit"]
    if unit == "%":
        residual, above_below = compare(model["residual_effect"], ".1f")
        level = lambda v: fmt(v, prefix="EUR ")  # noqa: E731
    elif unit == "EUR":
        residual, above_below = compare(model["residual_effect"], ",.0f", prefix="EUR ", suffix="")
        level = lambda v: fmt(v, prefix="EUR ")  # noqa: E731
    else:
        residual, above_below = compare(model["residual_effect"], ".1f", suffix=" percentage points")
        level = lambda v: fmt(v, ".1f", suffix="%")  # noqa: E731
    if model["in_sample"]:
        detail = (f"(actual {level(model['actual_level'])} against a predicted {level(model['predicted_level'])}"
                  f"{', geometric means' if unit == '%' else ', means'} over {model['years_in_sample']} "
                  f"{'year' if model['years_in_sample'] == 1 else 'years'}; "
                  f"rank {model['rank']} of {model['municipalities']} municipalities from furthest below to "
                  "furthest above the prediction)")
    elif not summary["in_boundaries"]:
        detail = f"(the municipality did not exist in the boundaries of {summary['boundary_year']} used by the model)"
    else:
        detail = ("(the municipality has no year with a plausible realised cost and complete drivers in these "
                  "years, so the model has no average to compare)")
    values = {"pf_model_outcome": _MODEL_OUTCOMES[model["outcome"]],
              "pf_model_first": int(model["first_year"]), "pf_model_last": int(model["last_year"]),
              "pf_residual": residual, "pf_above_below": above_below, "pf_model_detail": detail}

    contribution = f"Adds to prediction ({unit})"
    table = drivers[["label", "display_unit", "display_value", "display_median", "contribution"]].copy()
    table.index = table.pop("label")
    table.index.name = "Need driver"

    def fmt_value(value):
        return fmt(value, ",.0f" if abs(value) >= 100 else ",.1f", missing="–")

    table = table.assign(**{
        "Unit": table.pop("display_unit"),
        name: table.pop("display_value").map(fmt_value),
        "Netherlands (median)": table.pop("display_median").map(fmt_value),
        contribution: table.pop("contribution"),
    })
    return values, table, {contribution: "+.1f" if unit != "EUR" else "+,.0f"}


def objective_section(profile: dict, name: str) -> tuple[Values, pd.DataFrame, dict[str, str]]:
    """The gemeentefonds model amount against the municipality's own Iv3 youth budget."""
    objective = profile["objective"]
    label = circular_label(objective["circular"])
    vs_model, vs_model_word = compare(objective["budget_vs_model_pct"], ".0f")
    values = {
        "pf_circular": label, "pf_om_year": objective["year"],
        "pf_om_per_youth": fmt(objective["model_per_youth"], prefix="EUR "),
        "pf_budget_per_youth": fmt(objective["budget_per_youth"], prefix="EUR "),
        "pf_budget_vs_model": vs_model, "pf_budget_more_less": vs_model_word,
        "pf_om_median": fmt(objective["national_median_model_per_youth"], prefix="EUR "),
        "pf_budget_median": fmt(objective["national_median_budget_per_youth"], prefix="EUR "),
        "pf_youth_edition": objective["youth_edition"],
    }
    table = pd.DataFrame({
        name: [objective["model_per_youth"], objective["budget_per_youth"], objective["budget_vs_model_pct"]],
        "Netherlands (median)": [objective["national_median_model_per_youth"],
                                 objective["national_median_budget_per_youth"],
                                 objective["national_median_budget_vs_model_pct"]],
    }, index=[f"Gemeentefonds model, {label} (EUR per inhabitant 0-17)",
              f"Iv3 care budget {objective['year']}, net (EUR per inhabitant 0-17)", "Budget minus model (%)"])
    table.index.name = "Measure"
    return values, table, {name: ",.0f", "Netherlands (median)": ",.0f"}
