"""The trace's byte budget covers bodies (issue 7 #10).

Sixty 10 MiB uploads under `serve --trace` once grew the server by 20 MB each: the ring counted
raw bytes only, while every record also held the parsed request body. Now a record keeps the
heads and the first `BODY_KEEP` bytes of each body, says what it left out, and the bus counts
every byte it holds.
"""

from __future__ import annotations

from httplab.protocol.headers import Headers
from httplab.protocol.limits import Limits
from httplab.protocol.messages import Request, Response
from httplab.server.engine import HTTPServer
from httplab.trace.bus import BODY_KEEP, TraceBus, wire_size
from httplab.trace.lint import exchange_notes
from httplab.trace.records import ExchangeRecord

from .conftest import RawClient, post

BODY = 1024 * 1024
UPLOADS = 12


def _big_answer(request: Request) -> Response:
    size = len(request.body) if request.method == "POST" else BODY
    return Response(200, Headers([("Content-Type", "application/octet-stream")]), b"x" * size)


def test_big_bodies_are_trimmed_in_the_trace_and_counted() -> None:
    bus = TraceBus()
    with (
        HTTPServer(_big_answer, port=0, limits=Limits(max_body=2 * BODY), tracer=bus) as server,
        RawClient(server.address) as client,
    ):
        for _ in range(UPLOADS):
            response = client.request(post("/upload", b"a" * BODY))
            assert response.status == 200 and len(response.body) == BODY
    records = [item for item in bus.snapshot() if isinstance(item, ExchangeRecord)]
    assert len(records) == UPLOADS
    for record in records:
        assert record.request is not None and len(record.request.body) == BODY_KEEP
        assert record.response is not None and len(record.response.body) == BODY_KEEP
        assert record.head is not None
        assert len(record.raw_request) == len(record.head.raw) + BODY_KEEP
        assert record.omitted == (BODY - BODY_KEEP, BODY - BODY_KEEP)
        codes = {note.code for note in exchange_notes(record)}
        assert {"trace-trimmed-request", "trace-trimmed-response"} <= codes
        assert "content-length-mismatch" not in codes  # what was sent is still judged
        assert wire_size(record) < 5 * BODY_KEEP
    assert bus.held_bytes < UPLOADS * 5 * BODY_KEEP  # 12 MiB went in, about 3 MiB is held


def test_the_byte_budget_counts_bodies() -> None:
    bus = TraceBus(max_bytes=3 * BODY_KEEP, body_keep=BODY_KEEP)
    for number in range(1, 4):
        body = b"b" * BODY_KEEP
        record = ExchangeRecord(
            connection_id=1,
            number=number,
            started_at=0.0,
            peer="127.0.0.1:1",
            raw_request=b"POST / HTTP/1.1\r\n\r\n" + body,
            raw_response=b"HTTP/1.1 204 No Content\r\n\r\n",
            request=Request("POST", "/", body=body),
            head=None,
            response=Response(204),
        )
        bus.publish(record)
    # each record holds its body twice (raw and parsed): two records overflow the budget
    assert len(bus) == 1 and bus.dropped == 2
