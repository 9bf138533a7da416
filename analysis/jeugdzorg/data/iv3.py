"""Municipal budgets and accounts per task field (Iv3, CBS) and the youth-care mix.

Iv3 ("Informatie voor derden") is the statistics every municipality reports on its budget
(*begroting*) and accounts (*jaarrekening*), per *taakveld* (task field).  The raw exports
(``iv3/{year}_{jaarrekening|begroting}.csv``) are ``;``-separated, x EUR 1,000, with the columns
``Gemeenten;Taakveld;L1.1 Salarissen en sociale lasten;Baten;Lasten;Provincie;Gemeentegrootte;
Stedelijkheid;Inwonertal[;Centrumfunctie;Sociale structuur]``.  ``Taakveld`` holds code and label in one
cell (``6.72a Jeugdhulp begeleiding``; long labels are cut off with ``..``), ``Gemeenten`` the
municipality name (the fund spelling: ``Beek``, ``'s-Gravenhage``), and one ``Nederland`` row per task
field equals the sum of the municipalities.

The youth task fields changed in 2025.  2023 and 2024 split youth care by form (6.72a-d without
residence, 6.73a-c with residence, 6.74a-c GGZ/crisis/closed, 6.82a/b protection and probation); 2025
splits it by residence and scale (6.751-753 ambulant, 6.761-763 with residence: local, regional,
national) and adds access (6.22), PGB (6.792) and policy (6.92).  :data:`CARE_CATEGORIES` maps both
structures to one set of categories, chosen so that the categories mean the same before and after
the break (see the comments there).

Excluded on purpose: **6.2 Wijkteams** (2023-2024) and **6.23 Toegang en eerstelijnsvoorzieningen
Integraal** (2025) hold access for youth *and* adults in one amount that cannot be split;
7.1 Volksgezondheid (which includes youth health care, JGZ) is public health, not youth care.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import InputDataError
from .catalogue import InputRecord
from .names import NATIONAL_CODE, MunicipalityNames
from .rawtext import detect_notation, parse_numbers, read_table

NATIONAL_ROW = "Nederland"
REQUIRED_COLUMNS = ["Gemeenten", "Taakveld", "Baten", "Lasten"]

#: File-name word -> the ``kind`` written to the tidy table.
KINDS = {"jaarrekening": "realised", "begroting": "budgeted"}
_FILE_NAME = re.compile(r"^(?P<year>\d{4})_(?P<kind>jaarrekening|begroting)\.csv$")
_TASK_FIELD = re.compile(r"^(?P<code>\d+\.\d+[a-z]?)\s+(?P<label>\S.*)$")

WITHOUT_RESIDENCE = "without residence"
WITH_RESIDENCE = "with residence"
PROTECTION = "protection and probation"
ACCESS = "access"
POLICY = "policy and coordination"
#: Category order for tables and figures.
CATEGORIES = (WITHOUT_RESIDENCE, WITH_RESIDENCE, PROTECTION, ACCESS, POLICY)
#: Categories with task fields in both structures; compare across the 2024/2025 break only with these.
COMPARABLE_CATEGORIES = (WITHOUT_RESIDENCE, WITH_RESIDENCE, PROTECTION)

#: Every youth task field of both structures -> its care category.
#:
#: The categories follow the one distinction both structures make, residence.  There is therefore no
#: separate "GGZ/crisis/closed" category: 2025 has no such field (ambulant GGZ went to 6.75x, crisis,
#: GGZ with residence and closed placements to 6.76x), so a separate category would be empty from 2025
#: and the break would look like a shift in care.  Likewise PGB is not separate: before 2025 it was
#: booked under the field of the care form, mostly 6.72a begeleiding.
CARE_CATEGORIES: dict[str, str] = {
    # --- 2023-2024 structure --------------------------------------------------------------
    # Legacy umbrella kept in the 2023 chart of accounts, near zero (EUR 6 mln of 6.3 bln in the
    # 2023 accounts); before 2023 it held individual youth care without residence.
    "6.72": WITHOUT_RESIDENCE,
    "6.72a": WITHOUT_RESIDENCE,  # Jeugdhulp begeleiding
    "6.72b": WITHOUT_RESIDENCE,  # Jeugdhulp behandeling
    "6.72c": WITHOUT_RESIDENCE,  # Jeugdhulp dagbesteding
    "6.72d": WITHOUT_RESIDENCE,  # Jeugdhulp zonder verblijf overig
    "6.73a": WITH_RESIDENCE,  # Pleegzorg (foster care)
    "6.73b": WITH_RESIDENCE,  # Gezinsgericht (family-style homes)
    "6.73c": WITH_RESIDENCE,  # Jeugdhulp met verblijf overig
    # GGZ without residence is ambulant care: in 2025 it is booked in 6.75x.
    "6.74a": WITHOUT_RESIDENCE,  # Jeugd behandeling GGZ zonder verblijf
    # Crisis, LTA and GGZ with residence, and closed placements, are booked in 6.76x from 2025.
    "6.74b": WITH_RESIDENCE,  # Jeugdhulp crisis/LTA/GGZ-verblijf
    "6.74c": WITH_RESIDENCE,  # Gesloten plaatsing
    # Legacy "Geëscaleerde zorg 18-", near zero (EUR 7 mln in 2023); before 2023 it held mostly
    # youth care with residence (besides protection and probation), so it follows the larger part.
    "6.82": WITH_RESIDENCE,
    "6.82a": PROTECTION,  # Jeugdbescherming
    "6.82b": PROTECTION,  # Jeugdreclassering
    # --- 2025 structure ---------------------------------------------------------------------
    # Youth-specific access exists only from 2025; before, it sat in 6.2 Wijkteams (excluded).
    "6.22": ACCESS,  # Toegang en eerstelijnsvoorzieningen Jeugd
    "6.751": WITHOUT_RESIDENCE,  # Jeugdhulp ambulant lokaal
    "6.752": WITHOUT_RESIDENCE,  # Jeugdhulp ambulant regionaal
    "6.753": WITHOUT_RESIDENCE,  # Jeugdhulp ambulant landelijk
    "6.761": WITH_RESIDENCE,  # Jeugdhulp met verblijf lokaal
    "6.762": WITH_RESIDENCE,  # Jeugdhulp met verblijf regionaal
    "6.763": WITH_RESIDENCE,  # Jeugdhulp met verblijf landelijk
    # PGB Jeugd mostly pays ambulant support by (informal) carers; keeping it with the care it
    # buys keeps 2025 comparable with the years it was booked under 6.72a-d.
    "6.792": WITHOUT_RESIDENCE,  # PGB Jeugd
    "6.821": PROTECTION,  # Jeugdbescherming
    "6.822": PROTECTION,  # Jeugdreclassering
    # Policy and coordination is neither care nor access; before 2025 it sat in overhead (0.4)
    # or in the care fields, so it is its own 2025-only category.
    "6.92": POLICY,  # Coördinatie en beleid Jeugd
}

#: Fields that mention youth but are deliberately left out (see the module docstring).
EXCLUDED_FIELDS: dict[str, str] = {
    "6.2": "Wijkteams: youth and adult access in one amount",
    "6.23": "Toegang en eerstelijnsvoorzieningen Integraal: youth and adult access in one amount",
}

_YOUTH_LABEL = re.compile(r"jeugd|18-", re.IGNORECASE)


def available_iv3(raw_dir: Path) -> list[tuple[int, str]]:
    """Every ``(year, file kind)`` in ``raw_dir/iv3``, e.g. ``(2023, 'jaarrekening')``, sorted."""
    found = []
    for path in (Path(raw_dir) / "iv3").glob("*.csv"):
        match = _FILE_NAME.match(path.name)
        if match:
            found.append((int(match["year"]), match["kind"]))
    return sorted(found)


def _kind_label(kind: str) -> str:
    if kind in KINDS:
        return KINDS[kind]
    if kind in KINDS.values():
        return kind
    raise ValueError(f"kind must be one of {sorted(KINDS) + sorted(KINDS.values())}, not {kind!r}")


def _check_file_name(path: Path, name: str, kind: str, year: int) -> None:
    """A file named ``2024_begroting.csv`` read as the 2023 accounts is a mix-up: stop it."""
    match = _FILE_NAME.match(Path(path).name)
    if match and (int(match["year"]) != year or KINDS[match["kind"]] != kind):
        raise InputDataError(name, f"read as {kind} {year}, but the file name says "
                                   f"{match['kind']} {match['year']}")


def _read_rows(path: Path, name: str) -> pd.DataFrame:
    """The required columns as stripped strings, indexed by 1-based line (header = line 1)."""
    frame = read_table(path, name, ";", REQUIRED_COLUMNS)[REQUIRED_COLUMNS]
    detect_notation(frame, ["Baten", "Lasten"], name, "point")
    return frame


def _amounts(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    """Amounts x EUR 1,000, written with a decimal point (``28492.0``); anything else is refused."""
    return parse_numbers(frame[column], name, column, missing=None)


def _task_fields(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    parts = frame["Taakveld"].str.extract(_TASK_FIELD)
    bad = parts["code"].isna()
    if bad.any():
        line = bad.idxmax()
        raise InputDataError(name, f"{frame.at[line, 'Taakveld']!r} is not '<code> <label>' "
                                   "(e.g. '6.72a Jeugdhulp begeleiding')", column="Taakveld", row=int(line))
    return parts.assign(label=parts["label"].str.strip())


def _check_national(out: pd.DataFrame, national: pd.Series, name: str) -> None:
    """The ``Nederland`` row must be the sum of the municipalities: else rows are missing or extra."""
    totals = out[~national].groupby("task_field")[["lasten_keur", "baten_keur"]].sum()
    nl = out[national].set_index("task_field")[["lasten_keur", "baten_keur"]]
    for column, source in (("lasten_keur", "Lasten"), ("baten_keur", "Baten")):
        gap = (totals[column].reindex(nl.index, fill_value=0) - nl[column]).abs()
        off = gap > 1.0 + 1e-6 * nl[column].abs()
        if off.any():
            field = off.idxmax()
            line = int(out.index[national & out["task_field"].eq(field)][0])
            raise InputDataError(name, f"the Nederland row of task field {field} ({nl.at[field, column]}) "
                                       f"is not the sum of the municipalities ({totals.at[field, column]})",
                                 column=source, row=line)


def _reject_duplicates(out: pd.DataFrame, name: str) -> None:
    dup = out[out.duplicated(["gm_code", "task_field"], keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        lines = dup[(dup["gm_code"] == first["gm_code"]) & (dup["task_field"] == first["task_field"])].index
        raise InputDataError(name, f"{first['gm_code']} has task field {first['task_field']} on lines "
                                   f"{lines.tolist()}", column="Taakveld", row=int(lines[1]))


def read_iv3(path: Path, name: str, kind: str, year: int, names: MunicipalityNames,
             keep_national: bool = False) -> pd.DataFrame:
    """Read one Iv3 file into a tidy table keyed by GM code and task field.

    Parameters
    ----------
    path
        ``iv3/{year}_{jaarrekening|begroting}.csv``.
    name
        How the file is named in error messages (relative to the raw directory).
    kind
        ``'jaarrekening'`` / ``'realised'`` or ``'begroting'`` / ``'budgeted'``.  Must agree with the
        file name when that has the standard form.
    year
        The reporting year; names are resolved through the register of that year.
    names
        Name resolver (register plus ``gemeentenamen.csv``).
    keep_national
        Keep the ``Nederland`` rows, with ``gm_code`` ``'NL01'``.  They are always checked to equal
        the sum of the municipalities.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, year, kind, task_field, task_field_label, lasten_keur, baten_keur`` (x EUR 1,000;
        ``kind`` is ``'realised'`` or ``'budgeted'``), indexed by file line (header = line 1), so that
        later checks can name the row.  The frame's ``attrs['source']`` is ``name``.

    Raises
    ------
    InputDataError
        Naming file, column and line of an unknown municipality, a malformed task field, a
        non-numeric amount, a duplicate municipality x task field, or a national row that is not the
        sum of the municipalities.
    """
    kind = _kind_label(kind)
    _check_file_name(path, name, kind, year)
    frame = _read_rows(path, name)
    fields = _task_fields(frame, name)
    national = frame["Gemeenten"].eq(NATIONAL_ROW)
    codes = pd.Series(NATIONAL_CODE, index=frame.index, dtype=object)
    codes[~national] = names.codes(frame.loc[~national, "Gemeenten"], year, name, "Gemeenten")
    out = pd.DataFrame({
        "gm_code": codes, "year": int(year), "kind": kind, "task_field": fields["code"],
        "task_field_label": fields["label"], "lasten_keur": _amounts(frame, "Lasten", name),
        "baten_keur": _amounts(frame, "Baten", name)}, index=frame.index)
    _reject_duplicates(out, name)
    if national.any():
        _check_national(out, national, name)
    if not keep_national:
        out = out[~national]
    out.attrs["source"] = name
    return out


def _family(code: str) -> str:
    """``'6.73'`` for ``'6.73a'``: sub-fields a, b, c share the family of their parent code."""
    return code.rstrip("abcdefghijklmnopqrstuvwxyz")


def youth_task_fields(frame: pd.DataFrame) -> list[str]:
    """The youth task fields present in an Iv3 table, found from the data rather than the mapping.

    A field is youth if its label mentions *jeugd* or *18-* (the old "Maatwerkdienstverlening 18-"
    and "Geëscaleerde zorg 18-"), or if it belongs to the same family as such a field: that catches
    6.73a Pleegzorg, 6.73b Gezinsgericht and 6.74c Gesloten plaatsing, whose labels do not say
    *jeugd*.  6.2 Wijkteams and 6.23 Toegang Integraal (youth and adults together) are not youth
    fields, nor is 7.1 Volksgezondheid.
    """
    labels = frame[["task_field", "task_field_label"]].drop_duplicates()
    youth = labels["task_field_label"].str.contains(_YOUTH_LABEL)
    families = {_family(code) for code in labels.loc[youth, "task_field"]}
    found = labels["task_field"][labels["task_field"].map(_family).isin(families)]
    return sorted(set(found), key=_sort_key)


def _sort_key(code: str) -> tuple[int, str]:
    chapter, _, rest = code.partition(".")
    return int(chapter), rest


def unmapped_youth_fields(frame: pd.DataFrame) -> list[str]:
    """Youth task fields in ``frame`` that :data:`CARE_CATEGORIES` does not map (should be empty)."""
    return [f for f in youth_task_fields(frame) if f not in CARE_CATEGORIES and f not in EXCLUDED_FIELDS]


def care_mix(frame: pd.DataFrame) -> pd.DataFrame:
    """Youth-care spending (lasten) per municipality, year, kind and care category.

    Parameters
    ----------
    frame
        From :func:`read_iv3` (one or more files concatenated).

    Returns
    -------
    pandas.DataFrame
        ``gm_code, year, kind, category, lasten_keur, baten_keur`` (x EUR 1,000: spending and
        receipts, e.g. contributions of other municipalities to care a central municipality buys for
        its region), one row per category that has
        task fields in that year's structure (``access`` and ``policy and coordination`` exist only
        from 2025; compare across the break with :data:`COMPARABLE_CATEGORIES`).

    Raises
    ------
    InputDataError
        If the table holds a youth task field that has no category: a new chart of accounts must be
        mapped before its costs are counted, not silently dropped.
    """
    unmapped = unmapped_youth_fields(frame)
    if unmapped:
        source = frame.attrs.get("source")
        # The frame of one file (read_iv3) is indexed by file line; files concatenated share numbers.
        line = int(frame.index[frame["task_field"].eq(unmapped[0])][0]) if source else None
        raise InputDataError(source or "Iv3 table",
                             f"youth task field(s) {unmapped} have no care category: add them to "
                             "CARE_CATEGORIES in analysis/jeugdzorg/data/iv3.py", column="Taakveld", row=line)
    youth = frame[frame["task_field"].isin(CARE_CATEGORIES)]
    out = (youth.assign(category=youth["task_field"].map(CARE_CATEGORIES))
           .groupby(["gm_code", "year", "kind", "category"], as_index=False)[["lasten_keur", "baten_keur"]].sum())
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return out.sort_values(["year", "kind", "gm_code", "category"], key=lambda s: s.map(order)
                           if s.name == "category" else s, ignore_index=True)


def file_name(year: int, kind: str) -> str:
    """The raw file of one year and kind (``'realised'``/``'jaarrekening'`` or ``'budgeted'``/``'begroting'``)."""
    word = kind if kind in KINDS else {label: word for word, label in KINDS.items()}[kind]
    return f"iv3/{year}_{word}.csv"


def input_files(raw_dir: Path) -> list[str]:
    """Every Iv3 file the importer reads from ``raw_dir`` (relative paths)."""
    return [file_name(year, kind) for year, kind in available_iv3(raw_dir)]


def read_care_mix(raw_dir: Path, names: MunicipalityNames) -> tuple[pd.DataFrame, list[InputRecord]]:
    """Iv3 youth spending per care category for every accounts/budget file in ``raw_dir``."""
    frames, records = [], []
    for year, kind in available_iv3(raw_dir):
        name = file_name(year, kind)
        frame = read_iv3(Path(raw_dir) / name, name, kind, year, names)
        frames.append(care_mix(frame))
        records.append(InputRecord(name, f"Iv3 {year} {kind}", f"Iv3 {kind} {year}: lasten per task field",
                                   "care mix", f"{year} ({kind})", len(frame), 0))
    return pd.concat(frames, ignore_index=True), records
