"""Strict reading of CBS StatLine CSV exports.

The exports are ``;``-separated UTF-8 (with BOM) files whose first column is ``ID``.  This module reads
them with the standard ``csv`` module rather than pandas so that every problem can be reported with
its file, column and line number, and nothing is guessed: a short row, an unknown period label or a
non-numeric amount stops the import.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import InputDataError

#: Cell contents that CBS uses for a suppressed or unknown value.  They become missing, never zero.
MISSING_TOKENS = frozenset({"", ".", "x", "?"})

_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<year>\d{4})$"), "year"),
    (re.compile(r"^(?P<year>\d{4})JJ00$"), "year"),
    (re.compile(r"^(?P<n>[12])e halfjaar (?P<year>\d{4})$"), "half"),
    (re.compile(r"^(?P<year>\d{4})HJ0(?P<n>[12])$"), "half"),
    (re.compile(r"^(?P<n>[1-4])e kwartaal (?P<year>\d{4})$"), "quarter"),
    (re.compile(r"^(?P<year>\d{4})KW0(?P<n>[1-4])$"), "quarter"),
)


def read_cbs_csv(path: Path, name: str, required: Iterable[str]) -> pd.DataFrame:
    """Read a CBS CSV export into a frame of stripped strings indexed by file line number.

    Parameters
    ----------
    path
        The file to read.
    name
        How the file is named in error messages (relative to the raw directory).
    required
        Columns that must be present.  Missing ones are reported together with the columns that
        are present but unexpected, since a missing column is often a renamed one.

    Returns
    -------
    pandas.DataFrame
        One row per data line, all values as stripped strings, index ``line`` (header = line 1).

    Raises
    ------
    InputDataError
        For an empty or undecodable file, a wrong separator, a short or long row (a truncated file)
        and missing columns.
    """
    text = decode_text(path, name)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = [h.strip() for h in rows[0]]
    if len(header) == 1:
        guess = next((sep for sep in (",", "\t", "|") if sep in header[0]), None)
        hint = f" (the header looks {guess!r}-separated)" if guess else ""
        raise InputDataError(name, f"expected a ';'-separated CBS export{hint}", row=1)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputDataError(name, f"duplicate column names {dupes}", row=1)
    _check_columns(name, header, required)
    body = rows[1:]
    width = len(header)
    for offset, row in enumerate(body):
        if len(row) != width:
            line = offset + 2
            if offset == len(body) - 1 and len(row) < width:
                msg = f"has {len(row)} of {width} fields: the file appears truncated"
            else:
                msg = f"has {len(row)} fields, expected {width}"
            raise InputDataError(name, msg, row=line)
    if not body:
        raise InputDataError(name, "the file has a header but no data rows")
    frame = pd.DataFrame(body, columns=header, dtype=object).apply(lambda s: s.str.strip())
    frame.index = pd.RangeIndex(2, len(body) + 2, name="line")
    return frame


def decode_text(path: Path, name: str) -> str:
    """The text of a raw file: UTF-8 (a BOM is dropped), with the line of a bad byte if it is not.

    Raises
    ------
    InputDataError
        For an empty file or one that is not valid UTF-8.
    """
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise InputDataError(name, "the file is empty (no header, no rows)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputDataError(
            name, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); the exports are UTF-8 - "
                  "re-export the file or convert it with iconv", row=line) from None


def _check_columns(name: str, header: list[str], required: Iterable[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        known = set(required)
        unexpected = [c for c in header if c not in known]
        extra = f"; columns present but not expected: {unexpected}" if unexpected else ""
        raise InputDataError(
            name, f"missing column(s) {missing} (renamed in a new edition?){extra}",
            column=missing[0], row=1)


def parse_numbers(frame: pd.DataFrame, column: str, name: str, *,
                  non_negative: bool = False) -> pd.Series:
    """Convert one column of CBS cells to floats; suppressed cells become NaN.

    Raises
    ------
    InputDataError
        Naming the first line whose cell is not a number, or is negative when ``non_negative``.
    """
    values = []
    for line, cell in frame[column].items():
        if cell in MISSING_TOKENS:
            values.append(math.nan)
            continue
        try:
            number = float(cell)
        except ValueError:
            raise InputDataError(name, f"{cell!r} is not a number", column=column, row=line) from None
        if not math.isfinite(number):
            raise InputDataError(name, f"{cell!r} is not a finite number", column=column, row=line)
        if non_negative and number < 0:
            raise InputDataError(name, f"negative value {cell} where only amounts >= 0 make sense",
                                 column=column, row=line)
        values.append(number)
    return pd.Series(values, index=frame.index, name=column, dtype="float64")


def count_suppressed(frame: pd.DataFrame, columns: Iterable[str]) -> int:
    """How many cells in ``columns`` CBS left empty or marked as suppressed."""
    return int(sum(frame[c].isin(MISSING_TOKENS).sum() for c in columns))


def parse_period(label: str, name: str, column: str, line: int) -> tuple[int, str, int]:
    """Parse a CBS period label into ``(year, kind, number)``.

    ``kind`` is ``'year'``, ``'half'`` or ``'quarter'``; ``number`` is the half or quarter (0 for a
    year).  Both the export labels (``'2e halfjaar 2019'``) and the API codes (``'2019HJ02'``) are
    understood; anything else is an error rather than a silently dropped row.
    """
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.match(label)
        if match:
            number = int(match.groupdict().get("n") or 0)
            return int(match["year"]), kind, number
    raise InputDataError(name, f"unknown period label {label!r} (expected e.g. '2019', "
                               "'1e halfjaar 2019', '2e kwartaal 2019')", column=column, row=line)


def annual_rows(frame: pd.DataFrame, name: str, column: str = "Perioden") -> pd.DataFrame:
    """Keep the calendar-year rows and add an integer ``year`` column.

    Every label is parsed (so an unknown format is an error); half-years and quarters are dropped
    because each table that has them also carries the year total.
    """
    parsed = [parse_period(label, name, column, line) for line, label in frame[column].items()]
    keep = [kind == "year" for _, kind, _ in parsed]
    out = frame.loc[keep].copy()
    out["year"] = [year for (year, kind, _) in parsed if kind == "year"]
    return out
