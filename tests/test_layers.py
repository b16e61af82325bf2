"""The layers of DESIGN.md, checked on every import in the package: arrows point one way.

Three additions to the table, on purpose:
- tui may import protocol: records carry protocol types (Request, Response, RequestHead), and a
  view of a record needs their names;
- tui may import lessons: the lesson view (`httplab lesson N`) is a view of the lesson
  engine's LessonSession; the engine never imports the TUI (the CLI finds the view by name);
- client may import render.theme (only): `httplab send` colours its output with the same named
  styles as every other view, and there is one theme.

Inside a layer, modules may import each other, but never in a circle (a cycle means neither
module can be read, tested or replaced alone). Imports only for type hints count too: they are
still a dependency a reader has to follow. `from package import module` depends on the module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "httplab"

ALLOWED = {
    "protocol": set(),
    "trace": {"protocol"},
    "server": {"protocol", "trace"},
    "client": {"protocol", "trace"},
    "render": {"protocol", "trace"},
    "tui": {"render", "trace", "client", "protocol", "lessons"},
    "lessons": {"protocol", "client", "server", "trace", "render"},
    # a reverse proxy is a server to its clients and a client to its upstream: it reuses the
    # server's error bodies, dates and tracer shape; nothing imports it but the CLI
    "proxy": {"protocol", "trace", "server", "client"},
}
ALLOWED_MODULES = {"client": {"render.theme"}}
ENTRY_POINTS = {"cli", "launcher", "__main__", "__init__"}
ALLOWED_CYCLES: dict[frozenset[str], str] = {}
"""Known cycles, each with the reason it is tolerated for now."""


def httplab_imports(path: Path) -> list[str]:
    """The httplab modules `path` imports, as dotted names below httplab (`from httplab
    import __version__`, the package root, is not counted)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "httplab" and len(parts) > 1:
                found.append(".".join(parts[1:]))
    return found


FILES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(PACKAGE)) for p in FILES])
def test_imports_follow_the_layers(path: Path) -> None:
    layer = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if layer in ENTRY_POINTS:
        return
    exceptions = ALLOWED_MODULES.get(layer, set())
    modules = [m for m in httplab_imports(path) if m not in exceptions]
    imported = {m.split(".")[0] for m in modules} - {layer}
    assert "cli" not in imported, "nothing imports cli"
    assert layer in ALLOWED, f"{layer} is not a layer of DESIGN.md"
    assert imported <= ALLOWED[layer], f"{layer} may not import {imported - ALLOWED[layer]}"


def test_the_check_sees_imports() -> None:
    assert "protocol.parser" in httplab_imports(PACKAGE / "server" / "connection.py")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in FILES}


def module_imports(path: Path) -> set[str]:
    """The httplab modules `path` depends on (for `from a import b`: a.b when it is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module.removeprefix("httplab.")
            if base == node.module:
                continue
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
            found |= submodules or {base}
        elif isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("httplab.") for a in node.names if a.name[:8] == "httplab."
            }
    return found & MODULES.keys()


def cycles(graph: dict[str, set[str]]) -> Iterator[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> Iterator[set[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                yield from visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                yield group

    for node in sorted(graph):
        if node not in index:
            yield from visit(node)


def layer_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        layer = name.split(".")[0]
        graph[name] = {m for m in module_imports(path) if m != name and m.split(".")[0] == layer}
    return graph


def test_no_import_cycles_inside_a_layer() -> None:
    found = [group for group in cycles(layer_graph()) if frozenset(group) not in ALLOWED_CYCLES]
    assert not found, f"import cycles inside a layer: {found}"


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "a.w": {"a.x"}}
    assert list(cycles(graph)) == [{"a.x", "a.y", "a.z"}]
    assert "server.context" in layer_graph()["server.connection"]
