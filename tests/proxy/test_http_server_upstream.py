"""The proxy in front of Python's own `http.server` (a ThreadingHTTPServer in a thread): files
as `python3 -m http.server` serves them (HTTP/1.0, one connection per request), and a
handler speaking HTTP/1.1 for keep-alive, chunked coding both ways, 1xx and hop-by-hop fields
in responses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from httplab.proxy.engine import ProxyServer
from httplab.trace.bus import TraceBus
from tests.proxy.conftest import ask, connect, read_answer, records, settled, start_proxy


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class Echo(BaseHTTPRequestHandler):
    """HTTP/1.1: answers with the head it received; /chunked streams a chunked answer;
    /hop answers with hop-by-hop fields; a chunked request body is read and echoed."""

    protocol_version = "HTTP/1.1"
    connections: ClassVar[set[int]] = set()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def _answer(self) -> None:
        Echo.connections.add(id(self.connection))
        body = self._body()
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for number in range(5):
                piece = b"piece %d\n" % number
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/hop":
            payload = b"hop"
            self.send_response(200)
            self.send_header("Connection", "X-Upstream-Secret")
            self.send_header("X-Upstream-Secret", "1")
            self.send_header("Keep-Alive", "timeout=5")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        payload = str(self.headers).encode("latin-1") + b"\n--body--\n" + body
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer


def serve_in_thread(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def files(tmp_path: Path) -> Iterator[ThreadingHTTPServer]:
    (tmp_path / "hello.txt").write_bytes(b"hello from http.server\n")
    handler = partial(Quiet, directory=str(tmp_path))
    yield from serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), handler))


@pytest.fixture
def echo() -> Iterator[ThreadingHTTPServer]:
    Echo.connections = set()
    yield from serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), Echo))


@pytest.fixture
def files_proxy(files: ThreadingHTTPServer, bus: TraceBus) -> Iterator[ProxyServer]:
    proxy = start_proxy(files.server_address[1], bus)
    yield proxy
    proxy.stop()


@pytest.fixture
def echo_proxy(echo: ThreadingHTTPServer, bus: TraceBus) -> Iterator[ProxyServer]:
    proxy = start_proxy(echo.server_address[1], bus)
    yield proxy
    proxy.stop()


def test_files_through_the_proxy_on_one_client_connection(
    files_proxy: ProxyServer, bus: TraceBus
) -> None:
    with connect(files_proxy.address) as sock:
        hello = ask(sock, b"GET /hello.txt HTTP/1.1\r\nHost: lab\r\n\r\n")
        assert hello.status == 200 and hello.body == b"hello from http.server\n"
        # http.server answers in HTTP/1.0 and closes; the client's connection stays
        assert hello.header("via") == "1.0 httplab"
        assert hello.header("connection") is None
        listing = ask(sock, b"GET / HTTP/1.1\r\nHost: lab\r\n\r\n")
        assert listing.status == 200 and b"hello.txt" in listing.body
        head = ask(sock, b"HEAD /hello.txt HTTP/1.1\r\nHost: lab\r\n\r\n", "HEAD")
        assert head.status == 200 and head.body == b""
        assert head.header("content-length") == "23"
        missing = ask(sock, b"GET /nope HTTP/1.1\r\nHost: lab\r\n\r\n")
        assert missing.status == 404
    settled(bus, 4)
    assert {r.connection_id for r in records(bus, "server")} == {1}
    assert len({r.connection_id for r in records(bus, "upstream")}) == 4  # it closes each time


def test_keep_alive_reuse_with_an_http11_upstream(
    echo_proxy: ProxyServer, echo: ThreadingHTTPServer, bus: TraceBus
) -> None:
    with connect(echo_proxy.address) as sock:
        for _ in range(3):
            assert ask(sock, b"GET /x HTTP/1.1\r\nHost: lab\r\n\r\n").status == 200
    settled(bus, 3)
    assert len(Echo.connections) == 1  # the upstream saw one connection
    assert {r.connection_id for r in records(bus, "upstream")} == {2}


def test_a_chunked_answer_is_passed_on_chunked(echo_proxy: ProxyServer, bus: TraceBus) -> None:
    with connect(echo_proxy.address) as sock:
        answer = ask(sock, b"GET /chunked HTTP/1.1\r\nHost: lab\r\n\r\n")
        assert answer.header("transfer-encoding") == "chunked"
        assert answer.body == b"".join(b"piece %d\n" % n for n in range(5))
        assert ask(sock, b"GET /x HTTP/1.1\r\nHost: lab\r\n\r\n").status == 200  # still alive


def test_a_chunked_answer_to_an_http10_client_is_close_delimited(echo_proxy: ProxyServer) -> None:
    with connect(echo_proxy.address) as sock:
        sock.sendall(b"GET /chunked HTTP/1.0\r\n\r\n")
        received = b""
        while piece := sock.recv(65536):
            received += piece
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"chunked" not in head.lower() and b"content-length" not in head.lower()
    assert b"Connection: close" in head
    assert body == b"".join(b"piece %d\n" % n for n in range(5))


def test_a_chunked_upload_arrives_whole(echo_proxy: ProxyServer, bus: TraceBus) -> None:
    request = (
        b"POST /up HTTP/1.1\r\nHost: lab\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"
    )
    with connect(echo_proxy.address) as sock:
        answer = ask(sock, request, "POST")
    assert answer.body.endswith(b"\n--body--\nhello world")
    assert b"Via: 1.1 httplab" in answer.body


def test_hop_by_hop_fields_of_the_answer_are_removed(
    echo_proxy: ProxyServer, bus: TraceBus
) -> None:
    with connect(echo_proxy.address) as sock:
        answer = ask(sock, b"GET /hop HTTP/1.1\r\nHost: lab\r\n\r\n")
    assert answer.body == b"hop"
    assert answer.header("x-upstream-secret") is None
    assert answer.header("keep-alive") is None
    assert answer.header("connection") is None
    assert answer.header("via") == "1.1 httplab"
    settled(bus, 1)
    upstream_leg = records(bus, "upstream")[0]
    assert b"X-Upstream-Secret: 1" in upstream_leg.raw_response  # shown as it came back


def test_expect_100_continue_is_relayed(echo_proxy: ProxyServer) -> None:
    with connect(echo_proxy.address) as sock:
        sock.sendall(
            b"PUT /up HTTP/1.1\r\nHost: lab\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(b"hello")
        answer = read_answer(sock, "PUT")
    assert answer.status == 200 and answer.body.endswith(b"--body--\nhello")
