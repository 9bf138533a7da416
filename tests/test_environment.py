"""The three descriptions of the environment agree, and every dependency is pinned."""

from __future__ import annotations

import re

import yaml

from jeugdzorg.paths import PROJECT_ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)$")


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = PIN.match(line)
        assert match, f"not pinned with ==: {line!r}"
        pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


def requirements() -> dict[str, str]:
    return _pins((PROJECT_ROOT / "requirements.txt").read_text().splitlines())


def test_environment_yml_pins_exactly_the_requirements():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == requirements()
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python=")]
    assert python == ["python=3.11"]


def test_lock_file_pins_every_requirement_at_the_same_version():
    lock = _pins((PROJECT_ROOT / "requirements-lock.txt").read_text().splitlines())
    for name, version in requirements().items():
        assert lock.get(name) == version, name


def test_installed_versions_are_the_pinned_ones():
    from importlib import metadata

    for name, version in requirements().items():
        assert metadata.version(name) == version, name


def test_test_command_passes_options_to_pytest(monkeypatch):
    import subprocess

    import pytest

    from jeugdzorg import cli

    calls = []
    monkeypatch.setattr(cli.subprocess, "run",
                        lambda command, **kwargs: calls.append(command) or subprocess.CompletedProcess(command, 0))
    assert cli.main(["test", "-k", "mergers", "-x"]) == 0
    assert calls[0][-3:] == ["-k", "mergers", "-x"]
    assert "--nbval" in calls[0] and "tests" in calls[0] and "book" in calls[0]
    with pytest.raises(SystemExit):
        cli.main(["import", "--no-such-option"])
