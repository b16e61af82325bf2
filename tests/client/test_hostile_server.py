"""The client as a target: servers that never stop, lie, flood or switch protocols.

Every case runs `httplab send` (in process, real sockets on 127.0.0.1) against a small hostile
server and holds the client to the same promises: it ends (the server's bytes are bounded by a
limit, a byte count or `--max-time`, never by the server's good will), says what happened in
one line, keeps at most a bounded number of bytes, and no escape byte reaches the terminal.
Replay, the REPL and the trace view's client pane read through the same `ClientConnection`;
the 101 case runs through each of them.
"""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator

import pytest

import httplab.client.connection as connection_module
from httplab.client.connection import EXTRA_LIMIT, MAX_INTERIM, ClientConnection
from httplab.client.replay import replay_transcript
from httplab.client.send import SendOptions, Streams, run_send
from httplab.trace.transcript import (
    Expectation,
    Transcript,
    TranscriptConnection,
    TranscriptExchange,
)
from tests.client.servers import Handler, RawServer, read_head

LIMIT = 256 * 1024  # the response byte limit these tests set (the default is 64 MiB)
GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection_module, "MAX_RESPONSE_BYTES", LIMIT)


def endless(head: bytes, piece: bytes, *, read_first: bool = True) -> Handler:
    """Send `head`, then `piece` again and again until the client goes away."""

    def handler(conn: socket.socket) -> None:
        if read_first:
            read_head(conn)
        conn.sendall(head)
        for _ in range(100_000):  # a backstop: a working client stops reading long before
            conn.sendall(piece)

    return handler


def trickle(head: bytes, stop: threading.Event) -> Handler:
    def handler(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(head)
        while not stop.wait(0.05):
            conn.sendall(b"x")

    return handler


def send(port: int, *extra: str, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    opts = SendOptions("GET /", to=f"127.0.0.1:{port}", **options)  # type: ignore[arg-type]
    status = run_send(opts, Streams(io.BytesIO(), out, err))
    return status, out.getvalue(), err.getvalue()


def assert_one_clean_line(out: str, err: str) -> None:
    assert err.count("\n") == 1 and err.startswith("httplab: error: "), err
    assert "Traceback" not in err
    for text in (out, err):
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert len(out) < 40_000  # what is shown is bounded too


HOSTILE: dict[str, tuple[Handler, str]] = {
    "endless headers": (
        endless(b"HTTP/1.1 200 OK\r\n", b"X-More: " + b"y" * 100 + b"\r\n"),
        "unparseable response",
    ),
    "endless chunked body": (
        endless(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"400\r\n" + b"z" * 1024 + b"\r\n",
        ),
        "exceeds",
    ),
    "endless chunk extensions (no body at all)": (
        endless(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"1;a=" + b"b" * 4000 + b"\r\nX\r\n",
        ),
        "exceeds",  # the parser's framing budget or the client's byte limit, whichever first
    ),
    "endless close-delimited body": (
        endless(b"HTTP/1.1 200 OK\r\n\r\n", b"w" * 4096),
        "exceeds",
    ),
    "a 100 Continue flood": (
        endless(b"", b"HTTP/1.1 100 Continue\r\n\r\n"),
        f"more than {MAX_INTERIM} interim (1xx) responses",
    ),
    "a 103 Early Hints flood": (
        endless(b"", b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"),
        f"more than {MAX_INTERIM} interim (1xx) responses",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_an_endless_response_ends_in_one_line_with_bounded_bytes(case: str) -> None:
    handler, message = HOSTILE[case]
    with RawServer(handler) as server:
        status, out, err = send(server.port)
        with ClientConnection("127.0.0.1", server.port) as connection:
            (exchange,) = connection.send(GET)
    assert status == 1 and message in err
    assert_one_clean_line(out, err)
    assert exchange.error is not None and message in exchange.error
    assert len(exchange.response_bytes) <= LIMIT + EXTRA_LIMIT
    assert connection.closed


def test_a_huge_content_length_trickled_ends_at_max_time() -> None:
    stop = threading.Event()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n"
    with RawServer(trickle(head, stop)) as server:
        try:
            status, out, err = send(server.port, max_time=0.3, timeout=5.0)
        finally:
            stop.set()
    assert status == 1 and "gave up after 0.3 s" in err
    assert_one_clean_line(out, err)


ESCAPES = b"\x1b[2J\x1b]0;pwned\x07\x9b31m"


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/1.1 200 " + ESCAPES + b"\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Evil: " + ESCAPES + b"\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nX-\x1b[31m: 1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n" + ESCAPES,
    ],
    ids=["reason", "field value", "field name", "body"],
)
def test_escape_sequences_never_reach_the_terminal(response: bytes) -> None:
    with RawServer(endless(response, b"", read_first=True)) as server:
        status, out, err = send(server.port)
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "Traceback" not in err
    assert status in (0, 1) and err.count("\n") <= 1


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/1.1 2000 OK",
        b"HTTP/9.9 200 OK",
        b"ICY 200 OK",
        b"HTTP/1.1 099 Low",
        b"HTTP/1.1 20 OK",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"\x00\x00\x00",
    ],
)
def test_an_invalid_status_line_is_one_line_and_exit_1(status_line: bytes) -> None:
    with RawServer(endless(status_line + b"\r\n\r\n", b"")) as server:
        status, out, err = send(server.port)
    assert status == 1
    assert_one_clean_line(out, err)


def test_a_response_before_the_request_is_read_cleanly() -> None:
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nearly"

    def eager(conn: socket.socket) -> None:
        conn.sendall(response)  # before reading anything
        read_head(conn)

    with RawServer(eager) as server:
        status, out, err = send(server.port)
    assert "Traceback" not in err and err.count("\n") <= 1
    assert status == 0, err
    assert "early" in out


SWITCH = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
FRAME = b"\x81\x05hello"


def switching(conn: socket.socket) -> None:
    read_head(conn)
    conn.sendall(SWITCH + FRAME)
    conn.recv(1)  # hold the connection until the client goes


@pytest.fixture
def switching_server() -> Iterator[RawServer]:
    with RawServer(switching) as server:
        yield server


def test_send_shows_a_101_and_ends_the_exchange(switching_server: RawServer) -> None:
    status, out, err = send(switching_server.port)
    assert status == 0, err
    assert "< HTTP/1.1 101 Switching Protocols\\r\\n" in out
    assert "switched protocols (101)" in out
    assert err == ""


def test_the_connection_reads_a_101_as_the_final_response(switching_server: RawServer) -> None:
    with ClientConnection("127.0.0.1", switching_server.port) as connection:
        (exchange,) = connection.send(GET)
    assert exchange.error is None and exchange.status == 101
    assert connection.closed and "RFC 9110 §15.2.2" in connection.closed_reason


def test_replay_checks_a_101(switching_server: RawServer) -> None:
    exchange = TranscriptExchange("upgrade", GET, Expectation(status=101))
    transcript = Transcript("t", [TranscriptConnection([exchange])])
    (result,) = replay_transcript(transcript, "127.0.0.1", switching_server.port)
    assert result.ok, result.failures
    assert result.status == 101


def test_the_repl_shows_a_101_and_goes_on(switching_server: RawServer) -> None:
    from httplab.client.repl import Repl

    out = io.StringIO()
    repl = Repl("127.0.0.1", switching_server.port, stream=out)
    repl.handle("GET /")
    shown = out.getvalue()
    assert "101 Switching Protocols" in shown and "switched protocols (101)" in shown
    assert "Traceback" not in shown


def test_the_trace_views_client_pane_shows_a_101(switching_server: RawServer) -> None:
    from httplab.tui.client_session import ClientSession

    session = ClientSession("127.0.0.1", switching_server.port)
    result = session._send_kept(GET, "127.0.0.1", switching_server.port)
    assert result.error is None
    assert result.response_bytes.startswith(SWITCH)
    session.close()


def test_send_prints_the_parsers_notes_as_bang_lines() -> None:
    response = b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"  # bare LF line endings
    with RawServer(endless(response, b"")) as server:
        status, out, err = send(server.port)
        _, body_only, _ = send(server.port, parts="b")
    assert status == 0, err
    bang = [line for line in out.splitlines() if line.startswith("! ")]
    assert bang and all("(RFC 9112 §2.2)" in line for line in bang), out
    assert "! " not in body_only
