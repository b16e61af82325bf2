"""Shared fixtures: a users API server on an ephemeral port, and a small raw-socket client.

The client reads responses with its own few lines of framing (status line, fields,
Content-Length), not with httplab's parser, so a parser bug cannot hide a server bug.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from httplab.protocol.limits import Limits
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer

SOCKET_TIMEOUT = 5.0  # a guard against hangs, never an assertion about speed
TEST_LIMITS = Limits(
    max_request_line=1024, max_header_line=512, max_header_block=4096, max_fields=20, max_body=4096
)


@dataclass
class RawResponse:
    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes = field(repr=False, default=b"")

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None

    def header_count(self, name: str) -> int:
        return sum(1 for n, _ in self.headers if n.lower() == name.lower())

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class RawClient:
    """A socket plus a read buffer; `send` bytes, `read_response()` one response at a time."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=SOCKET_TIMEOUT)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def read_response(self, method: str = "GET") -> RawResponse:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"closed before a response head: {self.buffer!r}")
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, status, reason = [*lines[0].split(" ", 2), ""][:3]
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
        length = 0
        code = int(status)
        if method != "HEAD" and code >= 200 and code not in (204, 304):
            values = [v for n, v in headers if n.lower() == "content-length"]
            assert len(values) == 1, f"expected one Content-Length in {headers}"
            length = int(values[0])
        while len(rest) < length:
            if not self._fill():
                raise ConnectionError("closed in the middle of a body")
            rest = self.buffer.partition(b"\r\n\r\n")[2]
        body, remainder = rest[:length], rest[length:]
        raw = self.buffer[: len(self.buffer) - len(remainder)]
        self.buffer = remainder
        return RawResponse(code, reason, version, headers, body, raw)  # type: ignore[arg-type]

    def request(self, data: bytes, method: str = "GET") -> RawResponse:
        self.send(data)
        return self.read_response(method)

    def at_eof(self) -> bool:
        """True when the server closed (reads until EOF; the socket timeout guards a hang)."""
        if self.buffer:
            return False
        try:
            return self.sock.recv(65536) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def get(target: str, *headers: str, version: str = "HTTP/1.1", method: str = "GET") -> bytes:
    """Request bytes: `get("/users", "Accept: text/html")` (Host added unless given)."""
    lines = [f"{method} {target} {version}"]
    if not any(h.lower().startswith("host:") for h in headers) and version == "HTTP/1.1":
        lines.append("Host: example.local")
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def post(target: str, body: bytes = b"", *headers: str) -> bytes:
    lines = [f"POST {target} HTTP/1.1", "Host: example.local", *headers]
    if body or not any(h.lower().startswith("content-length") for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


@pytest.fixture
def users_app() -> UsersApp:
    return UsersApp()


@pytest.fixture
def server(users_app: UsersApp) -> Iterator[HTTPServer]:
    """The users API on 127.0.0.1, port 0, small limits, a few seconds of timeouts."""
    with HTTPServer(
        users_app, port=0, limits=TEST_LIMITS, idle_timeout=3.0, header_timeout=3.0
    ) as running:
        yield running


@pytest.fixture
def client(server: HTTPServer) -> Iterator[RawClient]:
    with RawClient(server.address) as raw:
        yield raw
