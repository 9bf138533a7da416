"""The municipality pages: one Markdown page, one CSV and two SVG figures per municipality, and the index.

:func:`jeugdzorg.analysis.profiles.municipality_profiles` computes every municipality's numbers in one
pass; this module rounds each number by its kind (:mod:`jeugdzorg.book.precision`), draws the
figures from the rounded numbers only (:mod:`jeugdzorg.book.svg`), writes the words around them
(templates ``analysis/templates/profile_page.md.j2`` and ``profiles_index.md.j2``) and returns the
files, which :func:`write_pages` writes where their content changed.  The pages are generated, not
executed one notebook each: 342 notebooks took about half an hour on two cores, these pages take
seconds.  Every number on them is checked by regenerating the pages and comparing them byte for byte
(``tests/book/test_profile_pages.py``), as nbval does for the chapters.

Files (relative to ``book/``): ``profiles.md`` (the index, A-Z and by province), and in
``profiles/`` per municipality ``GMxxxx.md``, ``GMxxxx.csv`` (every number of the page),
``GMxxxx-cost.svg`` and ``GMxxxx-mix.svg``, each figure with the numbers it draws beside it
(``GMxxxx-cost.csv``, ``GMxxxx-mix.csv``; the HTML build puts their download under the figure).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import budget as B
from ..analysis import estimation as E
from ..analysis import panel as P
from ..analysis import validation as V
from ..analysis.flags import RESIDENCE_FLAGS, record
from ..analysis.profiles import Profiles, municipality_profiles
from ..paths import TEMPLATES_DIR
from . import precision, svg
from .aliases import aliases, without_accents
from .figures import PALETTE
from .tables import markdown_table

INDEX_PAGE = "profiles.md"
PAGES_DIR = "profiles"
PAGE_TEMPLATE = "profile_page.md.j2"
INDEX_TEMPLATE = "profiles_index.md.j2"
#: Files in ``book/profiles/`` that this module owns: anything else there matching these is stale.
OWNED = ("GM*.md", "GM*.csv", "GM*.svg", "GM*.ipynb")
#: Label prefix of the letters of the A-Z index (labels are global in a Sphinx build).
LETTER_LABEL = "profiles-az-"
NOT_AVAILABLE = "not available"
MISSING = "–"
#: Columns of the medians in the page's tables (the captions say they are medians).
GROUP_LABELS = {"size_class": "Size class", "region": "Region", "national": "Netherlands"}
#: The groups as the CSV download names them.
GROUP_MEASURES = {"size_class": "median of its size class", "region": "median of its youth-care region",
                  "national": "median of all municipalities"}
CATEGORY_LABELS = {"without residence": "Without residence", "with residence": "With residence",
                   "protection and probation": "Protection and probation"}
COST_SOURCE = "Bron: CBS 83454NED, Maatstaven gemeentefonds; need benchmark: own estimates"
MIX_SOURCE = "Bron: CBS Iv3 (jaarrekening)"


# --------------------------------------------------------------------------------------------
# Rounding and words
# --------------------------------------------------------------------------------------------

def rounded(value: Any, kind: str) -> float | int | None:
    """``value`` rounded by its kind; ``None`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return precision.rounded(float(value), kind)


def number(value: float | int | None, spec: str = ",.0f") -> str:
    return NOT_AVAILABLE if value is None else precision.fmt(value, spec)


def eur(value: float | int | None) -> str:
    """``'EUR 1,234'``, or "not available"."""
    return NOT_AVAILABLE if value is None else f"EUR {precision.fmt(value, ',.0f')}"


def signed_pct(value: float | None, spec: str = "+.0f") -> str:
    """``'+12%'`` (a minus sign for a negative value), or "not available"."""
    return NOT_AVAILABLE if value is None else precision.fmt(value, spec).replace("-", "\N{MINUS SIGN}") + "%"


def _letter_key(name: str) -> str:
    """Sort key of a name in the A-Z index: 's-Gravenhage under G, accents ignored."""
    return re.sub(r"^'[st][- ]", "", without_accents(name)).casefold()


def _table(frame: pd.DataFrame, formats: Mapping[str, str] | None = None, *, index: bool = True) -> str:
    """A Markdown table whose first column (the row labels) is left-aligned and the others, numbers
    or formatted numbers, right-aligned."""
    lines = markdown_table(frame, formats, index=index).data.split("\n")
    cells = lines[1].strip("|").split("|")
    lines[1] = "|" + "|".join([":---", *["---:"] * (len(cells) - 1)]) + "|"
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    """Text that Markdown reads literally in running prose (names with brackets or asterisks)."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


# --------------------------------------------------------------------------------------------
# One municipality
# --------------------------------------------------------------------------------------------

@dataclass
class Records:
    """Every number of one page, rounded, in the long form of its CSV download."""

    code: str
    name: str
    rows: list[tuple[str, str, str, str, Any, str]] = field(default_factory=list)

    def add(self, section: str, measure: str, year: int | str, unit: str, value: Any, note: str = "") -> Any:
        self.rows.append((section, measure, str(year), unit, value, note))
        return value

    def csv(self) -> bytes:
        rows = [[self.code, self.name, section, measure, year, unit, value, note]
                for section, measure, year, unit, value, note in self.rows]
        return _csv_bytes(["gm_code", "name", "section", "measure", "year", "unit", "value", "note"], rows)


def _csv_bytes(columns: list[str], rows: list[list[Any]]) -> bytes:
    """Rows as CSV, each value as written (object columns: 2220 stays 2220, not 2220.0; None is empty)."""
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def _figure_csv(columns: list[str], rows: list[list[Any]]) -> bytes:
    """The numbers a figure draws, one row per point (an empty cell where nothing is drawn)."""
    return _csv_bytes(columns, rows)


def _group_value(p: Profiles, code: str, kind: str, year: int, column: str) -> float | None:
    group = p.group_of(code, kind)
    if group is None or (kind, group, year) not in p.groups.index:
        return None
    value = p.groups.at[(kind, group, year), column]
    return None if pd.isna(value) else float(value)


def _cost_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    cost = p.cost.loc[code]
    years = p.years
    own, crosses, rows = [], [], []
    medians: dict[str, list[float | None]] = {kind: [] for kind in GROUP_LABELS}
    for year in years:
        value = rounded(cost.at[year, "cost_per_youth"], "eur")
        plausible = bool(cost.at[year, "plausible"])
        note = "" if plausible else ("no cost reported" if value is None else "outside the plausible range: not compared")
        rec.add("cost", "cost per inhabitant aged 0-17", year, "EUR", value, note)
        own.append(value if plausible else None)
        crosses.append(None if plausible else value)
        row: dict[str, Any] = {"Year": year, name: value}
        for kind, label in GROUP_LABELS.items():
            median = rounded(_group_value(p, code, kind, year, "cost_median"), "eur")
            rec.add("cost", f"cost per inhabitant aged 0-17, {GROUP_MEASURES[kind]}", year, "EUR", median,
                    p.group_of(code, kind) or "")
            medians[kind].append(median)
            row[label] = median
        row["Note"] = note
        rows.append(row)
    table = pd.DataFrame(rows).set_index("Year")
    if not table["Note"].astype(bool).any():
        table = table.drop(columns="Note")

    bench = p.benchmark.table.loc[code]
    interval = None
    expected = rounded(bench["expected_eur"], "eur")
    bounds = {k: rounded(bench[k], "eur") for k in ("lower_90", "upper_90", "lower_95", "upper_95")}
    if expected is not None and None not in bounds.values():
        interval = svg.Interval(p.benchmark.year, expected, (bounds["lower_90"], bounds["upper_90"]),
                                (bounds["lower_95"], bounds["upper_95"]), "Need benchmark, 90%/95% interval",
                                "90% interval", "95% interval")

    plausible_years = [y for y, v in zip(years, own) if v is not None]
    if plausible_years:
        first, last = plausible_years[0], plausible_years[-1]
        i, j = years.index(first), years.index(last)
        size, region = medians["size_class"], medians["region"]
        if first == last:
            text = (f"Only {last} has a plausible realised cost: {eur(own[j])} per inhabitant aged 0-17 (median of its "
                    f"size class {eur(size[j])}, of its region {eur(region[j])}).")
        else:
            text = (f"Realised youth-care cost per inhabitant aged 0-17 was {eur(own[i])} in {first} and {eur(own[j])} "
                    f"in {last}. Over the same years the median of its size class went from {eur(size[i])} to "
                    f"{eur(size[j])}, that of its region from {eur(region[i])} to {eur(region[j])}.")
    else:
        text = (f"{name} has no plausible realised cost in {years[0]}-{years[-1]}; the figure shows the medians of its "
                "groups only.")
    missing = [y for y, v, c in zip(years, own, crosses) if v is None and c is None]
    if missing:
        text += f" No realised cost was reported for {_years(missing)}."

    def values(label: str, series: list[float | None]) -> str:
        shown = [f"{eur(v)} in {y}" for y, v in zip(years, series) if v is not None]
        return f"{label}: " + (", ".join(shown) if shown else "no plausible figure")

    alt = ("Line chart of realised youth-care cost per inhabitant aged 0-17, "
           f"{years[0]} to {years[-1]}. " + "; ".join([
               values(name, own), values("median of its size class", medians["size_class"]),
               values("median of its youth-care region", medians["region"])]) + ".")
    if interval is not None:
        alt += (f" Need benchmark for {p.benchmark.year}: {eur(interval.centre)}, 95% interval "
                f"{eur(interval.outer[0])} to {eur(interval.outer[1])}.")
    figure = svg.line_chart(
        title=f"Cost per young inhabitant: {name}", x_values=years,
        series=[svg.Series(name, own, PALETTE[0], 2.6, crosses=crosses if any(c is not None for c in crosses) else ()),
                svg.Series("Size class (median)", medians["size_class"], PALETTE[1], 1.8, "6 4", marker=False),
                svg.Series("Region (median)", medians["region"], PALETTE[2], 1.8, "2 3", marker=False)],
        y_label="EUR per inhabitant aged 0-17", source=COST_SOURCE, desc=alt, interval=interval)
    formats = {name: ",.0f", **{label: ",.0f" for label in GROUP_LABELS.values()}}
    bench_columns = ["need_benchmark_eur", "lower_90_eur", "upper_90_eur", "lower_95_eur", "upper_95_eur"]
    data = [[year, own[k], crosses[k], medians["size_class"][k], medians["region"][k],
             *([interval.centre, *interval.inner, *interval.outer] if interval is not None and year == interval.x
               else [None] * len(bench_columns))] for k, year in enumerate(years)]
    cost_data = _figure_csv(["year", "cost_per_youth_eur", "cost_outside_plausible_range_eur",
                             "size_class_median_eur", "region_median_eur", *bench_columns], data)
    return {"cost_text": text, "cost_table": _table(table, formats), "cost_alt": alt, "cost_svg": figure,
            "cost_data": cost_data, "bench_shown": interval is not None}


def _years(years: list[int]) -> str:
    return ", ".join(map(str, years[:-1])) + (" and " if len(years) > 1 else "") + str(years[-1])


def _benchmark_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    b = p.benchmark
    row = b.table.loc[code]
    year, level = b.year, round(100 * b.level)
    values = {key: rec.add("need benchmark", label, year, "EUR", rounded(row[key], "eur"))
              for key, label in (("actual_eur", "actual cost per inhabitant aged 0-17"),
                                 ("expected_eur", "need benchmark (expected cost)"),
                                 ("lower_90", "90% interval, lower bound"), ("upper_90", "90% interval, upper bound"),
                                 ("lower_95", "95% interval, lower bound"), ("upper_95", "95% interval, upper bound"))}
    verdict, reason = str(row["verdict"]), str(row["reason"])
    position = row["position"] if isinstance(row["position"], str) else None
    gap = rec.add("need benchmark", "actual against the benchmark", year, "%", rounded(row["actual_vs_expected_pct"], "pct_0"),
                  "not assessed: not a ranking" if verdict == "not assessed" else "")
    rec.add("need benchmark", "position against the range seen for these need drivers", year, "", None, position or "")
    window = str(row["gap_years"]) if isinstance(row["gap_years"], str) else ""
    lasting = {key: rec.add("need benchmark", label, window, "% of the benchmark", rounded(row[key], "pct_0"))
               for key, label in (("lasting_gap_pct", "lasting gap"), ("lasting_lower_pct", "lasting gap, 95% interval, lower"),
                                  ("lasting_upper_pct", "lasting gap, 95% interval, upper"))}
    rec.add("need benchmark", "verdict (lasting gap)", window, "", None, verdict if not reason else f"{verdict}: {reason}")
    actual, expected = values["actual_eur"], values["expected_eur"]

    def interval(low: str, high: str) -> str:
        a, z = values[low], values[high]
        return NOT_AVAILABLE if a is None or z is None else f"{eur(a)} to {eur(z)}"

    stated = (f"Its need benchmark, the expected cost given its need drivers, is **{eur(expected)}**; municipalities with "
              f"these need drivers cost from {interval('lower_95', 'upper_95')} (95% range; 90%: "
              f"{interval('lower_90', 'upper_90')}).")
    has_gap = lasting["lasting_gap_pct"] is not None
    gap_text = (f"Over {window} its **lasting gap** to the benchmark is {signed_pct(lasting['lasting_gap_pct'])} "
                f"(95% interval {signed_pct(lasting['lasting_lower_pct'])} to {signed_pct(lasting['lasting_upper_pct'])}), "
                "after taking out what changes from year to year." if has_gap else "")
    if has_gap and code in b.own_years:
        gap_text += (" It rests on the years before the residence rule, because the rule possibly moved its cost; "
                     "those years still carry the cost of the old rule.")
    if verdict in ("above", "below", "within"):
        text = f"In {year}, {name} spent **{eur(actual)}** on youth care per inhabitant aged 0-17. " + stated + " "
        if position is not None:
            text += (f"That year it lay {position} that range ({signed_pct(gap)} against the benchmark); one year's "
                     "position is context, not a verdict. ") if position != "within" else \
                    (f"That year it lay within that range ({signed_pct(gap)} against the benchmark). ")
        text += gap_text + " "
        if verdict == "within":
            text += ("**Within the expected range:** the lasting gap is not clearly and materially different from zero "
                     "(the rule: its interval excludes zero, it holds among all municipalities, and it is at least a tenth "
                     "of the benchmark).")
        else:
            word = "more" if verdict == "above" else "less"
            text += (f"**{verdict.capitalize()} the expected range, for good:** {name} spends {word} than its need "
                     "drivers explain, year after year.")
    else:
        text = f"**No above/below verdict for {name}:** " + _reason_text(p, code, name, reason, year) + " "
        if expected is not None:
            text += ("For reference: " + (f"actual {eur(actual)} in {year}; " if actual is not None else "")
                     + stated[0].lower() + stated[1:])
    frame = pd.DataFrame({f"{year} (EUR)": [
        number(actual), number(expected), interval("lower_90", "upper_90").replace("EUR ", ""),
        interval("lower_95", "upper_95").replace("EUR ", ""),
        signed_pct(gap) if verdict != "not assessed" else MISSING,
        # One word (the sentence above says it in full): the table then fits a phone's width.
        position or MISSING,
        (f"{signed_pct(lasting['lasting_gap_pct'])} ({window})" if has_gap and verdict != "not assessed" else MISSING),
        verdict]},
        index=pd.Index(["Actual cost", "Need benchmark (expected cost)", "90% range", "95% range",
                        "Actual against the benchmark", f"Position against the {level}% range", "Lasting gap",
                        "Verdict (lasting gap)"],
                       name="Measure"))
    return {"benchmark_text": text.strip(), "benchmark_table": _table(frame)}


def _reason_text(p: Profiles, code: str, name: str, reason: str, year: int) -> str:
    """Why the benchmark gives no verdict, in a sentence (the reasons of
    :func:`jeugdzorg.analysis.need_benchmark.need_benchmark`)."""
    if reason.startswith("flagged"):
        rule = reason.split(":", 1)[1].strip() if ":" in reason else reason
        return (f"its cost is flagged: {rule}. Its figures stay on this page, marked; they are left out of rankings "
                "and of every above/below statement (see Flags and breaks).")
    if reason.startswith("fewer than two years"):
        return (f"{reason}: a lasting gap needs at least two years to be told apart from one year's chance "
                "(see Flags and breaks).")
    return reason.rstrip(".") + "."


def _flag_items(p: Profiles, code: str, name: str, rec: Records) -> list[str]:
    """The flags of a municipality in the words of their records (:mod:`jeugdzorg.analysis.flags`),
    the numbers filled in, rounded and kept in the page's CSV."""
    flags = p.flags[p.flags["gm_code"] == code]
    items = []
    accounts = p.accounts_years
    for row in flags.itertuples():
        flag, year = str(row.flag), int(row.year)
        rec_ = record(flag)
        values: dict[str, Any] = {"year": year, "name": name}
        if flag == "accounts_mismatch":
            values["value"] = number(rec.add("flags", "accounts / CBS cost (growth-adjusted)", year, "ratio",
                                             rounded(row.value, "ratio"), flag), ".2f")
            values["reference"] = number(rec.add("flags", "national median of that ratio", year, "ratio",
                                                 rounded(row.reference, "ratio"), flag), ".2f")
            values["accounts_year"] = accounts[1]
        elif flag == "no_accounts":
            rec.add("flags", "youth care in its own accounts", accounts[1], "EUR 1,000", 0, flag)
            values["accounts_year"] = accounts[1]
        elif flag == "cost_per_client":
            values["value"] = eur(rec.add("flags", "cost per young person in care", year, "EUR",
                                          rounded(row.value, "eur_10"), flag))
            values["reference"] = eur(rec.add("flags", "national median cost per young person in care", year, "EUR",
                                              rounded(row.reference, "eur_10"), flag))
        elif flag in RESIDENCE_FLAGS:
            values.update(_residence_values(p, code, flag, rec))
        elif flag == "regional_body":
            values["value"] = number(rec.add("flags", "receipts from other municipalities", year,
                                             "% of spending on the care fields", rounded(100 * row.value, "pct_0"), flag),
                                     ".0f") + "%"
            values["reference"] = number(rec.add("flags", "threshold of the rule", year, "%",
                                                 rounded(100 * row.reference, "pct_0"), flag), ".0f") + "%"
        elif flag == "care_mix_outlier":
            values["value"] = number(rec.add("flags", "care with residence, gross", year, "% of spending on the care fields",
                                             rounded(100 * row.value, "pct"), flag), ".1f") + "%"
            values["reference"] = number(rec.add("flags", "national median", year, "%",
                                                 rounded(100 * row.reference, "pct"), flag), ".1f") + "%"
        detail = rec_.detail("en", **{k: values[k] for k in rec_.fields})
        if rec_.keeps_out_of_rankings:
            consequence = "It is marked everywhere and left out of the benchmark's fit, rankings and above/below verdicts."
        elif flag in RESIDENCE_FLAGS:
            consequence = ("Its lasting gap to the need benchmark uses the years before the rule; those years still carry "
                           "the old rule's cost, so leaving the rule's year out does not remove it.")
        else:
            consequence = "The flag marks its figures; it does not change the need benchmark's verdict."
        items.append(f"**{rec_.label('en')}** ({year}): {detail} What the flag means: {rec_.rule('en')}. {consequence}")
    if not items:
        items.append(f"No validation flag applies to {name}." if p.care_mix_year is not None else
                     f"No validation flag applies to {name}; its cost could not be checked against its accounts, "
                     "which are not in this build.")
    return items


def _residence_values(p: Profiles, code: str, flag: str, rec: Records) -> dict[str, Any]:
    """The fields of a residence-rule flag's detail: cost and young people in care before and after."""
    rule = p.residence
    year = int(rule.year)  # type: ignore[arg-type]
    row = rule.table.loc[code]
    before = rec.add("flags", "cost per inhabitant aged 0-17 before the rule", year - 1, "EUR",
                     rounded(row["before"], "eur"), flag)
    after = rec.add("flags", "cost per inhabitant aged 0-17 in the rule's first year", year, "EUR",
                    rounded(row["after"], "eur"), flag)
    change = rec.add("flags", "change", year, "%", rounded(100 * np.expm1(row["change"]), "pct"), flag)
    median = rec.add("flags", "median change of all municipalities", year, "%",
                     rounded(p.residence.median_change_pct, "pct"), flag)
    clients_before = rec.add("flags", "young people in care before the rule", year - 1, "count",
                             rounded(row["clients_before"], "count"), flag)
    clients_after = rec.add("flags", "young people in care in the rule's first year", year, "count",
                            rounded(row["clients_after"], "count"), flag)
    clients_change = rec.add("flags", "change in young people in care", year, "%",
                             rounded(100 * np.expm1(row["clients_change"]), "pct"), flag)
    return {"prior": year - 1, "before": eur(before), "after": eur(after), "change": signed_pct(change, "+.1f"),
            "median_change": signed_pct(median, "+.1f"), "clients_before": number(clients_before),
            "clients_after": number(clients_after), "clients_change": signed_pct(clients_change, "+.1f")}


def _break_items(p: Profiles, code: str, name: str) -> list[str]:
    items = []
    affected = set(p.residence.affected.index) if p.residence.year is not None else set()
    if p.residence.year is not None and code not in affected:
        year = p.residence.year
        median = rounded(p.residence.median_change_pct, "pct")
        items.append(f"**Residence rule, {year}:** from 1 January {year} the municipality where a young person was "
                     "registered just before a stay with residence pays for it; before, the municipality of the parent "
                     "with custody paid, or, under an institution's guardianship, the municipality of the stay. "
                     f"{name}'s change from {year - 1} to {year} is within what chance gives for its size, so the rule "
                     "finds no shift of cost here; a small shift cannot be ruled out (median change of all "
                     f"municipalities: {signed_pct(median, '+.1f')}).")
    if p.use_switch is not None:
        year, old, new, jump = p.use_switch
        items.append(f"**Young people in care, {year}:** counted from CBS table {new} instead of {old}; the national "
                     f"count jumps {signed_pct(rounded(jump, 'pct'), '+.1f')} beyond its trend at the switch, so part of "
                     f"the change into {year} is the new table.")
    former = p.municipalities.at[code, "former"]
    if former:
        items.append(f"**Merger:** the years before a merger add up the figures of {former}.")
    cost = p.cost.loc[code]
    odd = [y for y in p.years if not pd.isna(cost.at[y, "cost_per_youth"]) and not bool(cost.at[y, "plausible"])]
    if odd:
        low, high = P.PLAUSIBLE_RANGE
        items.append(f"**Outside the plausible range:** the cost reported for {_years(odd)} lies outside {low:g} to "
                     f"{high:g} times the national median of its year, which the book reads as a reporting artefact "
                     "(e.g. cost booked by a joint regional body); it is shown but not compared.")
    return items


def _use_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    cost = p.cost.loc[code]
    rows = []
    for year in p.years:
        own = rec.add("use", "youth help in kind", year, "% of inhabitants aged 0-17",
                      rounded(cost.at[year, "pct_youth_with_jeugdhulp"], "pct"))
        row: dict[str, Any] = {"Year": year, f"{name} (%)": own}
        for kind, label in GROUP_LABELS.items():
            row[f"{label} (%)"] = rec.add("use", f"youth help in kind, {GROUP_MEASURES[kind]}", year,
                                          "% of inhabitants aged 0-17",
                                          rounded(_group_value(p, code, kind, year, "use_median"), "pct"),
                                          p.group_of(code, kind) or "")
        row["Young people in care"] = rec.add("use", "young people in care", year, "persons",
                                              rounded(cost.at[year, "youths_in_care"], "count"))
        rows.append(row)
    table = pd.DataFrame(rows).set_index("Year")
    shown = table.dropna(subset=[f"{name} (%)"])
    if shown.empty:
        text = f"No figure of the use of youth help in kind is available for {name} in {p.years[0]}-{p.years[-1]}."
    else:
        year = int(shown.index.max())
        r = shown.loc[year]
        text = (f"In {year}, {number(r[f'{name} (%)'], '.1f')}% of {name}'s inhabitants aged 0-17 received youth help "
                f"in kind (median of its size class {number(r['Size class (%)'], '.1f')}%, of its region "
                f"{number(r['Region (%)'], '.1f')}%, of all municipalities "
                f"{number(r['Netherlands (%)'], '.1f')}%).")
        if not pd.isna(r["Young people in care"]):
            text += (f" {number(r['Young people in care'])} young people received youth help, protection or probation "
                     "that year.")
    formats = {c: ".1f" for c in table.columns if c.endswith("(%)")}
    formats["Young people in care"] = ",.0f"
    return {"use_text": text, "use_table": _table(table, formats)}


def _budget_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    rows = []
    own = p.budget.loc[code] if code in p.budget.index.get_level_values("gm_code") else p.budget.iloc[:0]
    for year in p.years:
        national = rec.add("budget", "Netherlands: realised against budget, screened", year, "%",
                           rounded(p.national_budget["overspend_pct"].get(year), "pct"))
        if year not in own.index:
            rows.append({"Year": year, "Budget (EUR 1,000)": MISSING, "Realised (EUR 1,000)": MISSING,
                         "Realised against budget (%)": MISSING, "Netherlands, screened (%)": _pct_cell(national)})
            continue
        r = own.loc[year]
        budget = rec.add("budget", "budgeted cost", year, "EUR 1,000", rounded(r["budgeted_keur"], "eur_keur"))
        realised = rec.add("budget", "realised cost", year, "EUR 1,000", rounded(r["realised_keur"], "eur_keur"))
        screened = bool(r["screened"])
        gap = rec.add("budget", "realised against budget", year, "%", rounded(r["overspend_pct"], "pct"),
                      "screened: recording error" if screened else "")
        rows.append({"Year": year, "Budget (EUR 1,000)": number(budget), "Realised (EUR 1,000)": number(realised),
                     "Realised against budget (%)": "recording error" if screened else _pct_cell(gap),
                     "Netherlands, screened (%)": _pct_cell(national)})
    table = pd.DataFrame(rows).set_index("Year")
    in_years = [y for y in p.years if y in own.index]
    if not in_years:
        text = f"{name} did not report both a budget and a realised cost in {p.years[0]}-{p.years[-1]}."
    else:
        year = in_years[-1]
        r = own.loc[year]
        national = rounded(p.national_budget["overspend_pct"].get(year), "pct")
        if bool(r["screened"]):
            text = (f"In {year}, the budget and the realised cost {name} reported differ by more than a factor of two "
                    f"(EUR {number(rounded(r['budgeted_keur'], 'eur_keur'))} thousand budgeted, EUR "
                    f"{number(rounded(r['realised_keur'], 'eur_keur'))} thousand realised): the book reads this as a "
                    "recording error, not as an over- or underspend.")
        else:
            gap = rounded(r["overspend_pct"], "pct")
            word = "above" if gap > 0 else "below" if gap < 0 else "equal to"
            size = "" if gap == 0 else f"{number(abs(gap), '.1f')}% "
            text = f"In {year}, {name}'s realised youth-care cost was {size}{word} its budget"
            text += (f"; for all municipalities together (screened) realised cost was {signed_pct(national, '+.1f')} "
                     "against budget." if national is not None else ".")
        screened_years = [y for y in in_years if bool(own.at[y, "screened"])]
        if screened_years and screened_years != [year]:
            text += f" The figures of {_years(screened_years)} are screened as a recording error."
    low, high = B.PLAUSIBLE_REALISATION
    return {"budget_text": text, "budget_table": _table(table),
            "screen": f"{precision.fmt(low, 'g')} to {precision.fmt(high, 'g')} times"}


def _pct_cell(value: float | None) -> str:
    return MISSING if value is None else precision.fmt(value, "+.1f")


def _mix_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    year = p.care_mix_year
    if year is None or code not in p.care_mix.index.get_level_values("gm_code"):
        return {"mix_text": f"No municipal accounts (Iv3) of {name} are available.", "mix_figure": None, "mix_svg": None}
    own = p.care_mix.loc[code]
    categories = [c for c in CATEGORY_LABELS if c in own.index]
    keur = {c: rec.add("care mix", CATEGORY_LABELS[c].lower(), year, "EUR 1,000", rounded(own.at[c, "lasten_keur"], "eur_keur"))
            for c in categories}
    share = {c: rec.add("care mix", f"{CATEGORY_LABELS[c].lower()}, share", year, "% of the care fields",
                        rounded(own.at[c, "share_pct"], "pct")) for c in categories}
    national = {c: rec.add("care mix", f"Netherlands: {CATEGORY_LABELS[c].lower()}, share", year, "% of the care fields",
                           rounded(p.national_mix.get(c), "pct")) for c in categories}
    total = sum(v for v in keur.values() if v is not None) if any(v is not None for v in keur.values()) else None
    labels = [CATEGORY_LABELS[c] for c in categories]
    frame = pd.DataFrame({f"{name} (EUR 1,000)": [number(keur[c]) for c in categories],
                          f"{name} (%)": [number(share[c], ".1f") for c in categories],
                          "Netherlands (%)": [number(national[c], ".1f") for c in categories]},
                         index=pd.Index(labels, name="Care field"))
    frame.loc["Total"] = [number(total), "100.0" if total else MISSING, "100.0"]
    if not total:
        return {"mix_text": f"The {year} accounts of {name} book no spending on the youth-care task fields.",
                "mix_figure": None, "mix_svg": None}
    parts = ", ".join(f"{number(share[c], '.1f')}% {CATEGORY_LABELS[c].lower()}" for c in categories)
    nl = ", ".join(f"{number(national[c], '.1f')}%" for c in categories)
    text = (f"In its {year} accounts, {name} spent EUR {number(rounded(total / 1000, 'eur_million'), ',.1f')} million on "
            f"the three youth-care task fields: {parts} (Netherlands: {nl}).")
    alt = (f"Bar chart of the shares of spending on the youth-care task fields in the {year} accounts. {name}: {parts}. "
           f"Netherlands: " + ", ".join(f"{number(national[c], '.1f')}% {CATEGORY_LABELS[c].lower()}" for c in categories)
           + ".")
    figure = svg.bar_chart(title=f"Care mix, {year} accounts: {name}", categories=labels,
                           groups=[(name, [share[c] for c in categories]),
                                   ("Netherlands", [national[c] for c in categories])],
                           x_label="% of spending on the three care fields", source=MIX_SOURCE, desc=alt)
    mix_data = _figure_csv(["care_field", "municipality_share_pct", "netherlands_share_pct"],
                           [[CATEGORY_LABELS[c], share[c], national[c]] for c in categories])
    return {"mix_text": text, "mix_table": _table(frame), "mix_alt": alt, "mix_svg": figure, "mix_data": mix_data,
            "mix_year": year}


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)


def municipality_files(p: Profiles, code: str, template: Any | None = None) -> dict[str, bytes]:
    """The files of one municipality's page, relative to ``book/``."""
    template = template or _environment().get_template(PAGE_TEMPLATE)
    m = p.municipalities.loc[code]
    name = str(m["name"])
    rec = Records(code, name)
    inhabitants = rec.add("municipality", "inhabitants", p.spec.boundary_year, "persons", rounded(m["inhabitants"], "count"))
    youth = rec.add("municipality", "inhabitants aged 0-17", p.benchmark.year, "persons",
                    rounded(p.benchmark.table.at[code, "inhabitants_0_17"], "count"))
    context: dict[str, Any] = {
        "name": _md_escape(name), "code": code, "aliases": ", ".join(aliases(code, name)),
        "province": m["province"], "region": m["jz_region"], "inhabitants": number(inhabitants),
        "youth": None if youth is None else number(youth), "register_year": p.spec.boundary_year,
        "bench_year": p.benchmark.year, "size_class": m["size_class"] or NOT_AVAILABLE,
        "class_n": len(p.group_members(code, "size_class")), "region_n": len(p.group_members(code, "region")),
        "boundary_year": p.spec.boundary_year, "former": m["former"], "first_year": p.years[0],
        "last_year": p.years[-1], "switch_year": p.use_switch[0] if p.use_switch else NOT_AVAILABLE,
        "cost_figure": f"{code}-cost.svg", "csv": f"{code}.csv", "mix_year": p.care_mix_year,
    }
    context.update(_benchmark_section(p, code, name, rec))
    context["flags"] = _flag_items(p, code, name, rec)
    context["breaks"] = _break_items(p, code, name)
    context.update(_cost_section(p, code, name, rec))
    context.update(_use_section(p, code, name, rec))
    context.update(_budget_section(p, code, name, rec))
    context.update(_mix_section(p, code, name, rec))
    cost_svg, mix_svg = context.pop("cost_svg"), context.pop("mix_svg")
    cost_data, mix_data = context.pop("cost_data"), context.pop("mix_data", None)
    context["mix_figure"] = f"{code}-mix.svg" if mix_svg else None
    files = {f"{PAGES_DIR}/{code}.md": template.render(**context).encode("utf-8"),
             f"{PAGES_DIR}/{code}.csv": rec.csv(),
             f"{PAGES_DIR}/{code}-cost.svg": cost_svg.encode("utf-8"),
             f"{PAGES_DIR}/{code}-cost.csv": cost_data}
    if mix_svg:
        files[f"{PAGES_DIR}/{code}-mix.svg"] = mix_svg.encode("utf-8")
        files[f"{PAGES_DIR}/{code}-mix.csv"] = mix_data
    return files


def index_file(p: Profiles, template: Any | None = None) -> bytes:
    """The index page ``profiles.md``: every municipality A-Z and by province."""
    template = template or _environment().get_template(INDEX_TEMPLATE)
    names = p.municipalities["name"]

    def link(code: str) -> str:
        return f"[{_md_escape(str(names[code]))}]({PAGES_DIR}/{code}.md)"

    def links(codes: list[str]) -> str:
        return " ·\n".join(link(c) for c in sorted(codes, key=lambda c: (_letter_key(names[c]), c)))

    by_letter: dict[str, list[str]] = {}
    for code, name in names.items():
        by_letter.setdefault(_letter_key(str(name))[:1].upper(), []).append(str(code))
    alphabet = [(letter, links(codes)) for letter, codes in sorted(by_letter.items())]
    letters = " · ".join(f"{{ref}}`{letter} <{LETTER_LABEL}{letter.lower()}>`" for letter, _ in alphabet)
    provinces = [(province, len(group), links(list(group.index)))
                 for province, group in p.municipalities.groupby("province", sort=True)]
    counts = p.benchmark.counts()
    text = template.render(
        boundary_year=p.spec.boundary_year, count=len(names), first_year=p.years[0], last_year=p.years[-1],
        bench_year=p.benchmark.year, above=int(counts["above"]), below=int(counts["below"]),
        within=int(counts["within"]), not_assessed=int(counts["not assessed"]), letters=letters,
        alphabet=alphabet, provinces=provinces, label_prefix=LETTER_LABEL)
    return text.encode("utf-8")


def render(p: Profiles) -> dict[str, bytes]:
    """Every file of the municipality pages, relative to ``book/``."""
    environment = _environment()
    page = environment.get_template(PAGE_TEMPLATE)
    files = {INDEX_PAGE: index_file(p, environment.get_template(INDEX_TEMPLATE))}
    for code in p.municipalities.index:
        files.update(municipality_files(p, str(code), page))
    return files


def specification(parameters: Mapping[str, Any]) -> E.Specification:
    """The book's specification from the notebook parameters (``analysis/params.yml``)."""
    return E.Specification(outcome="log_cost_per_youth", first_year=parameters.get("first_year"),
                           last_year=parameters.get("last_year"), boundary_year=parameters.get("boundary_year"),
                           driver_set=parameters.get("driver_set", "full"),
                           cluster=parameters.get("cluster", "municipality"),
                           carry_drivers_forward=bool(parameters.get("carry_drivers_forward", False)))


def generate(tables: dict[str, pd.DataFrame], parameters: Mapping[str, Any]) -> dict[str, bytes]:
    """Compute every municipality's numbers once and render all pages."""
    return render(municipality_profiles(tables, specification(parameters)))


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

@dataclass
class PageChanges:
    """What :func:`write_pages` did: files written (new or changed), removed (stale) and left alone."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        pages = sum(1 for f in self.written if f.endswith(".md"))
        return (f"{len(self.written)} file(s) written ({pages} page(s)), {len(self.removed)} removed, "
                f"{self.unchanged} unchanged")


def owned_files(book_dir: Path) -> list[Path]:
    """The files of ``book_dir`` that the pages consist of (the index and ``profiles/GM*``)."""
    folder = book_dir / PAGES_DIR
    found = {p for pattern in OWNED for p in folder.glob(pattern)} if folder.is_dir() else set()
    index = book_dir / INDEX_PAGE
    return sorted(found | ({index} if index.is_file() else set()))


def write_pages(files: Mapping[str, bytes], book_dir: Path) -> PageChanges:
    """Write ``files`` into ``book_dir`` where their content differs, and remove page files no longer made.

    A file whose bytes are unchanged keeps its modification time, so a later build sees which pages
    changed; a municipality that disappears (a merger in a new boundary year) loses its files.
    """
    changes = PageChanges()
    for relative, content in sorted(files.items()):
        path = book_dir / relative
        if path.is_file() and path.read_bytes() == content:
            changes.unchanged += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".tmp-{path.name}")
        temporary.write_bytes(content)
        temporary.replace(path)
        changes.written.append(relative)
    for path in owned_files(book_dir):
        relative = path.relative_to(book_dir).as_posix()
        if relative not in files:
            path.unlink()
            changes.removed.append(relative)
    return changes


def differences(files: Mapping[str, bytes], book_dir: Path) -> list[str]:
    """The page files of ``book_dir`` that differ from ``files``: changed, missing or no longer made."""
    out = [relative for relative, content in sorted(files.items())
           if not (book_dir / relative).is_file() or (book_dir / relative).read_bytes() != content]
    out += [p.relative_to(book_dir).as_posix() for p in owned_files(book_dir)
            if p.relative_to(book_dir).as_posix() not in files]
    return out


def build_pages(book_dir: Path, parameters: Mapping[str, Any], *,
                progress: Callable[[str], None] = lambda _: None) -> PageChanges:
    """Compute and write every municipality page into ``book_dir`` (the runner's step for the pages)."""
    from ..data.snapshot import load_snapshot

    files = generate(load_snapshot(), parameters)
    changes = write_pages(files, book_dir)
    progress(f"municipality pages: {changes.summary()}")
    return changes
