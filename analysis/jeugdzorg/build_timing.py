"""Build-speed benchmark: ``python3 make.py benchmark [--runs N]``.

Everything runs in a scratch copy of the project (so the real ``book/`` and ``_build/`` are never
touched) and prints the median wall time of ``--runs`` repetitions of:

* a clean build: everything a build produces is removed -- executed notebooks of the chapters, the
  municipality pages (``book/profiles.md``, ``book/profiles/``), ``_build/``, staging and caches --
  and only the environment and ``data/`` stay,
* a no-op rebuild (with the record of the last complete build, and without it: every check by
  content, :mod:`jeugdzorg.build_record`), a one-chapter edit (one template changed), a Markdown-only
  edit,
* the nbval run over the executed notebooks,
* the PDF edition of the chapters (``make.py pdf``, xelatex) and the browser test (strict HTML build,
  then every chapter and a sample of profiles in headless chromium),
* Jupyter Book's own execution path (``execute_notebooks: force``) on the same table of contents:
  every chapter as an unexecuted notebook with its parameters filled in (the municipality pages are
  Markdown, the same in both),
* the municipality pages: all of them from clean (computing every municipality's numbers once and
  writing pages, CSV files and figures), the HTML of the whole book with them, the size of the built
  site, and how many page files a rewrite touches after nothing changed and after one municipality's
  cost changed,
* the growth of the git pack when a new data edition is committed (``git gc`` before and after; the
  edition simulated as in ``tests/edition.py``): its replaced raw files and their provenance entries
  in ``raw/``, the snapshot and the book rebuilt from them,
* the model layer on the real panel and on a synthetic panel ten times wider,

plus the peak memory of the child processes and the whole test command (once, ``--with-tests``).
Targets (2-core machine, median wall time; each is printed beside its measurement with the CPU
seconds, which a machine busy with other work hardly changes): no-op rebuild < 2 s, Markdown-only
edit < 10 s, one-chapter edit < 20 s, clean build <= 0.5 x Jupyter Book's execution, the test command
from a fresh clone <= 8 minutes (``--with-tests``, with pytest's ``--durations`` to show where the time
goes), model layer < 2 s at 3,500 municipalities x 10 years; the 342 municipality pages <= 5 minutes
of execution and <= 5 minutes of HTML from clean, and a new edition <= 10 MB of git pack growth,
its raw files included.
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

from .build_record import RECORD
from .paths import PROJECT_ROOT

IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache", "*.egg-info",
                                ".tmp-*")


def copy_project(target: Path) -> Path:
    """A scratch copy of the project in ``target``/project: sources, ``book/``, ``data/``; no
    environment, build output, git history or caches."""
    project = target / "project"
    shutil.copytree(PROJECT_ROOT, project, ignore=IGNORE)
    return project


def scratch_env(project: Path) -> dict[str, str]:
    """The environment in which commands run on a scratch copy: its package, not the project's."""
    env = dict(os.environ)
    # The copy's package shadows the editable install, so every path resolves inside the copy.
    env["PYTHONPATH"] = str(project / "analysis")
    return env


def _run(command: list[str], project: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=scratch_env(project), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def _test_command(project: Path) -> float:
    """The whole test command, as from a fresh clone; prints pytest's 30 slowest steps and its summary."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "jeugdzorg.cli", "test", "-q", "--durations=30"], cwd=project,
                            env=scratch_env(project), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    report = result.stdout.split("slowest 30 durations", 1)
    print(("  slowest 30 durations" + report[1] if len(report) == 2 else result.stdout[-3000:]).rstrip(), flush=True)
    if result.returncode != 0:
        raise RuntimeError(f"the test command failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def _book(project: Path) -> float:
    return _run([sys.executable, "-m", "jeugdzorg.cli", "book"], project)


class Timing(float):
    """Median wall seconds, with the median CPU seconds (user and system, this process and every
    child) beside them: on a machine shared with other work the wall time grows, the CPU time hardly."""

    cpu: float

    def __new__(cls, wall: float, cpu: float) -> Timing:
        timing = super().__new__(cls, wall)
        timing.cpu = cpu
        return timing


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _median(runs: int, prepare: Callable[[], None], measure: Callable[[], float]) -> Timing:
    times, cpu = [], []
    for _ in range(runs):
        prepare()
        before = _cpu_seconds()
        times.append(measure())
        cpu.append(_cpu_seconds() - before)
    return Timing(statistics.median(times), statistics.median(cpu))


#: Targets on a 2-core machine (median wall seconds), printed beside each measurement.
TARGETS: dict[str, float] = {
    "no-op rebuild": 2,
    "Markdown-only edit": 10,
    "one-chapter edit": 20,
    "municipality pages from clean (342, compute and write)": 300,
    "HTML of the whole book with the 342 pages, from a clean state (make.py html --force)": 300,
    "whole test command": 8 * 60,
}
#: Clean build against Jupyter Book's own execution of the same table of contents.
CLEAN_RATIO_TARGET = 0.5


def _verdict(seconds: float, target: float) -> str:
    return f"target < {target:g} s: {'met' if seconds < target else 'NOT MET'}"


class _Results(dict):
    """Prints each measurement as soon as it is known, so a late failure loses nothing."""

    def __setitem__(self, key: str, value: float) -> None:
        super().__setitem__(key, value)
        cpu = f" (CPU {value.cpu:.1f} s)" if isinstance(value, Timing) else ""
        target = f"  [{_verdict(value, TARGETS[key])}]" if key in TARGETS else ""
        print(f"  {key}: {value:.2f} s{cpu}{target}", flush=True)


def _clean(project: Path, report: bool = False) -> None:
    """Remove everything a build produces: executed notebooks, the municipality pages, the HTML,
    staging and temporary paths, caches.  Only ``.venv/`` (outside the copy) and ``data/`` stay."""
    removed = sorted((project / "book").rglob("*.ipynb"))
    removed += [p for p in (project / "book" / "profiles", project / "book" / "profiles.md", project / "_build",
                            *project.glob(".tmp-*"), project / ".jupyter_cache") if p.exists()]
    for path in removed:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    if report:
        notebooks = sum(1 for p in removed if p.suffix == ".ipynb")
        others = [str(p.relative_to(project)) for p in removed if p.suffix != ".ipynb"]
        print(f"  clean: removed {notebooks} executed notebooks and "
              f"{', '.join(others) or 'no other build output'}", flush=True)


def _executable_book(project: Path, target: Path) -> None:
    """A copy of the project for Jupyter Book's own execution path: the same table of contents, with
    every chapter and profile as an unexecuted notebook (template with its parameters filled in)."""
    import nbformat

    from .book.runner import planned_notebooks, read_template

    shutil.copytree(project, target, ignore=IGNORE)
    _clean(target)
    # The municipality pages are Markdown: the same files in both paths (only notebooks are executed).
    shutil.copytree(project / "book" / "profiles", target / "book" / "profiles")
    shutil.copy2(project / "book" / "profiles.md", target / "book" / "profiles.md")
    for task in planned_notebooks():
        if task.output.endswith("/") or not task.output.endswith(".ipynb"):
            continue
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


def _python(project: Path, code: str) -> str:
    """Run ``code`` with the project copy's package and return what it prints."""
    result = subprocess.run([sys.executable, "-c", code], cwd=project, env=scratch_env(project), capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{code[:200]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


_PAGES_FROM_CLEAN = """
import shutil, time
from jeugdzorg.book.runner import execute_all
from jeugdzorg.paths import BOOK_DIR
shutil.rmtree(BOOK_DIR / "profiles", ignore_errors=True)
(BOOK_DIR / "profiles.md").unlink(missing_ok=True)
start = time.perf_counter()
execute_all(only=["profiles"], force=True, progress=lambda _: None)
print(time.perf_counter() - start)
"""

_PAGES_REWRITE = """
from jeugdzorg.book import profile_pages
from jeugdzorg.book.runner import load_params
from jeugdzorg.data.snapshot import load_snapshot
from jeugdzorg.paths import BOOK_DIR
tables = load_snapshot()
if {edit!r} == "cost":  # a realised cost: national medians and the need model move, so every page does
    costs = tables["costs"]
    row = costs.index[(costs["gm_code"] == "GM0233") & (costs["year"] == costs["year"].max())]
    costs.loc[row, "realised_keur"] *= 1.10
elif {edit!r} == "accounts":  # one line of one municipality's accounts: its page only
    care = tables["care_mix"]
    row = care.index[(care["gm_code"] == "GM0233") & (care["kind"] == "realised")
                     & (care["category"] == "protection and probation")]
    care.loc[row, "lasten_keur"] *= 1.05
changes = profile_pages.write_pages(profile_pages.generate(tables, load_params()["parameters"]), BOOK_DIR)
print(len(changes.written), sum(1 for f in changes.written if f.endswith(".md")))
"""


def _pages(project: Path, runs: int, results: dict[str, float]) -> None:
    """The municipality pages: from clean, the HTML with them, site size, files a rewrite touches."""
    results["municipality pages from clean (342, compute and write)"] = _median(
        runs, lambda: None, lambda: float(_python(project, _PAGES_FROM_CLEAN)))
    results["HTML of the whole book with the 342 pages, from a clean state (make.py html --force)"] = _median(
        runs, lambda: None, lambda: _run([sys.executable, "-m", "jeugdzorg.cli", "html", "--force"], project))
    html = project / "_build" / "html"
    size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    pages = sum(p.stat().st_size for p in (html / "book" / "profiles").rglob("*") if p.is_file())
    print(f"  built site: {size / 1e6:.1f} MB, of which the municipality pages {pages / 1e6:.1f} MB "
          f"({len(list((html / 'book' / 'profiles').glob('GM*.html')))} pages)", flush=True)
    unchanged = _python(project, _PAGES_REWRITE.format(edit="")).split()
    accounts = _python(project, _PAGES_REWRITE.format(edit="accounts")).split()
    _python(project, _PAGES_REWRITE.format(edit=""))  # back to the pages of the snapshot
    cost = _python(project, _PAGES_REWRITE.format(edit="cost")).split()
    _python(project, _PAGES_REWRITE.format(edit=""))
    print(f"  page files rewritten: {unchanged[0]} when nothing changed; {accounts[0]} ({accounts[1]} page) after one "
          f"line of one municipality's accounts changed; {cost[0]} ({cost[1]} pages) after one municipality's cost "
          "changed (the national medians and the need model move: every page's numbers change)", flush=True)


_NEW_EDITION = """
import shutil, sys
from pathlib import Path
from tests.conftest import RawCopy
from tests.edition import simulate_new_edition
raw = RawCopy(Path(sys.argv[1]), Path(sys.argv[2]))
simulate_new_edition(raw)
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _pack_kib(repo: Path) -> int:
    _git(repo, "gc", "--quiet")
    stats = dict(line.split(": ", 1) for line in _git(repo, "count-objects", "-v").splitlines())
    return int(stats["size-pack"])


def git_growth(project: Path) -> tuple[float, float]:
    """Pack growth (MB) of committing a simulated new data edition -- its raw files in ``raw/``, the
    snapshot and the book rebuilt from them --: the whole project, and the municipality pages alone."""
    raw = project / "raw"
    repos = {"all": project / ".git", "pages": project.parent / "pages-repo"}
    pages = lambda: [(p, p.relative_to(project)) for p in [project / "book" / "profiles.md",  # noqa: E731
                                                           *(project / "book" / "profiles").glob("*")]]

    def commit(message: str) -> dict[str, int]:
        target = repos["pages"]
        shutil.rmtree(target / "book", ignore_errors=True)
        for source, relative in pages():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
        out = {}
        for name, repo in (("all", project), ("pages", target)):
            _git(repo, "add", "-A")
            _git(repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", message)
            out[name] = _pack_kib(repo)
        return out

    repos["pages"].mkdir(exist_ok=True)
    for repo in (project, repos["pages"]):
        _git(repo, "init", "-q")
    # the scratch copy keeps the project's .gitignore (_build/, .venv/ ...)
    before = commit("edition as committed")
    edition = project.parent / "edition-raw"
    _python(project, _NEW_EDITION.replace("sys.argv[1]", repr(str(raw))).replace("sys.argv[2]", repr(str(edition))))
    # The edition arrives as an analyst adds it: replaced raw files and their provenance entries in
    # raw/, committed together with the snapshot and the book rebuilt from them.
    for path in edition.rglob("*"):
        if path.is_file() and not path.is_symlink():
            shutil.copyfile(path, raw / path.relative_to(edition))
    _run([sys.executable, "-m", "jeugdzorg.cli", "book"], project)
    after = commit("a new edition")
    return (after["all"] - before["all"]) / 1024, (after["pages"] - before["pages"]) / 1024


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


def run(runs: int = 3, with_tests: bool = False, builds_only: bool = False) -> dict[str, float]:
    """Run the benchmark and print a table of median seconds.

    ``builds_only``: only what an author feels -- one clean build, then the no-op rebuild, the
    one-chapter and the Markdown-only edit (``runs`` times each).
    """
    results: dict[str, float] = _Results()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="jz-bench-") as scratch:
        project = copy_project(Path(scratch))
        print(f"benchmark in a scratch copy: {project} (median of {runs} runs)", flush=True)
        _clean(project, report=True)
        results["clean build"] = _median(1 if builds_only else runs, lambda: _clean(project), lambda: _book(project))
        results["no-op rebuild"] = _median(runs, lambda: None, lambda: _book(project))
        # The same without the record of the last complete build: every check by content.
        record = project / RECORD.relative_to(PROJECT_ROOT)
        results["no-op rebuild, checked by content (no record of the last build)"] = _median(
            runs, lambda: record.unlink(missing_ok=True), lambda: _book(project))
        counter = [0]
        template = project / "analysis" / "templates" / "trends.md"
        results["one-chapter edit"] = _median(runs, lambda: _touch_markdown_cell(template, counter),
                                              lambda: _book(project))
        intro = project / "book" / "intro.md"
        results["Markdown-only edit"] = _median(
            runs, lambda: intro.write_text(intro.read_text() + "\n"), lambda: _book(project))
        if builds_only:
            _summary(results, load)
            return results
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
        _pages(project, runs, results)
        if with_tests:
            results["whole test command"] = _median(1, lambda: None, lambda: _test_command(project))
        growth = git_growth(project)
        # The scratch copy is deleted on leaving this block.
    real, wide, entities = model_layer_seconds(runs)
    results["model layer, real panel (6 models)"] = real
    results[f"model layer, synthetic {entities} x 10 panel (6 models)"] = wide
    _summary(results, load)
    print(f"git pack growth of a new data edition (git gc before and after), its raw files included: "
          f"{growth[0]:.1f} MB in all, {growth[1]:.1f} MB for the municipality pages (target <= 10 MB)")
    return results


def _summary(results: dict[str, float], load: tuple[float, float, float]) -> None:
    """The table of every measurement beside its target, and the conditions it was measured in."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    width = max(len(k) for k in results)
    print(f"\n{'measurement':<{width}}  median wall s   CPU s   target")
    for name, seconds in results.items():
        cpu = f"{seconds.cpu:7.1f}" if isinstance(seconds, Timing) else " " * 7
        target = _verdict(seconds, TARGETS[name]) if name in TARGETS else ""
        print(f"{name:<{width}}  {seconds:13.2f}  {cpu}   {target}")
    if "Jupyter Book execute_notebooks: force" in results:
        ratio = results["clean build"] / results["Jupyter Book execute_notebooks: force"]
        print(f"\nclean build / Jupyter Book execution, same table of contents from clean: {ratio:.2f} "
              f"(target <= {CLEAN_RATIO_TARGET}: {'met' if ratio <= CLEAN_RATIO_TARGET else 'NOT MET'})")
    if "whole test command" in results:
        minutes = results["whole test command"] / 60
        print(f"whole test command: {minutes:.1f} minutes (target <= {TARGETS['whole test command'] / 60:g}: "
              f"{'met' if minutes * 60 <= TARGETS['whole test command'] else 'NOT MET'})")
    print(f"peak memory of a child process: {peak:,.0f} MiB")
    print(f"load average at the start and the end (1 minute): {load[0]:.1f}, {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores -- wall times above the targets under load: compare the CPU seconds")
