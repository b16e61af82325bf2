"""502 for an upstream that is down or answers garbage, 504 for a silent one; never a hang."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from httplab.proxy.engine import ProxyServer
from httplab.proxy.settings import ProxySettings
from httplab.trace.bus import TraceBus
from tests.proxy.conftest import (
    ScriptedUpstream,
    ask,
    closed_by_peer,
    connect,
    read_answer,
    read_request_head,
    records,
    settled,
    start_proxy,
)

Scripted = Callable[[Callable[[socket.socket], None]], ScriptedUpstream]
GET = b"GET /page HTTP/1.1\r\nHost: lab\r\n\r\n"


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_upstream_down_is_502_and_says_so(bus: TraceBus) -> None:
    port = free_port()
    proxy = start_proxy(port, bus)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
            assert answer.status == 502
            text = answer.body.decode()
            assert "refused" in text and f"127.0.0.1:{port}" in text and "--to" in text
            # the request was read whole: the connection stays for the next one
            assert ask(sock, GET).status == 502
        settled(bus, 2)
    finally:
        proxy.stop()
    client_leg = records(bus, "server")[0]
    assert any(note.code == "proxy-refused" for note in client_leg.notes)
    assert records(bus, "upstream") == []  # no connection, no upstream leg


def test_502_body_follows_accept(bus: TraceBus) -> None:
    proxy = start_proxy(free_port(), bus)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, b"GET / HTTP/1.1\r\nHost: lab\r\nAccept: application/json\r\n\r\n")
    finally:
        proxy.stop()
    assert answer.status == 502
    assert answer.header("content-type") == "application/json"
    assert b'"status": 502' in answer.body


def test_silent_upstream_is_504_within_the_timeout(scripted: Scripted, bus: TraceBus) -> None:
    release = threading.Event()

    def silent(conn: socket.socket) -> None:
        read_request_head(conn)
        release.wait(30)  # reads the request, never answers

    upstream = scripted(silent)
    proxy = start_proxy(upstream.port, bus, timeout=0.3)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
        settled(bus, 1)
    finally:
        release.set()
        proxy.stop()
    assert answer.status == 504
    assert b"sent nothing for 0.3s" in answer.body and b"--timeout" in answer.body
    (upstream_leg,) = records(bus, "upstream")
    assert upstream_leg.response is None and upstream_leg.error is not None


def test_upstream_that_stops_reading_a_body_is_504(scripted: Scripted, bus: TraceBus) -> None:
    release = threading.Event()

    def never_reads(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        release.wait(30)

    upstream = scripted(never_reads)
    proxy = start_proxy(upstream.port, bus, timeout=0.3)
    size = 8 * 1024 * 1024
    try:
        with connect(proxy.address) as sock:
            sock.sendall(b"PUT /big HTTP/1.1\r\nHost: lab\r\nContent-Length: %d\r\n\r\n" % size)
            sender = threading.Thread(target=_send_quietly, args=(sock, b"x" * size), daemon=True)
            sender.start()
            answer = read_answer(sock, "PUT")
            assert answer.status == 504, answer.body
            assert answer.header("connection") == "close"
    finally:
        release.set()
        proxy.stop()


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        sock.sendall(data)


def test_garbage_from_upstream_is_502(scripted: Scripted, bus: TraceBus) -> None:
    def garbage(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"\x16\x03\x01 this is not HTTP at all\r\n\r\n")

    upstream = scripted(garbage)
    proxy = start_proxy(upstream.port, bus)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
        settled(bus, 1)
    finally:
        proxy.stop()
    assert answer.status == 502
    assert b"malformed response" in answer.body
    assert answer.body.count(b"(RFC ") == 1, answer.body  # the rule is named once, at the end
    (upstream_leg,) = records(bus, "upstream")
    assert upstream_leg.raw_response.startswith(b"\x16\x03\x01 this is not HTTP")  # shown


def test_endless_headers_from_upstream_are_502_not_a_hang(scripted: Scripted) -> None:
    def endless(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for number in range(1_000_000):
            conn.sendall(b"X-Field-%d: %s\r\n" % (number, b"v" * 100))

    upstream = scripted(endless)
    proxy = start_proxy(upstream.port)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
    finally:
        proxy.stop()
    assert answer.status == 502
    assert b"431" not in answer.body.split(b":")[0]  # the client gets a gateway error


def test_a_too_long_status_line_is_502(scripted: Scripted) -> None:
    def long_line(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 " + b"O" * 100_000)
        conn.recv(1)

    upstream = scripted(long_line)
    proxy = start_proxy(upstream.port)
    try:
        with connect(proxy.address) as sock:
            assert ask(sock, GET).status == 502
    finally:
        proxy.stop()


def test_upstream_closing_without_an_answer_is_502(scripted: Scripted) -> None:
    def hang_up(conn: socket.socket) -> None:
        read_request_head(conn)

    upstream = scripted(hang_up)
    proxy = start_proxy(upstream.port)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
    finally:
        proxy.stop()
    assert answer.status == 502
    assert b"closed the connection before a whole response" in answer.body


def test_upstream_dying_mid_body_cuts_the_client_off(scripted: Scripted, bus: TraceBus) -> None:
    def dies(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a part")

    upstream = scripted(dies)
    proxy = start_proxy(upstream.port, bus)
    try:
        with connect(proxy.address) as sock:
            sock.sendall(GET)
            received = b""
            while True:
                try:
                    piece = sock.recv(65536)
                except ConnectionError:
                    break
                if not piece:
                    break
                received += piece
        settled(bus, 1)
    finally:
        proxy.stop()
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert received.endswith(b"only a part")  # the head was out: all it can do is cut
    (client_leg,) = records(bus, "server")
    assert client_leg.error is not None and "cut off" in client_leg.error


def test_101_from_upstream_is_502(scripted: Scripted) -> None:
    def switches(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
        conn.recv(1)

    upstream = scripted(switches)
    proxy = start_proxy(upstream.port)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
    finally:
        proxy.stop()
    assert answer.status == 502 and b"switched protocols" in answer.body


def test_a_stale_kept_alive_upstream_connection_is_retried(
    scripted: Scripted, bus: TraceBus
) -> None:
    def one_answer_then_close(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        # keeps the connection "alive", then closes it before the next request is read
        conn.shutdown(socket.SHUT_RDWR)

    upstream = scripted(one_answer_then_close)
    proxy = start_proxy(upstream.port, bus)
    try:
        with connect(proxy.address) as sock:
            assert ask(sock, GET).status == 200
            assert ask(sock, GET).status == 200
            assert not closed_by_peer_now(sock)
    finally:
        proxy.stop()
    assert upstream.accepted == 2


def closed_by_peer_now(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    finally:
        sock.setblocking(True)


def test_an_unknown_upstream_host_is_502() -> None:
    proxy = ProxyServer(ProxySettings("no-such-host.invalid", 80), port=0).start()
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
    finally:
        proxy.stop()
    assert answer.status == 502
    assert b"cannot resolve" in answer.body and b"no-such-host.invalid" in answer.body


def test_an_idempotent_request_is_retried_once_when_a_reused_connection_closes(
    scripted: Scripted, bus: TraceBus
) -> None:
    def answers_once_then_drops_the_next(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        read_request_head(conn)  # the next request arrives; no answer, just the close

    upstream = scripted(answers_once_then_drops_the_next)
    proxy = start_proxy(upstream.port, bus)
    try:
        with connect(proxy.address) as sock:
            assert ask(sock, GET).status == 200
            assert ask(sock, GET).status == 200
            posted = ask(sock, b"POST /p HTTP/1.1\r\nHost: lab\r\nContent-Length: 0\r\n\r\n")
        settled(bus, 3)
    finally:
        proxy.stop()
    assert upstream.accepted == 2  # the first dropped the second GET; the second the POST
    second = records(bus, "server")[1]
    assert any(note.code == "proxy-retried" for note in second.notes)
    assert posted.status == 502  # not idempotent: never sent twice


def test_a_slow_client_head_gets_408_and_a_close(users_server_port: int) -> None:
    proxy = start_proxy(users_server_port, header_timeout=0.2)
    try:
        with connect(proxy.address) as sock:
            sock.sendall(b"GET /users HTTP/1.1\r\nHost: la")  # and nothing more
            answer = read_answer(sock)
            assert answer.status == 408
            assert closed_by_peer(sock)
    finally:
        proxy.stop()


def test_a_stalled_client_body_gets_408(users_server_port: int) -> None:
    proxy = start_proxy(users_server_port, idle_timeout=0.2)
    try:
        with connect(proxy.address) as sock:
            sock.sendall(b"PUT /users/1 HTTP/1.1\r\nHost: lab\r\nContent-Length: 10\r\n\r\nabc")
            answer = read_answer(sock, "PUT")
            assert answer.status == 408
    finally:
        proxy.stop()


def test_one_connection_over_the_cap_gets_503(users_server_port: int) -> None:
    proxy = start_proxy(users_server_port, max_connections=1)
    try:
        with connect(proxy.address) as first:
            assert ask(first, GET).status in (200, 404)
            with connect(proxy.address) as second:
                answer = read_answer(second)
                assert answer.status == 503 and answer.header("retry-after") == "1"
    finally:
        proxy.stop()


def test_bytes_after_an_answer_are_not_read_as_the_next_answer(scripted: Scripted) -> None:
    def answer_with_junk_after(conn: socket.socket) -> None:
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 418 Junk\r\n\r\n")
        read_request_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        read_request_head(conn)

    upstream = scripted(answer_with_junk_after)
    proxy = start_proxy(upstream.port)
    try:
        with connect(proxy.address) as sock:
            assert ask(sock, GET).body == b"ok"
            second = ask(sock, GET)
    finally:
        proxy.stop()
    assert second.status == 200 and second.body == b"ok"
    assert upstream.accepted == 2  # a new upstream connection for the second request


def test_endless_interim_responses_are_502_not_a_hang(scripted: Scripted) -> None:
    def early_hints_for_ever(conn: socket.socket) -> None:
        read_request_head(conn)
        for _ in range(100_000):
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")

    upstream = scripted(early_hints_for_ever)
    proxy = start_proxy(upstream.port)
    try:
        with connect(proxy.address) as sock:
            answer = ask(sock, GET)
    finally:
        proxy.stop()
    assert answer.status == 502 and b"interim (1xx) responses" in answer.body
