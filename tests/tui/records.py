"""Trace records for the TUI tests, made the way the server makes them: real bytes through the
protocol core's parser, the response through its serializer."""

from __future__ import annotations

import itertools
import time

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import EndOfMessage, RequestHead
from httplab.protocol.headers import Headers
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.messages import Response
from httplab.protocol.parser import RequestParser
from httplab.protocol.serialize import serialize_response
from httplab.trace.records import ExchangeRecord, Timings

_seq = itertools.count(1)


def record_for(
    raw_request: bytes,
    status: int = 200,
    body: bytes = b'{"ok": true}',
    *,
    connection_id: int = 1,
    number: int = 1,
    limits: Limits = DEFAULT_LIMITS,
) -> ExchangeRecord:
    parser = RequestParser(limits)
    parser.feed(raw_request)
    head = parser.next_event()
    assert isinstance(head, RequestHead)
    chunks = []
    while not isinstance(event := parser.next_event(), EndOfMessage):
        chunks.append(event.data)  # type: ignore[union-attr]
    request = head.to_request(b"".join(chunks))
    response = Response(status, Headers([("Content-Type", "application/json")]), body)
    now = time.perf_counter()
    return ExchangeRecord(
        connection_id=connection_id,
        number=number,
        started_at=time.time(),
        peer="127.0.0.1:40000",
        raw_request=raw_request,
        raw_response=serialize_response(response, request_method=request.method),
        request=request,
        head=head,
        response=response,
        timings=Timings(now, now, now, now + 0.001),
        seq=next(_seq),
    )


def get(target: str, status: int = 200, **kwargs: int) -> ExchangeRecord:
    raw = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".encode()
    return record_for(raw, status, **kwargs)


def post(target: str, body: bytes, status: int = 201, **kwargs: int) -> ExchangeRecord:
    raw = (
        f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    return record_for(raw, status, **kwargs)


def rejected(raw_request: bytes) -> ExchangeRecord:
    """A request the parser refused, answered 400 as the server does."""
    parser = RequestParser()
    parser.feed(raw_request)
    try:
        parser.next_event()
    except ProtocolError as error:
        response = Response(error.status, Headers([("Connection", "close")]), b"")
        now = time.perf_counter()
        return ExchangeRecord(
            connection_id=9,
            number=1,
            started_at=time.time(),
            peer="127.0.0.1:40001",
            raw_request=raw_request,
            raw_response=serialize_response(response),
            request=None,
            head=None,
            response=response,
            error=error.one_line(),
            timings=Timings(now, now, now, now + 0.001),
            seq=next(_seq),
        )
    raise AssertionError("the parser accepted it")
