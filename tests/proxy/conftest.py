"""Real sockets on 127.0.0.1 and ephemeral ports: a proxy (with a trace bus) in front of
httplab's server, Python's http.server, or a scripted upstream that misbehaves on purpose.

Every socket read has a generous safety timeout so a broken proxy fails the test instead of
hanging it; no test asserts how long anything took.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from httplab.protocol.events import Data, EndOfMessage, ResponseHead
from httplab.protocol.limits import Limits
from httplab.protocol.response_parser import ResponseParser
from httplab.proxy.engine import ProxyServer
from httplab.proxy.settings import ProxySettings
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord

SAFETY = 20.0
"""Seconds a test socket waits before the test fails (a hang guard, not a timing check)."""


@dataclass
class Answer:
    head: ResponseHead
    body: bytes
    raw: bytes
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @property
    def status(self) -> int:
        return self.head.status

    def header(self, name: str) -> str | None:
        return self.head.headers.get(name)


def read_answer(
    sock: socket.socket, method: str = "GET", parser: ResponseParser | None = None
) -> Answer:
    """One whole response (interim ones skipped) read through httplab's own parser."""
    parser = parser or ResponseParser(Limits(max_body=1 << 30))
    parser.expect(method)
    head: ResponseHead | None = None
    body = bytearray()
    raw = bytearray()
    while True:
        event = parser.next_event()
        if isinstance(event, ResponseHead):
            if not event.informational:
                head = event
            raw += event.raw
            continue
        if isinstance(event, Data):
            body += event.data
            continue
        if isinstance(event, EndOfMessage):
            assert head is not None
            parser.start_next()
            return Answer(head, bytes(body), bytes(raw), event.trailers.raw())
        data = sock.recv(65536)
        parser.feed(data)


def ask(sock: socket.socket, request: bytes, method: str = "GET") -> Answer:
    sock.sendall(request)
    return read_answer(sock, method)


def connect(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=SAFETY)
    sock.settimeout(SAFETY)
    return sock


def closed_by_peer(sock: socket.socket) -> bool:
    """The peer closed (FIN or reset) the connection: recv gives b"" or fails."""
    try:
        return sock.recv(65536) == b""
    except ConnectionError:
        return True


def records(bus: TraceBus, source: str | None = None) -> list[ExchangeRecord]:
    found = [item for item in bus.snapshot() if isinstance(item, ExchangeRecord)]
    return [r for r in found if source is None or r.source == source]


def settled(bus: TraceBus, client_legs: int) -> TraceBus:
    """Wait until the proxy has published `client_legs` client legs (a leg is published just
    after its last byte went out, so a client may read its answer a moment before)."""
    give_up = time.monotonic() + SAFETY
    while len(records(bus, "server")) < client_legs:
        assert time.monotonic() < give_up, "the proxy did not publish its trace records"
        time.sleep(0.005)
    return bus


class ScriptedUpstream:
    """A raw-socket upstream: each accepted connection is given to `handle` in a thread."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.handle = handle
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            conn.settimeout(SAFETY)
            self.sockets.append(conn)
            thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self.handle(conn)
        with contextlib.suppress(OSError):
            conn.close()

    def close(self) -> None:
        self.listener.close()
        for conn in self.sockets:
            with contextlib.suppress(OSError):
                conn.close()


def read_request_head(conn: socket.socket) -> bytes:
    """Bytes up to the end of a request head (for scripted upstreams)."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return data
        data += piece
    return data


@pytest.fixture
def bus() -> TraceBus:
    return TraceBus()


@pytest.fixture
def users_server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as server:
        yield server


def start_proxy(port: int, bus: TraceBus | None = None, **options: object) -> ProxyServer:
    settings = ProxySettings("127.0.0.1", port, tracer=bus, **options)  # type: ignore[arg-type]
    return ProxyServer(settings, port=0).start()


@pytest.fixture
def users_server_port(users_server: HTTPServer) -> int:
    return users_server.port


@pytest.fixture
def users_proxy(users_server: HTTPServer, bus: TraceBus) -> Iterator[ProxyServer]:
    proxy = start_proxy(users_server.port, bus)
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def scripted() -> Iterator[Callable[[Callable[[socket.socket], None]], ScriptedUpstream]]:
    made: list[ScriptedUpstream] = []

    def make(handle: Callable[[socket.socket], None]) -> ScriptedUpstream:
        upstream = ScriptedUpstream(handle)
        made.append(upstream)
        return upstream

    yield make
    for upstream in made:
        upstream.close()
