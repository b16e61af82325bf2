"""Compact trace records (issue 12.4): the bus keeps bytes and a few scalars, not the parsed
objects, and a view asking for the request, head or response gets them back as they were.

Records are taken from a real server without a bus, built as parsed (the server builds them
compact at once, `ExchangeRecord.answered`; here that is replaced by the constructor), then
copied and compacted, and each compact copy is compared with the original field by field.
"""

from __future__ import annotations

import contextlib
import gc
import socket
from unittest.mock import patch

from httplab.protocol.events import RequestHead
from httplab.protocol.messages import Note, Request, Response
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord, Timings, TraceItem

REQUESTS = [
    b"GET /users?limit=1&x=%41 HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\n\r\n",
    b"GET /users HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\nX-Odd:  two  spaces \r\n\r\n",
    b"POST /users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    b'Content-Length: 23\r\n\r\n{"name":"ada","age":36}',
    b"POST /users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    b'Transfer-Encoding: chunked\r\n\r\n5\r\n{"nam\r\n12;ext=1\r\ne":"bob",'
    b'"age":42}\r\n0\r\nX-Trail: t\r\n\r\n',
    b"\r\nGET /users/1 HTTP/1.1\nHost: a\n\n",  # a leading empty line and bare LFs: noted
    b"GET /nowhere HTTP/1.0\r\n\r\n",
]


def _as_parsed(
    cls: type[ExchangeRecord],
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
    times: tuple[float, float, float, float],
    notes: list[Note],
    source: str = "server",
    omitted: tuple[int, int] = (0, 0),
) -> ExchangeRecord:
    """`ExchangeRecord.answered`, keeping the parsed messages (the constructor's record)."""
    return cls(
        *(connection_id, number, started_at, peer, raw_request, raw_response),
        *(request, head, response, error, Timings(*times), notes, source, omitted),
    )


def _record_all(requests: list[bytes], *, as_parsed: bool = True) -> list[ExchangeRecord]:
    """The server's records of `requests`: as it parsed them, or (not `as_parsed`) as it
    hands them to a tracer."""
    items: list[TraceItem] = []

    class Collect:
        def publish(self, item: TraceItem) -> None:
            items.append(item)

    with contextlib.ExitStack() as stack:
        if as_parsed:
            stack.enter_context(patch.object(ExchangeRecord, "answered", classmethod(_as_parsed)))
        _run(requests, Collect())
    return [item for item in items if isinstance(item, ExchangeRecord)]


def _run(requests: list[bytes], tracer: object) -> None:
    with HTTPServer(UsersApp(), port=0, tracer=tracer) as server:  # type: ignore[arg-type]
        for raw in requests:
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                sock.sendall(raw)
                sock.shutdown(socket.SHUT_WR)
                while sock.recv(65536):
                    pass


def _same_request(a: Request | None, b: Request | None) -> None:
    assert a is not None and b is not None
    assert (a.method, a.target, a.version, a.body) == (b.method, b.target, b.version, b.body)
    assert list(a.headers) == list(b.headers)
    assert list(a.trailers) == list(b.trailers)


def test_a_compact_record_parses_back_to_what_the_server_recorded() -> None:
    records = _record_all(REQUESTS)
    assert len(records) == len(REQUESTS)
    for original in records:
        copy = ExchangeRecord(**original.fields())
        assert copy.compact(), original.raw_request
        assert copy.compacted
        # the list and the filter read these without parsing
        assert (copy.method, copy.target, copy.status) == (
            original.method,
            original.target,
            original.status,
        )
        assert copy.total_ms == original.timings.total_ms
        assert copy.has_request and copy.compacted
        _same_request(copy.request, original.request)
        assert not copy.compacted  # parsed once, then kept
        head, first = copy.head, original.head
        assert head is not None and first is not None
        assert (head.raw, head.notes, head.framing, head.keep_alive, head.target_form) == (
            first.raw,
            first.notes,
            first.framing,
            first.keep_alive,
            first.target_form,
        )
        assert dict(head.spans) == dict(first.spans)
        response, sent = copy.response, original.response
        assert response is not None and sent is not None
        assert (response.status, response.reason, response.body) == (
            sent.status,
            sent.reason,
            sent.body,
        )
        # read back as sent: with the Content-Length the serializer added to the app's fields
        added = [f for f in response.headers if f.lower_name == b"content-length"]
        assert [f for f in response.headers if f not in added] == [
            f for f in sent.headers if f.lower_name != b"content-length"
        ]
        assert len(added) == 1
        assert copy.notes == original.notes
        assert copy.timings == original.timings


def test_the_server_hands_over_records_compact_when_they_can_be() -> None:
    odd = [b"HEAD /users HTTP/1.1\r\nHost: a\r\n\r\n", b"GET /users HTTP/1.1\r\n\r\n"]
    parsed = _record_all(REQUESTS + odd)
    handed = _record_all(REQUESTS + odd, as_parsed=False)
    assert [record.compacted for record in handed] == [True] * len(REQUESTS) + [False, False]
    for record, original in zip(handed, parsed, strict=True):
        assert (record.method, record.target, record.status, record.error) == (
            original.method,
            original.target,
            original.status,
            original.error,
        )
        assert (record.raw_request, record.notes, record.omitted) == (
            original.raw_request,
            original.notes,
            original.omitted,
        )
        if original.request is not None:  # (not the 400's)
            _same_request(record.request, original.request)
        assert record.timings.last_byte_written > record.timings.first_byte > 0


def test_what_cannot_be_parsed_back_as_it_was_is_kept_whole() -> None:
    records = _record_all(
        [
            b"HEAD /users HTTP/1.1\r\nHost: a\r\n\r\n",  # the Response kept an unsent body
            b"GET /users HTTP/1.1\r\n\r\n",  # 400: no Host
        ]
    )
    assert [record.status for record in records] == [200, 400]
    for record in records:
        assert not ExchangeRecord(**record.fields()).compact()


def test_the_bus_keeps_records_compact_and_they_survive_pickling() -> None:
    import pickle

    bus = TraceBus()
    for record in _record_all(REQUESTS[:3]):
        bus.publish(ExchangeRecord(**record.fields()))
    kept = [item for item in bus.snapshot() if isinstance(item, ExchangeRecord)]
    assert [record.compacted for record in kept] == [True, True, True]
    copies = pickle.loads(pickle.dumps(kept))
    assert [(c.seq, c.method, c.status, c.compacted) for c in copies] == [
        (r.seq, r.method, r.status, True) for r in kept
    ]
    for copy, record in zip(copies, kept, strict=True):
        assert (copy.raw_request, copy.raw_response, copy.peer, copy.timings) == (
            record.raw_request,
            record.raw_response,
            record.peer,
            record.timings,
        )
        assert copy.request is not None and copy.request.target == record.target


def test_a_compact_record_is_one_object_for_the_collector() -> None:
    [record] = _record_all(REQUESTS[2:3])
    copies = [ExchangeRecord(**record.fields()) for _ in range(100)]
    for copy in copies:
        copy.compact()
    gc.collect()  # a tuple of numbers is untracked once the collector has seen it
    for copy in copies:
        assert gc.is_tracked(copy)
        # what it holds is bytes, strings and numbers: nothing more for the collector to walk
        held = [kept for kept in gc.get_referents(copy) if gc.is_tracked(kept)]
        assert held == [ExchangeRecord]  # its class, which every object refers to
    assert [kept for kept in gc.get_referents(record) if gc.is_tracked(kept)] != []


def test_a_response_that_ends_short_reads_back_as_far_as_it_went() -> None:
    from httplab.trace.records import parse_response

    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    response = parse_response(raw, "GET")
    assert response is not None and (response.status, response.body) == (200, b"abc")
    assert parse_response(b"not http", "GET") is None


def test_the_list_row_the_filter_and_the_skipped_summary_do_not_parse_a_compact_record() -> None:
    import io

    from rich.console import Console

    from httplab.render import ExchangeSummary
    from httplab.render.printer import SkippedItems
    from httplab.tui.filtering import ExchangeFilter

    [record] = _record_all(REQUESTS[:1])
    assert record.compact()
    console = Console(file=io.StringIO(), width=100)
    console.print(ExchangeSummary(record))
    assert "GET" in console.file.getvalue() and "/users?limit=1&x=%41" in console.file.getvalue()
    assert ExchangeFilter.parse("GET 2xx /users").matches(record)
    skipped = SkippedItems()
    skipped.add([record])
    assert "GET 200 ×1" in skipped.line().plain
    assert record.compacted  # none of them needed the parsed messages
