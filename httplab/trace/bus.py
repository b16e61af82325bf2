"""The trace bus: records go from the server thread to whoever watches, never blocking the server.

    server ──publish(item)──▶ [ intake ] ─(a reader drains)─▶ [ ring buffer, newest last ]
                                                   ──snapshot() / since(seq)──▶ readers

`publish` runs on the server's thread for every exchange, so it takes no lock and calls
nobody (issue 12): it appends the item to the *intake*, a deque (an append is atomic under the
GIL), and returns. The server hands an exchange over as one tuple of bytes and scalars
(`records.exchange_entry`, a `CompactExchange`), not a record: the intake and the ring keep it
so, and it becomes an `ExchangeRecord` only when a reader takes it (`since`, `snapshot`; the
record then replaces the tuple, so a reader asking again gets the same object). In a flood
most exchanges are evicted before any reader looks, so they never become records, and tuples
of bytes and scalars are not walked by the garbage collector. A reader that counts what it
skips (the plain printer) reads the tuples themselves (`since_split`).

Readers move what the intake holds into the ring in one batch when they read (`since`,
`snapshot`, `last_seq`, …), under the bus's one lock: seq numbers are stamped there, in the
order of publishing (a tuple's seq is its place in the ring), and the ring's bounds are kept
there. If nobody reads for
a while, the publisher moves the intake itself every `INTAKE_LIMIT` items, so memory stays
bounded either way.

Readers poll: a reader that is busy reads every few tens of milliseconds; one that found
nothing new arms a `Watch` and is woken (its `wake` called on the publisher's thread) by the
first item published after that — one call when the bus goes from quiet to busy, none per
item. The TUI's inbox and the plain printer read this way. `subscribe` is still there for
readers that want every item as it is published (the transcript recorder, the lessons): while
anyone subscribes, `publish` stamps and keeps each item under the lock at once and calls the
subscribers right there, on the publisher's thread (so they must be quick and must not block).
An exception in a subscriber or a wake is counted, never raised into the server.

Memory stays flat however long the server runs: the ring keeps at most `capacity` items and at
most `max_bytes` of bytes (raw request and response plus the parsed bodies of the records it
holds); older items are evicted and counted in `dropped`. Each exchange is kept compact
(`ExchangeRecord.compact`: raw bytes and a few scalars, parsed again when a view asks), so the
ring is about one object per exchange for the garbage collector, not twenty. A big body is
trimmed on the way in (on the publisher's thread, before the intake): a record keeps the head
and the first `body_keep` bytes of each body, says how many raw bytes it left out in
`record.omitted`, and carries a note saying so, so every view shows it. Sixty 10 MiB uploads
therefore cost 60 × 2 × 64 KiB in the trace, not 1.2 GB, and the trace holds roughly
`capacity × ~1 KB + max_bytes` at most (plus at most `INTAKE_LIMIT` items not yet read).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from itertools import islice, repeat
from operator import call

from httplab.protocol.messages import Note
from httplab.trace.records import BODY_KEEP, CompactExchange, ExchangeRecord, TraceItem

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_BYTES = 128 * 1024 * 1024

Subscriber = Callable[[TraceItem], None]
Kept = TraceItem | CompactExchange
"""What the intake and the ring hold: a trace item, or an exchange in its compact form
(`records.exchange_entry`), made a record when a reader takes it."""


def wire_size(item: Kept) -> int:
    """Bytes an item holds (what the byte budget counts): raw both ways and the bodies."""
    if item.__class__ is tuple:  # a compact exchange: raw request, raw response
        return len(item[4]) + len(item[5])  # type: ignore[index,arg-type]
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


INTAKE_LIMIT = 1024
"""Items the intake holds at most before the publisher moves them into the ring itself (when
no reader has read for a while; the screen reads once a second in a flood). Small enough that
the move, on the server's thread, is under a millisecond: a request sent by hand meanwhile
is not held up by it."""


class Watch:
    """A reader's doorbell: `arm(seen)`, then `wake()` is called once, on the publisher's
    thread, for the next item published (so it must be quick and never block: set an event,
    schedule a call on a loop). See `TraceBus.watch`."""

    __slots__ = ("_bus", "armed", "wake")

    def __init__(self, bus: TraceBus, wake: Callable[[], None]) -> None:
        self._bus = bus
        self.wake = wake
        self.armed = False

    def arm(self, seen: int) -> bool:
        """Ring on the next item published; False, and not armed, when an item after seq
        `seen` is there already (read it now)."""
        # Armed before looking: an item published meanwhile either is seen here or rings.
        self.armed = True
        self._bus._armed = True
        if self._bus.last_seq > seen:
            self.armed = False
            return False
        return True

    def close(self) -> None:
        """Never ring again."""
        self.armed = False
        self._bus._unwatch(self)


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
        # published, not yet in the ring: appended without the lock, taken under it
        self._intake: deque[Kept] = deque()
        # compact exchanges stay tuples here until a reader takes them (`_records`); the
        # seq of ring[i] is `_seq - len(ring) + 1 + i`
        self._ring: deque[Kept] = deque(maxlen=capacity)
        # what each item counted when it came in (a record parsed later for a view holds more,
        # but takes back what it added)
        self._sizes: deque[int] = deque(maxlen=capacity)
        self._bytes = 0
        self._seq = 0
        self._dropped = 0
        self._subscriber_errors = 0
        # Replaced, never mutated, so publish can iterate them without holding the lock.
        self._subscribers: tuple[Subscriber, ...] = ()
        self._watches: tuple[Watch, ...] = ()
        self._armed = False  # some watch waits for the next item

    # the tracer API (called by the server) ---------------------------------------------------
    takes_entries = True
    """`publish` also takes an exchange as `records.exchange_entry` makes it (the server's
    tracer hand-off: one tuple, no record built unless a reader takes it)."""

    def publish(self, item: TraceItem | CompactExchange) -> None:
        """Hand `item` over: kept (big bodies trimmed), stamped with the next seq when it
        reaches the ring, readers woken if they wait. Never blocks, never raises."""
        # (this runs for every exchange on the server's thread: no lock, no call per reader)
        if item.__class__ is tuple:  # a compact exchange: nothing to trim or compact
            if self._subscribers:
                item = ExchangeRecord.from_compact(item, 0)  # type: ignore[arg-type]
        elif isinstance(item, ExchangeRecord):
            try:
                # the server hands over compact exchanges already (`records.exchange_entry`)
                if not item._lazy or len(item.raw_request) + len(item.raw_response) > (
                    self.body_keep
                ):
                    self._prepare(item)
            except (AttributeError, TypeError):  # a malformed record is carried as it is
                pass
        if self._subscribers:
            self._publish_now(item)  # type: ignore[arg-type]
            return
        intake = self._intake
        intake.append(item)
        if self._armed:
            self._ring_watches()
        if len(intake) > INTAKE_LIMIT:
            with self._lock:
                self._take_intake()

    def _prepare(self, record: ExchangeRecord) -> None:
        """Big bodies trimmed (bodies are no longer than the raw bytes that carried them), the
        parsed messages let go when they can be read again from the raw bytes."""
        if len(record.raw_request) + len(record.raw_response) > self.body_keep:
            trim_bodies(record, self.body_keep)
        if not record._lazy:
            record.compact()

    def _publish_now(self, item: TraceItem) -> None:
        """With subscribers: stamped and kept at once, then each subscriber called."""
        with self._lock:
            self._take_intake()
            self._keep([item])
            subscribers = self._subscribers
        if self._armed:
            self._ring_watches()
        for callback in subscribers:
            try:
                callback(item)
            except Exception:
                # A broken viewer must not take the server down; the count shows it happened.
                with self._lock:
                    self._subscriber_errors += 1

    def _take_intake(self) -> None:
        """Move what the intake holds into the ring, in the order it was published (under
        the lock)."""
        intake = self._intake
        count = len(intake)
        if count:
            # `count` items from the left: the publisher may append more meanwhile
            self._keep(list(map(call, repeat(intake.popleft, count))))

    def _keep(self, items: list[Kept]) -> None:
        """Stamp `items` and append them to the ring, evicting the oldest past its bounds
        (under the lock). A compact exchange is stamped by its place in the ring."""
        ring, sizes = self._ring, self._sizes
        first = self._seq + 1
        self._seq += len(items)
        surplus = len(items) - self.capacity
        if surplus > 0:  # the batch alone fills the ring: its oldest are evicted at once
            for seq, item in enumerate(items[:surplus], first):
                if item.__class__ is not tuple:
                    item.seq = seq  # type: ignore[union-attr]
            self._dropped += surplus + len(ring)
            ring.clear()
            sizes.clear()
            self._bytes = 0
            first += surplus
            items = items[surplus:]
        # Both deques are bounded by `capacity`: what falls out of their left as they are
        # extended is counted first.
        overflow = len(ring) + len(items) - self.capacity
        if overflow > 0:
            self._dropped += overflow
            self._bytes -= sum(islice(sizes, 0, overflow))
        added = [len(i[4]) + len(i[5]) if i.__class__ is tuple else -1 for i in items]  # type: ignore[index,arg-type]
        if -1 in added:  # records and events: stamped here, sized in full
            for index, item in enumerate(items):
                if item.__class__ is not tuple:
                    item.seq = first + index  # type: ignore[union-attr]
                    added[index] = wire_size(item)
        self._bytes += sum(added)
        sizes.extend(added)
        ring.extend(items)
        # Keep the newest item even if it alone exceeds the byte budget.
        while self._bytes > self.max_bytes and len(ring) > 1:
            ring.popleft()
            self._bytes -= sizes.popleft()
            self._dropped += 1

    def _records(self, skip: int) -> list[TraceItem]:
        """The ring's items from position `skip` on, compact exchanges made records (and kept
        as records from now on, so a reader asking again gets the same objects)."""
        ring = self._ring
        tail = list(islice(ring, skip, None))
        first = self._seq - len(ring) + 1 + skip
        made = [
            ExchangeRecord.from_compact(item, seq) if item.__class__ is tuple else item  # type: ignore[arg-type]
            for seq, item in enumerate(tail, first)
        ]
        if made != tail:  # (compared by identity first: quick when nothing was made)
            head = list(islice(ring, 0, skip))
            ring.clear()
            ring.extend(head)
            ring.extend(made)
        return made  # type: ignore[return-value]

    def _ring_watches(self) -> None:
        self._armed = False
        for watch in self._watches:
            if watch.armed:
                watch.armed = False
                try:
                    watch.wake()
                except Exception:
                    self._subscriber_errors += 1

    # watching -------------------------------------------------------------------------------
    def watch(self, wake: Callable[[], None]) -> Watch:
        """A doorbell for a reader that polls with `since()`: after `watch.arm(seen)`, `wake()`
        is called once, on the publisher's thread, for the next item published. `close()` it
        when done."""
        watch = Watch(self, wake)
        with self._lock:
            self._watches = (*self._watches, watch)
        return watch

    def _unwatch(self, watch: Watch) -> None:
        with self._lock:
            self._watches = tuple(w for w in self._watches if w is not watch)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(item)` for every item published from now on; returns unsubscribe.

        The callback runs on the publisher's (server's) thread: it must return quickly and
        never block. Hand work over to your own thread or event loop. (A reader that can
        poll is cheaper for the server: `watch`.)
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
            self._take_intake()
            return self._records(0)

    def since(self, seq: int) -> list[TraceItem]:
        """Items with `item.seq > seq`, oldest first (those already evicted are gone)."""
        with self._lock:
            self._take_intake()
            return self._records(self._skip(seq))

    def since_split(self, seq: int, newest: int) -> tuple[int, list[Kept], list[TraceItem]]:
        """`since(seq)` for a reader that shows only the newest `newest` of them and counts
        the rest (the plain printer under load): `(first, older, shown)`, where `shown` are
        the newest items as records, `older` the items before them as kept (an exchange
        perhaps as its compact tuple: `records.exchange_kinds` counts both), and `first` the
        seq of the first of them all (0 when there is nothing after `seq`)."""
        with self._lock:
            self._take_intake()
            skip = self._skip(seq)
            count = len(self._ring) - skip
            if count <= 0:
                return 0, [], []
            cut = max(0, count - max(0, newest))
            older = list(islice(self._ring, skip, skip + cut))
            return self._seq - len(self._ring) + 1 + skip, older, self._records(skip + cut)

    def _skip(self, seq: int) -> int:
        """How many of the ring's items have a seq up to `seq` (under the lock)."""
        # Items in the ring have consecutive seq numbers, so the position is arithmetic.
        return min(len(self._ring), max(0, seq - (self._seq - len(self._ring))))

    def clear(self) -> None:
        """Forget every item held (not counted as dropped); seq numbers keep increasing."""
        with self._lock:
            self._take_intake()
            self._ring.clear()
            self._sizes.clear()
            self._bytes = 0

    # counters -------------------------------------------------------------------------------
    @property
    def dropped(self) -> int:
        """Items evicted from the ring to keep it within capacity and max_bytes."""
        with self._lock:
            self._take_intake()
            return self._dropped

    @property
    def last_seq(self) -> int:
        """The seq of the newest item published (0 before any)."""
        if self._intake:
            with self._lock:
                self._take_intake()
        return self._seq

    @property
    def held_bytes(self) -> int:
        with self._lock:
            self._take_intake()
            return self._bytes

    @property
    def subscriber_errors(self) -> int:
        return self._subscriber_errors

    def __len__(self) -> int:
        with self._lock:
            self._take_intake()
            return len(self._ring)
