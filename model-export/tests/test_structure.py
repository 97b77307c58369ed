"""The package's import structure: no import cycles between model_export modules, no hidden imports.

An import of a model_export module inside a function body hides a dependency (and usually a cycle)
from the module's header; a cycle means neither module can be understood, tested or imported alone.
This test reads every module with `ast` (nothing is imported), so it also sees imports in functions
that no test calls.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "model_export"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE


@dataclass(frozen=True)
class Edge:
    """One import statement of a model_export module by another."""

    source: str
    target: str
    line: int
    in_function: bool


def module_name(path: Path, package_dir: Path = PACKAGE_DIR) -> str:
    """Dotted name of a module file: model_export/x.py -> model_export.x (__init__ -> the package)."""
    parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(source: str, is_package: bool, node: ast.ImportFrom) -> str:
    """Absolute module name that `from ... import` reads from (relative levels resolved)."""
    if node.level == 0:
        return node.module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(node: ast.Import | ast.ImportFrom, source: str, is_package: bool, modules: set[str]) -> list[str]:
    """The package's modules an import statement loads (`from pkg import mod` names a module too)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _resolve(source, is_package, node)
        names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    found: list[str] = []
    for name in names:
        # `import a.b.c` loads a, a.b and a.b.c: the deepest package module is the dependency.
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != PACKAGE and name != source and name not in found:
            found.append(name)
    return found


def import_edges(package_dir: Path = PACKAGE_DIR) -> tuple[set[str], list[Edge]]:
    """Every module of the package, and every import of one of them by another (top level and in functions)."""
    files = sorted(package_dir.rglob("*.py"))
    modules = {module_name(f, package_dir) for f in files}
    edges: list[Edge] = []
    for path in files:
        source = module_name(path, package_dir)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
        in_function = {id(inner) for f in functions for inner in ast.walk(f) if inner is not f}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(node, source, path.name == "__init__.py", modules):
                    edges.append(Edge(source, target, node.lineno, id(node) in in_function))
    return modules, edges


def find_cycles(modules: set[str], edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted, plus self-loops."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for e in edges:
        graph[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def _describe(cycle: list[str], edges: list[Edge]) -> str:
    inside = [e for e in edges if e.source in cycle and e.target in cycle]
    return " / ".join(cycle) + ": " + ", ".join(
        f"{e.source} -> {e.target} (line {e.line}{', in a function' if e.in_function else ''})" for e in inside)


def test_no_import_cycles_between_package_modules():
    modules, edges = import_edges()
    cycles = find_cycles(modules, edges)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(c, edges) for c in cycles)


def test_no_package_imports_inside_functions():
    _, edges = import_edges()
    hidden = [f"{e.source} line {e.line} imports {e.target}" for e in edges if e.in_function]
    assert not hidden, "imports of model_export modules inside functions (move them to the top):\n" + "\n".join(hidden)


# ---- the checker itself: it must see what it is there to catch ------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    pkg = tmp_path / PACKAGE
    pkg.mkdir()
    for name, text in {"__init__.py": "", **files}.items():
        (pkg / name).write_text(text, encoding="utf-8")
    return pkg


@pytest.mark.parametrize("a_imports_b", [
    "from .b import x",
    "from . import b",
    "import model_export.b",
    "from model_export.b import x",
    "from model_export import b as bee",
])
def test_checker_finds_a_top_level_cycle(tmp_path, a_imports_b):
    pkg = _package(tmp_path, {"a.py": a_imports_b + "\n", "b.py": "from .c import y\n", "c.py": "from .a import z\n"})
    modules, edges = import_edges(pkg)
    assert find_cycles(modules, edges) == [["model_export.a", "model_export.b", "model_export.c"]]


def test_checker_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = _package(tmp_path, {
        "a.py": "from .b import x\n",
        "b.py": "class K:\n    def m(self):\n        from .a import y\n        return y\n",
    })
    modules, edges = import_edges(pkg)
    assert find_cycles(modules, edges) == [["model_export.a", "model_export.b"]]
    assert [(e.source, e.target, e.in_function) for e in edges if e.in_function] == [("model_export.b", "model_export.a", True)]


def test_checker_accepts_a_tree_and_third_party_imports(tmp_path):
    pkg = _package(tmp_path, {
        "a.py": "import json\nfrom .b import x\n\ndef f():\n    import numpy\n    return numpy\n",
        "b.py": "from model_export.c import y\n",
        "c.py": "import os\n",
    })
    modules, edges = import_edges(pkg)
    assert find_cycles(modules, edges) == []
    assert not [e for e in edges if e.in_function]
    assert {(e.source, e.target) for e in edges} == {("model_export.a", "model_export.b"), ("model_export.b", "model_export.c")}
