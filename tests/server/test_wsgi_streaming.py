"""WSGI responses streamed to the socket as they come (issue 14.1), on real sockets.

Apps that follow PEP 3333 are wrapped in `wsgiref.validate.validator`; the ones that break
their own Content-Length on purpose are not (that is what they test). No timed assertions:
every wait has SOCKET_TIMEOUT as a guard against a hang and asserts that it did not expire.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest

from httplab.protocol.messages import Request
from httplab.server.apps.loading import load_app
from httplab.server.apps.wsgi import WSGIAdapter
from httplab.server.engine import HTTPServer
from httplab.server.streaming import PENDING_HIGH_WATER, ResponseStream
from httplab.trace.records import ExchangeRecord, TraceItem

SOCKET_TIMEOUT = 5.0  # a guard against hangs, never an assertion about speed
MIB = 1024 * 1024


def connect(server: HTTPServer) -> socket.socket:
    return socket.create_connection(server.address, timeout=SOCKET_TIMEOUT)


def read_until(sock: socket.socket, marker: bytes, received: bytes = b"") -> bytes:
    while marker not in received:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed before {marker!r}; got {received!r}")
        received += chunk
    return received


def read_to_close(sock: socket.socket, received: bytes = b"") -> bytes:
    while chunk := sock.recv(65536):
        received += chunk
    return received


class Gate:
    """A generator's body that cannot go on until the client has read its first piece."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.waited_ok: list[bool] = []
        self.closed = threading.Event()

    def app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return self.body()

    def body(self) -> Iterator[bytes]:
        try:
            yield b"first piece;"
            self.waited_ok.append(self.opened.wait(SOCKET_TIMEOUT))
            yield b"second piece."
        finally:
            self.closed.set()


def test_a_piece_reaches_the_client_before_the_generator_ends() -> None:
    gate = Gate()
    with HTTPServer(WSGIAdapter(validator(gate.app)), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = read_until(sock, b"first piece;")
        assert b"second" not in received  # the generator is still waiting
        gate.opened.set()
        received = read_to_close(sock, received)
    assert gate.waited_ok == [True]  # it went on because the client had read, not by timeout
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
    assert body == b"c\r\nfirst piece;\r\nd\r\nsecond piece.\r\n0\r\n\r\n"
    assert gate.closed.is_set()


def test_http10_is_close_delimited_and_streamed() -> None:
    gate = Gate()
    with HTTPServer(WSGIAdapter(validator(gate.app)), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        received = read_until(sock, b"first piece;")
        gate.opened.set()
        received = read_to_close(sock, received)  # the close ends the body
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    assert b"Connection: close" in head
    assert body == b"first piece;second piece."


def lying_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """/short: says 10 bytes, sends 5; /long: says 3, sends 10; /exact: says 5, sends 5."""
    length, pieces = {
        "/short": ("10", [b"12", b"345"]),
        "/long": ("3", [b"12", b"345", b"67890"]),
        "/exact": ("5", [b"12", b"345"]),
    }[environ["PATH_INFO"]]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", length)])
    return iter(pieces)


@pytest.mark.parametrize(
    ("path", "body", "closes"),
    [("/exact", b"12345", False), ("/short", b"12345", True), ("/long", b"123", True)],
)
def test_content_length_of_the_app_is_held_to(path: str, body: bytes, closes: bool) -> None:
    with HTTPServer(WSGIAdapter(lying_app), port=0) as server, connect(server) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = read_until(sock, b"\r\n\r\n")
        if closes:
            received = read_to_close(sock, received)  # the close tells the client
            assert received.partition(b"\r\n\r\n")[2] == body
        else:
            received = read_until(sock, body, received)
            assert received.endswith(b"\r\n\r\n" + body)
            sock.sendall(b"GET /exact HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            again = read_to_close(sock)  # the connection stayed usable
            assert again.startswith(b"HTTP/1.1 200 ") and again.endswith(b"12345")


def test_head_sends_no_body_and_closes_the_iterable() -> None:
    gate = Gate()
    gate.opened.set()
    with HTTPServer(WSGIAdapter(validator(gate.app)), port=0) as server, connect(server) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = read_to_close(sock)
    head, _, body = received.partition(b"\r\n\r\n")
    assert body == b""
    assert b"Content-Length: 25" in head  # what GET would have sent
    assert gate.closed.wait(SOCKET_TIMEOUT)


class Endless:
    """A fast generator that never ends by itself: pieces of 64 KiB until closed."""

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.produced = 0

    def app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return self.body()

    def body(self) -> Iterator[bytes]:
        piece = b"x" * 65536
        try:
            while True:
                self.produced += len(piece)
                yield piece
        finally:
            self.closed.set()


def test_close_is_called_when_the_client_goes_away() -> None:
    endless = Endless()
    with HTTPServer(WSGIAdapter(validator(endless.app)), port=0) as server:
        sock = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        read_until(sock, b"xxxx")
        sock.close()  # unread data: the kernel answers with RST
        assert endless.closed.wait(SOCKET_TIMEOUT)


def test_a_fast_generator_waits_for_a_slow_reader() -> None:
    """Without backpressure the generator would run ahead of the reader by everything it can
    make; with it, by the socket buffers plus the high-water marks at most."""
    total = 64 * MIB
    bound = 24 * MIB  # kernel buffers on loopback (a few MiB each way) + ours, with room
    received = 0
    ahead: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "a/b"), ("Content-Length", str(total))])
        piece = b"y" * MIB
        for _ in range(total // MIB):
            ahead.append(len(ahead) * MIB - received)  # made so far, minus read
            yield piece

    with HTTPServer(WSGIAdapter(validator(app)), port=0) as server, connect(server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while chunk := sock.recv(4096):
            received += len(chunk)
    assert received > total
    assert max(ahead) <= bound


def test_the_stream_tells_a_writer_to_wait() -> None:
    """The backpressure rule itself, without sockets: past the high-water mark, or while the
    transport is paused, wait_writable() gives a future; the loop's progress settles it."""

    class Sink:
        def stream_write(self, data: bytes) -> None: ...

    loop_calls: list[Any] = []

    class Loop:
        def call_soon_threadsafe(self, function: Any, *args: Any) -> None:
            loop_calls.append((function, args))

    stream = ResponseStream(
        Loop(),  # type: ignore[arg-type]
        Sink(),  # type: ignore[arg-type]
        Request("GET", "/"),
        server=("127.0.0.1", 1),
        client=None,
        keep_alive=True,
        capture=False,
    )
    assert stream.wait_writable() is None
    stream.write(b"z" * PENDING_HIGH_WATER)
    waiter = stream.wait_writable()
    assert waiter is not None and not waiter.done()
    stream._written(PENDING_HIGH_WATER)  # the loop wrote it
    assert waiter.done()
    stream.set_blocked(True)
    paused = stream.wait_writable()
    assert paused is not None and not paused.done()
    stream.connection_lost()
    assert isinstance(paused.exception(), ConnectionError)


def test_server_port_is_the_real_one_and_workers_are_daemons() -> None:
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(dict(environ))
        seen[-1]["threads"] = [t for t in threading.enumerate() if t.name.startswith("httplab-w")]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with HTTPServer(WSGIAdapter(validator(app)), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert read_to_close(sock).endswith(b"\r\n\r\nok")
    assert seen[0]["SERVER_PORT"] == str(server.port) != "0"
    assert seen[0]["REMOTE_ADDR"] == "127.0.0.1"
    assert seen[0]["threads"] and all(thread.daemon for thread in seen[0]["threads"])


def test_stop_does_not_wait_for_a_stuck_app() -> None:
    release, entered = threading.Event(), threading.Event()

    def stuck(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        entered.set()
        release.wait(SOCKET_TIMEOUT * 4)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"late"]

    server = HTTPServer(WSGIAdapter(stuck), port=0, stop_timeout=0.2).start()
    try:
        sock = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert entered.wait(SOCKET_TIMEOUT)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        stopping.join(SOCKET_TIMEOUT * 2)
        assert not stopping.is_alive()  # the connection was dropped; the worker is a daemon
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(100) == b""  # dropped, nothing said
        sock.close()
    finally:
        release.set()
        server.stop()


def test_the_trace_records_a_streamed_response() -> None:
    gate = Gate()
    gate.opened.set()
    records: list[ExchangeRecord] = []
    recorded = threading.Event()

    class Collect:
        def publish(self, item: TraceItem) -> None:
            if isinstance(item, ExchangeRecord):
                records.append(item)
                recorded.set()

    with (
        HTTPServer(WSGIAdapter(validator(gate.app)), port=0, tracer=Collect()) as server,
        connect(server) as sock,
    ):
        sock.sendall(b"GET /traced HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        read_to_close(sock)
        assert recorded.wait(SOCKET_TIMEOUT)
    record = records[0]
    assert record.response is not None and record.response.status == 200
    assert record.response.body == b"first piece;second piece."
    assert record.raw_response.endswith(b"d\r\nsecond piece.\r\n0\r\n\r\n")


def test_head_answered_by_a_framework_without_a_body_claims_no_length() -> None:
    """Frameworks (Bottle) return an empty body for HEAD: its length is unknown, not 0."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [b"abc"]

    with HTTPServer(WSGIAdapter(validator(app)), port=0) as server, connect(server) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = read_until(sock, b"abc")
    head, _, rest = received.partition(b"\r\n\r\n")
    assert b"Content-Length" not in head and b"Transfer-Encoding" not in head
    assert rest.startswith(b"HTTP/1.1 200 ")  # the connection went on to the GET


def test_the_readme_bottle_app_runs_as_shown(tmp_path: Path) -> None:
    """The README's "trace your own app" example, cut from the README at test time: it is
    ruff-formatted, it loads as a WSGI app, and answers as the README says."""
    pytest.importorskip("bottle")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Trace your own app") :]
    code = re.search(r"```python\n(.+?)```", section, re.S)
    assert code is not None
    (tmp_path / "readme_hello.py").write_text(code.group(1))
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--diff", str(tmp_path / "readme_hello.py")],
        capture_output=True,
        text=True,
    )
    assert formatted.returncode == 0, formatted.stdout
    app, kind = load_app("readme_hello:app", tmp_path)
    assert kind == "WSGI"
    with HTTPServer(app, port=0) as server:
        for request, expected in [
            (b"GET /hello/Vasya HTTP/1.1\r\nHost: x\r\n", b"\r\n\r\nHello, Vasya!\n"),
            (
                b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
                b'\r\n\r\n{"you sent": "hi"}',
            ),
            (
                b"GET /count HTTP/1.1\r\nHost: x\r\n",
                b"2\r\n1\n\r\n2\r\n2\n\r\n2\r\n3\n\r\n0\r\n\r\n",
            ),
        ]:
            with connect(server) as sock:
                if b"\r\n\r\n" not in request:
                    request += b"Connection: close\r\n\r\n"
                else:
                    request = request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
                sock.sendall(request)
                assert read_to_close(sock).endswith(expected)


def test_a_header_that_would_split_the_response_is_a_500() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("X-Evil", "a\r\nSet-Cookie: stolen=1")])
        yield b"never sent"

    with HTTPServer(WSGIAdapter(app), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = read_to_close(sock)
    assert received.startswith(b"HTTP/1.1 500 ")
    assert b"stolen" not in received and b"never sent" not in received


def test_an_exception_after_the_head_closes_the_connection() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        raise RuntimeError("broken in the middle")

    records: list[ExchangeRecord] = []

    class Collect:
        def publish(self, item: TraceItem) -> None:
            if isinstance(item, ExchangeRecord):
                records.append(item)

    with (
        HTTPServer(WSGIAdapter(validator(app)), port=0, tracer=Collect()) as server,
        connect(server) as sock,
    ):
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = read_to_close(sock)  # closed although the client asked for keep-alive
    assert received.startswith(b"HTTP/1.1 200 ")
    assert received.endswith(b"7\r\npartial\r\n")  # no last chunk: visibly incomplete
    assert b"Traceback" not in received and b"broken" not in received
    assert [note.code for note in records[0].notes] == ["app-failed-mid-body"]


@pytest.mark.parametrize(
    ("path", "code"), [("/short", "app-body-too-short"), ("/long", "app-body-too-long")]
)
def test_a_broken_content_length_is_noted_in_the_trace(path: str, code: str) -> None:
    records: list[ExchangeRecord] = []

    class Collect:
        def publish(self, item: TraceItem) -> None:
            if isinstance(item, ExchangeRecord):
                records.append(item)

    with (
        HTTPServer(WSGIAdapter(lying_app), port=0, tracer=Collect()) as server,
        connect(server) as sock,
    ):
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        read_to_close(sock)
    assert [note.code for note in records[0].notes] == [code]


def test_a_client_that_stops_reading_is_dropped_after_the_idle_timeout() -> None:
    """The app waits while the client does not read, but not for ever: once writes have been
    blocked for idle_timeout the connection is dropped and the app's iterable closed."""
    endless = Endless()
    with HTTPServer(WSGIAdapter(validator(endless.app)), port=0, idle_timeout=0.3) as server:
        sock = connect(server)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            assert endless.closed.wait(SOCKET_TIMEOUT)  # never read: dropped, closed
        finally:
            sock.close()


def test_a_response_finished_while_the_server_stops_closes_its_connection() -> None:
    """stop() closes idle connections at once and waits for busy ones; one that finishes its
    streamed answer meanwhile must close then, not sit idle until stop_timeout drops it."""
    gate = Gate()
    server = HTTPServer(WSGIAdapter(validator(gate.app)), port=0, stop_timeout=30).start()
    try:
        with connect(server) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # keep-alive
            received = read_until(sock, b"first piece;")
            stopping = threading.Thread(target=server.stop)
            stopping.start()
            while server.state.stopping is False:  # the stop has begun (a guard, not a clock)
                stopping.join(0.01)
            gate.opened.set()
            received = read_to_close(sock, received)  # closed after the answer
            stopping.join(SOCKET_TIMEOUT)
            assert not stopping.is_alive()  # well before stop_timeout
        assert received.endswith(b"0\r\n\r\n")
    finally:
        gate.opened.set()
        server.stop()


def test_server_port_under_trace_with_port_0() -> None:
    """`serve --app ... --trace --port 0` builds its server with make_server and a tracer."""
    from httplab.server.serve_command import ServeOptions, make_server

    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(environ["SERVER_PORT"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    class Collect:
        def publish(self, item: TraceItem) -> None: ...

    options = ServeOptions(port=0, app=WSGIAdapter(validator(app)), app_label="the WSGI app")
    with make_server(options, tracer=Collect()) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        read_to_close(sock)
    assert seen == [str(server.port)] and server.port != 0
