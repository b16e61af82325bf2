"""Replay a transcript against a server and check what came back.

Replay is a client like `send`: it goes through `ClientConnection`, so 1xx, HEAD, bodies
delimited by a close, timeouts, limits and bytes after a response are read one way everywhere.
Each `== connection` of the transcript is one TCP connection (never silently reopened). Its
requests go one at a time (send, read the whole response, then the next), or all in one write
when the connection is `pipelined`; a request with `~ pause` lines is written in parts.

    replay_transcript(transcript, host, port, timeout=5.0, progress=None) -> [ExchangeResult]

Nothing here raises for a server's behaviour: every failure becomes a `Mismatch` on the result,
with a kind to branch on (`connect` means nothing could be sent at all), what was expected and
what was received — a lesson check attaches its hints to these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from httplab.client.connection import (
    ClientConnection,
    ClientError,
    ClientExchange,
    ClientResponse,
    CloseKind,
    RequestPiece,
    split_requests,
)
from httplab.trace.json_pattern import match_json, parse_pattern
from httplab.trace.transcript import Expectation, Transcript, TranscriptConnection
from httplab.trace.wire_text import escape_decoded, escape_latin1, escape_wire

SHOW_LIMIT = 120
"""Most bytes of a body shown in a mismatch line."""

MismatchKind = Literal[
    "connect",  # no connection could be made: nothing was sent
    "send",  # the request could not be written (the server had closed the connection)
    "response",  # no whole response: timeout, close, unparseable, too large
    "status",
    "header",
    "no-header",
    "body",
    "body-contains",
    "media-type",
    "json",
    "header-matches",
    "body-matches",
    "close",
]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expectation not met (or no response to check): `message` is the line to show."""

    kind: MismatchKind
    message: str
    expected: str | None = None  # as written in the transcript (escaped wire text)
    received: str | None = None  # what came back, escaped the same way
    name: str | None = None  # the header field, for "header" and "no-header"
    closed: CloseKind | None = None  # "send": why the connection had closed, when a common why

    def __str__(self) -> str:
        return self.message


@dataclass
class ExchangeResult:
    """What replaying one transcript exchange gave: the request sent, the response received
    (`exchange`, None when nothing was sent) and every unmet expectation."""

    connection: int  # 1-based, as in the file
    number: int  # 1-based within the connection
    label: str
    request: bytes
    expect: Expectation
    mismatches: list[Mismatch] = field(default_factory=list)
    exchange: ClientExchange | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def failures(self) -> list[str]:
        return [m.message for m in self.mismatches]

    @property
    def connect_failed(self) -> bool:
        return any(m.kind == "connect" for m in self.mismatches)

    @property
    def final(self) -> ClientResponse | None:
        return self.exchange.final if self.exchange else None

    @property
    def status(self) -> int | None:
        final = self.final
        return final.head.status if final else None

    @property
    def response(self) -> bytes:
        """Every byte received for this exchange (interim responses and extra bytes too)."""
        return self.exchange.response_bytes if self.exchange else b""

    def one_line(self) -> str:
        where = f"{self.connection}.{self.number} {self.label}"
        if self.ok:
            return f"ok   {where} → {self.status}"
        return f"FAIL {where}: " + "; ".join(self.failures)


Progress = Callable[[ExchangeResult, int, int], None]


def _shown(data: bytes) -> str:
    text = escape_wire(data[:SHOW_LIMIT])
    return text + ("…" if len(data) > SHOW_LIMIT else "")


def check(expect: Expectation, response: ClientResponse) -> list[Mismatch]:
    """The expectations a final `response` does not meet (`close` is checked by the caller)."""
    head = response.head
    found: list[Mismatch] = []
    if expect.status is not None and head.status != expect.status:
        found.append(
            Mismatch(
                "status",
                f"status: expected {expect.status}, got {head.status}",
                str(expect.status),
                str(head.status),
            )
        )
    for name, value in expect.headers:
        got = head.headers.get_all(name)
        if value is None and not got:
            message = f"header {name}: expected it, it is missing"
            found.append(Mismatch("header", message, None, None, name))
        elif value is not None and value not in [_trim_ows(v) for v in got]:
            message = f"header {name}: expected {value!r}, got {_values(got) or 'nothing'}"
            received = ", ".join(map(escape_latin1, got)) or None
            found.append(Mismatch("header", message, value, received, name))
    for name in expect.absent_headers:
        if name in head.headers:
            got = head.headers.get_all(name)
            message = f"header {name}: expected none, got {_values(got)}"
            received = ", ".join(map(escape_latin1, got))
            found.append(Mismatch("no-header", message, None, received, name))
    body = response.body
    if expect.body is not None and body != expect.body:
        wanted, shown = _shown(expect.body), _shown(body)
        found.append(Mismatch("body", f"body: expected '{wanted}', got '{shown}'", wanted, shown))
    for piece in expect.body_contains:
        if piece not in body:
            wanted, shown = _shown(piece), _shown(body)
            message = f"body: '{wanted}' not found in '{shown}'"
            found.append(Mismatch("body-contains", message, wanted, shown))
    for kind in expect.media_types:
        content_type = head.headers.get("content-type")
        media_type = (content_type or "").partition(";")[0].strip(" \t").lower()
        if media_type != kind:
            received = escape_latin1(content_type) if content_type is not None else None
            message = f"media type: expected {kind}, got {received or 'no Content-Type'}"
            found.append(Mismatch("media-type", message, kind, received))
    found += _check_patterns(expect, response)
    return found


def _check_patterns(expect: Expectation, response: ClientResponse) -> list[Mismatch]:
    """`expect json`, `expect header-matches` and `expect body-matches`."""
    found: list[Mismatch] = []
    head, body = response.head, response.body
    for text in expect.json:
        try:
            value = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):  # nested too deeply too
            message = f"json: the body is not JSON: '{_shown(body)}'"
            found.append(Mismatch("json", message, text, _shown(body)))
            continue
        difference = match_json(parse_pattern(text), value)
        if difference is not None:
            found.append(Mismatch("json", f"json: {escape_decoded(difference)}", text, None))
    for name, regex in expect.header_patterns:
        values = [_trim_ows(v) for v in head.headers.get_all(name)]
        if not any(re.fullmatch(regex, v) for v in values):
            got = ", ".join(escape_latin1(v) for v in values) or None
            message = f"header {name}: expected a value matching /{regex}/, got {got or 'none'}"
            found.append(Mismatch("header-matches", message, regex, got, name))
    for regex in expect.body_patterns:
        if re.search(regex.encode("utf-8"), body) is None:
            shown = _shown(body)
            message = f"body: /{regex}/ not found in '{shown}'"
            found.append(Mismatch("body-matches", message, regex, shown))
    return found


def _values(values: list[str]) -> str:
    """Field values as `['a', 'b']`, each escaped as the wire bytes it was (a "\\x9b" shows the
    byte 0x9B, not the two bytes of its UTF-8); "" for none."""
    return "[" + ", ".join(f"'{escape_latin1(v)}'" for v in values) + "]" if values else ""


def _trim_ows(value: str) -> str:
    """A field value without the optional whitespace around it: SP and HTAB only (RFC 9110
    §5.6.3), never str.strip()'s wider set."""
    return value.strip(" \t")


def _piece_of(request: bytes) -> RequestPiece:
    """One transcript exchange is one request as far as reading goes, even a malformed one."""
    pieces = split_requests(request)
    if len(pieces) == 1:
        return pieces[0]
    first = pieces[0] if pieces else None
    return RequestPiece(
        request,
        first.method if first else "GET",
        first.head if first else None,
        all(p.complete for p in pieces),
    )


def _response_mismatch(exchange: ClientExchange) -> Mismatch:
    received = _shown(exchange.response_bytes) if exchange.response_bytes else None
    return Mismatch("response", exchange.error or "no response", None, received)


def _judge(result: ExchangeResult, client: ClientConnection) -> None:
    exchange = result.exchange
    assert exchange is not None
    final = exchange.final
    if exchange.error is not None or final is None:
        result.mismatches.append(_response_mismatch(exchange))
        return
    result.mismatches += check(result.expect, final)
    if result.expect.close and not _closes(client):
        message = "expected the server to close the connection; it did not"
        result.mismatches.append(Mismatch("close", message, "close", "still open"))


def _closes(client: ClientConnection) -> bool:
    """Did the server close the connection (now, or within the client's grace)?"""
    if client.server_closed:
        return True
    if not client.connected:
        return False  # closed here (announced close, or bytes after the response), no EOF seen
    return client.wait_for_close()


def _replay_connection(
    number: int,
    connection: TranscriptConnection,
    client: ClientConnection,
    report: Callable[[ExchangeResult], None],
) -> None:
    results = [
        ExchangeResult(number, i, exchange.label, exchange.request, exchange.expect)
        for i, exchange in enumerate(connection.exchanges, 1)
    ]
    pieces = [_piece_of(exchange.request) for exchange in connection.exchanges]
    try:
        client.connect()
    except ClientError as error:
        # the connection's own "is `httplab serve` running?" does not fit any server's check
        refused = f"cannot connect to {client.address}: connection refused"
        message = refused if error.kind == "refused" else error.message
        for result in results:
            result.mismatches.append(Mismatch("connect", message))
            report(result)
        return
    with client:
        if connection.pipelined:
            _replay_pipelined(results, pieces, client, report)
            return
        previous: ExchangeResult | None = None
        for result, piece, exchange in zip(results, pieces, connection.exchanges, strict=True):
            try:
                sent = client.send(
                    result.request, pieces=[piece], reconnect=False, pauses=exchange.pauses
                )
                result.exchange = sent[0]
            except ClientError as error:  # its message says it was not sent, and why
                message = error.message
                if error.kind == "closed" and previous is not None:
                    # the why belongs to an earlier exchange: say which, or it reads as this
                    # request's own answer ("not sent: unparseable response: …")
                    where = f"{previous.connection}.{previous.number}"
                    message = f"not sent: the connection ended at {where}: {client.closed_reason}"
                closed = client.closed_kind if error.kind == "closed" else None
                result.mismatches.append(Mismatch("send", message, closed=closed))
            else:
                _judge(result, client)
            report(result)
            previous = result


def _replay_pipelined(
    results: list[ExchangeResult],
    pieces: list[RequestPiece],
    client: ClientConnection,
    report: Callable[[ExchangeResult], None],
) -> None:
    data = b"".join(result.request for result in results)
    try:
        exchanges = client.send(data, pieces=pieces, reconnect=False)
    except ClientError as error:
        for result in results:
            result.mismatches.append(Mismatch("send", error.message))
            report(result)
        return
    for result, exchange in zip(results, exchanges, strict=True):
        result.exchange = exchange
        _judge(result, client)
        report(result)


def replay_transcript(
    transcript: Transcript,
    host: str,
    port: int,
    *,
    timeout: float = 5.0,
    progress: Progress | None = None,
) -> list[ExchangeResult]:
    """Send every connection of `transcript` in turn to host:port and check each exchange.

    `timeout` bounds connecting and each wait for bytes; a connection's exchanges together get
    at most `timeout` each. `progress(result, done, total)` is called after each exchange.
    """
    total = len(transcript.exchanges())
    results: list[ExchangeResult] = []

    def report(result: ExchangeResult) -> None:
        results.append(result)
        if progress is not None:
            progress(result, len(results), total)

    for number, connection in enumerate(transcript.connections, 1):
        budget = timeout * max(1, len(connection.exchanges))
        client = ClientConnection(host, port, timeout=timeout, max_time=budget)
        client.close_grace = timeout
        _replay_connection(number, connection, client, report)
    return results
