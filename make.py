#!/usr/bin/env python3
"""Single entry point of the project.

    python3 make.py book    build the whole book from the data (creates the environment on first use)
    python3 make.py test    run every test: unit tests, nbval over book/, strict book build

Only the standard library is used here: this script stops at once on a Python that
``requires-python`` in ``pyproject.toml`` excludes, creates the pinned environment in ``.venv`` (every
package from ``requirements-lock.txt``, hash-checked, from wheels), installs the project's package
into it, installs the Debian packages a command needs beyond Python when they are missing (the PDF
edition needs xelatex, the browser test Debian's chromium), and hands over to ``jeugdzorg.cli``
inside that environment.  Run ``python3 make.py --help`` for every command and option.
"""

# No ``from __future__`` import and nothing newer than Python 3.6 before the version check below: an
# old Python must reach it and stop with one line, not with a SyntaxError or a traceback.
import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("JZ_VENV", ROOT / ".venv"))
STAMP = VENV / "jeugdzorg-environment.sha256"
ENV_FILES = ("requirements.txt", "requirements-lock.txt", "pyproject.toml")
LOCK = ROOT / "requirements-lock.txt"


def supported_pythons():
    """The first and the last Python minor version ``requires-python`` of pyproject.toml allows.

    Read with a regular expression, not tomllib: this runs before the version check, on any Python 3.
    """
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    spec = re.search(r'^requires-python\s*=\s*"([^"]*)"', text, re.MULTILINE).group(1)
    low = re.search(r">=\s*(\d+)\.(\d+)", spec)
    below = re.search(r"<\s*(\d+)\.(\d+)", spec)
    return (int(low.group(1)), int(low.group(2))), (int(below.group(1)), int(below.group(2)) - 1)


def check_python_version():
    """Stop at once, with one line, on a Python the pins do not support."""
    first, last = supported_pythons()
    if not first <= tuple(sys.version_info[:2]) <= last:
        sys.exit("error: this is Python {}.{}; the project supports Python {}.{} to {}.{} (requires-python in "
                 "pyproject.toml): run make.py with one of those, e.g. python{}.{} make.py {}".format(
                     sys.version_info[0], sys.version_info[1], *first, *last, *last,
                     " ".join(sys.argv[1:]) or "book"))


check_python_version()

#: Debian packages of the PDF edition: xelatex, the LaTeX packages Sphinx's writer uses, latexmk, make
#: (Jupyter Book runs Sphinx's LaTeX Makefile) and the FreeFont family Sphinx sets for xelatex
#: (jeugdzorg.book.pdf.DEBIAN_PACKAGES is the same list).
PDF_PACKAGES = ("texlive-xetex", "texlive-latex-recommended", "texlive-latex-extra",
                "texlive-fonts-recommended", "latexmk", "make", "fonts-freefont-otf")
#: Debian packages each command needs beyond Python, installed with apt-get when missing.  The test
#: command builds the PDF (and reads it back with pdftotext), drives Debian's chromium headless and runs
#: the Nu HTML Checker (Java).
DEBIAN_PACKAGES: dict[str, tuple[str, ...]] = {
    "pdf": PDF_PACKAGES,
    "test": (*PDF_PACKAGES, "poppler-utils", "chromium", "chromium-driver", "default-jre-headless"),
}
#: Debian packages a command needs only when a program is missing from PATH: npm installs the pinned
#: axe-core and Nu HTML Checker of the accessibility tests, and Node.js may come from elsewhere
#: (NodeSource's nodejs carries npm and conflicts with Debian's npm package).
PROGRAM_PACKAGES: dict[str, dict[str, str]] = {"test": {"npm": "npm"}}


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def environment_fingerprint() -> str:
    """The requirement files and the Python minor version the environment is built for."""
    digest = hashlib.sha256()
    for name in ENV_FILES:
        digest.update((ROOT / name).read_bytes())
    digest.update("python {}.{}".format(*sys.version_info[:2]).encode())
    return digest.hexdigest()


def venv_python_version() -> str | None:
    """The ``major.minor`` of the Python ``.venv`` was made with (``None``: no usable environment)."""
    config = VENV / "pyvenv.cfg"
    if not venv_python().exists() or not config.is_file():  # exists() is False for a dangling link
        return None
    found = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+)", config.read_text(encoding="utf-8"), re.MULTILINE)
    return found.group(1) if found else None


def run(cmd: list[str]) -> None:
    print("$", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def ensure_environment() -> None:
    """Create or update ``.venv`` when the requirement files or the Python minor version changed.

    Every package comes from ``requirements-lock.txt`` (made by ``make.py lock``), installed in pip's
    hash-checking mode and from wheels only: a file whose sha256 is not in the lock is refused, and
    nothing is built from source.  The lock also pins setuptools, the build backend of the project's
    editable install (run without build isolation, so nothing is downloaded unchecked; venvs have had
    no setuptools since Python 3.12).
    """
    fingerprint = environment_fingerprint()
    if venv_python().exists() and STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return
    print(f"==> Preparing the environment in {VENV.name}/ (first run: a few minutes)", flush=True)
    running = "{}.{}".format(*sys.version_info[:2])
    made_with = venv_python_version()
    if made_with != running:
        if made_with is not None or VENV.exists():
            print(f"    {VENV.name}/ was made with Python {made_with or 'unknown'}; recreating it for "
                  f"Python {running}", flush=True)
        try:
            venv.create(VENV, with_pip=True, clear=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"error: cannot create {VENV.name}/ with this Python ({exc}); on Debian or Ubuntu install "
                     f"the venv module first: apt-get install python{running}-venv")
    py = venv_python()
    run([py, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "on",
         "--require-hashes", "--only-binary", ":all:", "-r", LOCK])
    run([py, "-m", "pip", "install", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--editable", ROOT])
    STAMP.write_text(fingerprint + "\n")
    print("==> Environment ready", flush=True)


def missing_debian_packages(packages: tuple[str, ...]) -> list[str]:
    """The ``packages`` dpkg does not list as installed (all of them if dpkg-query fails)."""
    missing = []
    for package in packages:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True).stdout
        if "install ok installed" not in status:
            missing.append(package)
    return missing


def ensure_debian_packages(command: str) -> None:
    """Install the Debian packages ``command`` needs, as root with apt-get, when any is missing.

    Not root, or not Debian: stop with the exact command to run (nothing is downloaded from
    anywhere but the system's own package repositories).
    """
    needed = DEBIAN_PACKAGES.get(command, ())
    if not needed:
        return
    if shutil.which("dpkg-query") is None:
        print(f"note: not a Debian system; `make.py {command}` needs the equivalents of the Debian "
              f"packages {' '.join(needed)}", flush=True)
        return
    missing = missing_debian_packages(needed) + [
        package for program, package in PROGRAM_PACKAGES.get(command, {}).items() if shutil.which(program) is None]
    if not missing:
        return
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"error: `python3 make.py {command}` needs the Debian packages {' '.join(missing)}.\n"
                 f"Install them as root:\n  apt-get update && {' '.join(install)}")
    print(f"==> Installing the Debian packages `make.py {command}` needs: {' '.join(missing)}\n"
          "    (first run only; TeX Live and chromium take a few minutes)", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update"], install):
        print("$", " ".join(step), flush=True)
        subprocess.run(step, check=True, env=environment)
    print("==> Debian packages ready", flush=True)


def command_name(argv: list[str]) -> str | None:
    """The command of a ``make.py`` command line (its first word that is not an option)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def main() -> None:
    if not inside_venv():
        ensure_environment()
        py = str(venv_python())
        os.execv(py, [py, str(ROOT / "make.py"), *sys.argv[1:]])
    # Inside the environment (also when started as .venv/bin/python make.py ...).
    ensure_debian_packages(command_name(sys.argv[1:]) or "")
    from jeugdzorg.cli import main as cli_main

    sys.exit(cli_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
