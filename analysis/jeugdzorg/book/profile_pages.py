"""The municipality pages, in Dutch: one Markdown page, two CSVs and two SVG figures per municipality, and the index.

:func:`jeugdzorg.analysis.profiles.municipality_profiles` computes every municipality's numbers in one
pass; this module rounds each number by its kind (:mod:`jeugdzorg.book.precision`), draws the
figures from the rounded numbers only (:mod:`jeugdzorg.book.svg`), writes the words around them
(templates ``analysis/templates/profile_page.md.j2`` and ``profiles_index.md.j2``) and returns the
files, which :func:`write_pages` writes where their content changed.  The pages are generated, not
executed one notebook each: 342 notebooks took about half an hour on two cores, these pages take
seconds.  Every number on them is checked by regenerating the pages and comparing them byte for byte
(``tests/book/test_profile_pages.py``), as nbval does for the chapters.

The pages are for Dutch readers (``lang: nl``; Dutch notation ``€ 2.220``, ``6,7%``, ``−5,9%``; the
terms of ``shared/dutch-terms.md``); the record of their numbers (the CSV) keeps English keys, since
it is data.  Files (relative to ``book/``): ``profiles.md`` (the index, A-Z with the other names of
:mod:`jeugdzorg.book.aliases`, and by province), ``_static/gemeenten.js`` (the finder's list), and
in ``profiles/`` per municipality ``GMxxxx.md``, ``GMxxxx.csv`` (every number of the page, with its
source and the edition), ``GMxxxx-nl.csv`` (the same for Dutch-locale spreadsheets),
``GMxxxx-cost.svg`` and ``GMxxxx-mix.svg``, each figure with the numbers it draws beside it
(``GMxxxx-cost.csv``, ``GMxxxx-mix.csv``; the HTML build puts their download under the figure).
"""

from __future__ import annotations

import datetime
import json
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
from ..analysis.flags import FLAGS, RESIDENCE_FLAGS, record
from ..analysis.profiles import SIZE_TERM, Profiles, municipality_profiles
from ..paths import TEMPLATES_DIR
from . import precision, svg
from .aliases import aliases, without_accents
from .edition import Edition, book_config, load_edition
from .need_benchmark_table import benchmark_numbers, flag_text, short_reason
from .publish import read_figure_data
from .tables import markdown_table

INDEX_PAGE = "profiles.md"
PAGES_DIR = "profiles"
PAGE_TEMPLATE = "profile_page.md.j2"
INDEX_TEMPLATE = "profiles_index.md.j2"
#: The finder's list of names, other names and GM codes, relative to ``book/``: a script rather than
#: JSON, so the finder works offline and from ``file://`` as well (no fetch).
FINDER_DATA = "_static/gemeenten.js"
#: Files in ``book/profiles/`` that this module owns: anything else there matching these is stale.
OWNED = ("GM*.md", "GM*.csv", "GM*.svg", "GM*.ipynb")
#: Label prefix of the letters of the A-Z index (labels are global in a Sphinx build).
LETTER_LABEL = "profiles-az-"
#: Where the pages live in the built site (for the "deze pagina citeren" line).
PAGE_ADDRESS = "book/profiles/{code}.html"
NOT_AVAILABLE = "niet beschikbaar"
MISSING = "–"
#: Columns of the medians in the page's tables (the captions say they are medians).
GROUP_LABELS = {"size_class": "Grootteklasse", "region": "Regio", "national": "Nederland"}
#: The groups as the CSV download names them (the record's keys stay English: they are data).
GROUP_MEASURES = {"size_class": "median of its size class", "region": "median of its youth-care region",
                  "national": "median of all municipalities"}
CATEGORY_LABELS = {"without residence": "Jeugdhulp zonder verblijf", "with residence": "Jeugdhulp met verblijf",
                   "protection and probation": "Jeugdbescherming en jeugdreclassering"}
#: The verdicts of the need benchmark in the pages' words (dutch-terms.md).
VERDICT_NL = {"above": "hoger dan verwacht", "below": "lager dan verwacht", "within": "binnen de verwachting",
              "not assessed": "geen oordeel"}
#: One year's position against the range seen for municipalities with these need drivers (context, not a verdict).
POSITION_NL = {"above": "erboven", "below": "eronder", "within": "erbinnen"}
#: The row of the benchmark table with the verdict (on the lasting gap).
VERDICT_ROW = "Oordeel (blijvend verschil)"
#: The source of each section's numbers (the pages' source lines and the CSV's ``source`` column).
SECTION_SOURCES = {
    "municipality": "CBS (gemeenten en bevolking)",
    "need benchmark": "CBS 83454NED, Maatstaven gemeentefonds; eigen berekening",
    "flags": "CBS 83454NED, CBS Iv3; eigen berekening",
    "cost": "CBS 83454NED, Maatstaven gemeentefonds",
    "use": "CBS 85098NED, 84134NED, 85099NED",
    "budget": "CBS 83454NED",
    "care mix": "CBS Iv3 (jaarrekening)",
    "need drivers": "CBS, Maatstaven gemeentefonds",
    "benchmark terms": "CBS 83454NED, Maatstaven gemeentefonds; eigen berekening",
    "similar municipalities": "CBS, Maatstaven gemeentefonds; eigen berekening",
    "accounts and budgets": "CBS Iv3 (jaarrekening en begroting)",
}
#: The need drivers in the pages' words: label and unit (a ``log`` driver is shown as its level).
DRIVER_LABELS_NL = {
    "low_income_minors_pct": ("Minderjarigen in een huishouden met een laag inkomen", "% van de minderjarigen"),
    "bijstand_pct": ("Inwoners met bijstand", "% van de inwoners van 15 tot en met 64 jaar"),
    "income_with_children_keur": ("Gemiddeld inkomen van gezinnen met kinderen", "€ 1.000 per jaar"),
    "single_parent_pct": ("Eenoudergezinnen met 2 of meer kinderen", "% van de gezinnen met kinderen"),
    "youth_share_pct": ("Inwoners van 0 tot en met 17 jaar", "% van de inwoners"),
    "log_address_density": ("Adressen per km²", "aantal"),
    "log_population": ("Inwoners", "aantal"),
    "psych_medication_per_100": ("Ouders met langdurig psychische medicijnen", "per 100 gezinnen met kinderen"),
}
#: The driver groups (and the size-class term) as the pages name them.
TERM_LABELS_NL = {"socio-economic": "Inkomen en bijstand", "socio-demographic": "Gezinnen en leeftijd",
                  "urbanity": "Stedelijkheid en aantal inwoners", "health": "Gezondheid van ouders",
                  SIZE_TERM: "Grootteklasse (geen kenmerk, zie onder)"}
COST_SOURCE = "Bron: CBS 83454NED, Maatstaven gemeentefonds; verwachting: eigen berekening"
MIX_SOURCE = "Bron: CBS Iv3 (jaarrekening)"
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")


# --------------------------------------------------------------------------------------------
# Rounding and Dutch notation
# --------------------------------------------------------------------------------------------

def rounded(value: Any, kind: str) -> float | int | None:
    """``value`` rounded by its kind; ``None`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return precision.rounded(float(value), kind)


def _dutch(text: str) -> str:
    """Python's number notation in Dutch: thousands point, decimal comma, a real minus sign."""
    return text.translate(str.maketrans({",": ".", ".": ",", "-": "\N{MINUS SIGN}"}))


def number(value: float | int | None, spec: str = ",.0f") -> str:
    """``2220`` -> ``'2.220'``, ``6.7`` (``'.1f'``) -> ``'6,7'``; "niet beschikbaar" for a missing value."""
    return NOT_AVAILABLE if value is None else _dutch(precision.fmt(value, spec))


def eur(value: float | int | None) -> str:
    """``'€ 2.220'`` (a no-break space after the sign), or "niet beschikbaar"."""
    return NOT_AVAILABLE if value is None else f"€\N{NO-BREAK SPACE}{number(value)}"


def pct(value: float | int | None, spec: str = ".1f") -> str:
    """``'6,7%'``, or "niet beschikbaar"."""
    return NOT_AVAILABLE if value is None else number(value, spec) + "%"


def signed_pct(value: float | None, spec: str = "+.0f") -> str:
    """``'+8%'``, ``'−5,9%'`` (``'+.1f'``), or "niet beschikbaar"."""
    return pct(value, spec)


def dutch_date(day: datetime.date) -> str:
    """``'1 januari 2025'``."""
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def size_class_nl(label: str | None) -> str:
    """A size class of :func:`jeugdzorg.analysis.need_benchmark.size_labels` in Dutch:
    ``'under 10,000'`` -> ``'minder dan 10.000'``, ``'100,000 or more'`` -> ``'100.000 of meer'``."""
    if not label:
        return NOT_AVAILABLE
    text = re.sub(r"(\d),(\d{3})", r"\1.\2", label)
    text = re.sub(r"^under ", "minder dan ", text)
    text = re.sub(r" or more$", " of meer", text)
    return re.sub(r"(\d)-(\d)", "\\1 tot \\2", text).replace(" / ", " en ")


def _letter_key(name: str) -> str:
    """Sort key of a name in the A-Z index: 's-Gravenhage under G, accents ignored."""
    return re.sub(r"^'[st][- ]", "", without_accents(name)).casefold()


def _table(frame: pd.DataFrame, *, index: bool = True) -> str:
    """A Markdown table of formatted cells whose first column (the row labels) is left-aligned and
    the others (numbers) right-aligned."""
    lines = markdown_table(frame.fillna(MISSING), index=index).data.split("\n")
    cells = lines[1].strip("|").split("|")
    lines[1] = "|" + "|".join([":---", *["---:"] * (len(cells) - 1)]) + "|"
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    """Text that Markdown reads literally in running prose (names with brackets or asterisks)."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _years(years: list[int]) -> str:
    """``'2019, 2020 en 2021'``."""
    return ", ".join(map(str, years[:-1])) + (" en " if len(years) > 1 else "") + str(years[-1])


# --------------------------------------------------------------------------------------------
# One municipality
# --------------------------------------------------------------------------------------------

@dataclass
class Records:
    """Every number of one page, rounded, in the long form of its CSV download.

    A number is shown on the page under its key ``(section, measure, year)``: ``value`` gives it
    back, so a test can tie each displayed number to its quantity.
    """

    code: str
    name: str
    edition: str = ""
    rows: list[tuple[str, str, str, str, Any, str]] = field(default_factory=list)

    COLUMNS = ("gm_code", "name", "section", "measure", "year", "unit", "value", "note", "source", "edition")
    #: The same columns for Dutch-locale spreadsheets.
    COLUMNS_NL = ("gemeentecode", "naam", "onderdeel", "meting", "jaar", "eenheid", "waarde", "toelichting", "bron",
                  "editie")

    def add(self, section: str, measure: str, year: int | str, unit: str, value: Any, note: str = "") -> Any:
        self.rows.append((section, measure, str(year), unit, value, note))
        return value

    def _rows(self) -> list[list[Any]]:
        return [[self.code, self.name, section, measure, year, unit, value, note, SECTION_SOURCES[section],
                 self.edition] for section, measure, year, unit, value, note in self.rows]

    def csv(self) -> bytes:
        """The machine-readable CSV: comma-separated, decimal point (figures are re-drawn from it)."""
        return _csv_bytes(list(self.COLUMNS), self._rows())

    def csv_nl(self) -> bytes:
        """The same numbers for Dutch-locale spreadsheets: ``;``-separated, decimal comma, with a
        byte-order mark so a spreadsheet reads the file as UTF-8."""
        rows = [[*row[:6], _decimal_comma(row[6]), *row[7:]] for row in self._rows()]
        frame = pd.DataFrame(rows, columns=list(self.COLUMNS_NL), dtype=object)
        return "\ufeff".encode("utf-8") + frame.to_csv(index=False, sep=";", lineterminator="\r\n",
                                                         na_rep="").encode("utf-8")


def _decimal_comma(value: Any) -> Any:
    return str(value).replace(".", ",") if isinstance(value, float) else value


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
        row: dict[str, Any] = {"Jaar": str(year), name: number(value) if value is not None else MISSING}
        for kind, label in GROUP_LABELS.items():
            median = rounded(_group_value(p, code, kind, year, "cost_median"), "eur")
            rec.add("cost", f"cost per inhabitant aged 0-17, {GROUP_MEASURES[kind]}", year, "EUR", median,
                    p.group_of(code, kind) or "")
            medians[kind].append(median)
            row[label] = MISSING if median is None else number(median)
        row["Opmerking"] = ("" if plausible else "geen kosten gemeld" if value is None
                            else "buiten het plausibele bereik: niet vergeleken")
        rows.append(row)
    table = pd.DataFrame(rows).set_index("Jaar")
    if not table["Opmerking"].astype(bool).any():
        table = table.drop(columns="Opmerking")

    bench = p.benchmark.table.loc[code]
    interval = None
    expected = rounded(bench["expected_eur"], "eur")
    bounds = {k: rounded(bench[k], "eur") for k in ("lower_90", "upper_90", "lower_95", "upper_95")}
    if expected is not None and None not in bounds.values():
        interval = svg.Interval(p.benchmark.year, expected, (bounds["lower_90"], bounds["upper_90"]),
                                (bounds["lower_95"], bounds["upper_95"]), "Verwachte kosten, bandbreedte 90%/95%",
                                "bandbreedte 90%", "bandbreedte 95%")

    plausible_years = [y for y, v in zip(years, own) if v is not None]
    if plausible_years:
        first, last = plausible_years[0], plausible_years[-1]
        i, j = years.index(first), years.index(last)
        size, region = medians["size_class"], medians["region"]
        if first == last:
            text = (f"Alleen over {last} zijn er plausibele gerealiseerde kosten: {eur(own[j])} per inwoner van 0 tot "
                    f"en met 17 jaar (mediaan van de grootteklasse {eur(size[j])}, van de regio {eur(region[j])}).")
        else:
            text = (f"De gerealiseerde kosten van jeugdzorg waren {eur(own[i])} per inwoner van 0 tot en met 17 jaar "
                    f"in {first} en {eur(own[j])} in {last}. In dezelfde jaren ging de mediaan van de grootteklasse "
                    f"van {eur(size[i])} naar {eur(size[j])}, die van de jeugdzorgregio van {eur(region[i])} naar "
                    f"{eur(region[j])}.")
    else:
        text = (f"{name} heeft over {years[0]}–{years[-1]} geen plausibele gerealiseerde kosten. De figuur toont "
                "alleen de medianen van de groepen.")
    missing = [y for y, v, c in zip(years, own, crosses) if v is None and c is None]
    if missing:
        text += f" Over {_years(missing)} zijn geen gerealiseerde kosten gemeld."

    def values(label: str, series: list[float | None]) -> str:
        shown = [f"{eur(v)} in {y}" for y, v in zip(years, series) if v is not None]
        return f"{label}: " + (", ".join(shown) if shown else "geen plausibel cijfer")

    alt = ("Lijngrafiek van de gerealiseerde kosten van jeugdzorg per inwoner van 0 tot en met 17 jaar, "
           f"{years[0]} tot en met {years[-1]}. " + "; ".join([
               values(name, own), values("mediaan van de grootteklasse", medians["size_class"]),
               values("mediaan van de jeugdzorgregio", medians["region"])]) + ".")
    if interval is not None:
        alt += (f" Verwachte kosten voor {p.benchmark.year}: {eur(interval.centre)}, bandbreedte 95% "
                f"{eur(interval.outer[0])} tot {eur(interval.outer[1])}.")
    bench_columns = ["need_benchmark_eur", "lower_90_eur", "upper_90_eur", "lower_95_eur", "upper_95_eur"]
    data = [[year, own[k], crosses[k], medians["size_class"][k], medians["region"][k],
             *([interval.centre, *interval.inner, *interval.outer] if interval is not None and year == interval.x
               else [None] * len(bench_columns))] for k, year in enumerate(years)]
    cost_data = _figure_csv(["year", "cost_per_youth_eur", "cost_outside_plausible_range_eur",
                             "size_class_median_eur", "region_median_eur", *bench_columns], data)
    figure = svg.cost_chart(read_figure_data(cost_data.decode("utf-8")), name=name, desc=alt, source=COST_SOURCE)
    return {"cost_text": text, "cost_table": _table(table), "cost_alt": alt, "cost_svg": figure,
            "cost_data": cost_data, "bench_shown": interval is not None}


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

    def interval(low: str, high: str, money: Callable[[Any], str] = eur) -> str:
        a, z = values[low], values[high]
        return NOT_AVAILABLE if a is None or z is None else f"{money(a)} tot {money(z)}"

    stated = (f"Gemeenten met de kenmerken van {name} (zoals inkomen, bijstand en eenoudergezinnen) hebben naar "
              f"verwachting kosten van **{eur(expected)}**. Bij gemeenten met deze kenmerken komen kosten voor van "
              f"{interval('lower_95', 'upper_95')} (bandbreedte {level}%).")
    has_gap = lasting["lasting_gap_pct"] is not None
    gap_text = (f"Over {window.replace('-', '–')} ligt {name} **blijvend {signed_pct(lasting['lasting_gap_pct'])}** "
                f"van de verwachting (bandbreedte {signed_pct(lasting['lasting_lower_pct'])} tot "
                f"{signed_pct(lasting['lasting_upper_pct'])}). Dat is het verschil dat blijft als we wegnemen wat van "
                "jaar tot jaar wisselt." if has_gap else "")
    if has_gap and code in b.own_years:
        gap_text += (" Dat verschil rust op de jaren vóór het nieuwe woonplaatsbeginsel, omdat die regel de kosten "
                     "mogelijk verschoof. Ook die jaren bevatten nog de kosten volgens de oude regel.")
    if verdict in ("above", "below", "within"):
        # The verdict first, so a reader on a phone sees it on the first screen; then how it was reached.
        if verdict == "within":
            text = ("**Binnen de verwachting.** " + gap_text + " Dat blijvende verschil is niet duidelijk en niet "
                    "groot genoeg voor een oordeel. De regel: de bandbreedte sluit nul uit, dat geldt ook na een "
                    "correctie voor het grote aantal gemeenten, en het verschil is minstens een tiende van de "
                    "verwachting. ")
        else:
            word = "meer" if verdict == "above" else "minder"
            text = (f"**Blijvend {VERDICT_NL[verdict]}:** {name} geeft jaar na jaar {word} uit dan de kenmerken "
                    "verklaren. " + gap_text + " ")
        text += (f"In {year} gaf {name} **{eur(actual)}** uit aan jeugdzorg per inwoner van 0 tot en met 17 jaar. "
                 + stated + " ")
        if position is not None:
            side = {"above": "boven", "below": "onder", "within": "binnen"}[position]
            text += (f"Dat jaar lagen de kosten {side} die bandbreedte ({signed_pct(gap)} ten opzichte van de "
                     "verwachting). Eén jaar zegt weinig: het oordeel gaat over alle jaren samen.")
    else:
        text = f"**Geen oordeel over {name}:** " + _reason_text(p, code, name, reason, year) + " "
        if expected is not None:
            text += ("Ter informatie: " + (f"werkelijke kosten {eur(actual)} in {year}; " if actual is not None else "")
                     + f"verwachte kosten {eur(expected)}, bandbreedte {interval('lower_95', 'upper_95')} ({level}%).")
    frame = pd.DataFrame({f"{year} (€)": [
        number(actual), number(expected), interval("lower_90", "upper_90", number),
        interval("lower_95", "upper_95", number),
        signed_pct(gap) if verdict != "not assessed" else MISSING,
        # One word or two (the sentence above says it in full): the table then fits a phone's width.
        POSITION_NL.get(position, MISSING) if position else MISSING,
        (f"{signed_pct(lasting['lasting_gap_pct'])} ({window.replace('-', '–')})"
         if has_gap and verdict != "not assessed" else MISSING),
        VERDICT_NL[verdict]]},
        index=pd.Index(["Werkelijke kosten", "Verwachte kosten bij deze kenmerken", "Bandbreedte 90%",
                        "Bandbreedte 95%", "Verschil met de verwachting", f"Dit jaar (bandbreedte {level}%)",
                        "Blijvend verschil", VERDICT_ROW],
                       name="Meting"))
    summary = (f"blijvend verschil {signed_pct(lasting['lasting_gap_pct'])} ({window.replace('-', '–')}): "
               f"{VERDICT_NL[verdict]}." if has_gap and verdict != "not assessed" else f"{VERDICT_NL[verdict]}.")
    return {"benchmark_text": text.strip(), "benchmark_table": _table(frame), "verdict_summary": summary}


def _driver_level(name: str, value: float | None) -> float | int | None:
    """A driver in the reader's unit, rounded: a ``log`` driver as its level (addresses, inhabitants)."""
    if value is None or pd.isna(value):
        return None
    if name.startswith("log_"):
        return rounded(float(np.exp(value)), "count")
    return rounded(value, "ratio_1" if name == "income_with_children_keur" else "pct")


def _driver_cell(name: str, value: float | int | None) -> str:
    if value is None:
        return MISSING
    return number(value, ",.0f" if name.startswith("log_") else ",.1f")


def _why_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    """The municipality's need drivers beside the national median and its peers, and how each group
    of drivers moves its benchmark from that of a municipality with median drivers."""
    year = p.benchmark.year
    own = p.drivers.loc[code]
    peers = list(p.peers.loc[code, "peer"]) if code in p.peers.index.get_level_values("gm_code") else []
    if own.isna().any() or not peers:
        return {"why_text": (f"De kenmerken van {name} over {year} zijn niet compleet. Daarom is er geen verwachting "
                             "en zijn er geen vergelijkbare gemeenten."), "why_table": None, "terms_table": None,
                "peers_table": None, "peers_text": ""}
    peer_median = p.drivers.loc[peers].median()
    rows = []
    for driver in p.drivers.columns:
        label, unit = DRIVER_LABELS_NL[driver]
        record_unit = {"log_address_density": "addresses per km2", "log_population": "inhabitants"}.get(
            driver, next(d.unit for d in P.DRIVERS if d.name == driver))
        values = [rec.add("need drivers", measure, year, record_unit, _driver_level(driver, v))
                  for measure, v in ((driver, own[driver]),
                                     (f"{driver}, median of all municipalities", p.driver_medians[driver]),
                                     (f"{driver}, median of the most similar municipalities", peer_median[driver]))]
        rows.append({"Kenmerk": f"{label} ({unit})", name: _driver_cell(driver, values[0]),
                     "Nederland (mediaan)": _driver_cell(driver, values[1]),
                     "Vergelijkbare gemeenten (mediaan)": _driver_cell(driver, values[2])})
    why = pd.DataFrame(rows).set_index("Kenmerk")

    reference = rec.add("benchmark terms", "benchmark of a municipality with median drivers", year, "EUR",
                        rounded(p.reference_benchmark, "eur"))
    expected = rounded(p.benchmark.table.at[code, "expected_eur"], "eur")
    terms = p.driver_terms.loc[code]
    shown = {term: rec.add("benchmark terms", term, year, "% of the benchmark with median drivers",
                           rounded(value, "pct")) for term, value in terms.items()}
    together = rec.add("benchmark terms", "all terms together", year, "% of the benchmark with median drivers",
                       rounded(100 * (np.prod(1 + terms.to_numpy() / 100) - 1), "pct"))
    terms_frame = pd.DataFrame({"Verschil met de middelste gemeente (%)": [
        signed_pct(v, "+.1f").rstrip("%") for v in [*shown.values(), together]]},
        index=pd.Index([*(TERM_LABELS_NL[t] for t in shown), "Samen"], name="Onderdeel"))
    biggest = max((t for t in shown if t != SIZE_TERM), key=lambda t: abs(shown[t] or 0))
    text = (f"Een gemeente met van elk kenmerk de middelste waarde van Nederland heeft verwachte kosten van "
            f"{eur(reference)} per inwoner van 0 tot en met 17 jaar. Voor {name} is dat {eur(expected)} "
            f"({signed_pct(together, '+.1f')}). De tweede tabel laat zien hoeveel elke groep kenmerken daaraan bijdraagt; "
            f"het meest de groep '{TERM_LABELS_NL[biggest].lower()}' ({signed_pct(shown[biggest], '+.1f')}). "
            "De bijdragen versterken of verzwakken elkaar: ze worden vermenigvuldigd, niet opgeteld, en staan daarom "
            "in procenten.")
    return {"why_text": text, "why_table": _table(why), "terms_table": _table(terms_frame),
            **_peers_section(p, code, name, peers, rec)}


def _peers_section(p: Profiles, code: str, name: str, peers: list[str], rec: Records) -> dict[str, Any]:
    year = p.benchmark.year
    table = p.benchmark.table
    rows = []
    for rank, peer in enumerate(peers, start=1):
        rec.add("similar municipalities", f"most similar municipality {rank}", year, "distance",
                rounded(p.peers.at[(code, rank), "distance"], "driver"), peer)
        actual = rounded(table.at[peer, "actual_eur"], "eur")
        expected = rounded(table.at[peer, "expected_eur"], "eur")
        rows.append({"Gemeente": f"[{_md_escape(str(table.at[peer, 'name']))}]({peer}.md)",
                     f"Werkelijke kosten {year} (€)": MISSING if actual is None else number(actual),
                     "Verwachte kosten (€)": MISSING if expected is None else number(expected),
                     "Oordeel": VERDICT_NL[str(table.at[peer, "verdict"])]})
    text = (f"Deze {len(peers)} gemeenten lijken in hun kenmerken het meest op {name}. De regel: de kleinste afstand "
            "over alle kenmerken samen, waarbij elk kenmerk is gedeeld door zijn spreiding over alle gemeenten. Zo "
            "telt elk kenmerk even zwaar. Hun kosten en verwachte kosten komen uit dezelfde berekening als die "
            f"van {name}.")
    return {"peers_text": text, "peers_table": _table(pd.DataFrame(rows).set_index("Gemeente"))}



def _flag_of_reason(reason: str) -> str | None:
    """The flag whose English rule (:mod:`jeugdzorg.analysis.flags`) a "not assessed" reason quotes."""
    return next((name for name, r in FLAGS.items() if r.rule("en") in reason), None)


def _reason_text(p: Profiles, code: str, name: str, reason: str, year: int) -> str:
    """Why the benchmark gives no verdict, in a sentence (the reasons of
    :func:`jeugdzorg.analysis.need_benchmark.need_benchmark`)."""
    if reason.startswith("flagged"):
        flag = _flag_of_reason(reason)
        rule = record(flag).rule("nl") if flag else "een regel op de gegevens"
        return (f"de kosten hebben een signaal: {rule}. De cijfers staan op deze pagina, met een markering. Ze tellen "
                "niet mee in de berekening van de verwachting, in ranglijsten en in uitspraken over hoger of lager dan "
                "verwacht (zie Signalen en breuken).")
    if reason.startswith("fewer than two years"):
        return (f"{name} heeft minder dan twee bruikbare jaren. Een blijvend verschil is pas van toeval te "
                "onderscheiden met minstens twee jaren (zie Signalen en breuken).")
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
            values["value"] = pct(rec.add("flags", "receipts from other municipalities", year,
                                          "% of spending on the care fields", rounded(100 * row.value, "pct_0"), flag),
                                  ".0f")
            values["reference"] = pct(rec.add("flags", "threshold of the rule", year, "%",
                                              rounded(100 * row.reference, "pct_0"), flag), ".0f")
        elif flag == "care_mix_outlier":
            values["value"] = pct(rec.add("flags", "care with residence, gross", year, "% of spending on the care fields",
                                          rounded(100 * row.value, "pct"), flag))
            values["reference"] = pct(rec.add("flags", "national median", year, "%",
                                              rounded(100 * row.reference, "pct"), flag))
        detail = rec_.detail("nl", **{k: values[k] for k in rec_.fields})
        if rec_.keeps_out_of_rankings:
            consequence = ("De cijfers zijn overal gemarkeerd. Ze tellen niet mee in de berekening van de verwachting, "
                           "in ranglijsten en in uitspraken over hoger of lager dan verwacht.")
        elif flag in RESIDENCE_FLAGS:
            consequence = ("Het blijvende verschil met de verwachting rust daarom op de jaren vóór de regel. Ook die "
                           "jaren bevatten nog de kosten volgens de oude regel.")
        else:
            consequence = "Het signaal markeert de cijfers; het oordeel over de verwachte kosten verandert er niet door."
        items.append(f"**{rec_.label('nl')}** ({year}): {detail} Wat het signaal betekent: {rec_.rule('nl')}. "
                     f"{consequence}")
    if not items:
        items.append(f"Er is geen signaal voor {name}." if p.care_mix_year is not None else
                     f"Er is geen signaal voor {name}. De kosten konden niet met de jaarrekening worden vergeleken, "
                     "want die zit niet in deze editie.")
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
        items.append(f"**Woonplaatsbeginsel, {year}:** sinds 1 januari {year} betaalt de gemeente waar een jongere "
                     "vlak voor een verblijf stond ingeschreven. Daarvoor betaalde de gemeente van de ouder met gezag, "
                     "of, bij voogdij door een instelling, de gemeente waar de jongere verbleef. De verandering van "
                     f"{name} van {year - 1} naar {year} past bij wat toeval geeft voor een gemeente van deze omvang. "
                     "De regel vindt hier dus geen verschuiving van kosten; een kleine verschuiving is niet uit te "
                     f"sluiten (mediaan van alle gemeenten: {signed_pct(median, '+.1f')}).")
    if p.use_switch is not None:
        year, old, new, jump = p.use_switch
        items.append(f"**Jongeren met jeugdzorg, {year}:** geteld uit CBS-tabel {new} in plaats van {old}. Het "
                     f"landelijke aantal springt bij de overstap {signed_pct(rounded(jump, 'pct'), '+.1f')} boven de "
                     f"trend. Een deel van de verandering naar {year} komt dus door de nieuwe tabel.")
    former = p.municipalities.at[code, "former"]
    if former:
        items.append(f"**Herindeling:** de jaren vóór de herindeling tellen de cijfers van {former} op.")
    cost = p.cost.loc[code]
    odd = [y for y in p.years if not pd.isna(cost.at[y, "cost_per_youth"]) and not bool(cost.at[y, "plausible"])]
    if odd:
        low, high = P.PLAUSIBLE_RANGE
        items.append(f"**Buiten het plausibele bereik:** de gemelde kosten over {_years(odd)} liggen buiten "
                     f"{number(low, 'g')} tot {number(high, 'g')} keer de landelijke mediaan van dat jaar. Dat is "
                     "mogelijk een registratiefout (bijvoorbeeld kosten die een regionaal orgaan boekt). Ze staan op "
                     "de pagina, maar we vergelijken ze niet.")
    return items


def _use_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    cost = p.cost.loc[code]
    rows, latest = [], None
    for year in p.years:
        own = rec.add("use", "youth help in kind", year, "% of inhabitants aged 0-17",
                      rounded(cost.at[year, "pct_youth_with_jeugdhulp"], "pct"))
        groups = {kind: rec.add("use", f"youth help in kind, {GROUP_MEASURES[kind]}", year, "% of inhabitants aged 0-17",
                                rounded(_group_value(p, code, kind, year, "use_median"), "pct"),
                                p.group_of(code, kind) or "") for kind in GROUP_LABELS}
        count = rec.add("use", "young people in care", year, "persons", rounded(cost.at[year, "youths_in_care"], "count"))
        row: dict[str, Any] = {"Jaar": str(year), f"{name} (%)": MISSING if own is None else number(own, ".1f")}
        for kind, label in GROUP_LABELS.items():
            row[f"{label} (%)"] = MISSING if groups[kind] is None else number(groups[kind], ".1f")
        row["Jongeren met jeugdzorg (aantal)"] = MISSING if count is None else number(count)
        rows.append(row)
        if own is not None:
            latest = (year, own, groups, count)
    table = pd.DataFrame(rows).set_index("Jaar")
    if latest is None:
        text = (f"Voor {name} is over {p.years[0]}–{p.years[-1]} geen cijfer over het gebruik van jeugdhulp in natura "
                "beschikbaar.")
    else:
        year, own, groups, count = latest
        text = (f"In {year} kreeg {pct(own)} van de inwoners van 0 tot en met 17 jaar van {name} jeugdhulp in natura "
                f"(mediaan van de grootteklasse {pct(groups['size_class'])}, van de regio {pct(groups['region'])}, "
                f"van alle gemeenten {pct(groups['national'])}).")
        if count is not None:
            text += f" {number(count)} jongeren kregen dat jaar jeugdhulp, jeugdbescherming of jeugdreclassering."
    return {"use_text": text, "use_table": _table(table)}


def _budget_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    rows = []
    own = p.budget.loc[code] if code in p.budget.index.get_level_values("gm_code") else p.budget.iloc[:0]
    gaps: dict[int, float | None] = {}
    for year in p.years:
        national = rec.add("budget", "Netherlands: realised against budget, screened", year, "%",
                           rounded(p.national_budget["overspend_pct"].get(year), "pct"))
        row = {"Jaar": str(year), "Begroting (€ 1.000)": MISSING, "Gerealiseerd (€ 1.000)": MISSING,
               "Verschil met begroting (%)": MISSING, "Nederland (%)": _pct_cell(national)}
        if year in own.index:
            r = own.loc[year]
            budget = rec.add("budget", "budgeted cost", year, "EUR 1,000", rounded(r["budgeted_keur"], "eur_keur"))
            realised = rec.add("budget", "realised cost", year, "EUR 1,000", rounded(r["realised_keur"], "eur_keur"))
            screened = bool(r["screened"])
            gaps[year] = rec.add("budget", "realised against budget", year, "%", rounded(r["overspend_pct"], "pct"),
                                 "screened: recording error" if screened else "")
            row.update({"Begroting (€ 1.000)": number(budget), "Gerealiseerd (€ 1.000)": number(realised),
                        "Verschil met begroting (%)": "registratiefout" if screened else _pct_cell(gaps[year])})
        rows.append(row)
    table = pd.DataFrame(rows).set_index("Jaar")
    in_years = [y for y in p.years if y in own.index]
    if not in_years:
        text = (f"{name} heeft over {p.years[0]}–{p.years[-1]} niet zowel een begroting als gerealiseerde kosten "
                "gemeld.")
    else:
        year = in_years[-1]
        r = own.loc[year]
        national = rounded(p.national_budget["overspend_pct"].get(year), "pct")
        if bool(r["screened"]):
            text = (f"In {year} verschillen de begroting en de gerealiseerde kosten die {name} meldde meer dan een "
                    f"factor twee ({eur(rounded(r['budgeted_keur'], 'eur_keur'))} duizend begroot, "
                    f"{eur(rounded(r['realised_keur'], 'eur_keur'))} duizend gerealiseerd). Dat lezen we als een "
                    "registratiefout, niet als een over- of onderschrijding.")
        else:
            gap = gaps[year]
            word = "boven" if gap > 0 else "onder" if gap < 0 else "gelijk aan"
            size = "" if gap == 0 else f"{pct(abs(gap))} "
            text = f"In {year} lagen de gerealiseerde kosten van jeugdzorg van {name} {size}{word} de begroting"
            text += (f". Voor alle gemeenten samen (zonder registratiefouten) was het verschil "
                     f"{signed_pct(national, '+.1f')}." if national is not None else ".")
        screened_years = [y for y in in_years if bool(own.at[y, "screened"])]
        if screened_years and screened_years != [year]:
            text += f" De cijfers van {_years(screened_years)} zijn aangemerkt als registratiefout."
    low, high = B.PLAUSIBLE_REALISATION
    return {"budget_text": text, "budget_table": _table(table),
            "screen": f"{number(low, 'g')} tot {number(high, 'g')} keer"}


def _pct_cell(value: float | None) -> str:
    return MISSING if value is None else number(value, "+.1f")


def _mix_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    year = p.care_mix_year
    if year is None or code not in p.care_mix.index.get_level_values("gm_code"):
        return {"mix_text": f"Er is geen jaarrekening (Iv3) van {name} beschikbaar.", "mix_figure": None,
                "mix_svg": None}
    own = p.care_mix.loc[code]
    categories = [c for c in CATEGORY_LABELS if c in own.index]
    keur = {c: rec.add("care mix", c, year, "EUR 1,000", rounded(own.at[c, "lasten_keur"], "eur_keur"))
            for c in categories}
    share = {c: rec.add("care mix", f"{c}, share", year, "% of the care fields", rounded(own.at[c, "share_pct"], "pct"))
             for c in categories}
    national = {c: rec.add("care mix", f"Netherlands: {c}, share", year, "% of the care fields",
                           rounded(p.national_mix.get(c), "pct")) for c in categories}
    total = sum(v for v in keur.values() if v is not None) if any(v is not None for v in keur.values()) else None
    labels = [CATEGORY_LABELS[c] for c in categories]
    frame = pd.DataFrame({f"{name} (€ 1.000)": [number(keur[c]) for c in categories],
                          f"{name} (%)": [number(share[c], ".1f") for c in categories],
                          "Nederland (%)": [number(national[c], ".1f") for c in categories]},
                         index=pd.Index(labels, name="Zorgvorm"))
    frame.loc["Totaal"] = [number(total), number(100.0, ".1f") if total else MISSING, number(100.0, ".1f")]
    if not total:
        return {"mix_text": f"De jaarrekening over {year} van {name} boekt geen uitgaven op de taakvelden van "
                            "jeugdzorg.", "mix_figure": None, "mix_svg": None}
    parts = ", ".join(f"{pct(share[c])} {CATEGORY_LABELS[c].lower()}" for c in categories)
    nl = ", ".join(pct(national[c]) for c in categories)
    million = rounded(total / 1000, "eur_million")
    text = (f"In de jaarrekening over {year} gaf {name} €\N{NO-BREAK SPACE}{number(million, ',.1f')} miljoen uit aan "
            f"de drie taakvelden van jeugdzorg: {parts} (Nederland: {nl}).")
    alt = (f"Staafdiagram van de verdeling van de bruto uitgaven over de taakvelden van jeugdzorg in de jaarrekening "
           f"over {year}. {name}: {parts}. Nederland: "
           + ", ".join(f"{pct(national[c])} {CATEGORY_LABELS[c].lower()}" for c in categories) + ".")
    mix_data = _figure_csv(["care_field", "municipality_share_pct", "netherlands_share_pct"],
                           [[CATEGORY_LABELS[c], share[c], national[c]] for c in categories])
    figure = svg.mix_chart(read_figure_data(mix_data.decode("utf-8")), name=name, year=year, desc=alt,
                           source=MIX_SOURCE)
    return {"mix_text": text, "mix_table": _table(frame), "mix_alt": alt, "mix_svg": figure, "mix_data": mix_data,
            "mix_year": year}


def _latest_section(p: Profiles, code: str, name: str, rec: Records) -> dict[str, Any]:
    """The newest years the sources hold beyond the cost series: the Iv3 accounts and budgets of the
    three youth-care task fields (another scope than CBS 83454NED's cost, and said so)."""
    frame = p.accounts_budgets
    if code not in frame.index.get_level_values("gm_code"):
        return {"latest_text": f"Er zijn geen jaarrekeningen of begrotingen (Iv3) van {name} beschikbaar.",
                "latest_table": None}
    own = frame.loc[code]
    rows, realised, budgeted = [], {}, {}
    for year, r in own.iterrows():
        realised[year] = rec.add("accounts and budgets", "spending on the three care fields, accounts (Iv3)", year,
                                 "EUR 1,000", rounded(r["realised"], "eur_keur"))
        budgeted[year] = rec.add("accounts and budgets", "spending on the three care fields, budget (Iv3)", year,
                                 "EUR 1,000", rounded(r["budgeted"], "eur_keur"))
        rows.append({"Jaar": str(year), "Jaarrekening (€ 1.000)": number(realised[year]).replace(NOT_AVAILABLE, MISSING),
                     "Begroting (€ 1.000)": number(budgeted[year]).replace(NOT_AVAILABLE, MISSING)})
    accounts = [y for y, v in realised.items() if v is not None]
    budgets = [y for y, v in budgeted.items() if v is not None]
    text = (f"De kosten hierboven lopen tot en met {p.years[-1]} (CBS). Nieuwere cijfers staan in de jaarrekeningen en "
            f"begrotingen van {name} (Iv3).")
    if accounts and budgets:
        last_a, last_b = accounts[-1], budgets[-1]

        def million(value: float) -> str:
            return f"€\N{NO-BREAK SPACE}{number(rounded(value / 1000, 'eur_million'), ',.1f')} miljoen"

        change = rounded(100 * (budgeted[last_b] / realised[last_a] - 1), "pct") if realised[last_a] else None
        text += (f" In de begroting voor {last_b} staat {million(budgeted[last_b])} voor de drie taakvelden van "
                 f"jeugdzorg; de jaarrekening over {last_a} kwam uit op {million(realised[last_a])}"
                 + (f" ({signed_pct(change, '+.1f')} in de begroting voor {last_b})." if change is not None else "."))
        if change is not None:
            rec.add("accounts and budgets", f"budget {last_b} against accounts {last_a}", last_b, "%", change)
    text += (" Deze cijfers tellen de bruto lasten op de taakvelden van jeugdzorg op. Dat is een andere afbakening "
             "dan de kosten van het CBS hierboven: vergelijk ze alleen met elkaar.")
    return {"latest_text": text, "latest_table": _table(pd.DataFrame(rows).set_index("Jaar"))}


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)


@dataclass(frozen=True)
class Citation:
    """What the "deze pagina citeren" line of a page needs: the edition and where the site lives."""

    edition: Edition
    base_url: str | None = None

    def address(self, code: str) -> str:
        """The page's address: the base URL joined with its path, or the path alone while none is set."""
        path = PAGE_ADDRESS.format(code=code)
        return f"{self.base_url}/{path}" if self.base_url else path

    def line(self, code: str, name: str) -> str:
        e = self.edition
        return (f"{e.authors} ({e.date.year}). {name} ({code}), gemeentepagina. In: {e.title} Versie {e.version} "
                f"(editie van {dutch_date(e.date)}). {self.address(code)}")


def load_citation() -> Citation:
    """The edition of the data snapshot and the site's base URL (``html.baseurl`` of ``_config.yml``)."""
    config = book_config()
    base = str((config.get("html") or {}).get("baseurl") or "").strip().rstrip("/")
    return Citation(load_edition(), base or None)


def municipality_files(p: Profiles, code: str, citation: Citation, template: Any | None = None) -> dict[str, bytes]:
    """The files of one municipality's page, relative to ``book/``."""
    template = template or _environment().get_template(PAGE_TEMPLATE)
    m = p.municipalities.loc[code]
    name = str(m["name"])
    rec = Records(code, name, citation.edition.version)
    inhabitants = rec.add("municipality", "inhabitants", p.spec.boundary_year, "persons", rounded(m["inhabitants"], "count"))
    youth = rec.add("municipality", "inhabitants aged 0-17", p.benchmark.year, "persons",
                    rounded(p.benchmark.table.at[code, "inhabitants_0_17"], "count"))
    context: dict[str, Any] = {
        "name": _md_escape(name), "code": code, "aliases": ", ".join(aliases(code, name)),
        "province": m["province"], "region": m["jz_region"], "inhabitants": number(inhabitants),
        "youth": None if youth is None else number(youth), "register_year": p.spec.boundary_year,
        "bench_year": p.benchmark.year, "size_class": size_class_nl(m["size_class"]),
        "class_n": len(p.group_members(code, "size_class")), "region_n": len(p.group_members(code, "region")),
        "boundary_year": p.spec.boundary_year, "former": m["former"], "first_year": p.years[0],
        "last_year": p.years[-1], "switch_year": p.use_switch[0] if p.use_switch else NOT_AVAILABLE,
        "cost_figure": f"{code}-cost.svg", "csv": f"{code}.csv", "csv_nl": f"{code}-nl.csv",
        "mix_year": p.care_mix_year, "citation": _md_escape(citation.line(code, name)),
        "edition": citation.edition.version, "edition_date": dutch_date(citation.edition.date),
        "bench_source": SECTION_SOURCES["need benchmark"], "cost_source": SECTION_SOURCES["cost"],
    }
    context.update(_benchmark_section(p, code, name, rec))
    context.update(_why_section(p, code, name, rec))
    context["flags"] = _flag_items(p, code, name, rec)
    context["breaks"] = _break_items(p, code, name)
    context.update(_cost_section(p, code, name, rec))
    context.update(_use_section(p, code, name, rec))
    context.update(_budget_section(p, code, name, rec))
    context.update(_latest_section(p, code, name, rec))
    context.update(_mix_section(p, code, name, rec))
    context["description"] = json.dumps(
        f"Jeugdzorg in {name} ({code}): {context.pop('verdict_summary')} Kosten, gebruik, begroting en zorgvormen "
        f"per jaar, met bronnen. Editie {citation.edition.version}.", ensure_ascii=False)
    cost_svg, mix_svg = context.pop("cost_svg"), context.pop("mix_svg")
    cost_data, mix_data = context.pop("cost_data"), context.pop("mix_data", None)
    context["mix_figure"] = f"{code}-mix.svg" if mix_svg else None
    files = {f"{PAGES_DIR}/{code}.md": template.render(**context).encode("utf-8"),
             f"{PAGES_DIR}/{code}.csv": rec.csv(),
             f"{PAGES_DIR}/{code}-nl.csv": rec.csv_nl(),
             f"{PAGES_DIR}/{code}-cost.svg": cost_svg.encode("utf-8"),
             f"{PAGES_DIR}/{code}-cost.csv": cost_data}
    if mix_svg:
        files[f"{PAGES_DIR}/{code}-mix.svg"] = mix_svg.encode("utf-8")
        files[f"{PAGES_DIR}/{code}-mix.csv"] = mix_data
    return files


def other_names(p: Profiles) -> list[tuple[str, str, str]]:
    """``(other name, GM code, official name)`` for the A-Z index: every other name of
    :func:`jeugdzorg.book.aliases.aliases` except the official name without its accents (which sorts
    in the same place)."""
    out = []
    for code, name in p.municipalities["name"].items():
        for alias in aliases(str(code), str(name)):
            if alias != without_accents(str(name)):
                out.append((alias, str(code), str(name)))
    return out


def finder_data(p: Profiles) -> bytes:
    """The finder's list (``book/_static/gemeenten.js``): ``[code, name, province, other names...]``
    per municipality, alphabetical, as a script that sets ``window.JZ_GEMEENTEN``."""
    rows = [[str(code), str(m["name"]), str(m["province"]), *aliases(str(code), str(m["name"]))]
            for code, m in p.municipalities.iterrows()]
    body = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return ("// Written by jeugdzorg.book.profile_pages: the municipalities the finder searches.\n"
            f"window.JZ_GEMEENTEN = {body};\n").encode("utf-8")


def benchmark_table_nl(p: Profiles, link: Callable[[str], str]) -> pd.DataFrame:
    """The benchmark table of the maps chapter in Dutch, for the index: the verdict first, then the
    lasting gap, the actual and expected cost, the 95% range and the signals, from the same rounded
    numbers as the chapter's table (:func:`jeugdzorg.book.need_benchmark_table.benchmark_numbers`)."""
    bench = p.benchmark.table
    numbers = benchmark_numbers(p.benchmark)
    by_code = p.flags.groupby("gm_code")["flag"].agg(lambda f: sorted(set(f)))
    ranking = set(p.flags.loc[p.flags["ranking"], "flag"])

    def whole(value: float) -> str:
        return MISSING if pd.isna(value) else number(value)

    def signed(value: float) -> str:
        return number(value, "+.0f")

    rows = []
    for code in p.municipalities.index:
        n, row = numbers.loc[code], bench.loc[code]
        signals = flag_text(by_code.get(code, []), ranking, "nl")
        if row["verdict"] == "not assessed" and not str(row["reason"]).startswith("flagged"):
            signals = "; ".join(t for t in (signals, short_reason(str(row["reason"]), "nl")) if t)
        lasting = (MISSING if pd.isna(n["lasting_gap_pct"]) else
                   f"{signed(n['lasting_gap_pct'])} ({signed(n['lasting_lower_pct'])} tot {signed(n['lasting_upper_pct'])})")
        range_95 = (MISSING if pd.isna(n["lower_95"]) or pd.isna(n["upper_95"]) else
                    f"{whole(n['lower_95'])}\N{EN DASH}{whole(n['upper_95'])}")
        rows.append({"Gemeente": link(str(code)), "Oordeel": VERDICT_NL[str(row["verdict"])],
                     "Blijvend verschil (%)": lasting, "Werkelijke kosten (€)": whole(n["actual_eur"]),
                     "Verwachte kosten (€)": whole(n["expected_eur"]), "Bandbreedte 95% (€)": range_95,
                     "Signalen": _md_escape(signals) or MISSING})
    return pd.DataFrame(rows)


def index_file(p: Profiles, template: Any | None = None) -> bytes:
    """The index page ``profiles.md``: every municipality A-Z (with their other names) and by province."""
    template = template or _environment().get_template(INDEX_TEMPLATE)
    names = p.municipalities["name"]

    def link(code: str) -> str:
        return f"[{_md_escape(str(names[code]))}]({PAGES_DIR}/{code}.md)"

    def links(codes: list[str]) -> str:
        return " ·\n".join(link(c) for c in sorted(codes, key=lambda c: (_letter_key(names[c]), c)))

    entries: dict[str, list[tuple[str, str, str]]] = {}
    for code, name in names.items():
        entries.setdefault(_letter_key(str(name))[:1].upper(), []).append((_letter_key(str(name)), str(code), link(code)))
    for alias, code, name in other_names(p):
        shown = f"{_md_escape(alias)} → [{_md_escape(name)}]({PAGES_DIR}/{code}.md)"
        entries.setdefault(_letter_key(alias)[:1].upper(), []).append((_letter_key(alias), code, shown))
    alphabet = [(letter, " ·\n".join(shown for _, _, shown in sorted(items)))
                for letter, items in sorted(entries.items())]
    letters = " · ".join(f"{{ref}}`{letter} <{LETTER_LABEL}{letter.lower()}>`" for letter, _ in alphabet)
    provinces = [(province, len(group), links(list(group.index)))
                 for province, group in p.municipalities.groupby("province", sort=True)]
    counts = p.benchmark.counts()
    rows = benchmark_table_nl(p, link)
    text = template.render(benchmark_table=_table(rows.set_index("Gemeente")),
        boundary_year=p.spec.boundary_year, count=len(names), first_year=p.years[0], last_year=p.years[-1],
        bench_year=p.benchmark.year, above=int(counts["above"]), below=int(counts["below"]),
        within=int(counts["within"]), not_assessed=int(counts["not assessed"]), letters=letters,
        alphabet=alphabet, provinces=provinces, label_prefix=LETTER_LABEL)
    return text.encode("utf-8")


def render(p: Profiles, citation: Citation | None = None) -> dict[str, bytes]:
    """Every file of the municipality pages, relative to ``book/``."""
    citation = citation or load_citation()
    environment = _environment()
    page = environment.get_template(PAGE_TEMPLATE)
    files = {INDEX_PAGE: index_file(p, environment.get_template(INDEX_TEMPLATE)), FINDER_DATA: finder_data(p)}
    for code in p.municipalities.index:
        files.update(municipality_files(p, str(code), citation, page))
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
    extra = {book_dir / INDEX_PAGE, book_dir / FINDER_DATA}
    return sorted(found | {path for path in extra if path.is_file()})


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
