"""The municipality register ("Gebieden in Nederland"): one table per year, read by content.

CBS renumbers the columns of this table every year, so columns are recognised by what they hold:
the column whose values look like ``GM0344`` holds municipality codes, ``JZ04`` jeugdzorgregio codes,
and so on; each ``Code_n`` column is followed by its ``Naam_n+1`` label.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputDataError
from .rawtext import parse_numbers, read_table

#: Region code prefixes we keep from the register, with the output column stem.
REGION_PREFIXES = {"GM": "gm", "PV": "province", "JZ": "jz_region", "CR": "corop"}


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
    raw = read_table(path, name, ";", ["RegioS"])
    header = list(raw.columns)
    out = pd.DataFrame(index=raw.index)
    out["year"] = year
    code_columns: dict[str, str] = {}
    for position, column in enumerate(header):
        if not column.startswith("Code_") or position + 1 >= len(header):
            continue
        prefix = _prefix_of(raw[column])
        stem = REGION_PREFIXES.get(prefix or "")
        if stem is None or f"{stem}_code" in out:
            continue
        out[f"{stem}_code"] = raw[column]
        code_columns[stem] = column
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
            out["urbanity"] = parse_numbers(raw[code_column], name, code_column, missing=None).astype("int64")
            out["urbanity_label"] = raw[column]
    for stem, target in (("Inwonertal_", "inhabitants"), ("Omgevingsadressendichtheid_", "address_density")):
        column = next((c for c in header if c.startswith(stem)), None)
        if column is None:
            raise InputDataError(name, f"no {stem}* column", column=stem + "*", row=1)
        out[target] = parse_numbers(raw[column], name, column, non_negative=True)
    for needed in ("size_class", "urbanity"):
        if needed not in out:
            raise InputDataError(name, f"no column describes {needed.replace('_', ' ')}")
    for stem, pattern in (("gm", r"GM\d{4}"), ("province", r"PV\d{2}"), ("jz_region", r"JZ\d{2}"),
                          ("corop", r"CR\d{2}")):
        bad = ~out[f"{stem}_code"].str.fullmatch(pattern)
        if bad.any():
            line = bad.idxmax()
            raise InputDataError(name, f"{out.at[line, f'{stem}_code']!r} is not a {stem.replace('_', ' ')} code "
                                       f"(expected {pattern.replace(chr(92) + 'd', '9')})",
                                 column=code_columns[stem], row=int(line))
    duplicated = out["gm_code"].duplicated(keep=False)
    if duplicated.any():
        lines = out.index[duplicated & out["gm_code"].eq(out.loc[duplicated, "gm_code"].iat[0])].tolist()
        raise InputDataError(name, f"{out.at[lines[0], 'gm_code']} occurs on lines {lines}",
                             column=code_columns["gm"], row=int(lines[1]))
    columns = ["year", "gm_code", "name", "label", "province_code", "province", "jz_region_code",
               "jz_region", "corop_code", "corop", "size_class", "urbanity", "urbanity_label",
               "inhabitants", "address_density"]
    return out[columns].reset_index(drop=True)
