"""The intercept: requests held between the server and the trace view (pause and step).

With hold on, the server parks each request once its head and body are read, before the app
answers, so a class can read it; the trace view then releases it (the app answers as usual),
sends a response the teacher edited, or releases them all. Neither side imports the other: the
server calls `hold()`, the view calls `release()` / `draft()`, both on this object, made by
`serve --trace` and handed to each.

    server thread                        Intercept                        trace view thread
    hold(HeldExchange) ──────────────▶ [ held, oldest first ] ◀── held() / release(key, …)
    (parks the connection: no read,       │ on a decision: the entry leaves the list and
     no app call, the loop goes on)       └─▶ entry.decide(decision) ─▶ the server's loop

Every way out is a `Decision`: RELEASE (the app answers; or its drafted answer, when the view
asked for one to edit), EDITED (these bytes, checked by the view: valid framing), RAW (these
bytes exactly as typed; the connection closes after them), TIMEOUT (released by the clock, as
RELEASE), STOPPED (the server stops: 503). A decision is taken once: whoever comes second
(the view and the clock at the same moment) gets False and changes nothing.

Thread safety: one lock guards the list; callbacks (the server's `decide`, the view's
`on_change`) run outside it. `active` is a plain attribute the server reads once per request:
with hold off that one read is the whole cost.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum

from httplab.protocol.messages import Response
from httplab.trace.records import ExchangeRecord

DEFAULT_HOLD_TIMEOUT = 60.0
"""Seconds a held request waits before it is released on its own: nobody's client hangs."""
MAX_HOLD_TIMEOUT = 3600.0

Key = tuple[int, int]  # (connection id, exchange number on it), as the trace labels `#3.1`


class DecisionKind(Enum):
    RELEASE = "release"  # the teacher let it go: the app answers (or its drafted answer goes)
    EDITED = "edited"  # the teacher's edited response, framing checked
    RAW = "raw"  # the teacher's bytes exactly as typed; the connection closes after them
    TIMEOUT = "timeout"  # held for the whole timeout: released as RELEASE
    STOPPED = "stopped"  # the server stops: 503 with Retry-After


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    data: bytes = b""  # EDITED / RAW: the response bytes to send
    response: Response | None = None  # EDITED: those bytes as parsed (for the trace record)
    notes: tuple[str, ...] = ()  # EDITED: what the check changed ("Content-Length 5 → 7")


RELEASE = Decision(DecisionKind.RELEASE)


class NoDraft(Exception):
    """The app cannot give its answer without sending it (a streaming app): the view offers
    a response to write instead."""


@dataclass(eq=False)
class HeldExchange:
    """One request the server holds; `record` is the exchange so far (no response yet)."""

    key: Key
    record: ExchangeRecord
    held_at: float  # time.monotonic()
    deadline: float  # time.monotonic() when it is released on its own
    decide: Callable[[Decision], None]  # the server's: takes the decision on its loop
    make_draft: Callable[[Future[bytes]], None]  # the server's: the app's answer, not sent
    draft: Future[bytes] | None = None  # asked for once (E in the view); kept for RELEASE
    decision: Decision | None = None

    def seconds_left(self, now: float | None = None) -> float:
        return max(self.deadline - (time.monotonic() if now is None else now), 0.0)


@dataclass(eq=False)
class Intercept:
    """Held requests, shared by the server (hold) and the trace view (release, edit)."""

    active: bool = False  # hold new requests (the server reads this once per request)
    timeout: float = DEFAULT_HOLD_TIMEOUT
    clock: Callable[[], float] = time.monotonic
    _held: dict[Key, HeldExchange] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _listeners: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0 < self.timeout <= MAX_HOLD_TIMEOUT:
            raise ValueError(f"the hold timeout must be in (0, {MAX_HOLD_TIMEOUT:g}] seconds")

    # the server's side ---------------------------------------------------------------------
    def hold(
        self,
        key: Key,
        record: ExchangeRecord,
        decide: Callable[[Decision], None],
        make_draft: Callable[[Future[bytes]], None],
    ) -> HeldExchange:
        now = self.clock()
        held = HeldExchange(key, record, now, now + self.timeout, decide, make_draft)
        with self._lock:
            self._held[key] = held
        self._changed()
        return held

    def forget(self, key: Key) -> None:
        """The connection went away while held: nothing to decide any more."""
        with self._lock:
            gone = self._held.pop(key, None)
        if gone is not None:
            self._changed()

    # the view's side -----------------------------------------------------------------------
    def held(self) -> list[HeldExchange]:
        """The held exchanges, oldest first (a snapshot)."""
        with self._lock:
            return list(self._held.values())

    def __len__(self) -> int:
        return len(self._held)

    def get(self, key: Key) -> HeldExchange | None:
        with self._lock:
            return self._held.get(key)

    def release(self, key: Key, decision: Decision = RELEASE) -> bool:
        """Take `decision` for the held exchange `key`; False when it is no longer held."""
        with self._lock:
            held = self._held.pop(key, None)
            if held is None:
                return False
            held.decision = decision
        self._changed()
        # RuntimeError: the server's loop is closed (it stopped; the client is gone anyway)
        with contextlib.suppress(RuntimeError):
            held.decide(decision)
        return True

    def release_all(self, decision: Decision = RELEASE) -> int:
        count = 0
        for held in self.held():
            count += self.release(held.key, decision)
        return count

    def set_active(self, on: bool) -> int:
        """Hold on or off; turning it off releases every held request (how many: returned)."""
        self.active = on
        return 0 if on else self.release_all()

    def draft(self, key: Key) -> Future[bytes] | None:
        """The response the app gives to the held request `key`, without sending it (what the
        view's editor starts from); asked of the app once. None when `key` is not held."""
        with self._lock:
            held = self._held.get(key)
            if held is None:
                return None
            asked = held.draft is None
            if asked:
                held.draft = Future()
            future = held.draft
        assert future is not None
        if asked:
            try:
                held.make_draft(future)
            except RuntimeError as exc:  # the server's loop is closed
                future.set_exception(exc)
        return future

    # changes, for the view -----------------------------------------------------------------
    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` (on any thread; it must only schedule work) when the held list
        changes; returns the function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _changed(self) -> None:
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a broken view must not break the server
                listener()
