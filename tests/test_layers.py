"""The layers of DESIGN.md, checked on every import in the package: arrows point one way.

Two additions to the table, on purpose:
- tui may import protocol: records carry protocol types (Request, Response, RequestHead), and a
  view of a record needs their names;
- client may import render.theme (only): `httplab send` colours its output with the same named
  styles as every other view, and there is one theme.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "httplab"

ALLOWED = {
    "protocol": set(),
    "trace": {"protocol"},
    "server": {"protocol", "trace"},
    "client": {"protocol", "trace"},
    "render": {"protocol", "trace"},
    "tui": {"render", "trace", "client", "protocol"},
    "lessons": {"protocol", "client", "server", "trace", "render"},
}
ALLOWED_MODULES = {"client": {"render.theme"}}
ENTRY_POINTS = {"cli", "launcher", "__main__", "__init__"}


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
