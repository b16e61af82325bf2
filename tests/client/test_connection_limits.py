"""The client's time limit for a whole send, and why it says a connection was closed."""

from __future__ import annotations

import socket
import threading

import pytest

from httplab.client.connection import ClientConnection
from tests.client.servers import RawServer, answer_each, read_head

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_server_trickling_bytes_cannot_hold_the_client_past_max_time() -> None:
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        while not stop.wait(0.02):  # always well inside the per-read timeout
            conn.sendall(b"z")

    with RawServer(trickle) as server:
        connection = ClientConnection("127.0.0.1", server.port, timeout=5, max_time=0.3)
        (exchange,) = connection.send(GET)
        stop.set()
    assert exchange.error_kind == "timeout"
    assert exchange.error is not None and "gave up after 0.3 s" in exchange.error
    assert exchange.unread.startswith(b"HTTP/1.1 200 OK\r\n")
    assert connection.closed


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (b"HTTP/1.1 200 OK\r\n\r\nuntil the end", "delimited by the server closing"),
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
            "Connection: close",
        ),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.0 response without keep-alive"),
    ],
)
def test_the_reason_a_connection_ends_names_what_the_response_did(
    response: bytes, reason: str
) -> None:
    with RawServer(answer_each(response, close=True)) as server:
        connection = ClientConnection("127.0.0.1", server.port)
        (exchange,) = connection.send(GET)
    assert exchange.error is None and exchange.status == 200
    assert connection.closed
    assert reason in connection.closed_reason
