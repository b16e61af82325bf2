"""The trace bus: records go from the server thread to whoever watches, never blocking the server.

    server ──publish(item)──▶ [ ring buffer, newest last ] ──snapshot() / since(seq)──▶ readers
                           └─▶ subscriber callbacks (called right there, on the server thread)

`publish` takes one lock for O(1) work (amortised: an append, sometimes evicting the oldest
items) and then calls the subscribers outside the lock. A subscriber runs on the publisher's
thread, so it must be quick and must not block: hand the item over (the TUI uses
`loop.call_soon_threadsafe`, the plain printer sets an event and reads `since()` from its own
thread) and return. An exception in a subscriber is counted, never raised into the server.

Memory stays flat however long the server runs: the ring keeps at most `capacity` items and at
most `max_bytes` of bytes (raw request and response plus the parsed bodies of the records it
holds); older items are evicted and counted in `dropped`. Each exchange is kept compact
(`ExchangeRecord.compact`: raw bytes and a few scalars, parsed again when a view asks), so the
ring is about one object per exchange for the garbage collector, not twenty. A big body is
trimmed on the way in: a record keeps the head and the first `body_keep` bytes of each body,
says how many raw bytes it left out in `record.omitted`, and carries a note saying so, so every
view shows it. Sixty 10 MiB uploads therefore cost 60 × 2 × 64 KiB in the trace, not 1.2 GB,
and the trace holds roughly `capacity × ~1 KB + max_bytes` at most.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from itertools import islice

from httplab.protocol.messages import Note
from httplab.trace.records import BODY_KEEP, ExchangeRecord, TraceItem

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_BYTES = 128 * 1024 * 1024

Subscriber = Callable[[TraceItem], None]


def wire_size(item: TraceItem) -> int:
    """Bytes an item holds (what the byte budget counts): raw both ways and the bodies."""
    if not isinstance(item, ExchangeRecord):
        return 0
    try:
        size = len(item.raw_request) + len(item.raw_response)
        if item.compacted:  # nothing parsed is held
            return size
        if item.request is not None:
            size += len(item.request.body)
        if item.response is not None:
            size += len(item.response.body)
    except (AttributeError, TypeError):  # a malformed record: counted as empty
        return 0
    return size


def _cut(raw: bytes, keep: int) -> int:
    """Where to cut raw message bytes: after the (first) head and `keep` more bytes."""
    head_end = raw.find(b"\r\n\r\n")
    head_end = len(raw) if head_end < 0 else head_end + 4
    return head_end + keep


def trim_bodies(record: ExchangeRecord, keep: int = BODY_KEEP) -> None:
    """Keep the heads and the first `keep` body bytes of a record's request and response."""
    if len(record.raw_request) + len(record.raw_response) <= keep:
        return  # bodies are no longer than the raw bytes that carried them: nothing to cut
    request, response = record.request, record.response
    if request is not None and len(request.body) > keep:
        record.request = replace(request, body=request.body[:keep])
    if response is not None and len(response.body) > keep:
        record.response = replace(response, body=response.body[:keep])
    omitted = list(record.omitted)
    for side, raw in enumerate((record.raw_request, record.raw_response)):
        cut = _cut(raw, keep)
        if len(raw) <= cut:
            continue
        omitted[side] += len(raw) - cut
        if side == 0:
            record.raw_request = raw[:cut]
        else:
            record.raw_response = raw[:cut]
        what = ("request", "response")[side]
        record.notes.append(
            Note(
                f"trace-trimmed-{what}",
                f"the trace keeps the first {keep:,} body bytes of this {what}: "
                f"{omitted[side]:,} more bytes went over the wire but are not shown",
                "",
                "info",
            )
        )
    record.omitted = (omitted[0], omitted[1])


class TraceBus:
    """A thread-safe ring buffer of trace items with subscribers; implements the tracer API."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        body_keep: int = BODY_KEEP,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.body_keep = body_keep
        self._lock = threading.Lock()
        self._ring: deque[TraceItem] = deque()
        # what each item counted when it came in (a record parsed later for a view holds more,
        # but takes back what it added)
        self._sizes: deque[int] = deque()
        self._bytes = 0
        self._seq = 0
        self._dropped = 0
        self._subscriber_errors = 0
        # Replaced, never mutated, so publish can iterate it without holding the lock.
        self._subscribers: tuple[Subscriber, ...] = ()

    # the tracer API (called by the server) ---------------------------------------------------
    def publish(self, item: TraceItem) -> None:
        """Stamp `item.seq`, keep it (big bodies trimmed), tell the subscribers. Never blocks,
        never raises."""
        # (this runs for every exchange on the server's thread: plain try/except, no
        # context-manager objects, one lock)
        size = 0
        if isinstance(item, ExchangeRecord):
            try:
                size = len(item.raw_request) + len(item.raw_response)
                if size > self.body_keep:  # (bodies are no longer than the raw bytes)
                    trim_bodies(item, self.body_keep)
                    size = len(item.raw_request) + len(item.raw_response)
                # kept as bytes and scalars, parsed again when shown: few objects to collect
                # (the server builds its records compact already: `ExchangeRecord.answered`)
                if not (item.compacted or item.compact()):
                    size = wire_size(item)
            except (AttributeError, TypeError):  # a malformed record is carried as it is
                size = wire_size(item)
        ring = self._ring
        with self._lock:
            self._seq += 1
            item.seq = self._seq
            ring.append(item)
            self._sizes.append(size)
            self._bytes += size
            # Keep the newest item even if it alone exceeds the byte budget.
            while len(ring) > self.capacity or (self._bytes > self.max_bytes and len(ring) > 1):
                ring.popleft()
                self._bytes -= self._sizes.popleft()
                self._dropped += 1
            subscribers = self._subscribers
        for callback in subscribers:
            try:
                callback(item)
            except Exception:
                # A broken viewer must not take the server down; the count shows it happened.
                with self._lock:
                    self._subscriber_errors += 1

    # watching -------------------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(item)` for every item published from now on; returns unsubscribe.

        The callback runs on the publisher's (server's) thread: it must return quickly and
        never block. Hand work over to your own thread or event loop.
        """
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not callback)

        return unsubscribe

    def snapshot(self) -> list[TraceItem]:
        """Every item still held, oldest first."""
        with self._lock:
            return list(self._ring)

    def since(self, seq: int) -> list[TraceItem]:
        """Items with `item.seq > seq`, oldest first (those already evicted are gone)."""
        with self._lock:
            if not self._ring:
                return []
            # Items in the ring have consecutive seq numbers, so the position is arithmetic.
            skip = max(0, seq - self._ring[0].seq + 1)
            return list(islice(self._ring, skip, None))

    def clear(self) -> None:
        """Forget every item held (not counted as dropped); seq numbers keep increasing."""
        with self._lock:
            self._ring.clear()
            self._sizes.clear()
            self._bytes = 0

    # counters -------------------------------------------------------------------------------
    @property
    def dropped(self) -> int:
        """Items evicted from the ring to keep it within capacity and max_bytes."""
        return self._dropped

    @property
    def last_seq(self) -> int:
        """The seq of the newest item published (0 before any)."""
        return self._seq

    @property
    def held_bytes(self) -> int:
        return self._bytes

    @property
    def subscriber_errors(self) -> int:
        return self._subscriber_errors

    def __len__(self) -> int:
        return len(self._ring)
