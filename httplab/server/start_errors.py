"""Why a server did not start, in the same words for every command that starts one.

`HTTPServer.start()` (serve, serve --trace, lesson) and `ProxyServer.start()` (proxy) raise a
`StartError` when they cannot start. It is an OSError (callers that catch OSError still do),
and it says itself what went wrong: `report(command, port_option)` is what the command prints,
the one line with the command's name and the option that picks its port, e.g.

    httplab serve: cannot listen on 127.0.0.1:8080: the port is already in use (another
    server running? pick one with --port PORT, or --port 0 for any free port)

The TUI may not import the server (DESIGN.md, layers); it calls `report` by its shape
(`tui.trace_command.start_failure`).
"""

from __future__ import annotations

import errno
import os
import socket

from httplab.trace.wire_text import escape_decoded
from httplab.trace.words import localized

WORDS: dict[str, dict[str, str]] = {
    "cannot-start": {
        "en": "{command}: cannot start: {why}",
        "ru": "{command}: не удаётся запустить: {why}",
    },
    "cannot-listen": {
        "en": "{command}: cannot listen on {where}: {why}",
        "ru": "{command}: не удаётся слушать {where}: {why}",
    },
    "in-use": {
        "en": "the port is already in use (another server running? pick one with {option} PORT, "
        "or {option} 0 for any free port)",
        "ru": "порт уже занят (работает другой сервер? выберите порт: {option} PORT, или "
        "{option} 0 — любой свободный)",
    },
    "denied": {
        "en": "permission denied (ports below 1024 need privileges: try a port >= 1024)",
        "ru": "нет прав (порты ниже 1024 требуют привилегий: возьмите порт >= 1024)",
    },
    "not-here": {
        "en": "{why} (the address is not one of this machine's: try --host 127.0.0.1, or an "
        "address `ip addr` lists)",
        "ru": "{why} (этот адрес не принадлежит этой машине: попробуйте --host 127.0.0.1 или "
        "адрес из `ip addr`)",
    },
    "no-host": {"en": "no such host name ({why})", "ru": "нет такого имени хоста ({why})"},
}
"""A lesson in Russian says these in Russian (`lang`); the system's own words stay as they are."""


class StartError(OSError):
    """The server did not start; `report(command, port_option)` says why."""

    details = ""
    """Lines shown above the line (already escaped), e.g. the traceback an app sent."""

    def line(self, command: str, port_option: str = "--port", lang: str = "en") -> str:
        why = escape_decoded(self.strerror or str(self))
        return localized(WORDS, "cannot-start", lang, command=command, why=why)

    def report(self, command: str, port_option: str = "--port", lang: str = "en") -> str:
        """What `command` prints: the details, if any, then the one line (no newline)."""
        line = self.line(command, port_option, lang)
        return f"{self.details.rstrip(chr(10))}\n{line}" if self.details else line


class ListenError(StartError):
    """The listening socket could not be made (port in use, no permission, no such address)."""

    def __init__(self, cause: OSError, host: str, port: int) -> None:
        super().__init__(cause.errno, _os_words(cause))
        self.host = host
        self.port = port
        self.unresolved = isinstance(cause, socket.gaierror)

    def line(self, command: str, port_option: str = "--port", lang: str = "en") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        where = escape_decoded(f"{host}:{self.port}")
        system = escape_decoded(self.strerror or "unknown error")
        if self.errno == errno.EADDRINUSE:
            why = localized(WORDS, "in-use", lang, option=port_option)
        elif self.errno == errno.EACCES:
            why = localized(WORDS, "denied", lang)
        elif self.errno == errno.EADDRNOTAVAIL:
            why = localized(WORDS, "not-here", lang, why=system)
        elif self.unresolved:
            why = localized(WORDS, "no-host", lang, why=system)
        else:
            why = system
        return localized(WORDS, "cannot-listen", lang, command=command, where=where, why=why)


def _os_words(cause: OSError) -> str:
    """The system's own words for `cause`, lower-cased as a clause: asyncio's bind error
    wraps them ("error while attempting to bind on address ('10.0.0.1', 80): cannot assign
    requested address"), which says the address twice; a name that did not resolve
    (socket.gaierror, negative errno) keeps the resolver's words."""
    if cause.errno is not None and cause.errno > 0 and not isinstance(cause, socket.gaierror):
        text = os.strerror(cause.errno)
    else:
        text = cause.strerror or str(cause) or type(cause).__name__
    return text[:1].lower() + text[1:]


class AppStartupError(StartError):
    """The app's own startup (ASGI lifespan) failed or did not finish: nothing listens."""

    def __init__(self, why: str, details: str = "") -> None:
        super().__init__(None, why)
        self.details = details

    def line(self, command: str, port_option: str = "--port", lang: str = "en") -> str:
        above = " (traceback above)" if self.details else ""
        return (
            f"{command}: the app's startup failed (ASGI lifespan), so the server did not "
            f"start: {self.strerror}; fix the app's startup code{above} and run again"
        )


def start_failure(exc: OSError, command: str, port_option: str = "--port", lang: str = "en") -> str:
    """What `command` prints when starting its server raised `exc` (a `StartError` says it
    itself; any other OSError, e.g. a start that timed out, is said as it is), in `lang`."""
    if not isinstance(exc, StartError):
        exc = StartError(exc.errno, exc.strerror or str(exc) or type(exc).__name__)
    return exc.report(command, port_option, lang)
