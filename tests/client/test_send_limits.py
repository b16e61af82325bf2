"""`httplab send` when the sizes are absurd: a response over the limit, an endless input."""

from __future__ import annotations

import io
import socket

import pytest

import httplab.client.send as send_module
from httplab.client.send import SendOptions, Streams, run_send
from httplab.protocol.limits import MAX_BODY
from tests.client.servers import RawServer, read_head


def send(options: SendOptions, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_send(options, Streams(io.BytesIO(stdin), out, err))
    return status, out.getvalue(), err.getvalue()


def test_a_response_over_the_body_limit_is_shown_in_part_not_in_megabytes() -> None:
    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"

    def flood(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.sendall(chunk * (MAX_BODY // 0x4000 + 2))
        conn.close()

    with RawServer(flood) as raw:
        status, out, err = send(SendOptions("GET /", to=f"127.0.0.1:{raw.port}"))
    assert status == 1
    assert "chunked body exceeds the limit" in err and err.count("\n") == 1
    assert "< HTTP/1.1 200 OK\\r\\n" in out
    assert "more bytes not shown" in out
    assert len(out) < 20_000


def test_an_endless_input_is_an_input_error_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(send_module, "MAX_INPUT", 1000)
    for options in (SendOptions(raw=True, request="@/dev/zero"), SendOptions("POST /", data="-")):
        status, out, err = send(options, stdin=b"y\n" * 1000)
        assert status == 2 and out == ""
        assert "more than" in err and err.count("\n") == 1
