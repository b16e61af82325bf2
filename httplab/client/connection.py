"""A client connection: write the bytes, read the answers through the core's response parser.

One `send(data)` writes `data` in one go and reads one response per request in it. The request
bytes are themselves read by the core's `RequestParser`, which tells how many requests there
are (several when a learner pipelines them) and which method each has (a response to HEAD has no
body). Bytes that do not form a whole request (a malformed one, or one that promises more body)
get one more response read for them: the server may answer 400, or wait, which ends in a
timeout with a hint.

Errors are one type, `ClientError`, with a `kind` the CLI maps to its message and exit status:

    ClientError ── kind: "refused" | "unknown-host" | "timeout" | "connect" | "closed"
                         | "bad-response" | "reset"

Connecting fails as a raised `ClientError` (nothing was sent); a failure while reading is kept
on the `ClientExchange` (`error`, `error_kind`) next to the bytes that did come back.

Bytes a server sends after the last complete response of a send (a body on a 204/304 or after
a HEAD, more bytes than Content-Length said) are not part of any response (RFC 9110 §6.4.1,
RFC 9112 §6.3). They are kept on the exchange as `extra`, read from what was already buffered
or is already waiting on the socket, and the connection is closed: its framing is lost. A send
waits for such bytes (`EXTRA_GRACE`) only where waiting means something: after a response that
may carry no body (to HEAD, 204, 304), which a server often follows with a separately written
body, and after a response that closes the connection (until the server's close, which is then
immediate). Any other exchange ends as soon as its response has.

A hostile or broken server cannot make the client hold more than `max_response_bytes` for one
response, wait longer than `max_time` for a send, or pile up more than `MAX_INTERIM` interim (1xx)
responses. A `101 Switching Protocols` ends the exchange: its bytes are shown, the connection is
closed (this client speaks HTTP/1.1 only; RFC 9110 §15.2.2).
"""

from __future__ import annotations

import itertools
import re
import select
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import (
    NEED_DATA,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
    ResponseHead,
)
from httplab.protocol.headers import Headers
from httplab.protocol.notes import Note
from httplab.protocol.parser import RequestParser, ResponseParser
from httplab.trace.wire_text import escape_decoded
from httplab.trace.words import count_bytes

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_TIME = 30.0
"""Longest a send may wait for all its responses, however steadily the bytes trickle in."""
_RECV_SIZE = 65536
EXTRA_GRACE = 0.05
"""Seconds to wait for bytes after a bodiless response (HEAD, 204, 304: a server that sends a
body there often writes it separately), or for the server's close after a closing response."""
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""Most bytes read for one response (head, framing, body and any interim responses)."""
MAX_INTERIM = 32
"""Most interim (1xx) responses accepted before the final one (RFC 9110 §15.2)."""
PAUSE_SECONDS = 0.15
"""How long `send(..., pauses=...)` waits between the parts of its data (less when the server
answers or closes meanwhile)."""
EXTRA_LIMIT = 65536
"""Most bytes after a response kept for showing; reading stops there and the connection closes."""
EXTRA_NOTE = "bytes after the response — not part of it (RFC 9110 §6.4.1 / RFC 9112 §6.3)"
_FIRST_WORD = re.compile(rb"\s*([!-~]+)")


ErrorKind = Literal[
    "refused",
    "unknown-host",
    "timeout",
    "connect",
    "closed",
    "bad-response",
    "reset",
    "too-large",
    "empty",
]

CloseKind = Literal[
    "idle",  # the server closed the connection while it was idle
    "at-accept",  # … as soon as it accepted it, before any request
    "asked",  # the response said Connection: close
    "body-by-close",  # the body was delimited by the close
    "no-keep-alive",  # an HTTP/1.0 response without keep-alive
    "server-closed",  # EOF from the server
    "unannounced",  # EOF after a response that did not announce it
]
"""The common reasons a connection closed, by kind: the REPL says them in a lesson's language
(`closed_reason` is the English; the rarer reasons have no kind and are said in it)."""


class ClientError(Exception):
    """A network or response failure, told in one line; `kind` names which. The message is
    ready for a terminal (a host name typed by the user is in it escaped once)."""

    def __init__(self, kind: ErrorKind, message: str, ru: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.ru = ru or message  # the message in Russian (a lesson in Russian says it so)


@dataclass(slots=True)
class ClientTimings:
    """Milliseconds since `send()` started; None when the phase did not happen."""

    connect_ms: float | None = None  # None: the connection was reused
    written_ms: float | None = None
    first_byte_ms: float | None = None
    last_byte_ms: float | None = None


@dataclass(slots=True)
class ClientResponse:
    """One response as parsed: interim (1xx) or final."""

    head: ResponseHead
    body: bytes = b""
    trailers: Headers = field(default_factory=Headers)
    raw: bytes = b""  # the bytes of this response as received
    notes: tuple[Note, ...] = ()  # what the parser tolerated in it (bare LF, obs-fold …)


@dataclass(slots=True)
class ClientExchange:
    """One request and what came back for it."""

    request_bytes: bytes
    method: str
    responses: list[ClientResponse] = field(default_factory=list)
    timings: ClientTimings = field(default_factory=ClientTimings)
    error: str | None = None
    error_kind: ErrorKind | None = None
    error_ru: str | None = None  # `error` in Russian, for a lesson in Russian
    unread: bytes = b""  # bytes of a response that could not be parsed or was cut short
    request_head: RequestHead | None = None  # None when the request bytes did not parse
    extra: bytes = b""  # bytes after the response, not part of it (see EXTRA_NOTE)
    answered_early: int | None = None  # a paused send: bytes written when the server answered

    @property
    def response_bytes(self) -> bytes:
        """Every byte that came back for this request, as received (extra bytes included)."""
        return b"".join(r.raw for r in self.responses) + self.unread + self.extra

    @property
    def final(self) -> ClientResponse | None:
        """The final (non-1xx) response, if one was read."""
        for response in reversed(self.responses):
            if not is_interim(response.head):
                return response
        return None

    @property
    def status(self) -> int:
        final = self.final
        return final.head.status if final else 0


def is_interim(head: ResponseHead) -> bool:
    """An interim response, followed by another for the same request: 1xx except 101, which
    is the last HTTP/1.1 response on its connection (RFC 9110 §15.2)."""
    return head.informational and head.status != 101


@dataclass(frozen=True, slots=True)
class RequestPiece:
    """One request found in the bytes of a send (or the leftover that is not a whole one)."""

    raw: bytes
    method: str
    head: RequestHead | None
    complete: bool


def split_requests(data: bytes) -> list[RequestPiece]:
    """The requests in `data`, in order; bytes after the last whole request become one piece."""
    parser = RequestParser()
    parser.feed(data)
    parser.feed(b"")
    pieces: list[RequestPiece] = []
    consumed = 0
    head: RequestHead | None = None
    while True:
        try:
            event = parser.next_event()
        except ProtocolError:
            break
        if isinstance(event, RequestHead):
            head = event
        elif isinstance(event, EndOfMessage):
            method = head.method if head else "GET"
            pieces.append(RequestPiece(event.raw, method, head, True))
            consumed += len(event.raw)
            head = None
            parser.start_next()
        elif not isinstance(event, Data):
            break
    rest = data[consumed:]
    if rest.strip(b"\r\n"):
        match = _FIRST_WORD.match(rest)
        method = match.group(1).decode("latin-1") if match else "GET"
        pieces.append(RequestPiece(rest, method, head, False))
    elif rest and pieces:  # trailing empty lines belong to the last request as sent
        last = pieces[-1]
        pieces[-1] = RequestPiece(last.raw + rest, last.method, last.head, True)
    return pieces


class ClientConnection:
    """A keep-alive connection to one server; reconnects when the server has closed it."""

    def __init__(
        self,
        host: str,
        port: int,
        timeout: float = DEFAULT_TIMEOUT,
        max_time: float = DEFAULT_MAX_TIME,
        max_response_bytes: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout  # connecting, and between two received chunks
        self.max_time = max_time  # the whole send: a server trickling a byte at a time ends too
        self.max_response_bytes = max_response_bytes or MAX_RESPONSE_BYTES
        self.close_grace = EXTRA_GRACE  # how long to wait for the close a response announced
        self.server_closed = False  # the server closed its side (EOF seen) on this connection
        self._deadline = 0.0
        self._received = 0  # bytes read for the response being read
        self._sock: socket.socket | None = None
        self._parser = ResponseParser()
        self.closed = False  # True once the server closed the connection (or we did after it)
        self.closed_reason = ""
        self.closed_reason_ru = ""
        self.closed_kind: CloseKind | None = None  # the common reasons by kind (a lesson's words)
        self.reopened = False  # the last send found the kept-alive connection closed by the server
        self._closed_while_idle = False
        self._sent_any = False  # bytes were written on the current connection
        self.stray = b""  # bytes the server sent on the idle connection (then closed)
        self._pauses: list[int] = []
        self.answered_early: int | None = None  # after how many bytes, on a paused send

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def connected(self) -> bool:
        return self._sock is not None

    # connecting ---------------------------------------------------------------------------
    def connect(self) -> float:
        """Open the connection; returns how long it took in ms. Raises ClientError."""
        self.close()
        started = time.perf_counter()
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            host = escape_decoded(self.host)
            raise ClientError(
                "unknown-host",
                f"unknown host '{host}': {_why(exc)}",
                f"неизвестный сервер '{host}': {_why(exc)}",
            ) from exc
        last: Exception | None = None
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.settimeout(self.timeout)
            try:
                sock.connect(address)
            except OSError as exc:
                sock.close()
                last = exc
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._sent_any = False
            self._parser = ResponseParser()
            self.server_closed = False
            self.closed = False
            self.closed_reason = ""
            self.closed_kind = None
            return (time.perf_counter() - started) * 1000.0
        raise self._connect_error(last)

    def _connect_error(self, exc: Exception | None) -> ClientError:
        where = self.address
        if isinstance(exc, ConnectionRefusedError):
            return ClientError(
                "refused",
                f"connection refused by {where} — is `httplab serve` running?",
                f"{where} отказал в соединении — запущен ли сервер?",
            )
        if isinstance(exc, TimeoutError):
            return ClientError(
                "timeout",
                f"timed out after {self.timeout:g} s connecting to {where}",
                f"за {self.timeout:g} с не удалось подключиться к {where}",
            )
        return ClientError(
            "connect",
            f"cannot connect to {where}: {_why(exc)}",
            f"не удаётся подключиться к {where}: {_why(exc)}",
        )

    def close(self) -> None:
        self._closed_while_idle = False
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> ClientConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # sending ------------------------------------------------------------------------------
    def send(
        self,
        data: bytes,
        on_sent: Callable[[bytes], None] | None = None,
        *,
        pieces: list[RequestPiece] | None = None,
        reconnect: bool = True,
        pauses: Sequence[int] = (),
    ) -> list[ClientExchange]:
        """Write `data`, read a response for each request in it; see the module docstring.

        `on_sent(data)` is called once the bytes are written (to show them while waiting).
        `pieces` says where the requests are when the caller knows (replay); by default
        `split_requests(data)` finds them. With `reconnect=False` a connection the server has
        closed is not opened again (replay: one transcript connection is one TCP connection).
        `pauses` are offsets in `data` where the writing stops for PAUSE_SECONDS (a lesson check
        shows a server that one recv() is not one request); a server that answers and closes
        during a pause gets no more bytes, and its answer is read.
        Raises ClientError only when no connection could be made or the bytes not written.
        """
        if not data:
            raise ClientError("empty", "nothing to send")
        if pieces is None:
            pieces = split_requests(data)
        reused = self.still_open()
        if not reconnect and not reused and self.closed:
            raise ClientError("closed", f"not sent: {self.closed_reason}")
        self.reopened = self._closed_while_idle
        self._pauses = [p for p in pauses if 0 < p < len(data)]
        self.answered_early = None
        exchanges = self._send_once(data, pieces, reused, on_sent)
        if reconnect and reused and _closed_before_answer(exchanges):
            # A keep-alive connection the server had already closed (its idle timeout): the
            # request never reached an application, so sending it again is safe.
            self.reopened = True
            exchanges = self._send_once(data, pieces, False, None)
        return exchanges

    def still_open(self) -> bool:
        """Is the connection still open? A readable idle socket means the server closed it
        (or sent junk); then it is closed here too, with `closed_reason` saying so."""
        if self._sock is None:
            return False
        readable, _, _ = select.select([self._sock], [], [], 0)
        if readable:
            stray = self._read_available(0.0)
            if stray:
                self.stray = stray
                self._mark_closed(
                    f"the server sent {len(stray)} bytes on the idle connection, after its "
                    "last response and not part of it (RFC 9112 §6.3)"
                )
            elif not self._sent_any:
                self._mark_closed(
                    "the server closed the connection as soon as it accepted it, before any "
                    "request",
                    "at-accept",
                )
            else:
                self._mark_closed("the server closed the idle connection", "idle")
            self._closed_while_idle = True
            return False
        return True

    def wait_for_close(self) -> bool:
        """Wait (up to `timeout`) for the server to close the connection; False when it sends
        bytes instead or keeps it open. The connection is closed here either way."""
        if self._sock is None:
            return self.server_closed
        stray = self._read_available(self.timeout, until_eof=True)
        if stray:
            self.stray = stray
            self._mark_closed(f"the server sent {len(stray)} bytes instead of closing")
            return False
        if not self.server_closed:
            self._mark_closed("closed by the client: the server kept the connection open")
        return self.server_closed

    def _send_once(
        self,
        data: bytes,
        pieces: list[RequestPiece],
        reused: bool,
        on_sent: Callable[[bytes], None] | None,
    ) -> list[ClientExchange]:
        started = time.perf_counter()
        self._deadline = started + self.max_time
        connect_ms = None if reused else self.connect()
        sock = self._sock
        assert sock is not None
        try:
            self._write(sock, data)
        except OSError as exc:
            self._mark_closed(f"writing failed: {_why(exc)}")
            if reused:
                return [ClientExchange(p.raw, p.method, error_kind="closed") for p in pieces]
            raise ClientError("closed", f"could not send to {self.address}: {_why(exc)}") from exc
        self._sent_any = True
        written_ms = _since(started)
        if on_sent is not None:
            on_sent(data)
        exchanges: list[ClientExchange] = []
        for piece in pieces:
            exchange = ClientExchange(piece.raw, piece.method, request_head=piece.head)
            exchange.answered_early = self.answered_early
            exchange.timings.connect_ms = connect_ms if not exchanges else None
            exchange.timings.written_ms = written_ms
            exchanges.append(exchange)
            if self._sock is None:
                exchange.error_kind = "closed"
                exchange.error = "not answered: the connection was already closed"
                exchange.error_ru = "без ответа: соединение уже было закрыто"
                continue
            self._read_exchange(exchange, started, piece.complete)
            if exchange.error is not None:
                for rest in pieces[len(exchanges) :]:
                    exchanges.append(
                        ClientExchange(
                            rest.raw,
                            rest.method,
                            request_head=rest.head,
                            error="not read: an earlier response failed",
                            error_kind=exchange.error_kind,
                            error_ru="не прочитан: предыдущий ответ не удался",
                        )
                    )
                break
        last = exchanges[-1] if exchanges else None
        if last is not None and last.error is None and self._sock is not None:
            self._collect_extra(last, EXTRA_GRACE if _may_be_followed(last) else 0.0)
        return exchanges

    def _write(self, sock: socket.socket, data: bytes) -> None:
        cuts = [0, *self._pauses, len(data)]
        for number, (start, end) in enumerate(itertools.pairwise(cuts)):
            if number == 0:
                sock.sendall(data[start:end])
                continue
            # the pause ends early when the server answers (or closes) meanwhile: that is
            # what the pause is there to see, and a slow-to-schedule server is still seen
            readable, _, _ = select.select([sock], [], [], PAUSE_SECONDS)
            if readable and self.answered_early is None:
                self.answered_early = start  # it answered (or closed) before the whole request
            try:
                sock.sendall(data[start:end])
            except OSError:
                return  # the server answered what it had and closed: read that answer

    # reading ------------------------------------------------------------------------------
    def _read_exchange(self, exchange: ClientExchange, started: float, complete: bool) -> None:
        parser = self._parser
        parser.expect(exchange.method)
        self._received = parser.buffered
        current: ResponseHead | None = None
        body = bytearray()
        try:
            while True:
                event = parser.next_event()
                if event is NEED_DATA:
                    self._receive(exchange, started)
                    continue
                if exchange.timings.first_byte_ms is None:
                    exchange.timings.first_byte_ms = _since(started)
                if isinstance(event, ResponseHead):
                    if not is_interim(event):
                        current = event
                    elif len(exchange.responses) < MAX_INTERIM:
                        exchange.responses.append(
                            ClientResponse(event, raw=event.raw, notes=event.notes)
                        )
                    else:
                        raise _TooMany
                elif isinstance(event, Data):
                    body += event.data
                elif isinstance(event, EndOfMessage):
                    if current is None:  # not reached: the parser ends only a final response
                        raise _TooMany
                    exchange.responses.append(
                        ClientResponse(current, bytes(body), event.trailers, event.raw, event.notes)
                    )
                    exchange.timings.last_byte_ms = _since(started)
                    parser.start_next()
                    if current.status == 101:
                        self._switched(exchange)
                    elif not current.keep_alive:
                        self._collect_extra(exchange, self.close_grace)
                        if not exchange.extra:
                            self._mark_closed(*_why_not_kept_alive(current))
                    return
                elif isinstance(event, ConnectionClosed):
                    method = exchange.method
                    self._fail(
                        exchange,
                        "closed",
                        f"the server closed the connection without answering {method}",
                        f"сервер закрыл соединение, не ответив на {method}",
                    )
                    return
        except ProtocolError as exc:
            exchange.unread = parser.pending_raw
            where = f" ({exc.rfc_ref})" if exc.rfc_ref else ""
            self._fail(
                exchange,
                "bad-response",
                f"unparseable response: {exc.detail}{where}",
                f"ответ не разобрать: {exc.detail}{where}",
            )
        except _TooMany:
            exchange.unread = b""  # the interim responses kept show what came
            message = f"more than {MAX_INTERIM} interim (1xx) responses (RFC 9110 §15.2)"
            ru = f"больше {MAX_INTERIM} промежуточных (1xx) ответов (RFC 9110 §15.2)"
            self._fail(exchange, "bad-response", message, ru)
        except _TooLarge:
            exchange.unread = parser.pending_raw[:EXTRA_LIMIT]
            message = (
                f"the response exceeds {self.max_response_bytes} bytes "
                "(the client's limit for one response)"
            )
            limit = count_bytes(self.max_response_bytes, "ru")
            ru = f"ответ больше {limit} (предел клиента на один ответ)"
            self._fail(exchange, "too-large", message, ru)
        except _DeadlineExceeded:
            exchange.unread = parser.pending_raw
            message = f"gave up after {self.max_time:g} s (the time limit for a whole response)"
            ru = f"прекращено через {self.max_time:g} с (предел времени на весь ответ)"
            self._fail(exchange, "timeout", message, ru)
        except TimeoutError:
            exchange.unread = parser.pending_raw
            self._fail(exchange, "timeout", *self._timeout_message(exchange, complete))
        except ConnectionResetError:
            exchange.unread = parser.pending_raw
            address = self.address
            message = f"the connection was reset by {address}"
            self._fail(exchange, "reset", message, f"{address} сбросил соединение")

    def _receive(self, exchange: ClientExchange, started: float) -> None:
        sock = self._sock
        assert sock is not None
        left = self._deadline - time.perf_counter()
        if left <= 0:
            raise _DeadlineExceeded
        sock.settimeout(min(self.timeout, left))
        try:
            data = sock.recv(_RECV_SIZE)
        except TimeoutError:
            if left < self.timeout:
                raise _DeadlineExceeded from None
            raise
        except ConnectionResetError:
            data = b""
            if self._parser.idle:
                raise
        if data and exchange.timings.first_byte_ms is None:
            exchange.timings.first_byte_ms = _since(started)
        if not data:
            self.server_closed = True
            self._mark_closed(_CLOSED_BY_SERVER, "server-closed")
        self._received += len(data)
        if self._received > self.max_response_bytes:
            raise _TooLarge
        self._parser.feed(data)

    def _switched(self, exchange: ClientExchange) -> None:
        """After a 101 the connection speaks another protocol: keep what already came (shown
        as bytes after the response) and close it."""
        exchange.extra = self._parser.pending_raw[:EXTRA_LIMIT]
        self._mark_closed(
            "the server switched protocols (101); this client speaks HTTP/1.1 only, so it "
            "closed the connection (RFC 9110 §15.2.2)",
            ru="сервер сменил протокол (101); этот клиент говорит только на HTTP/1.1 и закрыл "
            "соединение (RFC 9110 §15.2.2)",
        )

    def _collect_extra(self, exchange: ClientExchange, grace: float = 0.0) -> None:
        """Keep the bytes after `exchange`'s response: what the parser holds, then what is
        waiting on the socket or arrives within `grace`. Any found: the connection is closed
        (the framing is lost)."""
        extra = self._parser.pending_raw + self._read_available(grace)
        if not extra:
            if self.closed and self.closed_reason == _CLOSED_BY_SERVER:
                self.closed_reason = (
                    "the server closed the connection after its response without announcing "
                    "Connection: close (RFC 9112 §9.6)"
                )
                self.closed_kind = "unannounced"
            return
        exchange.extra = extra[:EXTRA_LIMIT]
        self._mark_closed(
            f"the server sent {len(extra)} bytes after the response (the framing is lost)",
            ru=f"после ответа сервер прислал ещё {count_bytes(len(extra), 'ru')} (границы "
            "сообщений потеряны)",
        )

    def _read_available(self, grace: float, until_eof: bool = False) -> bytes:
        """What arrives on the socket without waiting longer than `grace` for each piece (or,
        `until_eof`, for all of it); the connection is marked closed when the server closed
        it."""
        sock = self._sock
        data = bytearray()
        end = time.perf_counter() + grace
        while sock is not None and len(data) <= EXTRA_LIMIT:
            wait = max(0.0, end - time.perf_counter()) if until_eof else grace
            readable, _, _ = select.select([sock], [], [], wait)
            if not readable:
                break
            try:
                chunk = sock.recv(_RECV_SIZE)
            except OSError:
                chunk = b""
            if not chunk:
                self.server_closed = True
                self._mark_closed(_CLOSED_BY_SERVER, "server-closed")
                break
            data += chunk
        return bytes(data)

    def _fail(self, exchange: ClientExchange, kind: ErrorKind, message: str, ru: str) -> None:
        exchange.error_kind = kind
        exchange.error = message
        exchange.error_ru = ru
        self._mark_closed(message, ru=ru)

    def _timeout_message(self, exchange: ClientExchange, complete: bool) -> tuple[str, str]:
        """Why the wait ended, in English and Russian."""
        seconds, address = f"{self.timeout:g}", self.address
        if exchange.unread:
            return (
                f"timed out after {seconds} s in the middle of a response",
                f"ответ оборвался на середине: за {seconds} с больше ничего не пришло",
            )
        message = f"timed out after {seconds} s waiting for a response from {address}"
        ru = f"за {seconds} с не пришло ответа от {address}"
        if not complete:
            return (
                message + " (the request looks incomplete: is the server waiting for more?)",
                ru + " (запрос, похоже, неполный: не ждёт ли сервер продолжения?)",
            )
        return message, ru

    def _mark_closed(self, reason: str, kind: CloseKind | None = None, *, ru: str = "") -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self.closed = True
        self.closed_reason = reason
        self.closed_reason_ru = ru or reason  # a kind's Russian is the REPL's (its WORDS)
        self.closed_kind = kind


_CLOSED_BY_SERVER = "the server closed the connection"


class _DeadlineExceeded(TimeoutError):
    """The send's `max_time` ran out (as opposed to one wait longer than `timeout`)."""


class _TooLarge(Exception):
    """More than `max_response_bytes` arrived for one response."""


class _TooMany(Exception):
    """More than MAX_INTERIM interim responses arrived for one request."""


def _may_be_followed(exchange: ClientExchange) -> bool:
    """Is a wait for stray bytes meaningful after this exchange? Only where the response could
    carry no body: a server that wrongly sends one often writes it separately."""
    final = exchange.final
    return final is not None and final.head.framing.kind == "none" and final.head.status != 101


def _why_not_kept_alive(head: ResponseHead) -> tuple[str, CloseKind]:
    if head.framing.kind == "close":
        reason = "the body was delimited by the server closing the connection (RFC 9112 §6.3)"
        return reason, "body-by-close"
    if "close" in head.headers.tokens("connection"):
        return "the server asked to close (Connection: close)", "asked"
    return f"an {head.version} response without keep-alive (RFC 9112 §9.3)", "no-keep-alive"


def _closed_before_answer(exchanges: list[ClientExchange]) -> bool:
    first = exchanges[0] if exchanges else None
    return (
        first is not None
        and first.error_kind in ("closed", "reset")
        and not first.responses
        and not first.unread
    )


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _why(exc: BaseException | None) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) if exc else "unknown error"
