"""The server's hand-off to a trace bus (issue 12): an exchange goes over as one compact tuple
(`records.exchange_entry`), kept as such in the bus and made a record only when a reader takes
it. Readers must see exactly what a tracer given records sees; the plain printer counts what
it skips without making records of it."""

from __future__ import annotations

import re
import socket

from httplab.render.printer import SkippedItems
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import (
    ConnectionEvent,
    ExchangeRecord,
    TraceItem,
    exchange_entry,
    exchange_kinds,
)

REQUESTS = [
    b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /users?limit=1 HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\n\r\n",
    b"POST /users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    b'Content-Length: 23\r\n\r\n{"name":"ada","age":36}',
    b"HEAD /users HTTP/1.1\r\nHost: a\r\n\r\n",  # kept parsed: the wire carried no body
    b"GET /users HTTP/1.1\r\nHost: a\r\n\r\nGET /users/1 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /nowhere HTTP/1.0\r\n\r\n",
    b"BAD REQUEST LINE\r\n\r\n",  # rejected: kept with its error
]


DATE = re.compile(rb"Date: [^\r]*")


class Collect:
    """A tracer that is not a bus: it is given records (`ExchangeRecord.answered`)."""

    def __init__(self) -> None:
        self.items: list[TraceItem] = []

    def publish(self, item: TraceItem) -> None:
        self.items.append(item)


def _serve(tracer: object) -> None:
    with HTTPServer(UsersApp(), port=0, tracer=tracer) as server:  # type: ignore[arg-type]
        for raw in REQUESTS:
            _exchange(server.port, raw)


def _exchange(port: int, raw: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass


def _shown(record: ExchangeRecord) -> tuple[object, ...]:
    """Everything a view shows of a record, the times, the Date and the peer's port left
    out."""
    request, response = record.request, record.response
    return (
        record.number,
        record.raw_request,
        DATE.sub(b"Date: -", record.raw_response),
        record.error,
        record.method,
        record.target,
        record.status,
        record.compacted,
        [note.code for note in record.notes],
        record.omitted,
        record.source,
        None if request is None else (request.method, request.target, list(request.headers)),
        None if response is None else (response.status, response.reason, response.body),
        record.timings.total_ms > 0,
    )


def test_a_bus_shows_what_a_tracer_given_records_shows() -> None:
    bus, collect = TraceBus(), Collect()
    _serve(bus)
    _serve(collect)
    kept = [item for item in bus.snapshot() if isinstance(item, ExchangeRecord)]
    given = [item for item in collect.items if isinstance(item, ExchangeRecord)]
    assert len(kept) == len(given) == len(REQUESTS) + 1  # one connection sent two
    for record, original in zip(kept, given, strict=True):
        # "compacted" is compared before the parsed fields are read back
        assert _shown(record) == _shown(original)
    assert [item.seq for item in bus.snapshot()] == list(range(1, bus.last_seq + 1))


def test_an_entry_becomes_a_record_once_and_keeps_its_seq() -> None:
    bus = TraceBus()
    bus.publish(ConnectionEvent(1, "opened", 1.0, "127.0.0.1:1"))
    entry = _entry(b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n")
    assert entry.__class__ is tuple
    bus.publish(entry)
    first = bus.since(1)
    assert [item.seq for item in first] == [2]
    record = first[0]
    assert isinstance(record, ExchangeRecord) and record.compacted
    assert (record.method, record.target, record.status) == ("GET", "/users", 200)
    assert bus.snapshot()[1] is record and bus.since(0)[1] is record  # the same object
    assert record.request is not None and record.request.headers.get("host") == "a"


def test_entries_the_ring_evicts_are_counted_never_made_records() -> None:
    bus = TraceBus(capacity=3)
    for _ in range(10):
        bus.publish(_entry(b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert [item.seq for item in bus.snapshot()] == [8, 9, 10]
    assert bus.dropped == 7 and len(bus) == 3


def test_since_split_gives_the_newest_as_records_and_counts_the_rest() -> None:
    bus = TraceBus()
    for n in range(6):
        target = b"/users" if n % 2 else b"/nowhere"
        bus.publish(_entry(b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % target))
    bus.publish(ConnectionEvent(1, "closed", 1.0, "127.0.0.1:1"))
    first, older, shown = bus.since_split(2, 3)
    assert first == 3
    assert [item.seq for item in shown] == [5, 6, 7]
    assert all(not isinstance(item, ExchangeRecord) for item in older)  # not made records
    kinds, others = exchange_kinds(older)
    assert kinds == {("GET", 200): 1, ("GET", 404): 1} and others == 0
    skipped = SkippedItems()
    skipped.add(older)
    assert skipped.total == 2
    assert bus.since_split(7, 3) == (0, [], [])
    first, older, shown = bus.since_split(0, 0)  # nothing affordable: everything counted
    assert first == 1 and len(older) == 7 and shown == []
    assert exchange_kinds(older)[1] == 1  # the connection event


def test_a_subscriber_gets_records_from_entries() -> None:
    bus = TraceBus()
    seen: list[TraceItem] = []
    bus.subscribe(seen.append)
    bus.publish(_entry(b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert len(seen) == 1 and isinstance(seen[0], ExchangeRecord) and seen[0].seq == 1
    assert bus.snapshot() == seen


def _entry(raw: bytes) -> object:
    """What the server hands a bus for `raw`, answered by the users app."""
    items: list[TraceItem] = []

    class Keep:
        takes_entries = True

        def publish(self, item: object) -> None:
            items.append(item)  # type: ignore[arg-type]

    with HTTPServer(UsersApp(), port=0, tracer=Keep()) as server:  # type: ignore[arg-type]
        _exchange(server.port, raw)
    entries = [item for item in items if not isinstance(item, ConnectionEvent)]
    assert len(entries) == 1
    return entries[0]


def test_exchange_entry_keeps_a_record_when_compacting_would_lose_something() -> None:
    kept = exchange_entry(
        1, 1, 0.0, "p", b"BAD\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\n", None, None, None,
        "bad request line", (0.0, 0.0, 0.0, 0.0), [],
    )  # fmt: skip
    assert isinstance(kept, ExchangeRecord) and not kept.compacted
    assert kept.error == "bad request line"
