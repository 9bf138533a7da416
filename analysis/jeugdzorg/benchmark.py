"""Build-speed benchmark: ``python3 make.py benchmark [--runs N]``.

Everything runs in a scratch copy of the project (so the real ``book/`` and ``_build/`` are never
touched) and prints the median wall time of ``--runs`` repetitions of:

* a clean build: everything a build produces is removed -- executed notebooks of the chapters and
  the profiles, ``_build/``, staging and caches -- and only the environment and ``data/`` stay,
* a no-op rebuild, a one-chapter edit (one template changed), a Markdown-only edit,
* the nbval run over the executed notebooks,
* the PDF edition of the chapters (``make.py pdf``, xelatex) and the browser test (strict HTML build,
  then every chapter and a sample of profiles in headless chromium),
* Jupyter Book's own execution path (``execute_notebooks: force``) on the same table of contents:
  every chapter and profile as an unexecuted notebook with its parameters filled in,
* the model layer on the real panel and on a synthetic panel ten times wider,

plus the peak memory of the child processes and the whole test command (once, ``--with-tests``).
Targets (2-core machine): clean build <= 0.5 x Jupyter Book's execution, no-op < 5 s, Markdown edit
< 15 s, model layer < 2 s at 3,500 municipalities x 10 years, test command < 15 minutes.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .paths import PROJECT_ROOT

IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache", "*.egg-info",
                                ".tmp-*")


def _copy_project(target: Path) -> Path:
    project = target / "project"
    shutil.copytree(PROJECT_ROOT, project, ignore=IGNORE)
    return project


def _env(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The copy's package shadows the editable install, so every path resolves inside the copy.
    env["PYTHONPATH"] = str(project / "analysis")
    env.setdefault("JZ_RAW_DIR", str(PROJECT_ROOT.parent / "shared" / "data"))
    return env


def _run(command: list[str], project: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=_env(project), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def _book(project: Path) -> float:
    return _run([sys.executable, "-m", "jeugdzorg.cli", "book"], project)


def _median(runs: int, prepare: Callable[[], None], measure: Callable[[], float]) -> float:
    times = []
    for _ in range(runs):
        prepare()
        times.append(measure())
    return statistics.median(times)


class _Results(dict):
    """Prints each measurement as soon as it is known, so a late failure loses nothing."""

    def __setitem__(self, key: str, value: float) -> None:
        super().__setitem__(key, value)
        print(f"  {key}: {value:.2f} s", flush=True)


def _clean(project: Path, report: bool = False) -> None:
    """Remove everything a build produces: executed notebooks (chapters and profiles), the HTML,
    staging and temporary paths, caches.  Only ``.venv/`` (outside the copy) and ``data/`` stay."""
    removed = sorted((project / "book").rglob("*.ipynb"))
    removed += [p for p in (project / "_build", *project.glob(".tmp-*"), project / ".jupyter_cache")
                if p.exists()]
    for path in removed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    if report:
        notebooks = sum(1 for p in removed if p.suffix == ".ipynb")
        others = [str(p.relative_to(project)) for p in removed if p.suffix != ".ipynb"]
        print(f"  clean: removed {notebooks} executed notebooks (chapters and profiles) and "
              f"{', '.join(others) or 'no other build output'}", flush=True)


def _executable_book(project: Path, target: Path) -> None:
    """A copy of the project for Jupyter Book's own execution path: the same table of contents, with
    every chapter and profile as an unexecuted notebook (template with its parameters filled in)."""
    import nbformat

    from .book.runner import planned_notebooks, read_template

    shutil.copytree(project, target, ignore=IGNORE)
    _clean(target)
    for task in planned_notebooks():
        notebook = read_template(task.template)
        for cell in notebook.cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in sorted(task.parameters.items()))
        path = target / "book" / task.output
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)
    config = target / "_config.yml"
    config.write_text(config.read_text().replace('execute_notebooks: "off"', 'execute_notebooks: "force"'))


def _touch_markdown_cell(template: Path, counter: list[int]) -> None:
    """Change the prose of a MyST template (a comment at its end), as a one-chapter edit does."""
    counter[0] += 1
    lines = [line for line in template.read_text(encoding="utf-8").splitlines() if not line.startswith("<!-- bench")]
    template.write_text("\n".join(lines) + f"\n<!-- bench {counter[0]} -->\n", encoding="utf-8")


def _jupyter_book_force(project: Path, scratch: Path) -> float:
    """Jupyter Book's own path: ``execute_notebooks: force`` on the same notebooks, from clean."""
    target = scratch / "jb-force"
    shutil.rmtree(target, ignore_errors=True)
    _executable_book(project, target)
    executable = str(Path(sys.executable).parent / "jupyter-book")
    try:
        return _run([executable, "build", str(target), "--path-output", str(target / "out")], target)
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _synthetic_panel(entities: int, years: int, drivers: list[str], seed: int = 20261122) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product([[f"GM{i:05d}" for i in range(entities)], range(2015, 2015 + years)],
                                       names=["gm_code", "year"])
    data = pd.DataFrame(rng.normal(size=(len(index), len(drivers))), index=index, columns=drivers)
    effect = np.repeat(rng.normal(size=entities), years)
    data["log_cost_per_youth"] = data.to_numpy() @ rng.normal(scale=0.1, size=len(drivers)) + effect \
        + rng.normal(scale=0.2, size=len(index))
    data["jz_region_code"] = np.repeat([f"JZ{i % 42:02d}" for i in range(entities)], years)
    return data


def model_layer_seconds(runs: int) -> tuple[float, float, int]:
    """Median time of the six models on the real panel and on a synthetic 10x wider panel."""
    from .analysis import estimation, models
    from .analysis import panel as P
    from .data.snapshot import load_snapshot

    est = estimation.estimate(load_snapshot(), mundlak=False)
    real = _median(runs, lambda: None, lambda: _time(lambda: estimation.estimate(load_snapshot(), mundlak=False)))
    entities = 10 * est.sample.index.get_level_values("gm_code").nunique()
    synthetic = _synthetic_panel(entities, 10, list(P.DRIVER_NAMES))
    wide = _median(runs, lambda: None, lambda: _time(
        lambda: models.fit_models(synthetic, "log_cost_per_youth", list(P.DRIVER_NAMES))))
    return real, wide, entities


def _time(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run(runs: int = 3, with_tests: bool = False) -> dict[str, float]:
    """Run the benchmark and print a table of median seconds."""
    results: dict[str, float] = _Results()
    with tempfile.TemporaryDirectory(prefix="jz-bench-") as scratch:
        project = _copy_project(Path(scratch))
        print(f"benchmark in a scratch copy: {project} (median of {runs} runs)", flush=True)
        _clean(project, report=True)
        results["clean build"] = _median(runs, lambda: _clean(project), lambda: _book(project))
        results["no-op rebuild"] = _median(runs, lambda: None, lambda: _book(project))
        counter = [0]
        template = project / "analysis" / "templates" / "trends.md"
        results["one-chapter edit"] = _median(runs, lambda: _touch_markdown_cell(template, counter),
                                              lambda: _book(project))
        intro = project / "book" / "intro.md"
        results["Markdown-only edit"] = _median(
            runs, lambda: intro.write_text(intro.read_text() + "\n"), lambda: _book(project))
        results["nbval run"] = _median(runs, lambda: None, lambda: _run(
            [sys.executable, "-m", "pytest", "book", "--nbval", "--nbval-current-env", "-q",
             "-p", "no:cacheprovider"], project))
        results["PDF edition (make.py pdf)"] = _median(runs, lambda: None, lambda: _run(
            [sys.executable, "-m", "jeugdzorg.cli", "pdf"], project))
        results["browser test (with its strict HTML build)"] = _median(runs, lambda: None, lambda: _run(
            [sys.executable, "-m", "pytest", "tests/book/test_browser.py", "-q", "-p", "no:cacheprovider"],
            project))
        results["Jupyter Book execute_notebooks: force"] = _median(
            runs, lambda: None, lambda: _jupyter_book_force(project, Path(scratch)))
        if with_tests:
            results["whole test command"] = _run([sys.executable, "-m", "jeugdzorg.cli", "test", "-q"], project)
        # The scratch copy is deleted on leaving this block.
    real, wide, entities = model_layer_seconds(runs)
    results["model layer, real panel (6 models)"] = real
    results[f"model layer, synthetic {entities} x 10 panel (6 models)"] = wide
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    width = max(len(k) for k in results)
    print(f"\n{'measurement':<{width}}  median seconds")
    for name, seconds in results.items():
        print(f"{name:<{width}}  {seconds:8.2f}")
    ratio = results["clean build"] / results["Jupyter Book execute_notebooks: force"]
    print(f"\nclean build / Jupyter Book execution, same table of contents from clean: {ratio:.2f} "
          "(target <= 0.5)")
    if "whole test command" in results:
        print(f"whole test command: {results['whole test command'] / 60:.1f} minutes (budget 15)")
    print(f"peak memory of a child process: {peak:,.0f} MiB")
    return results
