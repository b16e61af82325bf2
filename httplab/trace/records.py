"""What the trace carries: one record per exchange, one per connection event.

The server builds these on its own thread and hands them to the bus; everything that shows
traffic (TUI, plain printer, recorder, transcripts) reads only these records.

A record the bus keeps is **compact** (issue 12.4): ten thousand records held for the trace
view must not become a quarter of a million small objects for the garbage collector to walk
(collector pauses of 40–112 ms were measured with the parsed objects kept). `compact()` keeps
the raw bytes both ways and the few scalars every list row and filter needs (method, target,
status, four timings) and lets the parsed request, head and response go; they are parsed again
from the raw bytes, with the same parser, the first time a view asks for them (then kept: a
record someone looks at is parsed once). A compact record is one object the collector tracks,
where a record with its parsed messages is about twenty.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, Literal

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, RequestHead, ResponseHead
from httplab.protocol.headers import Headers
from httplab.protocol.limits import Limits
from httplab.protocol.messages import Note, Request, Response
from httplab.protocol.request_parser import RequestParser
from httplab.protocol.response_parser import ResponseParser


@dataclass(slots=True)
class Timings:
    """Monotonic seconds (time.perf_counter) of each phase; 0.0 when a phase never happened."""

    first_byte: float = 0.0
    head_parsed: float = 0.0
    handler_done: float = 0.0
    last_byte_written: float = 0.0

    @property
    def total_ms(self) -> float:
        if not self.first_byte or not self.last_byte_written:
            return 0.0
        return (self.last_byte_written - self.first_byte) * 1000.0


_UNLIMITED = sys.maxsize
REPARSE_LIMITS = Limits(*([_UNLIMITED] * len(Limits.__slots__)))
"""Limits for reading a kept exchange again: the server accepted it under its own limits
(which may be larger than the defaults), so none applies a second time."""

_NO_NOTES: tuple[Note, ...] = ()
NOTHING_OMITTED = (0, 0)
"""`omitted` of a record that left out nothing (one tuple for all of them)."""

BODY_KEEP = 64 * 1024
"""Body bytes the trace keeps of each message by default (see trace.bus.trim_bodies)."""

_FIELDS = (
    "connection_id",
    "number",
    "started_at",
    "peer",
    "raw_request",
    "raw_response",
    "request",
    "head",
    "response",
    "error",
    "timings",
    "notes",
    "source",
    "omitted",
    "seq",
)


class ExchangeRecord:
    """One request/response on a connection, raw bytes both ways plus what was understood.

    Built like a dataclass (every field by keyword or in order); `request`, `head`,
    `response`, `timings` and `notes` read the same whether the record is compact or not.
    """

    __slots__ = (
        "_head",
        "_lazy",
        "_method",
        "_notes",
        "_request",
        "_response",
        "_status",
        "_target",
        "_times",
        "_timings",
        "connection_id",
        "error",
        "number",
        "omitted",
        "peer",
        "raw_request",
        "raw_response",
        "seq",
        "source",
        "started_at",
    )

    connection_id: int
    number: int  # 1 for the first exchange on the connection
    started_at: float  # wall clock (time.time()) when the first byte arrived
    peer: str
    raw_request: bytes  # exactly as received, also for a malformed request
    raw_response: bytes  # exactly as sent
    error: str | None  # ProtocolError.one_line() when the request was rejected
    # "server"; "app" (our server, answered by the user's app: serve --app); "client" (an
    # exchange made by the client pane); "upstream" (httplab proxy's leg to its upstream)
    source: str
    # raw bytes (request, response) the trace left out of a big body; see trace.bus.trim_bodies
    omitted: tuple[int, int]
    seq: int  # set by the bus: global order of arrival

    def __init__(
        self,
        connection_id: int,
        number: int,
        started_at: float,
        peer: str,
        raw_request: bytes,
        raw_response: bytes,
        request: Request | None,  # None when the request could not be parsed
        head: RequestHead | None,  # spans and framing of the parsed head
        response: Response | None,
        error: str | None = None,
        timings: Timings | None = None,
        notes: list[Note] | None = None,
        source: str = "server",
        omitted: tuple[int, int] = (0, 0),
        seq: int = 0,
    ) -> None:
        self.connection_id = connection_id
        self.number = number
        self.started_at = started_at
        self.peer = peer
        self.raw_request = raw_request
        self.raw_response = raw_response
        self._request = request
        self._head = head
        self._response = response
        self.error = error
        self._timings: Timings | None = timings if timings is not None else Timings()
        self._times = (0.0, 0.0, 0.0, 0.0)
        self._notes: list[Note] | tuple[Note, ...] = notes if notes is not None else []
        self.source = source
        self.omitted = omitted
        self.seq = seq
        self._method = ""
        self._target = ""
        self._status = 0
        self._lazy = False

    @classmethod
    def answered(
        cls,
        connection_id: int,
        number: int,
        started_at: float,
        peer: str,
        raw_request: bytes,
        raw_response: bytes,
        request: Request | None,
        head: RequestHead | None,
        response: Response | None,
        error: str | None,
        times: tuple[float, float, float, float],  # the four Timings, in order
        notes: Sequence[Note],  # not kept: copied
        source: str = "server",
        omitted: tuple[int, int] = NOTHING_OMITTED,
    ) -> ExchangeRecord:
        """The record of an exchange the server has just answered, built compact at once when
        `compact` would make it so, else as the constructor builds it (see `exchange_entry`,
        which a `TraceBus` takes instead)."""
        entry = exchange_entry(
            connection_id,
            number,
            started_at,
            peer,
            raw_request,
            raw_response,
            request,
            head,
            response,
            error,
            times,
            notes,
            source,
            omitted,
        )
        if isinstance(entry, ExchangeRecord):
            return entry
        return cls.from_compact(entry, 0)

    @classmethod
    def from_compact(cls, entry: CompactExchange, seq: int) -> ExchangeRecord:
        """The compact record of an exchange kept as a `CompactExchange` tuple."""
        record = cls.__new__(cls)
        (
            record.connection_id,
            record.number,
            record.started_at,
            record.peer,
            record.raw_request,
            record.raw_response,
            record._method,
            record._target,
            record._status,
            record._times,
            record._notes,
            record.source,
        ) = entry
        record.error = None
        record.omitted = NOTHING_OMITTED
        record.seq = seq
        record._request = record._head = record._response = record._timings = None
        record._lazy = True
        return record

    # compact form ------------------------------------------------------------------------
    def compact(self) -> bool:
        """Drop the parsed objects (they are parsed again from the raw bytes when asked for)
        when that gives them back as they are: a whole, accepted exchange. True if it did."""
        # (runs for every exchange on the server's thread: plain reads, no copies)
        request, head, response = self._request, self._head, self._response
        if (
            self._lazy
            or request is None
            or head is None
            or response is None
            or self.error is not None
            or self.omitted != (0, 0)
            or head.method == "HEAD"  # the Response kept a body the wire did not carry
            or response.status < 200
            or not self.raw_request.startswith(head.raw)
        ):
            return False
        self._method = request.method
        self._target = request.target
        self._status = response.status
        timings = self._timings
        if timings is not None:
            self._times = (
                timings.first_byte,
                timings.head_parsed,
                timings.handler_done,
                timings.last_byte_written,
            )
            self._timings = None
        notes = self._notes
        self._notes = tuple(notes) if notes else _NO_NOTES
        self._request = self._head = self._response = None
        self._lazy = True
        return True

    @property
    def compacted(self) -> bool:
        """True while the parsed messages are not held (they are read again when asked for)."""
        return self._lazy

    def _parse(self) -> None:
        self._lazy = False
        parsed = parse_request(self.raw_request)
        if parsed is not None:
            self._head, self._request = parsed
            self._response = parse_response(self.raw_response, self._request.method)

    # the fields ----------------------------------------------------------------------------
    @property
    def request(self) -> Request | None:
        """The request as parsed; None when it could not be."""
        if self._lazy:
            self._parse()
        return self._request

    @request.setter
    def request(self, value: Request | None) -> None:
        if self._lazy:
            self._parse()
        self._request = value

    @property
    def head(self) -> RequestHead | None:
        """Spans and framing of the parsed head."""
        if self._lazy:
            self._parse()
        return self._head

    @head.setter
    def head(self, value: RequestHead | None) -> None:
        if self._lazy:
            self._parse()
        self._head = value

    @property
    def response(self) -> Response | None:
        if self._lazy:
            self._parse()
        return self._response

    @response.setter
    def response(self, value: Response | None) -> None:
        if self._lazy:
            self._parse()
        self._response = value

    @property
    def timings(self) -> Timings:
        timings = self._timings
        if timings is None:
            timings = self._timings = Timings(*self._times)
        return timings

    @timings.setter
    def timings(self, value: Timings) -> None:
        self._timings = value

    @property
    def notes(self) -> list[Note]:
        notes = self._notes
        if isinstance(notes, tuple):
            notes = self._notes = list(notes)
        return notes

    @notes.setter
    def notes(self, value: list[Note]) -> None:
        self._notes = value

    @property
    def has_request(self) -> bool:
        """Whether the request was parsed (without parsing a compact record again)."""
        return self._lazy or self._request is not None

    @property
    def method(self) -> str:
        request = self._request
        return request.method if request is not None else self._method

    @property
    def target(self) -> str:
        request = self._request
        return request.target if request is not None else self._target

    @property
    def status(self) -> int:
        response = self._response
        return response.status if response is not None else self._status

    @property
    def total_ms(self) -> float:
        """`timings.total_ms`, without building the Timings of a compact record."""
        if self._timings is not None:
            return self._timings.total_ms
        first, _, _, last = self._times
        return (last - first) * 1000.0 if first and last else 0.0

    # like a dataclass ----------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        """Every field by name (the parsed messages parsed again if compact)."""
        return {name: getattr(self, name) for name in _FIELDS}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ExchangeRecord)
        return self.fields() == other.fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as the dataclass was)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.fields().items())
        return f"ExchangeRecord({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        # A compact record travels as its bytes and scalars (to the plain printer's child).
        return (_rebuild, (tuple(getattr(self, name) for name in self.__slots__),))


CompactExchange = tuple[
    int,
    int,
    float,
    str,
    bytes,
    bytes,
    str,
    str,
    int,
    tuple[float, float, float, float],
    tuple[Note, ...],
    str,
]
"""An exchange as the trace bus keeps it until a reader takes it (issue 12): `(connection_id,
number, started_at, peer, raw_request, raw_response, method, target, status, times, notes,
source)`, the fields of a compact `ExchangeRecord` (`ExchangeRecord.from_compact` makes one).
A tuple of bytes, strings and numbers is one allocation for the server's thread to build, and
the garbage collector stops tracking it at its first look: ten thousand of them in the ring
cost the collector nothing, where ten thousand records are walked by every full collection."""


def exchange_entry(
    connection_id: int,
    number: int,
    started_at: float,
    peer: str,
    raw_request: bytes,
    raw_response: bytes,
    request: Request | None,
    head: RequestHead | None,
    response: Response | None,
    error: str | None,
    times: tuple[float, float, float, float],  # the four Timings, in order
    notes: Sequence[Note],  # not kept: copied
    source: str = "server",
    omitted: tuple[int, int] = NOTHING_OMITTED,
) -> CompactExchange | ExchangeRecord:
    """What the trace keeps of an exchange the server has just answered: its compact form when
    `ExchangeRecord.compact` would make the record compact (a whole, accepted exchange that
    parses back as it was), else the record with its parsed messages, as the constructor
    builds it.

    The server calls this for every exchange while someone traces, on its own thread: one
    pass that reads each field once and builds one tuple."""
    if (
        request is None
        or head is None
        or response is None
        or error is not None
        or omitted != (0, 0)
        or head.method == "HEAD"
        or response.status < 200
        or not raw_request.startswith(head.raw)
        # the bus cuts big bodies from the parsed messages first (trace.bus.trim_bodies)
        or len(raw_request) + len(raw_response) > BODY_KEEP
    ):  # what `compact` refuses: kept parsed, as the constructor keeps it
        record = ExchangeRecord.__new__(ExchangeRecord)
        record.connection_id = connection_id
        record.number = number
        record.started_at = started_at
        record.peer = peer
        record.raw_request = raw_request
        record.raw_response = raw_response
        record.error = error
        record.source = source
        record.omitted = omitted
        record.seq = 0
        record._request, record._head, record._response = request, head, response
        record._timings = Timings(*times)
        record._times = times
        record._notes = list(notes)  # its own (`notes` may be the parsed head's)
        record._method, record._target, record._status = "", "", 0
        record._lazy = False
        return record
    return (
        connection_id,
        number,
        started_at,
        peer,
        raw_request,
        raw_response,
        request.method,
        request.target,
        response.status,
        times,
        tuple(notes) if notes else _NO_NOTES,
        source,
    )


_KIND = attrgetter("_method", "_status")
_ENTRY_KIND = itemgetter(6, 8)  # a CompactExchange's method and status


def exchange_kinds(
    items: Sequence[TraceItem | CompactExchange],
) -> tuple[Counter[tuple[str, int]], int]:
    """How many exchanges of each (method, status) `items` hold, and how many other items.

    The plain printer tallies every item it does not print, thousands a second under a flood,
    on the server's interpreter: a compact exchange's scalars are read at C speed here, any
    other record through its properties."""
    entries = [item for item in items if item.__class__ is tuple]
    kinds: Counter[tuple[str, int]] = Counter(map(_ENTRY_KIND, entries))
    if len(entries) == len(items):
        return kinds, 0
    records = [item for item in items if isinstance(item, ExchangeRecord)]
    compact = [record for record in records if record._lazy]
    kinds.update(map(_KIND, compact))
    if len(compact) < len(records):
        kinds.update((r.method, r.status) for r in records if not r._lazy)
    return kinds, len(items) - len(entries) - len(records)


def _rebuild(values: tuple[Any, ...]) -> ExchangeRecord:
    record = ExchangeRecord.__new__(ExchangeRecord)
    for name, value in zip(ExchangeRecord.__slots__, values, strict=True):
        object.__setattr__(record, name, value)
    return record


def parse_request(raw: bytes) -> tuple[RequestHead, Request] | None:
    """The head and the whole request read from `raw` (one complete request), or None."""
    parser = RequestParser(REPARSE_LIMITS)
    parser.feed(raw)
    head: RequestHead | None = None
    body: list[bytes] = []
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, RequestHead):
                head = event
            elif isinstance(event, Data):
                body.append(event.data)
            elif isinstance(event, EndOfMessage) and head is not None:
                return head, head.to_request(b"".join(body), event.trailers)
            else:
                return None
    except ProtocolError:
        return None


def parse_response(raw: bytes, method: str) -> Response | None:
    """The final response read from `raw` (the whole response to `method`), or None when not
    even its head can be read. A body that ends short (an app that sent less than its
    Content-Length, then the close) is what arrived of it."""
    parser = ResponseParser(REPARSE_LIMITS)
    parser.expect(method)
    parser.feed(raw)
    parser.feed(b"")
    head: ResponseHead | None = None
    body: list[bytes] = []
    trailers: Headers | None = None
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, ResponseHead):
                if event.informational:
                    continue
                head = event
            elif isinstance(event, Data):
                body.append(event.data)
            elif isinstance(event, EndOfMessage):
                trailers = event.trailers
                break
            else:
                break
    except ProtocolError:
        pass
    if head is None:
        return None
    return Response(
        head.status,
        head.headers,
        b"".join(body),
        head.reason,
        head.version,
        trailers if trailers is not None else Headers(),
    )


ConnectionEventKind = Literal["opened", "closed", "timeout", "protocol-error", "refused"]


@dataclass(slots=True)
class ConnectionEvent:
    """A connection opened, closed, timed out, or was dropped for a protocol error."""

    connection_id: int
    kind: ConnectionEventKind  # "refused": 503, over the connection cap or memory budget
    at: float  # wall clock
    peer: str
    detail: str = ""
    seq: int = 0


TraceItem = ExchangeRecord | ConnectionEvent
