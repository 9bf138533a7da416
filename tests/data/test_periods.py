"""The period grammar reads what a label is, whatever its spelling: generated variants, both ways.

Labels are generated from their parts -- a year, a status word or mark, a part of the year (half,
quarter, month, week, date) with its number -- in every order, with and without spaces or
punctuation, in lower, upper and title case, in Dutch and English, in full and abbreviated, as a
StatLine label or an OData code.  A label naming a year is that year; one naming a part of a year is
sub-year; any word outside those vocabularies stops the import with the file, column, row and label.
"""

from __future__ import annotations

import itertools
import random

import pytest

from jeugdzorg.data.periods import Period, annual_rows, parse_period
from jeugdzorg.errors import InputDataError

RNG_SEED = 20261206
SAMPLE = 400  # labels per generated family (a fixed random sample of the full product)

YEARS = (1998, 2015, 2031, 2100)  # any year: nothing here is tied to an edition of the data
STATUS = {  # spelling -> provisional?
    "": False, "*": True, "**": True, "voorlopig": True, "(voorlopig)": True, "nader voorlopig": True,
    "(nader voorlopig)": True, "voorlopige cijfers": True, "provisional": True, "preliminary": True,
    "definitief": False, "(definitief)": False, "definitieve cijfers": False, "final": False, "revised": False,
    "herzien": False,
}
SEPARATORS = (" ", "  ", "", "-", ", ", " - ", "_")
CASES = (str.lower, str.upper, str.title, lambda s: s)

ORDINALS = {  # number -> its spellings as an ordinal
    1: ("1", "1e", "1ste", "1st", "01", "eerste", "first"),
    2: ("2", "2e", "2de", "2nd", "02", "tweede", "second"),
    3: ("3", "3e", "3de", "3rd", "03", "derde", "third"),
    4: ("4", "4e", "4de", "4th", "04", "vierde", "fourth"),
}
UNITS = {  # kind -> spellings of the unit, and the numbers it takes
    "half-year": (("halfjaar", "helft", "half", "half year", "half-year", "HJ", "H", "semester"), (1, 2)),
    "quarter": (("kwartaal", "kw", "quarter", "qtr", "Q"), (1, 2, 3, 4)),
}
MONTHS = {1: ("januari", "january", "jan"), 3: ("maart", "march", "mrt", "mar"), 5: ("mei", "may"),
          10: ("oktober", "october", "okt", "oct"), 12: ("december", "dec")}
FOREIGN = ("najaar", "voorjaar", "totaal", "gemiddelde", "schooljaar", "boekjaar", "prognose", "raming",
           "zomer", "winter", "average", "total", "forecast", "season", "fiscal", "t/m", "tot", "regio")


def sample(population, seed: int = 0) -> list:
    items = list(population)
    return random.Random(RNG_SEED + seed).sample(items, min(SAMPLE, len(items)))


def join(parts, sep: str, case) -> str:
    """The parts joined by ``sep``; a space where two numbers would otherwise run together."""
    text = ""
    for part in (p for p in parts if p):
        glue = " " if text and not sep and text[-1].isdigit() and part[0].isdigit() else sep
        text = f"{text}{glue}{part}" if text else part
    return case(text)


def parsed(label: str) -> Period:
    return parse_period(label, "f.csv", "Perioden", 7)


def years_with_status():
    for year, (status, provisional), sep, case, status_first in itertools.product(
            YEARS, STATUS.items(), SEPARATORS, CASES, (False, True)):
        if status_first and not status.strip("*"):
            continue  # a mark follows its year
        parts = (status, str(year)) if status_first else (str(year), status)
        yield join(parts, sep if status and not status.startswith("*") else "", case), Period(year, "year", 0, provisional)


def parts_of_years():
    for kind, (spellings, numbers) in UNITS.items():
        for year, unit, n, sep, case, order in itertools.product(YEARS, spellings, numbers, SEPARATORS, CASES,
                                                                 range(4)):
            for ordinal in ORDINALS[n]:
                # a word, or a one-letter code after an ordinal's suffix ("4e Q"), keeps its space
                spaced = ordinal.isalpha() or (len(unit) == 1 and not ordinal.isdigit())
                number_then_unit = join((ordinal, unit), " " if spaced else sep, str)
                parts = [(number_then_unit, str(year)), (str(year), number_then_unit),
                         (unit + ordinal if not ordinal.isalpha() else unit, str(year)),
                         (str(year), unit + ordinal if not ordinal.isalpha() else unit)][order]
                if order >= 2 and ordinal.isalpha():
                    continue  # "Q first 2019" is not a spelling anyone uses
                yield join(parts, sep or "", case), Period(year, kind, n)
    for year, (month, names), sep, case, first in itertools.product(YEARS, MONTHS.items(), SEPARATORS, CASES,
                                                                     (False, True)):
        for name in names:
            parts = (name, str(year)) if first else (str(year), name)
            yield join(parts, sep or " ", case), Period(year, "month", month)
            yield join((("31" if month != 5 else "1"), name, str(year)), " ", case), Period(year, "reference date",
                                                                                              month)
    for year, week, code in itertools.product(YEARS, (1, 27, 53), ("week {n} {y}", "{y}W{n:02d}", "wk{n} {y}")):
        yield code.format(n=week, y=year), Period(year, "week", week)
    for year, month, sep in itertools.product(YEARS, (1, 6, 12), ("-", "/", ".")):
        yield sep.join(("28", str(month), str(year))), Period(year, "reference date", month)
        yield sep.join((str(year), f"{month:02d}", "28")), Period(year, "reference date", month)


def cbs_codes():
    for year in YEARS:
        yield f"{year}JJ00", Period(year, "year")
        yield f"{year}JJ00*", Period(year, "year", 0, True)
        for n in (1, 2):
            yield f"{year}HJ0{n}", Period(year, "half-year", n)
        for n in (1, 2, 3, 4):
            yield f"{year}KW0{n}", Period(year, "quarter", n)
        for n in range(1, 13):
            yield f"{year}MM{n:02d}", Period(year, "month", n)
        yield f"{year}X000", Period(year, "other period", 0)


@pytest.mark.parametrize("label, expected", sample(years_with_status(), 1))
def test_a_year_with_any_status_is_that_year(label, expected):
    assert parsed(label) == expected


@pytest.mark.parametrize("label, expected", sample(parts_of_years(), 2))
def test_a_part_of_a_year_is_sub_year_in_any_spelling(label, expected):
    assert parsed(label) == expected


@pytest.mark.parametrize("label, expected", list(cbs_codes()))
def test_cbs_codes(label, expected):
    assert parsed(label) == expected


def _with_foreign_word(seed: int):
    """Valid labels of every family with one foreign word put in at a random place."""
    rng = random.Random(RNG_SEED + seed)
    valid = sample(years_with_status(), 3)[:100] + sample(parts_of_years(), 4)[:200] + list(cbs_codes())
    for label, _ in valid:
        words = label.split(" ")
        words.insert(rng.randrange(len(words) + 1), rng.choice(FOREIGN))
        yield " ".join(words)


@pytest.mark.parametrize("label", list(_with_foreign_word(5)))
def test_any_word_outside_the_vocabularies_stops_the_import(label):
    with pytest.raises(InputDataError) as err:
        parsed(label)
    assert (err.value.file, err.value.column, err.value.row) == ("f.csv", "Perioden", 7)
    assert f"unknown period label {label!r}" in str(err.value)


def _malformed():
    for year, case in itertools.product(YEARS, CASES):
        yield from (case(label) for label in (
            f"3e halfjaar {year}", f"H3 {year}", f"5e kwartaal {year}", f"{year}KW05", f"Q0 {year}", f"{year}MM13",
            f"{year}MM00", f"week 54 {year}", f"32 december {year}", f"31-13-{year}", f"{year}JJ01",
            f"{year}-{year + 1}", f"{year} {year}", f"halfjaar {year}", f"{year} kwartaal", "1e kwartaal",
            "januari", "voorlopig", f"1e kwartaal 1e halfjaar {year}", f"januari februari {year}",
            f"{year} voorlopig definitief", f"{year} of", f"jaar 1e kwartaal {year}", f"{year}e"))


@pytest.mark.parametrize("label", sample(_malformed(), 6))
def test_a_year_or_part_that_cannot_be_stops_the_import(label):
    with pytest.raises(InputDataError, match="unknown period label"):
        parsed(label)


def test_annual_rows_keep_the_years_and_count_what_they_skip():
    import pandas as pd

    frame = pd.DataFrame({"Perioden": ["1e halfjaar 2018", "2018", "2018 Q2", "2019*", "2019MM03", "2019W05",
                                       "31-12-2019", "2019X000"]}, index=range(2, 10))
    kept = annual_rows(frame, "t.csv")
    assert list(kept["year"]) == [2018, 2019] and list(kept.index) == [3, 5]
    assert list(kept["provisional"]) == [False, True]
    assert kept.attrs["skipped"] == {"half-year": 1, "quarter": 1, "month": 1, "week": 1, "reference date": 1,
                                     "other period": 1}
    with pytest.raises(InputDataError, match="najaar 2018") as err:
        annual_rows(pd.DataFrame({"Perioden": ["2018", "najaar 2018"]}, index=[2, 3]), "t.csv")
    assert err.value.row == 3
