"""`httplab lesson demo N`: the reference solution of lesson N, shown in the trace view.

The solution is a separate process (the learner's kind of server: blocking, plain sockets), so
httplab's own server never sees its exchanges. The demo stands in front of it: a relay listens
where the class sends, passes every byte to the solution on a private port and back unchanged,
and reads both streams with the core's parsers to publish one `ExchangeRecord` per
request/response on a trace bus — the same records `serve --trace` shows, so the trace view (or
the plain printer without a terminal) shows exactly what the solution received and sent. The
relay never alters a byte; a stream its parser cannot follow is still relayed, and recorded as
raw bytes with the parser's reason.
"""

from __future__ import annotations

import contextlib
import shlex
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from httplab.lessons.build_check import check_cases, request_for
from httplab.lessons.build_commands import (
    SOLUTION,
    BuildError,
    find_lesson,
    load_checks,
    new_cases,
)
from httplab.lessons.build_server import LearnerServer
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import NEED_DATA, Data, EndOfMessage, RequestHead, ResponseHead
from httplab.protocol.messages import Request, Response
from httplab.protocol.parser import RequestParser, ResponseParser
from httplab.server.start_errors import ListenError
from httplab.trace.records import ConnectionEvent, ExchangeRecord, TraceItem

CHUNK = 65536
CASE_TIMEOUT = 3.0
CASES_DELAY = 0.5
"""Seconds before the lesson's cases are sent, so the trace view is up to show them."""
CASE_GAP = 0.3
"""Seconds between two cases: a class watching the projector sees each one arrive."""

Publish = Callable[[TraceItem], None]


@dataclass
class _Pending:
    raw: bytes
    request: Request | None
    head: RequestHead | None
    error: str | None = None
    started: float = field(default_factory=time.time)


class _Observer:
    """Follows one relayed connection: requests one way, responses the other, in order."""

    def __init__(self, connection_id: int, peer: str, publish: Publish) -> None:
        self.connection_id = connection_id
        self.peer = peer
        self.publish = publish
        self.requests = RequestParser()
        self.responses = ResponseParser()
        self.pending: deque[_Pending] = deque()
        self.lock = threading.Lock()
        self.number = 0
        self.request_body = b""
        self.request_head: RequestHead | None = None
        self.request_broken = False
        self.response_broken = False
        self.response_head: ResponseHead | None = None
        self.response_body = b""
        self.response_raw = b""

    def client_bytes(self, data: bytes) -> None:
        if self.request_broken:
            return
        self.requests.feed(data)
        try:
            while (event := self.requests.next_event()) is not NEED_DATA:
                if isinstance(event, RequestHead):
                    self.request_head, self.request_body = event, b""
                elif isinstance(event, Data):
                    self.request_body += event.data
                elif isinstance(event, EndOfMessage):
                    head = self.request_head
                    request = head.to_request(self.request_body, event.trailers) if head else None
                    with self.lock:
                        self.pending.append(_Pending(event.raw, request, head))
                    self.requests.start_next()
                else:
                    break
        except ProtocolError as exc:
            self.request_broken = True
            with self.lock:
                self.pending.append(_Pending(self.requests.pending_raw, None, None, exc.one_line()))

    def server_bytes(self, data: bytes) -> None:
        if self.response_broken:
            return
        self.response_raw += data
        with self.lock:
            first = self.pending[0] if self.pending else None
        self.responses.expect(first.request.method if first and first.request else "GET")
        self.responses.feed(data)
        try:
            while (event := self.responses.next_event()) is not NEED_DATA:
                if isinstance(event, ResponseHead) and not event.informational:
                    self.response_head, self.response_body = event, b""
                elif isinstance(event, Data):
                    self.response_body += event.data
                elif isinstance(event, EndOfMessage):
                    self._answered(event.raw)
                    self.responses.start_next()
                    with self.lock:
                        following = self.pending[0] if self.pending else None
                    method = following.request.method if following and following.request else "GET"
                    self.responses.expect(method)
                elif not isinstance(event, ResponseHead):
                    break
        except ProtocolError:
            self.response_broken = True

    def _answered(self, raw: bytes) -> None:
        head = self.response_head
        response = None
        if head is not None:
            response = Response(head.status, head.headers, self.response_body, head.reason)
        with self.lock:
            pending = self.pending.popleft() if self.pending else _Pending(b"", None, None)
        self._record(pending, raw, response)

    def closed(self) -> None:
        """Publish what never got (or never finished) its response, then the close."""
        with self.lock:
            left = list(self.pending)
            self.pending.clear()
        rest = self.responses.pending_raw
        for index, pending in enumerate(left):
            self._record(pending, rest if index == 0 else b"", None)
        if not left and self.requests.pending_raw.strip():
            self._record(_Pending(self.requests.pending_raw, None, None), rest, None)
        self.publish(ConnectionEvent(self.connection_id, "closed", time.time(), self.peer))

    def _record(self, pending: _Pending, raw_response: bytes, response: Response | None) -> None:
        self.number += 1
        error = pending.error
        if response is None and error is None:
            error = "no whole response came back before the connection closed"
        self.publish(
            ExchangeRecord(
                connection_id=self.connection_id,
                number=self.number,
                started_at=pending.started,
                peer=self.peer,
                raw_request=pending.raw,
                raw_response=raw_response,
                request=pending.request,
                head=pending.head,
                response=response,
                error=error,
            )
        )


class TracingRelay:
    """Listens on host:port, relays each connection to the solution, publishes the exchanges.

    Has what the trace view needs of a server: `host`, `port`, `start()`, `stop()`."""

    def __init__(
        self,
        host: str,
        port: int,
        target: int,
        publish: Publish,
        on_listening: Callable[[int], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.target = target
        self.publish = publish
        self.on_listening = on_listening
        self.listener: socket.socket | None = None
        self._count = 0
        self._stopped = threading.Event()

    def start(self) -> TracingRelay:
        try:
            self.listener = socket.create_server((self.host, self.port))
        except OSError as exc:  # said by the caller in the words every server uses
            raise ListenError(exc, self.host, self.port) from None
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()
        if self.on_listening is not None:
            self.on_listening(self.port)
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.close()

    def _accept_loop(self) -> None:
        assert self.listener is not None
        while not self._stopped.is_set():
            try:
                client, address = self.listener.accept()
            except OSError:
                return
            self._count += 1
            peer = f"{address[0]}:{address[1]}"
            observer = _Observer(self._count, peer, self.publish)
            threading.Thread(target=self._serve, args=(client, observer), daemon=True).start()

    def _serve(self, client: socket.socket, observer: _Observer) -> None:
        self.publish(ConnectionEvent(observer.connection_id, "opened", time.time(), observer.peer))
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
        except OSError as exc:
            detail = f"the solution is not reachable: {exc}"
            self.publish(
                ConnectionEvent(
                    observer.connection_id, "refused", time.time(), observer.peer, detail
                )
            )
            client.close()
            return
        upstream.settimeout(None)
        pumps = [
            threading.Thread(target=_pump, args=(client, upstream, observer.client_bytes)),
            threading.Thread(target=_pump, args=(upstream, client, observer.server_bytes)),
        ]
        for pump in pumps:
            pump.start()
        for pump in pumps:
            pump.join()
        client.close()
        upstream.close()
        observer.closed()


def _pump(source: socket.socket, sink: socket.socket, observe: Callable[[bytes], None]) -> None:
    while True:
        try:
            data = source.recv(CHUNK)
        except OSError:
            data = b""
        if not data:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
            return
        # Observed before it is passed on: the answer to a request must never be seen before
        # the request itself (the solution may answer at once).
        observe(data)
        try:
            sink.sendall(data)
        except OSError:
            return


def send_cases(number: int, port: int) -> None:
    """This lesson's new check cases, one connection each, through the relay."""
    time.sleep(CASES_DELAY)
    for case in new_cases(check_cases(load_checks(number)), number):
        request, _ = request_for(case.exchange, port)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=CASE_TIMEOUT) as sock:
                sock.sendall(request)
                while sock.recv(CHUNK):
                    pass
        except OSError:
            pass  # a kept-alive connection times out here; the trace has shown it all
        time.sleep(CASE_GAP)


@dataclass
class Demo:
    """The solution process and how to put the relay in front of it."""

    solution: LearnerServer
    target: int
    title: str

    def relay(
        self,
        host: str,
        port: int,
        cases: int | None,
        announce: Callable[[int], None] | None = None,
    ) -> Callable[[Publish], TracingRelay]:
        """The relay the trace view starts; `announce` gets the port it listens on (the real
        one when `port` is 0), before the cases are sent."""

        def make(publish: Publish) -> TracingRelay:
            def listening(bound: int) -> None:
                if announce is not None:
                    announce(bound)
                if cases is not None:
                    threading.Thread(target=send_cases, args=(cases, bound), daemon=True).start()

            return TracingRelay(host, port, self.target, publish, listening)

        return make


def start_demo(number: int) -> Demo:
    """Start lesson `number`'s solution on a private port (BuildError when it cannot)."""
    lesson = find_lesson(number)
    solution = lesson.file(SOLUTION, "reference solution")
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(Path(solution)))} {{port}}"
    server = LearnerServer(command)
    try:
        target = server.start()
    except Exception as exc:
        server.close()
        raise BuildError(f"cannot start the solution: {exc}", 1) from None
    return Demo(server, target, lesson.name)
