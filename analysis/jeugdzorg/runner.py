"""Execute the notebook templates with papermill and build the HTML with Jupyter Book.

Executed notebooks are written to ``book/`` only when they ran without error (each is executed into
a temporary file and moved into place), and the HTML is built into a temporary directory and
swapped into ``_build/`` only when the build succeeded, so a failure leaves the previous book intact.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .atomic import swap_directory
from .paths import BOOK_DIR, BUILD_DIR, PARAMS_FILE, PROJECT_ROOT, TEMPLATES_DIR

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


def clean_notebook(path: Path) -> None:
    """Drop volatile metadata (timings, absolute paths) that papermill records; keep the parameters."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    papermill_meta = notebook.get("metadata", {}).get("papermill", {})
    notebook["metadata"]["papermill"] = {"parameters": papermill_meta.get("parameters", {})}
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


def execute_notebook(template: Path, parameters: dict[str, Any], output: Path) -> None:
    """Run one template through papermill into ``output`` (atomically)."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".ipynb", dir=output.parent)
    os.close(handle)
    try:
        papermill.execute_notebook(
            str(template), temporary, parameters=parameters, kernel_name="python3",
            cwd=str(output.parent), progress_bar=False, log_output=False, report_mode=False)
        clean_notebook(Path(temporary))
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def execute_all(overrides: dict[str, Any] | None = None, only: list[str] | None = None,
                progress: Progress = _print) -> list[Path]:
    """Execute every notebook listed in ``params.yml`` (or those in ``only``) into ``book/``."""
    config = load_params()
    values = {**config["parameters"], **(overrides or {})}
    names = [n for n in config["notebooks"] if not only or n in only or Path(n).stem in only]
    written = []
    for index, name in enumerate(names, 1):
        template = TEMPLATES_DIR / name
        wanted = declared_parameters(template)
        parameters = {k: v for k, v in values.items() if k in wanted}
        shown = ", ".join(f"{k}={v}" for k, v in sorted(parameters.items())) or "no parameters"
        progress(f"[{index}/{len(names)}] executing {name} ({shown}) ...")
        start = time.perf_counter()
        execute_notebook(template, parameters, BOOK_DIR / name)
        progress(f"[{index}/{len(names)}] {name} done in {time.perf_counter() - start:.1f} s")
        written.append(BOOK_DIR / name)
    return written


def build_html(*, strict: bool = False, target: Path = BUILD_DIR, progress: Progress = _print) -> Path:
    """Run ``jupyter-book build`` (notebook execution off) and swap the result into ``target``.

    Parameters
    ----------
    strict
        Turn Sphinx warnings into errors (``-W -n --keep-going``), as the test command does.
    target
        Where the finished ``_build`` directory goes.

    Returns
    -------
    pathlib.Path
        The ``index.html`` of the built book.
    """
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
        swap_directory(staging / "_build", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"HTML built in {time.perf_counter() - start:.1f} s")
    return target / "html" / "index.html"
