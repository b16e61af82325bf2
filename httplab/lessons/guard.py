"""The honest-work guard: a build check refuses a server that imports an HTTP library.

The course is about writing the HTTP part yourself; a server built on `http.server` or a web
framework would pass checks it never learned from. The guard reads (never runs) the Python files
named in `--cmd` and the modules of the same folder they import, with `ast`, and names each
forbidden import with its file and line. Plain `socket`, `json`, `urllib.parse`, `email` … are
fine: they are not HTTP servers.
"""

from __future__ import annotations

import ast
import shlex
from dataclasses import dataclass
from pathlib import Path

FORBIDDEN = {
    "http.server": "the standard library's HTTP server",
    "socketserver": "the standard library's server framework (it reads and dispatches for you)",
    "wsgiref": "the standard library's WSGI server",
    "h11": "a complete HTTP/1.1 parser",
    "httptools": "a complete HTTP parser",
    "aiohttp": "an HTTP server and client",
    "flask": "a web framework",
    "django": "a web framework",
    "fastapi": "a web framework",
    "starlette": "a web framework",
    "bottle": "a web framework",
    "tornado": "a web server and framework",
    "twisted": "a networking framework with an HTTP server",
    "uvicorn": "an HTTP server",
    "hypercorn": "an HTTP server",
    "gunicorn": "an HTTP server",
    "waitress": "an HTTP server",
    "werkzeug": "an HTTP toolkit with a server",
    "sanic": "a web framework",
    "falcon": "a web framework",
    "quart": "a web framework",
    "cherrypy": "a web framework with a server",
    "pyramid": "a web framework",
    "httplab": "this lab's own server (the one you are learning to write)",
}
MAX_FILES = 50


@dataclass(frozen=True)
class Refusal:
    path: Path
    line: int
    module: str
    why: str

    def one_line(self) -> str:
        return f"{self.path}:{self.line}: imports {self.module} ({self.why})"


def _forbidden(module: str) -> str | None:
    for name in FORBIDDEN:
        if module == name or module.startswith(name + "."):
            return name
    return None


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Every module `tree` imports, with its line: `import a.b`, `from a import b` (as `a.b`
    too, so `from http import server` is seen), `__import__("x")`, `import_module("x")`."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            dynamic = name in ("__import__", "import_module")
            if dynamic and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((first.value, node.lineno))
    return found


def python_files(command: str, cwd: Path) -> list[Path]:
    """The `.py` files a `--cmd` names (that exist), relative to `cwd`, and the module of a
    `-m NAME` found there."""
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    files = []
    for index, word in enumerate(words):
        if word.endswith(".py"):
            path = Path(word) if Path(word).is_absolute() else cwd / word
            if path.is_file():
                files.append(path)
        elif word == "-m" and index + 1 < len(words):  # python3 -m myserver
            module = cwd / Path(*words[index + 1].split("."))
            for path in (module.with_suffix(".py"), module / "__main__.py"):
                if path.is_file():
                    files.append(path)
    return files


class GuardError(Exception):
    """A file of --cmd cannot be read or parsed (one line: where and why)."""


def check_sources(files: list[Path]) -> list[Refusal]:
    """Forbidden imports in `files` and the same-folder modules they import."""
    refusals: list[Refusal] = []
    seen: set[Path] = set()
    queue = list(files)
    while queue and len(seen) < MAX_FILES:
        path = queue.pop(0).resolve()
        if path in seen:
            continue
        seen.add(path)
        try:
            source = path.read_bytes()
            tree = ast.parse(source, filename=str(path))
        except OSError as exc:
            raise GuardError(f"cannot read {path}: {exc.strerror}") from None
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            # RecursionError, MemoryError: the parser's own limits (`x = ------…1` nested
            # a hundred thousand deep), which have no message worth showing
            line = getattr(exc, "lineno", None) or 0
            message = getattr(exc, "msg", str(exc)) or "nested too deeply for Python's parser"
            where = f"{path}:{line}" if line else str(path)
            raise GuardError(f"{where}: the server does not parse: {message}") from None
        for module, line in _imports(tree):
            name = _forbidden(module)
            if name is not None:
                refusals.append(Refusal(path, line, module, FORBIDDEN[name]))
                continue
            local = path.parent / (module.split(".")[0] + ".py")
            if local.is_file() and local.resolve() not in seen:
                queue.append(local)
    unique: dict[tuple[Path, int], Refusal] = {}
    for refusal in refusals:  # `from http.server import X` is one import, not two
        unique.setdefault((refusal.path, refusal.line), refusal)
    return list(unique.values())


def explanation(refusals: list[Refusal]) -> str:
    """The friendly refusal: what was found and why the check will not run it."""
    lines = [
        "This check looks at a server you write yourself, on plain sockets; it will not run a "
        "server built on an HTTP library:",
        *("  " + refusal.one_line() for refusal in refusals),
        "The point of the course is to read the bytes, split the request line, frame the body "
        "yourself — a library would pass the checks without you learning any of it. "
        "Use `socket` (and json, urllib.parse …) and build it step by step: "
        "`httplab lesson start 1` gives you the first one.",
    ]
    return "\n".join(lines)
