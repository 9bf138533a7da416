"""The corpus in tests/data/bad_inputs: each defect gives a clear error and changes nothing.

Two parts:

* small 83454NED exports (``*.csv`` in the corpus folder), read directly by the cost reader;
* ``cases.yml``: one case per kind of defect in every raw input family, each damaging one real raw
  file in a copy of the raw directory (symlinks, see ``tests/conftest.py``) with a small edit, then
  running the importer and checking the error's file, column, row and message -- or, for the
  legitimate variations, that the import succeeds and the tables are those of the snapshot.

The edit operations ``cases.yml`` may use are the functions in :data:`EDITS` below; see the
README of the corpus for the list of cases.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from jeugdzorg import cli
from jeugdzorg.data.catalogue import load_catalogue
from jeugdzorg.data.cbs import read_measure_table
from jeugdzorg.data.names import MunicipalityNames
from jeugdzorg.data.registry import TABLES
from jeugdzorg.data.snapshot import check_inputs_present, import_raw, read_manifest
from jeugdzorg.errors import InputDataError
from jeugdzorg.paths import data_dir

CORPUS = Path(__file__).parent / "bad_inputs"
CASES_FILE = CORPUS / "cases.yml"
COSTS = "cbs/83454NED.csv"

# --------------------------------------------------------------------------------------------
# Part 1: small 83454NED exports read by the cost reader
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Part 2: cases.yml -- damaged copies of the real raw files through the whole importer
# --------------------------------------------------------------------------------------------

class Text:
    """A raw file being edited: its text (BOM and line ends kept), encoding and separator."""

    def __init__(self, data: bytes, sep: str) -> None:
        self.bom = data.startswith(b"\xef\xbb\xbf")
        self.text = data.decode("utf-8-sig")
        self.encoding = "utf-8"
        self.sep = sep
        self.deleted = False

    @property
    def eol(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def lines(self) -> list[str]:
        return self.text.splitlines(keepends=True)

    def set_lines(self, lines: list[str]) -> None:
        self.text = "".join(lines)

    def bytes(self) -> bytes:
        bom = "\ufeff" if self.bom and self.encoding == "utf-8" else ""
        return (bom + self.text).encode(self.encoding)

    def header(self) -> list[str]:
        return self.lines()[0].rstrip("\r\n").split(self.sep)


def _expect_count(found: int, count: Any, what: str) -> None:
    """Every edit must hit what it means to: ``count`` times, or at least once for ``all``."""
    if count == "all":
        assert found >= 1, f"{what} not found"
    else:
        assert found == count, f"{what} found {found} times, expected {count}"


def _replace(f: Text, arg: dict) -> None:
    """Replace literal ``old`` by ``new`` (``count``: how often it occurs, default 1; or ``all``)."""
    _expect_count(f.text.count(arg["old"]), arg.get("count", 1), repr(arg["old"]))
    f.text = f.text.replace(arg["old"], arg["new"])


def _sub(f: Text, arg: dict) -> None:
    """Regex substitution, per line (``^``/``$`` match at line ends); ``count`` as for replace."""
    pattern = re.compile(arg["pattern"], re.M)
    _expect_count(len(pattern.findall(f.text)), arg.get("count", 1), arg["pattern"])
    f.text = pattern.sub(arg["repl"].replace("\\n", f.eol), f.text)


def _append(f: Text, line: str) -> None:
    """Add one line at the end (in the file's line ends)."""
    if f.text and not f.text.endswith("\n"):
        f.text += f.eol
    f.text += line + f.eol


def _copy_line(f: Text, number: int) -> None:
    """Append a copy of line ``number`` (1-based) at the end."""
    _append(f, f.lines()[number - 1].rstrip("\r\n"))


def _keep_lines(f: Text, count: int) -> None:
    """Keep only the first ``count`` lines: an export cut off at a line boundary."""
    f.set_lines(f.lines()[:count])


def _truncate(f: Text, arg: dict) -> None:
    """Cut the file inside line ``line``, keeping ``keep`` characters of it: a broken download."""
    lines = f.lines()
    f.set_lines(lines[:arg["line"] - 1] + [lines[arg["line"] - 1][:arg["keep"]]])


def _drop_lines(f: Text, arg: dict) -> None:
    """Remove the lines that match the regex ``pattern`` (``count`` as for replace)."""
    pattern = re.compile(arg["pattern"])
    lines = f.lines()
    kept = [line for line in lines if not pattern.search(line)]
    _expect_count(len(lines) - len(kept), arg.get("count", 1), arg["pattern"])
    f.set_lines(kept)


def _cells(f: Text, change: Callable[[int, list[str]], list[str]]) -> None:
    """Apply ``change(line_number, cells)`` to every line (the separator never occurs inside a cell
    in the files edited this way)."""
    out = []
    for number, line in enumerate(f.lines(), start=1):
        body = line.rstrip("\r\n")
        out.append(f.sep.join(change(number, body.split(f.sep))) + line[len(body):])
    f.set_lines(out)


def _drop_column(f: Text, name: str) -> None:
    """Remove column ``name`` from the header and every row."""
    position = f.header().index(name)
    _cells(f, lambda n, cells: cells[:position] + cells[position + 1:])


def _add_column(f: Text, arg: dict) -> None:
    """Add a last column ``name`` with ``value`` in every row."""
    _cells(f, lambda n, cells: cells + [arg["name"] if n == 1 else str(arg.get("value", ""))])


def _scale(f: Text, arg: dict) -> None:
    """Multiply the numbers (decimal point) in ``columns`` by ``factor`` on every row, or on the rows
    that match ``where`` (a regex; ``count`` rows, default at least one); empty cells stay empty."""
    header = f.header()
    positions = [header.index(c) for c in arg["columns"]]
    where = re.compile(arg["where"]) if "where" in arg else None
    hits = 0

    def change(number: int, cells: list[str]) -> list[str]:
        nonlocal hits
        if number == 1 or (where is not None and not where.search(f.sep.join(cells))):
            return cells
        hits += 1
        return [repr(float(c) * arg["factor"]) if i in positions and c.strip() else c
                for i, c in enumerate(cells)]

    _cells(f, change)
    _expect_count(hits, arg.get("count", "all"), f"rows to scale ({arg.get('where', 'all')})")


def _quote_cells(f: Text, _: Any) -> None:
    """Wrap every cell in double quotes, as some exporters do."""
    _cells(f, lambda n, cells: [f'"{c}"' for c in cells])


def _crlf(f: Text, _: Any) -> None:
    """Windows line ends."""
    assert "\r\n" not in f.text
    f.text = f.text.replace("\n", "\r\n")


def _lf(f: Text, _: Any) -> None:
    """Unix line ends."""
    assert "\r\n" in f.text
    f.text = f.text.replace("\r\n", "\n")


def _bom(f: Text, keep: bool) -> None:
    f.bom = bool(keep)


def _encoding(f: Text, encoding: str) -> None:
    f.encoding = encoding


def _separator(f: Text, sep: str) -> None:
    """Write the file with another separator."""
    f.text = f.text.replace(f.sep, sep)


def _delete(f: Text, _: Any) -> None:
    f.deleted = True


#: The edit operations of cases.yml: ``{operation: argument}``, applied in order.
EDITS: dict[str, Callable[[Text, Any], None]] = {
    "replace": _replace, "sub": _sub, "append": _append, "copy_line": _copy_line,
    "keep_lines": _keep_lines, "truncate": _truncate, "drop_lines": _drop_lines,
    "drop_column": _drop_column, "add_column": _add_column, "scale": _scale,
    "quote_cells": _quote_cells, "crlf": _crlf, "lf": _lf, "bom": _bom, "encoding": _encoding,
    "separator": _separator, "delete": _delete,
}

#: The field separator of each raw family (for the cell-wise edits), by path prefix.
SEPARATORS = {"cbs/": ";", "iv3/": ";", "gemeentefonds/clusterbedragen/": ";", "gemeentefonds/clusterdata/": "\t",
              "gemeenteklassen/": "\t", "mergers/": ",", "gemeentefonds/Uitkeringsfactor": ",", "geo/": ",",
              "cpi/": ";"}


def load_cases() -> list[dict]:
    with CASES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["cases"]


#: How an xfail case fails today (``fails_with`` in cases.yml): a traceback, an error that names the
#: wrong file, row or words, or no error at all.
FAILURES: dict[str, type[BaseException]] = {"KeyError": KeyError, "ValueError": ValueError,
                                            "AssertionError": AssertionError, "no error": pytest.fail.Exception}


def _param(case: dict):
    marks = []
    if case.get("xfail"):
        marks.append(pytest.mark.xfail(strict=True, raises=FAILURES[case["fails_with"]], reason=case["xfail"]))
    return pytest.param(case, id=case["name"], marks=marks)


def damage(raw_copy, case: dict) -> None:
    """Apply the case's edits to its file (or to each of its files) in the raw copy."""
    files = case["file"] if isinstance(case["file"], list) else [case["file"]]
    for relative in files:
        _damage_one(raw_copy, relative, case.get("edits", []))


def _damage_one(raw_copy, relative: str, edits: list[dict]) -> None:
    sep = next(s for prefix, s in SEPARATORS.items() if relative.startswith(prefix))
    edited = Text(raw_copy.read_bytes(relative), sep)
    for edit in edits:
        (operation, argument), = edit.items()
        EDITS[operation](edited, argument)
    if edited.deleted:
        (raw_copy.path / relative).unlink()
    else:
        raw_copy.write_bytes(relative, edited.bytes())


def run_case(raw_copy, case: dict):
    """What the case runs on the damaged copy: the import, or the check that inputs are present."""
    without = frozenset(case.get("without", []))
    if case.get("run", "import") == "present":
        return check_inputs_present(raw_copy.path, read_manifest(data_dir()), without)
    return import_raw(raw_copy.path, without)


def assert_error(err: InputDataError, expected: dict) -> None:
    assert err.file == expected["file"], str(err)
    assert err.column == expected.get("column"), str(err)
    assert err.row == expected.get("row"), str(err)
    for words in expected["words"]:
        assert words in err.message, f"{words!r} not in {str(err)!r}"


@lru_cache(maxsize=None)
def _snapshot_bytes(file: str) -> bytes:
    return (data_dir() / file).read_bytes()


def assert_same_as_snapshot(tables: dict[str, pd.DataFrame], names: list[str], tmp_path: Path,
                            provisional: dict[str, list[int]]) -> None:
    """The named tables equal the committed snapshot's, byte for byte as written (the years in
    ``provisional`` marked provisional instead)."""
    out = tmp_path / "tables"
    out.mkdir()
    for name in names:
        frame = tables[name]
        years = provisional.get(name)
        if years:
            assert frame.loc[frame["year"].isin(years), "provisional"].all(), name
            assert not frame.loc[~frame["year"].isin(years), "provisional"].any(), name
            frame = frame.assign(provisional=False)
        TABLES[name].write(frame, out)
        assert (out / TABLES[name].file).read_bytes() == _snapshot_bytes(TABLES[name].file), name


ERROR_CASES = [c for c in load_cases() if "error" in c]
VALID_CASES = [c for c in load_cases() if "error" not in c]


def test_every_case_is_complete_and_named_once():
    cases = load_cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    families = {c["family"] for c in cases}
    assert families == {"costs", "use", "counts", "criteria", "register", "mergers", "fund", "aliases", "iv3",
                        "boundaries", "prices"}
    for case in cases:
        assert {"name", "family", "defect", "file"} <= set(case), case.get("name")
        assert ("error" in case) != ("same_as_snapshot" in case or case.get("imports") is True), case["name"]
        for edit in case.get("edits", []):
            assert len(edit) == 1 and next(iter(edit)) in EDITS, (case["name"], edit)
        assert ("xfail" in case) == (case.get("fails_with") in FAILURES), case["name"]
        if "error" in case:
            assert set(case["error"]) <= {"file", "column", "row", "words"} and case["error"]["words"], case["name"]
    assert len(ERROR_CASES) >= 40


def test_the_readme_lists_every_case():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    missing = [c["name"] for c in load_cases() if f"`{c['name']}`" not in readme]
    assert not missing


@pytest.mark.parametrize("case", [_param(c) for c in ERROR_CASES])
def test_damaged_input_stops_the_import_naming_file_column_row_and_value(case, raw_copy):
    damage(raw_copy, case)
    with pytest.raises(InputDataError) as err:
        run_case(raw_copy, case)
    assert_error(err.value, case["error"])


@pytest.mark.parametrize("case", [_param(c) for c in VALID_CASES])
def test_legitimate_variation_imports_unchanged(case, raw_copy, tmp_path):
    damage(raw_copy, case)
    snapshot = run_case(raw_copy, case)
    assert_same_as_snapshot(snapshot.tables, case.get("same_as_snapshot", []), tmp_path,
                            case.get("provisional", {}))


# --------------------------------------------------------------------------------------------
# The main command: a failed import overwrites nothing
# --------------------------------------------------------------------------------------------

BOOK_CASES = {c["name"]: c for c in ERROR_CASES if c.get("book")}


def _refuses_and_keeps(raw_copy, data_copy, tmp_path, monkeypatch, capsys, blamed: str) -> None:
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
    assert blamed in message and "Nothing was overwritten" in message
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before
    assert (book / "index.html").read_text() == "previous book"
    assert not list(data_copy.parent.glob(".tmp-*"))
    shutil.rmtree(tmp_path / "_build")


@pytest.mark.parametrize("name", ["truncated.csv", "unknown_municipality.csv", "non_numeric.csv", "empty.csv"])
def test_a_failed_refresh_leaves_snapshot_and_book_untouched(name, raw_copy, data_copy, tmp_path, monkeypatch,
                                                             capsys):
    """The main command on a raw directory with a bad file: error, and nothing overwritten."""
    raw_copy.write_bytes(COSTS, (CORPUS / name).read_bytes())
    _refuses_and_keeps(raw_copy, data_copy, tmp_path, monkeypatch, capsys, COSTS)


@pytest.mark.parametrize("name", sorted(BOOK_CASES))
def test_the_book_command_on_a_damaged_copy_overwrites_nothing(name, raw_copy, data_copy, tmp_path, monkeypatch,
                                                               capsys):
    case = BOOK_CASES[name]
    damage(raw_copy, case)
    _refuses_and_keeps(raw_copy, data_copy, tmp_path, monkeypatch, capsys, case["error"]["file"])
