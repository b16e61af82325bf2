"""What the trace screen shows, as plain data: the screen is a view of this state.

Records arrive in seq order and are kept in a bounded deque (the bus's ring buffer has the
same bound), so memory stays flat however long the server runs. `visible` is the filtered list
the exchange list draws; it is extended as records arrive and rebuilt only when the filter
changes. The selection follows the newest exchange until the user moves away from the bottom.

Requests the server holds for the view (`serve --trace --hold`) are rows too: `held` comes
after `visible` (they are the newest, and not answered yet), whatever the filter, and the
selection's index runs over both; once answered, a held request arrives as a record like any.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Iterable
from itertools import islice

from httplab.trace.records import ExchangeRecord, parse_request
from httplab.tui.filtering import ExchangeFilter

DEFAULT_CAPACITY = 10_000
_SEQ = operator.attrgetter("seq")
LEARN_PER_BATCH = 64
"""Completion learns from at most this many records of a batch (spread over it)…"""
LEARN_ALL = 100
"""Header names are learnt (for completion) from every one of the first records…"""
LEARN_EVERY = 50
"""…then from one in this many: reading a compact record's head again costs ~20 µs."""


class TraceState:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.records: deque[ExchangeRecord] = deque(maxlen=capacity)
        self.visible: list[ExchangeRecord] = []
        self.held: list[ExchangeRecord] = []  # held requests, oldest first (after visible)
        self.filter = ExchangeFilter()
        self.selected = -1  # index into visible; -1 when empty
        self.follow = True
        self.marked: set[int] = set()  # seqs marked for saving
        self.last_seq = 0
        self.dropped = 0  # records the UI never saw (bus overflow) or evicted here
        self.record_errors = 0  # records whose completion data could not be read (shown anyway)
        self.paths_seen: dict[str, None] = {}  # ordered set for completion
        self.header_names_seen: dict[str, None] = {}
        self._evicted: list[ExchangeRecord] = []  # evicted by the batch being added

    # arrivals ----------------------------------------------------------------------------
    def add(self, records: Iterable[ExchangeRecord]) -> int:
        """Append new records; returns how many became visible.

        Thousands arrive a second under load (issue 12.4), so the work per record is a seq
        check and two appends; completion learns from a sample of a big batch, and evicted
        records leave `visible` in one slice."""
        on_held = self.selected >= len(self.visible)
        fresh = self._unseen(records if isinstance(records, list) else list(records))
        added = 0
        if fresh:
            added = self._add_fresh(fresh)
        if self.follow and self.rows:
            self.selected = self.rows - 1
        elif on_held and self.held:
            self.selected += added  # the held rows moved down: stay on the same one
        return added

    def _unseen(self, records: list[ExchangeRecord]) -> list[ExchangeRecord]:
        """The records not added yet, in order (a backlog snapshot and the live feed can
        overlap); `last_seq` moves past them."""
        last = self.last_seq
        seqs = list(map(_SEQ, records))
        if seqs and seqs[0] > last and all(map(operator.lt, seqs, islice(seqs, 1, None))):
            # a batch from the bus: numbered in order, all new (checked at C speed)
            self.last_seq = seqs[-1]
            return records
        fresh = []
        for record in records:
            seq = record.seq
            if seq and seq <= last:
                continue  # already shown
            last = max(last, seq)
            fresh.append(record)
        self.last_seq = last
        return fresh

    def _add_fresh(self, fresh: list[ExchangeRecord]) -> int:
        kept, visible = self.records, self.visible
        overflow = len(kept) + len(fresh) - (kept.maxlen or 0)
        if overflow > 0:
            self._evict([*islice(kept, 0, overflow), *fresh[: max(0, overflow - len(kept))]])
        kept.extend(fresh)
        step = max(1, len(fresh) // LEARN_PER_BATCH)
        for record in fresh[::step]:
            try:
                self._learn(record)
            except Exception:  # one odd record must never take the trace screen down
                self.record_errors += 1
        if self.filter.empty:
            matching = fresh
        else:
            matching = [record for record in fresh if self.filter.matches(record)]
        visible.extend(matching)
        if overflow > 0:
            self._drop_evicted_front()
        return len(matching)

    def set_held(self, held: list[ExchangeRecord]) -> None:
        """The requests held now (oldest first); the selection stays on its exchange."""
        current = self.current
        self.held = held
        if self.follow:
            self.selected = self.rows - 1
        elif current is not None:
            for index, record in enumerate(held):
                if _same(record, current):
                    self.selected = len(self.visible) + index
                    return
        self.selected = min(self.selected, self.rows - 1)

    @property
    def rows(self) -> int:
        return len(self.visible) + len(self.held)

    def is_held(self, record: ExchangeRecord | None) -> bool:
        return record is not None and any(record is held for held in self.held)

    def _evict(self, oldest: list[ExchangeRecord]) -> None:
        self.dropped += len(oldest)
        if self.marked:
            self.marked.difference_update(record.seq for record in oldest)
        self._evicted = oldest

    def _drop_evicted_front(self) -> None:
        # Evicted records are the oldest, in the order `visible` has them, so those still in
        # `visible` are its first ones: one walk over both, by identity.
        visible, evicted = self.visible, self._evicted
        gone = min(len(visible), len(evicted))
        # `visible` is in the records' order, so if its first `gone` end where the evicted
        # ones do, they are all evicted (no filter: the usual case, one check)
        if gone and visible[gone - 1] is not evicted[gone - 1]:
            gone = 0
            for record in evicted:
                if gone < len(visible) and visible[gone] is record:
                    gone += 1
        if gone:
            del visible[:gone]
            self.selected = max(self.selected - gone, 0 if self.rows else -1)
        self._evicted = []

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
        """Forget the answered exchanges (held requests stay: the server still holds them)."""
        self.records.clear()
        self.visible.clear()
        self.marked.clear()
        self.follow = True
        self.selected = self.rows - 1

    # filter ------------------------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        current = self.current
        self.filter = ExchangeFilter.parse(text)
        self.visible = [r for r in self.records if self.filter.matches(r)]
        if self.follow or current is None:
            self.selected = self.rows - 1
        elif self.is_held(current):
            self.selected = len(self.visible) + self.held.index(current)
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
        if len(self.visible) <= self.selected < self.rows:
            return self.held[self.selected - len(self.visible)]
        return None

    def move(self, delta: int) -> None:
        if not self.rows:
            return
        self.selected = min(max(self.selected + delta, 0), self.rows - 1)
        # Scrolling away from the newest stops following; coming back to it resumes.
        self.follow = self.selected == self.rows - 1

    def to_newest(self) -> None:
        self.selected = self.rows - 1
        self.follow = True

    def to_oldest(self) -> None:
        self.selected = 0 if self.rows else -1
        self.follow = self.rows <= 1

    def toggle_mark(self) -> None:
        record = self.current
        if record is not None and not self.is_held(record):  # not answered: nothing to save
            self.marked ^= {record.seq}

    def to_save(self) -> list[ExchangeRecord]:
        """The marked exchanges in order, or the selected one when none is marked (a held
        request has no answer yet: it is saved once answered)."""
        if self.marked:
            return [r for r in self.records if r.seq in self.marked]
        current = self.current
        return [current] if current is not None and not self.is_held(current) else []


def _same(a: ExchangeRecord, b: ExchangeRecord) -> bool:
    return a.connection_id == b.connection_id and a.number == b.number and a.source == b.source
