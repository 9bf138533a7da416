"""Municipal reorganisations and the harmonisation of tables to one boundary year.

A row of a source table describes a municipality as it existed in its period.  To compare across
years, every table is re-expressed in the municipalities of one *boundary year* (1 January of that
year): each original municipality is carried forward through every reorganisation dated after the
start of its period and on or before 1 January of the boundary year.  A merger passes the whole
municipality on (share 1); a split passes each successor its share of inhabitants.  Counts and euros
are summed (times the share); percentages and averages are re-weighted by their denominator.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputDataError
from .rawtext import parse_numbers, read_table

MERGER_COLUMNS = ["date", "old_code", "old_name", "new_code", "new_name", "kind", "share", "note"]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _is_iso_date(text: str) -> bool:
    """``YYYY-MM-DD`` and a real day.  Nothing else is guessed: pandas reads ``01-07-2015`` month first,
    as 7 January, where a Dutch writer meant 1 July."""
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_mergers(path: Path, name: str) -> pd.DataFrame:
    """Read the reorganisation list and check it is internally consistent (shares, codes, a forest).

    The result keeps the file ``line`` of each row, for messages of later checks."""
    frame = read_table(path, name, ",", MERGER_COLUMNS)
    for line, row in frame.iterrows():
        for column in ("old_code", "new_code"):
            if not str(row[column]).startswith("GM") or len(row[column]) != 6:
                raise InputDataError(name, f"{row[column]!r} is not a GM code", column=column, row=line)
        if row["kind"] not in ("merger", "split"):
            raise InputDataError(name, f"kind {row['kind']!r} is neither 'merger' nor 'split'",
                                 column="kind", row=line)
        if not _is_iso_date(row["date"]):
            raise InputDataError(name, f"{row['date']!r} is not an ISO date (YYYY-MM-DD)", column="date", row=line)
    frame["share"] = parse_numbers(frame["share"], name, "share", missing=None)
    bad = ~frame["share"].between(0, 1, inclusive="right")
    if bad.any():
        line = bad.idxmax()
        raise InputDataError(name, f"share {frame.at[line, 'share']} outside (0, 1]", column="share", row=line)
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    _check_forest(frame, name)
    totals = frame.groupby(["date", "old_code"])["share"].sum()
    bad = totals[(totals - 1).abs() > 1e-6]
    if not bad.empty:
        (date, code), total = next(iter(bad.items()))
        # Any of the split's lines may hold the wrong share: name them all, and stop at the first.
        lines = frame.index[frame["date"].eq(date) & frame["old_code"].eq(code)].tolist()
        raise InputDataError(name, f"the shares of {code} on {date:%Y-%m-%d} add up to {round(total, 6)}, not 1 "
                                   f"(lines {lines})", column="share", row=lines[0])
    return (frame.assign(line=frame.index)[[*MERGER_COLUMNS, "line"]]
            .sort_values(["date", "old_code", "new_code"]).reset_index(drop=True))


def _check_forest(frame: pd.DataFrame, name: str) -> None:
    """Reorganisations form a forest: a municipality ends once, and no chain of successors leads back
    to a municipality that has already ended (a cycle would send costs round in circles)."""
    ended: dict[str, int] = {}
    for line, code in zip(frame.index, frame["old_code"]):
        date = frame.at[line, "date"]
        first = ended.setdefault(code, line)
        if first != line and frame.at[first, "date"] != date:
            raise InputDataError(name, f"{code} ends twice: on lines {first} and {line}", column="old_code", row=line)
    order = frame.sort_values("date")
    for line, old, new, date in zip(order.index, order["old_code"], order["new_code"], order["date"]):
        later = order[(order["date"] > date) & (order["old_code"] == new)]
        seen = {old}
        frontier = list(later["new_code"])
        while frontier:
            code = frontier.pop()
            if code in seen:
                raise InputDataError(name, f"the reorganisations form a cycle: {old} leads through {new} back to "
                                           f"{code}", column="new_code", row=int(line))
            seen.add(code)
            frontier += list(order[(order["old_code"] == code) & (order["date"] > date)]["new_code"])
        if new == old:
            raise InputDataError(name, f"{old} is its own successor", column="new_code", row=int(line))


def check_successors(mergers: pd.DataFrame, register: pd.DataFrame, name: str) -> None:
    """Every successor exists in the register that follows its reorganisation (1 January on or after
    the date), and every municipality that ends exists in the register before it."""
    years = sorted(int(y) for y in register["year"].unique())
    codes = {y: set(register.loc[register["year"] == y, "gm_code"]) for y in years}
    for _, row in mergers.iterrows():
        date = pd.Timestamp(row["date"])
        after = next((y for y in years if pd.Timestamp(year=y, month=1, day=1) >= date), None)
        before = next((y for y in reversed(years) if pd.Timestamp(year=y, month=1, day=1) < date), None)
        line = int(row["line"]) if "line" in row else None
        if after is not None and row["new_code"] not in codes[after]:
            raise InputDataError(name, f"successor {row['new_code']} ({row['new_name']}) is not in the register of "
                                       f"{after}", column="new_code", row=line)
        if before is not None and row["old_code"] not in codes[before]:
            raise InputDataError(name, f"{row['old_code']} ({row['old_name']}) is not in the register of {before}, "
                                       "before it ended", column="old_code", row=line)


def check_register_changes(register: pd.DataFrame, mergers: pd.DataFrame, files: Mapping[int, str],
                           name: str) -> None:
    """Each register follows from the one before it and the reorganisations between the two.

    A municipality of the earlier register that no reorganisation ends must still be in the later
    one, and a municipality new in the later register must be created by a reorganisation.  An
    export cut off at a line boundary (CBS serves its data in pages) is otherwise a valid-looking
    file: it would be accepted, and the first other file naming the lost municipality blamed.

    Parameters
    ----------
    register
        ``year, gm_code, name`` of every register year.
    mergers
        The reorganisation list from :func:`read_mergers`.
    files
        The register file of each year, as named in messages.
    name
        The reorganisation list, as named in messages.

    Raises
    ------
    InputDataError
        Naming the later register's file and the municipalities concerned.
    """
    years = sorted(int(y) for y in register["year"].unique())
    dates = pd.to_datetime(mergers["date"])
    for before, after in zip(years, years[1:]):
        earlier = register[register["year"] == before].set_index("gm_code")["name"]
        later = register[register["year"] == after].set_index("gm_code")["name"]
        between = mergers[(dates > pd.Timestamp(year=before, month=1, day=1))
                          & (dates <= pd.Timestamp(year=after, month=1, day=1))]
        lost = sorted(set(earlier.index) - set(between["old_code"]) - set(later.index))
        if lost:
            raise InputDataError(
                files[after], f"{_listed(lost, earlier)} of the {before} register, which no reorganisation "
                              f"ends, {'is' if len(lost) == 1 else 'are'} missing from the {after} register: the "
                              f"export looks cut short (or, if {'it' if len(lost) == 1 else 'they'} did end, "
                              f"{name} lacks the reorganisation)")
        new = sorted(set(later.index) - set(earlier.index) - set(between["new_code"]))
        if new:
            raise InputDataError(
                files[after], f"{_listed(new, later)} {'is' if len(new) == 1 else 'are'} new in the {after} "
                              f"register, but no reorganisation since the {before} register creates "
                              f"{'it' if len(new) == 1 else 'them'}: a stray line, or {name} lacks the "
                              "reorganisation")


def _listed(codes: list[str], names: pd.Series, most: int = 5) -> str:
    """``GM0193 (Zwolle)``, or the first ``most`` of several and how many there are."""
    shown = ", ".join(f"{code} ({names[code]})" for code in codes[:most])
    return shown if len(codes) == 1 else f"{len(codes)} municipalities ({shown}{', ...' if len(codes) > most else ''})"


Events = list[tuple[pd.Timestamp, dict[str, list[tuple[str, float]]]]]


def _events(mergers: pd.DataFrame) -> Events:
    """Reorganisations grouped by date: ``[(date, {old_code: [(new_code, share), ...]})]``, sorted."""
    out: Events = []
    for date, group in mergers.groupby("date", sort=True):
        moves: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for row in group.itertuples():
            moves[row.old_code].append((row.new_code, float(row.share)))
        out.append((pd.Timestamp(date), dict(moves)))
    return out


def _carry_forward(code: str, year: int, boundary_year: int, events: Events) -> dict[str, float]:
    start, end = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=boundary_year, month=1, day=1)
    current = {code: 1.0}
    for date, moves in events:
        if not start < date <= end:
            continue
        nxt: dict[str, float] = defaultdict(float)
        for old, share in current.items():
            for new, part in moves.get(old, [(old, 1.0)]):
                nxt[new] += share * part
        current = dict(nxt)
    return current


def successor_shares(code: str, year: int, boundary_year: int, mergers: pd.DataFrame) -> dict[str, float]:
    """Where a municipality of ``year`` ends up in the boundaries of ``boundary_year``.

    Every reorganisation dated after 1 January of ``year`` and on or before 1 January of
    ``boundary_year`` is applied in date order.

    Returns
    -------
    dict
        Successor GM code -> share of the original municipality (shares sum to 1).
    """
    return _carry_forward(code, year, boundary_year, _events(mergers))


@dataclass(frozen=True)
class Rule:
    """How a variable combines when municipalities merge.

    ``how='sum'`` for counts and euros; ``how='mean'`` for percentages and averages, weighted by the
    column ``weight`` (their denominator).
    """

    how: str
    weight: str | None = None


SUM = Rule("sum")


def _constituents(merged: pd.DataFrame, keys: list[str], code: str) -> pd.Series:
    """Per ``keys`` group, its distinct codes, sorted and joined by ``+`` (a plain loop: a pandas
    aggregation per group cost seconds, as the panels are harmonised dozens of times per book)."""
    joined: dict[tuple, list[str]] = {}
    for *key, value in merged[[*keys, code]].drop_duplicates().itertuples(index=False):
        joined.setdefault(tuple(key), []).append(value)
    index = pd.MultiIndex.from_tuples(list(joined), names=keys)
    return pd.Series(["+".join(sorted(codes)) for codes in joined.values()], index=index, dtype=object)


def harmonise(table: pd.DataFrame, rules: dict[str, Rule], mergers: pd.DataFrame,
              register_codes: set[str], boundary_year: int, *, code: str = "gm_code",
              period: str = "year", expected: pd.DataFrame | None = None) -> pd.DataFrame:
    """Re-express ``table`` in the municipalities of ``boundary_year``.

    Parameters
    ----------
    table
        One row per original municipality (``code``) and period (``period``: the calendar year whose
        boundaries the row uses).  Rows whose code does not start with ``GM`` (e.g. ``NL01``) pass
        through unchanged.
    rules
        Aggregation rule per variable; weight columns must be present in ``table``.
    mergers
        The reorganisation list from :func:`read_mergers`.
    register_codes
        The GM codes of the boundary year; every harmonised code must be one of them.
    boundary_year
        The year whose 1 January boundaries every row is expressed in.
    expected
        Optional ``code, period`` pairs that should be in ``table`` (the municipalities of each
        period's register).  A pair without a row counts as a constituent with missing values, so
        a merged total is never formed from only the parts that happen to be present.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``period``, the variables, and ``constituents``: the original codes summed into
        the row, joined by ``+``.  A variable is missing for a row if any constituent lacks it, so a
        merged municipality never shows a partial total.
    """
    national = table[~table[code].str.startswith("GM")].copy()
    local = table[table[code].str.startswith("GM")]
    if expected is not None:
        periods = set(local[period])
        wanted = expected[expected[period].isin(periods)][[code, period]]
        absent = wanted.merge(local[[code, period]], how="left", indicator=True)
        absent = absent[absent["_merge"] == "left_only"].drop(columns="_merge")
        if not absent.empty:
            local = pd.concat([local, absent], ignore_index=True)
    pairs = local[[code, period]].drop_duplicates()
    events = _events(mergers)
    # A code that no reorganisation ever moves stays itself: most of them, so they skip the walk.
    movers = {old for _, moves in events for old in moves}
    links = [
        (orig, year, target, share)
        for orig, year in pairs.itertuples(index=False)
        for target, share in (_carry_forward(orig, int(year), boundary_year, events) if orig in movers
                              else {orig: 1.0}).items()
    ]
    link = pd.DataFrame(links, columns=[code, period, "_target", "_share"])
    unknown = sorted(set(link["_target"]) - register_codes)
    if unknown:
        example = link[link["_target"].isin(unknown)].iloc[0]
        raise ValueError(
            f"{len(unknown)} municipalities (e.g. {example[code]} in {example[period]}) cannot be expressed "
            f"in the boundaries of {boundary_year}: the boundary year must not precede a reorganisation "
            "that the data already reflect")
    merged = local.merge(link, on=[code, period], how="left")
    keys = ["_target", period]
    grouped = merged.groupby(keys, sort=True)
    out = grouped.size().rename("_n").to_frame()
    for variable, rule in rules.items():
        value = merged[variable]
        if rule.how == "sum":
            part = value * merged["_share"]
            total = part.groupby([merged[k] for k in keys]).sum(min_count=1)
            complete = value.notna().groupby([merged[k] for k in keys]).sum()
            out[variable] = total.where(complete == out["_n"])
        elif rule.how == "mean":
            weight = merged[rule.weight] * merged["_share"]
            ok = value.notna() & weight.notna()
            num = (value * weight).where(ok).groupby([merged[k] for k in keys]).sum(min_count=1)
            den = weight.where(ok).groupby([merged[k] for k in keys]).sum(min_count=1)
            complete = ok.groupby([merged[k] for k in keys]).sum()
            single = value.groupby([merged[k] for k in keys]).first()
            mean = (num / den).where(complete == out["_n"])
            out[variable] = np.where(out["_n"] == 1, single, mean)
        else:
            raise ValueError(f"unknown rule {rule.how!r} for {variable}")
    out["constituents"] = _constituents(merged, keys, code).reindex(out.index)
    out = out.drop(columns="_n").reset_index().rename(columns={"_target": code})
    if not national.empty:
        national["constituents"] = national[code]
        out = pd.concat([out, national[out.columns]], ignore_index=True)
    return out
