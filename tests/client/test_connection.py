"""The client connection over real sockets, against raw servers that answer oddly."""

from __future__ import annotations

import socket
import threading

import pytest

from httplab.client.connection import EXTRA_GRACE, ClientConnection, ClientError, split_requests
from tests.client.servers import RawServer, answer_each, one_byte_at_a_time, read_head

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
HEAD = b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def test_content_length_response() -> None:
    with (
        RawServer(answer_each(OK)) as server,
        ClientConnection("127.0.0.1", server.port) as connection,
    ):
        (exchange,) = connection.send(GET)
    assert exchange.error is None
    assert exchange.status == 200 and exchange.final is not None
    assert exchange.final.body == b"hello"
    assert exchange.response_bytes == OK
    t = exchange.timings
    assert t.connect_ms is not None and t.written_ms is not None
    assert t.first_byte_ms is not None and t.last_byte_ms is not None
    assert t.connect_ms <= t.written_ms <= t.first_byte_ms <= t.last_byte_ms


def test_chunked_with_trailers_one_byte_at_a_time() -> None:
    response = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
        b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"
    )
    with RawServer(one_byte_at_a_time(response)) as server:
        (exchange,) = ClientConnection("127.0.0.1", server.port).send(GET)
    assert exchange.error is None
    assert exchange.final is not None
    assert exchange.final.body == b"hello world"
    assert exchange.final.trailers.get("x-sum") == "42"
    assert exchange.response_bytes == response


def test_close_delimited_body_ends_at_eof() -> None:
    response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"
    with RawServer(answer_each(response, close=True)) as server:
        connection = ClientConnection("127.0.0.1", server.port)
        (exchange,) = connection.send(GET)
    assert exchange.final is not None and exchange.final.body == b"until the end"
    assert connection.closed and not connection.connected


def test_head_204_304_have_no_body_even_with_content_length() -> None:
    responses = {
        b"HEAD": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        b"DELETE": b"HTTP/1.1 204 No Content\r\n\r\n",
        b"GET": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
    }

    def handler(conn: socket.socket) -> None:
        buffer = bytearray()
        while head := read_head(conn, buffer):
            conn.sendall(responses[head.split(b" ")[0]])

    with RawServer(handler) as server:
        connection = ClientConnection("127.0.0.1", server.port)
        for method in (b"HEAD", b"DELETE", b"GET"):
            (exchange,) = connection.send(method + b" / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert exchange.error is None and exchange.final is not None
            assert exchange.final.body == b""
        assert server.connections == 1  # kept alive across the three sends


def test_100_continue_then_final_response() -> None:
    def handler(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")

    request = b"POST /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
    with RawServer(handler) as server:
        (exchange,) = ClientConnection("127.0.0.1", server.port).send(request)
    assert [r.head.status for r in exchange.responses] == [100, 201]
    assert exchange.status == 201 and exchange.final is not None
    assert exchange.final.body == b"ok"


def test_pipelined_requests_get_one_response_each_with_their_methods() -> None:
    body = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"

    def handler(conn: socket.socket) -> None:
        buffer = bytearray()
        heads = [read_head(conn, buffer) for _ in range(3)]
        # A HEAD response announces a length but carries no body.
        conn.sendall(b"".join(body[:-3] if h.startswith(b"HEAD") else body for h in heads))

    with RawServer(handler) as server:
        exchanges = ClientConnection("127.0.0.1", server.port).send(GET + HEAD + GET)
    assert [e.method for e in exchanges] == ["GET", "HEAD", "GET"]
    assert [e.request_bytes for e in exchanges] == [GET, HEAD, GET]
    assert [e.final.body for e in exchanges if e.final] == [b"abc", b"", b"abc"]


def test_garbage_status_line_is_an_error_with_the_bytes() -> None:
    garbage = b"HTTP/1.1 2OO OK\r\n\x1b[31mX: y\r\n\r\n"
    with RawServer(answer_each(garbage, close=True)) as server:
        (exchange,) = ClientConnection("127.0.0.1", server.port).send(GET)
    assert exchange.error_kind == "bad-response"
    assert exchange.error is not None and "status line" in exchange.error
    assert exchange.unread == garbage


def test_server_that_never_answers_times_out() -> None:
    release = threading.Event()

    def silent(conn: socket.socket) -> None:
        read_head(conn)
        release.wait(5)

    with RawServer(silent) as server:
        (exchange,) = ClientConnection("127.0.0.1", server.port, timeout=0.3).send(GET)
        release.set()
    assert exchange.error_kind == "timeout"
    assert exchange.error is not None and "timed out after 0.3 s" in exchange.error


def test_incomplete_request_timeout_hints_that_the_server_waits() -> None:
    release = threading.Event()

    def silent(conn: socket.socket) -> None:
        read_head(conn)
        release.wait(5)

    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort"
    with RawServer(silent) as server:
        (exchange,) = ClientConnection("127.0.0.1", server.port, timeout=0.3).send(request)
        release.set()
    assert exchange.error is not None and "incomplete" in exchange.error


def test_server_closing_without_answer() -> None:
    def rude(conn: socket.socket) -> None:
        read_head(conn)
        conn.close()

    with RawServer(rude) as server:
        (exchange,) = ClientConnection("127.0.0.1", server.port).send(GET)
    assert exchange.error_kind in ("closed", "reset")


def test_idle_connection_closed_by_server_is_reopened_transparently() -> None:
    with RawServer(answer_each(OK + b"", close=False)) as server:
        connection = ClientConnection("127.0.0.1", server.port)
        connection.send(GET)
        assert connection.connected
        for conn in server._open:  # the server drops the idle connection
            conn.shutdown(socket.SHUT_RDWR)
        (exchange,) = connection.send(GET)
    assert exchange.error is None and exchange.status == 200
    assert exchange.timings.connect_ms is not None  # a new connection was made
    assert server.connections == 2


def test_connection_refused_names_httplab_serve() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(ClientError, match="is `httplab serve` running") as info:
        ClientConnection("127.0.0.1", port).send(GET)
    assert info.value.kind == "refused"


def test_unknown_host() -> None:
    with pytest.raises(ClientError) as info:
        ClientConnection("no-such-host.invalid", 80, timeout=2).send(GET)
    assert info.value.kind == "unknown-host"


def test_split_requests_counts_whole_requests_and_keeps_the_rest() -> None:
    pieces = split_requests(
        GET + HEAD + b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab"
    )
    assert [(p.method, p.complete) for p in pieces] == [
        ("GET", True),
        ("HEAD", True),
        ("POST", False),
    ]
    assert b"".join(p.raw for p in pieces).endswith(b"ab")
    (garbage,) = split_requests(b"hello there\r\n\r\n")
    assert not garbage.complete and garbage.method == "hello"


# bytes after a complete response ------------------------------------------------------------
NO_CONTENT_WITH_BODY = b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"


@pytest.mark.timeout(30)
def test_body_after_204_is_kept_as_extra_without_waiting_for_the_timeout() -> None:
    # the server keeps the connection open: only the grace read may end the wait
    with (
        RawServer(answer_each(NO_CONTENT_WITH_BODY)) as server,
        ClientConnection("127.0.0.1", server.port, timeout=600) as connection,
    ):
        (exchange,) = connection.send(GET)
        assert exchange.error is None and exchange.status == 204
        assert exchange.final is not None and exchange.final.body == b""
        assert exchange.extra == b"hello"
        assert exchange.response_bytes == NO_CONTENT_WITH_BODY
        assert connection.closed and "5 bytes after the response" in connection.closed_reason
        (again,) = connection.send(GET)  # a fresh connection, not "hello" read as a response
    assert again.error is None and again.status == 204 and again.extra == b"hello"
    assert server.connections == 2


@pytest.mark.parametrize(
    ("request_bytes", "response", "body", "extra"),
    [
        (HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b"", b"hello"),
        (GET, b"HTTP/1.1 304 Not Modified\r\n\r\n<html>", b"", b"<html>"),
        (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello", b"he", b"llo"),
        (GET, b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi!", b"hi", b"!"),
    ],
)  # fmt: skip
def test_bytes_after_the_response_are_extra(
    request_bytes: bytes, response: bytes, body: bytes, extra: bytes
) -> None:
    with RawServer(answer_each(response)) as server:
        connection = ClientConnection("127.0.0.1", server.port, timeout=600)
        (exchange,) = connection.send(request_bytes)
        connection.close()
    assert exchange.error is None
    assert exchange.final is not None and exchange.final.body == body
    assert exchange.extra == extra
    assert exchange.response_bytes == response


def test_a_clean_keep_alive_response_has_no_extra_and_stays_open() -> None:
    with RawServer(answer_each(OK)) as server:
        connection = ClientConnection("127.0.0.1", server.port)
        first, second = connection.send(GET), connection.send(GET)
        connection.close()
    assert first[0].extra == b"" and second[0].extra == b""
    assert server.connections == 1


@pytest.mark.parametrize(
    ("request_bytes", "response", "waits"),
    [
        (GET, OK, False),  # framed by its length on a kept-alive connection: done
        (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", False),
        (HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", True),  # a body may follow
        (GET, b"HTTP/1.1 204 No Content\r\n\r\n", True),
        (GET, b"HTTP/1.1 304 Not Modified\r\n\r\n", True),
    ],
)
def test_a_send_waits_for_stray_bytes_only_where_that_means_something(
    request_bytes: bytes, response: bytes, waits: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    graces: list[float] = []
    read_available = ClientConnection._read_available

    def spy(self: ClientConnection, grace: float, until_eof: bool = False) -> bytes:
        graces.append(grace)
        return read_available(self, grace, until_eof)

    monkeypatch.setattr(ClientConnection, "_read_available", spy)
    with RawServer(answer_each(response)) as server:
        connection = ClientConnection("127.0.0.1", server.port)
        (exchange,) = connection.send(request_bytes)
        connection.close()
    assert exchange.error is None and exchange.extra == b""
    assert graces == [EXTRA_GRACE if waits else 0.0]


def test_a_connection_closed_as_soon_as_it_was_accepted_says_so() -> None:
    """A lesson-1 starter accepts and closes: the checker says that, not "idle connection"."""
    listener = socket.create_server(("127.0.0.1", 0))
    closed = threading.Event()

    def accept_and_close() -> None:
        conn, _ = listener.accept()
        conn.close()
        closed.set()

    thread = threading.Thread(target=accept_and_close, daemon=True)
    thread.start()
    with listener, ClientConnection("127.0.0.1", listener.getsockname()[1]) as connection:
        connection.connect()
        assert closed.wait(5)
        thread.join(5)
        with pytest.raises(ClientError) as info:
            connection.send(GET, reconnect=False)
    assert info.value.message == (
        "not sent: the server closed the connection as soon as it accepted it, before any request"
    )
