"""CBS periods by what they are: a year, or a part of a year.

CBS writes periods as StatLine labels (``2019``, ``1e halfjaar 2019``, ``2019 1e halfjaar``,
``januari 2019``, ``31 december 2019``, ``2022*``, ``2022 (nader voorlopig)``) and as OData codes
(``2019JJ00``, ``2019HJ01``, ``2019KW03``, ``2019MM01``, ``2019X000``); spellings differ between
tables and editions.  Rather than listing whole labels, a label is cut into words and read from
vocabularies:

* exactly one **year** (four digits), possibly with a year word (``jaar``, ``year``, code ``JJ00``);
* **status** words and marks: provisional (``voorlopig``, ``nader voorlopig``, ``voorlopige cijfers``,
  ``provisional``, ``preliminary``, ``*``), revised (``herzien``, ``revised``), final
  (``definitief``, ``final``);
* **parts of a year**: a half (``halfjaar``, ``helft``, ``half``, ``HJ``, ``H``), a quarter (``kwartaal``,
  ``quarter``, ``KW``, ``Q``), a month (Dutch or English names and abbreviations, ``maand``, ``month``,
  ``MM``, ``M``), a week (``week``, ``wk``, ``W``), a reference date (day and month, in words or
  digits, ``31-12-2019`` or ``2019-12-31``), or another CBS period code (``X``), each with its
  number as a digit, an ordinal (``1e``, ``1ste``, ``2nd``) or a word (``eerste``, ``first``).

Words may come in any order, in any case, with or without spaces or punctuation between them
(``2019-Q1``, ``Q1 2019``, ``1ekwartaal 2019``).  A label naming only a year (and a status) is that
year; a year plus a part of it is sub-year and skipped with a notice (:func:`annual_rows`); a label
with any other word, no year, two years, or a part without a valid number stops the import naming
file, column, row and label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..errors import InputDataError

#: Kinds of period, in the order the book names them.
KINDS = ("year", "half-year", "quarter", "month", "week", "reference date", "other period")

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("januari", "january", "jan"), ("februari", "february", "feb", "febr"), ("maart", "march", "mrt", "mar", "maa"),
    ("april", "apr"), ("mei", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"), ("augustus", "august", "aug"),
    ("september", "sep", "sept"), ("oktober", "october", "okt", "oct"), ("november", "nov"),
    ("december", "dec"))
MONTH_WORDS = {word: number for number, words in enumerate(_MONTH_NAMES, 1) for word in words}

#: A part of a year: words and codes -> (kind, largest number).
UNIT_WORDS = {
    **dict.fromkeys(("halfjaar", "half", "helft", "halfyear", "hj", "h", "semester"), "half-year"),
    **dict.fromkeys(("kwartaal", "kwartalen", "kw", "quarter", "qtr", "q"), "quarter"),
    **dict.fromkeys(("maand", "month", "mm", "m"), "month"),
    **dict.fromkeys(("week", "wk", "w"), "week"),
    "x": "other period",
}
_LARGEST = {"half-year": 2, "quarter": 4, "month": 12, "week": 53}
#: Words that only say "this is a year": ``jaar 2019``, ``2019 (year)``, code ``2019JJ00``.
YEAR_WORDS = frozenset({"jaar", "year", "kalenderjaar", "calendar", "jj"})
PROVISIONAL_WORDS = frozenset({"voorlopig", "voorlopige", "nader", "provisional", "preliminary", "*"})
REVISED_WORDS = frozenset({"herzien", "herziene", "revised", "bijgesteld"})
FINAL_WORDS = frozenset({"definitief", "definitieve", "final"})
#: What the status words qualify (``voorlopige cijfers``, ``final figures``).
STATUS_NOUNS = frozenset({"cijfers", "figures", "status"})
ORDINAL_WORDS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "first": 1, "second": 2, "third": 3,
                 "fourth": 4}
#: What may follow a number to make it an ordinal: 1e, 1ste, 2de, 1st, 2nd, 3rd, 4th.
ORDINAL_SUFFIXES = frozenset({"e", "ste", "de", "st", "nd", "rd", "th"})
#: Words that join a part of the year to the rest (``first quarter of 2019``, ``peildatum 1 januari``);
#: ``t/m`` is not among them: a range of periods is not one period.
FILLER_WORDS = frozenset({"the", "de", "het", "of", "in", "per", "op", "on", "as", "at", "peildatum", "reference",
                          "date"})

_VOCABULARY = (set(MONTH_WORDS) | set(UNIT_WORDS) | YEAR_WORDS | PROVISIONAL_WORDS | REVISED_WORDS | FINAL_WORDS
               | STATUS_NOUNS | set(ORDINAL_WORDS) | ORDINAL_SUFFIXES | FILLER_WORDS)
#: Words a run-together token may be cut into (``1ekwartaal``, ``voorlopigecijfers``); one-letter codes
#: only stand on their own (``Q1``, ``2019M03``), so that no stray word is read as a code.
_PIECES = frozenset(w for w in _VOCABULARY if len(w) > 1) | {"e"}

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
        The half-year, quarter, month or week (1-based); the month of a reference date; 0 for a year.
    provisional
        CBS marked the figures of this period as provisional (``*``, ``voorlopig``).
    """

    year: int
    kind: str
    number: int = 0
    provisional: bool = False


def tokens(label: str) -> list[str]:
    """The words of a label: lower case, digits and letters apart, punctuation dropped, ``*`` kept,
    run-together words cut into vocabulary words where they can be (else kept whole)."""
    text = str(label).casefold().replace("*", " * ")
    text = re.sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " ", text)
    out: list[str] = []
    for word in re.findall(r"\d+|[^\W\d_]+|\*", text):
        out.extend(_segment(word) if word.isalpha() and word not in _VOCABULARY else [word])
    return out


@lru_cache(maxsize=4096)
def _segment(word: str) -> tuple[str, ...]:
    """``word`` as a sequence of vocabulary pieces (fewest pieces first), or ``(word,)`` if none."""
    best: list[tuple[str, ...] | None] = [()] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(end):
            piece, before = word[start:end], best[start]
            if before is not None and piece in _PIECES and (best[end] is None or len(before) + 1 < len(best[end])):
                best[end] = (*before, piece)
    return best[-1] or (word,)


def parse_period(label: str, name: str, column: str, line: int) -> Period:
    """Read a CBS period label or code (see the module docstring).

    Raises
    ------
    InputDataError
        For a label that is not a year or a part of one, naming file, column, row and the label.
    """
    period = _period(str(label))
    if period is None:
        raise InputDataError(name, f"unknown period label {label!r} (expected e.g. {', '.join(_EXAMPLES)})",
                             column=column, row=line)
    return period


@lru_cache(maxsize=4096)
def _period(label: str) -> Period | None:
    """The period a label names, or ``None`` (cached: a table repeats its labels per region)."""
    return _read(tokens(label))


def _read(words: list[str]) -> Period | None:
    """The period the words name, or ``None`` if they do not name one."""
    years = [i for i, w in enumerate(words) if w.isdigit() and len(w) == 4 and 1800 <= int(w) <= 2200]
    if len(years) != 1:
        return None
    year_at = years[0]
    numbers: list[tuple[int, int]] = []  # (position, value)
    units: set[str] = set()
    months: list[int] = []
    status: set[str] = set()
    year_word = filler = False
    for i, word in enumerate(words):
        if i == year_at:
            continue
        if word.isdigit():
            numbers.append((i, int(word)))
        elif word in ORDINAL_WORDS:
            numbers.append((i, ORDINAL_WORDS[word]))
        elif word in ORDINAL_SUFFIXES and i > 0 and words[i - 1].isdigit() and i - 1 != year_at:
            continue
        elif word in MONTH_WORDS:
            months.append(MONTH_WORDS[word])
        elif word in UNIT_WORDS:
            units.add(UNIT_WORDS[word])
        elif word in YEAR_WORDS:
            year_word |= not (i > 0 and words[i - 1] == "half")  # "half year" is a unit
        elif word in PROVISIONAL_WORDS:
            status.add("provisional")
        elif word in REVISED_WORDS:
            status.add("revised")
        elif word in FINAL_WORDS:
            status.add("final")
        elif word in FILLER_WORDS:
            filler = True
        elif word in STATUS_NOUNS:
            continue
        else:
            return None
    if {"provisional", "final"} <= status:
        return None
    provisional = "provisional" in status
    kind, number = _part(units, months, numbers, year_at)
    if kind is None:
        return None
    if kind == "year":  # joining words belong to a part of the year, never to a year alone
        return None if filler else Period(int(words[year_at]), "year", 0, provisional)
    if year_word:  # a year word (``jaar``, ``JJ``) beside a part of the year: not one period
        return None
    return Period(int(words[year_at]), kind, number, provisional)


def _part(units: set[str], months: list[int], numbers: list[tuple[int, int]],
          year_at: int) -> tuple[str | None, int]:
    """Which part of the year the remaining words name: ``('year', 0)`` for none, ``(None, 0)`` if
    they do not name one part."""
    values = [value for _, value in numbers]
    if len(months) > 1 or len(units) > 1 or (months and units):
        return None, 0
    if months:
        if not values:
            return "month", months[0]
        if len(values) == 1 and 1 <= values[0] <= 31:
            return "reference date", months[0]
        return None, 0
    if units:
        unit = next(iter(units))
        if unit == "other period":
            return ("other period", values[0]) if len(values) == 1 else (None, 0)
        if len(values) != 1 or not 1 <= values[0] <= _LARGEST[unit]:
            return None, 0
        return unit, values[0]
    if not values:
        return "year", 0
    if values == [0]:  # the year code's own number: 2019JJ00
        return "year", 0
    if len(values) == 2:  # a date in digits: day-month-year, or year-month-day
        day, month = values if numbers[0][0] < year_at else values[::-1]
        if 1 <= day <= 31 and 1 <= month <= 12:
            return "reference date", month
    return None, 0


def annual_rows(frame: pd.DataFrame, name: str, column: str = "Perioden") -> pd.DataFrame:
    """Keep the calendar-year rows and add ``year`` (int) and ``provisional`` (bool) columns.

    Every label is parsed, so an unknown format is an error.  Parts of years are dropped: the tables
    that carry them also carry the year.  Which kinds were dropped is in ``attrs['skipped']``
    (kind -> number of rows), for the manifest.
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
