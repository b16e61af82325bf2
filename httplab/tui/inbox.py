"""Records from the server thread into the UI loop, batched.

The bus calls `put()` on the server's thread for every record; that must never block or touch
UI state. `put()` appends to a bounded deque (thread-safe for append/popleft) and, only when no
flush is pending yet, schedules one with `loop.call_soon_threadsafe`. The flush runs on the UI
loop a short moment later and hands everything gathered so far to `deliver` in one batch, so
thousands of records a second cost a few redraws a second, not one each. `delay` may be a
function (the screen's `RedrawPacer.interval`): then the wait grows with what a redraw costs.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable

from httplab.trace.records import ConnectionEvent, ExchangeRecord

FLUSH_DELAY = 0.1  # seconds; ~10 screen updates a second at most


class BatchedInbox:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        deliver: Callable[[list[ExchangeRecord], int], None],
        capacity: int = 10_000,
        delay: float | Callable[[], float] = FLUSH_DELAY,
    ) -> None:
        self._loop = loop
        self._deliver = deliver
        self._items: deque[ExchangeRecord] = deque()
        self._capacity = capacity
        self._delay = delay
        self._pending = False
        self._lock = threading.Lock()  # guards _pending and _overflow only; held for nanoseconds
        self._overflow = 0
        self._closed = False

    def put(self, item: ExchangeRecord | ConnectionEvent) -> None:
        """Called on any thread; never blocks for long and never raises into the server."""
        if self._closed or not isinstance(item, ExchangeRecord):
            return
        self._items.append(item)
        schedule = False
        with self._lock:
            if len(self._items) > self._capacity:
                self._items.popleft()
                self._overflow += 1
            if not self._pending:
                self._pending = schedule = True
        if schedule:
            try:
                self._loop.call_soon_threadsafe(self._arm)
            except RuntimeError:  # the UI loop is closed: the screen is gone
                self._closed = True

    def close(self) -> None:
        self._closed = True

    def _arm(self) -> None:
        delay = self._delay() if callable(self._delay) else self._delay
        self._loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        with self._lock:
            self._pending = False
            overflow, self._overflow = self._overflow, 0
        batch: list[ExchangeRecord] = []
        while self._items:
            batch.append(self._items.popleft())
        if batch or overflow:
            self._deliver(batch, overflow)
