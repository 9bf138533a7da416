"""The municipal fund's own youth-care cost model (gemeentefonds, cluster "Individuele voorzieningen Jeugd").

The Ministry of the Interior (BZK) distributes the gemeentefonds over clusters of tasks.  For each
cluster a municipality receives, for every distribution criterion (*maatstaf*), its volume times the
cluster's euro weight per unit, and the sum is multiplied by the *uitkeringsfactor* of the circular::

    cluster amount = uitkeringsfactor x sum over criteria (volume x weight)

For "Individuele voorzieningen Jeugd" in circular M2024 for 2025 that is 302.24 per ``jong``
(inhabitants < 18) + 2,570.78 per ``lidr_w_nw`` (low-income households above the threshold) + 45.13
per ``cf.regionaal`` - 25.93 per ``oadw`` (address density); the cluster has no fixed amount
(``vast`` has weight 0 in every circular).  This is the government's objective estimate of what
youth care *should* cost a municipality, the benchmark for the realised costs.

Special payments (SIUDU: integration and decentralisation payments) are not part of the model: the
weights file lists them with weight 1 and no criterion code (for the youth cluster: "jeugdhulp aan
kinderen in een AZC" and, in 2023 circulars, "voogdij/18+").  They are paid as euro amounts, without
the uitkeringsfactor.  The published cluster amounts (``clusterbedragen/``) exclude them in every
circular except S2024 for 2024, whose file adds them (its "Overig" cluster also carries the
herindeling and suppletie payments); see :func:`youth_cluster_amount` and ``tests/test_gemeentefonds.py``.

File formats (all read strictly; every problem is an :class:`~jeugdzorg.errors.InputDataError` naming
file, column and 1-based line):

``clusterdata/GF_<circular>_<year>_Volumina.csv``
    Tab-separated; ``CBS`` (municipality code without ``GM`` and zero padding), ``Naam``, ``Prov``,
    then one column per criterion.  Numbers in Dutch notation, in three flavours across circulars:
    ``4379,381022``, ``4.375,00`` and ``1,94044E+11``.
``clusterdata/GF_<circular>_<year>_Gewichten.csv``
    Tab-separated; ``Codering maatstaf``, ``Naam maatstaf``, one column per cluster, ``Totaal``.
    Decimal comma with thousands dots (``2.570,78``); the S circulars of 2023/2024 write ``0`` and
    ``45,6`` rather than ``0,00`` and ``45,60``.
``clusterdata/GF_<circular>_<year>_SIUDU.csv``
    Tab-separated euro amounts per municipality per payment.  M2024/2025 has no ``CBS`` column
    (municipalities by name only); S2023/2024 repeats the ``CBS`` column in the middle; S2024/2025
    writes thousands with dots (``315.018``) and zero as ``-``.
``Uitkeringsfactor.csv``
    Comma-separated ``Circulaire,Jaar,Uitkeringsfactor`` with a decimal point.
``clusterbedragen/GF_<circular>_<year>.csv``
    ``;``-separated pandas export: an unnamed row-number column, ``Gemeenten`` (names), one column per
    cluster and ``Totaal``, decimal point, plus a ``Nederland`` row equal to the sum of the
    municipalities.

Municipality names (clusterbedragen, one SIUDU file) are fund spellings such as ``Beek`` where the
register of 2024 and later says ``Beek (L.)``; :class:`MunicipalityNames` resolves them through the
register of the same year and ``gemeenteklassen/gemeentenamen.csv``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputDataError
from .rawcsv import decode_text
from .paths import DATA_DIR, DEFAULT_RAW_DIR, PROJECT_ROOT

YOUTH_CLUSTER = "Individuele voorzieningen Jeugd"
NATIONAL_ROW = "Nederland"
ALIASES_FILE = "gemeenteklassen/gemeentenamen.csv"
CLUSTERDATA_DIR = "gemeentefonds/clusterdata"
CLUSTERBEDRAGEN_DIR = "gemeentefonds/clusterbedragen"
FACTOR_FILE = "gemeentefonds/Uitkeringsfactor.csv"

_CIRCULAR = r"(?P<circular>[MS]\d{4})"
_VOLUMES_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})_Volumina\.csv$")
_WEIGHTS_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})_Gewichten\.csv$")
_SIUDU_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})_SIUDU\.csv$")
_AMOUNTS_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})\.csv$")

#: Dutch number notations found in the fund's files.  A dot is a thousands separator only in
#: groups of exactly three digits; a dot used as a decimal point (``1.5``) is rejected rather than
#: guessed, since ``315.018`` in the same files means 315,018.
_DUTCH_NUMBER = re.compile(
    r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?(?:[eE][+-]?\d+)?$")
#: Accounting notation for zero (S2024/2025 SIUDU).
_DASH = "-"

#: Weight rows name the fixed amount ``vast``; the volume files call that column ``vast nieuw``.
_VOLUME_COLUMN_ALIASES = {"vast": "vast nieuw"}

#: The weights file rounds each cell to cents, so ``Totaal`` may differ from the row sum by up to
#: half a cent per cluster.
_CENT = 0.005


def display_name(path: Path) -> str:
    """``path`` relative to the raw directory or the project, for error messages."""
    for root in (DEFAULT_RAW_DIR, PROJECT_ROOT):
        try:
            return str(Path(path).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            continue
    return str(path)


# --------------------------------------------------------------------------------------------
# Municipality names -> GM codes
# --------------------------------------------------------------------------------------------

def load_register(path: Path = DATA_DIR / "register.csv") -> pd.DataFrame:
    """Read the project's municipality register (``data/register.csv``: year, gm_code, name, label).

    Raises
    ------
    InputDataError
        If the file is missing or lacks one of those columns.
    """
    name = display_name(path)
    if not Path(path).is_file():
        raise InputDataError(name, "register not found: run `python3 make.py import` first")
    frame = pd.read_csv(path, dtype={"gm_code": str, "name": str, "label": str})
    missing = [c for c in ("year", "gm_code", "name", "label") if c not in frame.columns]
    if missing:
        raise InputDataError(name, f"missing column(s) {missing}", column=missing[0], row=1)
    return frame[["year", "gm_code", "name", "label"]]


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
    header, rows = read_delimited(path, name, "\t")
    missing = [c for c in ("Iv3naam", "GFnaam") if c not in header]
    if missing:
        raise InputDataError(name, f"missing column(s) {missing}", column=missing[0], row=1)
    aliases: dict[str, str] = {}
    for line, row in rows.iterrows():
        first, second = row["Iv3naam"], row["GFnaam"]
        for key, value in ((first, second), (second, first)):
            if key in aliases and aliases[key] != value:
                raise InputDataError(name, f"{key!r} occurs in two pairs", column="Iv3naam", row=line)
            aliases[key] = value
    return aliases


@dataclass
class MunicipalityNames:
    """Resolve municipality names of a given year to GM codes.

    A name resolves if it is the register ``name`` or ``label`` of that year, or the alias (from
    ``gemeentenamen.csv``) of one.  For a year after the last register the latest register is used:
    unknown names are still caught because every name must resolve.
    """

    register: pd.DataFrame
    aliases: dict[str, str]
    _tables: dict[int, dict[str, str | None]] = field(default_factory=dict, init=False, repr=False)

    def __repr__(self) -> str:
        years = self.register["year"]
        return (f"MunicipalityNames(register {years.min()}-{years.max()}, "
                f"{len(self.aliases) // 2} alias pairs)")

    def _table_for(self, year: int) -> dict[str, str | None]:
        if year not in self._tables:
            years = sorted(int(y) for y in self.register["year"].unique() if int(y) <= year)
            if not years:
                raise KeyError(year)
            reg = self.register[self.register["year"] == years[-1]]
            table: dict[str, str | None] = {}
            for key, code in [*zip(reg["name"], reg["gm_code"]), *zip(reg["label"], reg["gm_code"])]:
                # None marks a spelling shared by two municipalities: it must not resolve silently.
                table[key] = code if table.get(key, code) == code else None
            for alias, target in self.aliases.items():
                if alias not in table and target in table:
                    table[alias] = table[target]
            self._tables[year] = table
        return self._tables[year]

    def codes(self, names: pd.Series, year: int, file: str, column: str) -> pd.Series:
        """GM code for every name in ``names`` (indexed by 1-based file line).

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

    def known_codes(self, year: int) -> set[str]:
        """Every GM code of the register used for ``year``."""
        return {c for c in self._table_for(int(year)).values() if c is not None}


def load_municipality_names(raw_dir: Path = DEFAULT_RAW_DIR,
                            register_path: Path = DATA_DIR / "register.csv") -> MunicipalityNames:
    """The project register plus the raw directory's ``gemeentenamen.csv`` aliases."""
    aliases = read_name_aliases(Path(raw_dir) / ALIASES_FILE, ALIASES_FILE)
    return MunicipalityNames(load_register(register_path), aliases)


# --------------------------------------------------------------------------------------------
# Low-level reading
# --------------------------------------------------------------------------------------------

def read_delimited(path: Path, name: str, delimiter: str) -> tuple[list[str], pd.DataFrame]:
    """Read a delimited UTF-8 text file into stripped strings indexed by 1-based line (header = 1).

    Duplicate column names are kept apart by position (``frame.iloc``); callers decide about them.

    Raises
    ------
    InputDataError
        For an empty or undecodable file, a wrong separator, a row of the wrong width (naming its
        line) and a file without data rows.
    """
    text = decode_text(path, name)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.strip() for h in rows[0]]
    if len(header) == 1:
        raise InputDataError(name, f"expected a {delimiter!r}-separated file", row=1)
    body = rows[1:]
    for offset, row in enumerate(body):
        if len(row) != len(header):
            raise InputDataError(name, f"has {len(row)} fields, expected {len(header)}", row=offset + 2)
    if not body:
        raise InputDataError(name, "the file has a header but no data rows")
    frame = pd.DataFrame(body, dtype=object).apply(lambda s: s.str.strip())
    frame.columns = header
    frame.index = pd.RangeIndex(2, len(body) + 2, name="line")
    return header, frame


def _require_columns(name: str, header: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise InputDataError(name, f"missing column(s) {missing}", column=missing[0], row=1)


def _drop_repeated_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
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


def parse_dutch_numbers(values: pd.Series, name: str, column: str, *, dash_is_zero: bool = False
                        ) -> pd.Series:
    """Convert Dutch-notation cells (``2.570,78``, ``4379,38``, ``1,94E+11``) to floats.

    Raises
    ------
    InputDataError
        Naming the first line whose cell is empty or not a number in Dutch notation.
    """
    cells = values.astype(str)
    dash = cells.eq(_DASH) if dash_is_zero else pd.Series(False, index=cells.index)
    bad = ~(cells.str.fullmatch(_DUTCH_NUMBER) | dash)
    if bad.any():
        line = bad.idxmax()
        raise InputDataError(name, f"{cells[line]!r} is not a number (Dutch notation expected, "
                                   "e.g. 2.570,78)", column=column, row=int(line))
    normal = cells.where(~dash, "0").str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return normal.astype("float64")


def _file_key(path: Path, name: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    match = pattern.match(Path(path).name)
    if match is None:
        raise InputDataError(name, f"file name does not match {pattern.pattern!r}: cannot tell "
                                   "circular and year")
    return match["circular"], int(match["year"])


def _gm_codes_from_cbs(frame: pd.DataFrame, name: str) -> pd.Series:
    """``CBS`` municipality numbers (``14``, ``1979``) as GM codes (``GM0014``, ``GM1979``)."""
    cells = frame["CBS"]
    bad = ~cells.str.fullmatch(r"\d{1,4}")
    if bad.any():
        line = bad.idxmax()
        raise InputDataError(name, f"{cells[line]!r} is not a CBS municipality number",
                             column="CBS", row=int(line))
    return "GM" + cells.str.zfill(4)


def _municipality_codes(frame: pd.DataFrame, name: str, year: int,
                        names: MunicipalityNames) -> pd.Series:
    """GM codes of a fund file: from ``CBS`` where present (checked against ``Naam``), else by name."""
    by_name = names.codes(frame["Naam"], year, name, "Naam")
    if "CBS" not in frame.columns:
        return by_name
    codes = _gm_codes_from_cbs(frame, name)
    clash = codes.ne(by_name)
    if clash.any():
        line = clash.idxmax()
        raise InputDataError(name, f"CBS number {frame.at[line, 'CBS']} ({codes[line]}) does not match "
                                   f"the name {frame.at[line, 'Naam']!r} ({by_name[line]})",
                             column="CBS", row=int(line))
    return codes


def _reject_duplicate_codes(codes: pd.Series, name: str, column: str) -> None:
    dup = codes[codes.duplicated(keep=False)]
    if not dup.empty:
        lines = dup[dup == dup.iloc[0]].index.tolist()
        raise InputDataError(name, f"{dup.iloc[0]} occurs on lines {lines}", column=column,
                             row=int(lines[1]))


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------

def _long(codes: pd.Series, frame: pd.DataFrame, columns: list[str], names: tuple[str, str],
          circular: str, year: int, parse) -> pd.DataFrame:
    """One row per municipality and column: ``gm_code, circular, year, <names[0]>, <names[1]>``."""
    key, value = names
    parts = [pd.DataFrame({"gm_code": codes, key: column, value: parse(column)}) for column in columns]
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "circular", circular)
    out.insert(2, "year", year)
    return out


def available_circulars(raw_dir: Path) -> list[tuple[str, int]]:
    """Every ``(circular, year)`` with a volumes file, in publication order (M2023, S2023, M2024, ...).

    Discovered from ``gemeentefonds/clusterdata/GF_*_Volumina.csv`` so that a new circular needs
    no code change.
    """
    found = []
    for path in (Path(raw_dir) / CLUSTERDATA_DIR).glob("GF_*_Volumina.csv"):
        match = _VOLUMES_NAME.match(path.name)
        if match:
            found.append((match["circular"], int(match["year"])))
    # Publication order: circular year first, then May before September, then the payment year.
    return sorted(found, key=lambda cy: (int(cy[0][1:]), cy[0][0], cy[1]))


def read_volumes(path: Path, name: str, names: MunicipalityNames | None = None) -> pd.DataFrame:
    """Read a ``GF_<circular>_<year>_Volumina.csv`` file into a tidy table.

    Parameters
    ----------
    path
        The file.
    name
        How it is named in error messages (relative to the raw directory).
    names
        Name resolver used to check each ``CBS`` number against its ``Naam``; by default the
        project register and the default raw directory's aliases.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, circular, year, criterion, volume``: one row per municipality and criterion.
    """
    names = names or load_municipality_names()
    circular, year = _file_key(path, name, _VOLUMES_NAME)
    header, frame = read_delimited(path, name, "\t")
    _require_columns(name, header, ["CBS", "Naam"])
    frame = _drop_repeated_columns(frame, name)
    codes = _municipality_codes(frame, name, year, names)
    _reject_duplicate_codes(codes, name, "CBS")
    criteria = [c for c in frame.columns if c not in ("CBS", "Naam", "Prov")]
    return _long(codes, frame, criteria, ("criterion", "volume"), circular, year,
                 lambda column: parse_dutch_numbers(frame[column], name, column))


def read_weights(path: Path, name: str) -> pd.DataFrame:
    """Read a ``GF_<circular>_<year>_Gewichten.csv`` file: euro per unit per criterion per cluster.

    Returns
    -------
    pandas.DataFrame
        ``circular, year, criterion, criterion_name, kind, cluster, weight``.  ``kind`` is
        ``'criterion'`` for a distribution criterion (``criterion`` is its code, e.g. ``jong``) and
        ``'siudu'`` for a special payment listed without a code (``criterion`` is then empty and the
        weight is the share of that payment assigned to the cluster).

    Raises
    ------
    InputDataError
        For a non-number, a repeated criterion, or a ``Totaal`` that is not the sum of the clusters.
    """
    circular, year = _file_key(path, name, _WEIGHTS_NAME)
    header, frame = read_delimited(path, name, "\t")
    _require_columns(name, header, ["Codering maatstaf", "Naam maatstaf", "Totaal"])
    frame = _drop_repeated_columns(frame, name)
    header = list(frame.columns)
    clusters = [c for c in header if c not in ("Codering maatstaf", "Naam maatstaf", "Totaal")]
    if not clusters:
        raise InputDataError(name, "no cluster columns", row=1)
    values = pd.DataFrame({c: parse_dutch_numbers(frame[c], name, c) for c in clusters + ["Totaal"]})
    off = (values[clusters].sum(axis=1) - values["Totaal"]).abs() > _CENT * (len(clusters) + 1)
    if off.any():
        line = off.idxmax()
        raise InputDataError(name, "Totaal is not the sum of the cluster weights", column="Totaal",
                             row=int(line))
    kind = np.where(frame["Codering maatstaf"].eq(""), "siudu", "criterion")
    # A special payment has no code: its (case-folded) name identifies it instead.
    key = frame["Codering maatstaf"].where(kind == "criterion",
                                           "siudu:" + frame["Naam maatstaf"].str.casefold())
    _reject_duplicate_codes(key, name, "Codering maatstaf")
    long = values[clusters].stack().rename("weight").reset_index()
    long.columns = ["line", "cluster", "weight"]
    meta = pd.DataFrame({"criterion": frame["Codering maatstaf"], "criterion_name": frame["Naam maatstaf"],
                         "kind": kind}, index=frame.index)
    out = long.join(meta, on="line")
    out.insert(0, "circular", circular)
    out.insert(1, "year", year)
    return out[["circular", "year", "criterion", "criterion_name", "kind", "cluster", "weight"]]


def read_siudu(path: Path, name: str, names: MunicipalityNames | None = None) -> pd.DataFrame:
    """Read a ``GF_<circular>_<year>_SIUDU.csv`` file: special payments in euro per municipality.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, circular, year, item, amount_eur``; ``item`` is the payment's name as in the file.
    """
    names = names or load_municipality_names()
    circular, year = _file_key(path, name, _SIUDU_NAME)
    header, frame = read_delimited(path, name, "\t")
    _require_columns(name, header, ["Naam"])
    frame = _drop_repeated_columns(frame, name)
    codes = _municipality_codes(frame, name, year, names)
    _reject_duplicate_codes(codes, name, "Naam")
    items = [c for c in frame.columns if c not in ("CBS", "Naam", "Prov")]
    folded = [i.casefold() for i in items]
    repeated = sorted({i for i in folded if folded.count(i) > 1})
    if repeated:
        raise InputDataError(name, f"payment(s) {repeated} occur twice", column=repeated[0], row=1)
    return _long(codes, frame, items, ("item", "amount_eur"), circular, year,
                 lambda column: parse_dutch_numbers(frame[column], name, column, dash_is_zero=True))


def read_uitkeringsfactor(path: Path, name: str) -> pd.DataFrame:
    """Read ``Uitkeringsfactor.csv`` (``Circulaire,Jaar,Uitkeringsfactor``, decimal point).

    Returns
    -------
    pandas.DataFrame
        ``circular, year, factor``.
    """
    header, frame = read_delimited(path, name, ",")
    _require_columns(name, header, ["Circulaire", "Jaar", "Uitkeringsfactor"])
    for column, pattern in (("Circulaire", r"[MS]\d{4}"), ("Jaar", r"\d{4}"),
                            ("Uitkeringsfactor", r"\d+(\.\d+)?")):
        bad = ~frame[column].str.fullmatch(pattern)
        if bad.any():
            line = bad.idxmax()
            raise InputDataError(name, f"{frame.at[line, column]!r} does not look like {pattern!r}",
                                 column=column, row=int(line))
    out = pd.DataFrame({"circular": frame["Circulaire"], "year": frame["Jaar"].astype(int),
                        "factor": frame["Uitkeringsfactor"].astype(float)})
    _reject_duplicate_codes(out["circular"] + "/" + out["year"].astype(str), name, "Circulaire")
    return out.reset_index(drop=True)


def factor_for(factors: pd.DataFrame, circular: str, year: int, name: str = FACTOR_FILE) -> float:
    """The uitkeringsfactor of one circular and payment year.

    Raises
    ------
    InputDataError
        If the factor table has no row for it.
    """
    row = factors[(factors["circular"] == circular) & (factors["year"] == year)]
    if row.empty:
        raise InputDataError(name, f"no uitkeringsfactor for circular {circular}, year {year}")
    return float(row["factor"].iat[0])


def read_cluster_amounts(path: Path, name: str, names: MunicipalityNames | None = None) -> pd.DataFrame:
    """Read a published ``clusterbedragen/GF_<circular>_<year>.csv`` file.

    The ``Nederland`` row is checked to equal the sum of the municipalities and then dropped.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, circular, year, cluster, published_eur``: one row per municipality and cluster
        (``Totaal`` included as a cluster named ``'Totaal'``).
    """
    names = names or load_municipality_names()
    circular, year = _file_key(path, name, _AMOUNTS_NAME)
    header, frame = read_delimited(path, name, ";")
    _require_columns(name, header, ["Gemeenten"])
    frame = _drop_repeated_columns(frame, name)
    # The first, unnamed column is the exporter's row number.
    clusters = [c for c in frame.columns if c not in ("", "Gemeenten")]
    values = pd.DataFrame(index=frame.index)
    for cluster in clusters:
        number = pd.to_numeric(frame[cluster], errors="coerce")
        if number.isna().any():
            line = number.isna().idxmax()
            raise InputDataError(name, f"{frame.at[line, cluster]!r} is not a number", column=cluster,
                                 row=int(line))
        values[cluster] = number
    national = frame["Gemeenten"].eq(NATIONAL_ROW)
    municipal = values[~national]
    if national.sum() == 1:
        line = national.idxmax()
        gap = (municipal.sum() - values.loc[line]).abs() > 1e-6 * values.loc[line].abs() + 1.0
        if gap.any():
            column = gap.idxmax()
            raise InputDataError(name, "the Nederland row is not the sum of the municipalities",
                                 column=column, row=int(line))
    codes = names.codes(frame.loc[~national, "Gemeenten"], year, name, "Gemeenten")
    _reject_duplicate_codes(codes, name, "Gemeenten")
    long = municipal.set_axis(codes, axis=0).rename_axis("gm_code").stack()
    out = long.rename("published_eur").rename_axis(["gm_code", "cluster"]).reset_index()
    out.insert(1, "circular", circular)
    out.insert(2, "year", year)
    return out


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

def _single(frame: pd.DataFrame, what: str) -> tuple[str, int]:
    keys = frame[["circular", "year"]].drop_duplicates()
    if len(keys) != 1:
        raise ValueError(f"{what} must hold exactly one circular/year, found {len(keys)}")
    return str(keys["circular"].iat[0]), int(keys["year"].iat[0])


def youth_cluster_amount(volumes: pd.DataFrame, weights: pd.DataFrame, factor: float,
                         cluster: str = YOUTH_CLUSTER, siudu: pd.DataFrame | None = None
                         ) -> pd.DataFrame:
    """The fund model's amount for one cluster, per municipality, for one circular and year.

    ``computed_eur = factor x sum over criteria (volume x weight)``, summed over the criteria with a
    non-zero weight in ``cluster``.  Special payments (SIUDU) are *not* part of it: they are paid as
    euro amounts outside the uitkeringsfactor.  Pass ``siudu`` to get them in a separate column.

    Parameters
    ----------
    volumes, weights
        From :func:`read_volumes` and :func:`read_weights` of the same circular and year.
    factor
        The uitkeringsfactor (:func:`factor_for`).
    cluster
        The cluster column of the weights file.
    siudu
        Optional, from :func:`read_siudu`: adds ``siudu_eur``, the sum of the payments that the
        weights file assigns to the cluster (times their weight, usually 1).

    Returns
    -------
    pandas.DataFrame
        Wide, one row per municipality: ``gm_code, circular, year, cluster, uitkeringsfactor,
        computed_eur``, then one ``contribution_<criterion>`` column per criterion (volume x weight x
        factor, so the contributions add up to ``computed_eur``), then ``siudu_eur`` if requested.

    Raises
    ------
    ValueError
        If the inputs mix circulars or years, or the cluster is unknown.
    KeyError
        If a criterion with a non-zero weight has no volume column, or a weighted SIUDU payment is
        missing from ``siudu``.
    """
    key = _single(volumes, "volumes")
    if _single(weights, "weights") != key:
        raise ValueError(f"weights are of {_single(weights, 'weights')}, volumes of {key}")
    if cluster not in set(weights["cluster"]):
        raise ValueError(f"unknown cluster {cluster!r}")
    used = weights[(weights["cluster"] == cluster) & (weights["weight"] != 0)]
    criteria = used[used["kind"] == "criterion"]
    wide = volumes.pivot(index="gm_code", columns="criterion", values="volume")
    out = pd.DataFrame(index=wide.index)
    for criterion, weight in zip(criteria["criterion"], criteria["weight"]):
        column = criterion if criterion in wide else _VOLUME_COLUMN_ALIASES.get(criterion, criterion)
        if column not in wide:
            raise KeyError(f"criterion {criterion!r} has weight {weight} in {cluster!r} but no volumes")
        out[f"contribution_{criterion}"] = wide[column] * weight * factor
    out.insert(0, "computed_eur", out.sum(axis=1))
    if siudu is not None:
        out["siudu_eur"] = _siudu_for_cluster(siudu, used[used["kind"] == "siudu"], key).reindex(
            out.index, fill_value=0.0)
    out = out.reset_index()
    out.insert(1, "circular", key[0])
    out.insert(2, "year", key[1])
    out.insert(3, "cluster", cluster)
    out.insert(4, "uitkeringsfactor", factor)
    return out


def _siudu_for_cluster(siudu: pd.DataFrame, items: pd.DataFrame, key: tuple[str, int]) -> pd.Series:
    if _single(siudu, "siudu") != key:
        raise ValueError(f"siudu is of {_single(siudu, 'siudu')}, volumes of {key}")
    # The weights file writes "voogdij/18+", the SIUDU file "Voogdij/18+": match case-insensitively.
    shares = dict(zip(items["criterion_name"].str.casefold(), items["weight"]))
    folded = siudu["item"].str.casefold()
    missing = sorted(set(shares) - set(folded))
    if missing:
        raise KeyError(f"weighted special payment(s) {missing} not in the SIUDU file")
    chosen = siudu[folded.isin(shares)]
    share = chosen["item"].str.casefold().map(shares)
    return (chosen["amount_eur"] * share).groupby(chosen["gm_code"]).sum()


def compare_with_published(computed: pd.DataFrame, published: pd.DataFrame,
                           include_siudu: bool = False) -> pd.DataFrame:
    """Set the model amount beside the published cluster amount, per municipality.

    Parameters
    ----------
    computed
        From :func:`youth_cluster_amount`.
    published
        From :func:`read_cluster_amounts` (all clusters; the one of ``computed`` is taken).
    include_siudu
        Add ``siudu_eur`` to the model amount (needs ``computed`` made with ``siudu``): the S2024
        file for 2024 publishes cluster amounts including the special payments.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, circular, year, cluster, computed_eur, published_eur, difference_eur`` (computed
        minus published) and ``relative_difference`` (difference / published).  A municipality on
        one side only keeps a missing value on the other, so callers can see it.
    """
    model = computed[["gm_code", "circular", "year", "cluster", "computed_eur"]].copy()
    if include_siudu:
        if "siudu_eur" not in computed:
            raise ValueError("include_siudu needs computed amounts made with siudu=")
        model["computed_eur"] = model["computed_eur"] + computed["siudu_eur"]
    clusters = set(model["cluster"])
    target = published[published["cluster"].isin(clusters)]
    out = model.merge(target, on=["gm_code", "circular", "year", "cluster"], how="outer")
    out["difference_eur"] = out["computed_eur"] - out["published_eur"]
    out["relative_difference"] = out["difference_eur"] / out["published_eur"]
    return out.sort_values(["circular", "year", "gm_code"], ignore_index=True)


def circular_files(circular: str, year: int) -> dict[str, str]:
    """The files of one circular, relative to the raw directory, by kind."""
    stem = f"{CLUSTERDATA_DIR}/GF_{circular}_{year}"
    files = {kind: f"{stem}_{kind}.csv" for kind in ("Volumina", "Gewichten", "SIUDU")}
    files["clusterbedragen"] = f"{CLUSTERBEDRAGEN_DIR}/GF_{circular}_{year}.csv"
    return files


def read_circular(raw_dir: Path, circular: str, year: int, names: MunicipalityNames,
                  cluster: str = YOUTH_CLUSTER) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one circular once: the model amounts (with ``siudu_eur``) and the published amounts."""
    raw_dir = Path(raw_dir)
    files = circular_files(circular, year)
    volumes = read_volumes(raw_dir / files["Volumina"], files["Volumina"], names)
    weights = read_weights(raw_dir / files["Gewichten"], files["Gewichten"])
    siudu = read_siudu(raw_dir / files["SIUDU"], files["SIUDU"], names)
    factor = factor_for(read_uitkeringsfactor(raw_dir / FACTOR_FILE, FACTOR_FILE), circular, year)
    computed = youth_cluster_amount(volumes, weights, factor, cluster, siudu=siudu)
    published = read_cluster_amounts(raw_dir / files["clusterbedragen"], files["clusterbedragen"], names)
    return computed, published


def model_vs_published(raw_dir: Path, circular: str, year: int, names: MunicipalityNames | None = None,
                       cluster: str = YOUTH_CLUSTER, include_siudu: bool = False) -> pd.DataFrame:
    """Read one circular from ``raw_dir`` and compare the model with the published amounts."""
    names = names or load_municipality_names(Path(raw_dir))
    computed, published = read_circular(raw_dir, circular, year, names, cluster)
    return compare_with_published(computed, published, include_siudu=include_siudu)
