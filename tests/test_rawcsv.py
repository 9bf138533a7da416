"""Strict reading of CBS CSV exports: every problem names file, column and row."""

from __future__ import annotations

import math

import pytest

from jeugdzorg.errors import InputDataError
from jeugdzorg.rawcsv import annual_rows, parse_numbers, parse_period, read_cbs_csv

HEADER = "\ufeffID;Regio;Perioden;GerealiseerdeKosten_2\n"
REQUIRED = ["Regio", "Perioden", "GerealiseerdeKosten_2"]


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize("label, expected", [
    ("2019", (2019, "year", 0)),
    ("2019JJ00", (2019, "year", 0)),
    ("1e halfjaar 2017", (2017, "half", 1)),
    ("2e halfjaar 2017", (2017, "half", 2)),
    ("2021HJ02", (2021, "half", 2)),
    ("3e kwartaal 2015", (2015, "quarter", 3)),
    ("2015KW04", (2015, "quarter", 4)),
])
def test_period_labels_are_parsed(label, expected):
    assert parse_period(label, "f.csv", "Perioden", 7) == expected


def test_unknown_period_label_names_file_column_and_row():
    with pytest.raises(InputDataError) as err:
        parse_period("najaar 2019", "f.csv", "Perioden", 7)
    assert (err.value.file, err.value.column, err.value.row) == ("f.csv", "Perioden", 7)
    assert "najaar 2019" in str(err.value)


def test_reads_rows_with_line_numbers_and_keeps_suppressed_cells_missing(tmp_path):
    path = write(tmp_path, HEADER + "0;Aa en Hunze;2019;123\n1;Aalsmeer;2019;.\n2;Aalten;2019;\n")
    frame = read_cbs_csv(path, "t.csv", REQUIRED)
    assert list(frame.index) == [2, 3, 4]
    values = parse_numbers(frame, "GerealiseerdeKosten_2", "t.csv")
    assert values[2] == 123 and math.isnan(values[3]) and math.isnan(values[4])


def test_truncated_file_is_reported_with_its_last_row(tmp_path):
    path = write(tmp_path, HEADER + "0;Aa en Hunze;2019;123\n1;Aalsmeer;20")
    with pytest.raises(InputDataError, match="truncated") as err:
        read_cbs_csv(path, "t.csv", REQUIRED)
    assert err.value.row == 3


def test_missing_column_is_named_with_the_unexpected_ones(tmp_path):
    path = write(tmp_path, "ID;Regio;Perioden;RealisedCost\n0;Aalsmeer;2019;1\n")
    with pytest.raises(InputDataError) as err:
        read_cbs_csv(path, "t.csv", REQUIRED)
    assert err.value.column == "GerealiseerdeKosten_2"
    assert "RealisedCost" in str(err.value)


def test_wrong_separator_is_recognised(tmp_path):
    path = write(tmp_path, "ID,Regio,Perioden,GerealiseerdeKosten_2\n0,Aalsmeer,2019,1\n")
    with pytest.raises(InputDataError, match="','-separated"):
        read_cbs_csv(path, "t.csv", REQUIRED)


def test_wrong_encoding_names_the_row(tmp_path):
    path = write(tmp_path, "ID;Regio;Perioden;GerealiseerdeKosten_2\n0;Aalsmeer;2019;1\n1;Súdwest-Fryslân;2019;2\n",
                 encoding="latin-1")
    with pytest.raises(InputDataError, match="UTF-8") as err:
        read_cbs_csv(path, "t.csv", REQUIRED)
    assert err.value.row == 3


@pytest.mark.parametrize("text", ["", "\n\n", HEADER])
def test_empty_file_or_header_only_is_an_error(tmp_path, text):
    with pytest.raises(InputDataError, match="empty|no data rows"):
        read_cbs_csv(write(tmp_path, text), "t.csv", REQUIRED)


@pytest.mark.parametrize("cell, message", [("12,5", "not a number"), ("abc", "not a number"),
                                           ("-3", "negative"), ("inf", "finite")])
def test_bad_amounts_name_column_and_row(tmp_path, cell, message):
    path = write(tmp_path, HEADER + "0;Aa en Hunze;2019;1\n1;Aalsmeer;2019;" + cell + "\n")
    frame = read_cbs_csv(path, "t.csv", REQUIRED)
    with pytest.raises(InputDataError, match=message) as err:
        parse_numbers(frame, "GerealiseerdeKosten_2", "t.csv", non_negative=True)
    assert (err.value.column, err.value.row) == ("GerealiseerdeKosten_2", 3)


def test_annual_rows_drop_half_years_but_parse_every_label(tmp_path):
    path = write(tmp_path, HEADER + "0;A;1e halfjaar 2018;1\n1;A;2018;2\n2;A;2e kwartaal 2018;3\n")
    frame = annual_rows(read_cbs_csv(path, "t.csv", REQUIRED), "t.csv")
    assert list(frame["year"]) == [2018] and list(frame.index) == [3]
    bad = write(tmp_path, HEADER + "0;A;2018;1\n1;A;Q2 2018;2\n")
    with pytest.raises(InputDataError, match="Q2 2018"):
        annual_rows(read_cbs_csv(bad, "t.csv", REQUIRED), "t.csv")
