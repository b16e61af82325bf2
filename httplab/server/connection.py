"""One client connection: bytes in → the parser → the app → one write out.

Theory of operation. asyncio calls `data_received` with whatever the socket had; the bytes go to
the sans-IO `RequestParser`, and its events are handled in order: a head (answer
`100 Continue` if the client waits for it), body pieces, the end of the message (call the app,
serialize the response, write it in one `transport.write` at the end of the loop's turn, with
the other connections' answers: see `outbox.py`). After each response the parser is
told to `start_next()`, so pipelined requests already buffered are answered in order. When the
transport's write buffer is full (a client that sends but does not read), reading pauses and
the next request waits for `resume_writing`, so memory stays bounded.

A streaming app (WSGI, ASGI: `app.streaming`) is not called on the loop: `_begin_stream` hands
it the request and a `ResponseStream` (see `streaming.py`), and it answers from its own thread
in pieces, each written as it comes; the `stream_*` methods are the stream's way back in.
While it works the connection keeps reading (a little), so a client that goes is noticed.

A connection is in one `Phase`; the request being read and answered is one `Exchange`.

    IDLE ──first byte──▶ HEAD ──head parsed──▶ BODY ──end of message──▶ IDLE (keep-alive)
      ▲                                          │ response written, client not reading
      └────────── the client reads ─── WAITING ◀─┘
    any phase ──error, Connection: close, timeout──▶ CLOSING (FIN sent, draining) ──▶ CLOSED

Each phase has one deadline, a plain number checked by the server's sweeper (no timer object
per request):
  IDLE     waiting for the next request on a keep-alive connection → close quietly
  HEAD     first byte of a request to the end of its head (slowloris) → 408, close
  BODY     no progress while reading a body → 408, close
  WAITING, or any phase while writes are blocked: the client stopped reading → abort
  CLOSING  our side is closed, draining what the client still sends → abort
Closing sends FIN first and drains the input for a moment: closing a socket that still has
unread input makes the kernel send RST, which can destroy the answer we just wrote.

Memory: every byte received for a request not yet answered counts against the server's
`memory_budget` (shared by all connections, see `context`); a request holding more than
`SMALL_REQUEST` when the budget is spent is answered 503 and its connection closed; small
requests may use a reserve of a quarter of the budget above it, and nothing goes further.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Sequence, Set
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from enum import Enum
from time import perf_counter

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import ConnectionClosed, Data, EndOfMessage, RequestHead
from httplab.protocol.messages import Note, Request, Response, body_forbidden
from httplab.protocol.parser import RequestParser
from httplab.protocol.request_parser import TLS_ON_PLAIN_PORT, starts_like_tls
from httplab.protocol.serialize import serialize_response, serialize_response_head
from httplab.server.access_log import AccessEntry
from httplab.server.answer_heads import AnswerKey
from httplab.server.context import (
    LINGER_TIMEOUT,
    MIN_BODY_RATE,
    SMALL_REQUEST,
    SMALL_RESERVE_SHARE,
    STOP_LINGER_TIMEOUT,
    ServerState,
)
from httplab.server.hold import Parked, held_record, released_note, stopped_response
from httplab.server.problem import problem_response
from httplab.server.streaming import ResponseStream, StreamOutcome
from httplab.server.virtual_host import misdirected_detail
from httplab.trace.intercept import Decision, DecisionKind, Intercept, NoDraft
from httplab.trace.records import (
    NOTHING_OMITTED,
    ConnectionEvent,
    ConnectionEventKind,
    ExchangeRecord,
    exchange_entry,
)
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
WRITE_HIGH_WATER = 64 * 1024
"""Bytes of responses a connection buffers for a slow reader before it stops reading (and so
stops answering): with pages of at most ~100 KB, a client that never reads holds at most one
response plus this."""
MIB = 1024 * 1024
SERVER_CHECKED = frozenset(
    {b"date", b"server", b"connection", b"content-length", b"transfer-encoding"}
)
"""Fields the server adds to a response, or checks, when the app set them (lower case)."""
NO_NAMES: frozenset[bytes] = frozenset()
FAIR_TURN = 4
"""Pipelined requests answered in one go before other connections get their turn: a client
pipelining thousands of requests must not make a fresh client wait for all of them."""


class Phase(Enum):
    IDLE = "idle"  # between requests
    HEAD = "head"  # some bytes of a request arrived, not yet its whole head
    BODY = "body"  # the head is parsed; its body (if any) is arriving
    WAITING = "waiting"  # answered while the client does not read; the next request waits
    CLOSING = "closing"  # our side is closed (FIN sent); draining the client's bytes
    CLOSED = "closed"  # asyncio reported the connection lost


# Module names for the members the per-request path reads: `Phase.IDLE` is an Enum class
# attribute lookup (~130 ns on Python 3.11), a module global ~10 ns.
_IDLE, _BODY, _CLOSING, _CLOSED = Phase.IDLE, Phase.BODY, Phase.CLOSING, Phase.CLOSED


@dataclass(slots=True, eq=False)
class Exchange:
    """The request being read, from its parsed head to its response (as uvicorn's
    RequestResponseCycle)."""

    head: RequestHead
    started: float  # state.clock() when the head was parsed: the body's rate counts from here
    head_parsed: float  # perf_counter(), for the trace's timings
    pipelined: bool = False  # its head was complete before the previous answer went out
    body_parts: list[bytes] = field(default_factory=list)
    body_received: int = 0  # bytes received since the head

    def body(self) -> bytes:
        return b"".join(self.body_parts)  # one part is returned as is, not copied


class HTTPConnection(asyncio.Protocol):
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.settings = state.settings
        self.clock = state.clock
        self.transport: asyncio.Transport | None = None
        self.id = 0
        self.peer = ""
        self.phase = Phase.IDLE
        self.deadline = 0.0  # state.clock() when the phase's deadline passes; 0.0: none
        self.exchange: Exchange | None = None
        self.parser = RequestParser(self.settings.limits)
        self.number = 0  # exchanges so far on this connection
        self.reads = 0  # data_received calls so far
        self.reads_at_answer = -1  # `reads` when the last response was written
        self.first_byte = 0.0  # perf_counter() of the first byte of the message in progress
        self.last_data = 0.0
        # request bytes received and not yet answered (counted in state.held_bytes); 0 also
        # says the parser is idle: no byte of a next request has come
        self.held = 0
        self.counted = False  # counts against the connection cap (a refused one does not)
        self.writes_blocked = False  # asyncio's flow control: the client is not reading
        self.yielding = False  # FAIR_TURN pipelined answers sent; the rest waits its turn
        self.peer_eof = False
        self.ended_by: ConnectionEventKind = "closed"  # or "timeout", for the trace
        self.app_running = False  # a streaming app is answering (_begin_stream), or held (_park)
        self.stream: ResponseStream | None = None
        self.streamed: tuple[Request, RequestHead, EndOfMessage] | None = None
        self.parked: Parked | None = None  # held by the trace view (see _park)
        self.outgoing: bytes | None = None  # an answer waiting for the end of the turn (_send)
        # per-request timings are taken only for someone who reads them
        self.timed = self.settings.access_log is not None or self.settings.tracer is not None
        # a trace bus takes an exchange as its compact tuple (trace.records.exchange_entry);
        # any other tracer gets the record
        self.trace_entry = (
            exchange_entry
            if getattr(self.settings.tracer, "takes_entries", False)
            else ExchangeRecord.answered
        )
        self.streaming = bool(getattr(self.settings.app, "streaming", False))  # _begin_stream
        # registered from the start, so a stop that races an accept still waits for it
        state.connections.add(self)

    @property
    def closing(self) -> bool:
        return self.phase is Phase.CLOSING or self.phase is Phase.CLOSED

    # asyncio callbacks ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        state = self.state
        state.next_connection_id += 1
        self.id = state.next_connection_id
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # small responses must not wait for Nagle's algorithm (asyncio sets it too on
            # Linux; saying it here keeps the requirement visible)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        if state.active >= state.connection_cap or state.stopping:
            self._refuse()
            return
        self.counted = True
        state.active += 1
        self.deadline = self.clock() + self.settings.idle_timeout
        self._publish_event("opened")

    def data_received(self, data: bytes) -> None:
        phase = self.phase
        if phase is _CLOSING or phase is _CLOSED:
            return  # draining after our last answer
        if self.timed:
            now = perf_counter()
            if not self.first_byte:
                self.first_byte = now
            self.last_data = now
        self.reads += 1
        size = len(data)  # held against the memory budget until answered (as `_hold` does)
        self.held += size
        self.state.held_bytes += size
        if self.app_running:  # keep reading to notice a client that goes, but not far ahead
            self.parser.feed(data)
            if self.parser.buffered > SMALL_REQUEST and self.transport is not None:
                self.transport.pause_reading()
            return
        # the budget with its reserve is never below the budget: only past it, a closer look
        if self.state.held_bytes > self.settings.memory_budget and self._over_budget(0):
            self._shed()
            return
        self.parser.feed(data)
        try:
            self._process()
        except Exception:  # a bug of ours: answer 500 rather than let asyncio drop the socket
            logger.exception("connection #%d failed", self.id)
            if not self.closing:
                self._reject(ProtocolError(500, "the server failed", close=True))
            return
        phase = self.phase
        if phase is _CLOSING or phase is _CLOSED or self.writes_blocked or self.app_running:
            return
        exchange = self.exchange
        if exchange is not None:
            exchange.body_received += len(data)
            self._arm_read_deadline()
        elif self.held and (phase is not _IDLE or not self.parser.idle):
            self._arm_read_deadline()  # part of the next request is here

    def eof_received(self) -> bool:
        self.peer_eof = True
        if self.closing:
            return False
        self.parser.feed(b"")
        if self.stream is not None:
            self.stream.peer_closed()  # ASGI's http.disconnect; the answer is still written
        if self.phase is Phase.WAITING or self.app_running:
            return True  # answer what is buffered first; resume_writing closes afterwards
        self._process()
        if self.phase is Phase.WAITING:
            return True
        if not self.closing:
            self._close()
        return False

    def pause_writing(self) -> None:
        self.writes_blocked = True
        assert self.transport is not None
        self.transport.pause_reading()
        self.deadline = self.clock() + self.settings.idle_timeout
        if self.stream is not None:
            self.stream.set_blocked(True)

    def resume_writing(self) -> None:
        self.writes_blocked = False
        if self.stream is not None:
            self.stream.set_blocked(False)
        if self.closing or self.app_running:
            return
        assert self.transport is not None
        self.deadline = self.clock() + self.settings.idle_timeout
        if self.phase is Phase.WAITING:
            self.phase = Phase.IDLE
            self.parser.start_next()
            self._begin_next_message()
            self._process()
        if self.closing or self.writes_blocked:
            return
        if self.peer_eof:
            self._close()
            return
        if not self.yielding:
            self.transport.resume_reading()
        if self.phase is Phase.HEAD:  # its clock stopped while we could not read
            self.deadline = self.clock() + self.settings.header_timeout
        self._arm_read_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        state = self.state
        self.phase = Phase.CLOSED
        self.exchange = None
        self.outgoing = None  # nobody to write it to
        if self.stream is not None:
            self.stream.connection_lost()  # the app's writes raise ClientGone from now on
            self.stream = None
        self._release_to(0)
        state.connections.discard(self)
        if self.parked is not None:
            self._unpark()
        if self.counted:
            self.counted = False
            state.active -= 1
            self._publish_event(self.ended_by)
        if state.on_connection_lost is not None:
            state.on_connection_lost()

    # the exchange loop --------------------------------------------------------------------------
    def _process(self) -> None:
        parser = self.parser
        answered = 0
        while True:
            try:
                event = parser.next_event()
            except ProtocolError as exc:
                self._reject(exc)
                return
            kind = type(event)
            if kind is Data:
                assert self.exchange is not None
                self.exchange.body_parts.append(event.data)  # type: ignore[union-attr]
            elif kind is RequestHead:
                self._on_head(event)  # type: ignore[arg-type]
                if self.phase is not _BODY:  # refused (503) before its body was read
                    return
            elif kind is EndOfMessage:
                self._finish_exchange(event)  # type: ignore[arg-type]
                phase = self.phase
                if phase is _CLOSING or phase is _CLOSED or self.app_running:
                    return
                if self.writes_blocked:
                    self.phase = Phase.WAITING
                    return
                parser.start_next()
                if self.timed:
                    self._begin_next_message()
                if not self.held and not self.peer_eof:
                    return  # the usual keep-alive case: no byte of another request yet
                answered += 1
                if answered >= FAIR_TURN and self.held and self._yield_turn():
                    return
            elif kind is ConnectionClosed:
                self._close()
                return
            else:  # NEED_DATA, or PAUSED
                return

    def _yield_turn(self) -> bool:
        """Let other connections (and a fresh one being accepted) run before this one's next
        pipelined request: reading pauses and processing goes on from the loop's queue.
        False when there is no loop to defer to (the unit tests' default)."""
        defer = self.state.defer
        if defer is None or self.transport is None:
            return False
        self.yielding = True
        self.transport.pause_reading()
        defer(self._take_turn)
        return True

    def _take_turn(self) -> None:
        self.yielding = False
        if self.closing or self.phase is Phase.WAITING:
            return
        self._process()
        if self.closing or self.writes_blocked or self.yielding:
            return
        assert self.transport is not None
        self.transport.resume_reading()
        self._arm_read_deadline()

    def _on_head(self, head: RequestHead) -> None:
        self.exchange = Exchange(
            head,
            self.clock(),
            perf_counter() if self.settings.tracer is not None else 0.0,
            # no read since the previous answer: the client sent this head without waiting
            self.reads == self.reads_at_answer,
        )
        self.phase = _BODY
        # a body announced by Content-Length is refused before it is read if it cannot fit
        length = head.framing.length
        if length is not None and length > SMALL_REQUEST and self._over_budget(length):
            self._shed()
            return
        # RFC 9110 §10.1.1: answer 100 before reading a body the client holds back for it
        # (no need when body bytes are already here).
        if head.expect_continue and self.parser.body_expected and not self.parser.buffered:
            self._send(CONTINUE)

    def _begin_next_message(self) -> None:
        # pipelined bytes arrived with the previous data; otherwise the clock starts later
        self.first_byte = 0.0 if self.parser.idle else self.last_data

    def _finish_exchange(self, end: EndOfMessage) -> None:
        exchange = self.exchange
        assert exchange is not None and self.transport is not None
        head = exchange.head
        body = b"".join(exchange.body_parts)
        request = Request(head.method, head.target, head.version, head.headers, body, end.trailers)
        exchange.body_parts = []
        self.number += 1
        intercept = self.settings.intercept
        if intercept is not None and intercept.active and self.state.defer is not None:
            self._park(intercept, request, head, end)
            return
        if self.streaming and self.state.defer is not None:
            self._begin_stream(request, head, end)
            return
        self._answer(request, head, end, self._run_app(request, head))

    def _answer(
        self, request: Request, head: RequestHead, end: EndOfMessage, response: Response
    ) -> None:
        handler_done = perf_counter() if self.settings.tracer is not None else 0.0
        keep_alive = head.keep_alive and not self.state.stopping and not self.peer_eof
        data, keep_alive = self._serialize(response, head, keep_alive)
        self._write_answer(request, head, end, response, data, keep_alive, handler_done)

    def _write_answer(
        self,
        request: Request,
        head: RequestHead,
        end: EndOfMessage,
        response: Response | None,
        data: bytes,
        keep_alive: bool,
        handler_done: float,
    ) -> None:
        """Send an answer already serialized, record it, then keep the connection or close."""
        self._send(data)
        self.reads_at_answer = self.reads
        # what remains is the next request's (as `_release_to`, without a call per request)
        buffered = self.parser.buffered
        self.state.held_bytes -= self.held - buffered
        self.held = buffered
        if self.timed:
            self._record(request, head, end.raw, response, data, None, handler_done, end)
        self.exchange = None
        if keep_alive:
            self.phase = _IDLE
            self.deadline = self.clock() + self.settings.idle_timeout
        else:
            self._close()

    # streaming apps (WSGI, ASGI; issue 14): the app answers from its own thread through a
    # ResponseStream (see streaming.py), which calls the stream_* methods on the loop ---------
    def _begin_stream(self, request: Request, head: RequestHead, end: EndOfMessage) -> None:
        transport = self.transport
        assert transport is not None
        early = self._answer_before_app(head)
        if early is not None:
            self._answer(request, head, end, early)
            return
        self.app_running = True
        self.deadline = 0.0  # an app at work has no deadline; a client not reading has
        sockname = transport.get_extra_info("sockname")
        peername = transport.get_extra_info("peername")
        self.streamed = (request, head, end)
        self.stream = stream = ResponseStream(
            asyncio.get_running_loop(),
            self,
            request,
            server=sockname[:2] if isinstance(sockname, tuple) else ("", self.state.port),
            client=peername[:2] if isinstance(peername, tuple) else None,
            keep_alive=head.keep_alive and not self.state.stopping and not self.peer_eof,
            capture=self.settings.tracer is not None,
        )
        try:
            self.settings.app.begin(request, stream)  # type: ignore[attr-defined]
        except Exception:
            logger.exception("the app failed to start on connection #%d", self.id)
            stream.fail()

    def stream_head(self, response: Response, keep_alive: bool) -> tuple[bytes, bool]:
        assert self.streamed is not None
        return self._serialize(response, self.streamed[1], keep_alive, head_only=True)

    def stream_whole(self, response: Response, keep_alive: bool) -> tuple[bytes, bool]:
        assert self.streamed is not None
        return self._serialize(response, self.streamed[1], keep_alive)

    def stream_write(self, data: bytes) -> None:
        if not self.closing and self.transport is not None:
            self.flush()  # an answer to a request before this one
            self.transport.write(data)

    def stream_failed_early(self) -> Response:
        assert self.streamed is not None
        return self._internal_error(self.streamed[1])

    def stream_done(self, outcome: StreamOutcome) -> None:
        """The streamed answer is complete: record it, then the next request (or close)."""
        streamed, self.streamed = self.streamed, None
        self.stream = None
        self.app_running = False
        if self.closing or streamed is None:
            return  # the client went away (or the server stopped) while the app worked
        request, head, end = streamed
        self.reads_at_answer = self.reads
        self._release_to(self.parser.buffered)
        settings = self.settings
        if settings.access_log is not None or settings.tracer is not None:
            self._record(
                request,
                head,
                end.raw,
                outcome.response,
                outcome.raw,
                None,
                0.0,
                end,
                sent=outcome.sent,
                omitted=outcome.omitted,
                notes_from_stream=outcome.notes,
            )
        self.exchange = None
        if not outcome.keep_alive or self.state.stopping:  # stop() began while it streamed
            self._close()
            return
        self.phase = Phase.IDLE
        self.deadline = self.clock() + settings.idle_timeout
        self._go_on()

    def _go_on(self) -> None:
        """After an answer sent outside `_process` (a streamed one, a held one): the next
        request, already buffered or still to be read."""
        if self.closing:
            return
        if self.writes_blocked:
            self.phase = Phase.WAITING  # resume_writing goes on with the next request
            return
        self.parser.start_next()
        self._begin_next_message()
        self._process()
        if self.closing or self.writes_blocked or self.app_running or self.yielding:
            return
        if self.peer_eof:
            self._close()
            return
        assert self.transport is not None
        self.transport.resume_reading()
        self._arm_read_deadline()

    # held by the trace view (serve --trace, hold on; issue 11.2), kept apart from the rest --
    def _park(
        self, intercept: Intercept, request: Request, head: RequestHead, end: EndOfMessage
    ) -> None:
        """Hold this request until the view decides (see trace.intercept): as while an
        off-loop app works, reading pauses and no deadline runs; the loop serves the others.
        The hold's own timer releases it after `intercept.timeout`."""
        assert self.transport is not None and self.exchange is not None
        self.app_running = True
        self.deadline = 0.0
        self.transport.pause_reading()
        loop = asyncio.get_running_loop()
        notes = list(head.notes) + ([PIPELINED] if self.exchange.pipelined else [])
        record = held_record(
            self.id,
            self.number,
            self.peer,
            request,
            head,
            end,
            self.first_byte,
            self.exchange.head_parsed,
            [*notes, *end.notes],
            intercept.timeout,
            self.state.record_source,
        )
        key = (self.id, self.number)

        def decide(decision: Decision) -> None:  # any thread
            loop.call_soon_threadsafe(self._unparked, decision, request, head, end)

        def make_draft(future: Future[bytes]) -> None:  # any thread
            loop.call_soon_threadsafe(self._make_draft, future, request, head)

        timeout = Decision(DecisionKind.TIMEOUT)
        timer = loop.call_later(intercept.timeout, intercept.release, key, timeout)
        ticket = intercept.hold(key, record, decide, make_draft)
        self.parked = Parked(ticket, timer)

    def _unpark(self) -> Parked | None:
        parked, self.parked = self.parked, None
        if parked is not None:
            parked.timer.cancel()
            if self.settings.intercept is not None:
                self.settings.intercept.forget(parked.ticket.key)
        return parked

    def _make_draft(self, future: Future[bytes], request: Request, head: RequestHead) -> None:
        """The app's answer to the held request, serialized but not sent: the view's editor
        starts from it, and RELEASE sends it (the app is not asked twice)."""
        parked = self.parked
        if parked is None or self.closing:
            future.set_exception(ConnectionError("the request is no longer held"))
            return
        if getattr(self.settings.app, "streaming", False):
            # its answer goes to the socket as the app writes it: nothing to hold back
            future.set_exception(NoDraft("the app (--app) streams its answer to the socket"))
            return
        response = self._run_app(request, head)
        keep_alive = head.keep_alive and not self.state.stopping and not self.peer_eof
        data, keep_alive = self._serialize(response, head, keep_alive)
        parked.draft = (response, data, keep_alive)
        future.set_result(data)

    def _unparked(
        self, decision: Decision, request: Request, head: RequestHead, end: EndOfMessage
    ) -> None:
        """The view (or the clock, or the server stopping) decided: answer, then go on."""
        self.app_running = False
        parked = self._unpark()
        if self.closing or parked is None:
            return  # the client went away while held
        intercept = self.settings.intercept
        now = intercept.clock() if intercept is not None else parked.ticket.held_at
        held_for = max(now - parked.ticket.held_at, 0.0)
        note = released_note(decision, held_for, parked.draft is not None)
        try:
            self._answer_held(
                decision, parked, request, head, replace(end, notes=(*end.notes, note))
            )
        except OSError:  # the client left while held (unseen: reading was paused)
            assert self.transport is not None
            self.transport.abort()

    def _answer_held(
        self,
        decision: Decision,
        parked: Parked,
        request: Request,
        head: RequestHead,
        end: EndOfMessage,
    ) -> None:
        kind = decision.kind
        if kind is DecisionKind.STOPPED:
            self._answer(request, head, end, stopped_response(head.headers.get("accept")))
        elif kind is DecisionKind.EDITED or kind is DecisionKind.RAW:
            keep_alive = (
                kind is DecisionKind.EDITED
                and head.keep_alive
                and not self.state.stopping
                and not self.peer_eof
                and decision.response is not None
                and decision.response.version == "HTTP/1.1"
                and "close" not in decision.response.headers.tokens(b"connection")
            )
            done = perf_counter() if self.settings.tracer is not None else 0.0
            self._write_answer(
                request, head, end, decision.response, decision.data, keep_alive, done
            )
        elif parked.draft is not None:
            response, data, keep_alive = parked.draft
            done = perf_counter() if self.settings.tracer is not None else 0.0
            self._write_answer(request, head, end, response, data, keep_alive, done)
        elif getattr(self.settings.app, "streaming", False):
            self._begin_stream(request, head, end)
            if self.app_running:
                return  # stream_done goes on when the app's answer is complete
        else:
            self._answer(request, head, end, self._run_app(request, head))
        self._go_on()

    def _answer_before_app(self, head: RequestHead) -> Response | None:
        """What the server answers itself, before any app: CONNECT, a misdirected request."""
        settings = self.settings
        if head.method == "CONNECT":
            return self._connect_not_implemented(head)
        if settings.server_name is not None:
            detail = misdirected_detail(head, settings.server_name, self.state.port)
            if detail is not None:
                return problem_response(
                    421, detail, rfc_ref="RFC 9110 §15.5.20", accept=head.headers.get("accept")
                )
        return None

    def _run_app(self, request: Request, head: RequestHead) -> Response:
        settings = self.settings
        if head.method == "CONNECT" or settings.server_name is not None:
            early = self._answer_before_app(head)
            if early is not None:
                return early
        try:
            response = settings.app(request)
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
        self,
        response: Response,
        head: RequestHead | None,
        keep_alive: bool,
        *,
        head_only: bool = False,
    ) -> tuple[bytes, bool]:
        """Add Date, Server and Connection, then the whole response as one buffer (or only
        its head, for a streamed body). The server owns a response once the app returned it."""
        headers = response.headers
        state = self.state
        date = state.dates.field()
        key: AnswerKey | None = None
        if keep_alive and head is not None and head.version == "HTTP/1.1" and not head_only:
            # the usual answer, to which the server adds only Date and Server: made before
            # in this second (see answer_heads)
            key = (
                response.status,
                response.reason,
                response.version,
                head.method,
                len(response.body),
                *headers,
            )
            made = state.answer_heads.find(key, date)
            if made is not None:
                headers.append(date)
                headers.append(state.server_field)
                lines, with_body = made
                return (lines + response.body if with_body else lines), keep_alive
        names: Set[bytes] = NO_NAMES  # of the fields below that the app set: usually none
        for line in headers:
            if line.lower_name in SERVER_CHECKED:
                names = {line.lower_name for line in headers}
                key = None  # the server changes or checks them: made each time
                break
        if b"date" not in names:
            headers.append(date)
        if b"server" not in names:
            headers.append(state.server_field)
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
            if head_only:  # a streamed body: the stream has set its framing fields
                return serialize_response_head(response, method, add_length=False), keep_alive
            data = serialize_response(response, method)
        except Exception as error:  # e.g. the app put CR/LF in a header value
            # one line that says what was wrong (the app's mistake, not the server's: no
            # traceback of the server's insides)
            logger.error(
                "connection #%d: the app's response cannot be sent (%s: %s); a 500 instead",
                self.id,
                type(error).__name__,
                error,
            )
            if head_only:
                raise  # the stream answers 500 itself: no body may follow this
            fallback = self._internal_error(head)
            fallback.headers.append(self.state.dates.field())
            fallback.headers.append(self.state.server_field)
            if not keep_alive:
                fallback.headers.add(b"Connection", b"close")
            # the response becomes what is sent, so the access log and the trace say 500
            response.status, response.reason = fallback.status, fallback.reason
            response.headers, response.body = fallback.headers, fallback.body
            response.version, response.trailers = fallback.version, fallback.trailers
            return serialize_response(fallback, method), keep_alive
        if key is not None:
            # the head is what comes before the body (none for HEAD, 1xx, 204, 304)
            with_body = not body_forbidden(response.status, method)
            lines = data[: len(data) - len(response.body)] if with_body else data
            state.answer_heads.keep(key, date, lines, with_body)
        return data, keep_alive

    def _reject(self, error: ProtocolError, headers: tuple[tuple[str, str], ...] = ()) -> None:
        """A request we cannot (or will not) read: answer with the error's status, close."""
        assert self.transport is not None
        self.number += 1
        exchange = self.exchange
        head = exchange.head if exchange is not None else None
        if head is not None:
            accept = head.headers.get("accept")
        else:
            accept = accept_from_raw(self.parser.pending_raw)
        response = problem_response(
            error.status, error.detail, rfc_ref=error.rfc_ref, accept=accept, headers=headers
        )
        data, _ = self._serialize(response, head, keep_alive=False)
        self._send(data)
        settings = self.settings
        if settings.access_log is not None or settings.tracer is not None:
            raw = self.parser.pending_raw if settings.tracer is not None else b""
            request = head.to_request(exchange.body()) if exchange and head else None
            self._record(request, head, raw, response, data, error.one_line(), 0.0, None)
        kind: ConnectionEventKind = "refused" if error.status == 503 else "protocol-error"
        self._publish_event(kind, error.one_line())
        self._close()

    def _refuse(self) -> None:
        """Over the connection cap (or stopping): 503 and close, without reading a request."""
        assert self.transport is not None
        response = problem_response(
            503,
            f"the server is at its limit of {self.state.connection_cap} connections; retry",
            rfc_ref="RFC 9110 §15.6.4",
            headers=[("Retry-After", "1")],
        )
        data, _ = self._serialize(response, None, keep_alive=False)
        self.transport.write(data)
        self._publish_event("refused", "too many connections")
        # a refused socket is held only briefly: a flood of them must not use up descriptors
        self._close(linger=STOP_LINGER_TIMEOUT)

    # writing ------------------------------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        """Write `data` at the end of this turn of the loop, with the other connections'
        answers (see `outbox`); a second write in the same turn sends both at once."""
        assert self.transport is not None
        outbox = self.state.outbox
        if self.outgoing is not None:
            data = self.outgoing + data
            self.outgoing = None
            self.transport.write(data)
        elif outbox is None or self.state.active < 2:  # no loop (unit tests), or no other
            self.transport.write(data)  # client to write with: at once
        else:
            self.outgoing = data
            outbox.add(self)

    def flush(self) -> None:
        """Write the answer waiting for the end of the turn, if any (the outbox calls this)."""
        data, self.outgoing = self.outgoing, None
        if data is not None and self.phase is not _CLOSED and self.transport is not None:
            self.transport.write(data)

    # the memory budget ----------------------------------------------------------------------
    def _hold(self, size: int) -> None:
        self.held += size
        self.state.held_bytes += size

    def _release_to(self, size: int) -> None:
        self.state.held_bytes -= self.held - size
        self.held = size

    def _over_budget(self, more: int) -> bool:
        """Holding `more` bytes would take the server past its memory budget; a small request
        may still use the reserve above it (so a fresh client is answered while big requests
        fill the budget), and nothing goes past budget + reserve."""
        budget = self.settings.memory_budget
        if self.held + more <= SMALL_REQUEST:
            budget += budget // SMALL_RESERVE_SHARE
        return self.state.held_bytes + more > budget

    def _shed(self) -> None:
        """503 for a request that does not fit in the memory budget; the client may retry."""
        budget = self.settings.memory_budget
        detail = (
            f"the server holds {self.state.held_bytes / MIB:.1f} MiB of requests in progress, "
            f"its budget is {budget / MIB:.0f} MiB; retry in a moment"
        )
        self._reject(ProtocolError(503, detail, "RFC 9110 §15.6.4"), (("Retry-After", "1"),))

    # deadlines and closing ------------------------------------------------------------------
    def _arm_read_deadline(self) -> None:
        exchange = self.exchange
        if exchange is not None:
            # a body may pause for idle_timeout at most, and after its first idle_timeout it
            # must average MIN_BODY_RATE: a byte now and then does not keep it alive
            idle = self.settings.idle_timeout
            stall = self.clock() + idle
            slow = exchange.started + idle + exchange.body_received / MIN_BODY_RATE
            self.deadline = min(stall, slow)
        elif not self.parser.idle and self.phase is not Phase.HEAD:
            # the head clock starts at a request's first byte and is never extended
            self.phase = Phase.HEAD
            self.deadline = self.clock() + self.settings.header_timeout

    def on_deadline(self) -> None:
        """Called by the sweeper once `deadline` has passed."""
        self.deadline = 0.0
        assert self.transport is not None
        if self.app_running and not self.writes_blocked:
            return  # an off-loop app is working: it has no deadline
        if self.phase is Phase.CLOSING or self.writes_blocked:
            self.transport.abort()  # draining is over, or the client stopped reading
            return
        self.ended_by = "timeout"
        if self.phase is Phase.HEAD:
            detail = f"waited {self.settings.header_timeout:g}s for the request head"
        elif self.phase is Phase.BODY:
            detail = (
                f"the request body stalled for {self.settings.idle_timeout:g}s or arrived "
                f"slower than {MIN_BODY_RATE} bytes/s"
            )
        else:  # IDLE: a keep-alive connection nobody uses
            self.phase = Phase.CLOSING
            self._release_to(0)
            self.flush()
            self.transport.close()
            return
        self._reject(ProtocolError(408, detail, "RFC 9110 §15.5.9"))

    def stop(self) -> None:
        """The server is stopping: close now if between requests, else after this response."""
        if self.transport is None:
            return
        if self.parked is not None:  # held by the trace view: 503 now, not after the hold
            intercept = self.settings.intercept
            assert intercept is not None
            intercept.release(self.parked.ticket.key, Decision(DecisionKind.STOPPED))
            return
        if self.phase is Phase.CLOSING:
            self.deadline = min(self.deadline, self.clock() + STOP_LINGER_TIMEOUT)
            return
        if self.phase is Phase.IDLE and self.parser.idle:
            self.phase = Phase.CLOSING
            self.deadline = self.clock() + STOP_LINGER_TIMEOUT
            self.flush()  # the last answer, if it is waiting for the end of the turn
            self.transport.close()

    def abort(self) -> None:
        """Drop the connection at once (the server gave up waiting for it)."""
        if self.transport is not None:
            self.transport.abort()
        else:  # built by the factory, never connected
            self.state.connections.discard(self)

    def _close(self, linger: float = LINGER_TIMEOUT) -> None:
        if self.closing:
            return
        self.phase = Phase.CLOSING
        self.exchange = None
        self._release_to(0)
        self.flush()  # the last answer goes before the FIN
        transport = self.transport
        assert transport is not None
        if self.peer_eof or not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()  # FIN once the response is flushed; keep draining input
        transport.resume_reading()
        if self.state.stopping:
            linger = STOP_LINGER_TIMEOUT
        self.deadline = self.clock() + min(linger, self.settings.idle_timeout)

    # trace and access log -----------------------------------------------------------------------
    def _record(
        self,
        request: Request | None,
        head: RequestHead | None,
        raw_request: bytes,
        response: Response | None,
        data: bytes,
        error: str | None,
        handler_done: float,
        end: EndOfMessage | None,
        *,
        sent: int | None = None,
        omitted: int = 0,
        notes_from_stream: list[Note] | None = None,
    ) -> None:
        settings = self.settings
        done = perf_counter()
        first_byte = self.first_byte or done
        self.first_byte = 0.0
        if settings.access_log is not None:
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
                response.status if response is not None else 0,
                len(data) if sent is None else sent,
                (done - first_byte) * 1000.0,
            )
            try:
                settings.access_log(entry)
            except Exception:
                logger.exception("the access log hook failed")
        tracer = settings.tracer
        if tracer is not None:
            # (this runs per exchange while traced: the head's notes as they are, a new
            # sequence only when some are added)
            exchange = self.exchange
            notes: Sequence[Note] = head.notes if head is not None else ()
            pipelined = head is not None and exchange is not None and exchange.pipelined
            if pipelined or (end is not None and end.notes) or notes_from_stream:
                notes = [
                    *notes,
                    *((PIPELINED,) if pipelined else ()),
                    *(end.notes if end is not None else ()),
                    *(notes_from_stream or ()),
                ]
            # one pass, compact at once when it can be
            handed = self.trace_entry(
                self.id,
                self.number,
                time.time() - (done - first_byte),  # started_at
                self.peer,
                raw_request,
                data,
                request,
                head,
                response,
                error,
                # the Timings
                (
                    first_byte,
                    exchange.head_parsed if exchange is not None else 0.0,
                    handler_done,
                    done,
                ),
                notes,
                self.state.record_source,
                (0, omitted) if omitted else NOTHING_OMITTED,
            )
            try:
                tracer.publish(handed)  # type: ignore[arg-type]  # a tuple only to a bus
            except Exception:  # a broken subscriber must not take the server down
                logger.exception("the tracer failed")

    def _publish_event(self, kind: ConnectionEventKind, detail: str = "") -> None:
        if self.settings.tracer is not None:
            self._publish(ConnectionEvent(self.id, kind, time.time(), self.peer, detail))

    def _publish(self, item: ExchangeRecord | ConnectionEvent) -> None:
        tracer = self.settings.tracer
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
