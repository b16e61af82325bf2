"""One client connection of the proxy: read a request, forward it, stream the answer back.

Theory of operation. Each client connection is one task running `ProxyConnection.run`, one
exchange after another (keep-alive), with at most one upstream connection of its own, kept
alive between exchanges. An exchange:

    read the client's head ─▶ connect upstream (or reuse) ─▶ send the head upstream
        └▶ body pump task: client body events ─▶ upstream (re-framed)      ┐ at the same time
    read the upstream's head (1xx passed on) ─▶ send the head to the client ┘
    stream the upstream's body to the client ─▶ both legs to the trace

The upstream may answer before the request body is all there (an early 413); then both
connections close after the answer. Failures before the client got a head become 502/504
(`upstream.UpstreamFailure`) or the client's own 4xx; after it, the client's connection is cut
(a status line once sent cannot be taken back), and the trace says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from time import perf_counter

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import (
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
    ResponseHead,
)
from httplab.protocol.messages import Note, Response
from httplab.protocol.request_parser import RequestParser
from httplab.protocol.serialize import serialize_response
from httplab.proxy.fields import (
    chunk,
    end_to_end,
    last_chunk,
    origin_form,
    request_head,
    response_head,
    set_framing,
    via_value,
)
from httplab.proxy.legs import RETRIED_NOTE, ByteSample, ProxiedExchange, removed_note
from httplab.proxy.state import ProxyState
from httplab.proxy.upstream import (
    FailureKind,
    UpstreamConnection,
    UpstreamFailure,
    failure_of,
)
from httplab.proxy.wire import PeerGone, Wire
from httplab.server.problem import problem_response
from httplab.trace.bus import BODY_KEEP
from httplab.trace.records import (
    ConnectionEvent,
    ConnectionEventKind,
    ExchangeRecord,
    Timings,
    TraceItem,
)

logger = logging.getLogger("httplab.proxy")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""RFC 9110 §9.2.2: safe to send again when a kept-alive upstream connection turns out closed."""
MAX_INTERIM = 16
"""Interim (1xx) responses passed on for one request; an upstream sending them for ever gets
the client a 502 instead of an endless exchange."""
LINGER = 2.0
"""Seconds to read and drop what a client still sends after our last answer, so closing does
not reset the connection under the answer (RST would destroy it)."""


class ClientFailure(Exception):
    """The client's side of an exchange failed: a broken body, a stall, or it went away."""

    def __init__(self, error: ProtocolError | None, detail: str) -> None:
        super().__init__(detail)
        self.error = error  # the answer it should get, if it is still there
        self.detail = detail


class ProxyConnection:
    def __init__(
        self, state: ProxyState, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.state = state
        self.settings = state.settings
        self.id = state.next_id()
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.client = Wire(reader, writer, RequestParser(self.settings.limits))
        self.upstream: UpstreamConnection | None = None
        self.number = 0
        self.idle = True  # between requests: stop() may close it at once
        self.tracing = self.settings.tracer is not None
        self.keep = BODY_KEEP if self.tracing else 0
        self.first_byte = 0.0  # perf_counter() of the request in progress
        self.pump: asyncio.Task[None] | None = None  # the request body's task, if any

    # the connection ---------------------------------------------------------------------------
    async def run(self) -> None:
        ended: ConnectionEventKind = "closed"
        self._event("opened", self.id, self.peer)
        try:
            while not self.state.stopping:
                keep_alive = await self._exchange()
                if not keep_alive:
                    break
        except TimeoutError:
            ended = "timeout"
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        except Exception:
            logger.exception("proxy connection #%d failed", self.id)
        finally:
            self._drop_upstream()
            await self._close_client()
            self._event(ended, self.id, self.peer)

    async def _close_client(self) -> None:
        """FIN first, then drop what the client still sends for a moment, then close."""
        client = self.client
        writer = client.writer
        if writer.is_closing():
            return
        with contextlib.suppress(Exception):
            if not client.eof and writer.can_write_eof():
                writer.write_eof()
                until = client.loop.time() + min(LINGER, self.settings.idle_timeout)
                while not client.eof and not self.state.stopping:
                    await client.read(lambda: until)
        with contextlib.suppress(Exception):
            writer.close()

    def _drop_upstream(self) -> None:
        upstream = self.upstream
        if upstream is not None:
            self.upstream = None
            upstream.close()
            self._event("closed", upstream.id, upstream.peer, "upstream connection")

    # one exchange -----------------------------------------------------------------------------
    async def _exchange(self) -> bool:
        """Forward one request and its answer; True when the client's connection stays."""
        head = await self._read_head()
        if head is None:
            return False
        exchange = self._new_exchange(head)
        try:
            keep_alive = await self._forward(exchange)
        except ClientFailure as failure:
            keep_alive = False
            exchange.client_error = failure.detail
            self._drop_upstream()
            if failure.error is not None and not exchange.status:
                with contextlib.suppress(ClientFailure):
                    await self._answer(exchange, self._problem(failure.error, head), close=True)
        finally:
            await self._cancel(self.pump)
            self.pump = None
        self._publish(exchange)
        if keep_alive:
            self.client.parser.start_next()
        return keep_alive

    def _new_exchange(self, head: RequestHead) -> ProxiedExchange:
        self.number += 1
        exchange = ProxiedExchange(self.id, self.number, self.peer, head, self.first_byte)
        exchange.head_parsed = perf_counter()
        return exchange

    async def _read_head(self) -> RequestHead | None:
        """The client's next request head; None when it closed or idled out quietly."""
        client, settings = self.client, self.settings
        parser = client.parser
        self.idle = True
        if parser.idle:
            if client.eof:
                return None
            idle_until = client.loop.time() + settings.idle_timeout
            try:
                data = await client.read(lambda: idle_until)
            except TimeoutError:
                return None  # a kept-alive connection nobody uses: close quietly
            parser.feed(data)
        self.idle = False
        self.first_byte = perf_counter()
        head_until = client.loop.time() + settings.header_timeout
        try:
            event = await client.next_event(lambda: head_until)
        except TimeoutError:
            error = ProtocolError(
                408, f"waited {settings.header_timeout:g}s for the request head", "RFC 9110 §15.5.9"
            )
            await self._reject(error)
            raise
        except ProtocolError as error:
            await self._reject(error)
            return None
        if isinstance(event, ConnectionClosed):
            return None
        assert isinstance(event, RequestHead)
        return event

    async def _reject(self, error: ProtocolError) -> None:
        """A request that cannot be read: the error's answer, recorded, then close."""
        self.number += 1
        response = problem_response(
            error.status, error.detail, rfc_ref=error.rfc_ref, headers=[("Connection", "close")]
        )
        data = self._finish(response, "GET")
        with contextlib.suppress(Exception):
            await self.client.write(data, self.settings.idle_timeout)
        if self.tracing:
            now = perf_counter()
            self._emit(
                ExchangeRecord(
                    connection_id=self.id,
                    number=self.number,
                    started_at=time.time(),
                    peer=self.peer,
                    raw_request=self.client.parser.pending_raw[: 64 * 1024],
                    raw_response=data,
                    request=None,
                    head=None,
                    response=response,
                    error=error.one_line(),
                    timings=Timings(self.first_byte or now, 0.0, now, now),
                    notes=list(error.notes),
                )
            )

    async def _forward(self, exchange: ProxiedExchange) -> bool:
        head, settings = exchange.head, self.settings
        if head.method == "CONNECT":
            response = problem_response(
                501,
                "httplab proxy is a reverse proxy: it opens no tunnels (CONNECT); send plain "
                "requests to it instead",
                rfc_ref="RFC 9110 §9.3.6",
                accept=head.headers.get("accept"),
            )
            await self._answer(exchange, response, close=True)
            return False
        headers, removed = end_to_end(head.headers)
        if removed:
            exchange.client_notes.append(removed_note(removed, "request"))
        headers.add(b"Via", via_value(head.version))
        target, authority = origin_form(head.target)
        if authority is not None:  # RFC 9112 §3.2.2: the target's authority, not Host
            headers.set(b"Host", authority.encode("latin-1"))
        elif b"host" not in headers:
            # an HTTP/1.0 client may name no host, HTTP/1.1 needs one: the URI the proxy
            # forwards to is http://UPSTREAM/..., so its authority (as a reverse proxy does)
            headers.add(b"Host", settings.upstream.encode("latin-1"))
        set_framing(headers, head.framing.kind, head.framing.length)
        exchange.upstream_headers = headers
        exchange.upstream_target = target
        upstream_head = request_head(head.method, exchange.upstream_target, headers)
        has_body = head.framing.kind != "none" and head.framing.length != 0
        if not has_body:  # the request is whole already (its EndOfMessage is waiting)
            self._end_request(exchange, self.client.parser.next_event())

        pump: asyncio.Task[None] | None = None
        attempts = 1 if has_body or head.method not in IDEMPOTENT else 2
        for attempt in range(attempts):
            try:
                upstream = await self._upstream()
            except UpstreamFailure as unreachable:
                await self._fail(exchange, unreachable, close=has_body)
                return not has_body and self._keep_alive(head)
            self._begin_upstream(exchange, upstream, upstream_head)
            try:
                await upstream.wire.write(upstream_head, settings.timeout)
                if has_body:
                    pump = self.pump = asyncio.create_task(self._pump_body(exchange, upstream))
                final = await self._response_head(exchange, upstream, pump)
                break
            except (UpstreamFailure, PeerGone, TimeoutError, ProtocolError) as error:
                failure = self._why(error, pump, upstream)
                fresh = upstream.exchanges == 1
                self._drop_upstream()
                retry = (
                    attempt + 1 < attempts
                    and not fresh
                    and failure.kind is FailureKind.CLOSED
                    and not exchange.upstream_raw
                )
                if retry:
                    exchange.client_notes.append(RETRIED_NOTE)
                    continue
                exchange.upstream_error = failure.detail
                if not exchange.upstream_raw:  # what did arrive, for the upstream leg
                    exchange.upstream_raw = upstream.wire.parser.pending_raw[: 64 * 1024]
                await self._cancel(pump)
                request_done = pump is None or _succeeded(pump)
                await self._fail(exchange, failure, close=not request_done)
                return request_done and self._keep_alive(head)
        return await self._stream_response(exchange, upstream, final, pump)

    def _why(
        self,
        error: Exception,
        pump: asyncio.Task[None] | None,
        upstream: UpstreamConnection,
    ) -> UpstreamFailure:
        """What broke: the pump's own failure first (it cuts the upstream when it fails)."""
        if pump is not None and pump.done() and not pump.cancelled():
            pumped = pump.exception()
            if isinstance(pumped, ClientFailure):
                raise pumped
            if isinstance(pumped, UpstreamFailure):
                return pumped
        return failure_of(self.settings, error, upstream)

    async def _upstream(self) -> UpstreamConnection:
        upstream = self.upstream
        if upstream is not None and not upstream.usable:
            self._drop_upstream()
            upstream = None
        if upstream is None:
            upstream = await UpstreamConnection.open(self.settings, self.state.next_id())
            self.upstream = upstream
            self._event("opened", upstream.id, upstream.peer, f"upstream connection of #{self.id}")
        return upstream

    def _begin_upstream(
        self, exchange: ProxiedExchange, upstream: UpstreamConnection, head: bytes
    ) -> None:
        upstream.exchanges += 1
        upstream.reusable = False  # until this exchange ends cleanly
        upstream.parser.expect(exchange.head.method)
        exchange.upstream_id = upstream.id
        exchange.upstream_number = upstream.exchanges
        exchange.upstream_peer = upstream.peer
        exchange.upstream_started = perf_counter()
        exchange.upstream_started_at = time.time()
        exchange.upstream_raw = b""
        exchange.upstream_omitted = 0
        exchange.upstream_sent = ByteSample(len(head) + self.keep) if self.tracing else None
        if exchange.upstream_sent is not None:
            exchange.upstream_sent.add(head)

    # the request body -------------------------------------------------------------------------
    async def _pump_body(self, exchange: ProxiedExchange, upstream: UpstreamConnection) -> None:
        """Client body events → upstream, re-framed: Content-Length as it was, else chunks."""
        client, settings = self.client, self.settings
        parser = client.parser
        chunked = exchange.head.framing.kind == "chunked"
        keep = len(exchange.head.raw) + self.keep
        sent = exchange.upstream_sent
        body = exchange.request_body
        while True:
            try:
                event = await client.next_event(self._client_stall_deadline)
            except ProtocolError as error:
                upstream.wire.abort()
                raise ClientFailure(error, error.one_line()) from None
            except TimeoutError:
                upstream.wire.abort()
                stalled = ProtocolError(
                    408,
                    f"the request body stalled for {settings.idle_timeout:g}s",
                    "RFC 9110 §15.5.9",
                )
                raise ClientFailure(stalled, stalled.one_line()) from None
            if isinstance(event, Data):
                exchange.client_omitted += parser.forget_raw(keep)
                data = event.data
                if not data:
                    continue
                if self.tracing:
                    body.add(data)
                out = chunk(data) if chunked else data
                if sent is not None:
                    sent.add(out)
                await self._to_upstream(upstream, out)
            elif isinstance(event, EndOfMessage):
                if chunked:
                    tail = last_chunk(event.trailers)
                    if sent is not None:
                        sent.add(tail)
                    await self._to_upstream(upstream, tail)
                self._end_request(exchange, event)
                return
            else:  # the client closed in the middle of its body
                upstream.wire.abort()
                raise ClientFailure(None, "the client closed the connection during its body")

    def _client_stall_deadline(self) -> float:
        return self.client.activity + self.settings.idle_timeout

    async def _to_upstream(self, upstream: UpstreamConnection, data: bytes) -> None:
        try:
            await upstream.wire.write(data, self.settings.timeout)
        except TimeoutError:
            upstream.wire.abort()
            raise failure_of(self.settings, TimeoutError(), upstream) from None
        except PeerGone:
            upstream.wire.abort()
            raise failure_of(self.settings, PeerGone(), upstream) from None

    def _end_request(self, exchange: ProxiedExchange, event: object) -> None:
        assert isinstance(event, EndOfMessage)
        exchange.request_trailers = event.trailers
        raw, omitted = _kept(event.raw, len(exchange.head.raw) + self.keep)
        exchange.client_raw = raw
        exchange.client_omitted += omitted

    # the response -----------------------------------------------------------------------------
    def _upstream_deadline(self, upstream: UpstreamConnection) -> float:
        return upstream.wire.activity + self.settings.timeout

    async def _response_head(
        self,
        exchange: ProxiedExchange,
        upstream: UpstreamConnection,
        pump: asyncio.Task[None] | None,
    ) -> ResponseHead:
        """The upstream's final head; interim (1xx) heads are passed on to the client."""
        wire = upstream.wire
        for _interim in range(MAX_INTERIM + 1):
            event = await wire.next_event(lambda: self._upstream_deadline(upstream))
            if isinstance(event, ConnectionClosed):
                raise failure_of(self.settings, PeerGone(), upstream)
            assert isinstance(event, ResponseHead)
            exchange.upstream_raw += event.raw
            if event.status == 101:
                raise UpstreamFailure(
                    FailureKind.UPGRADE,
                    f"the upstream server {self.settings.upstream} switched protocols (101); "
                    "httplab proxy forwards HTTP/1.1 only (no WebSocket or other Upgrade)",
                )
            if not event.informational:
                exchange.response_head = event
                exchange.answered = perf_counter()
                return event
            if exchange.head.version == "HTTP/1.1":  # RFC 9110 §15.2: 1xx goes on to 1.1 only
                headers, _ = end_to_end(event.headers)
                headers.add(b"Via", via_value(event.version))
                await self._to_client(exchange, response_head(event.status, event.reason, headers))
        raise UpstreamFailure(
            FailureKind.MALFORMED,
            f"the upstream server {self.settings.upstream} sent more than {MAX_INTERIM} interim "
            "(1xx) responses without a final one",
            "RFC 9110 §15.2",
        )

    async def _stream_response(
        self,
        exchange: ProxiedExchange,
        upstream: UpstreamConnection,
        final: ResponseHead,
        pump: asyncio.Task[None] | None,
    ) -> bool:
        head = exchange.head
        headers, removed = end_to_end(final.headers)
        if removed:
            exchange.upstream_notes.append(removed_note(removed, "response"))
        headers.add(b"Via", via_value(final.version))
        if b"date" not in headers:  # RFC 9110 §6.6.1: a recipient with a clock adds one
            headers.add(b"Date", self.state.dates.value())
        framing = final.framing.kind
        out = framing
        if framing in ("chunked", "close"):
            out = "chunked" if head.version == "HTTP/1.1" else "close"
        set_framing(headers, out, final.framing.length)
        request_done = pump is None or _succeeded(pump)
        keep_alive = self._keep_alive(head) and request_done and out != "close"
        if not keep_alive:
            headers.set(b"Connection", b"close")
        elif head.version == "HTTP/1.0":
            headers.set(b"Connection", b"keep-alive")
        exchange.status, exchange.reason = final.status, final.reason
        exchange.client_headers = headers
        # the head waits for the first piece of body when that is already here: one write
        # (one TCP segment) for a small answer instead of two
        pending = response_head(final.status, final.reason, headers)

        wire = upstream.wire
        keep = len(final.raw) + self.keep
        chunked = out == "chunked"
        while True:
            try:
                event = wire.ready_event()
                if event is None:
                    if pending:
                        await self._to_client(exchange, pending)
                        pending = b""
                    event = await wire.next_event(lambda: self._upstream_deadline(upstream))
            except (TimeoutError, ProtocolError) as error:
                if pending:
                    await self._to_client(exchange, pending)
                failure = failure_of(self.settings, error, upstream)
                return await self._cut(exchange, pump, failure.detail)
            if isinstance(event, Data):
                exchange.upstream_omitted += wire.parser.forget_raw(keep)
                if not event.data:
                    continue
                if self.tracing:
                    exchange.response_body.add(event.data)
                piece = chunk(event.data) if chunked else event.data
                await self._to_client(exchange, pending + piece if pending else piece)
                pending = b""
            elif isinstance(event, EndOfMessage):
                raw, omitted = _kept(event.raw, keep)  # the final head, then its body
                exchange.upstream_raw += raw[len(final.raw) :]
                exchange.upstream_omitted += omitted
                exchange.response_trailers = event.trailers
                tail = last_chunk(event.trailers) if chunked else b""
                if pending or tail:
                    await self._to_client(exchange, pending + tail)
                break
            else:
                if pending:
                    await self._to_client(exchange, pending)
                failure = failure_of(self.settings, PeerGone(), upstream)
                return await self._cut(exchange, pump, failure.detail)
        request_done = pump is None or _succeeded(pump)
        await self._cancel(pump)
        # bytes after the answer that nobody asked for (no request is pending) would be read
        # as the next answer: such a connection is not used again
        if final.keep_alive and request_done and not wire.parser.buffered:
            upstream.reusable = True
            wire.parser.start_next()
        else:
            self._drop_upstream()
        return keep_alive and request_done

    async def _cut(
        self, exchange: ProxiedExchange, pump: asyncio.Task[None] | None, why: str
    ) -> bool:
        """The upstream failed after the client got the head: cut the client off."""
        exchange.upstream_error = why
        exchange.client_error = f"cut off: {why}"
        await self._cancel(pump)
        self._drop_upstream()
        self.client.abort()
        return False

    async def _to_client(self, exchange: ProxiedExchange, data: bytes) -> None:
        if self.tracing:
            exchange.client_sent.add(data)
        try:
            await self.client.write(data, self.settings.idle_timeout)
        except (TimeoutError, PeerGone):
            self._drop_upstream()
            raise ClientFailure(None, "the client stopped reading or went away") from None

    # answers of the proxy itself ----------------------------------------------------------------
    async def _fail(self, exchange: ProxiedExchange, failure: UpstreamFailure, close: bool) -> None:
        exchange.upstream_error = exchange.upstream_error or failure.detail
        exchange.client_notes.append(
            Note(f"proxy-{failure.kind.value}", failure.detail, failure.rfc_ref, "error")
        )
        response = problem_response(
            failure.status,
            failure.detail,
            rfc_ref=failure.rfc_ref,
            accept=exchange.head.headers.get("accept"),
        )
        await self._answer(exchange, response, close=close or not self._keep_alive(exchange.head))

    async def _answer(self, exchange: ProxiedExchange, response: Response, close: bool) -> None:
        head = exchange.head
        if close:
            response.headers.set(b"Connection", b"close")
        elif head.version == "HTTP/1.0":
            response.headers.set(b"Connection", b"keep-alive")
        data = self._finish(response, head.method)
        exchange.status, exchange.reason = response.status, response.reason
        exchange.client_headers = response.headers
        exchange.answered = exchange.answered or perf_counter()
        if not exchange.client_raw:
            exchange.client_raw = self.client.parser.pending_raw[: len(head.raw) + self.keep]
        await self._to_client(exchange, data)

    def _finish(self, response: Response, method: str) -> bytes:
        headers = response.headers
        headers.setdefault(b"Date", self.state.dates.value())
        headers.setdefault(b"Server", self.state.server_header)
        return serialize_response(response, method)

    def _problem(self, error: ProtocolError, head: RequestHead) -> Response:
        return problem_response(
            error.status, error.detail, rfc_ref=error.rfc_ref, accept=head.headers.get("accept")
        )

    def _keep_alive(self, head: RequestHead) -> bool:
        return head.keep_alive and not self.state.stopping

    @staticmethod
    async def _cancel(task: asyncio.Task[None] | None) -> None:
        if task is None:
            return
        if not task.done():
            task.cancel()
        with contextlib.suppress(BaseException):
            await task

    # the trace ----------------------------------------------------------------------------------
    def _publish(self, exchange: ProxiedExchange) -> None:
        if not self.tracing:
            return
        done = perf_counter()
        upstream_record = exchange.upstream_record(done)
        if upstream_record is not None:
            self._emit(upstream_record)
        self._emit(exchange.client_record(done))

    def _event(
        self, kind: ConnectionEventKind, connection_id: int, peer: str, detail: str = ""
    ) -> None:
        if self.tracing:
            self._emit(ConnectionEvent(connection_id, kind, time.time(), peer, detail))

    def _emit(self, item: TraceItem) -> None:
        tracer = self.settings.tracer
        assert tracer is not None
        try:
            tracer.publish(item)
        except Exception:
            logger.exception("the tracer failed")


def _succeeded(task: asyncio.Task[None]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _kept(raw: bytes, keep: int) -> tuple[bytes, int]:
    """The first `keep` bytes of `raw` and how many more there were."""
    if len(raw) <= keep:
        return raw, 0
    return raw[:keep], len(raw) - keep
