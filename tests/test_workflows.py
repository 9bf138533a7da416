"""The GitHub workflows, checked statically (they cannot run here): actionlint finds no error, CI runs
the README's test command on push and pull request with the oldest and the newest supported Python,
caches what it downloads and uploads logs and notebooks when it fails, the pins are resolved afresh
on a schedule, the book is published to Pages from the committed snapshot, links are checked on a
schedule, every job gets only the permissions it needs, and everything they run is pinned: actions by
commit SHA, containers by full version tag, updates proposed by Dependabot within the holds."""

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
    assert [f.name for f in files] == ["ci.yml", "fresh.yml", "linkcheck.yml", "publish.yml"]
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


def supported_pythons() -> tuple[str, str]:
    from jeugdzorg.book.provenance import supported_pythons

    return supported_pythons()


def test_ci_runs_the_readme_test_command_with_the_oldest_and_newest_python():
    ci = load("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request"}
    (job,) = ci["jobs"].values()
    assert job["container"] == "${{ matrix.image }}"
    matrix = job["strategy"]["matrix"]["include"]
    assert [entry["python"] for entry in matrix] == list(supported_pythons())
    for entry in matrix:
        assert entry["image"].startswith(f"python:{entry['python']}."), entry
    assert job["strategy"]["fail-fast"] is False  # one Python's failure does not hide the other's
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[-1] == "python3 make.py test"
    assert not any("make.py" in run for run in runs[:-1])  # the other steps only prepare the caches
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 make.py test" in readme
    assert (PROJECT_ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "exec python3 make.py test"


def _uses(step: dict, action: str) -> bool:
    return step.get("uses", "").startswith(f"actions/{action}@")


@pytest.mark.parametrize("name", ["ci.yml", "fresh.yml"])
def test_a_failing_run_uploads_its_logs_and_executed_notebooks(name):
    (job,) = load(name)["jobs"].values()
    steps = job["steps"]
    test = next(i for i, step in enumerate(steps) if step.get("run") == "python3 make.py test")
    (upload,) = [step for step in steps[test + 1:] if _uses(step, "upload-artifact")]
    assert upload["if"] == "failure()"
    paths = upload["with"]["path"].splitlines()
    assert "book/*.ipynb" in paths and "_build/**/*.log" in paths
    assert any(path.startswith("/tmp/pytest-of-") for path in paths)  # what the tests built in scratch


@pytest.mark.parametrize("name", ["ci.yml", "fresh.yml"])
def test_tex_live_chromium_and_the_pip_downloads_are_cached_between_runs(name):
    (job,) = load(name)["jobs"].values()
    steps = job["steps"]
    test = next(i for i, step in enumerate(steps) if step.get("run") == "python3 make.py test")
    (cache,) = [step for step in steps[:test] if _uses(step, "cache")]
    paths = cache["with"]["path"].splitlines()
    assert "/var/cache/apt/archives/*.deb" in paths  # TeX Live and chromium, installed by make.py test
    assert "${{ env.PIP_CACHE_DIR }}" in paths and job["env"]["PIP_CACHE_DIR"]  # the wheels, actionlint too
    assert "${{ matrix.image }}" in cache["with"]["key"]
    # The Python images delete apt's downloads; a step before the cache keeps them.
    keep = [step["run"] for step in steps[:test] if "Keep-Downloaded-Packages" in step.get("run", "")]
    assert keep and "docker-clean" in keep[0]


def test_the_pins_are_resolved_afresh_on_a_schedule_and_tested():
    fresh = load("fresh.yml")
    assert set(fresh["on"]) == {"schedule", "workflow_dispatch"}
    (job,) = fresh["jobs"].values()
    assert [entry["python"] for entry in job["strategy"]["matrix"]["include"]] == list(supported_pythons())
    runs = [step["run"] for step in job["steps"] if "run" in step and "make.py" in step["run"]]
    assert runs[0].startswith("python3 make.py lock --upgrade") and "GITHUB_STEP_SUMMARY" in runs[0]
    assert runs[1:] == ["python3 make.py test"]


def test_every_action_is_pinned_by_commit_sha_with_its_release_in_a_comment():
    pinned = re.compile(r"^\s*-?\s*uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>\S+)(?:\s+#\s*(?P<release>\S+))?\s*$")
    found = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"^\s*-?\s*uses:", line):
                match = pinned.match(line)
                assert match, f"{path.name}: {line.strip()}"
                assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"{path.name}: not a commit SHA: {line.strip()}"
                assert match["release"] and re.fullmatch(r"v\d+(\.\d+){0,2}", match["release"]), \
                    f"{path.name}: no release comment: {line.strip()}"
                found += 1
    assert found >= 8


def test_every_container_is_a_fixed_image():
    """A full version tag (python:3.11.14-bookworm) or a digest, never a moving tag like python:3.11."""
    fixed = re.compile(r"python:\d+\.\d+\.\d+-[a-z]+(@sha256:[0-9a-f]{64})?|[\w./-]+@sha256:[0-9a-f]{64}")
    images = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in load(path.name)["jobs"].values():
            container = job.get("container")
            if container == "${{ matrix.image }}":
                images += [entry["image"] for entry in job["strategy"]["matrix"]["include"]]
            elif container is not None:
                images.append(container)
    assert len(images) >= 6
    assert [image for image in images if not fixed.fullmatch(image)] == []


def test_dependabot_updates_actions_and_pins_and_holds_what_requirements_hold():
    config = yaml.safe_load((PROJECT_ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    updates = {entry["package-ecosystem"]: entry for entry in config["updates"]}
    assert set(updates) >= {"github-actions", "pip"}
    ignored = {entry["dependency-name"]: entry["versions"] for entry in updates["pip"].get("ignore", [])}
    holds = dict(re.findall(r"^([A-Za-z0-9._-]+)==\S+\s+#\s*hold:\s*<(\S+)",
                            (PROJECT_ROOT / "requirements.txt").read_text(), re.MULTILINE))
    assert holds == {"jupyter-book": "2"}
    assert ignored == {name: [f">={bound}"] for name, bound in holds.items()}


def test_publish_builds_from_the_committed_snapshot_and_deploys_to_pages():
    publish = load("publish.yml")
    assert publish["on"]["push"]["branches"] == ["main"]
    build, deploy = publish["jobs"]["build"], publish["jobs"]["deploy"]
    assert build["container"].startswith(f"python:{supported_pythons()[0]}.")
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


@pytest.mark.parametrize("name", ["ci.yml", "fresh.yml", "publish.yml", "linkcheck.yml"])
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