"""A realistic simulated new CBS edition, built from the raw files in the repository.

Nothing here names a year: the edition adds the year after the last one in the data, whatever
edition the repository holds.  What a real new edition brings, and what this one has:

* a new year (:data:`NEW_YEAR`, the last year of the cost and use tables plus one) in the cost table
  and in both use tables, marked provisional (``<year>*``), for the municipalities of the register
  that describes that year; a municipality that merged on 1 January of the new year is replaced by
  its successor, which gets the sum of their rows;
* a revised earlier year (:data:`REVISED_YEAR`, the year before the last: realised costs revised by
  +1% for a tenth of the municipalities);
* sub-year labels in a spelling no edition has used so far (``<year>, 1ste halfjaar (voorlopig)``);
* sources that end in different years: no gemeentefonds criteria are added, so the newest cost year
  has the drivers the repository's editions give it -- today an edition that lacks several drivers of
  the models.

The new rows copy each municipality's row of the last year, scaled, so every number stays plausible
and the per-1,000-inhabitant columns stay consistent with the totals.
"""

from __future__ import annotations

from jeugdzorg.data.periods import Period, parse_period
from jeugdzorg.data.snapshot import load_snapshot

COSTS = "cbs/83454NED.csv"
USE = "cbs/85098NED.csv"
COUNTS = "cbs/85099NED.csv"


def _last_year() -> int:
    tables = load_snapshot()
    return max(int(tables[name]["year"].max()) for name in ("costs", "use_pct", "use_counts"))


#: The last year of the cost and use tables in the repository's data, and the year the edition adds.
LAST_YEAR = _last_year()
NEW_YEAR = LAST_YEAR + 1
REVISED_YEAR = LAST_YEAR - 1
#: A half-year in a spelling no edition has used so far.
HALF_YEAR_LABEL = f"{NEW_YEAR}, 1ste halfjaar (voorlopig)"


def _period(label: str) -> Period:
    return parse_period(label, "edition", "Perioden", 0)


def register_year(year: int) -> int:
    """The register that describes ``year`` (its own, or the latest before it), as the importer reads it."""
    years = load_snapshot()["register"]["year"]
    return int(years[years <= year].max())


def _labels(year: int) -> tuple[set[str], dict[str, str]]:
    """CBS labels of the municipalities of ``year``, and label of a municipality that merged on
    1 January of ``year`` -> label of its successor."""
    tables = load_snapshot()
    register = tables["register"]
    labels = dict(zip(register["gm_code"], register["label"]))
    current = set(register.loc[register["year"] == register_year(year), "label"])
    mergers = tables["mergers"]
    merged = mergers[mergers["date"] == f"{year}-01-01"]
    return current, {labels.get(old, name): labels[new] for old, name, new in
                     zip(merged["old_code"], merged["old_name"], merged["new_code"])}


def _number(cell: str) -> float | None:
    return None if cell in ("", ".") else float(cell)


def _append_year(text: str, region: int, period: int, scale: dict[int, float], totals: set[int]) -> str:
    """Add ``<NEW_YEAR>*`` and :data:`HALF_YEAR_LABEL` rows for the municipalities of the new year (and the
    aggregates), from the rows of the file's last year: columns in ``scale`` (0-based index -> factor)
    are multiplied; a merged municipality's successor gets the sum of the ``totals`` columns and leaves
    the others empty."""
    current, successor = _labels(NEW_YEAR)
    lines = text.rstrip("\n").split("\n")
    header, body = lines[0], lines[1:]
    next_id = max(int(line.split(";", 1)[0]) for line in body) + 1
    periods = {label: _period(label) for label in {line.split(";")[period] for line in body}}
    last = max(p.year for p in periods.values() if p.kind == "year")
    rows: dict[tuple[str, ...], list[str]] = {}
    for line in body:
        cells = line.split(";")
        if (periods[cells[period]].kind, periods[cells[period]].year) != ("year", last):
            continue
        label = cells[region]
        if label in successor:
            key = (*cells[1:region], successor[label])
            row = rows.setdefault(key, [""] * len(cells))
            row[1:region + 1] = [*cells[1:region], successor[label]]
            for index in totals:
                parts = [_number(row[index]) if row[index] else 0.0, _number(cells[index])]
                row[index] = "" if None in parts else f"{sum(parts):.1f}"
            continue
        if label in current or label == "Nederland":
            rows.setdefault((*cells[1:region], label), cells)
    added = []
    for cells in rows.values():
        for label, share in ((f"{NEW_YEAR}*", 1.0), (HALF_YEAR_LABEL, 0.5)):
            new = list(cells)
            new[0] = str(next_id)
            next_id += 1
            new[period] = label
            for index, factor in scale.items():
                value = _number(new[index])
                if value is not None:
                    new[index] = f"{round(value * factor * share):.1f}"
            added.append(";".join(new))
    return "\n".join([header, *body, *added]) + "\n"


def _revise(text: str) -> str:
    """Raise the realised cost of :data:`REVISED_YEAR` (and its per-1,000 column) of every tenth
    municipality by 1%."""
    out, n = [], 0
    for line in text.split("\n"):
        cells = line.split(";")
        if len(cells) > 7 and cells[1] == "JZ Totaal jeugdzorg" and cells[5] and \
                (_period(cells[3]).kind, _period(cells[3]).year) == ("year", REVISED_YEAR):
            n += 1
            if n % 10 == 0:
                cells[5] = f"{round(float(cells[5]) * 1.01):.1f}"
                cells[7] = f"{round(float(cells[7]) * 1.01):.1f}" if cells[7] else cells[7]
        out.append(";".join(cells))
    return "\n".join(out)


def simulate_new_edition(raw_copy) -> None:
    """Turn ``raw_copy`` (a :class:`tests.conftest.RawCopy`) into the new edition described above."""
    raw_copy.edit(COSTS, lambda t: _append_year(_revise(t), 2, 3, {4: 1.04, 5: 1.06, 6: 1.04, 7: 1.06}, {4, 5}))
    raw_copy.edit(USE, lambda t: _append_year(t, 1, 2, {}, set()))
    raw_copy.edit(COUNTS, lambda t: _append_year(t, 2, 3, {4: 1.02}, {4}))
