"""`httplab serve --trace`: start the server with a trace bus, then show the trace.

On a terminal the full-screen trace view runs; when stdout or stdin is not a terminal (piped,
logged, CI) or with `--plain`, each exchange is printed with the plain printer instead. Either
way the server is stopped before this returns. prompt_toolkit is imported only for the screen.
"""

from __future__ import annotations

import errno
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Protocol, TextIO

from httplab.trace.bus import DEFAULT_CAPACITY, TraceBus


class TracedServer(Protocol):
    """What this module needs of the server (the TUI layer does not import the server)."""

    host: str
    port: int

    def start(self) -> object: ...

    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class TraceSettings:
    plain: bool = False
    to: str | None = None  # HOST:PORT for the client pane
    mouse: bool = False
    theme: str = "default"
    capacity: int = DEFAULT_CAPACITY


def run_trace(
    make_server: Callable[[TraceBus], TracedServer],
    settings: TraceSettings,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    to_address = None
    if settings.to is not None:
        from httplab.client.shorthand import ShorthandError, split_host_port

        try:
            to_address = split_host_port(settings.to)
        except ShorthandError as exc:
            err.write(f"httplab serve --trace: --to: {exc}\n")
            return 2
    bus = TraceBus(settings.capacity)
    server = make_server(bus)
    try:
        server.start()
    except OSError as exc:
        err.write(_listen_error(exc, server) + "\n")
        return 1
    if settings.plain or not (out.isatty() and sys.stdin.isatty()):
        return _run_plain(bus, server, out, err)

    from httplab.tui.controller import TraceOptions
    from httplab.tui.run import run_trace_screen

    options = TraceOptions(
        server_host=server.host,
        server_port=server.port,
        to_host=to_address[0] if to_address else None,
        to_port=to_address[1] if to_address else None,
        theme=settings.theme,
        mouse=settings.mouse,
        capacity=settings.capacity,
    )
    return run_trace_screen(bus, options, server.stop)


def _listen_error(exc: OSError, server: TracedServer) -> str:
    where = f"{server.host}:{server.port}"
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use (pick one with --port, or --port 0 for a free one)"
    else:
        why = exc.strerror or str(exc)
    return f"httplab serve --trace: cannot listen on {where}: {why}"


def _run_plain(bus: TraceBus, server: TracedServer, out: TextIO, err: TextIO) -> int:
    """Print each exchange until SIGINT or SIGTERM, then stop the server."""
    from httplab.render.printer import PlainPrinter, plain_console

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    url = f"http://{server.host}:{server.port}"
    printer = PlainPrinter(bus, plain_console(out)).start()
    try:
        err.write(f"httplab: tracing {url} (plain output; Ctrl-C stops)\n")
        err.flush()
        while not stop.wait(0.25):
            pass
    finally:
        server.stop()
        printer.stop()  # after the server: what it published last is printed too
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
