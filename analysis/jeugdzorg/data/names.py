"""The one place where municipality names and codes become GM codes.

Raw tables name municipalities in three ways: CBS exports by their register *label*
(``'Groningen (gemeente)'``, ``"'s-Gravenhage (gemeente)"``), the gemeentefonds and Iv3 files by a
*name* in their own spelling (``'Beek'`` where the 2024 register says ``'Beek (L.)'``), and users by
whatever they type (``'Den Haag'``, ``'363'``).  :class:`MunicipalityNames` resolves the first two
through the register of the same year, the spelling pairs of ``gemeenteklassen/gemeentenamen.csv``
and the reorganisations of that year; :func:`resolve_query` resolves the third for the command line
and the profiles, and explains what happened to a municipality that merged away.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputDataError
from .mergers import successor_shares
from .rawtext import read_table

NATIONAL_CODE = "NL01"
ALIASES_FILE = "gemeenteklassen/gemeentenamen.csv"
#: Labels of aggregates in CBS exports (provinces, COROP, youth-care regions, size classes, ...).
_AGGREGATE_LABEL = re.compile(r"\((LD|PV|CR|JZ|GGD|RE|AM|AR|LG|LB)\)$|inwoners|^Nederland$")


def read_name_aliases(path: Path, name: str) -> dict[str, str]:
    """Read ``gemeentenamen.csv`` (tab-separated ``Iv3naam``, ``GFnaam``) into a two-way alias map.

    The pairs are used in both directions because the files do not agree on which side uses which
    spelling: the Iv3 and fund files of 2023-2025 both write ``Beek``, the register ``Beek`` in 2023
    and ``Beek (L.)`` from 2024.

    Raises
    ------
    InputDataError
        For a missing column, a short row or a name that occurs in two pairs.
    """
    rows = read_table(path, name, "\t", ["Iv3naam", "GFnaam"])
    aliases: dict[str, str] = {}
    for line, first, second in zip(rows.index, rows["Iv3naam"], rows["GFnaam"]):
        for key, value in ((first, second), (second, first)):
            if key in aliases and aliases[key] != value:
                raise InputDataError(name, f"{key!r} occurs in two pairs", column="Iv3naam", row=int(line))
            aliases[key] = value
    return aliases


@dataclass
class MunicipalityNames:
    """Resolve municipality labels and names of a given year to GM codes.

    A name resolves if it is the register ``label`` or ``name`` of that year, the alias of one (from
    ``gemeentenamen.csv``), or the name of a municipality created by a reorganisation during that
    year (De Fryske Marren on 2015-07-01).  A spelling shared by two municipalities resolves to
    nothing (it must not resolve silently).  For a year after the last register the latest
    register is used.

    Parameters
    ----------
    register
        ``year, gm_code, name, label`` (the snapshot's register table, or the registers being read).
    mergers
        ``date, old_code, new_code, new_name`` (the reorganisation list); may be empty.
    aliases
        Spelling pairs from :func:`read_name_aliases`.
    """

    register: pd.DataFrame
    mergers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"date": pd.to_datetime([]), "old_code": [], "new_code": [], "new_name": []}))
    aliases: dict[str, str] = field(default_factory=dict)
    _tables: dict[int, dict[str, str | None]] = field(default_factory=dict, init=False, repr=False)
    _known: dict[int, frozenset[str]] = field(default_factory=dict, init=False, repr=False)

    def register_year(self, year: int) -> int:
        """The register that describes ``year``: that year's, or the latest one before it."""
        years = sorted(int(y) for y in self.register["year"].unique() if int(y) <= int(year))
        if not years:
            raise KeyError(year)
        return years[-1]

    def _table_for(self, year: int) -> dict[str, str | None]:
        if year in self._tables:
            return self._tables[year]
        reg = self.register[self.register["year"] == self.register_year(year)]
        table: dict[str, str | None] = {}
        for key, code in [*zip(reg["label"], reg["gm_code"]), *zip(reg["name"], reg["gm_code"])]:
            # None marks a spelling shared by two municipalities.
            table[key] = code if table.get(key, code) == code else None
        for alias, target in self.aliases.items():
            if alias not in table and target in table:
                table[alias] = table[target]
        during = self.mergers[pd.to_datetime(self.mergers["date"]).dt.year == year]
        for new_name, new_code in zip(during["new_name"], during["new_code"]):
            table.setdefault(new_name, new_code)
        self._tables[year] = table
        return table

    def codes(self, names: pd.Series, year: int, file: str, column: str) -> pd.Series:
        """GM code for every name in ``names`` (indexed by 1-based file line); every one must resolve.

        Raises
        ------
        InputDataError
            For the first name that is unknown or ambiguous in ``year``.
        """
        try:
            table = self._table_for(int(year))
        except KeyError:
            raise InputDataError(file, f"no municipality register covers the year {year}") from None
        codes = names.map(table)
        bad = codes.isna()
        if bad.any():
            line = bad.idxmax()
            label = names[line]
            why = ("is ambiguous" if label in table else
                   "is not a municipality in the register of that year nor in " + ALIASES_FILE)
            raise InputDataError(file, f"unknown municipality {label!r} in {year}: the name {why}",
                                 column=column, row=int(line))
        return codes.astype(object)

    def cbs_codes(self, frame: pd.DataFrame, column: str, name: str,
                  empty: pd.Series | None = None) -> pd.Series:
        """GM code, ``NL01`` or ``None`` (other aggregates) for every row of a CBS export.

        ``frame`` must have a ``year`` column and be indexed by file line.  Rows flagged in ``empty``
        (no value in any measure) may carry a label unknown in that year: CBS lists municipalities
        that no longer existed with empty cells, and those rows map to ``None``.

        Raises
        ------
        InputDataError
            For the first label that is neither a municipality of that year nor an aggregate.
        """
        if empty is None:
            empty = pd.Series(False, index=frame.index)
        result = []
        for line, label, year, blank in zip(frame.index, frame[column], frame["year"], empty):
            try:
                code = self._table_for(int(year)).get(label)
            except KeyError:
                raise InputDataError(name, f"no municipality register covers the year {year}",
                                     column="Perioden", row=int(line)) from None
            if code is None:
                if label == "Nederland":
                    code = NATIONAL_CODE
                elif not blank and not _AGGREGATE_LABEL.search(label):
                    raise InputDataError(
                        name, f"unknown municipality {label!r} in {year}: not in the register of that "
                              "year (misspelt, or a register year is missing)", column=column, row=int(line))
            result.append(code)
        return pd.Series(result, index=frame.index, dtype=object)

    def known_codes(self, year: int) -> frozenset[str]:
        """Every GM code of the register used for ``year``."""
        if year not in self._known:
            chosen = self.register["year"] == self.register_year(year)
            self._known[year] = frozenset(self.register.loc[chosen, "gm_code"])
        return self._known[year]

    def dissolved_during(self, codes: pd.Series, years: pd.Series) -> pd.Series:
        """True where a municipality was dissolved during that year (after 1 January).

        CBS reports such a municipality (Weesp, 24 March 2022) with its successor for that year and
        leaves its own row empty; an empty row of it is therefore no gap in the data.
        """
        dates = pd.to_datetime(self.mergers["date"])
        moved = self.mergers[(dates.dt.month != 1) | (dates.dt.day != 1)]
        during = set(zip(moved["old_code"], pd.to_datetime(moved["date"]).dt.year))
        return pd.Series([(c, int(y)) in during for c, y in zip(codes, years)], index=codes.index)

    def expected_codes(self, year: int) -> set[str]:
        """Municipalities a table of ``year`` must list: the register of that year (or the latest
        earlier one) without those dissolved during the year."""
        codes = sorted(self.known_codes(year))
        dissolved = self.dissolved_during(pd.Series(codes), pd.Series([year] * len(codes)))
        return {c for c, gone in zip(codes, dissolved) if not gone}

    def require_every_municipality(self, codes: Iterable[str], year: int, file: str, column: str) -> None:
        """Every municipality of :meth:`expected_codes` must have a row in a table of ``year``.

        A missing one means a file cut short (CBS serves at most 10,000 rows a request) or a lost
        line, not a municipality without data: left alone, it would surface later as a gap or a
        missing value far from its cause.

        Raises
        ------
        InputDataError
            Naming the file, the column that identifies municipalities, how many are missing and
            the first of them.
        """
        missing = sorted(self.expected_codes(int(year)) - set(codes))
        if missing:
            names = self.register[self.register["year"] == self.register_year(int(year))]
            first = f"{missing[0]} ({dict(zip(names['gm_code'], names['name'])).get(missing[0], '?')})"
            counted = ("1 municipality of the {0} register has no row for {0}: {1}" if len(missing) == 1 else
                       f"{len(missing)} municipalities of the {{0}} register have no row for {{0}} (first: {{1}})")
            raise InputDataError(file, counted.format(year, first) + "; the file looks truncated, or a line "
                                                                      "was lost", column=column)


# --------------------------------------------------------------------------------------------
# What a user types
# --------------------------------------------------------------------------------------------

_CODE = re.compile(r"^(?:gm)?\s*(\d{1,4})$", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*\([^)]*\)$")


class UnknownMunicipalityError(ValueError):
    """The query names no municipality of the latest register year.

    Attributes
    ----------
    query
        What was asked for.
    suggestions
        Up to five names of current municipalities that resemble the query.
    """

    def __init__(self, message: str, query: str = "", suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.query = query
        self.suggestions = list(suggestions or [])


class MergedMunicipalityError(UnknownMunicipalityError):
    """The query names a municipality that no longer exists; ``successors`` says where it went.

    Attributes
    ----------
    code, name
        The former municipality.
    successors
        ``[(gm_code, name, share), ...]`` in the latest register year (share of the former
        municipality's inhabitants; 1.0 for a merger).
    """

    def __init__(self, message: str, query: str, code: str, name: str,
                 successors: list[tuple[str, str, float]]) -> None:
        super().__init__(message, query, [s[1] for s in successors])
        self.code = code
        self.name = name
        self.successors = successors


def normalise(text: str) -> str:
    """Case-, accent-, apostrophe- and whitespace-insensitive form of a name."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.casefold().split())


def _as_mergers(mergers: pd.DataFrame | None) -> pd.DataFrame | None:
    if mergers is None or mergers.empty:
        return None
    out = mergers.copy()
    out["date"] = pd.to_datetime(out["date"])
    return out


def _latest(register: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    year = int(register["year"].max())
    return year, register[register["year"] == year]


def _former(code: str, register: pd.DataFrame, mergers: pd.DataFrame | None,
            query: str) -> UnknownMunicipalityError:
    """The error for a GM code that is not in the latest register (merged away or never existed)."""
    latest_year, current = _latest(register)
    names = dict(zip(current["gm_code"], current["name"]))
    seen = register[register["gm_code"] == code].sort_values("year")
    rows = mergers[mergers["old_code"] == code] if mergers is not None else pd.DataFrame()
    if seen.empty and rows.empty:
        return UnknownMunicipalityError(
            f"{query!r}: there is no municipality with code {code} in the register "
            f"({int(register['year'].min())}-{latest_year}).", query)
    name = str(seen["name"].iat[-1]) if not seen.empty else str(rows["old_name"].iat[0])
    if rows.empty:
        last = int(seen["year"].iat[-1])
        return UnknownMunicipalityError(
            f"{query!r}: {name} ({code}) is in the register until {last} but not in {latest_year}, and the "
            "snapshot's list of reorganisations names no successor.", query)
    if not seen.empty:
        since = int(seen["year"].iat[-1])
    else:
        since = int((rows["date"].min() - pd.Timedelta(days=1)).year)
    shares = successor_shares(code, since, latest_year, mergers)
    successors = [(c, names.get(c, c), s) for c, s in sorted(shares.items(), key=lambda kv: -kv[1])
                  if c in names]
    first = rows.sort_values("date").iloc[0]
    how = "was split" if (rows["kind"] == "split").any() else "merged"
    if len(successors) == 1:
        where = f"it is now part of {successors[0][1]} ({successors[0][0]})"
    else:
        where = "it is now part of " + ", ".join(f"{n} ({c}, {100 * s:.0f}% of its inhabitants)"
                                                   for c, n, s in successors)
    if not successors:
        return UnknownMunicipalityError(
            f"{query!r}: {name} ({code}) {how} on {first['date']:%Y-%m-%d}, but its successor is not in "
            f"the register of {latest_year}.", query)
    return MergedMunicipalityError(
        f"{query!r}: {name} ({code}) no longer exists: it {how} on {first['date']:%Y-%m-%d}; {where}. "
        f"Ask for the profile of {' or '.join(n for _, n, _ in successors)}.",
        query, code, name, successors)


def resolve_query(query: str, register: pd.DataFrame,
                  mergers: pd.DataFrame | None = None) -> tuple[str, str]:
    """The GM code and name, in the latest register year, of the municipality ``query`` names.

    Parameters
    ----------
    query
        A GM code (``"GM0363"``, ``"gm0363"``, ``"0363"``, ``"363"``) or a name or label of the latest
        register year (``"Amsterdam"``, ``"'s-Gravenhage"``, ``"Groningen (gemeente)"``; case, accents
        and surrounding spaces are ignored, and a name without its province suffix, ``"Hengelo"``, is
        accepted when only one municipality has it).
    register
        The snapshot's ``register`` table (all years).
    mergers
        The snapshot's ``mergers`` table; used to name the successor of a former municipality.

    Returns
    -------
    tuple
        ``(gm_code, name)`` in the latest register year.

    Raises
    ------
    MergedMunicipalityError
        The query names a former municipality; the message and ``successors`` name where it went.
    UnknownMunicipalityError
        Anything else that is not a current municipality; the message lists up to five close matches.
    """
    text = " ".join(str(query).split())
    if not text:
        raise UnknownMunicipalityError("empty municipality: give a GM code (e.g. GM0363) or a name", query)
    mergers = _as_mergers(mergers)
    latest_year, current = _latest(register)
    names = dict(zip(current["gm_code"], current["name"]))

    code_match = _CODE.match(text)
    if code_match:
        code = f"GM{int(code_match.group(1)):04d}"
        if code in names:
            return code, names[code]
        raise _former(code, register, mergers, query)

    key = normalise(text)
    exact: dict[str, set[str]] = {}
    bare: dict[str, set[str]] = {}
    for row in current.itertuples():
        for label in (row.name, row.label):
            exact.setdefault(normalise(label), set()).add(row.gm_code)
            bare.setdefault(normalise(_SUFFIX.sub("", label)), set()).add(row.gm_code)
    for table in (exact, bare):
        codes = table.get(key, set())
        if len(codes) == 1:
            code = next(iter(codes))
            return code, names[code]
        if len(codes) > 1:
            options = sorted(names[c] for c in codes)
            raise UnknownMunicipalityError(
                f"{query!r} is ambiguous: it could be {', '.join(options)}; give the full name or the GM code.",
                query, options)

    # A former municipality?  Older registers and the reorganisation list know its code.
    former: list[str] = []
    older = register[register["year"] < latest_year].sort_values("year", ascending=False)
    for row in older.itertuples():
        if key in (normalise(row.name), normalise(row.label), normalise(_SUFFIX.sub("", row.label))):
            if row.gm_code not in former:
                former.append(row.gm_code)
    if mergers is not None:
        for row in mergers.itertuples():
            if normalise(row.old_name) == key and row.old_code not in former:
                former.append(row.old_code)
    if former:
        raise _former(former[0], register, mergers, query)

    candidates: dict[str, str] = {}
    for row in current.itertuples():
        candidates.setdefault(normalise(row.name), row.name)
        candidates.setdefault(normalise(row.label), row.name)
    close = difflib.get_close_matches(key, list(candidates), n=10, cutoff=0.6)
    suggestions = list(dict.fromkeys(candidates[c] for c in close))[:5]
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise UnknownMunicipalityError(
        f"{query!r} is not a municipality of the {latest_year} register (nor a GM code).{hint}",
        query, suggestions)
