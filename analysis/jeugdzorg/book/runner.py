"""Execute the chapter templates with papermill and build the HTML with Jupyter Book.

Templates are MyST Markdown notebooks (``analysis/templates/<name>.md``, read with jupytext), so a
chapter's diff is prose and code.  Each is executed by papermill into ``book/<name>.ipynb``, which is
committed with its outputs for nbval.  jupytext draws new random cell ids on every read; the runner
numbers the cells instead (``cell-00``, ``cell-01``, ...), and strips what papermill and the kernel
record that changes from run to run (timings, paths, the Python patch version), so that two builds
from the same inputs give byte-identical notebooks.

The book is replaced whole (:func:`build_book`): notebooks are executed into a staging copy of
``book/``, the HTML is built from that copy, and ``book/`` and ``_build/`` are swapped in together
only when every notebook and the HTML succeeded, so a failure leaves the previous book intact.

Builds are incremental.  Each executed notebook records a fingerprint of what decides its output:
its template, its parameters, the package modules its code imports (followed transitively through
the code, see :mod:`jeugdzorg.fingerprint`), every file of the data snapshot and the pinned
environment.  A notebook whose fingerprint is unchanged is not executed again, so an edit to a
module re-executes only the notebooks that import it.  The HTML records a fingerprint of everything
Sphinx reads, so an unchanged book is not rebuilt.  Independent notebooks run in parallel, one BLAS
thread each.
"""

from __future__ import annotations

import ast
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

from ..atomic import recover_interrupted_swap, remove_stale, swap_directories, swap_directory
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
    import jupytext

    notebook = jupytext.read(path, fmt="md:myst")
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
        return digest(templates.encode(), json.dumps(self.parameters, sort_keys=True).encode(), code.encode(),
                      _snapshot_digest().encode(), _lock_bytes())

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


def sphinx_extensions(source_root: Path = PROJECT_ROOT) -> list[str]:
    """The project's own Sphinx extensions named in ``_config.yml`` (``jeugdzorg.book.sphinx_*``)."""
    with (source_root / "_config.yml").open(encoding="utf-8") as handle:
        sphinx = (yaml.safe_load(handle) or {}).get("sphinx") or {}
    names = list((sphinx.get("config") or {}).get("extensions") or []) + list(sphinx.get("extra_extensions") or [])
    return sorted(name for name in names if str(name).startswith("jeugdzorg."))


def html_fingerprint(source_root: Path = PROJECT_ROOT) -> str:
    """Hash of everything the HTML build reads: config, table of contents, chapters, bibliography,
    the project's Sphinx extensions (and the code they import) and the data snapshot (the
    extensions pack it into the downloadable zip and name the edition after it)."""
    files = [source_root / name for name in BOOK_SOURCES]
    files += sorted(p for p in (source_root / "book").rglob("*") if p.is_file() and ".tmp-" not in p.name)
    snapshot = sorted(p for p in data_dir().glob("*") if p.is_file())
    return digest(*(str(p.relative_to(source_root)).encode() + p.read_bytes() for p in files),
                  files_digest(code_closure(sphinx_extensions(source_root))).encode(),
                  *(p.name.encode() + p.read_bytes() for p in snapshot))


#: Outputs in ``_build/`` that other commands write (``make.py pdf``, ``make.py linkcheck``): an HTML
#: build replaces ``_build/`` whole, so it carries these over instead of deleting them.
OTHER_OUTPUTS = ("pdf", "linkcheck")


def carry_over_other_outputs(build_dir: Path, built: Path) -> None:
    """Copy the PDF and link-check outputs of the current ``build_dir`` into the new ``built`` one
    (copied, not moved: if the swap fails, the current ``_build/`` must stay complete)."""
    for name in OTHER_OUTPUTS:
        if (build_dir / name).is_dir() and not (built / name).exists():
            shutil.copytree(build_dir / name, built / name)


def run_jupyter_book(source_root: Path, output: Path, *, strict: bool = False) -> Path:
    """``jupyter-book build`` of ``source_root`` (notebook execution off) into ``output``/_build.

    Raises
    ------
    RuntimeError
        With the end of Jupyter Book's output, if the build fails.
    """
    executable = Path(sys.executable).parent / "jupyter-book"
    command = [str(executable), "build", str(source_root), "--path-output", str(output)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    result = subprocess.run(command, cwd=source_root, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}):\n"
                           f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    return output / "_build"


def build_html(*, strict: bool = False, target: Path = BUILD_DIR, progress: Progress = _print,
               force: bool = True, source_root: Path = PROJECT_ROOT) -> Path:
    """Build the HTML of ``source_root`` and swap it into ``target`` (only if the build succeeded).

    Parameters
    ----------
    strict
        Turn Sphinx warnings into errors (``-W -n --keep-going``), as the test command does.
    target
        Where the finished ``_build`` directory goes.
    force
        Build even if the sources are unchanged since the last build into ``target``.

    Returns
    -------
    pathlib.Path
        The ``index.html`` of the built book.
    """
    recover_interrupted_swap(target)
    fingerprint = html_fingerprint(source_root)
    stamp = target / "html" / ".book-fingerprint"
    if not force and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        progress("HTML is up to date")
        return target / "html" / "index.html"
    staging = Path(tempfile.mkdtemp(prefix=".tmp-build-", dir=target.parent))
    progress("building HTML with Jupyter Book ...")
    start = time.perf_counter()
    try:
        built = run_jupyter_book(source_root, staging, strict=strict)
        (built / "html" / ".book-fingerprint").write_text(fingerprint + "\n")
        carry_over_other_outputs(target, built)
        swap_directory(built, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"HTML built in {time.perf_counter() - start:.1f} s")
    return target / "html" / "index.html"


def _chapters_without_data() -> list[str]:
    """The chapters whose data the snapshot was built without (``make.py book --without PART``)."""
    return [name for name in chapters() if name not in chapter_names()]


def build_book(overrides: dict[str, Any] | None = None, only: list[str] | None = None, *,
               extra: list[Task] | None = None, execute: bool = True, force: bool = False, jobs: int = 2,
               strict: bool = False, book_dir: Path = BOOK_DIR, build_dir: Path = BUILD_DIR,
               progress: Progress = _print) -> Path:
    """Execute the notebooks whose inputs changed and build the HTML: the whole book, or nothing.

    Everything happens in a staging copy of the project's book (``.tmp-book-*`` beside ``book_dir``):
    the notebooks are executed into it and the HTML is built from it.  Only when every notebook and
    the HTML succeeded are ``book_dir`` and ``build_dir`` replaced, together
    (:func:`jeugdzorg.atomic.swap_directories`); after any failure both stay exactly as they were, so
    no chapter is ever on a newer year than another.  Temporary directories of an earlier run that
    was killed are removed first.

    Parameters
    ----------
    overrides, only, force, jobs
        As for :func:`execute_all`.
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
    staging = Path(tempfile.mkdtemp(prefix=".tmp-book-", dir=book_dir.parent))
    try:
        shutil.copytree(book_dir, staging / "book")
        for name in BOOK_SOURCES:
            shutil.copy2(PROJECT_ROOT / name, staging / name)
        left_out = _chapters_without_data()
        leave_out_chapters(staging / "book", staging / "_toc.yml", left_out)
        executed: list[Path] = []
        if execute:
            executed = execute_all(overrides, only, progress, force=force, jobs=jobs, book_dir=staging / "book")
            for task in extra or []:
                progress(f"[start] {task.output}")
                execute_notebook(task.template, task.parameters, staging / "book" / task.output, task.fingerprint())
                executed.append(staging / "book" / task.output)
        unlink_in_notebooks(staging / "book", left_out)
        fingerprint = html_fingerprint(staging)
        stamp = build_dir / "html" / ".book-fingerprint"
        if not executed and not force and stamp.is_file() and stamp.read_text().strip() == fingerprint:
            progress("HTML is up to date")
            return build_dir / "html" / "index.html"
        progress("building HTML with Jupyter Book ...")
        start = time.perf_counter()
        built = run_jupyter_book(staging, staging, strict=strict)
        (built / "html" / ".book-fingerprint").write_text(fingerprint + "\n")
        progress(f"HTML built in {time.perf_counter() - start:.1f} s")
        carry_over_other_outputs(build_dir, built)
        swap_directories([(staging / "book", book_dir), (built, build_dir)])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return build_dir / "html" / "index.html"
