"""The package's layers, enforced from the code's imports (import-linter), and the test of that test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from jeugdzorg.paths import PACKAGE_DIR, PROJECT_ROOT

LAYERS = ("book", "analysis", "data")


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """Run the contract of pyproject.toml on the ``jeugdzorg`` package found in ``package_parent``."""
    executable = Path(sys.executable).parent / "lint-imports"
    return subprocess.run([str(executable), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=package_parent, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(package_parent)})


def test_the_package_keeps_its_layers():
    result = lint_imports(PACKAGE_DIR.parent)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_contract(tmp_path):
    """A deliberately violating copy of the package: the data layer imports the book layer."""
    copy = tmp_path / "jeugdzorg"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "data" / "violation.py").write_text("from ..book import publish  # a lower layer reaching up\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "jeugdzorg.data.violation" in result.stdout


def test_every_module_sits_in_a_layer():
    """New modules go into a layer folder; only the base modules and the command line sit at the top."""
    top = sorted(p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__")
    assert top == ["atomic", "build_record", "build_timing", "cli", "errors", "fingerprint", "paths"]
    assert sorted(p.name for p in PACKAGE_DIR.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(LAYERS)
