"""The importer on the real raw extracts: facts it must reproduce, and errors it must raise."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from jeugdzorg import cli
from jeugdzorg.data.catalogue import load_catalogue
from jeugdzorg.errors import InputDataError
from jeugdzorg.data.raw_provenance import FIELDS, check_provenance, raw_files, read_provenance
from jeugdzorg.data.snapshot import (check_snapshot, import_raw, load_snapshot, read_manifest, sha256_file,
                                     staleness, write_snapshot)

COSTS = "cbs/83454NED.csv"


@pytest.fixture(scope="module")
def fresh(raw_dir):
    """A snapshot imported in this test run from the raw files."""
    return import_raw(raw_dir)


def test_committed_snapshot_is_current_with_the_raw_data(raw_dir):
    from jeugdzorg.paths import data_dir

    assert staleness(raw_dir, data_dir()) is None


def test_reimport_reproduces_the_committed_files_byte_for_byte(fresh, raw_dir, tmp_path):
    from jeugdzorg.paths import data_dir

    write_snapshot(fresh, raw_dir, tmp_path / "data")
    for entry in read_manifest(data_dir())["outputs"]:
        assert sha256_file(tmp_path / "data" / entry["file"]) == entry["sha256"], entry["file"]
    fresh_manifest = read_manifest(tmp_path / "data")
    committed = read_manifest(data_dir())
    for volatile in ("imported", "changes"):  # history of the committed snapshot, not its content
        fresh_manifest.pop(volatile), committed.pop(volatile)
    assert fresh_manifest == committed


#: Municipalities per register table, as documented with the raw files (raw/README.md); a later
#: register adds a year and changes none of these.
DOCUMENTED_COUNTS = {"82949NED": 393, "83287NED": 390, "83553NED": 388, "83859NED": 380, "84378NED": 355,
                     "84721NED": 355, "84929NED": 352, "85067NED": 345, "85385NED": 342, "85755NED": 342,
                     "86059NED": 342}


def test_register_has_the_documented_number_of_municipalities_per_table(fresh):
    years = {entry["table"]: entry["year"] for entry in load_catalogue()["registers"]}
    counts = fresh.tables["register"].groupby("year")["gm_code"].nunique()
    assert {table: counts[years[table]] for table in DOCUMENTED_COUNTS} == DOCUMENTED_COUNTS


def test_realised_costs_coverage_matches_the_source_documentation(fresh):
    reported = fresh.tables["costs"].dropna(subset=["realised_keur"]).groupby("year").size()
    # as documented for the years 2015-2022 of 83454NED (raw/README.md); later years may add fewer
    assert reported.loc[2015:2018].tolist() == [60, 104, 184, 295]
    assert reported.loc[2019:2022].between(321, 341).all()


def test_labels_resolve_through_the_register_of_the_same_year(fresh):
    costs = fresh.tables["costs"].set_index(["gm_code", "year"])
    # 'Groningen (gemeente)' and "'s-Gravenhage (gemeente)" carry the suffix in the cost table.
    assert costs.loc[("GM0014", 2019), "realised_keur"] == 63594
    assert ("GM0518", 2022) in costs.index
    # The 2019 gemeentefonds edition spells Utrecht without '(gemeente)'.
    drivers = fresh.tables["drivers"]
    utrecht = drivers[(drivers.gm_code == "GM0344") & (drivers.edition == 2019)
                      & (drivers.variable == "households_total")]
    assert utrecht["value"].tolist() == [180370]


def test_national_youth_care_counts_match_the_anchor(fresh):
    use = fresh.tables["use_counts"].set_index(["region_code", "year"])
    # Research brief: 380k youths in care in 2015, 444k in 2019 (CBS via Divosa).
    assert round(use.loc[("NL01", 2015), "youths_in_care"], -3) == 380_000
    assert round(use.loc[("NL01", 2019), "youths_in_care"], -3) == 444_000


def test_driver_editions_map_the_same_concept_across_column_sets(fresh):
    drivers = fresh.tables["drivers"]
    wide = drivers[drivers.variable == "inhabitants_0_17"].pivot(index="gm_code", columns="edition",
                                                                   values="value")
    # Youth population of a stable municipality moves slowly between editions, whatever the column.
    ratio = (wide[2022] / wide[2016]).dropna()
    assert ratio.between(0.75, 1.25).mean() > 0.98
    # Old editions split the income of households with children into four groups; their weighted
    # mean must reproduce the single figure later editions publish for the same reference year
    # (Utrecht: 27,700 in the 2019 edition, groups 30,200 / 27,700 / 18,900 / 21,600 in 2017).
    income = drivers[drivers.variable == "mean_standardised_income_with_children"].pivot(
        index="gm_code", columns="edition", values="value")
    assert abs(income.loc["GM0344", 2017] - income.loc["GM0344", 2019]) < 100
    assert income[2017].dropna().between(15_000, 60_000).all()
    refs = drivers[(drivers.variable == "persons_bijstand") & (drivers.edition == 2019)]["reference_period"]
    assert set(refs) == {"2018-12-31"}


def test_suppressed_cells_stay_missing_and_are_counted(fresh):
    costs = fresh.tables["costs"]
    # Empty cells in the raw file (e.g. Groningen before 2018) are missing, not zero; the one
    # reported zero (Renkum 2016) is CBS's own figure and is kept as such in the snapshot.
    assert costs.set_index(["gm_code", "year"])["realised_keur"].loc[("GM0014", 2017)] != 0
    assert pd.isna(costs.set_index(["gm_code", "year"])["realised_keur"].loc[("GM0014", 2017)])
    assert (costs["realised_keur"] == 0).sum() == 1
    counted = {r.file: r.suppressed_cells for r in fresh.inputs}
    assert counted[COSTS] > 0


def _import(raw_copy):
    return import_raw(raw_copy.path)


def _replace_first_data_line(text: str, pattern: str, replacement: str) -> str:
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert n == 1, pattern
    return new


@pytest.mark.parametrize("change, column, message", [
    (lambda t: t.replace("Aa en Hunze", "Aa en Hunzee"), "Regio", "unknown municipality 'Aa en Hunzee'"),
    (lambda t: t.replace("GerealiseerdeKosten_2", "GerealiseerdeKosten_9"), "GerealiseerdeKosten_2",
     "missing column"),
    (lambda t: _replace_first_data_line(t, r"^(\d+;JZ Totaal jeugdzorg;Groningen \(gemeente\);2019;[\d.]+;)63594.0",
                                        r"\g<1>63.594,0"), "GerealiseerdeKosten_2", "decimal comma"),
    (lambda t: _replace_first_data_line(t, r"^(\d+;JZ Totaal jeugdzorg;Groningen \(gemeente\);2019;[\d.]+;)63594.0",
                                        r"\g<1>-63594"), "GerealiseerdeKosten_2", "negative"),
    (lambda t: t.replace("JZ Totaal jeugdzorg;Aa en Hunze;2019;", "JZ Totaal jeugdzorg;Aa en Hunze;2020;"),
     "Regio", "duplicate rows"),
    (lambda t: t[: len(t) // 2], None, "truncated"),
    (lambda t: t.replace("2e halfjaar 2016", "najaar 2016"), "Perioden", "unknown period label"),
])
def test_bad_cost_file_is_reported_with_file_column_and_row(raw_copy, change, column, message):
    raw_copy.edit(COSTS, change)
    with pytest.raises(InputDataError) as err:
        _import(raw_copy)
    assert err.value.file == COSTS
    assert message in str(err.value)
    if column is not None:
        assert err.value.column == column
    assert err.value.row is not None and err.value.row >= 1


def test_export_cut_off_mid_alphabet_is_an_error_not_a_gap(raw_copy):
    """CBS serves 10,000 rows a request; an export that stops early silently loses municipalities."""
    def drop_z(text: str) -> str:
        return "\n".join(line for line in text.split("\n")
                         if not re.match(r"^\d+;JZ Totaal jeugdzorg;Z", line))

    raw_copy.edit(COSTS, drop_z)
    with pytest.raises(InputDataError, match="no row for .* looks truncated") as err:
        _import(raw_copy)
    assert err.value.file == COSTS and err.value.column == "Regio"


def test_empty_row_of_a_municipality_dissolved_that_year_is_not_a_gap(fresh):
    # Weesp joined Amsterdam on 24 March 2022; CBS leaves Weesp's 2022 row empty.
    costs = fresh.tables["costs"].set_index(["gm_code", "year"])
    assert ("GM0457", 2022) not in costs.index and ("GM0457", 2021) in costs.index
    drivers = fresh.tables["drivers"]
    assert drivers[(drivers.gm_code == "GM0457") & (drivers.edition == 2022)].empty


def test_renamed_column_in_a_gemeentefonds_edition_is_named(raw_copy):
    raw_copy.edit("cbs/85309NED.csv", lambda t: t.replace("Eenouderhuishoudens2OfMeerKinderen_6",
                                                          "EenouderhuishoudensMetKinderen_6"))
    with pytest.raises(InputDataError) as err:
        _import(raw_copy)
    assert "Eenouderhuishoudens2OfMeerKinderen_6" in str(err.value)
    assert "EenouderhuishoudensMetKinderen_6" in str(err.value)


def test_new_unmapped_column_stops_the_import(raw_copy):
    raw_copy.edit("cbs/85309NED.csv", lambda t: re.sub(r"^(ID;.*)$", r"\1;NieuweMaatstaf_30", t, count=1,
                                                       flags=re.M).replace("\n", ";1\n").replace(
        "NieuweMaatstaf_30;1", "NieuweMaatstaf_30"))
    with pytest.raises(InputDataError, match="unmapped column.*NieuweMaatstaf_30"):
        _import(raw_copy)


def test_failed_import_leaves_the_existing_snapshot_untouched(raw_copy, data_copy, monkeypatch, capsys):
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    raw_copy.edit(COSTS, lambda t: t.replace("Aalsmeer", "Aalsmer"))
    monkeypatch.setenv("JZ_DATA_DIR", str(data_copy))
    assert cli.main(["import", "--raw-dir", str(raw_copy.path)]) == 2
    assert "unknown municipality 'Aalsmer'" in capsys.readouterr().err
    after = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    assert after == before
    assert not list(data_copy.parent.glob(".tmp-*"))


def test_the_raw_files_in_the_repository_are_the_ones_their_provenance_names(raw_dir):
    check_provenance(raw_dir)
    entries = read_provenance(raw_dir)["files"]
    assert sorted(entries) == raw_files(raw_dir)  # no entry without its file either
    for entry in entries.values():
        assert set(FIELDS) <= set(entry) and all(str(entry[field]).strip() for field in FIELDS)


def test_a_hand_placed_raw_file_without_provenance_stops_the_import(raw_copy, data_copy, monkeypatch, capsys):
    placed = raw_copy.path / "iv3" / "2026_begroting.csv"
    placed.parent.mkdir(exist_ok=True)
    placed.write_bytes((raw_copy.source / "iv3" / "2025_begroting.csv").read_bytes())
    with pytest.raises(InputDataError) as err:
        import_raw(raw_copy.path)
    assert err.value.file == "iv3/2026_begroting.csv"
    assert "has no provenance entry" in err.value.message and "PROVENANCE.yml" in err.value.message
    assert sha256_file(placed) in err.value.message  # what to write into the entry
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    monkeypatch.setenv("JZ_DATA_DIR", str(data_copy))
    assert cli.main(["book", "--raw-dir", str(raw_copy.path)]) == 2
    first, *rest = capsys.readouterr().err.splitlines()
    assert first.startswith("error: file iv3/2026_begroting.csv: has no provenance entry") and "Traceback" not in rest
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before


def test_a_raw_file_edited_in_place_stops_the_import(raw_copy):
    path = raw_copy.path / COSTS
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data.replace(b";63594.0;", b";63595.0;"))  # no new provenance entry
    with pytest.raises(InputDataError, match="differs from its provenance entry") as err:
        import_raw(raw_copy.path)
    assert err.value.file == COSTS and "update the entry's sha256" in err.value.message


def test_a_hand_edited_snapshot_is_refused_when_loaded(data_copy):
    check_snapshot(data_copy)
    costs = data_copy / "costs.csv"
    lines = costs.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",", ",1", 1)  # one digit more in the first row
    costs.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError, match="sha256 differs") as err:
        load_snapshot(data_copy)
    assert err.value.file.endswith("costs.csv") and "python3 make.py import" in err.value.message


def test_stale_snapshot_is_detected_by_content_not_date(raw_copy, data_copy):
    assert staleness(raw_copy.path, data_copy) is None
    raw_copy.edit(COSTS, lambda t: t.replace(";63594.0;", ";63595.0;"))
    assert staleness(raw_copy.path, data_copy) == f"{COSTS} changed"


def test_snapshot_tables_have_the_types_the_notebooks_expect(tables):
    assert pd.api.types.is_integer_dtype(tables["costs"]["year"])
    assert pd.api.types.is_float_dtype(tables["costs"]["realised_keur"])
    assert tables["costs"]["gm_code"].str.match(r"^GM\d{4}$").all()
    assert tables["drivers"]["reference_period"].map(type).eq(str).all()
