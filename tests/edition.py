"""A realistic simulated new CBS edition, built from today's raw files.

What a real new edition brings, and what this one has:

* a new year (2023) in the cost table and in both use tables, marked provisional (``2023*``), for
  the municipalities of the 2023 register (Voorne aan Zee replaces Brielle, Hellevoetsluis and
  Westvoorne, whose 2022 rows it sums);
* a revised earlier year (2021 realised costs revised by +1% for a tenth of the municipalities);
* sub-year labels in a spelling the earlier editions did not use (``2023 1e halfjaar``);
* sources that end in different years: the gemeentefonds edition of 2023 (85383NED) lacks several
  drivers of the models (psychiatric medication, social assistance, income), so the newest cost
  year has no complete drivers.

The new rows copy each municipality's 2022 row, scaled, so every number stays plausible and the
per-1,000-inhabitant columns stay consistent with the totals.
"""

from __future__ import annotations

from jeugdzorg.data.snapshot import load_snapshot

NEW_YEAR = 2023
REVISED_YEAR = 2021
COSTS = "cbs/83454NED.csv"
USE = "cbs/85098NED.csv"
COUNTS = "cbs/85099NED.csv"


def _labels(year: int) -> tuple[set[str], dict[str, str]]:
    """CBS labels of the municipalities of ``year``, and label of a municipality that merged on
    1 January of ``year`` -> label of its successor."""
    tables = load_snapshot()
    register = tables["register"]
    labels = dict(zip(register["gm_code"], register["label"]))
    current = set(register.loc[register["year"] == year, "label"])
    mergers = tables["mergers"]
    merged = mergers[mergers["date"] == f"{year}-01-01"]
    return current, {labels.get(old, name): labels[new] for old, name, new in
                     zip(merged["old_code"], merged["old_name"], merged["new_code"])}


def _number(cell: str) -> float | None:
    return None if cell in ("", ".") else float(cell)


def _append_year(text: str, region: int, period: int, scale: dict[int, float], totals: set[int]) -> str:
    """Add ``2023*`` and ``2023 1e halfjaar`` rows for the municipalities of 2023 (and the aggregates),
    from the 2022 rows: columns in ``scale`` (0-based index -> factor) are multiplied; a merged
    municipality's successor gets the sum of the ``totals`` columns and leaves the others empty."""
    current, successor = _labels(NEW_YEAR)
    lines = text.rstrip("\n").split("\n")
    header, body = lines[0], lines[1:]
    next_id = max(int(line.split(";", 1)[0]) for line in body) + 1
    rows: dict[tuple[str, ...], list[str]] = {}
    for line in body:
        cells = line.split(";")
        if cells[period] != "2022":
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
        for label in (f"{NEW_YEAR}*", f"{NEW_YEAR} 1e halfjaar"):
            new = list(cells)
            new[0] = str(next_id)
            next_id += 1
            new[period] = label
            for index, factor in scale.items():
                value = _number(new[index])
                if value is not None:
                    new[index] = f"{round(value * factor * (0.5 if 'halfjaar' in label else 1)):.1f}"
            added.append(";".join(new))
    return "\n".join([header, *body, *added]) + "\n"


def _revise(text: str) -> str:
    """Raise the 2021 realised cost (and its per-1,000 column) of every tenth municipality by 1%."""
    out, n = [], 0
    for line in text.split("\n"):
        cells = line.split(";")
        if len(cells) > 7 and cells[1] == "JZ Totaal jeugdzorg" and cells[3] == str(REVISED_YEAR) and cells[5]:
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
