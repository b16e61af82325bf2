"""What the trace screen shows, as plain data: the screen is a view of this state.

Records arrive in seq order and are kept in a bounded deque (the bus's ring buffer has the
same bound), so memory stays flat however long the server runs. `visible` is the filtered list
the exchange list draws; it is extended as records arrive and rebuilt only when the filter
changes. The selection follows the newest exchange until the user moves away from the bottom.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from httplab.trace.records import ExchangeRecord, parse_request
from httplab.tui.filtering import ExchangeFilter

DEFAULT_CAPACITY = 10_000
LEARN_ALL = 100
"""Header names are learnt (for completion) from every one of the first records…"""
LEARN_EVERY = 50
"""…then from one in this many: reading a compact record's head again costs ~20 µs."""


class TraceState:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.records: deque[ExchangeRecord] = deque(maxlen=capacity)
        self.visible: list[ExchangeRecord] = []
        self.filter = ExchangeFilter()
        self.selected = -1  # index into visible; -1 when empty
        self.follow = True
        self.marked: set[int] = set()  # seqs marked for saving
        self.last_seq = 0
        self.dropped = 0  # records the UI never saw (bus overflow) or evicted here
        self.record_errors = 0  # records whose completion data could not be read (shown anyway)
        self.paths_seen: dict[str, None] = {}  # ordered set for completion
        self.header_names_seen: dict[str, None] = {}

    # arrivals ----------------------------------------------------------------------------
    def add(self, records: Iterable[ExchangeRecord]) -> int:
        """Append new records; returns how many became visible."""
        added = 0
        for record in records:
            if record.seq and record.seq <= self.last_seq:
                continue  # already shown (a backlog snapshot and the live feed can overlap)
            self.last_seq = max(self.last_seq, record.seq)
            if len(self.records) == self.records.maxlen:
                self._evict(self.records[0])
            self.records.append(record)
            try:
                self._learn(record)
            except Exception:  # one odd record must never take the trace screen down
                self.record_errors += 1
            if self.filter.matches(record):
                self.visible.append(record)
                added += 1
        if self.follow and self.visible:
            self.selected = len(self.visible) - 1
        return added

    def _evict(self, oldest: ExchangeRecord) -> None:
        self.dropped += 1
        self.marked.discard(oldest.seq)
        if self.visible and self.visible[0] is oldest:
            del self.visible[0]
            self.selected = max(self.selected - 1, 0 if self.visible else -1)

    def _learn(self, record: ExchangeRecord) -> None:
        if not record.has_request:
            return
        request = record.request if not record.compacted else None
        path = request.path if request is not None else record.target.partition("?")[0]
        if path.startswith("/") and len(self.paths_seen) < 500:
            self.paths_seen[path] = None
        if len(self.header_names_seen) < 200 and (
            not record.compacted or len(self.records) <= LEARN_ALL or record.seq % LEARN_EVERY == 0
        ):
            # a compact record is read for this without keeping what was parsed (issue 12.4)
            parsed = parse_request(record.raw_request) if record.compacted else None
            request = parsed[1] if parsed is not None else request
            for field in request.headers if request is not None else ():
                self.header_names_seen[field.name.decode("latin-1")] = None

    def clear(self) -> None:
        self.records.clear()
        self.visible.clear()
        self.marked.clear()
        self.selected = -1
        self.follow = True

    # filter ------------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        current = self.current
        self.filter = ExchangeFilter.parse(text)
        self.visible = [r for r in self.records if self.filter.matches(r)]
        if self.follow or current is None:
            self.selected = len(self.visible) - 1
        else:
            self.selected = self._index_of(current.seq)

    def _index_of(self, seq: int) -> int:
        for index, record in enumerate(self.visible):
            if record.seq >= seq:
                return index
        return len(self.visible) - 1

    # selection ---------------------------------------------------------------------------
    @property
    def current(self) -> ExchangeRecord | None:
        if 0 <= self.selected < len(self.visible):
            return self.visible[self.selected]
        return None

    def move(self, delta: int) -> None:
        if not self.visible:
            return
        self.selected = min(max(self.selected + delta, 0), len(self.visible) - 1)
        # Scrolling away from the newest stops following; coming back to it resumes.
        self.follow = self.selected == len(self.visible) - 1

    def to_newest(self) -> None:
        self.selected = len(self.visible) - 1
        self.follow = True

    def to_oldest(self) -> None:
        self.selected = 0 if self.visible else -1
        self.follow = len(self.visible) <= 1

    def toggle_mark(self) -> None:
        record = self.current
        if record is not None:
            self.marked ^= {record.seq}

    def to_save(self) -> list[ExchangeRecord]:
        """The marked exchanges in order, or the selected one when none is marked."""
        if self.marked:
            return [r for r in self.records if r.seq in self.marked]
        return [self.current] if self.current is not None else []
