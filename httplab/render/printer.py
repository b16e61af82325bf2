"""The plain printer: each exchange printed as the same renderables the TUI shows.

Used by `httplab serve --trace` when stdout is not a terminal (or with `--plain`), so the trace
can be piped, logged or run in CI. It must never slow the server it shows (issue 12.4):

- **Its own thread, polling.** The printer's thread reads `bus.since(last_seq)` and renders
  there, so the server thread never renders or writes. While items come it reads again after
  each pause; when it finds nothing it arms the bus's doorbell (`TraceBus.watch`), which the
  next item published rings once: the server's thread does nothing per item for it.
- **A budget of rendering time.** Rendering with rich is pure Python (≈ 2–3 ms an exchange)
  and holds the GIL the server also needs, so a thread alone is not enough: at full speed the
  printer would take half the interpreter. It may spend at most `share` of the wall-clock time
  rendering (5 %, measured in wall time, which also counts the time it holds the GIL while
  the OS has it descheduled), with a `burst` in reserve so an exchange sent by hand is printed
  at once.
- **Batches.** What is pending is rendered into one string and written with one call.
- **A summary of what it skipped.** When more is pending than the budget pays for, the oldest
  items are not rendered; one line says how many, of which kinds, and why
  (`… 1,234 trace items not printed to keep up with the server: 1,230 exchanges (GET 200
  ×1,229, POST 201 ×1), 4 connection events`), and the newest are printed. Items the bus had
  already evicted are counted the same way.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, TextIO

from rich.console import Console
from rich.text import Text
from rich.theme import Theme

from httplab.render.exchange_views import ConnectionEventView, ExchangeView
from httplab.render.theme import THEME
from httplab.trace.bus import TraceBus
from httplab.trace.records import (
    CompactExchange,
    ConnectionEvent,
    ExchangeRecord,
    TraceItem,
    exchange_kinds,
)
from httplab.trace.wire_text import escape_latin1


class BatchRenderer(Protocol):
    """Something that renders batches elsewhere (`render_process.RenderProcess`)."""

    def send(self, summary: str | None, items: Sequence[TraceItem]) -> None: ...

    def close(self, timeout: float = 5.0) -> bool: ...


DEFAULT_SHARE = 0.05
"""Most of the wall-clock time the printer spends rendering while the load lasts (≈ 15
exchanges a second: more than anyone reads, little enough to leave the server alone)."""
DEFAULT_BURST = 0.05
"""Seconds of rendering kept in reserve (≈ 20 exchanges), so a quiet server prints at once."""
BATCH_INTERVAL = 0.2
"""Once behind, the printer waits at least this long between batches: each batch costs the
server a GIL hand-over (up to the 5 ms switch interval) besides the rendering, so fewer,
larger batches cost it less."""
POLL_INTERVAL = 0.03
"""While items come, the printer reads the bus again at most this often (a batch per read:
the server's thread does nothing per item for the printer)."""
FINAL_ALLOWANCE = 1.0
"""Seconds of rendering allowed when stopping: the server has stopped, so nothing is slowed,
but Ctrl-C must not wait for thousands of exchanges to print."""
PROCESS_SHARE = 0.1
"""With a render process: the share of the child's time its batches are paced to (≈ 30
exchanges a second, more than anyone reads as they scroll by; the rest is summarised); it
costs the server only the pickling of compact records (a few µs an exchange). The child's CPU
is still CPU the machine's other work (a load generator, the reader of the pipe) wants."""
PROCESS_BURST = 0.1
"""With a render process: rendering time kept in reserve (≈ 30 exchanges at once)."""
FIRST_COST_ESTIMATE = 0.003
CHILD_COST_SAMPLE = 20
"""Items sent between two readings of the render child's CPU time (its clock ticks are 10 ms)."""
"""Seconds one exchange is assumed to take to render before any has been measured."""


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


class RenderBudget:
    """A token bucket of rendering time: fills at `share` seconds per second up to `burst`.

    `clock` is injectable so the tests can drive time by hand.
    """

    def __init__(
        self,
        share: float = DEFAULT_SHARE,
        burst: float = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self.share = share
        self.burst = burst
        self.tokens = burst
        self._clock = clock
        self._at = clock()

    def refill(self) -> float:
        """Seconds of rendering available now."""
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.share)
        self._at = now
        return self.tokens

    def spend(self, seconds: float) -> None:
        self.tokens -= seconds

    def wait_for(self, seconds: float) -> float:
        """How long until `seconds` of rendering are available (0 when they are now)."""
        return max(0.0, (seconds - self.refill()) / self.share)


class SkippedItems:
    """A tally of items not printed, for the one-line summary."""

    def __init__(self) -> None:
        self.exchanges: Counter[tuple[str, int]] = Counter()
        self.events = 0
        self.evicted = 0

    def add(self, items: Sequence[TraceItem | CompactExchange]) -> None:
        kinds, events = exchange_kinds(items)
        self.exchanges.update(kinds)
        self.events += events

    @property
    def total(self) -> int:
        return self.exchanges.total() + self.events + self.evicted

    def line(self) -> Text:
        total = self.total
        if not self.exchanges and not self.events:
            why = "(evicted from the trace)"
            return Text(f"… {total:,} trace items not printed {why}", style="trace.dropped")
        parts = []
        if self.exchanges:
            kinds = self.exchanges.most_common(3)
            shown = ", ".join(
                f"{escape_latin1(method or '?')} {status or '---'} ×{count:,}"
                for (method, status), count in kinds
            )
            if len(self.exchanges) > len(kinds):
                shown += f", {len(self.exchanges) - len(kinds)} more kinds"
            parts.append(f"{_count(self.exchanges.total(), 'exchange')} ({shown})")
        if self.events:
            parts.append(_count(self.events, "connection event"))
        if self.evicted:
            parts.append(f"{self.evicted:,} evicted from the trace first")
        text = f"… {total:,} trace items not printed to keep up with the server: "
        return Text(text + ", ".join(parts), style="trace.dropped")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


class PlainPrinter:
    """Prints items published on `bus` until stopped; `with PlainPrinter(bus): ...`.

    `budget` limits the time spent rendering (see the module docstring); `printed` counts the
    exchanges printed, `skipped` the trace items summarised instead; `lang` is the language of
    the field explanations. With `renderer` (a
    `RenderProcess`), batches are handed to that child process to render and write, and the
    budget paces them at the child's speed instead (`PROCESS_SHARE` of its time).
    """

    def __init__(
        self,
        bus: TraceBus,
        console: Console | None = None,
        *,
        connection_events: bool = True,
        budget: RenderBudget | None = None,
        renderer: BatchRenderer | None = None,
        lang: str = "en",
        notices: TextIO | None = None,
    ) -> None:
        self.bus = bus
        self.notices = notices  # where "the trace output was closed" goes (None: stderr)
        self.output_closed = False
        self.lang = lang  # of the field explanations (serve --trace --plain --lang ru)
        self.console = console if console is not None else plain_console()
        self.connection_events = connection_events
        self.renderer = renderer
        if budget is None:
            share = DEFAULT_SHARE if renderer is None else PROCESS_SHARE
            budget = RenderBudget(share, DEFAULT_BURST if renderer is None else PROCESS_BURST)
        self.budget = budget
        self.printed = 0
        self.skipped = 0
        self.failed = 0  # items that could not be rendered (a line says so; printing goes on)
        self.cost = FIRST_COST_ESTIMATE  # seconds to render one item, a moving average
        self._sent = 0  # items handed to the render child
        self._sent_at = 0  # … when its CPU time was last read
        self._child_cpu: float | None = None
        self._last_seq = bus.last_seq
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._stopping = False
        self._found = False  # the last print_pending found items
        self._thread = threading.Thread(target=self._run, name="httplab-trace-printer", daemon=True)
        # rung (on the server's thread) by the first item published after the printer found
        # nothing: no call per item
        self._watch = bus.watch(self._wake.set)

    def start(self) -> PlainPrinter:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Print what is already published (at most `FINAL_ALLOWANCE` of rendering; the rest
        summarised), then stop. Stop the server first: nothing is left to slow down."""
        self._watch.close()
        self._stopping = True
        self._halt.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self.renderer is not None and not self.renderer.close(timeout):
            # a busy machine starves the child (nice 19): say so rather than end mid-trace
            with contextlib.suppress(OSError):
                self.console.print(
                    Text(
                        f"… the trace's render process was stopped: it had not printed "
                        f"everything {timeout:g} s after the server stopped, so the last items "
                        "may be missing",
                        style="trace.dropped",
                    ),
                    soft_wrap=True,  # one line, however long
                )

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
        self._wake.set()  # what was published before the start
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                behind = self.print_pending(final=self._stopping)
            except OSError:
                # stdout went away (`| head -3` exited): nothing left to print to. The server
                # goes on serving, so say it once where the person who started it will see.
                if not self._stopping:
                    self._say_output_closed()
                return
            if self._stopping:
                return
            # Behind, or out of budget: let items gather and the budget refill, so the next
            # batch is one write and the server has the interpreter meanwhile.
            pause = self.budget.wait_for(self.cost)
            if behind:
                pause = max(pause, BATCH_INTERVAL)
            elif self._found:
                pause = max(pause, POLL_INTERVAL)
            if pause > 0:
                self._halt.wait(min(pause, 1.0))
            if self._found or not self._watch.arm(self._last_seq):
                self._wake.set()  # busy: read again (quiet: the doorbell rings)

    def _say_output_closed(self) -> None:
        self.output_closed = True
        stream = self.notices if self.notices is not None else sys.stderr
        with contextlib.suppress(OSError, ValueError):
            stream.write(
                "httplab: the trace output was closed (its reader exited); the server goes on "
                "serving without printing the trace (Ctrl-C stops it)\n"
            )
            stream.flush()

    def print_pending(self, *, final: bool = False) -> bool:
        """Print what was published since the last call, as far as the budget allows (when
        `final`, the server has stopped: `FINAL_ALLOWANCE`), in one write; summarise the rest
        in one line. True when something was skipped."""
        allowance = FINAL_ALLOWANCE if final else self.budget.refill()
        affordable = max(0, int(allowance / max(self.cost, 1e-6)))
        # The newest are the ones worth reading; the older ones become one line (counted as
        # the bus keeps them, without making them records).
        first, older, items = self.bus.since_split(self._last_seq, affordable)
        self._found = bool(older or items)
        if not self._found:
            return False
        skipped = SkippedItems()
        skipped.evicted = max(0, first - self._last_seq - 1)
        self._last_seq = first + len(older) + len(items) - 1
        if not self.connection_events:
            items = [item for item in items if isinstance(item, ExchangeRecord)]
            older = [item for item in older if not isinstance(item, ConnectionEvent)]
        if older:
            skipped.add(older)
        if skipped.total:
            self.skipped += skipped.total
        summary = skipped.line() if skipped.total else None
        if self.renderer is not None:
            # The child renders at its own pace: the budget counts its rendering time (the
            # cost per item learnt from the child's CPU time), so batches come no faster
            # than PROCESS_SHARE of its time pays for.
            self._learn_child_cost()
            try:
                self.renderer.send(summary.plain if summary else None, items)
            except OSError:
                # The child is gone (it could not start, or died): render here from now on;
                # if stdout itself is closed, the write below says so.
                self.renderer.close(0.5)
                self.renderer = None
                self.budget = RenderBudget()
            else:
                self.printed += sum(isinstance(item, ExchangeRecord) for item in items)
                self._sent += len(items)
                self.budget.spend(len(items) * self.cost)
                return bool(skipped.total)
        started = time.perf_counter()
        with self.console.capture() as capture:
            if summary is not None:
                self.console.print(summary, soft_wrap=True)  # one line, however long
            for item in items:
                self.print_one(item)
        self.console.file.write(capture.get())
        self.console.file.flush()
        spent = time.perf_counter() - started
        self.budget.spend(spent)
        if items:
            self.cost = 0.7 * self.cost + 0.3 * (spent / len(items))
        return bool(skipped.total)

    def _learn_child_cost(self) -> None:
        """Seconds the child spends on an item, from its CPU time (a users exchange is ~8 ms
        with rich, not the 3 ms first assumed), once enough items went for a fair reading."""
        cpu_seconds = getattr(self.renderer, "cpu_seconds", None)
        now = cpu_seconds() if cpu_seconds is not None else None
        if now is None:
            return
        if self._child_cpu is not None and self._sent - self._sent_at >= CHILD_COST_SAMPLE:
            per_item = (now - self._child_cpu) / (self._sent - self._sent_at)
            if per_item > 0:
                self.cost = 0.5 * self.cost + 0.5 * per_item
        if self._child_cpu is None or self._sent - self._sent_at >= CHILD_COST_SAMPLE:
            self._child_cpu, self._sent_at = now, self._sent

    def print_one(self, item: TraceItem) -> None:
        """`print_item`, or a line saying the item could not be shown."""
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
            self.console.print(ExchangeView(item, lang=self.lang))
            self.printed += 1
        elif self.connection_events:
            self.console.print(ConnectionEventView(item, self.lang))
