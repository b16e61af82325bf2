"""Re-record the example transcripts in this folder against a fresh users server.

    python transcripts/record_examples.py

Each session runs on a new server (so user ids start at 1) with a trace bus; the exchanges the
server traced are written with `write_transcript`. Host says the default port (53210) whatever
port the recording used, so the files do not change from one recording to the next.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

from httplab.server import HTTPServer
from httplab.server.apps.user_store import User
from httplab.server.apps.user_views import user_json
from httplab.server.apps.users import UsersApp
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.trace.transcript import write_transcript

HERE = Path(__file__).parent
HOST = b"Host: 127.0.0.1:53210\r\n"


def request(line: str, *headers: str, body: bytes = b"") -> bytes:
    head = line.encode() + b"\r\n" + HOST
    head += b"".join(h.encode() + b"\r\n" for h in headers)
    if body:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


class Session:
    def __init__(self, server: HTTPServer, bus: TraceBus) -> None:
        self.server = server
        self.bus = bus

    def connect(self) -> socket.socket:
        return socket.create_connection(self.server.address, timeout=5)

    def send(self, sock: socket.socket, data: bytes, expected_records: int) -> None:
        """Send `data`, read until the server traced `expected_records` exchanges in all."""
        sock.sendall(data)
        # The server traces an exchange just after writing its response: poll, not only read.
        sock.settimeout(0.1)
        deadline = time.monotonic() + 5
        while self._records() < expected_records and time.monotonic() < deadline:
            try:
                if not sock.recv(65536):
                    break
            except TimeoutError:
                continue

    def _records(self) -> int:
        return sum(isinstance(i, ExchangeRecord) for i in self.bus.snapshot())

    def peer_id(self, sock: socket.socket) -> int:
        port = sock.getsockname()[1]
        for item in self.bus.snapshot():
            if item.peer.endswith(f":{port}"):
                return item.connection_id
        raise LookupError(port)


def record(name: str, title: str, script: Callable[[Session], list[int]]) -> None:
    bus = TraceBus()
    with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
        pipelined = script(Session(server, bus))
    write_transcript(bus.snapshot(), HERE / name, title=title, pipelined=pipelined)
    print(f"wrote {name}")


def users_session(s: Session) -> list[int]:
    with s.connect() as sock:
        steps = [
            request("GET /users HTTP/1.1", "Accept: application/json"),
            request(
                "POST /users HTTP/1.1",
                "Content-Type: application/json",
                body=b'{"name": "ada", "age": 36}',
            ),
            request(
                "POST /users HTTP/1.1",
                "Content-Type: application/x-www-form-urlencoded",
                body=b"name=linus&age=54",
            ),
            request("GET /users/1 HTTP/1.1"),
            request("GET /users?fields=name&tag=a&tag=b HTTP/1.1", "Accept: application/json"),
            request("GET /users HTTP/1.1", "Accept: text/html"),
            request("HEAD /users/2 HTTP/1.1"),
            request("GET /users/99 HTTP/1.1"),
            request("DELETE /users HTTP/1.1"),
            request("GET /users HTTP/1.1", "Accept: image/png"),
            request("GET /users HTTP/1.1", "Connection: close"),
        ]
        for n, data in enumerate(steps, 1):
            s.send(sock, data, n)
    return []


def crud_session(s: Session) -> list[int]:
    """Create, read (and read again with If-None-Match), update, lose an update, delete."""
    first = etag_of(User(1, "ada", 36))
    with s.connect() as sock:
        steps = [
            request(
                "POST /users HTTP/1.1",
                "Content-Type: application/json",
                body=b'{"name": "ada", "age": 36}',
            ),
            request("GET /users/1 HTTP/1.1"),
            request("GET /users/1 HTTP/1.1", f"If-None-Match: {first}"),
            request(
                "PATCH /users/1 HTTP/1.1",
                "Content-Type: application/json",
                f"If-Match: {first}",
                body=b'{"age": 37}',
            ),
            request(
                "PUT /users/1 HTTP/1.1",
                "Content-Type: application/x-www-form-urlencoded",
                f"If-Match: {first}",
                body=b"name=ada&age=38",
            ),
            request("DELETE /users/1 HTTP/1.1"),
            request("GET /users/1 HTTP/1.1", "Connection: close"),
        ]
        for n, data in enumerate(steps, 1):
            s.send(sock, data, n)
    return []


def etag_of(user: User) -> str:
    """The ETag the server gives the JSON of `user` (a hash of those bytes)."""
    return '"' + hashlib.blake2b(user_json(user), digest_size=8).hexdigest() + '"'


def malformed_session(s: Session) -> list[int]:
    bad = [
        b"GET /users HTTP/1.1\r\n\r\n",  # no Host
        b"GET /users  HTTP/1.1\r\n" + HOST + b"\r\n",  # two spaces in the request line
        b"GET /\x1b[2J HTTP/1.1\r\n" + HOST + b"\r\n",  # ESC in the target
        b"GET /users HTTP/1.1\r\n" + HOST + b"X-Long: a\r\n  folded\r\n\r\n",  # obs-fold
        b"POST /users HTTP/1.1\r\n" + HOST + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabc",
        b"POST /users HTTP/1.1\r\n"
        + HOST
        + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        b"GET /users HTTP/1.1\n" + HOST.replace(b"\r\n", b"\n") + b"\n",  # bare LF: accepted
        b"GET /users HTTP/2.0\r\n" + HOST + b"\r\n",
    ]
    for n, data in enumerate(bad, 1):
        with s.connect() as sock:
            s.send(sock, data, n)
    return []


def pipelining_session(s: Session) -> list[int]:
    batch = (
        request(
            "POST /users HTTP/1.1",
            "Content-Type: application/json",
            body=b'{"name":"grace","age":85}',
        )
        + request("GET /users/1 HTTP/1.1")
        + request("HEAD /users HTTP/1.1")
        + request("GET /users HTTP/1.1", "Connection: close")
    )
    with s.connect() as sock:
        s.send(sock, batch, 4)
        return [s.peer_id(sock)]


def main() -> None:
    record("users.transcript", "the classic users session on one connection", users_session)
    record(
        "crud.transcript",
        "create, read, If-None-Match → 304, PATCH with If-Match, a lost update → 412, DELETE",
        crud_session,
    )
    record(
        "malformed.transcript",
        "malformed requests: an error status and a closed connection (a bare LF is accepted)",
        malformed_session,
    )
    title = "four requests in one write, answered in order"
    record("pipelining.transcript", title, pipelining_session)


if __name__ == "__main__":
    main()
