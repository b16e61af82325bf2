"""A response written piece by piece from the app's own thread: `ResponseStream`.

An app marked `streaming` (the WSGI and ASGI adapters) is not a `Request → Response` call.
The connection calls `app.begin(request, stream)` on the server's loop; `begin` must return at
once and answer from elsewhere (a worker thread, the ASGI app's loop) through the stream:

    stream.respond(response)       the whole response at once (Content-Length computed), or
    stream.start(response)         the head (and response.body as the first piece), then
    stream.write(data) ...         each piece, sent as it comes, then
    stream.end()                   the end of the body; or
    stream.fail()                  the app broke: 500 if the head is not sent yet, else close.

Every call is thread-safe and does not block; the calls are carried to the loop in order.
Backpressure: `wait_writable()` returns None when the app may write more now, else a
`concurrent.futures.Future` done once it may (a thread waits on `.result()`, a coroutine on
`asyncio.wrap_future`); it raises `ClientGone` once the connection is lost. So a fast
generator waits while the client reads slowly, and memory per connection stays near
`connection.WRITE_HIGH_WATER` twice. `when_peer_closed()` is done when the client closed its
side (EOF) or the connection was lost: ASGI's `http.disconnect`.

Framing, decided when the head goes out (on the loop):
    Content-Length from the app   kept; a body longer is cut there, shorter ends in a close
    none, HTTP/1.1                chunked coding, `0 CRLF CRLF` at the end
    none, HTTP/1.0                close-delimited: `Connection: close`, the close ends it
    HEAD, 1xx, 204, 304           no body is sent (a HEAD without Content-Length waits for
                                  the app's end and says the length GET would have had)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

from httplab.protocol.messages import Note, Request, Response, body_forbidden
from httplab.trace.bus import BODY_KEEP

logger = logging.getLogger("httplab.server")

PENDING_HIGH_WATER = 64 * 1024
"""Bytes an app may hand over before the loop has written them; beyond it, it waits."""


class ClientGone(ConnectionResetError):
    """The connection is lost: nothing more can be written (an OSError, as ASGI 2.4 asks)."""


class AppLifecycle(Protocol):
    """An app with work to do around serving (ASGI lifespan); `HTTPServer` calls these."""

    def startup(self) -> None: ...

    def shutdown(self) -> None: ...


class Framing(Enum):
    LENGTH = "length"  # the app's Content-Length
    CHUNKED = "chunked"  # RFC 9112 §7.1
    CLOSE = "close"  # RFC 9112 §6.3 rule 8: the close ends the body (HTTP/1.0 clients)
    NONE = "none"  # no body at all: HEAD, 1xx, 204, 304


class StreamSink(Protocol):
    """What the stream needs of its connection (kept a Protocol: no import cycle)."""

    def stream_head(self, response: Response, keep_alive: bool) -> tuple[bytes, bool]: ...

    def stream_whole(self, response: Response, keep_alive: bool) -> tuple[bytes, bool]: ...

    def stream_write(self, data: bytes) -> None: ...

    def stream_done(self, outcome: StreamOutcome) -> None: ...

    def stream_failed_early(self) -> Response: ...


class StreamingApp(Protocol):
    streaming: bool  # True

    def begin(self, request: Request, stream: ResponseStream) -> None: ...


class StreamOutcome:
    """What the trace and access log learn of a streamed response, and how it ended."""

    def __init__(self, response: Response, raw: bytes, sent: int, keep_alive: bool) -> None:
        self.response = response  # head, and the body as far as the trace keeps it
        self.raw = raw  # the bytes sent, as far as the trace keeps them
        self.sent = sent  # every byte sent
        self.keep_alive = keep_alive
        self.omitted = 0  # raw bytes sent but not kept
        self.notes: list[Note] = []


class ResponseStream:
    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sink: StreamSink,
        request: Request,
        *,
        server: tuple[str, int],
        client: tuple[str, int] | None,
        keep_alive: bool,
        capture: bool,
    ) -> None:
        self.server = server  # (host, port) the client connected to
        self.client = client
        self._loop = loop
        self._sink = sink
        self._method = request.method
        self._version = request.version
        self._keep_alive = keep_alive  # as the request allows; framing may take it away
        self._capture = capture  # keep bytes for the trace
        # shared with the app's thread, under _lock
        self._lock = threading.Lock()
        self._pending = 0
        self._blocked = False
        self._gone = False
        self._peer_closed = False
        self._writable_waiters: list[concurrent.futures.Future[None]] = []
        self._closed_waiters: list[concurrent.futures.Future[None]] = []
        # the loop's alone
        self.framing: Framing | None = None  # None: the head is not sent yet
        self._finished = False
        self._head: Response | None = None
        self._held_head = False  # HEAD without Content-Length: sent at the end
        self._remaining = 0  # Framing.LENGTH: body bytes still owed
        self._body_bytes = 0  # body bytes the app gave
        self._sent = 0
        self._raw = bytearray()
        self._kept = bytearray()
        self._omitted = 0
        self._notes: list[Note] = []

    # the app's side (any thread) ------------------------------------------------------------
    @property
    def gone(self) -> bool:
        return self._gone

    def respond(self, response: Response) -> None:
        self._call(self._respond_on_loop, response)

    def start(self, response: Response) -> None:
        self._account(len(response.body))
        self._call(self._start_on_loop, response)

    def write(self, data: bytes) -> None:
        if data:
            self._account(len(data))
            self._call(self._write_on_loop, bytes(data))

    def end(self) -> None:
        self._call(self._end_on_loop)

    def fail(self) -> None:
        self._call(self._fail_on_loop)

    def wait_writable(self) -> concurrent.futures.Future[None] | None:
        with self._lock:
            if self._gone:
                raise ClientGone("the client closed the connection")
            if not self._blocked and self._pending < PENDING_HIGH_WATER:
                return None
            waiter: concurrent.futures.Future[None] = concurrent.futures.Future()
            self._writable_waiters.append(waiter)
            return waiter

    def write_and_wait(self, data: bytes) -> None:
        """`write`, then wait (this thread) until more may be written; ClientGone if lost."""
        self.write(data)
        waiter = self.wait_writable()
        if waiter is not None:
            waiter.result()

    def when_peer_closed(self) -> concurrent.futures.Future[None]:
        waiter: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._lock:
            if not self._peer_closed:
                self._closed_waiters.append(waiter)
                return waiter
        waiter.set_result(None)
        return waiter

    def _account(self, size: int) -> None:
        with self._lock:
            self._pending += size

    def _call(self, function: Callable[..., None], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(function, *args)
        except RuntimeError:  # the loop is closed: the server stopped
            self.connection_lost()

    # the connection's side (the loop) ---------------------------------------------------------
    def set_blocked(self, blocked: bool) -> None:
        with self._lock:
            self._blocked = blocked
            self._wake_writers()

    def peer_closed(self) -> None:
        with self._lock:
            self._peer_closed = True
            waiters, self._closed_waiters = self._closed_waiters, []
        for waiter in waiters:
            _settle(waiter)

    def connection_lost(self) -> None:
        with self._lock:
            self._gone = True
            self._wake_writers()
        self.peer_closed()

    def _wake_writers(self) -> None:  # under _lock
        if self._gone:
            waiters, self._writable_waiters = self._writable_waiters, []
            for waiter in waiters:
                _settle(waiter, ClientGone("the client closed the connection"))
        elif not self._blocked and self._pending < PENDING_HIGH_WATER:
            waiters, self._writable_waiters = self._writable_waiters, []
            for waiter in waiters:
                _settle(waiter)

    def _written(self, size: int) -> None:
        with self._lock:
            self._pending -= size
            self._wake_writers()

    def _respond_on_loop(self, response: Response) -> None:
        if self._finished or self._gone:
            return
        if self.framing is not None:
            logger.error("the app sent a whole response after starting one; closing")
            self._finish(keep_alive=False)
            return
        if (
            self._method == "HEAD"
            and not response.body
            and b"content-length" not in (response.headers)
        ):
            # a framework that dropped the body for HEAD: its length is unknown, not 0
            self._start_on_loop(response)
            self._end_on_loop()
            return
        self._finished = True
        self._head = response
        data, keep_alive = self._sink.stream_whole(response, self._keep_alive)
        self._send(data, head=True)  # the bus trims a big body of a whole response
        self._kept += response.body
        self._complete(keep_alive)

    def _start_on_loop(self, response: Response) -> None:
        first = response.body
        if self._finished or self._gone:
            self._written(len(first))
            return
        headers = response.headers
        status = response.status
        headers.remove(b"transfer-encoding")  # the server frames the body, not the app
        keep_alive = self._keep_alive
        lengths = headers.get_all_raw(b"content-length")
        if body_forbidden(status, self._method) and self._method != "HEAD":
            framing = Framing.NONE
        elif lengths:
            length = _content_length(lengths)
            if length is None:
                self._written(len(first))
                self._fail_on_loop(f"an invalid Content-Length {lengths!r}")
                return
            framing, self._remaining = Framing.LENGTH, length
            if self._method == "HEAD":
                framing = Framing.NONE
        elif self._method == "HEAD":
            framing, self._held_head = Framing.NONE, True
        elif self._version == "HTTP/1.1":
            framing = Framing.CHUNKED
            headers.add(b"Transfer-Encoding", b"chunked")
        else:
            framing, keep_alive = Framing.CLOSE, False
        self.framing = framing
        self._head = Response(status, headers, b"", response.reason, response.version)
        if not self._held_head:
            try:
                data, self._keep_alive = self._sink.stream_head(self._head, keep_alive)
            except Exception:  # e.g. CR/LF in a field value: logged; 500 instead
                self._written(len(first))
                self._fail_early()
                return
            self._send(data, head=True)
        self._write_on_loop(first)

    def _write_on_loop(self, data: bytes) -> None:
        size = len(data)
        try:
            if self._finished or self._gone or not size:
                return
            framing = self.framing
            if framing is None:
                self._fail_on_loop("a body piece before the head")
                return
            self._body_bytes += size
            if framing is Framing.NONE:
                return
            if framing is Framing.LENGTH:
                if size > self._remaining:
                    self._note(
                        "app-body-too-long",
                        f"the app sent more body than its Content-Length "
                        f"({self._body_bytes - size + self._remaining}); the rest was not sent "
                        "and the connection closed",
                    )
                    data = data[: self._remaining]
                    self._remaining = 0
                    self._send_body(data)
                    self._finish(keep_alive=False)
                    return
                self._remaining -= size
                self._send_body(data)
            elif framing is Framing.CHUNKED:
                self._send(b"%x\r\n" % size + data + b"\r\n", body=data)
            else:
                self._send_body(data)
        finally:
            self._written(size)

    def _end_on_loop(self) -> None:
        if self._finished or self._gone:
            return
        framing = self.framing
        if framing is None:
            self._fail_on_loop("the app ended without a response head")
            return
        keep_alive = self._keep_alive
        if self._held_head:
            assert self._head is not None
            if self._body_bytes:  # the length GET would have had; none if the app sent none
                self._head.headers.set(b"Content-Length", b"%d" % self._body_bytes)
            try:
                data, keep_alive = self._sink.stream_head(self._head, keep_alive)
            except Exception:
                self._fail_early()
                return
            self._send(data, head=True)
        elif framing is Framing.CHUNKED:
            self._send(b"0\r\n\r\n")
        elif framing is Framing.LENGTH and self._remaining:
            self._note(
                "app-body-too-short",
                f"the app ended its body {self._remaining} bytes short of its Content-Length; "
                "the connection closed so the client sees the body is incomplete",
            )
            keep_alive = False
        elif framing is Framing.CLOSE:
            keep_alive = False
        self._finish(keep_alive)

    def _fail_on_loop(self, why: str = "") -> None:
        if self._finished or self._gone:
            return
        if why:
            logger.error("the app broke the response: %s", why)
        if self.framing is None or self._held_head:
            self._fail_early()
            return
        self._note(
            "app-failed-mid-body",
            "the app failed after the head was sent; the connection closed, so the client "
            "sees an incomplete body",
        )
        self._finish(keep_alive=False)

    def _fail_early(self) -> None:
        """Nothing is sent yet: a 500 instead of the app's answer."""
        self.framing = None
        self._held_head = False
        self._respond_on_loop(self._sink.stream_failed_early())

    def _finish(self, keep_alive: bool) -> None:
        self._finished = True
        self._complete(keep_alive)

    def _complete(self, keep_alive: bool) -> None:
        head = self._head or Response(500)
        kept = Response(head.status, head.headers, bytes(self._kept), head.reason, head.version)
        outcome = StreamOutcome(kept, bytes(self._raw), self._sent, keep_alive)
        outcome.omitted = self._omitted
        outcome.notes = self._notes
        if self._omitted:
            outcome.notes.append(
                Note(
                    "trace-trimmed-response",
                    f"the trace keeps the first {BODY_KEEP:,} body bytes of this response: "
                    f"{self._omitted:,} more bytes went over the wire but are not shown",
                    "",
                    "info",
                )
            )
        self._sink.stream_done(outcome)

    def _send_body(self, data: bytes) -> None:
        if data and self.framing is not Framing.NONE:
            self._send(data, body=data)

    def _send(self, data: bytes, *, head: bool = False, body: bytes = b"") -> None:
        self._sink.stream_write(data)
        self._sent += len(data)
        if not self._capture:
            return
        if head or len(self._kept) + len(body) <= BODY_KEEP:
            self._raw += data
            self._kept += body
        else:
            self._omitted += len(data)

    def _note(self, code: str, text: str) -> None:
        logger.warning("%s", text)
        self._notes.append(Note(code, text, "RFC 9112 §6.3", "error"))


def _content_length(values: list[bytes]) -> int | None:
    """RFC 9110 §8.6: one length of DIGITs (repeats must agree); None when it is not."""
    first = values[0].strip(b" \t")
    if not first or not first.isdigit() or not first.isascii() or len(first) > 18:
        return None
    if any(value.strip(b" \t") != first for value in values[1:]):
        return None
    return int(first)


def _settle(waiter: concurrent.futures.Future[None], error: BaseException | None = None) -> None:
    with contextlib.suppress(concurrent.futures.InvalidStateError):  # cancelled meanwhile
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)
