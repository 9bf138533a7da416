"""The corpus in tests/data/bad_inputs: each defect gives a clear error and changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from jeugdzorg import cli
from jeugdzorg.data.catalogue import load_catalogue
from jeugdzorg.errors import InputDataError
from jeugdzorg.data.names import MunicipalityNames
from jeugdzorg.data.cbs import read_measure_table

CORPUS = Path(__file__).parent / "bad_inputs"
COSTS = "cbs/83454NED.csv"

# file -> (words in the message, column named, row named)
CASES = {
    "truncated.csv": ("truncated", None, 4),
    "wrong_separator.csv": ("','-separated", None, 1),
    "wrong_encoding.csv": ("not valid UTF-8", None, 5),
    "missing_column.csv": ("missing column", "GerealiseerdeKosten_2", 1),
    "renamed_column.csv": ("GerealiseerdeKostenTotaal_2", "GerealiseerdeKosten_2", 1),
    "duplicate_row.csv": ("duplicate rows", "Regio", 5),
    "unknown_municipality.csv": ("unknown municipality 'Aalsmeerr'", "Regio", 3),
    "non_numeric.csv": ("'4.404,0' is written with a decimal comma", "GerealiseerdeKosten_2", 4),
    "negative_cost.csv": ("negative value -6450.0", "GerealiseerdeKosten_2", 2),
    "empty.csv": ("empty", None, None),
    "unknown_period.csv": ("unknown period label 'najaar 2022'", "Perioden", 3),
}


@pytest.fixture(scope="module")
def lookup() -> MunicipalityNames:
    register = pd.DataFrame({
        "year": 2022, "gm_code": ["GM1680", "GM0358", "GM0197"],
        "name": ["Aa en Hunze", "Aalsmeer", "Aalten"], "label": ["Aa en Hunze", "Aalsmeer", "Aalten"]})
    return MunicipalityNames(register)


def _read(path: Path, lookup: MunicipalityNames):
    spec = load_catalogue()["costs"]
    return read_measure_table(path, path.name, spec["table"], spec, "costs", lookup)


def test_the_valid_file_imports(lookup):
    costs, record = _read(CORPUS / "valid.csv", lookup)
    assert costs["realised_keur"].tolist() == [6450.0, 5101.0, 4404.0]
    assert record.suppressed_cells == 0


def test_the_corpus_covers_every_defect():
    assert sorted(CASES) == sorted(p.name for p in CORPUS.glob("*.csv") if p.name != "valid.csv")


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_defect_names_file_column_and_row(name, lookup):
    words, column, row = CASES[name]
    with pytest.raises(InputDataError) as err:
        _read(CORPUS / name, lookup)
    assert err.value.file == name
    assert words in str(err.value)
    if column is not None:
        assert err.value.column == column
    assert err.value.row == row


@pytest.mark.parametrize("name", ["truncated.csv", "unknown_municipality.csv", "non_numeric.csv", "empty.csv"])
def test_a_failed_refresh_leaves_snapshot_and_book_untouched(name, raw_copy, data_copy, tmp_path, monkeypatch,
                                                             capsys):
    """The main command on a raw directory with a bad file: error, and nothing overwritten."""
    raw_copy.write_bytes(COSTS, (CORPUS / name).read_bytes())
    book = tmp_path / "_build" / "html"
    book.mkdir(parents=True)
    (book / "index.html").write_text("previous book")
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}

    def must_not_run(*args, **kwargs):
        raise AssertionError("the book must not be rebuilt after a failed import")

    monkeypatch.setenv("JZ_DATA_DIR", str(data_copy))
    monkeypatch.setattr("jeugdzorg.book.runner.execute_all", must_not_run)
    monkeypatch.setattr("jeugdzorg.book.runner.build_html", must_not_run)
    assert cli.main(["book", "--raw-dir", str(raw_copy.path)]) == 2
    message = capsys.readouterr().err
    assert COSTS in message and "Nothing was overwritten" in message
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before
    assert (book / "index.html").read_text() == "previous book"
    shutil.rmtree(tmp_path / "_build")
