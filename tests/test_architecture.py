"""The layout's promises that import-linter's contracts (pyproject.toml) do not state: no two
modules of the project import each other, even through others, and no import hides inside a
function to dodge such a circle. Reads the source only (no database)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
APPS = ("consortium", "members", "pricing", "contracts")
# Imports that belong inside a function: an app's ``ready`` connects its receivers and registers
# its tasks, which must wait until every app is loaded.
READY = "ready"


def _circles(graph) -> list[list[str]]:
    """Groups of modules that reach each other through imports (Tarjan's strongly connected
    components, written out iteratively), largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found, key=len, reverse=True)


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*APPS, include_external_packages=False)
    assert _circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    """Not vacuous: a graph with a circle of three is reported."""
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _circles(graph) == [["a.x", "a.y", "a.z"]]


def _imports_inside_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == READY:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}")
    return found


def test_no_import_inside_a_function():
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found += _imports_inside_functions(path)
    assert found == []
