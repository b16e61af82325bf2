"""Replay a transcript against a server and check what came back.

Each `== connection` is one TCP connection. Its requests go one at a time (send, read the whole
response, then the next), or all in one write when the connection is `pipelined`. Responses are
read with the same parser as everywhere else, told each request's method (HEAD has no body).
Nothing here raises for a server's behaviour: every failure becomes a line in a result.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import NEED_DATA, PAUSED, Data, EndOfMessage, ResponseHead
from httplab.protocol.parser import ResponseParser
from httplab.trace.transcript import Expectation, Transcript, TranscriptConnection
from httplab.trace.wire_text import escape_wire, first_words

READ_SIZE = 65536
SHOW_LIMIT = 120


@dataclass
class ExchangeResult:
    connection: int  # 1-based, as in the file
    number: int  # 1-based within the connection
    label: str
    failures: list[str] = field(default_factory=list)
    status: int | None = None
    response: bytes = b""  # every byte received for this exchange (interim responses too)

    @property
    def ok(self) -> bool:
        return not self.failures

    def one_line(self) -> str:
        where = f"{self.connection}.{self.number} {self.label}"
        if self.ok:
            return f"ok   {where} → {self.status}"
        return f"FAIL {where}: " + "; ".join(self.failures)


@dataclass
class _Response:
    head: ResponseHead | None = None
    body: bytes = b""
    raw: bytes = b""
    error: str | None = None


def _method_of(request: bytes) -> str:
    return escape_wire(first_words(request)[0]) or "GET"


def _shown(data: bytes) -> str:
    text = escape_wire(data[:SHOW_LIMIT])
    return text + ("…" if len(data) > SHOW_LIMIT else "")


class _Reader:
    """Reads whole responses from one socket, in order, through one ResponseParser."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.parser = ResponseParser()
        self.eof = False

    def _recv(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        data = self.sock.recv(READ_SIZE)
        self.eof = not data
        self.parser.feed(data)

    def read(self, method: str) -> _Response:
        self.parser.expect(method)
        response = _Response()
        raw = b""
        try:
            while True:
                event = self.parser.next_event()
                if event is NEED_DATA:
                    if self.eof:
                        response.error = "connection closed before a whole response"
                        break
                    self._recv()
                elif isinstance(event, ResponseHead):
                    if event.informational:
                        raw += event.raw
                    else:
                        response.head = event
                elif isinstance(event, Data):
                    response.body += event.data
                elif isinstance(event, EndOfMessage):
                    raw += event.raw
                    self.parser.start_next()
                    break
                elif event is PAUSED:  # not reached: start_next follows every EndOfMessage
                    self.parser.start_next()
        except ProtocolError as error:
            response.error = f"bad response: {error.one_line()}"
        except TimeoutError:
            response.error = "timed out waiting for the response"
        except OSError as error:
            response.error = f"connection error: {error}"
        response.raw = raw or self.parser.pending_raw
        return response

    def closes(self) -> bool:
        """True when the server closes the connection (EOF) with nothing more sent."""
        if self.parser.buffered:
            return False
        try:
            while not self.eof:
                self._recv()
                if self.parser.buffered:
                    return False
        except (TimeoutError, OSError):
            return self.eof
        return True


def check(expect: Expectation, response: _Response) -> list[str]:
    """The expectations `response` does not meet, one line each."""
    if response.error:
        return [response.error]
    head = response.head
    assert head is not None
    failures = []
    if expect.status is not None and head.status != expect.status:
        failures.append(f"status: expected {expect.status}, got {head.status}")
    for name, value in expect.headers:
        got = head.headers.get_all(name)
        if value is None and not got:
            failures.append(f"header {name}: expected it, it is missing")
        elif value is not None and value not in [v.strip() for v in got]:
            failures.append(f"header {name}: expected {value!r}, got {got or 'nothing'}")
    for name in expect.absent_headers:
        if name in head.headers:
            failures.append(f"header {name}: expected none, got {head.headers.get_all(name)}")
    if expect.body is not None and response.body != expect.body:
        failures.append(f"body: expected '{_shown(expect.body)}', got '{_shown(response.body)}'")
    for piece in expect.body_contains:
        if piece not in response.body:
            failures.append(f"body: '{_shown(piece)}' not found in '{_shown(response.body)}'")
    return failures


def _replay_connection(
    number: int,
    connection: TranscriptConnection,
    host: str,
    port: int,
    timeout: float,
    report: Callable[[ExchangeResult], None],
) -> None:
    results = [
        ExchangeResult(number, i, exchange.label)
        for i, exchange in enumerate(connection.exchanges, 1)
    ]
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as error:
        for result in results:
            result.failures.append(f"cannot connect to {host}:{port}: {error}")
            report(result)
        return
    with sock:
        reader = _Reader(sock, time.monotonic() + timeout * max(1, len(results)))
        if connection.pipelined:
            sock.sendall(b"".join(e.request for e in connection.exchanges))
        for exchange, result in zip(connection.exchanges, results, strict=True):
            if not connection.pipelined:
                try:
                    sock.sendall(exchange.request)
                except OSError as error:
                    result.failures.append(f"could not send: {error}")
                    report(result)
                    continue
            response = reader.read(_method_of(exchange.request))
            result.response = response.raw
            result.status = response.head.status if response.head else None
            result.failures += check(exchange.expect, response)
            if exchange.expect.close and not response.error and not reader.closes():
                result.failures.append("expected the server to close the connection; it did not")
            report(result)


def replay_transcript(
    transcript: Transcript,
    host: str,
    port: int,
    *,
    timeout: float = 5.0,
    progress: Callable[[ExchangeResult, int, int], None] | None = None,
) -> list[ExchangeResult]:
    """Send every connection of `transcript` in turn; `progress(result, done, total)` after each."""
    total = len(transcript.exchanges())
    results: list[ExchangeResult] = []

    def report(result: ExchangeResult) -> None:
        results.append(result)
        if progress is not None:
            progress(result, len(results), total)

    for number, connection in enumerate(transcript.connections, 1):
        _replay_connection(number, connection, host, port, timeout, report)
    return results
