"""Small hand-made trace items for the bus tests."""

from __future__ import annotations

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.trace.records import ConnectionEvent, ExchangeRecord


def exchange(number: int = 1, *, body: bytes = b"", connection_id: int = 1) -> ExchangeRecord:
    raw_request = b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n"
    raw_response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    return ExchangeRecord(
        connection_id=connection_id,
        number=number,
        started_at=0.0,
        peer="127.0.0.1:1",
        raw_request=raw_request,
        raw_response=raw_response,
        request=Request("GET", "/users", headers=Headers([("Host", "a")])),
        head=None,
        response=Response(200, Headers([("Content-Length", str(len(body)))]), body),
    )


def opened(connection_id: int = 1) -> ConnectionEvent:
    return ConnectionEvent(connection_id, "opened", 0.0, "127.0.0.1:1")
