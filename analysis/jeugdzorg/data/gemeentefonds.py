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
register of 2024 and later says ``Beek (L.)``; :class:`~jeugdzorg.data.names.MunicipalityNames` resolves them through the
register of the same year and ``gemeenteklassen/gemeentenamen.csv``.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from .catalogue import InputRecord
from .checks import Checks, Finding
from .names import MunicipalityNames
from .rawtext import detect_notation, drop_repeated_columns, format_number, parse_numbers, read_table

YOUTH_CLUSTER = "Individuele voorzieningen Jeugd"
NATIONAL_ROW = "Nederland"
CLUSTERDATA_DIR = "gemeentefonds/clusterdata"
CLUSTERBEDRAGEN_DIR = "gemeentefonds/clusterbedragen"
FACTOR_FILE = "gemeentefonds/Uitkeringsfactor.csv"

_CIRCULAR = r"(?P<circular>[MS]\d{4})"
_VOLUMES_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})_Volumina\.csv$")
_WEIGHTS_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})_Gewichten\.csv$")
_SIUDU_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})_SIUDU\.csv$")
_AMOUNTS_NAME = re.compile(rf"^GF_{_CIRCULAR}_(?P<year>\d{{4}})\.csv$")

#: Weight rows name the fixed amount ``vast``; the volume files call that column ``vast nieuw``.
_VOLUME_COLUMN_ALIASES = {"vast": "vast nieuw"}

#: The weights file rounds each cell to cents, so ``Totaal`` may differ from the row sum by up to
#: half a cent per cluster.
_CENT = 0.005


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

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


def _renamed(wanted: str, present: list[str]) -> str:
    """`` (renamed 'X'?)`` when a column of ``present`` resembles the ``wanted`` one, else ''."""
    folded = {column.casefold(): column for column in present}
    close = difflib.get_close_matches(wanted.casefold(), list(folded), n=1, cutoff=0.75)
    return f" (renamed {folded[close[0]]!r}?)" if close else ""


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
          circular: str, year: int, parse, source: str) -> pd.DataFrame:
    """One row per municipality and column: ``gm_code, circular, year, <names[0]>, <names[1]>``;
    ``attrs["source"]`` is the file (see :func:`_source`)."""
    key, value = names
    parts = [pd.DataFrame({"gm_code": codes, key: column, value: parse(column)}) for column in columns]
    out = pd.concat(parts, ignore_index=True)
    out.insert(1, "circular", circular)
    out.insert(2, "year", year)
    out.attrs["source"] = source
    return out


def _source(frame: pd.DataFrame, what: str) -> str:
    """The file a reader's frame comes from (``attrs["source"]``), for messages of the checks that
    combine the files of a circular; ``what`` where the frame was built otherwise."""
    return str(frame.attrs.get("source", what))


def available_circulars(raw_dir: Path) -> list[tuple[str, int]]:
    """Every ``(circular, year)`` with any of its four files, in publication order (M2023, S2023, ...).

    Discovered from the file names, so that a new circular needs no code change; a circular found
    by one file must have all four (the importer stops naming the missing one).
    """
    found = set()
    for directory, pattern in ((CLUSTERDATA_DIR, _VOLUMES_NAME), (CLUSTERDATA_DIR, _WEIGHTS_NAME),
                               (CLUSTERDATA_DIR, _SIUDU_NAME), (CLUSTERBEDRAGEN_DIR, _AMOUNTS_NAME)):
        for path in (Path(raw_dir) / directory).glob("GF_*.csv"):
            match = pattern.match(path.name)
            if match:
                found.add((match["circular"], int(match["year"])))
    # Publication order: circular year first, then May before September, then the payment year.
    return sorted(found, key=lambda cy: (int(cy[0][1:]), cy[0][0], cy[1]))


def read_volumes(path: Path, name: str, names: MunicipalityNames) -> pd.DataFrame:
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
    circular, year = _file_key(path, name, _VOLUMES_NAME)
    frame = drop_repeated_columns(read_table(path, name, "\t", ["CBS", "Naam"], duplicate_columns="keep"), name)
    codes = _municipality_codes(frame, name, year, names)
    _reject_duplicate_codes(codes, name, "CBS")
    names.require_every_municipality(codes, year, name, "CBS")
    criteria = [c for c in frame.columns if c not in ("CBS", "Naam", "Prov")]
    detect_notation(frame, criteria, name, "dutch")
    return _long(codes, frame, criteria, ("criterion", "volume"), circular, year,
                 lambda column: parse_numbers(frame[column], name, column, notation="dutch", missing=None),
                 name)


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
    frame = drop_repeated_columns(read_table(path, name, "\t", ["Codering maatstaf", "Naam maatstaf", "Totaal"],
                                             duplicate_columns="keep"), name)
    header = list(frame.columns)
    clusters = [c for c in header if c not in ("Codering maatstaf", "Naam maatstaf", "Totaal")]
    if not clusters:
        raise InputDataError(name, "no cluster columns", row=1)
    detect_notation(frame, clusters + ["Totaal"], name, "dutch")
    values = pd.DataFrame({c: parse_numbers(frame[c], name, c, notation="dutch", missing=None)
                           for c in clusters + ["Totaal"]})
    summed = values[clusters].sum(axis=1)
    off = (summed - values["Totaal"]).abs() > _CENT * (len(clusters) + 1)
    if off.any():
        line = off.idxmax()
        raise InputDataError(name, f"Totaal is not the sum of the cluster weights: the file says "
                                   f"{frame.at[line, 'Totaal']}, the clusters add up to "
                                   f"{format_number(summed[line], 'dutch')}", column="Totaal", row=int(line))
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
    out = out[["circular", "year", "criterion", "criterion_name", "kind", "cluster", "weight"]]
    out.attrs["source"] = name
    return out


def read_siudu(path: Path, name: str, names: MunicipalityNames) -> pd.DataFrame:
    """Read a ``GF_<circular>_<year>_SIUDU.csv`` file: special payments in euro per municipality.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, circular, year, item, amount_eur``; ``item`` is the payment's name as in the file.
    """
    circular, year = _file_key(path, name, _SIUDU_NAME)
    frame = drop_repeated_columns(read_table(path, name, "\t", ["Naam"], duplicate_columns="keep"), name)
    codes = _municipality_codes(frame, name, year, names)
    _reject_duplicate_codes(codes, name, "Naam")
    names.require_every_municipality(codes, year, name, "CBS" if "CBS" in frame.columns else "Naam")
    items = [c for c in frame.columns if c not in ("CBS", "Naam", "Prov")]
    detect_notation(frame, items, name, "dutch")
    folded = [i.casefold() for i in items]
    repeated = sorted({i for i in folded if folded.count(i) > 1})
    if repeated:
        raise InputDataError(name, f"payment(s) {repeated} occur twice", column=repeated[0], row=1)
    return _long(codes, frame, items, ("item", "amount_eur"), circular, year,
                 lambda column: parse_numbers(frame[column], name, column, notation="dutch", missing=None,
                                               dash_is_zero=True), name)


def read_uitkeringsfactor(path: Path, name: str) -> pd.DataFrame:
    """Read ``Uitkeringsfactor.csv`` (``Circulaire,Jaar,Uitkeringsfactor``, decimal point).

    Returns
    -------
    pandas.DataFrame
        ``circular, year, factor``.
    """
    frame = read_table(path, name, ",", ["Circulaire", "Jaar", "Uitkeringsfactor"])
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


def read_cluster_amounts(path: Path, name: str, names: MunicipalityNames) -> pd.DataFrame:
    """Read a published ``clusterbedragen/GF_<circular>_<year>.csv`` file.

    The ``Nederland`` row is checked to equal the sum of the municipalities and then dropped.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, circular, year, cluster, published_eur, line``: one row per municipality and
        cluster (``Totaal`` included as a cluster named ``'Totaal'``); ``line`` is the file line.
    """
    circular, year = _file_key(path, name, _AMOUNTS_NAME)
    frame = drop_repeated_columns(read_table(path, name, ";", ["Gemeenten"], duplicate_columns="keep"), name)
    # The first, unnamed column is the exporter's row number.
    clusters = [c for c in frame.columns if c not in ("", "Gemeenten")]
    values = pd.DataFrame(index=frame.index)
    detect_notation(frame, clusters, name, "point")
    for cluster in clusters:
        values[cluster] = parse_numbers(frame[cluster], name, cluster, missing=None)
    national = frame["Gemeenten"].eq(NATIONAL_ROW)
    municipal = values[~national]
    if national.sum() == 1:
        line = national.idxmax()
        summed = municipal.sum()
        gap = (summed - values.loc[line]).abs() > 1e-6 * values.loc[line].abs() + 1.0
        if gap.any():
            column = gap.idxmax()
            raise InputDataError(name, f"the Nederland row is not the sum of the municipalities: "
                                       f"{format_number(values.at[line, column])} in the file, "
                                       f"{format_number(summed[column])} summed",
                                 column=column, row=int(line))
    codes = names.codes(frame.loc[~national, "Gemeenten"], year, name, "Gemeenten")
    _reject_duplicate_codes(codes, name, "Gemeenten")
    names.require_every_municipality(codes, year, name, "Gemeenten")
    long = municipal.set_axis(codes, axis=0).rename_axis("gm_code").stack()
    out = long.rename("published_eur").rename_axis(["gm_code", "cluster"]).reset_index()
    out.insert(1, "circular", circular)
    out.insert(2, "year", year)
    out["line"] = out["gm_code"].map(dict(zip(codes, codes.index))).astype(int)
    out.attrs["source"] = name
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
        If the inputs mix circulars or years.
    InputDataError
        Naming the file (the readers' ``attrs["source"]``) and the column concerned, if ``cluster``
        is not a column of the weights file, a criterion with a non-zero weight has no volume column,
        or a weighted special payment is not in the SIUDU file: a name changed in a new circular.
    """
    key = _single(volumes, "volumes")
    if _single(weights, "weights") != key:
        raise ValueError(f"weights are of {_single(weights, 'weights')}, volumes of {key}")
    weights_file = _source(weights, "weights")
    if cluster not in set(weights["cluster"]):
        clusters = list(dict.fromkeys(weights["cluster"]))
        raise InputDataError(weights_file, f"no column for cluster {cluster!r}{_renamed(cluster, clusters)}; "
                                           f"the clusters are {clusters}", column=cluster, row=1)
    used = weights[(weights["cluster"] == cluster) & (weights["weight"] != 0)]
    criteria = used[used["kind"] == "criterion"]
    wide = volumes.pivot(index="gm_code", columns="criterion", values="volume")
    out = pd.DataFrame(index=wide.index)
    for criterion, weight in zip(criteria["criterion"], criteria["weight"]):
        column = criterion if criterion in wide else _VOLUME_COLUMN_ALIASES.get(criterion, criterion)
        if column not in wide:
            # The volume columns no weight names are the likely new spelling.
            named = set(weights["criterion"]) | set(_VOLUME_COLUMN_ALIASES.values())
            unnamed = [c for c in wide.columns if c not in named]
            raise InputDataError(_source(volumes, "volumes"),
                                 f"no volume column for criterion {criterion!r}, which has weight {weight} in "
                                 f"cluster {cluster!r} in {weights_file}; volume columns no weight names: "
                                 f"{unnamed}", column=criterion, row=1)
        out[f"contribution_{criterion}"] = wide[column] * weight * factor
    out.insert(0, "computed_eur", out.sum(axis=1))
    if siudu is not None:
        out["siudu_eur"] = _siudu_for_cluster(siudu, used[used["kind"] == "siudu"], key, cluster,
                                              weights_file).reindex(out.index, fill_value=0.0)
    out = out.reset_index()
    out.insert(1, "circular", key[0])
    out.insert(2, "year", key[1])
    out.insert(3, "cluster", cluster)
    out.insert(4, "uitkeringsfactor", factor)
    return out


def _siudu_for_cluster(siudu: pd.DataFrame, items: pd.DataFrame, key: tuple[str, int], cluster: str,
                       weights_file: str) -> pd.Series:
    """The special payments ``items`` (weights rows of kind ``siudu``) assign to ``cluster``, per
    municipality, in euros."""
    if _single(siudu, "siudu") != key:
        raise ValueError(f"siudu is of {_single(siudu, 'siudu')}, volumes of {key}")
    # The weights file writes "voogdij/18+", the SIUDU file "Voogdij/18+": match case-insensitively.
    shares = dict(zip(items["criterion_name"].str.casefold(), items["weight"]))
    folded = siudu["item"].str.casefold()
    missing = sorted(set(shares) - set(folded))
    if missing:
        spelt = dict(zip(items["criterion_name"].str.casefold(), items["criterion_name"]))
        present = list(dict.fromkeys(siudu["item"]))
        raise InputDataError(_source(siudu, "siudu"),
                             f"no column for the special payment(s) {missing} (compared ignoring case), which "
                             f"{weights_file} assigns to cluster {cluster!r}"
                             f"{_renamed(spelt[missing[0]], present)}", column=spelt[missing[0]], row=1)
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


def input_files(raw_dir: Path) -> list[str]:
    """Every fund file the importer reads from ``raw_dir`` (relative paths)."""
    files = [FACTOR_FILE]
    for circular, year in available_circulars(raw_dir):
        files += list(circular_files(circular, year).values())
    return files


#: The published cluster amount agrees with the model when it is within this many euros (the files
#: round to cents) or this relative difference.
PUBLISHED_TOLERANCE = (1.0, 1e-6)


def _check_published(compared: pd.DataFrame, amounts: pd.DataFrame, name: str, checks: Checks | None) -> None:
    """The published amounts must follow from the volumes, weights and factor of the same circular,
    either without or with the special payments (the readings differ per circular)."""
    if checks is None:
        return
    siudu = compared["gm_code"].map(amounts.set_index("gm_code")["siudu_eur"]).fillna(0)
    euros, relative = PUBLISHED_TOLERANCE
    def off(model: pd.Series) -> pd.Series:
        gap = (model - compared["published_eur"]).abs()
        return (gap > euros) & (gap > relative * compared["published_eur"].abs())
    without, including = off(compared["computed_eur"]), off(compared["computed_eur"] + siudu)
    reading = including if including.sum() < without.sum() else without
    if reading.any():
        row = compared[reading].iloc[0]
        checks.stop(Finding(
            "published_disagrees", name,
            f"the published youth-cluster amount of {row['gm_code']} ({row['published_eur']:,.2f} EUR) does not "
            f"follow from the circular's volumes, weights and uitkeringsfactor ({row['computed_eur']:,.2f} EUR "
            f"without, {row['computed_eur'] + siudu[reading].iloc[0]:,.2f} EUR with the special payments)",
            column=YOUTH_CLUSTER, row=int(row["line"]) if pd.notna(row.get("line")) else None,
            gm_code=row["gm_code"], year=int(row["year"]), variable="published_eur",
            value=float(row["published_eur"]), reference=float(row["computed_eur"]), table="objective_model"))


def read_objective_model(raw_dir: Path, names: MunicipalityNames, checks: Checks | None = None
                         ) -> tuple[pd.DataFrame, list[InputRecord]]:
    """The fund's youth-cluster model and published amounts for every circular in ``raw_dir``.

    Returns
    -------
    tuple
        The ``objective_model`` snapshot table (``gm_code, circular, year, uitkeringsfactor,
        computed_eur, siudu_eur, published_eur``) and a record per input file.
    """
    frames, records = [], []
    for circular, year in available_circulars(raw_dir):
        amounts, published = read_circular(raw_dir, circular, year, names)
        compared = compare_with_published(amounts, published)
        _check_published(compared, amounts, circular_files(circular, year)["clusterbedragen"], checks)
        frame = compared[["gm_code", "circular", "year", "computed_eur", "published_eur"]].merge(
            amounts[["gm_code", "uitkeringsfactor", "siudu_eur"]], on="gm_code", how="left")
        frames.append(frame)
        for kind, file in circular_files(circular, year).items():
            label = "cluster amounts" if kind == "clusterbedragen" else kind.lower()
            records.append(InputRecord(file, f"GF {circular} {year}",
                                       f"Gemeentefonds {circular} circular for {year}: {label}",
                                       "objective model", f"{circular} {year}", len(frame), 0))
    records.append(InputRecord(FACTOR_FILE, "uitkeringsfactor", "Gemeentefonds uitkeringsfactor",
                               "objective model", "per circular", 0, 0))
    out = pd.concat(frames, ignore_index=True)
    for column in ("computed_eur", "siudu_eur", "published_eur"):
        out[column] = out[column].round(2)  # cents: the CSV must read back identically
    return out[["gm_code", "circular", "year", "uitkeringsfactor", "computed_eur", "siudu_eur",
                "published_eur"]], records
