"""One client connection: bytes in → the parser → the app → one write out.

Theory of operation. asyncio calls `data_received` with whatever the socket had; the bytes go to
the sans-IO `RequestParser`, and its events are handled in order: a head (answer
`100 Continue` if the client waits for it), body pieces, the end of the message (call the app,
serialize the response, write it in one `transport.write`). After each response the parser is
told to `start_next()`, so pipelined requests already buffered are answered in order. When the
transport's write buffer is full (a client that sends but does not read), reading pauses and
the next request waits for `resume_writing`, so memory stays bounded.

Deadlines are plain numbers checked by the server's sweeper (no timer object per request):
  idle    waiting for the next request on a keep-alive connection → close quietly
  head    first byte of a request to the end of its head (slowloris) → 408, close
  body    no progress while reading a body → 408, close
  write   the client stopped reading our response → abort
  linger  our side is closed, draining what the client still sends → abort
Closing sends FIN first and drains the input for a moment: closing a socket that still has
unread input makes the kernel send RST, which can destroy the answer we just wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from time import perf_counter

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import ConnectionClosed, Data, EndOfMessage, RequestHead
from httplab.protocol.messages import Note, Request, Response
from httplab.protocol.parser import RequestParser
from httplab.protocol.request_parser import TLS_ON_PLAIN_PORT, starts_like_tls
from httplab.protocol.serialize import serialize_response
from httplab.server.access_log import AccessEntry
from httplab.server.context import (
    LINGER_TIMEOUT,
    MIN_BODY_RATE,
    STOP_LINGER_TIMEOUT,
    ServerContext,
)
from httplab.server.problem import problem_response
from httplab.server.virtual_host import misdirected_detail
from httplab.trace.records import ConnectionEvent, ExchangeRecord, Timings
from httplab.trace.wire_text import escape_latin1, first_words, head_end

logger = logging.getLogger("httplab.server")

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
PIPELINED = Note(
    "pipelined",
    "this request arrived before the answer to the previous one was sent (pipelining);"
    " answers go out in request order",
    "RFC 9112 §9.3.2",
    "info",
)


class HTTPConnection(asyncio.Protocol):
    def __init__(self, context: ServerContext) -> None:
        self.context = context
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.id = 0
        self.peer = ""
        self.counted = False  # counts against max_connections (a refused one does not)
        self.parser = RequestParser(context.limits)
        self.head: RequestHead | None = None
        self.body_parts: list[bytes] = []
        self.number = 0  # exchanges so far on this connection
        self.reads = 0  # data_received calls so far
        self.reads_at_answer = -1  # `reads` when the last response was written
        self.pipelined = False  # the current head was complete before that response went out
        self.first_byte = 0.0  # perf_counter() of the first byte of the message in progress
        self.last_data = 0.0
        self.head_parsed = 0.0
        self.body_started = 0.0  # loop.time() when the head of the current request was parsed
        self.body_received = 0  # bytes received since then
        self.deadline = 0.0  # loop.time() when `deadline_kind` expires; 0.0: none
        self.deadline_kind = "idle"
        self.closing = False
        self.writing_paused = False
        self.awaiting_resume = False  # a response went out while writes were paused
        self.peer_eof = False
        self.timed_out = False
        # registered from the start, so a stop that races an accept still waits for it
        context.connections.add(self)

    # asyncio callbacks ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        context = self.context
        context.next_connection_id += 1
        self.id = context.next_connection_id
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # small responses must not wait for Nagle's algorithm (asyncio sets it too on
            # Linux; saying it here keeps the requirement visible)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context.active >= context.max_connections or context.stopping:
            self._refuse()
            return
        self.counted = True
        context.active += 1
        self.deadline = self.loop.time() + context.idle_timeout
        self._publish_event("opened")

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return  # draining after our last answer
        now = perf_counter()
        if not self.first_byte:
            self.first_byte = now
        self.last_data = now
        self.reads += 1
        self.parser.feed(data)
        try:
            self._process()
        except Exception:  # a bug of ours: answer 500 rather than let asyncio drop the socket
            logger.exception("connection #%d failed", self.id)
            if not self.closing:
                self._reject(ProtocolError(500, "the server failed", close=True))
            return
        if not self.closing and not self.writing_paused:
            if self.head is not None:
                self.body_received += len(data)
            self._arm_read_deadline()

    def eof_received(self) -> bool:
        self.peer_eof = True
        if self.closing:
            return False
        self.parser.feed(b"")
        if not self.awaiting_resume:
            self._process()
        if self.awaiting_resume:
            return True  # answer what is buffered first; resume_writing closes afterwards
        if not self.closing:
            self._close()
        return False

    def pause_writing(self) -> None:
        self.writing_paused = True
        assert self.transport is not None
        self.transport.pause_reading()
        self._set_deadline("write", self.context.idle_timeout)

    def resume_writing(self) -> None:
        self.writing_paused = False
        if self.closing:
            return
        assert self.transport is not None
        self._set_deadline("idle", self.context.idle_timeout)
        if self.awaiting_resume:
            self.awaiting_resume = False
            self.parser.start_next()
            self._begin_next_message()
            self._process()
        if self.closing or self.writing_paused:
            return
        if self.peer_eof:
            self._close()
            return
        self.transport.resume_reading()
        self._arm_read_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        context = self.context
        self.closing = True
        self.head = None
        self.body_parts = []
        context.connections.discard(self)
        if self.counted:
            self.counted = False
            context.active -= 1
            self._publish_event("timeout" if self.timed_out else "closed")
        if context.on_connection_lost is not None:
            context.on_connection_lost()

    # the exchange loop --------------------------------------------------------------------------
    def _process(self) -> None:
        parser = self.parser
        while not self.closing:
            try:
                event = parser.next_event()
            except ProtocolError as exc:
                self._reject(exc)
                return
            kind = type(event)
            if kind is Data:
                self.body_parts.append(event.data)  # type: ignore[union-attr]
            elif kind is RequestHead:
                self._on_head(event)  # type: ignore[arg-type]
            elif kind is EndOfMessage:
                self._finish_exchange(event)  # type: ignore[arg-type]
                if self.closing:
                    return
                if self.writing_paused:
                    self.awaiting_resume = True
                    return
                parser.start_next()
                self._begin_next_message()
            elif kind is ConnectionClosed:
                self._close()
                return
            else:  # NEED_DATA, or PAUSED
                return

    def _on_head(self, head: RequestHead) -> None:
        self.head = head
        # no read since the previous answer: the client sent this head without waiting for it
        self.pipelined = self.reads == self.reads_at_answer
        self.body_started = self.loop.time()
        self.body_received = 0
        if self.context.tracer is not None:
            self.head_parsed = perf_counter()
        # RFC 9110 §10.1.1: answer 100 before reading a body the client holds back for it
        # (no need when body bytes are already here).
        if head.expect_continue and self.parser.body_expected and not self.parser.buffered:
            assert self.transport is not None
            self.transport.write(CONTINUE)

    def _begin_next_message(self) -> None:
        # pipelined bytes arrived with the previous data; otherwise the clock starts later
        self.first_byte = 0.0 if self.parser.idle else self.last_data

    def _finish_exchange(self, end: EndOfMessage) -> None:
        context = self.context
        head = self.head
        assert head is not None and self.transport is not None
        parts = self.body_parts
        body = parts[0] if len(parts) == 1 else b"".join(parts)
        if parts:
            self.body_parts = []
        request = head.to_request(body, end.trailers)
        self.number += 1
        response = self._run_app(request, head)
        handler_done = perf_counter() if context.tracer is not None else 0.0
        keep_alive = head.keep_alive and not context.stopping and not self.peer_eof
        data, keep_alive = self._serialize(response, head, keep_alive)
        self.transport.write(data)
        self.reads_at_answer = self.reads
        if context.access_log is not None or context.tracer is not None:
            self._record(request, head, end.raw, response, data, None, handler_done, end)
        self.head = None
        if keep_alive:
            self._set_deadline("idle", context.idle_timeout)
        else:
            self._close()

    def _run_app(self, request: Request, head: RequestHead) -> Response:
        context = self.context
        if head.method == "CONNECT":
            return self._connect_not_implemented(head)
        if context.server_name is not None:
            detail = misdirected_detail(head, context.server_name, context.port)
            if detail is not None:
                return problem_response(
                    421, detail, rfc_ref="RFC 9110 §15.5.20", accept=head.headers.get("accept")
                )
        try:
            response = context.app(request)
            if not isinstance(response, Response):
                raise TypeError(f"the app returned {type(response).__name__}, not a Response")
            return response
        except Exception:
            logger.exception(
                "the app failed on connection #%d: %s %s",
                self.id,
                escape_latin1(request.method),
                escape_latin1(request.target[:200]),
            )
            return self._internal_error(head)

    def _connect_not_implemented(self, head: RequestHead) -> Response:
        """RFC 9110 §9.3.6: CONNECT asks for a tunnel, which only a proxy opens. No app can
        answer it here (a 2xx would switch the connection to raw bytes), so the server does,
        and closes: a client may already be sending its tunnel's bytes (a TLS hello) that
        must not be read as the next request."""
        response = problem_response(
            501,
            "this is an origin server, not a proxy: it opens no tunnels (CONNECT)",
            rfc_ref="RFC 9110 §9.3.6",
            accept=head.headers.get("accept"),
        )
        response.headers.add(b"Connection", b"close")
        return response

    def _internal_error(self, head: RequestHead | None) -> Response:
        return problem_response(
            500,
            "the application failed while handling this request; the server log has the details",
            rfc_ref="RFC 9110 §15.6.1",
            accept=head.headers.get("accept") if head is not None else None,
        )

    def _serialize(
        self, response: Response, head: RequestHead | None, keep_alive: bool
    ) -> tuple[bytes, bool]:
        """Add Date, Server and Connection, then the whole response as one buffer.
        The server owns a response once the app returned it."""
        context = self.context
        headers = response.headers
        names = {field.lower_name for field in headers}
        if b"date" not in names:
            headers.add(b"Date", context.dates.value())
        if b"server" not in names:
            headers.add(b"Server", context.server_header)
        if b"connection" in names and "close" in headers.tokens(b"connection"):
            keep_alive = False
        elif not keep_alive:
            headers.set(b"Connection", b"close")  # replaces an app's "keep-alive"
        elif head is not None and head.version == "HTTP/1.0":
            headers.set(b"Connection", b"keep-alive")
        if b"content-length" in names or b"transfer-encoding" in names:
            _police_framing(response, head)
        method = head.method if head is not None else "GET"
        try:
            return serialize_response(response, method), keep_alive
        except Exception:  # e.g. the app put CR/LF in a header value
            logger.exception("cannot serialize the response on connection #%d", self.id)
            fallback = self._internal_error(head)
            fallback.headers.add(b"Date", context.dates.value())
            fallback.headers.add(b"Server", context.server_header)
            if not keep_alive:
                fallback.headers.add(b"Connection", b"close")
            return serialize_response(fallback, method), keep_alive

    def _reject(self, error: ProtocolError) -> None:
        """A request we cannot parse: answer with the status the parser chose, then close."""
        assert self.transport is not None
        self.number += 1
        head = self.head
        accept = head.headers.get("accept") if head is not None else None
        if head is None:
            accept = accept_from_raw(self.parser.pending_raw)
        response = problem_response(
            error.status, error.detail, rfc_ref=error.rfc_ref, accept=accept
        )
        data, _ = self._serialize(response, head, keep_alive=False)
        self.transport.write(data)
        if self.context.access_log is not None or self.context.tracer is not None:
            raw = self.parser.pending_raw if self.context.tracer is not None else b""
            request = head.to_request(b"".join(self.body_parts)) if head is not None else None
            self._record(request, head, raw, response, data, error.one_line(), 0.0, None)
        self._publish_event("protocol-error", error.one_line())
        self._close()

    def _refuse(self) -> None:
        """Over the connection cap (or stopping): 503 and close, without reading a request."""
        assert self.transport is not None
        response = problem_response(
            503,
            f"the server is at its limit of {self.context.max_connections} connections; retry",
            rfc_ref="RFC 9110 §15.6.4",
            headers=[("Retry-After", "1")],
        )
        data, _ = self._serialize(response, None, keep_alive=False)
        self.transport.write(data)
        self._publish_event("refused", "too many connections")
        # a refused socket is held only briefly: a flood of them must not use up descriptors
        self._close(linger=STOP_LINGER_TIMEOUT)

    # deadlines and closing ------------------------------------------------------------------
    def _set_deadline(self, kind: str, seconds: float) -> None:
        self.deadline_kind = kind
        self.deadline = self.loop.time() + seconds

    def _arm_read_deadline(self) -> None:
        if self.head is not None:
            # a body may pause for idle_timeout at most, and after its first idle_timeout it
            # must average MIN_BODY_RATE: a byte now and then does not keep it alive
            idle = self.context.idle_timeout
            stall = self.loop.time() + idle
            slow = self.body_started + idle + self.body_received / MIN_BODY_RATE
            self.deadline_kind = "body"
            self.deadline = min(stall, slow)
        elif not self.parser.idle and self.deadline_kind != "head":
            # the head clock starts at a request's first byte and is never extended
            self._set_deadline("head", self.context.header_timeout)

    def on_deadline(self) -> None:
        """Called by the sweeper once `deadline` has passed."""
        kind = self.deadline_kind
        self.deadline = 0.0
        assert self.transport is not None
        if kind in ("linger", "write"):
            self.transport.abort()
            return
        self.timed_out = True
        if kind == "idle" or self.closing:
            self.closing = True
            self.transport.close()
            return
        if kind == "head":
            detail = f"waited {self.context.header_timeout:g}s for the request head"
        else:
            detail = (
                f"the request body stalled for {self.context.idle_timeout:g}s or arrived slower "
                f"than {MIN_BODY_RATE} bytes/s"
            )
        self._reject(ProtocolError(408, detail, "RFC 9110 §15.5.9"))

    def stop(self) -> None:
        """The server is stopping: close now if between requests, else after this response."""
        if self.transport is None:
            return
        if self.closing:
            if self.deadline_kind == "linger":
                self.deadline = min(self.deadline, self.loop.time() + STOP_LINGER_TIMEOUT)
            return
        if self.head is None and self.parser.idle and not self.awaiting_resume:
            self.closing = True
            self.transport.close()

    def _close(self, linger: float = LINGER_TIMEOUT) -> None:
        if self.closing:
            return
        self.closing = True
        self.head = None
        self.body_parts = []
        transport = self.transport
        assert transport is not None
        if self.peer_eof or not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()  # FIN once the response is flushed; keep draining input
        transport.resume_reading()
        if self.context.stopping:
            linger = STOP_LINGER_TIMEOUT
        self._set_deadline("linger", min(linger, self.context.idle_timeout))

    # trace and access log -----------------------------------------------------------------------
    def _record(
        self,
        request: Request | None,
        head: RequestHead | None,
        raw_request: bytes,
        response: Response,
        data: bytes,
        error: str | None,
        handler_done: float,
        end: EndOfMessage | None,
    ) -> None:
        context = self.context
        done = perf_counter()
        first_byte = self.first_byte or done
        self.first_byte = 0.0
        if context.access_log is not None:
            if head is not None:
                method, target = head.method, head.target
            elif starts_like_tls(self.parser.pending_raw):  # said in words (issue 7 #4)
                method, target = "-", f"({TLS_ON_PLAIN_PORT})"
            else:  # rejected before its head parsed: what its first line seemed to say
                method_bytes, target_bytes = first_words(self.parser.pending_raw)
                method = method_bytes.decode("latin-1") or "-"
                target = target_bytes.decode("latin-1") or "-"
            entry = AccessEntry(
                self.id,
                self.number,
                self.peer,
                method,
                target,
                response.status,
                len(data),
                (done - first_byte) * 1000.0,
            )
            try:
                context.access_log(entry)
            except Exception:
                logger.exception("the access log hook failed")
        if context.tracer is not None:
            notes = list(head.notes) if head is not None else []
            if head is not None and self.pipelined:
                notes.append(PIPELINED)
            if end is not None:
                notes.extend(end.notes)
            record = ExchangeRecord(
                connection_id=self.id,
                number=self.number,
                started_at=time.time() - (done - first_byte),
                peer=self.peer,
                raw_request=raw_request,
                raw_response=data,
                request=request,
                head=head,
                response=response,
                error=error,
                timings=Timings(first_byte, self.head_parsed, handler_done, done),
                notes=notes,
            )
            self._publish(record)

    def _publish_event(self, kind: str, detail: str = "") -> None:
        if self.context.tracer is not None:
            self._publish(ConnectionEvent(self.id, kind, time.time(), self.peer, detail))

    def _publish(self, item: ExchangeRecord | ConnectionEvent) -> None:
        tracer = self.context.tracer
        assert tracer is not None
        try:
            tracer.publish(item)
        except Exception:  # a broken subscriber must not take the server down
            logger.exception("the tracer failed")


def _police_framing(response: Response, head: RequestHead | None) -> None:
    """Framing fields an app may not send as it set them; the server fixes them."""
    headers = response.headers
    status = response.status
    if 100 <= status < 200 or status == 204:
        # RFC 9110 §8.6: a server MUST NOT send Content-Length in a 1xx or 204 response;
        # RFC 9112 §6.1: nor Transfer-Encoding
        headers.remove(b"content-length")
        headers.remove(b"transfer-encoding")
    elif head is not None and head.version == "HTTP/1.0" and b"transfer-encoding" in headers:
        # RFC 9112 §6.1: no Transfer-Encoding to a client that did not say HTTP/1.1; the
        # serializer frames the body with Content-Length instead
        headers.remove(b"transfer-encoding")
        headers.remove(b"content-length")


def accept_from_raw(raw: bytes) -> str | None:
    """The Accept value of a head the parser rejected, so even that error can be JSON; a
    best effort on bytes that broke the rules, used for nothing but choosing a format."""
    end = head_end(raw)
    head = raw[:end] if end is not None else raw[:8192]
    for line in head.split(b"\n")[1:100]:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"accept":
            return value.strip().decode("latin-1")
    return None
