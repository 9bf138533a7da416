"""The GitHub workflows, checked statically (they cannot run here): actionlint finds no error, CI runs
the README's test command in a python:3.11 Debian container on push and pull request, the book is
published to Pages from the committed snapshot, links are checked on a schedule, and every job gets
only the permissions it needs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jeugdzorg.paths import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).parent / "actionlint"
    if not executable.is_file():
        pytest.fail("actionlint is missing from the environment (pinned in requirements.txt)")
    return subprocess.run([str(executable), "-no-color", *map(str, files)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT)


def load(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_actionlint_finds_nothing_in_the_workflows():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["ci.yml", "linkcheck.yml", "publish.yml"]
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The test of the test: an unknown permission and a typo in an expression."""
    broken = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    broken = broken.replace("contents: read", "contents: reed").replace("${{ github.ref }}", "${{ github.reff }}")
    target = tmp_path / ".github" / "workflows" / "ci.yml"
    target.parent.mkdir(parents=True)
    target.write_text(broken, encoding="utf-8")
    result = actionlint(target)
    assert result.returncode != 0
    assert "reed" in result.stdout and "reff" in result.stdout


def test_ci_runs_the_readme_test_command_on_push_and_pull_request_in_python_311():
    ci = load("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    (job,) = ci["jobs"].values()
    assert job["container"] == "python:3.11"
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["python3 make.py test"]
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 make.py test" in readme


def test_publish_builds_from_the_committed_snapshot_and_deploys_to_pages():
    publish = load("publish.yml")
    assert publish["on"]["push"]["branches"] == ["main"]
    build, deploy = publish["jobs"]["build"], publish["jobs"]["deploy"]
    assert build["container"] == "python:3.11"
    assert [s["run"] for s in build["steps"] if "run" in s] == ["python3 make.py book"]
    assert not any("--raw-dir" in s.get("run", "") or "fetch" in s.get("run", "") for s in build["steps"])
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])


def test_links_are_checked_on_a_schedule():
    linkcheck = load("linkcheck.yml")
    assert re.fullmatch(r"[\d*/,-]+ [\d*/,-]+ [\d*/,-]+ [\d*/,-]+ [\d*/,-]+", linkcheck["on"]["schedule"][0]["cron"])
    assert [s["run"] for s in _steps(linkcheck) if "run" in s] == ["python3 make.py linkcheck"]


@pytest.mark.parametrize("name", ["ci.yml", "publish.yml", "linkcheck.yml"])
def test_every_job_has_least_privilege(name):
    """Read-only by default; only the Pages deployment may write, and only to Pages."""
    workflow = load(name)
    top = workflow.get("permissions")
    assert top in ({}, {"contents": "read"}), f"{name}: workflow permissions {top}"
    for job_name, job in workflow["jobs"].items():
        granted = {**(top or {}), **(job.get("permissions") or {})}
        writes = {scope for scope, level in granted.items() if level == "write"}
        expected = {"pages", "id-token"} if (name, job_name) == ("publish.yml", "deploy") else set()
        assert writes == expected, f"{name}/{job_name} may write {writes}"
        assert granted, f"{name}/{job_name} falls back to the default token permissions"
    for step in _steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{name}: checkout keeps the token"


def test_nothing_needs_data_from_outside_the_repository():
    """A clone anywhere (a reviewer's CI) has every input: the raw files live in raw/, so no code or
    test names the folder beside the project they were once read from."""
    outside = "/".join(["..", "shared"])
    files = [PROJECT_ROOT / "make.py", *(PROJECT_ROOT / "analysis").rglob("*.py"),
             *(PROJECT_ROOT / "analysis").rglob("*.yml"), *(PROJECT_ROOT / "tests").rglob("*.py")]
    naming = [str(p.relative_to(PROJECT_ROOT)) for p in files if outside in p.read_text(encoding="utf-8")]
    assert naming == []