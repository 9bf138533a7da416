"""Readers of the CBS StatLine tables: raw export -> tidy table keyed by code and year.

Two shapes: a region x period table of measures (costs, use; :func:`read_measure_table`) and a
gemeentefonds criteria edition (:func:`read_driver_edition`).  Every reader returns the tidy table
plus an :class:`~jeugdzorg.data.catalogue.InputRecord` for the manifest (periods found, rows,
suppressed cells).  Errors are :class:`~jeugdzorg.errors.InputDataError` naming file, column and row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputDataError
from .catalogue import InputRecord
from .checks import Checks, check_below_national, check_chained_index, check_per_1000
from .names import MunicipalityNames
from .periods import annual_rows, describe_skipped
from .rawtext import MISSING_TOKENS, check_columns, count_suppressed, detect_notation, parse_numbers, read_table


def _check_no_unmapped(raw: pd.DataFrame, name: str, known: set[str]) -> None:
    unmapped = [c for c in raw.columns if c not in known and c != "ID"]
    if unmapped:
        raise InputDataError(
            name, f"unmapped column(s) {unmapped}: map them or list them under 'ignore' in "
                  "analysis/jeugdzorg/data/catalogue.yml", column=unmapped[0], row=1)


def _reject_duplicates(frame: pd.DataFrame, keys: list[str], name: str, column: str) -> None:
    dup = frame[frame.duplicated(keys, keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        lines = dup[(dup[keys] == first[keys]).all(axis=1)].index.tolist()
        # Plain Python values: a numpy scalar would show as np.int64(2021) in the message.
        key = tuple(v.item() if isinstance(v, np.generic) else v for v in first[keys])
        raise InputDataError(
            name, f"duplicate rows for {key} on lines {lines}",
            column=column, row=lines[1])


def _require_every_municipality(frame: pd.DataFrame, code: str, period: str, lookup: MunicipalityNames,
                                name: str, column: str) -> None:
    """Every municipality of a period's register must have a row: a missing one means a cut-off
    export (CBS serves at most 10,000 rows a request), not a municipality without data."""
    for year, rows in frame.groupby(period):
        lookup.require_every_municipality(rows[code], int(year), name, column)


def _region_column(header: list[str], preferred: str) -> str:
    """The region column of an export: CBS names it ``Regio`` in some exports and ``RegioS`` (its
    API key) in others, so either is accepted."""
    return next((c for c in (preferred, "RegioS", "Regio") if c in header), preferred)


def read_measure_table(path: Path, name: str, table: str, spec: dict[str, Any], role: str,
                       lookup: MunicipalityNames, checks: Checks | None = None) -> tuple[pd.DataFrame, InputRecord]:
    """Read a region x period table (costs, use) into ``region_code, year, <measures>, provisional``.

    Only calendar-year rows are kept (half-years and quarters are parsed, then dropped).  Municipality
    labels become GM codes through the register of the same year, ``Nederland`` becomes ``NL01`` and
    other aggregates are dropped.  With ``checks``, each amount is checked against its own
    per-1,000-inhabitant figure (``per_1000_inhabitants`` in the catalogue) and each count against
    the national figure (``below_national``); see :mod:`jeugdzorg.data.checks`.
    """
    filters: dict[str, str] = spec.get("filter", {})
    columns: dict[str, str] = spec["columns"]
    per_1000: dict[str, str] = spec.get("per_1000_inhabitants", {})
    ignore = set(spec.get("ignore", []))
    raw = read_table(path, name, ";")
    region = _region_column(list(raw.columns), spec["region_column"])
    required = [region, "Perioden", *filters, *columns, *per_1000.values()]
    check_columns(name, list(raw.columns), required)
    _check_no_unmapped(raw, name, set(required) | ignore)
    for column, value in filters.items():
        raw = raw[raw[column] == value]
    if raw.empty:
        raise InputDataError(name, f"no rows with {filters}", column=next(iter(filters)))
    yearly = annual_rows(raw, name)
    blank = yearly[list(columns)].isin(MISSING_TOKENS).all(axis=1)
    yearly["region_code"] = lookup.cbs_codes(yearly, region, name, empty=blank)
    yearly = yearly[yearly["region_code"].notna()]
    blank = blank.loc[yearly.index]
    yearly = yearly[~(blank & lookup.dissolved_during(yearly["region_code"], yearly["year"]))]
    _reject_duplicates(yearly, ["region_code", "year"], name, region)
    _require_every_municipality(yearly, "region_code", "year", lookup, name, region)
    detect_notation(yearly, [*columns, *per_1000.values()], name, "point")
    non_negative = set(spec.get("non_negative", [])) | set(spec.get("percent", []))
    out = pd.DataFrame({"region_code": yearly["region_code"], "year": yearly["year"]})
    for raw_column, variable in columns.items():
        out[variable] = parse_numbers(yearly[raw_column], name, raw_column,
                                      non_negative=variable in non_negative)
        if variable in spec.get("percent", []):
            over = out[out[variable] > 100]
            if not over.empty:
                raise InputDataError(name, f"percentage {over[variable].iat[0]} above 100",
                                     column=raw_column, row=int(over.index[0]))
    out["provisional"] = yearly["provisional"]
    if checks is not None:
        by_variable = {variable: raw_column for raw_column, variable in columns.items()}
        frame = out.assign(line=out.index)
        if per_1000:
            register = lookup.register
            inhabitants = register.set_index(["gm_code", "year"])["inhabitants"]
            latest = register[register["year"] == register["year"].max()].set_index("gm_code")["inhabitants"]
            for year in sorted(set(frame["year"]) - set(register["year"])):
                inhabitants = pd.concat([inhabitants, latest.rename_axis("gm_code").to_frame()
                                         .assign(year=year).set_index("year", append=True)["inhabitants"]])
            for variable, column in per_1000.items():
                frame[f"{variable}_per_1000"] = parse_numbers(yearly[column], name, column, non_negative=True)
                check_per_1000(frame, variable, by_variable[variable], column, inhabitants, name, checks)
        for variable in spec.get("below_national", []):
            check_below_national(frame, variable, by_variable[variable], name, checks)
    years = sorted(out["year"].unique())
    skipped = describe_skipped(yearly.attrs.get("skipped", {}))
    record = InputRecord(
        file=name, table=table, title=spec["title"], role=role,
        periods=f"{years[0]}-{years[-1]} (calendar years{'; ' + skipped if skipped else ''})",
        rows=len(raw), suppressed_cells=count_suppressed(yearly, columns))
    return out.reset_index(drop=True), record


_DATE_IN_NAME = re.compile(r"(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{4})_\d+$")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(?P<y>(19|20)\d{2})_\d+$")


def reference_period(column: str) -> str:
    """The reference date CBS wrote into a column name (``..31122018_26`` -> ``2018-12-31``), else ''."""
    match = _DATE_IN_NAME.search(column)
    if match:
        return f"{match['y']}-{match['m']}-{match['d']}"
    match = _YEAR_IN_NAME.search(column)
    return match["y"] if match else ""


def _mapped_columns(mapping: dict[str, Any]) -> set[str]:
    used: set[str] = set()
    for source in mapping.values():
        if isinstance(source, str):
            used.add(source)
        elif "sum" in source:
            used.update(source["sum"])
        else:
            for value, weight in source["weighted_mean"]:
                used.update((value, weight))
    return used


def _evaluate(raw: pd.DataFrame, source: Any, name: str) -> tuple[pd.Series, str]:
    """One driver variable from its mapping: a column, a sum of columns or a weighted mean."""
    if isinstance(source, str):
        return parse_numbers(raw[source], name, source, non_negative=True), source
    if "sum" in source:
        parts = [parse_numbers(raw[c], name, c, non_negative=True) for c in source["sum"]]
        return pd.concat(parts, axis=1).sum(axis=1, min_count=len(parts)), " + ".join(source["sum"])
    pairs = [(parse_numbers(raw[v], name, v, non_negative=True), parse_numbers(raw[w], name, w, non_negative=True))
             for v, w in source["weighted_mean"]]
    num = sum(v * w for v, w in pairs)
    den = sum(w for _, w in pairs)
    label = "weighted mean of " + ", ".join(f"{v} (weight {w})" for v, w in source["weighted_mean"])
    # Rounded to cents: the value is written to CSV and must read back identically.
    return (num / den).round(2), label


#: CBS's ``StatusCijfer`` values, most final first: a figure is provisional (Voorlopig), then revised
#: (Nader voorlopig), then definitive.  Any other value is a damaged cell, not a new kind of figure.
STATUS_RANK = {"Definitief": 0, "Nader voorlopig": 1, "Voorlopig": 2}


def read_driver_edition(path: Path, name: str, spec: dict[str, Any], title: str,
                        lookup: MunicipalityNames) -> tuple[pd.DataFrame, InputRecord]:
    """Read one gemeentefonds criteria table into long format.

    Returns
    -------
    pandas.DataFrame
        ``gm_code, edition, variable, value, reference_period, status, source_table, source_column``;
        ``status`` is CBS's Voorlopig/Definitief where the table has it (the definitive figure is
        preferred, see :data:`STATUS_RANK`), else empty.

    Raises
    ------
    InputDataError
        Naming file, column and row, e.g. for a municipality code or a status CBS does not use.
    """
    mapping: dict[str, Any] = spec["columns"]
    used = _mapped_columns(mapping)
    code_column = spec.get("code_column")
    multi = spec["edition"] == "from_periods"
    keys = ["RegioS"] + (["Perioden", "StatusCijfer"] if multi else []) + ([code_column] if code_column else [])
    raw = read_table(path, name, ";", [*keys, *sorted(used)])
    _check_no_unmapped(raw, name, set(keys) | used | set(spec.get("ignore", [])))
    if multi:
        raw = annual_rows(raw, name)
        unknown = ~raw["StatusCijfer"].isin(list(STATUS_RANK))
        if unknown.any():
            line = unknown.idxmax()
            raise InputDataError(name, f"status {raw.at[line, 'StatusCijfer']!r} is none of {list(STATUS_RANK)}",
                                 column="StatusCijfer", row=int(line))
        raw["edition"] = raw["year"]
        raw = raw[raw[code_column].str.startswith("GM")].copy()
        raw["gm_code"] = raw[code_column]
        for line, code, edition in zip(raw.index, raw["gm_code"], raw["edition"]):
            if code not in lookup.known_codes(int(edition)):
                raise InputDataError(name, f"unknown municipality code {code!r} for {edition}",
                                     column=code_column, row=line)
        status = raw["StatusCijfer"]
    else:
        raw["year"] = int(spec["edition"])
        raw["edition"] = raw["year"]
        raw["gm_code"] = lookup.cbs_codes(raw, "RegioS", name)
        raw = raw[raw["gm_code"].fillna("").str.startswith("GM")].copy()
        blank = raw[sorted(used)].isin(MISSING_TOKENS).all(axis=1)
        raw = raw[~(blank & lookup.dissolved_during(raw["gm_code"], raw["edition"]))].copy()
        status = pd.Series("", index=raw.index)
    _reject_duplicates(raw.assign(_status=status), ["gm_code", "edition", "_status"], name,
                       code_column or "RegioS")
    _require_every_municipality(raw, "gm_code", "edition", lookup, name, code_column or "RegioS")
    detect_notation(raw, sorted(used), name, "point")
    frames = []
    for variable, source in mapping.items():
        values, label = _evaluate(raw, source, name)
        ref = reference_period(source) if isinstance(source, str) else ""
        frames.append(pd.DataFrame({
            "gm_code": raw["gm_code"], "edition": raw["edition"], "variable": variable,
            "value": values, "reference_period": ref, "status": status,
            "source_table": spec["table"], "source_column": label}))
    long = pd.concat(frames, ignore_index=True)
    if multi:
        # Prefer the definitive figure; fall back on the latest provisional one where CBS has no
        # definitive yet.
        long["_rank"] = long["status"].map(STATUS_RANK)
        long = (long.dropna(subset=["value"]).sort_values(["gm_code", "edition", "variable", "_rank"])
                .drop_duplicates(["gm_code", "edition", "variable"]).drop(columns="_rank"))
    editions = sorted(long["edition"].unique())
    record = InputRecord(
        file=name, table=spec["table"], title=title, role="drivers",
        periods="edition " + ", ".join(str(e) for e in editions), rows=len(raw),
        suppressed_cells=count_suppressed(raw, sorted(used)))
    return long.reset_index(drop=True), record


def read_prices(path: Path, name: str, spec: dict[str, Any], checks: Checks | None = None
                ) -> tuple[pd.DataFrame, InputRecord]:
    """Consumer price index per year: from CBS 83131NED (fetched) or its published annual changes.

    The index is checked against the annual changes published beside it
    (:func:`~jeugdzorg.data.checks.check_chained_index`), with ``checks`` (its overrides) if given.

    Returns
    -------
    tuple
        ``year, cpi_index, cpi_change_pct, provisional, source`` (index 2015 = 100, change in %),
        and the record for the manifest.

    Raises
    ------
    InputDataError
        Naming file, column and row: a value that is not a number or not a year, a repeated year, an
        index that is not positive or does not follow from the changes.
    """
    fallback = spec["fallback"]
    if name == fallback["file"]:
        raw = read_table(path, name, ";", ["year", *fallback["columns"]])
        detect_notation(raw, list(fallback["columns"]), name, "point")
        out = pd.DataFrame({"year": parse_numbers(raw["year"], name, "year", missing=None)})
        bad = out["year"].ne(out["year"].round()) | ~out["year"].between(1900, 2100)
        if bad.any():
            line = bad.idxmax()
            raise InputDataError(name, f"{raw.at[line, 'year']!r} is not a year", column="year", row=int(line))
        out["year"] = out["year"].astype("int64")
        for column, variable in fallback["columns"].items():
            out[variable] = parse_numbers(raw[column], name, column)
        out["provisional"] = False
        title, table = fallback["title"], "cpi_annual"
        raw_columns = {variable: column for column, variable in fallback["columns"].items()}
    else:
        raw = read_table(path, name, ";", ["Perioden", *spec["filter"], *spec["columns"]])
        for column, value in spec["filter"].items():
            raw = raw[raw[column] == value]
        if raw.empty:
            raise InputDataError(name, f"no rows with {spec['filter']}", column=next(iter(spec["filter"])))
        raw = annual_rows(raw, name)
        detect_notation(raw, list(spec["columns"]), name, "point")
        out = pd.DataFrame({"year": raw["year"]})
        for column, variable in spec["columns"].items():
            out[variable] = parse_numbers(raw[column], name, column)
        out["provisional"] = raw["provisional"]
        title, table = spec["title"], spec["table"]
        raw_columns = {variable: column for column, variable in spec["columns"].items()}
    _reject_duplicates(out, ["year"], name, "year" if table == "cpi_annual" else "Perioden")
    if (out["cpi_index"] <= 0).any():
        line = out["cpi_index"].le(0).idxmax()
        raise InputDataError(name, f"price index {out.at[line, 'cpi_index']} is not positive",
                             column=raw_columns["cpi_index"], row=int(line))
    check_chained_index(out, raw_columns["cpi_index"], raw_columns["cpi_change_pct"], name, checks or Checks())
    out["source"] = name
    out = out[["year", "cpi_index", "cpi_change_pct", "provisional", "source"]].sort_values("year")
    years = sorted(out["year"])
    record = InputRecord(file=name, table=table, title=title, role="prices", periods=f"{years[0]}-{years[-1]}",
                         rows=len(raw), suppressed_cells=count_suppressed(raw, spec["columns"] if table != "cpi_annual"
                                                                         else fallback["columns"]))
    return out.reset_index(drop=True), record
