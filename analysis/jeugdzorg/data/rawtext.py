"""The one reader (and writer) of raw delimited text files.

Every raw table the project reads -- CBS StatLine exports, the gemeentefonds files, the Iv3 accounts,
the reorganisation list, the name aliases -- goes through :func:`read_table`, and every number in
them through :func:`parse_numbers`.  This is the only module that runs the ``csv`` module on raw
files (``tests/data/test_rawtext.py`` checks it), so encodings, separators, quoting, a byte-order
mark, CRLF line ends and number notations are handled in one place.

The reader is strict rather than clever: it reads with the standard ``csv`` module so that every
problem can be reported with its file, column and line number, and nothing is guessed -- a short row,
a wrong separator or a number in an unexpected notation stops the import with a message.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError

#: Cell contents that CBS uses for a suppressed or unknown value.  They become missing, never zero.
MISSING_TOKENS = frozenset({"", ".", "x", "?"})

#: Number notations.  ``point``: a decimal point and no thousands separator (CBS exports, Iv3,
#: published cluster amounts: ``28492.0``, ``1.5e-3``).  ``dutch``: a decimal comma, and a dot as
#: thousands separator only in groups of exactly three digits (the gemeentefonds files:
#: ``2.570,78``, ``4379,381022``, ``1,94044E+11``); a dot used as a decimal point (``1.5``) is
#: refused rather than guessed, since ``315.018`` in the same files means 315,018.
NOTATIONS: dict[str, re.Pattern[str]] = {
    "point": re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"),
    "dutch": re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?$"),
}
_EXAMPLES = {"point": "1234.5", "dutch": "1.234,5"}
#: Accounting notation for zero (one gemeentefonds SIUDU file).
DASH = "-"


def decode_text(path: Path, name: str) -> str:
    """The text of a raw file: UTF-8 (a BOM is dropped), with the line of a bad byte if it is not.

    Raises
    ------
    InputDataError
        For a missing or empty file, or one that is not valid UTF-8.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputDataError(name, "file not found") from None
    if not raw.strip():
        raise InputDataError(name, "the file is empty (no header, no rows)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputDataError(
            name, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); the exports are UTF-8 - "
                  "re-export the file or convert it with iconv", row=line) from None


def read_table(path: Path, name: str, delimiter: str = ";", required: Iterable[str] = (), *,
               duplicate_columns: str = "reject") -> pd.DataFrame:
    """Read a delimited UTF-8 file into a frame of stripped strings indexed by file line.

    Parameters
    ----------
    path
        The file to read.
    name
        How the file is named in error messages (relative to the raw directory).
    delimiter
        The field separator the format prescribes.
    required
        Columns that must be present.  Missing ones are reported together with the columns that
        are present but unexpected, since a missing column is often a renamed one.
    duplicate_columns
        ``"reject"``: two columns with the same name are an error.  ``"keep"``: they are kept apart
        by position (``frame.iloc``) and the caller decides.

    Returns
    -------
    pandas.DataFrame
        One row per data line, all values as stripped strings, index ``line`` (header = line 1).

    Raises
    ------
    InputDataError
        For an empty or undecodable file, a wrong separator, a short or long row (a truncated file),
        duplicate or missing columns, and a file without data rows.
    """
    text = decode_text(path, name)
    rows = _rows(text, name, delimiter)
    header = [h.strip() for h in rows[0]]
    if len(header) == 1:
        guess = next((sep for sep in (";", ",", "\t", "|") if sep != delimiter and sep in header[0]), None)
        hint = f" (the header looks {guess!r}-separated)" if guess else ""
        raise InputDataError(name, f"expected a {delimiter!r}-separated file{hint}", row=1)
    if duplicate_columns == "reject":
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise InputDataError(name, f"duplicate column names {dupes}", column=dupes[0], row=1)
    check_columns(name, header, required)
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
    # Stripped in plain Python: pandas' string methods cost a column-wise pass each (most of an import).
    frame = pd.DataFrame([[cell.strip() for cell in row] for row in body], dtype=object)
    frame.columns = header
    frame.index = pd.RangeIndex(2, len(body) + 2, name="line")
    return frame


def _rows(text: str, name: str, delimiter: str) -> list[list[str]]:
    """The records of ``text``; blank lines at the end are dropped, a broken quote is an error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    # The line after the last complete record: where the record the csv module fails on starts.  An
    # opening quote without its closing quote swallows the lines after it, so the module gives up
    # far later (at the field-size limit or the end of the file); the line to fix is where it opens.
    start = 1
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        where = f" (the csv module stops at line {reader.line_num})" if reader.line_num != start else ""
        raise InputDataError(name, f"the file cannot be split into fields ({exc}): an unbalanced quote in "
                                   f"the record that starts on this line?{where}", row=start) from None
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise InputDataError(name, "the file is empty (no header, no rows)")
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            raise InputDataError(name, "an empty line in the middle of the data", row=number)
    return rows


def check_columns(name: str, header: list[str], required: Iterable[str]) -> None:
    """Stop with the missing columns (and those present but not expected) named."""
    required = list(required)
    missing = [c for c in required if c not in header]
    if missing:
        known = set(required)
        unexpected = [c for c in header if c not in known]
        extra = f"; columns present but not expected: {unexpected}" if unexpected else ""
        raise InputDataError(
            name, f"missing column(s) {missing} (renamed in a new edition?){extra}",
            column=missing[0], row=1)


def drop_repeated_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Keep the first of two same-named columns if they are identical; otherwise refuse to guess."""
    header = list(frame.columns)
    keep = []
    for position, column in enumerate(header):
        first = header.index(column)
        if first == position:
            keep.append(position)
        elif not frame.iloc[:, position].equals(frame.iloc[:, first]):
            raise InputDataError(name, f"column {column!r} occurs twice with different values",
                                 column=column, row=1)
    return frame.iloc[:, keep]


#: Cells that can only be read one way: a decimal comma (``12,5``, ``2.570,78``, more or fewer than
#: three digits after the comma) or a decimal point (``1.5``, ``1,234.5``).  ``4,379`` and ``315.018``
#: are ambiguous (a thousands separator or a decimal one) and decide nothing.
_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+(?:[eE][+-]?\d+)?$|^[+-]?\d+,(?:\d{1,2}|\d{4,})(?:[eE][+-]?\d+)?$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+(?:[eE][+-]?\d+)?$|^[+-]?\d+\.(?:\d{1,2}|\d{4,})(?:[eE][+-]?\d+)?$")


def detect_notation(frame: pd.DataFrame, columns: Iterable[str], name: str, expected: str) -> str:
    """The number notation of a file's numeric ``columns``, checked against what its format prescribes.

    Every cell that can only be read one way is evidence: a decimal comma (``12,5``, ``2.570,78``) for
    ``dutch``, a decimal point (``1.5``, ``1,234.5``) for ``point``.  A file with any evidence for the
    notation its format does not use is refused, naming the first such cell, so that no number is
    ever misread (``4,379`` means 4.379 in Dutch and 4379 in English).

    Raises
    ------
    InputDataError
        For mixed notation or a notation other than ``expected``.
    """
    first: dict[str, tuple[str, int, str]] = {}
    for column in columns:
        cells = frame[column].astype(str)
        for notation, pattern in (("dutch", _DECIMAL_COMMA), ("point", _DECIMAL_POINT)):
            if notation in first:
                continue
            hit = next((line for line, cell in zip(cells.index, cells.tolist()) if pattern.fullmatch(cell)), None)
            if hit is not None:
                first[notation] = (column, int(hit), cells[hit])
    other = "point" if expected == "dutch" else "dutch"
    if other in first:
        column, line, value = first[other]
        wanted = {"dutch": "a decimal comma (e.g. 2.570,78)", "point": "a decimal point (e.g. 1234.5)"}
        mixed = " (other cells use the expected notation: the file mixes both)" if expected in first else ""
        raise InputDataError(name, f"{value!r} is written with {wanted[other].split(' (')[0]}, but this file's "
                                   f"format uses {wanted[expected]}{mixed}: re-export it rather than have it "
                                   "misread", column=column, row=line)
    return expected


def parse_numbers(values: pd.Series, name: str, column: str, *, notation: str = "point",
                  missing: Iterable[str] | None = MISSING_TOKENS, non_negative: bool = False,
                  dash_is_zero: bool = False) -> pd.Series:
    """Convert one column of text cells to floats.

    Parameters
    ----------
    values
        The cells, indexed by file line.
    notation
        A key of :data:`NOTATIONS`.
    missing
        Cells that mean "no value" (they become NaN, never zero); ``None``: every cell must be a
        number.
    non_negative
        Refuse negative numbers.
    dash_is_zero
        Read ``-`` as 0 (accounting notation).

    Raises
    ------
    InputDataError
        Naming the first line whose cell is not a number in ``notation``, or is negative when
        ``non_negative``.
    """
    pattern = NOTATIONS[notation]
    cells = values.astype(str)
    # Cell by cell in plain Python, not with pandas' string methods: the same result, in a fraction
    # of the time (this runs for every numeric column of every raw file).
    absent_tokens = frozenset(missing) if missing is not None else frozenset()
    text = cells.tolist()
    normal: list[str] = []
    for line, cell in zip(cells.index, text):
        if cell in absent_tokens:
            normal.append("nan")
        elif dash_is_zero and cell == DASH:
            normal.append("0")
        elif pattern.fullmatch(cell):
            normal.append(cell.replace(".", "").replace(",", ".") if notation == "dutch" else cell)
        else:
            raise InputDataError(name, f"{cell!r} is not a number (expected notation like "
                                       f"{_EXAMPLES[notation]})", column=column, row=int(line))
    absent = cells.isin(absent_tokens)
    numbers = pd.Series(normal, index=cells.index, dtype=object).astype("float64")
    infinite = ~absent & ~np.isfinite(numbers)
    if infinite.any():
        line = infinite.idxmax()
        raise InputDataError(name, f"{cells[line]!r} is not a finite number", column=column, row=int(line))
    if non_negative and (numbers < 0).any():
        line = (numbers < 0).idxmax()
        raise InputDataError(name, f"negative value {cells[line]} where only amounts >= 0 make sense",
                             column=column, row=int(line))
    return numbers.rename(column)


def format_number(value: float, notation: str = "point", decimals: int = 2) -> str:
    """``value`` as a file of ``notation`` writes it, for messages that set a computed number beside
    the file's own: ``573.9`` -> ``573,90`` (``dutch``, thousands dots) or ``573.90`` (``point``)."""
    text = f"{value:,.{decimals}f}"
    if notation == "dutch":
        return text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.replace(",", "")


def count_suppressed(frame: pd.DataFrame, columns: Iterable[str]) -> int:
    """How many cells in ``columns`` CBS left empty or marked as suppressed."""
    return int(sum(frame[c].isin(MISSING_TOKENS).sum() for c in columns))


def _format_cell(value: object) -> str:
    """One value as CBS writes it in an export: integers without '.0', missing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (str, bool)):
        return str(value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return ""
    if number.is_integer():
        return str(int(number))
    return repr(number)


def write_export(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` like a StatLine CSV export: ``;``-separated, UTF-8 with BOM, no index.

    The live CBS loader writes what it downloads in this form, so that :func:`read_table` reads
    downloaded and exported tables alike.
    """
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            writer.writerow([_format_cell(v) for v in row])
