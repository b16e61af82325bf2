"""ASGI 3 served by httplab (issue 14.1): streaming out, disconnects, lifespan, errors, and a
real Starlette app. Real sockets on 127.0.0.1; no timed assertions (every wait has
SOCKET_TIMEOUT as a guard against a hang and asserts it did not expire).
"""

from __future__ import annotations

import asyncio
import io
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from httplab.server.apps.asgi import ASGIAdapter
from httplab.server.engine import HTTPServer
from httplab.server.start_errors import AppStartupError

SOCKET_TIMEOUT = 5.0  # a guard against hangs, never an assertion about speed


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
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain")],
}


class Probe:
    """Events an app sets from its own loop, for the test thread to wait on."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.disconnected = threading.Event()
        self.send_failed = threading.Event()
        self.log: list[str] = []

    async def wait_gate(self) -> bool:
        return await asyncio.get_running_loop().run_in_executor(
            None, self.gate.wait, SOCKET_TIMEOUT
        )


def test_a_body_message_reaches_the_client_before_the_app_goes_on() -> None:
    probe = Probe()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise RuntimeError("no lifespan here")
        await send(START)
        await send({"type": "http.response.body", "body": b"first;", "more_body": True})
        probe.log.append(f"gate opened: {await probe.wait_gate()}")
        await send({"type": "http.response.body", "body": b"second."})

    with HTTPServer(ASGIAdapter(app), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = read_until(sock, b"first;")
        assert b"second" not in received
        probe.gate.set()
        received = read_to_close(sock, received)
    assert probe.log == ["gate opened: True"]
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert body == b"6\r\nfirst;\r\n7\r\nsecond.\r\n0\r\n\r\n"


def test_http10_gets_a_close_delimited_stream() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(START)
        for piece in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    with HTTPServer(ASGIAdapter(app), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        head, _, body = read_to_close(sock).partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Content-Length" not in head
    assert body == b"abc"


def test_disconnect_during_a_long_streaming_response() -> None:
    """The app streams for ever and listens for http.disconnect alongside (as Starlette did
    before ASGI 2.4); the client reads a little and goes: the app hears of it both ways."""
    probe = Probe()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        assert (await receive())["type"] == "http.request"

        async def listen() -> None:
            if (await receive())["type"] == "http.disconnect":
                probe.disconnected.set()

        listener = asyncio.create_task(listen())
        await send(START)
        try:
            while True:
                await send({"type": "http.response.body", "body": b"z" * 4096, "more_body": True})
        except OSError:
            probe.send_failed.set()  # ASGI 2.4: send raises once the client is gone
        await listener

    with HTTPServer(ASGIAdapter(app), port=0) as server:
        sock = connect(server)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        read_until(sock, b"zzzz")
        sock.close()
        assert probe.disconnected.wait(SOCKET_TIMEOUT)
        assert probe.send_failed.wait(SOCKET_TIMEOUT)


def test_disconnect_while_the_app_waits_on_receive() -> None:
    probe = Probe()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        probe.log.append(f"{message['type']} {message['body']!r}")
        probe.gate.set()  # the body is read; now wait for the client
        message = await receive()
        probe.log.append(message["type"])
        probe.disconnected.set()

    with HTTPServer(ASGIAdapter(app), port=0) as server:
        sock = connect(server)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        assert probe.gate.wait(SOCKET_TIMEOUT)
        sock.close()
        assert probe.disconnected.wait(SOCKET_TIMEOUT)
    assert probe.log == ["http.request b'hi'", "http.disconnect"]


def test_request_body_in_parts_with_more_body() -> None:
    sizes: list[tuple[int, bool]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while True:
            message = await receive()
            sizes.append((len(message["body"]), message["more_body"]))
            if not message["more_body"]:
                break
        await send(START)
        await send({"type": "http.response.body", "body": b"%d" % sum(s for s, _ in sizes)})

    body = b"q" * (150 * 1024)
    with HTTPServer(ASGIAdapter(app), port=0) as server, connect(server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        assert read_to_close(sock).endswith(b"\r\n\r\n153600")
    assert sizes == [(65536, True), (65536, True), (22528, False)]


def test_an_exception_before_the_head_is_a_500_after_it_a_close() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/late":
            await send(START)
            await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("the app is broken")

    with HTTPServer(ASGIAdapter(app), port=0) as server:
        with connect(server) as sock:
            sock.sendall(b"GET /early HTTP/1.1\r\nHost: x\r\n\r\n")
            early = read_until(sock, b"\r\n\r\n")
            assert early.startswith(b"HTTP/1.1 500 ")
            assert b"Traceback" not in early and b"broken" not in early
        with connect(server) as sock:
            sock.sendall(b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
            late = read_to_close(sock)  # closed: the chunked body has no last chunk
        assert late.startswith(b"HTTP/1.1 200 ")
        assert late.endswith(b"7\r\npartial\r\n")


class LifespanApp:
    def __init__(self, fail: str = "") -> None:
        self.fail = fail
        self.events: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            assert (await receive())["type"] == "lifespan.startup"
            if self.fail:
                await send({"type": "lifespan.startup.failed", "message": self.fail})
                return
            scope["state"]["greeting"] = "hello from startup"
            self.events.append("startup")
            await send({"type": "lifespan.startup.complete"})
            assert (await receive())["type"] == "lifespan.shutdown"
            self.events.append("shutdown")
            await send({"type": "lifespan.shutdown.complete"})
            return
        await receive()
        await send(START)
        await send({"type": "http.response.body", "body": scope["state"]["greeting"].encode()})


def test_lifespan_startup_and_shutdown() -> None:
    app = LifespanApp()
    with HTTPServer(ASGIAdapter(app), port=0) as server, connect(server) as sock:
        assert app.events == ["startup"]
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert read_to_close(sock).endswith(b"\r\n\r\nhello from startup")
    assert app.events == ["startup", "shutdown"]


def test_lifespan_startup_failure_stops_the_server_from_listening() -> None:
    server = HTTPServer(ASGIAdapter(LifespanApp(fail="no database")), port=0)
    with pytest.raises(AppStartupError, match="no database"):
        server.start()
    assert not server.running


def test_an_app_that_raises_on_lifespan_is_served_without_it() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http", "only http"  # raises on the lifespan scope
        await send(START)
        await send({"type": "http.response.body", "body": b"served"})

    with HTTPServer(ASGIAdapter(app), port=0) as server, connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert read_to_close(sock).endswith(b"\r\n\r\nserved")


def test_starlette_streaming_response_and_request_stream() -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import PlainTextResponse, StreamingResponse
    from starlette.routing import Route

    probe = Probe()
    parts: list[int] = []

    async def numbers(request: StarletteRequest) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"one\n"
            opened = await probe.wait_gate()
            yield b"two\n" if opened else b"gate never opened\n"

        return StreamingResponse(body(), media_type="text/plain")

    async def upload(request: StarletteRequest) -> PlainTextResponse:
        async for part in request.stream():
            if part:
                parts.append(len(part))
        return PlainTextResponse(f"{sum(parts)} bytes in {len(parts)} parts")

    app = Starlette(routes=[Route("/numbers", numbers), Route("/upload", upload, methods=["POST"])])
    with HTTPServer(ASGIAdapter(app), port=0) as server:
        with connect(server) as sock:
            sock.sendall(b"GET /numbers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            received = read_until(sock, b"one\n")
            assert b"two" not in received
            probe.gate.set()
            received = read_to_close(sock, received)
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ") and b"Transfer-Encoding: chunked" in head
        assert body == b"4\r\none\n\r\n4\r\ntwo\n\r\n0\r\n\r\n"
        data = b"u" * (100 * 1024)
        with connect(server) as sock:
            sock.sendall(
                b"POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(data) + data + b"\r\n0\r\n\r\n"
            )
            answer = read_to_close(sock)
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert answer.endswith(b"102400 bytes in 2 parts")
        assert parts == [65536, 36864]


def test_head_gets_no_body() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(START)
        await send({"type": "http.response.body", "body": b"12345", "more_body": True})
        await send({"type": "http.response.body", "body": b"678"})

    with HTTPServer(ASGIAdapter(app), port=0) as server, connect(server) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = read_until(sock, b"678\r\n0\r\n\r\n")
    head, _, rest = received.partition(b"\r\n\r\n")
    assert b"Content-Length: 8\r\n" in head + b"\r\n"  # what GET would have had
    assert rest.startswith(b"HTTP/1.1 200 ") and b"12345" in rest


def test_serve_says_a_failed_startup_in_one_line(tmp_path: Path) -> None:
    """A Starlette lifespan that raises: Starlette sends its traceback as the failure
    message; serve shows it once, then one line, and exits 1 without listening."""
    pytest.importorskip("starlette")
    from httplab.server.apps.loading import load_app
    from httplab.server.serve_command import ServeOptions, serve_until_signal

    (tmp_path / "mod_fails.py").write_text(
        "from contextlib import asynccontextmanager\n"
        "from starlette.applications import Starlette\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    raise RuntimeError('no database at db:5432')\n"
        "    yield\n"
        "app = Starlette(lifespan=lifespan)\n"
    )
    app, kind = load_app("mod_fails:app", tmp_path)
    assert kind == "ASGI"
    err = io.StringIO()
    status = serve_until_signal(ServeOptions(port=0, app=app, app_label="the ASGI app"), err)
    lines = err.getvalue().splitlines()
    assert status == 1
    assert lines[-1] == (
        "httplab serve: the app's startup failed (ASGI lifespan), so the server did not start: "
        "RuntimeError: no database at db:5432; fix the app's startup code (traceback above) and "
        "run again"
    )
    assert lines[0].startswith("Traceback") and "mod_fails.py" in err.getvalue()
