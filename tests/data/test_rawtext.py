"""The one raw-text reader: every problem names file, column and row (periods: test_periods.py)."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pandas as pd
import pytest

from jeugdzorg.data.rawtext import parse_numbers, read_table
from jeugdzorg.errors import InputDataError
from jeugdzorg.paths import PACKAGE_DIR

HEADER = "\ufeffID;Regio;Perioden;GerealiseerdeKosten_2\n"
REQUIRED = ["Regio", "Perioden", "GerealiseerdeKosten_2"]


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    return path


def read(path):
    return read_table(path, "t.csv", ";", REQUIRED)


def test_reads_rows_with_line_numbers_and_keeps_suppressed_cells_missing(tmp_path):
    path = write(tmp_path, HEADER + "0;Aa en Hunze;2019;123\n1;Aalsmeer;2019;.\n2;Aalten;2019;\n")
    frame = read(path)
    assert list(frame.index) == [2, 3, 4]
    values = parse_numbers(frame["GerealiseerdeKosten_2"], "t.csv", "GerealiseerdeKosten_2")
    assert values[2] == 123 and math.isnan(values[3]) and math.isnan(values[4])


@pytest.mark.parametrize("text", [
    HEADER + "0;Aalsmeer;2019;1\n",                       # BOM and LF
    HEADER.lstrip("\ufeff") + "0;Aalsmeer;2019;1\n",      # no BOM
    (HEADER + "0;Aalsmeer;2019;1\n").replace("\n", "\r\n"),  # CRLF
    HEADER + '0;"Aalsmeer";"2019";"1"\n',                 # quoted cells
])
def test_legitimate_variation_reads_the_same(tmp_path, text):
    frame = read(write(tmp_path, text))
    assert frame.loc[2, "Regio"] == "Aalsmeer" and frame.loc[2, "GerealiseerdeKosten_2"] == "1"


def test_truncated_file_is_reported_with_its_last_row(tmp_path):
    path = write(tmp_path, HEADER + "0;Aa en Hunze;2019;123\n1;Aalsmeer;20")
    with pytest.raises(InputDataError, match="truncated") as err:
        read(path)
    assert err.value.row == 3


@pytest.mark.parametrize("rows", [
    3,        # the quote swallows the rest of the file: the csv module gives up at its end
    20_000,   # ... or far later, where the swallowed field passes the csv module's field-size limit
])
def test_unbalanced_quote_is_reported_where_it_opens(tmp_path, rows):
    lines = [f"{n};Aalsmeer;2019;{n}\n" for n in range(rows)]
    lines[1] = lines[1].replace(";Aalsmeer", ';"Aalsmeer')  # line 3 of the file
    with pytest.raises(InputDataError, match="unbalanced quote") as err:
        read(write(tmp_path, HEADER + "".join(lines)))
    assert err.value.row == 3


def test_missing_column_is_named_with_the_unexpected_ones(tmp_path):
    path = write(tmp_path, "ID;Regio;Perioden;RealisedCost\n0;Aalsmeer;2019;1\n")
    with pytest.raises(InputDataError) as err:
        read(path)
    assert err.value.column == "GerealiseerdeKosten_2"
    assert "RealisedCost" in str(err.value)


def test_wrong_separator_is_recognised(tmp_path):
    path = write(tmp_path, "ID,Regio,Perioden,GerealiseerdeKosten_2\n0,Aalsmeer,2019,1\n")
    with pytest.raises(InputDataError, match="','-separated"):
        read(path)


def test_wrong_encoding_names_the_row(tmp_path):
    path = write(tmp_path, "ID;Regio;Perioden;GerealiseerdeKosten_2\n0;Aalsmeer;2019;1\n1;Súdwest-Fryslân;2019;2\n",
                 encoding="latin-1")
    with pytest.raises(InputDataError, match="UTF-8") as err:
        read(path)
    assert err.value.row == 3


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputDataError, match="not found") as err:
        read_table(tmp_path / "absent.csv", "cbs/absent.csv")
    assert err.value.file == "cbs/absent.csv"


@pytest.mark.parametrize("text", ["", "\n\n", HEADER])
def test_empty_file_or_header_only_is_an_error(tmp_path, text):
    with pytest.raises(InputDataError, match="empty|no data rows"):
        read(write(tmp_path, text))


@pytest.mark.parametrize("cell, message", [("12,5", "not a number"), ("abc", "not a number"),
                                           ("-3", "negative"), ("1_000", "not a number")])
def test_bad_amounts_name_column_and_row(tmp_path, cell, message):
    path = write(tmp_path, HEADER + "0;Aa en Hunze;2019;1\n1;Aalsmeer;2019;" + cell + "\n")
    frame = read(path)
    with pytest.raises(InputDataError, match=message) as err:
        parse_numbers(frame["GerealiseerdeKosten_2"], "t.csv", "GerealiseerdeKosten_2", non_negative=True)
    assert (err.value.column, err.value.row) == ("GerealiseerdeKosten_2", 3)


@pytest.mark.parametrize("cell, value", [("2.570,78", 2570.78), ("4379,381022", 4379.381022), ("315.018", 315018.0),
                                         ("1,94044E+11", 1.94044e11), ("-25,93", -25.93), ("0", 0.0)])
def test_dutch_notation(cell, value):
    parsed = parse_numbers(pd.Series([cell], index=[2]), "f.csv", "c", notation="dutch", missing=None)
    assert parsed[2] == pytest.approx(value)


@pytest.mark.parametrize("cell", ["1.5", "1,234.5", "2.57", ""])
def test_dutch_notation_refuses_what_it_would_misread(cell):
    with pytest.raises(InputDataError, match="not a number"):
        parse_numbers(pd.Series([cell], index=[2]), "f.csv", "c", notation="dutch", missing=None)


def _calls(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name == "csv"}
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            found.add("csv")
        elif isinstance(node, ast.Attribute) and node.attr == "read_csv":
            found.add("read_csv")
    return found


def test_only_the_raw_text_module_reads_delimited_files():
    """One reader for raw files: no other module runs ``csv`` or ``pd.read_csv`` (the registry reads the
    project's own snapshot back, which is not a raw file)."""
    # The registry reads the project's own snapshot back; publish reads a figure's own glued CSV text back
    # (figures are drawn from it): neither is a raw file.  sphinx_publish only writes CSV (the download of
    # each table of a page), it reads none.
    allowed = {"data/rawtext.py": {"csv"}, "data/registry.py": {"read_csv"}, "book/publish.py": {"read_csv"},
               "book/sphinx_publish.py": {"csv"}}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE_DIR))
        used = _calls(ast.parse(path.read_text(encoding="utf-8")))
        assert used <= allowed.get(relative, set()), f"{relative} uses {sorted(used)} on files"


def test_the_guard_itself_catches_a_reader(tmp_path):
    assert _calls(ast.parse("import pandas as pd\nframe = pd.read_csv('x.csv')")) == {"read_csv"}
    assert _calls(ast.parse("import csv")) == {"csv"}
    assert Path(__file__).name  # the guard is not vacuous: rawtext itself imports csv
    assert "csv" in _calls(ast.parse((PACKAGE_DIR / "data" / "rawtext.py").read_text(encoding="utf-8")))
