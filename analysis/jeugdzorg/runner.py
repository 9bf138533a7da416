"""Execute the notebook templates with papermill and build the HTML with Jupyter Book.

Executed notebooks are written to ``book/`` only when they ran without error (each is executed into
a temporary file and moved into place), and the HTML is built into a temporary directory and
swapped into ``_build/`` only when the build succeeded, so a failure leaves the previous book intact.

Builds are incremental.  Each executed notebook records a fingerprint (sha256 of its template, its
parameters, the package code, the data manifest and the pinned environment) in its metadata; a
notebook whose fingerprint is unchanged is not executed again.  The HTML records a fingerprint of
everything Sphinx reads, so an unchanged book is not rebuilt.  Independent notebooks run in
parallel, one BLAS thread each.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .atomic import recover_interrupted_swap, swap_directory
from .paths import BOOK_DIR, BUILD_DIR, DATA_DIR, PACKAGE_DIR, PARAMS_FILE, PROJECT_ROOT, TEMPLATES_DIR

Progress = Callable[[str], None]


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


def declared_parameters(template: Path) -> set[str]:
    """Names assigned in the template's cell tagged ``parameters``."""
    import papermill

    return set(papermill.inspect_notebook(str(template)))


#: Package modules that build the book but cannot change a notebook's output.
BUILD_ONLY_MODULES = ("cli.py", "runner.py", "benchmark.py", "cbs_api.py")
FINGERPRINT_KEY = "jeugdzorg"


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Hash of the package code and catalogue that notebooks run, plus the data and environment pins."""
    files = sorted(p for p in PACKAGE_DIR.glob("*") if p.suffix in (".py", ".yml")
                   and p.name not in BUILD_ONLY_MODULES)
    parts = [p.name.encode() + p.read_bytes() for p in files]
    # Every snapshot file, not only the manifest: an edited data file must re-execute the notebooks.
    parts += [p.name.encode() + p.read_bytes() for p in sorted(DATA_DIR.glob("*")) if p.is_file()]
    lock = PROJECT_ROOT / "requirements-lock.txt"
    parts.append(lock.read_bytes() if lock.exists() else b"")
    return _digest(*parts)


def notebook_fingerprint(template: Path, parameters: dict[str, Any], code: str) -> str:
    """Fingerprint of one executed notebook: template, parameters and :func:`code_fingerprint`."""
    return _digest(template.read_bytes(), json.dumps(parameters, sort_keys=True).encode(), code.encode())


def recorded_fingerprint(path: Path) -> str | None:
    """The fingerprint stored in an executed notebook, if any."""
    if not path.is_file():
        return None
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return notebook.get("metadata", {}).get(FINGERPRINT_KEY, {}).get("fingerprint")


def clean_notebook(path: Path, fingerprint: str | None = None) -> None:
    """Drop volatile metadata (timings, absolute paths) that papermill records; keep the parameters."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    papermill_meta = notebook.get("metadata", {}).get("papermill", {})
    notebook["metadata"]["papermill"] = {"parameters": papermill_meta.get("parameters", {})}
    if fingerprint is not None:
        notebook["metadata"][FINGERPRINT_KEY] = {"fingerprint": fingerprint}
    for cell in notebook["cells"]:
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"  # papermill draws a random id
            if "hide-cell" not in tags:
                tags.append("hide-cell")
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
            str(template), temporary, parameters=parameters, kernel_name="python3",
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
        Restrict to these notebooks (file names or stems).
    force
        Execute even when the recorded fingerprint matches.
    jobs
        Notebooks executed at the same time (each in its own kernel).

    Returns
    -------
    list of pathlib.Path
        The notebooks that were executed (not those reused).
    """
    code = code_fingerprint()
    todo = []
    for name, template, parameters in planned_notebooks(overrides, only):
        fingerprint = notebook_fingerprint(template, parameters, code)
        if not force and recorded_fingerprint(book_dir / name) == fingerprint:
            progress(f"[cached] {name} is up to date")
            continue
        todo.append((name, template, parameters, fingerprint))
    lock = threading.Lock()
    done = [0]

    def run(task: tuple[str, Path, dict[str, Any], str]) -> Path:
        name, template, parameters, fingerprint = task
        shown = ", ".join(f"{k}={v}" for k, v in sorted(parameters.items())) or "no parameters"
        with lock:
            progress(f"[start] {name} ({shown})")
        start = time.perf_counter()
        execute_notebook(template, parameters, book_dir / name, fingerprint)
        with lock:
            done[0] += 1
            progress(f"[{done[0]}/{len(todo)}] {name} done in {time.perf_counter() - start:.1f} s")
        return book_dir / name

    if not todo:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
        return list(pool.map(run, todo))


PROFILE_TEMPLATE = "profile.ipynb"
PROFILES_DIR = "profiles"


def profile_notebook(gm_code: str) -> str:
    """Where the profile of a municipality goes, relative to ``book/``."""
    return f"{PROFILES_DIR}/{gm_code}.ipynb"


def planned_notebooks(overrides: dict[str, Any] | None = None, only: list[str] | None = None
                      ) -> list[tuple[str, Path, dict[str, Any]]]:
    """``(output relative to book/, template, parameters)`` for every notebook of ``params.yml``.

    The chapters come from ``notebooks``; each profile (``profiles`` plus those already in
    ``book/profiles/``) is executed from the profile template with ``municipality`` set.
    """
    config = load_params()
    values = {**config["parameters"], **(overrides or {})}
    names = list(config["notebooks"]) + [profile_notebook(code) for code in _profile_codes(config)]
    tasks = []
    for name in names:
        if only and not (name in only or Path(name).stem in only):
            continue
        is_profile = name.startswith(PROFILES_DIR + "/")
        tasks.append(_task(name, TEMPLATES_DIR / (PROFILE_TEMPLATE if is_profile else name), values))
    return tasks


def _profile_codes(config: dict[str, Any]) -> list[str]:
    """The listed profiles, then those made with ``make.py profile`` (the table of contents globs
    them into the book, so they are refreshed like the listed ones)."""
    codes = list(config.get("profiles", []))
    return codes + sorted(p.stem for p in (BOOK_DIR / PROFILES_DIR).glob("GM*.ipynb") if p.stem not in codes)


def _task(name: str, template: Path, values: dict[str, Any]) -> tuple[str, Path, dict[str, Any]]:
    wanted = declared_parameters(template)
    parameters = {k: v for k, v in values.items() if k in wanted}
    if name.startswith(PROFILES_DIR + "/"):
        parameters["municipality"] = Path(name).stem
    return name, template, parameters


def profile_task(gm_code: str, overrides: dict[str, Any] | None = None) -> tuple[str, Path, dict[str, Any]]:
    """Output name, template and parameters of one municipality's profile."""
    values = {**load_params()["parameters"], **(overrides or {})}
    return _task(profile_notebook(gm_code), TEMPLATES_DIR / PROFILE_TEMPLATE, values)


def html_fingerprint() -> str:
    """Hash of everything the HTML build reads: config, table of contents, chapters, bibliography."""
    files = [PROJECT_ROOT / "_config.yml", PROJECT_ROOT / "_toc.yml"]
    files += sorted(p for p in BOOK_DIR.rglob("*") if p.is_file() and ".tmp-" not in p.name)
    return _digest(*(str(p.relative_to(PROJECT_ROOT)).encode() + p.read_bytes() for p in files))


def build_html(*, strict: bool = False, target: Path = BUILD_DIR, progress: Progress = _print,
               force: bool = True) -> Path:
    """Run ``jupyter-book build`` (notebook execution off) and swap the result into ``target``.

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
    fingerprint = html_fingerprint()
    stamp = target / "html" / ".book-fingerprint"
    if not force and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        progress("HTML is up to date")
        return target / "html" / "index.html"
    executable = Path(sys.executable).parent / "jupyter-book"
    staging = Path(tempfile.mkdtemp(prefix=".tmp-build-", dir=target.parent))
    command = [str(executable), "build", str(PROJECT_ROOT), "--path-output", str(staging)]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    progress("building HTML with Jupyter Book ...")
    start = time.perf_counter()
    try:
        result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}):\n"
                               f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
        (staging / "_build" / "html" / ".book-fingerprint").write_text(fingerprint + "\n")
        swap_directory(staging / "_build", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"HTML built in {time.perf_counter() - start:.1f} s")
    return target / "html" / "index.html"
