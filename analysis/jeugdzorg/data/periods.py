"""The period grammar of CBS tables: which labels mean a year, which a part of a year.

CBS writes periods in two forms, and both occur in the exports this project reads:

* the **label** form of StatLine's CSV export, in Dutch: ``2019``, ``1e halfjaar 2019`` or
  ``2019 1e halfjaar``, ``3e kwartaal 2019``, ``januari 2019`` or ``2019 januari``, a reference date
  such as ``1 januari 2019`` or ``31-12-2019``;
* the **code** form of the OData API (what the live loader writes): ``2019JJ00`` (year), ``2019HJ01``
  (half-year), ``2019KW03`` (quarter), ``2019MM01`` (month).

A year may carry CBS's marker for provisional figures: an asterisk (``2022*``, ``2022**``) or the
words ``voorlopig`` / ``nader voorlopig`` (``2022 voorlopig``, ``2022 (nader voorlopig)``).  Such a
year is read as that year and recorded as provisional; ``definitief`` marks a final figure.

:func:`parse_period` turns one label into a :class:`Period`; anything outside this grammar is an
error naming file, row and value, never a silently dropped row.  :func:`annual_rows` keeps the
calendar years of a table and reports which other kinds it skipped, for the manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..errors import InputDataError

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
_MONTH = "(?P<month>" + "|".join(MONTHS) + ")"
#: Provisional / final markers after a year (``*``, ``voorlopig``, ``nader voorlopig``, ``definitief``).
_MARKER = r"(?P<marker>\s*\*{1,2}|\s+\(?(?:nader\s+)?voorlopig(?:e\s+cijfers)?\)?|\s+\(?definitief\)?)?"

#: Kinds of period, in the order the book names them.
KINDS = ("year", "half-year", "quarter", "month", "reference date")

_GRAMMAR: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind) for pattern, kind in (
        (rf"^(?P<year>\d{{4}})(?:JJ00)?{_MARKER}$", "year"),
        (rf"^(?P<n>[12])e halfjaar (?P<year>\d{{4}}){_MARKER}$", "half-year"),
        (rf"^(?P<year>\d{{4}}) (?P<n>[12])e halfjaar{_MARKER}$", "half-year"),
        (rf"^(?P<year>\d{{4}})HJ0(?P<n>[12]){_MARKER}$", "half-year"),
        (rf"^(?P<n>[1-4])e kwartaal (?P<year>\d{{4}}){_MARKER}$", "quarter"),
        (rf"^(?P<year>\d{{4}}) (?P<n>[1-4])e kwartaal{_MARKER}$", "quarter"),
        (rf"^(?P<year>\d{{4}})KW0(?P<n>[1-4]){_MARKER}$", "quarter"),
        (rf"^(?P<year>\d{{4}})MM(?P<n>0[1-9]|1[0-2]){_MARKER}$", "month"),
        (rf"^{_MONTH} (?P<year>\d{{4}}){_MARKER}$", "month"),
        (rf"^(?P<year>\d{{4}}) {_MONTH}{_MARKER}$", "month"),
        (rf"^(?P<day>\d{{1,2}}) {_MONTH} (?P<year>\d{{4}})$", "reference date"),
        (r"^(?P<day>\d{1,2})-(?P<n>\d{1,2})-(?P<year>\d{4})$", "reference date"),
        (r"^(?P<year>\d{4})-(?P<n>\d{2})-(?P<day>\d{2})$", "reference date"),
    ))

_EXAMPLES = ("'2019'", "'2019*'", "'2019 voorlopig'", "'2019JJ00'", "'1e halfjaar 2019'", "'2019KW02'",
             "'januari 2019'", "'31 december 2019'")


@dataclass(frozen=True)
class Period:
    """One parsed period label.

    Attributes
    ----------
    year
        The calendar year.
    kind
        One of :data:`KINDS`.
    number
        The half-year, quarter or month (1-based); the month of a reference date; 0 for a year.
    provisional
        CBS marked the figures of this period as provisional (``*``, ``voorlopig``).
    """

    year: int
    kind: str
    number: int = 0
    provisional: bool = False


def parse_period(label: str, name: str, column: str, line: int) -> Period:
    """Parse a CBS period label (see the module docstring for the grammar).

    Raises
    ------
    InputDataError
        For a label outside the grammar, naming file, column, row and the label.
    """
    text = " ".join(str(label).split())
    for pattern, kind in _GRAMMAR:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        number = int(groups.get("n") or 0)
        if groups.get("month"):
            number = MONTHS.index(groups["month"].lower()) + 1
        if kind == "reference date" and not (1 <= number <= 12 and 1 <= int(groups["day"]) <= 31):
            break
        marker = (groups.get("marker") or "").strip().lower()
        provisional = bool(marker) and "definitief" not in marker
        return Period(int(groups["year"]), kind, number, provisional)
    raise InputDataError(name, f"unknown period label {label!r} (expected e.g. {', '.join(_EXAMPLES)})",
                         column=column, row=line)


def annual_rows(frame: pd.DataFrame, name: str, column: str = "Perioden") -> pd.DataFrame:
    """Keep the calendar-year rows and add ``year`` (int) and ``provisional`` (bool) columns.

    Every label is parsed, so an unknown format is an error.  Half-years, quarters, months and
    reference dates are dropped: the tables that carry them also carry the year.  Which kinds were
    dropped is in ``attrs['skipped']`` (kind -> number of rows), for the manifest.
    """
    parsed = [parse_period(label, name, column, line) for line, label in frame[column].items()]
    keep = [p.kind == "year" for p in parsed]
    out = frame.loc[keep].copy()
    out["year"] = [p.year for p in parsed if p.kind == "year"]
    out["provisional"] = [p.provisional for p in parsed if p.kind == "year"]
    skipped: dict[str, int] = {}
    for p in parsed:
        if p.kind != "year":
            skipped[p.kind] = skipped.get(p.kind, 0) + 1
    out.attrs["skipped"] = {kind: skipped[kind] for kind in KINDS if kind in skipped}
    return out


def describe_skipped(skipped: dict[str, int]) -> str:
    """``'half-years and quarters not used'`` from ``{'half-year': 10, 'quarter': 4}``; '' if none."""
    kinds = [f"{kind}s" for kind in KINDS if kind in skipped]
    if not kinds:
        return ""
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return f"{listed} not used"
