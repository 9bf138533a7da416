"""The municipality register ("Gebieden in Nederland") and the name -> GM code lookup.

CBS renumbers the columns of this table every year, so columns are recognised by what they hold:
the column whose values look like ``GM0344`` holds municipality codes, ``JZ04`` jeugdzorgregio codes,
and so on; each ``Code_n`` column is followed by its ``Naam_n+1`` label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputDataError
from .rawcsv import parse_numbers, read_cbs_csv

#: Region code prefixes we keep from the register, with the output column stem.
REGION_PREFIXES = {"GM": "gm", "PV": "province", "JZ": "jz_region", "CR": "corop"}
NATIONAL_CODE = "NL01"
_AGGREGATE_LABEL = re.compile(r"\((LD|PV|CR|JZ|GGD|RE|AM|AR|LG|LB)\)$|inwoners|^Nederland$")


def _prefix_of(values: pd.Series) -> str | None:
    """The code prefix (e.g. ``'GM'``) shared by most non-empty values, if they look like codes."""
    found = values[values.ne(".") & values.ne("")].str.extract(r"^([A-Z]{2})\d+$")[0]
    if found.empty or found.notna().mean() < 0.9:
        return None
    return found.mode().iat[0]


def read_register(path: Path, name: str, year: int) -> pd.DataFrame:
    """Read one year of "Gebieden in Nederland" into the project's register format.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, gm_code, name, label, province_code, province, jz_region_code, jz_region,
        corop_code, corop, size_class, urbanity, urbanity_label, inhabitants, address_density``.
    """
    raw = read_cbs_csv(path, name, required=["RegioS"])
    header = list(raw.columns)
    out = pd.DataFrame(index=raw.index)
    out["year"] = year
    for position, column in enumerate(header):
        if not column.startswith("Code_") or position + 1 >= len(header):
            continue
        prefix = _prefix_of(raw[column])
        stem = REGION_PREFIXES.get(prefix or "")
        if stem is None or f"{stem}_code" in out:
            continue
        out[f"{stem}_code"] = raw[column]
        out["name" if stem == "gm" else stem] = raw[header[position + 1]]
    if "gm_code" not in out:
        raise InputDataError(name, "no column holds municipality codes (GMxxxx)", row=2)
    missing = [s for s in REGION_PREFIXES.values() if f"{s}_code" not in out]
    if missing:
        raise InputDataError(name, f"no column holds {missing} codes")
    out["label"] = raw["RegioS"]
    for column in header:
        if not column.startswith("Omschrijving_"):
            continue
        code_column = header[header.index(column) - 1]
        if raw[column].str.contains("inwoners").mean() > 0.9:
            out["size_class"] = raw[column]
        elif raw[column].str.contains("stedelijk").mean() > 0.9:
            out["urbanity"] = parse_numbers(raw, code_column, name).astype("int64")
            out["urbanity_label"] = raw[column]
    for stem, target in (("Inwonertal_", "inhabitants"), ("Omgevingsadressendichtheid_", "address_density")):
        column = next((c for c in header if c.startswith(stem)), None)
        if column is None:
            raise InputDataError(name, f"no {stem}* column", column=stem + "*", row=1)
        out[target] = parse_numbers(raw, column, name, non_negative=True)
    for needed in ("size_class", "urbanity"):
        if needed not in out:
            raise InputDataError(name, f"no column describes {needed.replace('_', ' ')}")
    columns = ["year", "gm_code", "name", "label", "province_code", "province", "jz_region_code",
               "jz_region", "corop_code", "corop", "size_class", "urbanity", "urbanity_label",
               "inhabitants", "address_density"]
    return out[columns].reset_index(drop=True)


@dataclass
class MunicipalityLookup:
    """Translate CBS region labels of a given year into GM codes.

    A label resolves through the register of the same year (``'Groningen (gemeente)'`` and the bare
    ``'Groningen'`` both work where the bare name is unambiguous), plus the municipalities created by a
    reorganisation during that year (e.g. De Fryske Marren on 2015-07-01).  For a year after the last
    register, the latest register is used.  National rows map to ``NL01``; other aggregates (provinces,
    COROP, jeugdzorgregio, size classes) map to ``None``.  Anything else is an unknown municipality.
    """

    register: pd.DataFrame
    mergers: pd.DataFrame
    _tables: dict[int, dict[str, str]] = field(default_factory=dict, init=False, repr=False)

    def _table_for(self, year: int) -> dict[str, str]:
        if year in self._tables:
            return self._tables[year]
        years = sorted(self.register["year"].unique())
        candidates = [y for y in years if y <= year]
        if not candidates:
            raise KeyError(year)
        reg = self.register[self.register["year"] == candidates[-1]]
        during = self.mergers[self.mergers["date"].dt.year == year]
        names: dict[str, str] = {}
        bare_counts = reg["name"].value_counts()
        for row in reg.itertuples():
            names[row.label] = row.gm_code
            if bare_counts[row.name] == 1:
                names.setdefault(row.name, row.gm_code)
        for row in during.itertuples():
            names.setdefault(row.new_name, row.new_code)
        self._tables[year] = names
        return names

    def expected_codes(self, year: int) -> set[str]:
        """Municipalities a table of ``year`` must list: the register of that year (or the latest
        earlier one) without those dissolved during the year."""
        years = [y for y in sorted(self.register["year"].unique()) if y <= year]
        register = self.register[self.register["year"] == (years[-1] if years else year)]
        codes = set(register["gm_code"])
        dissolved = self.dissolved_during(pd.Series(sorted(codes)), pd.Series([year] * len(codes)))
        return codes - set(pd.Series(sorted(codes))[dissolved.to_numpy()])

    def dissolved_during(self, codes: pd.Series, years: pd.Series) -> pd.Series:
        """True where a municipality was dissolved during that year (after 1 January).

        CBS reports such a municipality (Weesp, 24 March 2022) with its successor for that year and
        leaves its own row empty; an empty row of it is therefore no gap in the data.
        """
        moved = self.mergers[(self.mergers["date"].dt.month != 1) | (self.mergers["date"].dt.day != 1)]
        during = set(zip(moved["old_code"], moved["date"].dt.year))
        return pd.Series([(c, int(y)) in during for c, y in zip(codes, years)], index=codes.index)

    def codes(self, frame: pd.DataFrame, column: str, name: str,
              empty: pd.Series | None = None) -> pd.Series:
        """GM code (or ``NL01`` / ``None`` for aggregates) for every row of ``frame``.

        ``frame`` must have a ``year`` column and be indexed by file line.  Rows flagged in ``empty``
        (no value in any measure) may carry a label unknown in that year: CBS lists municipalities
        that no longer existed with empty cells, and those rows map to ``None``.

        Raises
        ------
        InputDataError
            For the first label that is neither a municipality of that year nor an aggregate.
        """
        result = []
        if empty is None:
            empty = pd.Series(False, index=frame.index)
        for line, label, year, blank in zip(frame.index, frame[column], frame["year"], empty):
            try:
                code = self._table_for(int(year)).get(label)
            except KeyError:
                raise InputDataError(name, f"no municipality register covers the year {year}",
                                     column="Perioden", row=line) from None
            if code is None:
                if label == "Nederland":
                    code = NATIONAL_CODE
                elif not blank and not _AGGREGATE_LABEL.search(label):
                    raise InputDataError(
                        name, f"unknown municipality {label!r} in {year}: not in the register of that "
                              "year (misspelt, or a register year is missing)", column=column, row=line)
            result.append(code)
        return pd.Series(result, index=frame.index, dtype=object)
