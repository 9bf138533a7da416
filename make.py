#!/usr/bin/env python3
"""Single entry point of the project.

    python3 make.py book    build the whole book from the data (creates the environment on first use)
    python3 make.py test    run every test: unit tests, nbval over book/, strict book build

Only the standard library is used here: this script creates the pinned environment in ``.venv``
(from ``requirements.txt`` constrained by ``requirements-lock.txt``), installs the project's package
into it, and hands over to ``jeugdzorg.cli`` inside that environment.  Run
``python3 make.py --help`` for every command and option.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("JZ_VENV", ROOT / ".venv"))
STAMP = VENV / "jeugdzorg-environment.sha256"
ENV_FILES = ("requirements.txt", "requirements-lock.txt", "pyproject.toml")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def environment_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ENV_FILES:
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.split()[0].encode())
    return digest.hexdigest()


def run(cmd: list[str]) -> None:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def ensure_environment() -> None:
    """Create or update ``.venv`` when the requirement files changed since it was built."""
    fingerprint = environment_fingerprint()
    if venv_python().exists() and STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return
    if sys.version_info[:2] != (3, 11):
        print(f"warning: the pins were made for Python 3.11; this is {sys.version.split()[0]}", flush=True)
    print(f"==> Preparing the environment in {VENV.name}/ (first run: a few minutes)", flush=True)
    if not venv_python().exists():
        venv.create(VENV, with_pip=True)
    py = venv_python()
    run([py, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "on",
         "-r", ROOT / "requirements.txt", "-c", ROOT / "requirements-lock.txt"])
    # Editable install without build isolation: setuptools of the venv suffices, no extra download.
    run([py, "-m", "pip", "install", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--editable", ROOT])
    STAMP.write_text(fingerprint + "\n")
    print("==> Environment ready", flush=True)


def inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def main() -> None:
    if not inside_venv():
        ensure_environment()
        py = str(venv_python())
        os.execv(py, [py, str(ROOT / "make.py"), *sys.argv[1:]])
    from jeugdzorg.cli import main as cli_main

    sys.exit(cli_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
