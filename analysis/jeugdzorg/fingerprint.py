"""Which code a result depends on, found from the code's imports, and content hashes of it.

A notebook's output depends on the package modules it imports, on the modules those import, and
so on.  :func:`code_closure` follows ``import`` statements (absolute and relative, at any depth in
a module, including imports inside functions) from a starting set of modules or source files and
returns every package file reached, plus the data files (``*.yml``) of the packages involved.
Hashing that closure decides whether a notebook must run again (:mod:`jeugdzorg.book.runner`) and
whether the snapshot must be re-imported (:mod:`jeugdzorg.data.snapshot`): nothing is listed by
hand, so a new module or a moved function is followed automatically.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from .paths import PACKAGE_DIR

PACKAGE = "jeugdzorg"
#: Data files read by package modules at run time (the catalogue).
DATA_SUFFIXES = (".yml", ".yaml", ".json", ".csv")


def module_path(module: str) -> Path | None:
    """The source file of a ``jeugdzorg`` module or package, or ``None`` if there is none."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None
    parts = module.split(".")[1:]
    base = PACKAGE_DIR.joinpath(*parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    file = base.with_suffix(".py")
    return file if file.is_file() else None


def _parents(module: str) -> list[str]:
    """``jeugdzorg.data.names`` -> ``['jeugdzorg', 'jeugdzorg.data']``: imported on the way."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imported_modules(source: str, module: str | None = None) -> set[str]:
    """The ``jeugdzorg`` modules that ``source`` imports (``module`` resolves relative imports)."""
    is_package = module is not None and module_path(module) is not None and \
        module_path(module).name == "__init__.py"
    return {m for m in _imported_names(source, module, is_package) if module_path(m) is not None}


# Keyed by the source text itself, so an edited module is parsed again; a build asks for the same
# closure once per notebook, and parsing every module each time was most of a no-op rebuild.  Which
# of the names are modules is decided by the caller, from the files as they are now.
@functools.lru_cache(maxsize=1024)
def _imported_names(source: str, module: str | None, is_package: bool) -> frozenset[str]:
    """Every absolute name ``source`` imports, modules and attributes alike."""
    found: set[str] = set()
    for node in _statements(ast.parse(source).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if module is None:
                    continue
                package = module.split(".")
                if not is_package:
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            # ``from . import cbs`` imports the module ``cbs``, not an attribute.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(found)


#: The fields of a statement that hold further statements (an import is always a statement, so an
#: expression never needs to be visited: walking only these is many times faster than ``ast.walk``).
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Every statement in ``body``, at any depth (in functions, classes, branches, loops, ``try``)."""
    for statement in body:
        yield statement
        for field in _BODIES:
            yield from _statements(getattr(statement, field, None) or [])


def code_closure(modules: Iterable[str] = (), sources: Iterable[str] = ()) -> list[Path]:
    """Every package file that ``modules`` (names) and ``sources`` (code text) depend on, sorted.

    Parameters
    ----------
    modules
        Module names to start from, e.g. ``["jeugdzorg.data.snapshot"]``.
    sources
        Python source text to start from, e.g. the code cells of a notebook template.
    """
    todo = set(modules)
    for text in sources:
        todo |= imported_modules(text)
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen or module_path(module) is None:
            continue
        seen.add(module)
        todo |= set(_parents(module))
        path = module_path(module)
        todo |= imported_modules(path.read_text(encoding="utf-8"), module)
    files = {module_path(m) for m in seen}
    for directory in {f.parent for f in files}:
        files |= {p for p in directory.iterdir() if p.suffix in DATA_SUFFIXES and p.is_file()}
    return sorted(files)


def digest(*parts: bytes) -> str:
    """sha256 over the sha256 of each part (so part boundaries count)."""
    outer = hashlib.sha256()
    for part in parts:
        outer.update(hashlib.sha256(part).digest())
    return outer.hexdigest()


def files_digest(files: Iterable[Path], root: Path | None = None) -> str:
    """Digest of the files' paths (relative to ``root``, default the package) and contents."""
    root = Path(root or PACKAGE_DIR).resolve()
    return digest(*(str(Path(f).resolve().relative_to(root)).encode() + b"\0" + Path(f).read_bytes()
                    for f in sorted(files)))


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes (hex)."""
    digest_ = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest_.update(block)
    return digest_.hexdigest()
