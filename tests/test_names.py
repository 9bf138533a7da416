"""Every module, function, class or constant the docstrings, comments, parameters, catalogue, chapter
templates and README name exists: a rename or a removal that leaves a stale name behind fails here."""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

from jeugdzorg.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "analysis" / "jeugdzorg"
#: A dotted name in the package, e.g. jeugdzorg.analysis.panel.build_panel (a name that goes on with
#: "*" is a pattern: only its complete part is checked).
QUALIFIED = re.compile(r"(?<![\w/.-])jeugdzorg(?:\.[A-Za-z_]\w*)+(?![\w*])")
#: Sphinx cross-references in docstrings: :func:`name`, :mod:`~jeugdzorg.book.figures`, :class:`.Task`.
ROLE = re.compile(r":(?:mod|func|class|meth|attr|data|obj|exc):`[~.]?(?P<target>[A-Za-z_][\w.]*)`")
#: File names that look like dotted names (jeugdzorg.pdf, the PDF edition).
FILE_SUFFIXES = {"pdf", "zip", "cff", "csv", "yml", "md"}


def sources() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.yml"), PROJECT_ROOT / "analysis" / "params.yml",
                   *(PROJECT_ROOT / "analysis" / "templates").glob("*.md"),
                   *(PROJECT_ROOT / "analysis" / "templates").glob("*.j2"), PROJECT_ROOT / "README.md"])


def module_file(dotted: str) -> Path | None:
    base = PROJECT_ROOT / "analysis" / Path(*dotted.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _names_in(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Names bound at the top of a module or class body: definitions, assignments, imports."""
    names: dict[str, ast.AST] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
        elif isinstance(node, (ast.If, ast.Try)):
            names.update(_names_in(node.body))
    return names


@cache
def module_names(path: Path) -> dict[str, ast.AST]:
    return _names_in(ast.parse(path.read_text(encoding="utf-8")).body)


def resolves(dotted: str) -> bool:
    """``dotted`` is a module of the package, or a name (or a class's member) defined in one."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        path = module_file(".".join(parts[:split]))
        if path is None:
            continue
        rest = parts[split:]
        if not rest:
            return True
        if (path.parent / f"{rest[0]}.py").is_file() and path.name == "__init__.py":
            return resolves(".".join([*parts[:split], *rest]))
        node = module_names(path).get(rest[0])
        if node is None:
            return False
        if len(rest) > 1 and isinstance(node, ast.ClassDef):
            return rest[1] in _names_in(node.body) or any(
                isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id == rest[1]
                for n in node.body)
        return True
    return False


def qualified_references() -> list[tuple[str, str]]:
    found = []
    for path in sources():
        for match in QUALIFIED.finditer(path.read_text(encoding="utf-8")):
            if match[0].rsplit(".", 1)[-1] not in FILE_SUFFIXES:
                found.append((str(path.relative_to(PROJECT_ROOT)), match[0]))
    return found


def test_every_qualified_name_exists():
    references = qualified_references()
    assert len(references) > 50
    stale = sorted({f"{where}: {name}" for where, name in references if not resolves(name)})
    assert stale == []


def _class_members(path: Path) -> set[str]:
    """Every name a class of the module defines (methods, properties, fields)."""
    members = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            members |= set(_names_in(node.body))
    return members


def _external(target: str) -> bool:
    """A target outside the package (numpy.linalg.lstsq), which Sphinx's intersphinx resolves."""
    first = target.split(".")[0]
    return first != "jeugdzorg" and importlib.util.find_spec(first) is not None


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT / "analysis").with_suffix("").parts).removesuffix(".__init__")


def test_every_cross_reference_in_a_docstring_exists():
    """``:func:`name``` names something of its own module (or imported into it, or a member of one of
    its classes), of the module's package, a qualified name of the package, or another library's."""
    stale, checked = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for match in ROLE.finditer(path.read_text(encoding="utf-8")):
            target = match["target"]
            checked += 1
            first = target.split(".")[0]
            if target.startswith("jeugdzorg."):
                ok = resolves(target)
            elif first in module_names(path):
                # Defined here (then it must resolve), or imported here (its source is checked where it is defined).
                defined = isinstance(module_names(path)[first], (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign))
                ok = resolves(f"{module}.{target}") if defined else True
            else:
                ok = resolves(f"{package}.{target}") or target in _class_members(path) or _external(target)
            if not ok:
                stale.append(f"{path.relative_to(PROJECT_ROOT)}: {match[0]}")
    assert checked > 50
    assert stale == []


@pytest.mark.parametrize("name, exists", [
    ("jeugdzorg.analysis.panel.build_panel", True),
    ("jeugdzorg.analysis.estimation.Specification.outcome", True),
    ("jeugdzorg.data", True),
    ("jeugdzorg.panel.build_panel", False),           # the module before the layering
    ("jeugdzorg.analysis.panel.no_such_function", False),
    ("jeugdzorg.paths.DEFAULT_RAW_DIR", False),
])
def test_the_resolver_tells_a_stale_name(name, exists):
    assert resolves(name) is exists
