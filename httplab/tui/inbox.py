"""Records from the server thread into the UI loop, pulled from the bus in batches.

The inbox polls the bus (`start()`): a flush on the UI loop takes everything published since
the last one straight from the bus (`bus.since`: one list copy, no per-record queue) and hands
the exchanges to `deliver` in one batch, with the count of those the bus evicted before the
screen could take them; while it finds something, the next flush comes `delay` later. A flush
that finds nothing arms the bus's doorbell (`TraceBus.watch`) instead: the next item published
calls `wake()` on the server's thread, once, which schedules a flush with
`loop.call_soon_threadsafe`. So the server's thread does nothing per record for the screen
(issue 12), thousands of records a second cost a few flushes a second, and an exchange after a
quiet moment is on screen one `delay` later. `delay` may be a function (the screen's
`RedrawPacer.interval`): then the wait grows with what a redraw costs. (`wake` also works as a
per-item `bus.subscribe` callback.)

With `on_quiet`, the inbox also says when the server has gone quiet: `quiet_after` seconds
after a delivery during which nothing more was published (one timer while records come, none
while idle). The screen uses it to end a flood (`flood.FloodWatch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from httplab.trace.bus import TraceBus, Watch
from httplab.trace.records import ExchangeRecord, TraceItem
from httplab.tui.flood import FLOOD_CALM

FLUSH_DELAY = 0.1  # seconds; ~10 screen updates a second at most


class BusInbox:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        bus: TraceBus,
        deliver: Callable[[list[ExchangeRecord], int], None],
        delay: float | Callable[[], float] = FLUSH_DELAY,
        *,
        since: int | None = None,
        on_quiet: Callable[[], None] | None = None,
        quiet_after: float = FLOOD_CALM,
    ) -> None:
        """Delivers what `bus` publishes after seq `since` (default: from now on)."""
        self._loop = loop
        self._bus = bus
        self._deliver = deliver
        self._delay = delay
        self._last_seq = bus.last_seq if since is None else since
        # Set on the server's thread, cleared on the loop: a stale read costs at most one
        # extra (empty) flush, never a lost record (the flush reads the bus itself).
        self._pending = False
        self._closed = False
        self.flushes = 0
        self._on_quiet = on_quiet
        self._quiet_after = quiet_after
        self._quiet_seq: int | None = None  # the bus's last seq when the quiet timer was armed
        self._watch: Watch | None = None

    def start(self) -> BusInbox:
        """Poll the bus from now on: what is there already is delivered at once."""
        self._watch = self._bus.watch(self.wake)
        self.wake(None)
        return self

    def wake(self, item: TraceItem | None = None) -> None:
        """The bus subscriber. Called on any thread; never blocks and never raises."""
        if self._pending or self._closed:
            return
        if item is not None and not isinstance(item, ExchangeRecord):
            return  # connection events alone do not redraw the screen
        self._pending = True
        try:
            self._loop.call_soon_threadsafe(self._arm)
        except RuntimeError:  # the UI loop is closed: the screen is gone
            self._closed = True

    def close(self) -> None:
        self._closed = True
        if self._watch is not None:
            self._watch.close()

    def _arm(self) -> None:
        delay = self._delay() if callable(self._delay) else self._delay
        self._loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._pending = False  # before reading: what is published from here on wakes again
        if self._closed:
            return
        items = self._bus.since(self._last_seq)
        if self._watch is not None and (items or not self._watch.arm(self._last_seq)):
            # busy: look again after the delay (no wake per record); quiet: the doorbell rings
            self._pending = True
            self._arm()
        if not items:
            return
        evicted = max(0, items[0].seq - self._last_seq - 1)
        self._last_seq = items[-1].seq
        batch = [item for item in items if isinstance(item, ExchangeRecord)]
        if batch or evicted:
            self.flushes += 1
            self._deliver(batch, evicted)
            if self._on_quiet is not None and self._quiet_seq is None:
                self._arm_quiet()

    def _arm_quiet(self) -> None:
        self._quiet_seq = self._bus.last_seq
        self._loop.call_later(self._quiet_after, self._check_quiet)

    def _check_quiet(self) -> None:
        if self._closed or self._on_quiet is None:
            return
        if self._pending or self._bus.last_seq != self._quiet_seq:
            self._arm_quiet()  # still coming, or not all delivered yet: look again later
            return
        self._quiet_seq = None
        self._on_quiet()
