"""`serve --app` with an ASGI 3 application (HTTP scope), bare, on real sockets."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from httplab.server.apps.asgi import BODY_PART, ASGIAdapter
from httplab.server.apps.loading import load_app
from httplab.server.engine import HTTPServer

SOCKET_TIMEOUT = 5.0  # a guard against hangs, never an assertion about speed
log: list[Any] = []
disconnected = threading.Event()  # set by the app once it got http.disconnect


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """/stream: a body in three messages; /upload: reads the body in parts and says how many;
    /disconnect: after answering, waits for http.disconnect; /crash raises."""
    assert scope["type"] == "http"
    log.append(scope)
    path = scope["path"]
    if path == "/crash":
        raise RuntimeError("broken")
    if path == "/upload":
        parts = []
        while True:
            message = await receive()
            assert message["type"] == "http.request"
            parts.append(message["body"])
            if not message.get("more_body", False):
                break
        text = f"{len(parts)} parts, {sum(map(len, parts))} bytes".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", str(len(text)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": text})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    if path == "/stream":
        for piece in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.body", "body": path.encode()})
    if path == "/disconnect":
        while (await receive())["type"] != "http.disconnect":
            pass
        log.append("disconnected")
        disconnected.set()


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    log.clear()
    disconnected.clear()
    with HTTPServer(ASGIAdapter(asgi_app), port=0) as running:
        yield running


def raw_exchange(server: HTTPServer, data: bytes) -> bytes:
    with socket.create_connection(server.address, timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_scope(server: HTTPServer) -> None:
    data = raw_exchange(
        server, b"GET /caf%C3%A9?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nConnection: close\r\n\r\n"
    )
    assert data.startswith(b"HTTP/1.1 200 ")
    scope = log[0]
    assert scope["path"] == "/caf\u00e9" and scope["raw_path"] == b"/caf%C3%A9"
    assert scope["query_string"] == b"x=1" and scope["http_version"] == "1.1"
    assert (b"x-a", b"1") in scope["headers"]


def test_streamed_response_is_chunked(server: HTTPServer) -> None:
    data = raw_exchange(server, b"GET /stream HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"three" in body and body.endswith(b"0\r\n\r\n")
    conn = http.client.HTTPConnection(*server.address, timeout=SOCKET_TIMEOUT)
    conn.request("GET", "/stream")
    assert conn.getresponse().read() == b"one two three"
    conn.close()


def test_request_body_read_in_parts(server: HTTPServer) -> None:
    conn = http.client.HTTPConnection(*server.address, timeout=SOCKET_TIMEOUT)
    size = 2 * BODY_PART + 10
    conn.request("POST", "/upload", body=b"x" * size)
    assert conn.getresponse().read() == f"3 parts, {size} bytes".encode()
    conn.request("POST", "/upload", body=b"")
    assert conn.getresponse().read() == b"1 parts, 0 bytes"
    conn.close()


def test_disconnect_after_the_response(server: HTTPServer) -> None:
    data = raw_exchange(server, b"GET /disconnect HTTP/1.0\r\n\r\n")
    assert data.endswith(b"/disconnect")
    # The app hears http.disconnect on its own loop, after the response went out: the client
    # may see the end of the response first, so wait for the app (the timeout only guards a hang)
    assert disconnected.wait(SOCKET_TIMEOUT), "the app never received http.disconnect"
    assert log[-1] == "disconnected"


def test_crash_is_500_and_the_server_goes_on(server: HTTPServer) -> None:
    assert raw_exchange(server, b"GET /crash HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 500 ")
    assert raw_exchange(server, b"GET /ok HTTP/1.0\r\n\r\n").endswith(b"/ok")


def test_loaded_by_shape(tmp_path: Path) -> None:
    (tmp_path / "mod_asgi.py").write_text(
        "async def app(scope, receive, send):\n    pass\n"
        "class App:\n    async def __call__(self, scope, receive, send):\n        pass\n"
        "instance = App()\n"
    )
    assert load_app("mod_asgi:app", tmp_path)[1] == "ASGI"
    assert load_app("mod_asgi:instance", tmp_path)[1] == "ASGI"
