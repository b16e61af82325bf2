"""Find the user's application for `httplab serve --app module:callable [--app-dir DIR]`.

`load_app(spec, app_dir)` imports the module, takes the attribute and tells its shape:
a WSGI application (two positional parameters: environ, start_response) is wrapped in
`WSGIAdapter`, an ASGI 3 one (async: scope, receive, send) in `ASGIAdapter`; httplab's own
`Request → Response` callable (one parameter) is served as is.
Anything wrong raises `AppLoadError` with one line to show; an import that failed inside the
user's module keeps its traceback text in `details` (shown once, above the line).
"""

from __future__ import annotations

import importlib
import inspect
import sys
import traceback
from pathlib import Path
from typing import Any

from httplab.server.apps.asgi import ASGIAdapter
from httplab.server.apps.wsgi import WSGIAdapter
from httplab.server.context import App


class AppLoadError(Exception):
    def __init__(self, line: str, details: str = "") -> None:
        super().__init__(line)
        self.line = line
        self.details = details


def load_app(spec: str, app_dir: Path | None = None) -> tuple[App, str]:
    """The app to serve for `spec` ("module:callable"; "module" alone means "module:app"),
    and its kind ("WSGI" or "httplab"). `app_dir` (default: the current directory) goes to
    the front of sys.path first."""
    module_name, colon, attr = spec.partition(":")
    if not colon:
        attr = "app"
    if not module_name or not attr or not all(part.isidentifier() for part in attr.split(".")):
        raise AppLoadError(
            f"--app {spec!r}: give MODULE:CALLABLE, e.g. --app hello:app (hello.py, app = ...)"
        )
    where = str((app_dir or Path.cwd()).resolve())
    if app_dir is not None and not Path(where).is_dir():
        raise AppLoadError(f"--app-dir {app_dir}: no such directory")
    if where not in sys.path:
        sys.path.insert(0, where)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise AppLoadError(
                f"--app {spec}: no module named {module_name!r} in {where} "
                "(run from its directory or give --app-dir DIR)"
            ) from None
        raise AppLoadError(
            f"--app {spec}: importing {module_name!r} failed: {exc} (traceback above)",
            _user_traceback(),
        ) from None
    except BaseException as exc:  # anything the user's module raises while importing
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise AppLoadError(
            f"--app {spec}: importing {module_name!r} failed: "
            f"{type(exc).__name__}: {exc} (traceback above)",
            _user_traceback(),
        ) from None
    target: Any = module
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise AppLoadError(
                f"--app {spec}: module {module_name!r} has no attribute {attr!r}"
            ) from None
    return as_app(target, spec)


def as_app(target: Any, spec: str = "the app") -> tuple[App, str]:
    """`target` as something the server can call, and its kind; AppLoadError if it is not
    an application."""
    if not callable(target):
        raise AppLoadError(
            f"--app {spec}: {type(target).__name__} is not an application (a WSGI callable "
            "app(environ, start_response), an ASGI 3 app async def app(scope, receive, send) "
            "or an httplab app(request) -> Response)"
        )
    positional = _positional_count(target)
    if inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004
    ):
        if positional == 3:
            return ASGIAdapter(target), "ASGI"
        raise AppLoadError(
            f"--app {spec}: an async callable taking {positional} arguments is not an ASGI 3 "
            "application (async def app(scope, receive, send))"
        )
    if positional == 2:
        return WSGIAdapter(target), "WSGI"
    if positional == 1:
        return target, "httplab"
    raise AppLoadError(
        f"--app {spec}: a callable taking {positional} arguments is not an application "
        "(a WSGI app takes environ, start_response; an httplab app takes request)"
    )


def _positional_count(target: Any) -> int:
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return 2  # a builtin or C callable: assume WSGI, the common case
    count = 0
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return 2
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            count += 1
    return count


def _user_traceback() -> str:
    """The traceback of the exception being handled, without the frames of this loader and of
    importlib's machinery: what is left points into the user's code."""
    _, exc, tb = sys.exc_info()
    assert exc is not None
    frames = traceback.extract_tb(tb)
    kept = [
        frame
        for frame in frames
        if frame.filename != __file__
        and not frame.filename.startswith("<frozen")
        and "importlib" not in frame.filename
    ]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(kept or frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)
