"""Timeouts (idle, head, body), the connection cap and the parser limits, over real sockets.

Timeouts here are short (a fraction of a second); the assertions are about what happens
(408, EOF), never about how long it took.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator

import pytest

from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer

from .conftest import TEST_LIMITS, RawClient, get

SHORT = 0.3


def trickle(client: RawClient, pieces: Iterable[bytes]) -> bytes:
    """Send `pieces` one by one, each after a 50 ms wait for an answer; what came back once
    a whole response head arrived or the server closed."""
    client.sock.settimeout(0.05)
    answer = b""
    for piece in pieces:
        try:
            client.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            chunk = client.sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        answer += chunk
        if not chunk or b"\r\n\r\n" in answer:
            break
    return answer


@pytest.fixture
def quick_server() -> Iterator[HTTPServer]:
    with HTTPServer(
        UsersApp(), port=0, limits=TEST_LIMITS, idle_timeout=SHORT, header_timeout=SHORT
    ) as server:
        yield server


def test_idle_connection_is_closed_quietly(quick_server: HTTPServer) -> None:
    with RawClient(quick_server.address) as client:
        assert client.at_eof()  # nothing sent, nothing answered: just closed


def test_idle_keep_alive_connection_is_closed_after_a_response(quick_server: HTTPServer) -> None:
    with RawClient(quick_server.address) as client:
        assert client.request(get("/users")).status == 200
        assert client.at_eof()


def test_slowloris_cannot_hold_a_connection(quick_server: HTTPServer) -> None:
    """A head trickling in, a field every 50 ms, forever: the head clock is not extended."""
    with RawClient(quick_server.address) as client:
        client.send(b"GET /users HTTP/1.1\r\nHost: x\r\n")
        # at most 400 x 50 ms = ~20 s, far past the 0.3 s head timeout
        answer = trickle(client, (f"X-Slow-{i}: y\r\n".encode() for i in range(400)))
        assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_stalled_body_gets_408(quick_server: HTTPServer) -> None:
    with RawClient(quick_server.address) as client:
        client.send(
            b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 40\r\n\r\n{"name":'
        )
        response = client.read_response()
        assert response.status == 408
        assert response.header("Connection") == "close"
        assert "body" in response.text
        assert client.at_eof()


def test_connection_cap_answers_503_and_serves_again_later() -> None:
    with HTTPServer(UsersApp(), port=0, max_connections=2) as server:
        first, second = RawClient(server.address), RawClient(server.address)
        assert first.request(get("/users")).status == 200
        assert second.request(get("/users")).status == 200
        with RawClient(server.address) as third:
            refused = third.read_response()
            assert refused.status == 503
            assert refused.header("Retry-After") == "1"
            assert refused.header("Connection") == "close"
            assert third.at_eof()
        first.close()
        # the server notices the close asynchronously: retry until the slot is free
        for _ in range(200):
            with RawClient(server.address) as again:
                again.send(get("/users"))
                if again.read_response().status == 200:
                    break
            time.sleep(0.01)
        else:
            pytest.fail("a freed connection slot was never reused")
        assert second.request(get("/users")).status == 200
        second.close()


def test_default_connection_cap_is_well_above_a_thousand() -> None:
    server = HTTPServer(UsersApp(), port=0)
    assert server.settings.max_connections >= 10_000


def test_many_concurrent_connections(server: HTTPServer) -> None:
    clients = [RawClient(server.address) for _ in range(300)]
    try:
        for client in clients:
            client.send(get("/users"))
        assert all(client.read_response().status == 200 for client in clients)
    finally:
        for client in clients:
            client.close()


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 1000 + b"\r\n\r\n", 431, "field"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: v\r\n" % i for i in range(30))
            + b"\r\n",
            431,
            "field",
        ),
        (b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413, "4096"),
        (
            b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
            "gzip",
        ),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, "Host"),
        (b"GET /\x1b[31m HTTP/1.1\r\nHost: x\r\n\r\n", 400, ""),
    ],
    ids=[
        "414-line",
        "431-line",
        "431-fields",
        "413-body",
        "501-coding",
        "505-version",
        "400-host",
        "400-control",
    ],
)
def test_malformed_requests_get_their_status_and_close(
    client: RawClient, data: bytes, status: int, words: str
) -> None:
    response = client.request(data)
    assert response.status == status
    assert response.header("Connection") == "close"
    assert response.header("Content-Type") == "text/plain; charset=utf-8"
    assert response.text.startswith(f"{status} ")
    assert "RFC" in response.text
    assert words.lower() in response.text.lower()
    assert client.at_eof()


def test_error_body_is_json_when_asked(client: RawClient) -> None:
    response = client.request(
        b"POST /users HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
        b"Content-Length: 99999\r\n\r\n"
    )
    assert response.status == 413
    assert response.header("Content-Type") == "application/json"
    import json

    document = json.loads(response.body)
    assert document["status"] == 413 and document["rfc"] and document["detail"]


def test_413_reaches_a_client_that_sends_the_whole_body_first(server: HTTPServer) -> None:
    """The server answers before reading the body, then drains it so the answer is not lost
    to a TCP reset (closing with unread input makes the kernel send RST)."""
    with RawClient(server.address) as client:
        body = b"x" * 200_000
        client.send(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            client.send(body)
        assert client.read_response().status == 413


def test_chunked_body_over_the_limit_gets_413(client: RawClient) -> None:
    chunk = b"x" * 1000
    data = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6)) + b"0\r\n\r\n"
    response = client.request(
        b"POST /users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n" + data
    )
    assert response.status == 413


def test_body_trickling_a_byte_at_a_time_gets_408(quick_server: HTTPServer) -> None:
    """Each byte arrives well within the idle timeout, but the body as a whole is far too
    slow: the connection is not held for as long as the client likes."""
    with RawClient(quick_server.address) as client:
        client.send(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\n\r\n")
        # at most ~20 s of trickling, far past 0.3 s + 4000/1024 s
        answer = trickle(client, (b"a" for _ in range(400)))
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert b"slower than" in answer
