"""Execute the chapter templates with papermill and build the HTML with Jupyter Book.

Templates are MyST Markdown notebooks (``analysis/templates/<name>.md``, read with jupytext), so a
chapter's diff is prose and code.  Each is executed by papermill into ``book/<name>.ipynb``, which is
committed with its outputs for nbval.  jupytext draws new random cell ids on every read; the runner
numbers the cells instead (``cell-00``, ``cell-01``, ...), and strips what papermill and the kernel
record that changes from run to run (timings, paths, the Python patch version), so that two builds
from the same inputs give byte-identical notebooks.

The book is replaced whole (:func:`build_book`): notebooks are executed into a staging copy of
``book/``, the HTML is built from that copy, and ``book/`` and ``_build/html`` are swapped in
together only when every notebook and the HTML succeeded, so a failure leaves the previous book intact.

Builds are incremental.  Each executed notebook records a fingerprint of what decides its output:
its template, its parameters, the package modules its code imports (followed transitively through
the code, see :mod:`jeugdzorg.fingerprint`), every file of the data snapshot and the pinned
environment.  A notebook whose fingerprint is unchanged is not executed again, so an edit to a
module re-executes only the notebooks that import it.  The HTML records a fingerprint of everything
Sphinx reads, so an unchanged book is not rebuilt; a changed one is rebuilt incrementally, from the
state Sphinx kept in ``_build/.sphinx`` (:func:`build_html`): only the changed pages and those that
paste numbers from a changed notebook are read and written again, in two processes.  Independent
notebooks run in parallel, one BLAS thread each.
"""

from __future__ import annotations

import ast
import copy
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..atomic import remove_stale, swap_directories
from ..fingerprint import code_closure, digest, files_digest
from ..data.snapshot import missing_parts
from .leave_out import leave_out_chapters, unlink_in_notebooks
from ..paths import BOOK_DIR, BUILD_DIR, PARAMS_FILE, PROJECT_ROOT, TEMPLATES_DIR, data_dir

Progress = Callable[[str], None]
FINGERPRINT_KEY = "jeugdzorg"
TEMPLATE_SUFFIX = ".md"
#: The municipality pages: generated in one pass (:mod:`jeugdzorg.book.profile_pages`), not executed.
PAGES_TASK = "profiles"
#: Where the pages' fingerprint is recorded (relative to ``book/``).
PAGES_FINGERPRINT = "profiles/.fingerprint"
#: The pages' Jinja templates in ``analysis/templates`` (pattern), and the one of a municipality's page.
PAGES_TEMPLATES = "*.md.j2"
PAGES_MAIN_TEMPLATE = "profile_page.md.j2"
#: Parameters the pages depend on (the others, e.g. ``outcome``, change no number on them).
PAGES_PARAMETERS = ("first_year", "last_year", "boundary_year", "driver_set", "cluster", "carry_drivers_forward")


def _print(message: str) -> None:
    print(message, flush=True)


def load_params(path: Path = PARAMS_FILE) -> dict[str, Any]:
    """The build configuration: ``parameters`` (defaults for the notebooks) and ``notebooks``."""
    with path.open(encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config.setdefault("parameters", {})
    return config


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``['boundary_year=2022']`` -> ``{'boundary_year': 2022}`` (values are parsed as YAML)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects key=value, got {pair!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

def template_path(name: str) -> Path:
    """The template of notebook ``name`` (a stem such as ``trends``)."""
    return TEMPLATES_DIR / f"{name}{TEMPLATE_SUFFIX}"


def read_template(path: Path):
    """The template as a notebook, with stable cell ids and without jupytext's own metadata."""
    return copy.deepcopy(_parsed_template(Path(path).read_text(encoding="utf-8")))


# A build reads each template twice (its parameters, its fingerprint); parsed once per text.
@functools.lru_cache(maxsize=64)
def _parsed_template(text: str):
    import jupytext

    notebook = jupytext.reads(text, fmt="md:myst")
    notebook.metadata.pop("jupytext", None)
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"
    return notebook


def code_cells(notebook) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def declared_parameters(notebook) -> set[str]:
    """Names assigned in the cell tagged ``parameters``."""
    names: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
    return names


@dataclass(frozen=True)
class Task:
    """One notebook to execute: where it goes (relative to ``book/``), its template and parameters."""

    output: str
    template: Path
    parameters: dict[str, Any]

    def fingerprint(self) -> str:
        """What decides this notebook's output: template, parameters, the code it imports
        (transitively), the data snapshot and the pinned environment."""
        notebook = read_template(self.template)
        code = files_digest(code_closure(sources=code_cells(notebook)))
        return digest(self.template.read_bytes(), json.dumps(self.parameters, sort_keys=True).encode(),
                      code.encode(), _snapshot_digest().encode(), _lock_bytes())

    def recorded(self, book_dir: Path) -> str | None:
        """The fingerprint of the output already in ``book_dir``, if any."""
        return recorded_fingerprint(book_dir / self.output)

    def run(self, book_dir: Path, fingerprint: str) -> None:
        """Produce the output in ``book_dir``, recording ``fingerprint``."""
        execute_notebook(self.template, self.parameters, book_dir / self.output, fingerprint)


def _snapshot_digest() -> str:
    return digest(*(p.name.encode() + p.read_bytes() for p in sorted(data_dir().glob("*")) if p.is_file()))


def _lock_bytes() -> bytes:
    lock = PROJECT_ROOT / "requirements-lock.txt"
    return lock.read_bytes() if lock.exists() else b""


@dataclass(frozen=True)
class PagesTask(Task):
    """The municipality pages (``book/profiles.md`` and ``book/profiles/``), generated in one pass.

    Every municipality's numbers are computed once by :func:`jeugdzorg.analysis.profiles.municipality_profiles`
    and written as Markdown, CSV and SVG by :mod:`jeugdzorg.book.profile_pages` -- in seconds, where a
    notebook per municipality took half an hour.  The pages are regenerated when their code, templates,
    parameters, the snapshot or the environment change; only files whose bytes change are written.
    """

    def fingerprint(self) -> str:
        # The pages' templates are the Jinja templates beside the chapters' (found without importing
        # the page code, which would cost a no-op build the import of the whole model layer).
        code = files_digest(code_closure(["jeugdzorg.book.profile_pages"]))
        templates = digest(*(p.name.encode() + p.read_bytes() for p in sorted(TEMPLATES_DIR.glob(PAGES_TEMPLATES))))
        # The pages' citation line takes the title, the authors and the base URL from _config.yml.
        config = (PROJECT_ROOT / "_config.yml").read_bytes()
        return digest(templates.encode(), json.dumps(self.parameters, sort_keys=True).encode(), code.encode(),
                      _snapshot_digest().encode(), _lock_bytes(), config)

    def recorded(self, book_dir: Path) -> str | None:
        path = book_dir / PAGES_FINGERPRINT
        return path.read_text(encoding="utf-8").strip() if path.is_file() else None

    def run(self, book_dir: Path, fingerprint: str) -> None:
        from .profile_pages import build_pages

        build_pages(book_dir, self.parameters)
        (book_dir / PAGES_FINGERPRINT).write_text(fingerprint + "\n", encoding="utf-8")


def _task(output: str, template: Path, values: dict[str, Any]) -> Task:
    wanted = declared_parameters(read_template(template))
    parameters = {k: v for k, v in values.items() if k in wanted}
    return Task(output, template, parameters)


def pages_task(overrides: dict[str, Any] | None = None) -> PagesTask:
    """The task that writes every municipality page, with the book's parameters (and ``overrides``)."""
    values = {**load_params()["parameters"], **(overrides or {})}
    return PagesTask(PAGES_TASK, TEMPLATES_DIR / PAGES_MAIN_TEMPLATE, {k: values.get(k) for k in PAGES_PARAMETERS})


def chapters(config: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Every chapter notebook of ``params.yml`` -> the optional data parts it requires."""
    config = config or load_params()
    out = {}
    for entry in config["notebooks"]:
        name, requires = (entry, []) if isinstance(entry, str) else (entry["name"], list(entry.get("requires", [])))
        out[name] = requires
    return out


def chapter_names(config: dict[str, Any] | None = None, missing: set[str] | None = None) -> list[str]:
    """The chapters to execute: all, less those that need a part the snapshot was built without."""
    missing = set(missing_parts()) if missing is None else missing
    return [name for name, requires in chapters(config).items() if not set(requires) & missing]


def planned_notebooks(overrides: dict[str, Any] | None = None, only: list[str] | None = None) -> list[Task]:
    """A :class:`Task` for every output of the book: the chapters of ``params.yml``, then the
    municipality pages (:class:`PagesTask`, output ``profiles``)."""
    config = load_params()
    values = {**config["parameters"], **(overrides or {})}
    tasks = [_task(f"{stem}.ipynb", template_path(stem), values) for stem in chapter_names(config)]
    tasks.append(pages_task(overrides))
    if only is not None:
        tasks = [t for t in tasks if t.output in only or Path(t.output).stem in only]
    return tasks


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------

def recorded_fingerprint(path: Path) -> str | None:
    """The fingerprint stored in an executed notebook, if any."""
    if not path.is_file():
        return None
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return notebook.get("metadata", {}).get(FINGERPRINT_KEY, {}).get("fingerprint")


def reader_tags(tags: list[str], source: str) -> list[str]:
    """How a code cell shows in the HTML: parameter cells not at all (the reproducibility page lists
    the parameters), set-up cells that import the library without their code, every other cell with
    its code behind a "Show code" button (what a researcher may want to read: how a figure or a
    table is made).  A template that removes a cell or its input explicitly is followed."""
    if {"remove-cell", "remove-input"} & set(tags):
        return list(tags)
    tags = [t for t in tags if t not in ("hide-cell", "hide-input")]
    lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if {"parameters", "injected-parameters"} & set(tags):
        return [*tags, "remove-cell"]
    if lines and lines[0].startswith(("import ", "from ")):
        return [*tags, "remove-input"]
    return [*tags, "hide-input"]


def clean_notebook(path: Path, fingerprint: str | None = None) -> None:
    """Drop what changes from run to run (timings, paths, versions); keep the parameters."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    metadata = notebook.setdefault("metadata", {})
    papermill_meta = metadata.get("papermill", {})
    metadata["papermill"] = {"parameters": papermill_meta.get("parameters", {})}
    metadata.pop("jupytext", None)
    # The Python patch version (3.11.7 vs 3.11.9) is not part of the result.
    metadata.get("language_info", {}).pop("version", None)
    if fingerprint is not None:
        metadata[FINGERPRINT_KEY] = {"fingerprint": fingerprint}
    for cell in notebook["cells"]:
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill draws a random id
        if cell["cell_type"] == "code":
            cell.setdefault("metadata", {})["tags"] = reader_tags(tags, "".join(cell["source"]))
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                    encoding="utf-8")


def execute_notebook(template: Path, parameters: dict[str, Any], output: Path,
                     fingerprint: str | None = None) -> None:
    """Run one template through papermill into ``output`` (atomically), recording ``fingerprint``."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".ipynb", dir=output.parent)
    os.close(handle)
    try:
        papermill.execute_notebook(
            read_template(template), temporary, parameters=parameters, kernel_name="python3",
            cwd=str(output.parent), progress_bar=False, log_output=False, report_mode=False)
        clean_notebook(Path(temporary), fingerprint)
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def execute_all(overrides: dict[str, Any] | None = None, only: list[str] | None = None,
                progress: Progress = _print, *, force: bool = False, jobs: int = 2,
                book_dir: Path = BOOK_DIR) -> list[Path]:
    """Execute the notebooks listed in ``params.yml`` whose inputs changed, into ``book_dir``.

    Parameters
    ----------
    overrides
        Parameter values that replace those of ``params.yml``.
    only
        Restrict to these notebooks (file names or stems); ``None``: all of them.
    force
        Execute even when the recorded fingerprint matches.
    jobs
        Notebooks executed at the same time (each in its own kernel).

    Returns
    -------
    list of pathlib.Path
        The notebooks that were executed (not those reused).
    """
    todo = []
    for task in planned_notebooks(overrides, only):
        fingerprint = task.fingerprint()
        if not force and task.recorded(book_dir) == fingerprint:
            progress(f"[cached] {task.output} is up to date")
            continue
        todo.append((task, fingerprint))
    lock = threading.Lock()
    done = [0]

    def run(item: tuple[Task, str]) -> Path:
        task, fingerprint = item
        shown = ", ".join(f"{k}={v}" for k, v in sorted(task.parameters.items())) or "no parameters"
        with lock:
            progress(f"[start] {task.output} ({shown})")
        start = time.perf_counter()
        task.run(book_dir, fingerprint)
        with lock:
            done[0] += 1
            progress(f"[{done[0]}/{len(todo)}] {task.output} done in {time.perf_counter() - start:.1f} s")
        return book_dir / task.output

    if not todo:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        return list(pool.map(run, todo))


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

BOOK_SOURCES = ("_config.yml", "_toc.yml")
#: Sphinx's state between builds, in the build directory beside the served ``html/`` (never served):
#: ``source/`` (a mirror of the book's sources), ``_build/html`` (the output Sphinx updates in place),
#: ``_build/.doctrees`` (its environment and doctrees, with MyST-NB's glue cache in
#: ``_build/jupyter_execute``).
STATE_DIR = ".sphinx"
#: Processes Sphinx reads and writes the pages with (``sphinx-build -j``).
SPHINX_JOBS = 2
#: The fingerprint of the sources the served HTML was built from.
STAMP = ".book-fingerprint"


def sphinx_extensions(source_root: Path = PROJECT_ROOT) -> list[str]:
    """The project's own Sphinx extensions named in ``_config.yml`` (``jeugdzorg.book.sphinx_*``)."""
    with (source_root / "_config.yml").open(encoding="utf-8") as handle:
        sphinx = (yaml.safe_load(handle) or {}).get("sphinx") or {}
    names = list((sphinx.get("config") or {}).get("extensions") or []) + list(sphinx.get("extra_extensions") or [])
    return sorted(name for name in names if str(name).startswith("jeugdzorg."))


def _snapshot_files() -> list[Path]:
    return sorted(p for p in data_dir().glob("*") if p.is_file())


def book_sources(source_root: Path) -> list[Path]:
    """Every file Sphinx reads from ``source_root``: configuration, table of contents, ``book/``."""
    files = [source_root / name for name in BOOK_SOURCES]
    return files + sorted(p for p in (source_root / "book").rglob("*") if p.is_file() and ".tmp-" not in p.name)


def html_fingerprint(source_root: Path = PROJECT_ROOT) -> str:
    """Hash of everything the HTML build reads: config, table of contents, chapters, bibliography,
    the project's Sphinx extensions (and the code they import) and the data snapshot (the
    extensions pack it into the downloadable zip and name the edition after it)."""
    return digest(*(str(p.relative_to(source_root)).encode() + p.read_bytes() for p in book_sources(source_root)),
                  files_digest(code_closure(sphinx_extensions(source_root))).encode(),
                  *(p.name.encode() + p.read_bytes() for p in _snapshot_files()))


def state_key(source_root: Path) -> str:
    """What no page records as a dependency but every page may show: the configuration and table of
    contents, the project's Sphinx extensions (their code), the data snapshot (the edition, the
    zip), the pinned environment and Python.  Sphinx's kept state is used only under the same key."""
    return digest(*((source_root / name).read_bytes() for name in BOOK_SOURCES),
                  files_digest(code_closure(sphinx_extensions(source_root))).encode(),
                  *(p.name.encode() + p.read_bytes() for p in _snapshot_files()),
                  _lock_bytes(), sys.version.encode())


def mirror_sources(source_root: Path, mirror: Path) -> int:
    """Make ``mirror`` hold exactly the book's sources of ``source_root``, writing only the files
    whose bytes differ (so Sphinx, which goes by modification times, sees exactly what changed,
    wherever the sources were staged).  Returns how many files were written or deleted."""
    wanted = {p.relative_to(source_root): p for p in book_sources(source_root)}
    changed = 0
    for relative, source in wanted.items():
        target = mirror / relative
        data = source.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            changed += 1
    for path in sorted(mirror.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(mirror) not in wanted:
            path.unlink()
            changed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return changed


#: Runs Jupyter Book's Sphinx build (``jupyter_book.sphinx.build_sphinx``, what ``jupyter-book
#: build`` calls) with a job count, which the ``jupyter-book`` command does not take.  The table of
#: contents is named relative to the sources, so no absolute path enters Sphinx's configuration.
_SPHINX_BUILD = """
import sys
from pathlib import Path
from jupyter_book.sphinx import build_sphinx
source, output, strict, jobs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "strict", int(sys.argv[4])
result = build_sphinx(source, output / "_build" / "html", noconfig=True, path_config=str(source / "_config.yml"),
                      confoverrides={"external_toc_path": "_toc.yml", "latex_individualpages": False,
                                     "nitpicky": True},
                      builder="html", warningiserror=strict, keep_going=strict, jobs=jobs, quiet=True)
sys.exit(0 if result == 0 else 1)
"""


def run_jupyter_book(source_root: Path, output: Path, *, strict: bool = False, jobs: int = SPHINX_JOBS) -> Path:
    """Jupyter Book's Sphinx build (notebook execution off) of ``source_root`` into ``output``/_build,
    with ``jobs`` processes; what Sphinx kept there from an earlier build is reused.

    Every build is nitpicky (a reference to nothing is a warning); ``strict`` turns warnings into
    errors.  The number of warnings is written to ``output``/warnings.

    Raises
    ------
    RuntimeError
        With the end of Sphinx's output, if the build fails.
    """
    command = [sys.executable, "-c", _SPHINX_BUILD, str(source_root), str(output), "strict" if strict else "",
               str(jobs)]
    result = subprocess.run(command, cwd=source_root, capture_output=True, text=True)
    warnings = sum(1 for line in result.stderr.splitlines() if "WARNING:" in line or "ERROR:" in line)
    (output / "warnings").write_text(f"{warnings}\n")
    if result.returncode != 0:
        raise RuntimeError(f"the HTML build (jupyter-book, Sphinx) failed (exit {result.returncode}):\n"
                           f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    if result.stderr.strip():
        print(result.stderr.rstrip(), file=sys.stderr, flush=True)
    return output / "_build"


def publish(built: Path, served: Path, staging: Path) -> int:
    """Fill ``staging`` with the files of ``built``: a file the served book already has (same size
    and modification time) is hard-linked from it, any other is copied.  Returns how many were copied.

    Nothing is ever written into the served book, so the links share only files no one changes, and
    the served book never shares a file with Sphinx's output, which Sphinx rewrites in place.
    """
    copied = 0
    for directory, _, files in os.walk(built):
        relative = Path(directory).relative_to(built)
        (staging / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            source, old, new = Path(directory, name), served / relative / name, staging / relative / name
            mine = source.stat()
            try:
                theirs = old.stat()
            except FileNotFoundError:
                theirs = None
            if theirs is not None and (theirs.st_size, theirs.st_mtime_ns) == (mine.st_size, mine.st_mtime_ns):
                os.link(old, new)
            else:
                shutil.copy2(source, new)
                copied += 1
    return copied


def html_is_current(target: Path, fingerprint: str, strict: bool) -> bool:
    """Whether the served book in ``target``/html was built from sources with ``fingerprint`` (see
    :func:`html_fingerprint`) -- and, for a ``strict`` build, without a warning."""
    stamp = target / "html" / STAMP
    return (stamp.is_file() and stamp.read_text().strip() == fingerprint
            and (not strict or (target / STATE_DIR / "clean").is_file()))


def build_html(*, strict: bool = False, target: Path = BUILD_DIR, progress: Progress = _print,
               force: bool = False, source_root: Path = PROJECT_ROOT, jobs: int = SPHINX_JOBS,
               swap_also: list[tuple[Path, Path]] | None = None) -> Path:
    """Build the HTML of ``source_root`` and swap it into ``target``/html: the one HTML route of the
    project (``make.py book``, ``make.py html`` and the tests).

    The build is incremental and never stale.  Sphinx's state is kept in ``target``/.sphinx (see
    :data:`STATE_DIR`): the sources are mirrored there byte for byte (:func:`mirror_sources`), and
    Sphinx reads and writes again only the pages whose sources changed, with the pages that paste
    numbers from a changed notebook (:mod:`jeugdzorg.book.sphinx_incremental`).  The state is
    started afresh when anything no page records changed (:func:`state_key`), after a failed build,
    and for a strict build after a build with warnings (a page not read again would not repeat its
    warning).  The result is then published: copied into a staging folder (unchanged files
    hard-linked from the served book) and swapped in whole, together with ``swap_also`` (the
    executed book of :func:`build_book`); after a failure the served book stays as it was.

    Parameters
    ----------
    strict
        Sphinx warnings are errors (``-W -n --keep-going``), as the test command builds.
    target
        The build directory: the served book goes to ``target``/html.
    force
        Build afresh, with a new Sphinx state, even if the sources are unchanged.
    jobs
        Processes Sphinx reads and writes with.
    swap_also
        Further ``(new, target)`` directories swapped in together with the HTML.

    Returns
    -------
    pathlib.Path
        The ``index.html`` of the built book.
    """
    served, state = target / "html", target / STATE_DIR
    target.mkdir(parents=True, exist_ok=True)
    remove_stale(target, ["html"], [served])
    fingerprint = html_fingerprint(source_root)
    clean = state / "clean"
    if not force and html_is_current(target, fingerprint, strict):
        # Nothing Sphinx reads changed, so neither did what ``swap_also`` would bring: nothing to swap.
        progress("HTML is up to date")
        return served / "index.html"
    key = state_key(source_root)
    recorded = state / "key"
    reason = ("forced" if force else "no earlier build" if not recorded.is_file()
              else "configuration, table of contents, extensions, data or environment changed"
              if recorded.read_text().strip() != key
              else "the last build had warnings" if strict and not clean.is_file() else None)
    if reason is not None:
        shutil.rmtree(state, ignore_errors=True)
        progress(f"building the HTML from scratch ({reason}) ...")
    state.mkdir(parents=True, exist_ok=True)
    recorded.unlink(missing_ok=True)  # valid again only once this build succeeded
    changed = mirror_sources(source_root, state / "source")
    if reason is None:
        progress(f"building the HTML ({changed} source file(s) changed) ...")
    start = time.perf_counter()
    try:
        built = run_jupyter_book(state / "source", state, strict=strict, jobs=jobs)
    except BaseException:
        shutil.rmtree(state, ignore_errors=True)  # Sphinx's state is not trusted after a failure
        raise
    warnings = state / "warnings"
    if (reason is not None or clean.is_file()) and warnings.is_file() and warnings.read_text().strip() == "0":
        clean.touch()
    else:
        clean.unlink(missing_ok=True)
    recorded.write_text(key + "\n")
    staging = Path(tempfile.mkdtemp(prefix=".tmp-html-", dir=target))
    try:
        copied = publish(built / "html", served, staging)
        (staging / STAMP).write_text(fingerprint + "\n")
        swap_directories([(staging, served), *(swap_also or [])])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"HTML built in {time.perf_counter() - start:.1f} s ({copied} file(s) of the site changed)")
    return served / "index.html"


def _chapters_without_data() -> list[str]:
    """The chapters whose data the snapshot was built without (``make.py book --without PART``)."""
    return [name for name in chapters() if name not in chapter_names()]


def _nothing_to_execute(overrides: dict[str, Any] | None, only: list[str] | None, execute: bool,
                        book_dir: Path, progress: Progress) -> bool:
    """Whether every notebook of ``book_dir`` is current, so :func:`build_book` need not stage a copy
    of the book (copying its thousands of files was most of a no-op rebuild and of a Markdown edit):
    the HTML is then built from the project's sources directly, which :func:`build_html` mirrors.

    Answers only for the project's own book with every chapter in it; anything else is staged."""
    if book_dir.resolve() != (PROJECT_ROOT / "book").resolve() or _chapters_without_data():
        return False
    tasks = planned_notebooks(overrides, only) if execute else []
    if any(task.recorded(book_dir) != task.fingerprint() for task in tasks):
        return False
    for task in tasks:
        progress(f"[cached] {task.output} is up to date")
    return True


def build_book(overrides: dict[str, Any] | None = None, only: list[str] | None = None, *,
               extra: list[Task] | None = None, execute: bool = True, force: bool = False, jobs: int = 2,
               strict: bool = False, book_dir: Path = BOOK_DIR, build_dir: Path = BUILD_DIR,
               progress: Progress = _print) -> Path:
    """Execute the notebooks whose inputs changed and build the HTML: the whole book, or nothing.

    Everything happens in a staging copy of the project's book (``.tmp-book-*`` beside ``book_dir``):
    the notebooks are executed into it and the HTML is built from it (:func:`build_html`,
    incrementally).  Only when every notebook and the HTML succeeded are ``book_dir`` and the served
    ``build_dir``/html replaced, together (:func:`jeugdzorg.atomic.swap_directories`); after any
    failure both stay exactly as they were, so no chapter is ever on a newer year than another.
    When no notebook must be executed, nothing is staged: only the HTML is built (and swapped in).
    Temporary directories of an earlier run that was killed are removed first.

    Parameters
    ----------
    overrides, only
        As for :func:`execute_all`.
    force
        Execute every notebook and build the HTML from scratch.
    jobs
        Notebooks executed at the same time, and Sphinx's processes.
    extra
        Further notebooks to execute (e.g. one municipality's profile).
    execute
        ``False``: build the HTML of the book as it is (``make.py html``).
    strict
        Sphinx warnings are errors.

    Returns
    -------
    pathlib.Path
        The ``index.html`` of the built book.
    """
    removed = remove_stale(book_dir.parent, ["book", "build"], [book_dir, build_dir])
    if removed:
        progress(f"removed {len(removed)} temporary path(s) left by an interrupted run")
    if not force and not extra and _nothing_to_execute(overrides, only, execute, book_dir, progress):
        return build_html(strict=strict, target=build_dir, progress=progress, jobs=jobs)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-book-", dir=book_dir.parent))
    try:
        shutil.copytree(book_dir, staging / "book")
        for name in BOOK_SOURCES:
            shutil.copy2(PROJECT_ROOT / name, staging / name)
        left_out = _chapters_without_data()
        leave_out_chapters(staging / "book", staging / "_toc.yml", left_out)
        if execute:
            execute_all(overrides, only, progress, force=force, jobs=jobs, book_dir=staging / "book")
            for task in extra or []:
                progress(f"[start] {task.output}")
                execute_notebook(task.template, task.parameters, staging / "book" / task.output, task.fingerprint())
        unlink_in_notebooks(staging / "book", left_out)
        return build_html(strict=strict, target=build_dir, progress=progress, force=force,
                          source_root=staging, jobs=jobs, swap_also=[(staging / "book", book_dir)])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
