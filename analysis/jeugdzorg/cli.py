"""Command line behind ``python3 make.py`` (run inside the project environment).

Commands
--------
book     import the snapshot if stale, execute the notebooks, build the HTML (the main command)
import   only (re)build the data snapshot from the raw directory
fetch    download the CBS tables from the CBS open-data API into the raw directory, then import
profile  refresh the municipality pages if stale and say where one municipality's page is
html     only build the HTML from the executed notebooks in book/
pdf      build the PDF edition of the chapters into _build/pdf/ (xelatex)
linkcheck  check every external link of the book (Sphinx linkcheck; needs the network)
test     run every test: unit tests, nbval over book/, and a strict book build
benchmark  time clean, no-op and partial builds and the model layer (in a scratch copy)
lock     resolve requirements.txt into requirements-lock.txt (every supported Python, with hashes)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .data.catalogue import OPTIONAL_PARTS
from .errors import InputDataError
from .paths import BOOK_DIR, BUILD_DIR, PROJECT_ROOT, data_dir, default_raw_dir


def _log(message: str) -> None:
    print(message, flush=True)


def ensure_snapshot(raw_dir: Path, *, force: bool = False, without: tuple[str, ...] = ()) -> None:
    """Re-import ``data/`` when it is missing or older than its raw inputs (by content hash)."""
    from .data.raw_provenance import check_provenance
    from .data.snapshot import check_inputs_present, import_raw, read_manifest, staleness, write_snapshot

    target = data_dir()
    if not raw_dir.is_dir():
        if read_manifest(target) is None:
            raise SystemExit(f"error: no data snapshot in data/ and no raw directory at {raw_dir}; "
                             "pass --raw-dir DIR")
        _log(f"==> Raw directory {raw_dir} not found: using the committed snapshot in data/")
        return
    without = frozenset(without)
    check_provenance(raw_dir)  # a hand-placed file without its entry stops here, even if not read
    reason = "forced" if force else staleness(raw_dir, target, without)
    if reason is None:
        _log("==> Data snapshot is current (sha256 of every raw input matches data/MANIFEST.yml)")
        return
    _log(f"==> Importing raw data from {raw_dir} ({reason}) ...")
    start = time.perf_counter()
    check_inputs_present(raw_dir, read_manifest(target), without)
    snapshot = import_raw(raw_dir, without)
    write_snapshot(snapshot, raw_dir, target)
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in snapshot.tables.items())
    _log(f"==> Snapshot written to data/ in {time.perf_counter() - start:.1f} s ({rows} rows)")
    for record in snapshot.inputs:
        if "not used" in record.periods:
            _log(f"    notice: {record.file}: {record.periods.split('; ', 1)[-1].rstrip(')')}")
    flags = snapshot.tables["input_flags"]["rule"].value_counts()
    if not flags.empty:
        _log("    flagged as implausible (kept, listed in data/input_flags.csv): "
             + ", ".join(f"{rule} {n}" for rule, n in flags.sort_index().items()))
    for part in sorted(without):
        _log(f"    built without {part}: the book says what is missing")


def cmd_book(args: argparse.Namespace) -> int:
    from . import build_record

    # Only a complete build is recorded, and only its repetition may stop at the record.
    complete = not (args.param or args.only or args.without or args.force or args.reimport)
    if complete and build_record.unchanged(args.raw_dir):
        _log("==> Nothing the book is made from changed since the last complete build (file status "
             f"recorded in {build_record.RECORD.relative_to(PROJECT_ROOT)}): the book is up to date")
        _log(f"==> Done. Open {BUILD_DIR / 'html' / 'index.html'}")
        return 0
    from .book.runner import build_book, parse_overrides

    ensure_snapshot(args.raw_dir, force=args.reimport, without=tuple(args.without))
    overrides = parse_overrides(args.param)
    _log("==> Executing notebooks (changed ones only; --force for all) and building the book")
    index = build_book(overrides, only=args.only, force=args.force, jobs=args.jobs)
    _write_citation()
    if complete:
        build_record.record(args.raw_dir)
    _log(f"==> Done. Open {index}")
    return 0


def _write_citation() -> None:
    """Keep CITATION.cff in step with the edition (the data snapshot and _config.yml)."""
    from .book.edition import CITATION_FILE, write_citation_file

    if write_citation_file():
        _log(f"==> {CITATION_FILE} updated to the edition of the data snapshot")


def cmd_fetch(args: argparse.Namespace) -> int:
    from .data.catalogue import cbs_tables
    from .data.cbs_api import CbsApiError, UrlFetcher, fetch_tables

    tables = args.table or cbs_tables()
    _log(f"==> Fetching {len(tables)} CBS tables ({args.api}) into {args.raw_dir / 'cbs'} ...")
    try:
        written = fetch_tables(tables, args.raw_dir, UrlFetcher(timeout=args.timeout), api=args.api)
    except CbsApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    _log(f"==> {len(written)} tables written; importing ...")
    ensure_snapshot(args.raw_dir, force=True)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    ensure_snapshot(args.raw_dir, force=True, without=tuple(args.without))
    return 0


def resolve_municipality(query: str, tables: dict) -> tuple[str, str]:
    """GM code and name of the municipality ``query`` names: a code, a name (accents and case
    ignored) or a common name of :mod:`jeugdzorg.book.aliases` ("Den Haag")."""
    import difflib

    from .book.aliases import alias_index
    from .data.names import UnknownMunicipalityError, resolve_query

    register = tables["register"]
    current = register[register["year"] == register["year"].max()]
    names = dict(zip(current["gm_code"], current["name"]))
    index = alias_index(names)
    key = " ".join(str(query).split()).casefold()
    if key in index:
        return index[key], names[index[key]]
    try:
        return resolve_query(query, register, tables["mergers"])
    except UnknownMunicipalityError as exc:
        # The register's names gave no close match: the common names may ("Den Haaag").
        close = difflib.get_close_matches(key, list(index), n=5, cutoff=0.75)
        extra = [f"{names[index[c]]} ({c.title() if c.islower() else c})" for c in close]
        if exc.suggestions or not extra:
            raise
        raise UnknownMunicipalityError(f"{exc} Did you mean: {', '.join(dict.fromkeys(extra))}?", query,
                                       extra) from None


def cmd_profile(args: argparse.Namespace) -> int:
    from .book.runner import PAGES_TASK, build_book
    from .data.names import UnknownMunicipalityError
    from .data.snapshot import load_snapshot

    try:
        code, name = resolve_municipality(args.municipality, load_snapshot())
    except UnknownMunicipalityError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _log(f"==> Profile of {name} ({code}): every municipality has a page; refreshing them if they are stale")
    # The pages are written in one pass with the book's parameters, so they always match the chapters.
    index = build_book(only=[PAGES_TASK])
    _log(f"==> Page source: {(BOOK_DIR / 'profiles' / f'{code}.md').relative_to(PROJECT_ROOT)}")
    _log(f"==> Done. Open {index.parent / 'book' / 'profiles' / f'{code}.html'}")
    return 0


def cmd_html(args: argparse.Namespace) -> int:
    from .book.runner import build_book

    index = build_book(execute=False, force=args.force, strict=args.strict)
    _log(f"==> Done. Open {index}")
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    from .book.pdf import build_pdf

    _log("==> Building the PDF edition of the chapters from book/ (run `make.py book` first after an edit)")
    try:
        path = build_pdf()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _log(f"==> Done. Open {path}")
    return 0


def cmd_linkcheck(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from .paths import BUILD_DIR

    executable = Path(sys.executable).parent / "jupyter-book"
    report = BUILD_DIR / "linkcheck"
    _log(f"==> Checking the external links of the book (report in {report.relative_to(PROJECT_ROOT)}/output.txt)")
    # Sphinx's own files go to a scratch directory, so the built HTML in _build/ is left alone.
    with tempfile.TemporaryDirectory(prefix=".tmp-linkcheck-", dir=PROJECT_ROOT) as scratch:
        command = [str(executable), "build", str(PROJECT_ROOT), "--builder", "linkcheck", "--path-output", scratch]
        returncode = subprocess.run(command, cwd=PROJECT_ROOT).returncode
        found = next(Path(scratch).rglob("output.txt"), None)
        if found is not None:
            report.mkdir(parents=True, exist_ok=True)
            for name in ("output.txt", "output.json"):
                if (found.parent / name).is_file():
                    shutil.copy2(found.parent / name, report / name)
    return returncode


def cmd_test(args: argparse.Namespace) -> int:
    # One process per core (pytest-xdist); tests/conftest.py keeps each file, each notebook's cells
    # and every reader of the built HTML in one process, and starts the slow files first.
    command = [sys.executable, "-m", "pytest", "tests", "book", "--nbval", "--nbval-current-env",
               "-p", "no:cacheprovider", "-n", "auto", "--dist", "loadscope", *args.pytest_args]
    _log("==> Running every test: " + " ".join(command[2:]))
    return subprocess.run(command, cwd=PROJECT_ROOT).returncode


def cmd_benchmark(args: argparse.Namespace) -> int:
    from .build_timing import run

    run(runs=args.runs, with_tests=args.with_tests, builds_only=args.builds_only)
    return 0


#: "name==version  # hold: SPEC" in requirements.txt: a fresh resolution keeps the package within SPEC.
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?:\s+#\s*hold:\s*(?P<hold>[^\s(]+))?")


def _uv_compile(requirements: Path, output: Path, *extra: str) -> None:
    """One lock for every supported Python (uv's universal resolution), from wheels, with hashes."""
    from .book.provenance import supported_pythons

    first, _ = supported_pythons()
    command = [str(Path(sys.executable).parent / "uv"), "pip", "compile", str(requirements), "--universal",
               "--python-version", first, "--generate-hashes", "--only-binary", ":all:",
               "--custom-compile-command", "python3 make.py lock", "--quiet", "--output-file", str(output), *extra]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT)


def _upgrade_pins(requirements: Path) -> list[str]:
    """Resolve the direct dependencies afresh (within their holds) and rewrite their pins in place.

    Returns one line per changed pin.
    """
    import tempfile

    pins = {m["name"]: m for m in map(_PIN.match, requirements.read_text().splitlines()) if m}
    with tempfile.TemporaryDirectory() as scratch:
        loose, resolved = Path(scratch) / "requirements.in", Path(scratch) / "resolved.txt"
        loose.write_text("".join(f"{name}{m['hold'] or ''}\n" for name, m in pins.items()))
        _uv_compile(loose, resolved, "--upgrade", "--no-annotate")
        newest: dict[str, str] = {}
        for match in map(_PIN.match, resolved.read_text().splitlines()):
            if match:
                newest.setdefault(match["name"].lower().replace("_", "-"), match["version"])
    changes = []
    for name, match in pins.items():
        new = newest[name.lower().replace("_", "-")]
        if new == match["version"]:
            continue
        changes.append(f"{name}: {match['version']} -> {new}")
        pin = re.compile(rf"^{re.escape(name)}=={re.escape(match['version'])}(?=\s|$)", re.MULTILINE)
        requirements.write_text(pin.sub(f"{name}=={new}", requirements.read_text()))
    return changes


def cmd_lock(args: argparse.Namespace) -> int:
    lock = PROJECT_ROOT / "requirements-lock.txt"
    if args.upgrade:
        _log("==> Resolving the direct dependencies afresh (within their holds)")
        changes = _upgrade_pins(PROJECT_ROOT / "requirements.txt")
        _log("\n".join(f"    {line}" for line in changes) or "    every pin is already the newest")
    _log(f"==> Resolving requirements.txt into {lock.name} (every supported Python, with hashes)")
    _uv_compile(PROJECT_ROOT / "requirements.txt", lock, *(["--upgrade"] if args.upgrade else []))
    _log(f"==> {lock.name} written; `python3 make.py book` installs it")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 make.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    raw_help = f"directory of raw extracts (default {default_raw_dir()}; env JZ_RAW_DIR)"

    book = sub.add_parser("book", help="build the whole book from the data")
    book.add_argument("--raw-dir", type=Path, default=None, help=raw_help)
    book.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                      help="override a notebook parameter of analysis/params.yml (repeatable)")
    book.add_argument("--only", action="append", metavar="NOTEBOOK",
                      help="execute only this notebook (repeatable); the others keep their outputs")
    book.add_argument("--reimport", action="store_true", help="re-import the snapshot even if current")
    book.add_argument("--without", action="append", default=[], metavar="PART", choices=sorted(OPTIONAL_PARTS),
                      help="build without an optional part of the raw data (iv3, gemeentefonds, boundaries); "
                           "the book says what is missing")
    book.add_argument("--force", action="store_true",
                      help="execute every notebook and rebuild the HTML even if nothing changed")
    book.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel (default 2)")
    book.set_defaults(func=cmd_book)

    imp = sub.add_parser("import", help="rebuild data/ from the raw extracts")
    imp.add_argument("--raw-dir", type=Path, default=None, help=raw_help)
    imp.add_argument("--without", action="append", default=[], metavar="PART", choices=sorted(OPTIONAL_PARTS),
                     help="import without an optional part (iv3, gemeentefonds, boundaries)")
    imp.set_defaults(func=cmd_import)

    fetch = sub.add_parser("fetch", help="download the CBS tables from the CBS open-data API, then import")
    fetch.add_argument("--raw-dir", type=Path, default=None,
                       help=raw_help + "; its cbs/ tables are replaced only when every download succeeded")
    fetch.add_argument("--api", choices=["v3", "v4"], default="v3",
                       help="OData v3 (opendata.cbs.nl, default) or v4 (datasets.cbs.nl)")
    fetch.add_argument("--table", action="append", metavar="ID",
                       help="fetch only this table (repeatable); default: every table of the catalogue")
    fetch.add_argument("--timeout", type=float, default=60, help="seconds per request (default 60)")
    fetch.set_defaults(func=cmd_fetch)

    profile = sub.add_parser("profile", help="refresh the municipality pages if needed and print where one "
                                             "municipality's page is (GM code, name or common name)")
    profile.add_argument("municipality", help="GM code (GM0363, 363), name (Amsterdam, 's-Gravenhage) or common "
                                              "name (Den Haag)")
    profile.set_defaults(func=cmd_profile)

    html = sub.add_parser("html", help="build the HTML from the executed notebooks only")
    html.add_argument("--strict", action="store_true", help="treat Sphinx warnings as errors")
    html.add_argument("--force", action="store_true", help="build from scratch (Sphinx's kept state discarded)")
    html.set_defaults(func=cmd_html)

    pdf = sub.add_parser("pdf", help="build the PDF edition of the chapters into _build/pdf/ (xelatex; "
                                     "installs the Debian TeX packages when missing)")
    pdf.set_defaults(func=cmd_pdf)

    linkcheck = sub.add_parser("linkcheck", help="check every external link of the book (needs the network)")
    linkcheck.set_defaults(func=cmd_linkcheck)

    test = sub.add_parser("test", help="run every test (what CI runs)")
    test.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG",
                      help="everything after 'test' goes to pytest as is, e.g. -k mergers -x")
    test.set_defaults(func=cmd_test)

    bench = sub.add_parser("benchmark", help="time clean, no-op and partial builds (scratch copy)")
    bench.add_argument("--runs", type=int, default=3, help="repetitions per measurement (median)")
    bench.add_argument("--with-tests", action="store_true", help="also time the whole test command once")
    bench.add_argument("--builds-only", action="store_true",
                       help="only one clean build, then the no-op, one-chapter and Markdown-only rebuilds")
    bench.set_defaults(func=cmd_benchmark)

    lock = sub.add_parser("lock", help="resolve requirements.txt into requirements-lock.txt (uv, with hashes)")
    lock.add_argument("--upgrade", action="store_true",
                      help="first move every pin of requirements.txt to its newest version within its hold")
    lock.set_defaults(func=cmd_lock)
    return parser


def main(argv: list[str] | None = None) -> int:
    # One BLAS thread per process: the machine has two cores and notebooks may run side by side.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["test"]:
        # Everything after 'test' belongs to pytest, in its order (e.g. -k mergers -x).
        args = parser.parse_args(["test"])
        args.pytest_args = argv[1:]
    else:
        args = parser.parse_args(argv)
    if getattr(args, "raw_dir", "absent") is None:
        args.raw_dir = default_raw_dir()
    try:
        return args.func(args)
    except InputDataError as exc:
        print(f"error: {exc}\nNothing was overwritten: data/ and the book are unchanged.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
