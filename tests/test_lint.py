"""ruff finds no defect in the package, the tests and make.py (rules in pyproject.toml, [tool.ruff])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jeugdzorg.paths import PROJECT_ROOT


def ruff(*arguments: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).parent / "ruff"
    if not executable.is_file():
        pytest.fail("ruff is missing from the environment (pinned in requirements.txt)")
    return subprocess.run([str(executable), "check", "--no-cache", "--output-format", "concise", *arguments],
                          capture_output=True, text=True, cwd=cwd)


def test_ruff_finds_nothing():
    result = ruff("analysis", "tests", "make.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_the_defects_it_is_configured_for(tmp_path):
    """The test of the test: with the project's settings, an unused import, an undefined name and a
    closure over a loop variable are reported."""
    module = tmp_path / "defects.py"
    module.write_text("import os\n\n\ndef f():\n    return [lambda: i for i in range(3)] + [undefined]\n")
    result = ruff("--config", str(PROJECT_ROOT / "pyproject.toml"), str(module), cwd=tmp_path)
    assert result.returncode == 1
    assert {"F401", "F821", "B023"} <= {line.split()[1] for line in result.stdout.splitlines() if ": " in line}
