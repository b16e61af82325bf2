"""The plain printer: each exchange printed as the same renderables the TUI shows.

Used by `httplab serve --trace` when stdout is not a terminal (or with `--plain`), so the trace
can be piped, logged or run in CI. It prints from its own thread: its bus subscription only sets
an event, and the thread reads `bus.since(last_seq)`, so a slow stdout never slows the server.
If output falls so far behind that the bus evicted items, one line says how many were skipped.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.text import Text
from rich.theme import Theme

from httplab.render.exchange_views import ConnectionEventView, ExchangeView
from httplab.render.theme import THEME
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord, TraceItem


def plain_console(
    file: TextIO | None = None, *, color: bool | None = None, theme: Theme = THEME
) -> Console:
    """A console for the trace: colour only on a terminal (or when `color` forces it)."""
    out = file if file is not None else sys.stdout
    terminal = out.isatty() if color is None else color
    return Console(
        file=out,
        theme=theme,
        force_terminal=terminal,
        no_color=not terminal,
        color_system="auto" if terminal else None,
        highlight=False,
        emoji=False,
        markup=False,
    )


class PlainPrinter:
    """Prints every item published on `bus` until stopped; `with PlainPrinter(bus): ...`."""

    def __init__(
        self,
        bus: TraceBus,
        console: Console | None = None,
        *,
        connection_events: bool = True,
    ) -> None:
        self.bus = bus
        self.console = console if console is not None else plain_console()
        self.connection_events = connection_events
        self.printed = 0
        self.skipped = 0
        self.failed = 0  # items that could not be rendered (a line says so; printing goes on)
        self._last_seq = bus.last_seq
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="httplab-trace-printer", daemon=True)
        self._unsubscribe = bus.subscribe(lambda _item: self._wake.set())

    def start(self) -> PlainPrinter:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Print what is already published, then stop."""
        self._unsubscribe()
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def __enter__(self) -> PlainPrinter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.print_pending()
            except OSError:
                return  # stdout went away (a closed pipe): nothing left to print to
            if self._stopping:
                return

    def print_pending(self) -> None:
        """Print every item published since the last one printed (any thread, not concurrently)."""
        for item in self.bus.since(self._last_seq):
            if item.seq > self._last_seq + 1:
                gap = item.seq - self._last_seq - 1
                self.skipped += gap
                self.console.print(
                    Text(
                        f"… {gap:,} trace items not printed (evicted from the trace)",
                        style="trace.dropped",
                    )
                )
            self._last_seq = item.seq
            try:
                self.print_item(item)
            except OSError:
                raise
            except Exception as exc:  # one odd record must never stop the printer thread
                self.failed += 1
                self.console.print(
                    Text(
                        f"… trace item #{item.seq} could not be shown ({type(exc).__name__})",
                        style="trace.dropped",
                    )
                )

    def print_item(self, item: TraceItem) -> None:
        if isinstance(item, ExchangeRecord):
            self.console.print(ExchangeView(item))
            self.printed += 1
        elif self.connection_events:
            self.console.print(ConnectionEventView(item))
