"""`httplab serve --trace`: start the server with a trace bus, then show the trace.

On a terminal the full-screen trace view runs; when stdout or stdin is not a terminal (piped,
logged, CI) or with `--plain`, each exchange is printed with the plain printer instead. Either
way the server is stopped before this returns. prompt_toolkit is imported only for the screen.
"""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Protocol, TextIO

from httplab.trace.bus import DEFAULT_CAPACITY, TraceBus
from httplab.trace.intercept import Intercept
from httplab.tui.start_failure import start_failure

HOLD_NEEDS_SCREEN = (
    "httplab serve --trace --hold: held requests are released with keys of the full-screen "
    "trace view (a, A, E), which --plain (or output that is not a terminal) does not have; "
    "run it in a terminal without --plain, or drop --hold"
)
TRACE_GC_THRESHOLD = 10_000
"""Allocations (minus deallocations) of container objects between young collections (the
interpreter's default is 700); see `tune_garbage_collector`."""


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
    lang: str = "en"  # the field explanations' language, in the view and in plain output
    command: str = "httplab serve --trace"  # how its error lines name the command
    port_option: str = "--port"  # the option that picks the port, named when it is in use
    intercept: Intercept | None = None  # the server's hold (H, a, A, E); active with --hold


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
            err.write(f"{settings.command}: --to: {exc}\n")
            return 2
    plain = settings.plain or not (out.isatty() and sys.stdin.isatty())
    if plain and settings.intercept is not None and settings.intercept.active:
        err.write(HOLD_NEEDS_SCREEN + "\n")
        return 2
    bus = TraceBus(settings.capacity)
    server = make_server(bus)
    try:
        server.start()
    except OSError as exc:
        err.write(start_failure(exc, settings.command, settings.port_option) + "\n")
        return 1
    if plain:
        return _run_plain(bus, server, out, err, settings.theme, settings.lang)

    from httplab.tui.controller import TraceOptions
    from httplab.tui.run import run_trace_screen

    options = TraceOptions(
        reset_users=users_reset(server),
        server_host=server.host,
        server_port=server.port,
        to_host=to_address[0] if to_address else None,
        to_port=to_address[1] if to_address else None,
        theme=settings.theme,
        mouse=settings.mouse,
        capacity=settings.capacity,
        lang=settings.lang,
        intercept=settings.intercept,
    )
    restore_collector = tune_garbage_collector()  # after the imports: they get frozen too
    try:
        return run_trace_screen(bus, options, server.stop)
    finally:
        restore_collector()


def users_reset(server: object) -> Callable[[], int] | None:
    """The users store's reset (U in the view) when `server` serves the users API (an
    HTTPServer's settings.app, a lesson server's app); None otherwise."""
    app = getattr(getattr(server, "settings", None), "app", None) or getattr(server, "app", None)
    reset = getattr(getattr(app, "store", None), "reset", None)
    return reset if callable(reset) else None


def tune_garbage_collector() -> Callable[[], None]:
    """Make the cyclic GC cheap for a traced server; returns a function that undoes it.

    The trace ring keeps ~20 container objects per exchange alive for 10,000 exchanges, all
    acyclic (freed by reference counting when evicted). The collector does not know that: the
    young generation fills with survivors every few dozen requests, and every full collection
    walks the whole ring (plus every object rich and prompt_toolkit made at import). Freezing
    what exists at start-up takes the import-time heap out of every collection, and a larger
    young generation collects ~14x less often; cycles are still found, only later.
    """
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(TRACE_GC_THRESHOLD, previous[1], previous[2])

    def restore() -> None:
        gc.set_threshold(*previous)
        gc.unfreeze()

    return restore


def _run_plain(
    bus: TraceBus,
    server: TracedServer,
    out: TextIO,
    err: TextIO,
    theme: str = "default",
    lang: str = "en",
) -> int:
    """Print each exchange until SIGINT or SIGTERM, then stop the server."""
    from httplab.render import THEMES
    from httplab.render.printer import PlainPrinter, plain_console
    from httplab.render.render_process import RenderProcess

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    url = f"http://{server.host}:{server.port}"
    console = plain_console(out, theme=THEMES.get(theme, THEMES["default"]))
    # rendering in a child process keeps rich off the server's interpreter lock (issue 12.4)
    renderer = RenderProcess.for_stream(
        out, color=console.color_system is not None, theme=theme, width=console.width, lang=lang
    )
    printer = PlainPrinter(bus, console, renderer=renderer, lang=lang).start()
    restore_collector = tune_garbage_collector()
    try:
        err.write(f"httplab: tracing {url} (plain output; Ctrl-C stops)\n")
        err.flush()
        while not stop.wait(0.25):
            pass
    finally:
        server.stop()
        printer.stop()  # after the server: what it published last is printed too
        restore_collector()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
