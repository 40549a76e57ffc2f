"""The project's modules import each other in one direction: no circles, and no code ships
that leans on the test suite.

Every import is read from the source with `ast`, wherever it sits (a function, a
`TYPE_CHECKING` block), since a circle that a late import hides is still one.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {"node_modules", "__pycache__"}
MAY_IMPORT_TESTS = ("tests", "testkit")


def project_modules(root: Path) -> dict[str, Path]:
    """Every Python module under `root` by dotted name (a package by its own name); hidden
    folders and installed packages left out."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path) -> set[str]:
    """Every dotted name `module` imports, relative imports made absolute; `from a import b` gives
    `a.b`, which is a module or a name in module `a` (the caller knows which)."""
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                package = package[: len(package) - node.level + (1 if is_package else 0)]
                base = ".".join([*package, base] if base else package)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each project module and the project modules it imports (the deepest module a name reaches)."""
    modules = project_modules(root)
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(module, path):
            parts = name.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != module:
                targets.add(".".join(parts))
        graph[module] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or around a loop (Tarjan's
    strongly connected components of more than one module, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, ()):
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_project_modules_import_each_other_in_a_circle():
    assert circles(import_graph(ROOT)) == []


def test_nothing_outside_the_tests_and_the_test_kit_imports_the_tests():
    graph = import_graph(ROOT)
    leaning = {
        module: sorted(t for t in targets if t.split(".")[0] == "tests")
        for module, targets in graph.items()
        if module.split(".")[0] not in MAY_IMPORT_TESTS
    }
    assert {module: targets for module, targets in leaning.items() if targets} == {}


def test_a_circle_closed_by_an_import_inside_a_function_is_found(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import helper\n")
    (package / "b.py").write_text("def helper():\n    from pkg import a\n    return a\n")
    (package / "c.py").write_text("import pkg.a\n")
    assert circles(import_graph(tmp_path)) == [["pkg.a", "pkg.b"]]


def test_a_package_that_imports_its_own_modules_is_no_circle(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .a import run\n")
    (package / "a.py").write_text("from . import b\n\ndef run():\n    return b\n")
    (package / "b.py").write_text("")
    assert import_graph(tmp_path)["pkg.a"] == {"pkg.b"}
    assert circles(import_graph(tmp_path)) == []
