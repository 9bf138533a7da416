"""Checks on what the raw files say: what cannot be right stops the import, what is only odd is flagged.

Schemas catch wrong types; these rules catch wrong magnitudes and missing parts.

*Stop* -- a value that cannot be right: one that disagrees with its own source's second statement of
it (CBS's per-1,000-inhabitant column next to the total; the fund's published cluster amount next to
the volumes, weights and factor it is computed from; a price index next to its published annual
change), a whole file at the wrong scale against the other sources (a unit slip), a value beyond
what is possible (one municipality above the national total, a cost of more than EUR 20,000 per
inhabitant).  The message names file, row, column, value and the comparison.

*Flag* -- a value that is possible but implausible (a jump of more than a doubling or halving against
the previous year, a cost per inhabitant beyond three times or a third of the size-class median).  It
is imported, listed in the snapshot's ``input_flags`` table, the manifest and the data chapter, and
available to the analyses.

An override (``overrides.yml``, next to this module: file, rule, municipality, year and a reason)
turns one stop into a flag.  Today's raw data import without any; the file exists for a genuine case
that a future edition may bring.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..errors import InputDataError

OVERRIDES_FILE = Path(__file__).resolve().parent / "overrides.yml"

#: Above this realised cost per inhabitant (all ages, EUR) a figure cannot be right: youth care costs
#: a municipality a few hundred euros per inhabitant, the highest about a thousand.
MAX_COST_PER_INHABITANT = 20_000.0
#: Implied inhabitants (total / per-1,000 figure) within this ratio of the register's count agree;
#: rounding of the per-1,000 figure and the reference date explain up to about 20%.
PER_1000_RANGE = (0.5, 2.0)
#: A whole file's total within this ratio of the reference total is at the right scale.
SCALE_RANGE = (1 / 3, 3.0)
#: CBS publishes the consumer price index with two decimals and its annual change with one: an index
#: chained from the year before and the change agrees with the published one within half a unit of
#: each (``JaarmutatieCPI_5`` is rounded from the unrounded indices).
CHANGE_ROUNDING_PCT = 0.05
INDEX_ROUNDING = 0.005
#: Year-on-year change of cost per inhabitant beyond which a value is flagged as a jump.
JUMP_RANGE = (0.5, 2.0)
#: Cost per inhabitant against the median of its size class beyond which a value is flagged.
PEER_RANGE = (1 / 3, 3.0)

FLAG_COLUMNS = ["table", "file", "gm_code", "year", "variable", "rule", "value", "reference", "note"]


@dataclass(frozen=True)
class Finding:
    """One rule hit: where (file, row, column, municipality, year), what, and why."""

    rule: str
    file: str
    message: str
    column: str | None = None
    row: int | None = None
    gm_code: str = ""
    year: int | None = None
    variable: str = ""
    value: float | None = None
    reference: float | None = None
    table: str = ""


@dataclass
class Checks:
    """The rule hits of one import: stops raise unless overridden, flags are collected."""

    overrides: list[dict] = field(default_factory=list)
    flags: list[tuple[Finding, str]] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path = OVERRIDES_FILE) -> Checks:
        entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("overrides") or [] \
            if path.is_file() else []
        for entry in entries:
            missing = [k for k in ("file", "rule", "gm_code", "year", "reason") if not entry.get(k)]
            if missing:
                raise InputDataError(path.name, f"override {entry} lacks {missing}")
        return cls(list(entries))

    def _override(self, finding: Finding) -> dict | None:
        return next((o for o in self.overrides if o["file"] == finding.file and o["rule"] == finding.rule
                     and o["gm_code"] == finding.gm_code and int(o["year"]) == finding.year), None)

    def stop(self, finding: Finding) -> None:
        """Stop the import on ``finding`` -- unless an override accepts it, which makes it a flag."""
        override = self._override(finding)
        if override is None:
            raise InputDataError(finding.file, finding.message, column=finding.column, row=finding.row)
        self.flags.append((finding, f"accepted by override: {override['reason']}"))

    def flag(self, finding: Finding, note: str = "") -> None:
        self.flags.append((finding, note or finding.message))

    def table(self) -> pd.DataFrame:
        """The flags as the snapshot's ``input_flags`` table."""
        rows = [{**{k: v for k, v in asdict(f).items() if k in FLAG_COLUMNS}, "note": note}
                for f, note in self.flags]
        frame = pd.DataFrame(rows, columns=FLAG_COLUMNS)
        frame["year"] = frame["year"].astype("int64")
        for column in ("value", "reference"):
            frame[column] = frame[column].astype(float).round(4)
        return frame


def _line(frame: pd.DataFrame, position) -> int | None:
    return int(frame.at[position, "line"]) if "line" in frame.columns else None


def check_per_1000(frame: pd.DataFrame, variable: str, column: str, per_1000_column: str,
                   inhabitants: pd.Series, name: str, checks: Checks) -> None:
    """A total (EUR 1,000) must agree with CBS's own per-1,000-inhabitant figure of the same cell.

    ``frame`` has ``region_code, year, line``, ``variable`` and ``<variable>_per_1000``;
    ``inhabitants`` is indexed by ``(gm_code, year)`` (the register).
    """
    per = frame[f"{variable}_per_1000"]
    people = pd.Series([inhabitants.get((c, y)) for c, y in zip(frame["region_code"], frame["year"])],
                       index=frame.index, dtype=float)
    usable = frame[variable].gt(0) & per.gt(0) & people.gt(0)
    implied = 1000 * frame[variable] / per
    ratio = implied / people
    low, high = PER_1000_RANGE
    for position in frame.index[usable & ~ratio.between(low, high)]:
        row = frame.loc[position]
        checks.stop(Finding(
            "per_1000_disagrees", name,
            f"{variable.replace('_keur', '')} {row[variable]:,.1f} (EUR 1,000) of {row['region_code']} in "
            f"{row['year']} disagrees with its own per-1,000-inhabitant figure {per[position]:,.1f} "
            f"({per_1000_column}): together they imply {implied[position]:,.0f} inhabitants, the register has "
            f"{people[position]:,.0f} (a unit slip in one of the two?)",
            column=column, row=_line(frame, position), gm_code=row["region_code"], year=int(row["year"]),
            variable=variable, value=float(row[variable]), reference=float(per[position]), table="costs"))
    per_inhabitant = 1000 * frame[variable] / people
    for position in frame.index[per_inhabitant.gt(MAX_COST_PER_INHABITANT)]:
        row = frame.loc[position]
        checks.stop(Finding(
            "impossible_cost", name,
            f"{variable.replace('_keur', '')} {row[variable]:,.1f} (EUR 1,000) of {row['region_code']} in "
            f"{row['year']} is EUR {per_inhabitant[position]:,.0f} per inhabitant, more than the "
            f"{MAX_COST_PER_INHABITANT:,.0f} that youth care can cost (a unit slip?)",
            column=column, row=_line(frame, position), gm_code=row["region_code"], year=int(row["year"]),
            variable=variable, value=float(row[variable]), reference=MAX_COST_PER_INHABITANT, table="costs"))


def check_below_national(frame: pd.DataFrame, variable: str, column: str, name: str, checks: Checks) -> None:
    """No municipality may exceed the national figure of the same year and file."""
    national = frame[frame["region_code"] == "NL01"].set_index("year")[variable]
    local = frame[frame["region_code"] != "NL01"]
    above = local[local[variable] > local["year"].map(national)]
    for position in above.index:
        row = above.loc[position]
        checks.stop(Finding(
            "above_national", name,
            f"{variable} {row[variable]:,.0f} of {row['region_code']} in {row['year']} is more than the "
            f"national figure of that year ({national[row['year']]:,.0f})",
            column=column, row=_line(frame, position), gm_code=row["region_code"], year=int(row["year"]),
            variable=variable, value=float(row[variable]), reference=float(national[row["year"]])))


def check_chained_index(frame: pd.DataFrame, index_column: str, change_column: str, name: str,
                        checks: Checks) -> None:
    """Each year's price index must follow from the year before's and its own published annual change.

    ``previous x (1 + change / 100)`` must equal the index within the rounding of the change to one
    decimal and of both indices to two (:data:`CHANGE_ROUNDING_PCT`, :data:`INDEX_ROUNDING`).  A typo
    in one index (112.45 for 121.45) would otherwise shift every real-euro figure of that year.

    Parameters
    ----------
    frame
        ``year, cpi_index, cpi_change_pct``, indexed by file line, one row per year.
    index_column, change_column
        The raw columns of the index and the change, for the message.
    """
    ordered = frame.sort_values("year")
    for (_, before), (line, row) in zip(ordered.iterrows(), ordered.iloc[1:].iterrows()):
        change = row["cpi_change_pct"]
        if row["year"] != before["year"] + 1 or pd.isna(change):
            continue
        chained = before["cpi_index"] * (1 + change / 100)
        allowed = before["cpi_index"] * CHANGE_ROUNDING_PCT / 100 + INDEX_ROUNDING * (1 + (1 + change / 100))
        if abs(row["cpi_index"] - chained) > allowed:
            checks.stop(Finding(
                "index_disagrees_with_change", name,
                f"price index {row['cpi_index']:.2f} of {int(row['year'])} does not follow from the index of "
                f"{int(before['year'])} and the change of {int(row['year'])} ({change_column}): "
                f"{before['cpi_index']:.2f} x (1 + {change:.1f}%) = {chained:.2f}; the index or the change "
                "is wrong", column=index_column, row=int(line), year=int(row["year"]), variable="cpi_index",
                value=float(row["cpi_index"]), reference=float(chained), table="prices"))


def check_scale(total: float, reference: float, name: str, column: str, what: str, against: str,
                checks: Checks) -> None:
    """A whole file's total must be within :data:`SCALE_RANGE` of a reference total (a unit slip)."""
    if not reference or not total:
        return
    ratio = total / reference
    low, high = SCALE_RANGE
    if not low <= ratio <= high:
        checks.stop(Finding(
            "unit_scale", name,
            f"{what} sums to {total:,.0f}, {ratio:,.1f} times {against} ({reference:,.0f}): the file is at "
            "another scale (euros instead of thousands, or the reverse?)",
            column=column, value=total, reference=reference))


def flag_implausible_costs(costs: pd.DataFrame, register: pd.DataFrame, name: str, checks: Checks) -> None:
    """Flag jumps against the previous year and values far from the size-class median (per inhabitant)."""
    frame = costs.merge(register[["year", "gm_code", "inhabitants", "size_class"]], on=["gm_code", "year"],
                        how="left")
    latest = register[register["year"] == register["year"].max()].set_index("gm_code")
    frame["inhabitants"] = frame["inhabitants"].fillna(frame["gm_code"].map(latest["inhabitants"]))
    frame["size_class"] = frame["size_class"].fillna(frame["gm_code"].map(latest["size_class"]))
    for variable in ("realised_keur", "budgeted_keur"):
        frame["per_inhabitant"] = 1000 * frame[variable] / frame["inhabitants"]
        zero = frame[frame[variable].eq(0)]
        for row in zero.itertuples():
            checks.flag(Finding("reported_zero", name, f"{variable} reported as 0: no municipality has no "
                                "youth-care cost, so the analysis treats it as not reported",
                                gm_code=row.gm_code, year=int(row.year), variable=variable, value=0.0,
                                table="costs"))
        positive = frame[frame["per_inhabitant"] > 0].sort_values(["gm_code", "year"])
        previous = positive.groupby("gm_code")["per_inhabitant"].shift()
        gap = positive["year"] - positive.groupby("gm_code")["year"].shift()
        ratio = positive["per_inhabitant"] / previous
        low, high = JUMP_RANGE
        for position in positive.index[gap.eq(1) & ~ratio.between(low, high) & ratio.notna()]:
            row = positive.loc[position]
            checks.flag(Finding("jump", name, f"{variable} per inhabitant {ratio[position]:.2f} times that of "
                                f"{int(row['year']) - 1}", gm_code=row["gm_code"], year=int(row["year"]),
                                variable=variable, value=round(float(row["per_inhabitant"]), 2),
                                reference=round(float(previous[position]), 2), table="costs"))
        median = positive.groupby(["year", "size_class"])["per_inhabitant"].transform("median")
        ratio = positive["per_inhabitant"] / median
        low, high = PEER_RANGE
        for position in positive.index[~ratio.between(low, high)]:
            row = positive.loc[position]
            checks.flag(Finding("far_from_peers", name, f"{variable} per inhabitant {ratio[position]:.2f} times "
                                "the median of its size class", gm_code=row["gm_code"], year=int(row["year"]),
                                variable=variable, value=round(float(row["per_inhabitant"]), 2),
                                reference=round(float(median[position]), 2), table="costs"))
