"""The table registry: every table of the snapshot, declared once.

A :class:`Table` says where the table lives in ``data/``, its key (which is also its sort order),
its pandera schema -- column types, checks and a description of every column --, what it holds,
which sources feed it, and the one function that reads it from the raw directory.  Everything else
follows from that declaration: the importer calls the readers in :data:`TABLES`, the snapshot is
written, validated, read back with the right types and compared row by row by key, the manifest
lists the tables, and the book's data dictionary shows their columns.

Adding a source is one :class:`Table` entry here and one reader function (see the README).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from ..errors import InputDataError
from . import cbs, gemeentefonds, iv3
from .catalogue import cbs_path, load_catalogue, prices_file
from .checks import check_scale, flag_implausible_costs
from .context import ImportContext
from .mergers import check_register_changes, check_successors, read_mergers
from .register import read_register

GM = Check.str_matches(r"^GM\d{4}$")
REGION = Check.str_matches(r"^(GM\d{4}|NL01)$")
YEAR = Check.in_range(2010, 2100)
COUNT = Check.ge(0)
PERCENT = Check.in_range(0, 100)

Reader = Callable[[ImportContext], pd.DataFrame]
#: CBS marked the year's figures as provisional (``2023*``, ``2023 voorlopig``).
PROVISIONAL = Column(bool, description="CBS marks the figures of this year as provisional")
SOURCE_TABLE = Column(str, Check.str_matches(r"^\d{5}NED$"), description="CBS table (edition) the row comes from")


@dataclass(frozen=True)
class Table:
    """One table of the snapshot.

    Attributes
    ----------
    name
        How the code and the manifest call it (``tables["costs"]``).
    file
        File name in ``data/`` (CSV, UTF-8, one row per key).
    keys
        The columns that identify a row; also the sort order of the file.
    schema
        pandera schema: every column with its type, checks and ``description`` (in that order).
    description
        What the table holds, for the manifest and the book.
    sources
        The raw sources, by CBS table id or short name.
    read
        Reads the table from the raw directory (records its inputs in the context).
    codes
        A column whose codes must be known to the municipality register (``None``: no such check).
    """

    name: str
    file: str
    keys: tuple[str, ...]
    schema: DataFrameSchema
    description: str
    sources: tuple[str, ...]
    read: Reader
    codes: str | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)

    @property
    def text_columns(self) -> list[str]:
        return [name for name, column in self.schema.columns.items() if str(column.dtype) == "str"]

    @property
    def integer_columns(self) -> list[str]:
        return [name for name, column in self.schema.columns.items() if str(column.dtype).startswith("int")]

    def sort(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` in the table's order (by key), with a fresh index."""
        return frame.sort_values(list(self.keys)).reset_index(drop=True)

    def validate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Check ``frame`` against the schema and the key (pandera, every failure at once)."""
        return self.schema.validate(frame, lazy=True)

    def load(self, data_dir) -> pd.DataFrame:
        """Read the table back from ``data_dir`` with its types (missing text as '')."""
        frame = pd.read_csv(data_dir / self.file, keep_default_na=False, na_values=[""],
                            dtype={c: str for c in self.text_columns})
        for column in self.integer_columns:
            frame[column] = frame[column].astype("int64")
        for column in self.text_columns:
            frame[column] = frame[column].fillna("")
        return frame

    def write(self, frame: pd.DataFrame, data_dir) -> None:
        frame.to_csv(data_dir / self.file, index=False, lineterminator="\n")


def _nullable(check: Check, description: str) -> Column:
    return Column(float, check, nullable=True, description=description)


def _text(description: str, check: Check | None = None, nullable: bool = False) -> Column:
    return Column(str, check, nullable=nullable, description=description)


# --------------------------------------------------------------------------------------------
# Readers: one per table, from the raw directory (paths in catalogue.yml)
# --------------------------------------------------------------------------------------------

def _read_registers(ctx: ImportContext) -> pd.DataFrame:
    frames = []
    for entry in load_catalogue()["registers"]:
        name = cbs_path(entry["table"])
        frame = read_register(ctx.require(name), name, int(entry["year"]))
        frames.append(frame)
        ctx.record(name, entry["table"], f"Gebieden in Nederland {entry['year']}", "register",
                   f"{entry['year']} (1 January)", len(frame))
    return pd.concat(frames, ignore_index=True)


def _read_mergers(ctx: ImportContext) -> pd.DataFrame:
    spec = load_catalogue()["mergers"]
    mergers = read_mergers(ctx.require(spec["file"]), spec["file"])
    # The registers were read without the reorganisations; here both are at hand to check each other.
    registers = {int(entry["year"]): cbs_path(entry["table"]) for entry in load_catalogue()["registers"]}
    check_register_changes(ctx.table("register"), mergers, registers, spec["file"])
    check_successors(mergers, ctx.table("register"), spec["file"])
    ctx.record(spec["file"], "herindelingen", spec["title"], "mergers",
               f"{mergers['date'].min():%Y-%m-%d} to {mergers['date'].max():%Y-%m-%d}", len(mergers))
    return mergers.drop(columns="line").assign(date=mergers["date"].dt.strftime("%Y-%m-%d"))


def _read_costs(ctx: ImportContext) -> pd.DataFrame:
    spec = load_catalogue()["costs"]
    name = cbs_path(spec["table"])
    costs, record = cbs.read_measure_table(ctx.require(name), name, spec["table"], spec, "costs", ctx.names,
                                           ctx.checks)
    ctx.records.append(record)
    national = costs[~costs["region_code"].str.startswith("GM")]
    if not national.empty:
        raise InputDataError(name, "unexpected aggregate rows in the cost table", column=spec["region_column"])
    return costs.rename(columns={"region_code": "gm_code"})


def _read_editions(role: str) -> Reader:
    """A table published in several editions (table ids) that together make one series."""
    def read(ctx: ImportContext) -> pd.DataFrame:
        spec = load_catalogue()[role]
        parts = []
        for table in spec["tables"]:
            name = cbs_path(table)
            frame, record = cbs.read_measure_table(ctx.require(name), name, table, spec, role, ctx.names,
                                                   ctx.checks)
            # Which edition a row comes from: a switch of table is a possible break in the series.
            parts.append(frame.assign(source_table=table))
            ctx.records.append(record)
        combined = pd.concat(parts, ignore_index=True)
        overlap = combined[combined.duplicated(["region_code", "year"], keep=False)]
        if not overlap.empty:
                raise InputDataError(", ".join(cbs_path(t) for t in spec["tables"]),
                                 f"editions overlap in year {int(overlap['year'].iat[0])}")
        return combined
    return read


def _read_drivers(ctx: ImportContext) -> pd.DataFrame:
    cat = load_catalogue()["drivers"]
    parts = []
    for edition in cat["editions"]:
        name = cbs_path(edition["table"])
        frame, record = cbs.read_driver_edition(ctx.require(name), name, edition, cat["title"], ctx.names)
        parts.append(frame)
        ctx.records.append(record)
    drivers = pd.concat(parts, ignore_index=True)
    clash = drivers[drivers.duplicated(["gm_code", "edition", "variable"], keep=False)]
    if not clash.empty:
        raise InputDataError(clash["source_table"].iat[0],
                             f"edition {int(clash['edition'].iat[0])} comes from two tables")
    return drivers


def _empty(name: str) -> pd.DataFrame:
    """An empty table with the columns and types of ``name`` (a part built without)."""
    table = TABLES[name]
    return pd.DataFrame({column: pd.Series(dtype=str(spec.dtype) if str(spec.dtype) != "str" else object)
                         for column, spec in table.schema.columns.items()})


def _read_objective_model(ctx: ImportContext) -> pd.DataFrame:
    if "gemeentefonds" in ctx.without:
        return _empty("objective_model")
    for relative in gemeentefonds.input_files(ctx.raw_dir):
        ctx.require(relative)
    table, records = gemeentefonds.read_objective_model(ctx.raw_dir, ctx.names, ctx.checks)
    ctx.records.extend(records)
    return table


def _read_care_mix(ctx: ImportContext) -> pd.DataFrame:
    if "iv3" in ctx.without:
        return _empty("care_mix")
    if not iv3.available_iv3(ctx.raw_dir):
        raise InputDataError("iv3/", f"no Iv3 accounts or budgets (iv3/<year>_jaarrekening.csv, "
                                     f"iv3/<year>_begroting.csv) in the raw directory {ctx.raw_dir}")
    table, records = iv3.read_care_mix(ctx.raw_dir, ctx.names)
    ctx.records.extend(records)
    # Scale: each Iv3 file's youth spending against CBS's realised cost of the nearest year (a file in
    # euros instead of thousands is 1,000 times too large, with totals that add up).
    costs = ctx.table("costs").dropna(subset=["realised_keur"])
    cbs_totals = costs.groupby("year")["realised_keur"].sum()
    for (year, kind), part in table.groupby(["year", "kind"]):
        nearest = min(cbs_totals.index, key=lambda y: (abs(y - year), -y))
        file = iv3.file_name(year, kind)
        check_scale(float(part["lasten_keur"].sum()), float(cbs_totals[nearest]), file, "Lasten",
                    f"youth spending in this file (EUR 1,000, {year})",
                    f"the realised cost in CBS 83454NED of {nearest}", ctx.checks)
    return table


def _read_prices(ctx: ImportContext) -> pd.DataFrame:
    name = prices_file(ctx.raw_dir)
    table, record = cbs.read_prices(ctx.require(name), name, load_catalogue()["prices"], ctx.checks)
    ctx.records.append(record)
    return table


def _read_flags(ctx: ImportContext) -> pd.DataFrame:
    """Possible but implausible values, flagged by rule (see :mod:`jeugdzorg.data.checks`)."""
    name = cbs_path(load_catalogue()["costs"]["table"])
    flag_implausible_costs(ctx.table("costs"), ctx.table("register"), name, ctx.checks)
    return ctx.checks.table()


# --------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------

TABLES: dict[str, Table] = {table.name: table for table in (
    Table(
        "register", "register.csv", ("year", "gm_code"),
        DataFrameSchema({
            "year": Column(int, YEAR, description="Register year (situation on 1 January)"),
            "gm_code": _text("Municipality code", GM),
            "name": _text("Municipality name"),
            "label": _text("Label in CBS exports (e.g. 'Groningen (gemeente)')"),
            "province_code": _text("Province code", Check.str_matches(r"^PV\d{2}$")),
            "province": _text("Province"),
            "jz_region_code": _text("Youth-care region (jeugdzorgregio) code", Check.str_matches(r"^JZ\d{2}$")),
            "jz_region": _text("Youth-care region (jeugdzorgregio)"),
            "corop_code": _text("COROP region code", Check.str_matches(r"^CR\d{2}$")),
            "corop": _text("COROP region"),
            "size_class": _text("CBS size class (inhabitants)"),
            "urbanity": Column(int, Check.isin([1, 2, 3, 4, 5]),
                               description="Urbanity class: 1 very strongly urban ... 5 not urban"),
            "urbanity_label": _text("Urbanity class, in words"),
            "inhabitants": Column(float, Check.gt(0), description="Inhabitants (persons)"),
            "address_density": Column(float, COUNT, description="Address density (addresses per km2)"),
        }, unique=["year", "gm_code"], strict=True, ordered=True, name="register"),
        "Municipalities per register year (1 January): GM code, name, province, jeugdzorgregio, "
        "COROP, size class, urbanity 1 (very strongly urban) - 5 (not urban), inhabitants, address density.",
        tuple(r["table"] for r in load_catalogue()["registers"]), _read_registers),
    Table(
        "costs", "costs.csv", ("gm_code", "year"),
        DataFrameSchema({
            "gm_code": _text("Municipality code (municipalities of that year)", GM),
            "year": Column(int, YEAR, description="Calendar year"),
            "budgeted_keur": _nullable(COUNT, "Budgeted youth-care cost, EUR 1,000 nominal (missing: not reported)"),
            "realised_keur": _nullable(COUNT, "Realised youth-care cost, EUR 1,000 nominal (missing: not reported)"),
            "provisional": PROVISIONAL,
        }, unique=["gm_code", "year"], strict=True, ordered=True, name="costs"),
        "Budgeted and realised youth-care cost per municipality and calendar year, EUR 1,000 nominal "
        "(83454NED, form 'JZ Totaal jeugdzorg'); missing = not reported.",
        (load_catalogue()["costs"]["table"],), _read_costs, codes="gm_code"),
    Table(
        "use_pct", "use_pct.csv", ("region_code", "year"),
        DataFrameSchema({
            "region_code": _text("Municipality code, or NL01 for the Netherlands", REGION),
            "year": Column(int, YEAR, description="Calendar year"),
            "pct_youth_with_jeugdhulp": _nullable(PERCENT, "Youths with youth help in kind, % of inhabitants aged 0-17"),
            "pct_jeugdhulp_with_residence": _nullable(PERCENT, "Youth help with residence, % of youths with youth help"),
            "pct_youth_with_protection": _nullable(PERCENT, "Youths with child protection, % of inhabitants aged 0-17"),
            "pct_protection_and_residence": _nullable(
                COUNT, "Child protection with residential youth help, per 100 youths with protection (can exceed 100)"),
            "pct_youth_with_probation": _nullable(PERCENT, "Youths with juvenile probation, % of youths"),
            "provisional": PROVISIONAL,
            "source_table": SOURCE_TABLE,
        }, unique=["region_code", "year"], strict=True, ordered=True, name="use_pct"),
        "Youth-care use per municipality (GM) or the Netherlands (NL01) and year, percentages "
        "(82972NED, 85098NED).",
        tuple(load_catalogue()["use_pct"]["tables"]), _read_editions("use_pct"), codes="region_code"),
    Table(
        "use_counts", "use_counts.csv", ("region_code", "year"),
        DataFrameSchema({
            "region_code": _text("Municipality code, or NL01 for the Netherlands", REGION),
            "year": Column(int, YEAR, description="Calendar year"),
            "youths_in_care": _nullable(COUNT, "Youths with any youth care (persons)"),
            "pct_youth_0_22_in_care": _nullable(PERCENT, "Youths with any youth care, % of inhabitants aged 0-22"),
            "provisional": PROVISIONAL,
            "source_table": SOURCE_TABLE,
        }, unique=["region_code", "year"], strict=True, ordered=True, name="use_counts"),
        "Youths with any youth care per municipality (GM) or the Netherlands (NL01) and year "
        "(84134NED, 85099NED, form 'JZ Totaal jeugdzorg').",
        tuple(load_catalogue()["use_counts"]["tables"]), _read_editions("use_counts"), codes="region_code"),
    Table(
        "drivers", "drivers.csv", ("gm_code", "edition", "variable"),
        DataFrameSchema({
            "gm_code": _text("Municipality code (municipalities of the edition year)", GM),
            "edition": Column(int, YEAR, description="Gemeentefonds edition (year it applies to)"),
            "variable": _text("Named variable (see the variables table)"),
            "value": _nullable(COUNT, "Value, in the unit of the variable"),
            "reference_period": _text("Reference date CBS states for the column, if any", nullable=True),
            "status": _text("CBS status (Voorlopig/Definitief) where the table has one", nullable=True),
            "source_table": _text("CBS table id"),
            "source_column": _text("CBS column(s) the value comes from"),
        }, unique=["gm_code", "edition", "variable"], strict=True, ordered=True, name="drivers"),
        "Gemeentefonds distribution criteria per municipality and edition, long format: one named "
        "variable per row, with the CBS source column and the reference date where CBS states it.",
        tuple(e["table"] for e in load_catalogue()["drivers"]["editions"]), _read_drivers, codes="gm_code"),
    Table(
        "mergers", "mergers.csv", ("date", "old_code", "new_code"),
        DataFrameSchema({
            "date": _text("Date the reorganisation took effect (ISO)", Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
            "old_code": _text("Code of the municipality that ceased", GM),
            "old_name": _text("Its name"),
            "new_code": _text("Code of the successor", GM),
            "new_name": _text("Name of the successor"),
            "kind": _text("merger (whole municipality) or split (part)", Check.isin(["merger", "split"])),
            "share": Column(float, Check.in_range(0, 1, include_min=False),
                            description="Share of the old municipality's inhabitants that went to the successor"),
            "note": _text("Source and explanation", nullable=True),
        }, unique=["date", "old_code", "new_code"], strict=True, ordered=True, name="mergers"),
        "Municipal reorganisations 2015-2023: date, old and new GM code, kind (merger/split) and "
        "the share of inhabitants that went to each successor.",
        ("herindelingen (CBS, VNG)",), _read_mergers),
    Table(
        "objective_model", "objective_model.csv", ("gm_code", "circular", "year"),
        DataFrameSchema({
            "gm_code": _text("Municipality code", GM),
            "circular": _text("Gemeentefonds circular (M = May, S = September, and its year)",
                              Check.str_matches(r"^[MS]\d{4}$")),
            "year": Column(int, YEAR, description="Payment year"),
            "uitkeringsfactor": Column(float, Check.in_range(0.5, 3), description="Uitkeringsfactor of the circular"),
            "computed_eur": Column(float, description="Model amount: volumes x weights x uitkeringsfactor, EUR"),
            "siudu_eur": Column(float, nullable=True, description="Special youth payments (SIUDU), EUR"),
            "published_eur": Column(float, nullable=True, description="Cluster amount as BZK published it, EUR"),
        }, unique=["gm_code", "circular", "year"], strict=True, ordered=True, name="objective_model"),
        "Gemeentefonds cluster 'Individuele voorzieningen Jeugd' per municipality, circular and "
        "year, EUR: the model amount (volumes x weights x uitkeringsfactor), the special "
        "payments for youth (SIUDU) and the amount BZK published.",
        ("gemeentefonds circulars (BZK)",), _read_objective_model, codes="gm_code"),
    Table(
        "care_mix", "care_mix.csv", ("gm_code", "year", "kind", "category"),
        DataFrameSchema({
            "gm_code": _text("Municipality code", GM),
            "year": Column(int, YEAR, description="Reporting year"),
            "kind": _text("realised (jaarrekening) or budgeted (begroting)", Check.isin(["realised", "budgeted"])),
            "category": _text("Care category (youth task fields mapped, see the care-mix chapter)"),
            "lasten_keur": Column(float, description="Spending (lasten), EUR 1,000 nominal"),
            "baten_keur": Column(float, description="Receipts (baten) on the same task fields, EUR 1,000 nominal"),
        }, unique=["gm_code", "year", "kind", "category"], strict=True, ordered=True, name="care_mix"),
        "Iv3 youth task fields per municipality, year and kind (realised accounts or budget), summed "
        "into care categories, EUR 1,000: spending (lasten) and receipts (baten).",
        ("Iv3 (CBS)",), _read_care_mix, codes="gm_code"),
    Table(
        "prices", "prices.csv", ("year",),
        DataFrameSchema({
            "year": Column(int, YEAR, description="Calendar year"),
            "cpi_index": Column(float, Check.gt(0), description="Consumer price index, all spending, 2015 = 100"),
            "cpi_change_pct": Column(float, nullable=True, description="Change against the year before, %"),
            "provisional": PROVISIONAL,
            "source": _text("The raw file: CBS 83131NED when fetched, else its published annual changes"),
        }, unique=["year"], strict=True, ordered=True, name="prices"),
        "Consumer price index (CPI, all spending) per year, 2015 = 100, for real euros: CBS 83131NED when "
        "fetched, else an index chained from CBS's published annual changes (cpi/cpi_annual.csv).",
        ("83131NED",), _read_prices),
    Table(
        "input_flags", "input_flags.csv", ("gm_code", "year", "variable", "rule"),
        DataFrameSchema({
            "table": _text("Snapshot table of the value"),
            "file": _text("Raw file the value comes from"),
            "gm_code": _text("Municipality code", GM),
            "year": Column(int, YEAR, description="Year of the value"),
            "variable": _text("Variable"),
            "rule": _text("Rule that flagged it: jump, far_from_peers, reported_zero, or an overridden stop rule"),
            "value": Column(float, nullable=True, description="The value (per inhabitant for cost rules, EUR)"),
            "reference": Column(float, nullable=True,
                                description="What it was compared with (previous year, size-class median)"),
            "note": _text("Why it is flagged"),
        }, unique=["gm_code", "year", "variable", "rule"], strict=True, ordered=True, name="input_flags"),
        "Values that are possible but implausible, flagged by rule at import (jumps against the previous "
        "year, far from the size-class median, reported zeros) and values a stop rule refused but an "
        "override accepted; they stay in the data and the analyses can use or screen them.",
        ("rules of jeugdzorg.data.checks",), _read_flags, codes="gm_code"),
)}


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Validate every table against its schema, and every code against the register.

    Raises
    ------
    pandera.errors.SchemaErrors
        Listing every failing check (lazy validation), or ``ValueError`` for codes that no register
        year knows.
    """
    for name, table in TABLES.items():
        table.validate(tables[name])
    known = set(tables["register"]["gm_code"]) | {"NL01"}
    for name, table in TABLES.items():
        if table.codes is not None:
            codes = set(tables[name][table.codes]) - known
            if codes:
                raise ValueError(f"table {name}: codes unknown to every register year: {sorted(codes)[:5]}")
    register_years = {(y, c) for y, c in tables["register"][["year", "gm_code"]].itertuples(index=False)}
    last = tables["register"]["year"].max()
    editions = tables["drivers"][["edition", "gm_code"]].drop_duplicates()
    stray = [(e, c) for e, c in editions.itertuples(index=False) if (min(e, last), c) not in register_years]
    if stray:
        raise ValueError(f"table drivers: municipalities not in the register of their edition: {stray[:5]}")
