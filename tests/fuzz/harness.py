"""Fuzz targets for the parsers: the invariants any input must keep, and the differential oracle.

Used three ways: by `bench/fuzz.py` under atheris (coverage-guided, minutes to hours), by the
same script's mutation fallback when atheris is missing, and by `test_fuzz.py` in the suite (a
few hundred derandomized inputs under CI=true). A broken invariant raises `Finding`.

Invariants (h11's "any input parses or raises ProtocolError, nothing else", and more):
- only `ProtocolError` escapes the parser, with a 4xx or the RFC's 501/505 (502 for responses);
- the events do not depend on how the bytes were split (whole, or pieces of 1-7 bytes);
- a parsed head never makes a view or the server raise: `Request.path`, `.query_string`,
  `.query`, the spans, `urlsplit` of an absolute-form target (the virtual-host check);
- a Content-Length body has exactly that many bytes; what a message consumed is input.

Differential mode (dev-only oracles, h11 and httptools): httplab accepting a message both of
them reject, or reading a message's body (or request line) differently from one that accepts
it, is a finding unless a documented difference explains it (the allow-lists of
`tests/protocol/test_differential.py` for h11; `HTTPTOOLS_LENIENT` below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    RequestHead,
    ResponseHead,
)
from httplab.protocol.parser import RequestParser, ResponseParser
from tests.protocol.test_differential import (
    REQUESTS_LENIENT_THAN_H11,
    Piece,
    Rule,
    _trailer_section,
)

REQUEST_STATUSES = frozenset(range(400, 432)) | {501, 505}
RESPONSE_STATUSES = frozenset({502})


class Finding(Exception):
    """An input that broke an invariant; `kind` groups findings of one cause."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


# --- driving a parser ----------------------------------------------------------------------
def _pieces(data: bytes, step: int) -> list[bytes]:
    return [data[i : i + step] for i in range(0, len(data), step)] or [b""]


def _run(parser: RequestParser | ResponseParser, pieces: list[bytes]) -> list[object]:
    out: list[object] = []
    try:
        for piece in [*pieces, b""]:
            parser.feed(piece)
            while True:
                event = parser.next_event()
                if event is NEED_DATA:
                    break
                if event is PAUSED:
                    parser.start_next()
                    continue
                out.append(event)
                if isinstance(event, ConnectionClosed):
                    return out
    except ProtocolError as error:
        out.append(error)
    return out


def _comparable(events: list[object]) -> list[object]:
    result: list[object] = []
    body = b""
    for event in events:
        if isinstance(event, Data):
            body += event.data
            continue
        if body:
            result.append(("data", body))
            body = b""
        if isinstance(event, RequestHead):
            result.append(("head", event.method, event.target, event.headers.raw(), event.raw))
        elif isinstance(event, ResponseHead):
            result.append(("rhead", event.status, event.headers.raw(), event.raw))
        elif isinstance(event, EndOfMessage):
            result.append(("end", event.trailers.raw(), event.raw))
        elif isinstance(event, ProtocolError):
            result.append(("error", event.status))
        else:
            result.append(type(event).__name__)
    if body:
        result.append(("data", body))
    return result


def _check_split_invariance(
    data: bytes, make: type[RequestParser] | type[ResponseParser]
) -> list[object]:
    whole = _run(make(), [data])
    step = data[0] % 7 + 1 if data else 1
    split = _run(make(), _pieces(data, step))
    if _comparable(whole) != _comparable(split):
        raise Finding(
            "split-dependent",
            f"whole {_comparable(whole)[-2:]!r} vs pieces of {step} {_comparable(split)[-2:]!r}",
        )
    return whole


def _check_events(events: list[object], data: bytes, statuses: frozenset[int]) -> None:
    length: int | None = None
    body = 0
    for event in events:
        if isinstance(event, ProtocolError):
            if event.status not in statuses:
                raise Finding("unexpected-status", f"{event.status}: {event.detail}")
        elif isinstance(event, RequestHead):
            _check_request_head(event)
            length, body = event.framing.length, 0
        elif isinstance(event, ResponseHead):
            dict(event.spans)
            length, body = event.framing.length, 0
        elif isinstance(event, Data):
            body += len(event.data)
        elif isinstance(event, EndOfMessage):
            if length is not None and body != length:
                raise Finding("content-length", f"framed {body} bytes, declared {length}")
            if event.raw not in data:
                raise Finding("raw-record", "EndOfMessage.raw is not a piece of the input")


def _check_request_head(head: RequestHead) -> None:
    request = head.to_request()
    try:
        request.path, request.query_string, request.query  # noqa: B018  (must not raise)
        spans = dict(head.spans)
        if head.target_form == "absolute":
            urlsplit(head.target)  # the virtual-host check reads the authority this way
    except Exception as exc:
        raise Finding("view-raises", f"{type(exc).__name__}: {exc} on {head.target!r}") from exc
    if any(not 0 <= a <= b <= len(head.raw) for a, b in spans.values()):
        raise Finding("span", f"a span outside the head: {spans}")


def request_target(data: bytes) -> None:
    """The request parser's invariants on `data` (then EOF)."""
    try:
        events = _check_split_invariance(data, RequestParser)
    except Finding:
        raise
    except Exception as exc:
        raise Finding("parser-raises", f"{type(exc).__name__}: {exc}") from exc
    _check_events(events, data, REQUEST_STATUSES)


def response_target(data: bytes) -> None:
    """The response parser's invariants: the first byte picks the request method."""
    method = ("GET", "HEAD", "POST", "CONNECT")[data[0] % 4] if data else "GET"
    data = data[1:]

    class Parser(ResponseParser):
        def __init__(self) -> None:
            super().__init__()
            self.expect(method)

    try:
        events = _check_split_invariance(data, Parser)
    except Finding:
        raise
    except Exception as exc:
        raise Finding("parser-raises", f"{type(exc).__name__}: {exc}") from exc
    _check_events(events, data, RESPONSE_STATUSES)


# --- differential ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Read:
    """What a parser made of one message: request line (or status) and body; `raw` is the
    message as httplab consumed it (empty for the oracles)."""

    start: tuple[object, ...]
    body: bytes
    raw: bytes = b""


@dataclass(frozen=True)
class Reading:
    messages: tuple[Read, ...]
    error: str | None


def ours_requests(data: bytes) -> Reading:
    messages: list[Read] = []
    start: tuple[object, ...] = ()
    body = b""
    for event in _run(RequestParser(), [data]):
        if isinstance(event, RequestHead):
            start, body = (event.method.encode(), event.target.encode()), b""
        elif isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage):
            messages.append(Read(start, body, event.raw))
        elif isinstance(event, ProtocolError):
            return Reading(tuple(messages), event.detail)
    return Reading(tuple(messages), None)


def h11_requests(data: bytes) -> Reading:
    import h11

    conn = h11.Connection(h11.SERVER)
    conn.receive_data(data)
    conn.receive_data(b"")
    messages: list[Read] = []
    start: tuple[object, ...] = ()
    body = b""
    try:
        while True:
            event = conn.next_event()
            if isinstance(event, h11.Request):
                start, body = (event.method, event.target), b""
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                messages.append(Read(start, body))
                conn.send(h11.Response(status_code=404, headers=[("Content-Length", "0")]))
                conn.send(h11.EndOfMessage())
                if conn.our_state is h11.MUST_CLOSE:
                    return Reading(tuple(messages), None)
                conn.start_next_cycle()
            else:
                return Reading(tuple(messages), None)
    except h11.RemoteProtocolError as error:
        return Reading(tuple(messages), str(error) or "error")


class _HttptoolsSink:
    def __init__(self) -> None:
        self.messages: list[Read] = []
        self.url = b""
        self.body = b""
        self.parser: object = None

    def on_message_begin(self) -> None:
        self.url, self.body = b"", b""

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        method = self.parser.get_method() if self.parser is not None else b""  # type: ignore[attr-defined]
        self.messages.append(Read((method, self.url), self.body))


def httptools_requests(data: bytes) -> Reading:
    import httptools

    sink = _HttptoolsSink()
    parser = httptools.HttpRequestParser(sink)
    sink.parser = parser
    try:
        parser.feed_data(data)
    except httptools.HttpParserUpgrade:
        return Reading(tuple(sink.messages), None)
    except httptools.HttpParserError as error:
        return Reading(tuple(sink.messages), str(error) or "error")
    return Reading(tuple(sink.messages), None)


# What httplab knowingly accepts that httptools (llhttp, strict by default) rejects. Each
# entry: when it applies to the message httplab accepted, a pattern on llhttp's error, and why
# httplab is right. h11's entries are the allow-list of tests/protocol/test_differential.py.
HTTPTOOLS_STRICTER = [
    # RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line terminator and ignore any
    # preceding CR" in the start line and fields (the README's bare-LF rule); llhttp refuses.
    Rule(
        "bare LF in the head",
        lambda p: re.search(rb"(?<!\r)\n", _head_with_end(p)) is not None,
        "Expected CRLF|Missing expected LF|Missing expected CR|expected LF|"
        "Invalid header value char|Invalid header field char",
    ),
    # RFC 9110 §9.1: method = token, and the set is extensible (the method registry); llhttp
    # refuses any method outside its own list ("GEqT"); httplab answers 405/501 itself.
    Rule("a method llhttp does not list", lambda p: _method(p) not in LLHTTP_METHODS, "method"),
    # RFC 9110 §6.2: a higher minor version of HTTP/1 SHOULD be processed as HTTP/1.1;
    # llhttp refuses "HTTP/1.2".
    Rule(
        "HTTP/1.x with x above 1",
        lambda p: re.search(rb" HTTP/1\.[2-9]$", p.start_line) is not None,
        "Invalid HTTP version",
    ),
    # RFC 9110 §6.5.1: a trailer field that would decide framing is never merged into the
    # header section; httplab keeps it as a trailer (the chunked body has ended: it frames
    # nothing), h11 and llhttp refuse the message.
    Rule(
        "framing field in the trailer section", lambda p: _framing_trailer(p), "Transfer-Encoding"
    ),
    # RFC 9110 §8.6: a list of identical Content-Length values ("3, 3", or the field twice)
    # MAY be read as one value; httplab does (with a note), llhttp refuses.
    Rule(
        "Content-Length repeated with one value",
        lambda p: (
            len({v.strip(b" \t") for f in p.values(b"content-length") for v in f.split(b",")}) == 1
        ),
        "Content-Length",
    ),
]

# h11 judges a trailer section's Transfer-Encoding as if it framed the message (RFC 9110
# §6.5.1: it frames nothing there).
H11_TRAILERS = [
    Rule(
        "framing field in the trailer section",
        lambda p: _framing_trailer(p),
        "Transfer-Encoding|Content-Length",
    )
]

LLHTTP_METHODS = frozenset(
    b"DELETE GET HEAD POST PUT CONNECT OPTIONS TRACE COPY LOCK MKCOL MOVE PROPFIND PROPPATCH "
    b"SEARCH UNLOCK BIND REBIND UNBIND ACL REPORT MKACTIVITY CHECKOUT MERGE M-SEARCH NOTIFY "
    b"SUBSCRIBE UNSUBSCRIBE PATCH PURGE MKCALENDAR LINK UNLINK SOURCE QUERY".split()
)


def _framing_trailer(piece: Piece) -> bool:
    lines = re.split(rb"\r?\n", _trailer_section(piece))
    names = {line.partition(b":")[0].strip(b" \t").lower() for line in lines}
    return bool(names & {b"transfer-encoding", b"content-length"})


def _method(piece: Piece) -> bytes:
    return piece.start_line.split(b" ", 1)[0]


def _head_with_end(piece: Piece) -> bytes:
    """The head of a message, leading empty lines and the empty line that ends it included."""
    data = piece.data
    start = len(data) - len(data.lstrip(b"\r\n"))
    found = re.compile(rb"\n\r?\n").search(data, start)
    return data[: found.end()] if found else data


def _explained(raw: bytes, error: str | None, rules: list[Rule]) -> str | None:
    piece = Piece(raw)
    for rule in rules:
        if error is not None and re.search(rule.because, error) and rule.applies(piece):
            return rule.name
    return None


def differential_requests(data: bytes) -> None:
    """Raise `Finding` where httplab accepts what h11 and httptools both reject, or reads a
    message both it and an oracle accept differently (another body: a smuggling risk)."""
    ours = ours_requests(data)
    if not ours.messages:
        return
    h11_reading = h11_requests(data)
    tools_reading = httptools_requests(data)
    for n, mine in enumerate(ours.messages):
        # an oracle that stopped at an earlier message never judged this one
        h11_rejects = len(h11_reading.messages) == n and h11_reading.error is not None
        tools_reject = len(tools_reading.messages) == n and tools_reading.error is not None
        if (
            h11_rejects
            and tools_reject
            and not (
                _explained(mine.raw, h11_reading.error, REQUESTS_LENIENT_THAN_H11 + H11_TRAILERS)
                and _explained(mine.raw, tools_reading.error, HTTPTOOLS_STRICTER)
            )
        ):
            raise Finding(
                "accepts-what-both-reject",
                f"message {n}: h11 {h11_reading.error!r}; httptools {tools_reading.error!r}",
            )
        for name, reading in (("h11", h11_reading), ("httptools", tools_reading)):
            if n < len(reading.messages) and reading.messages[n].body != mine.body:
                raise Finding(
                    f"body-differs-from-{name}",
                    f"message {n}: ours {mine.body[:40]!r}, "
                    f"{name} {reading.messages[n].body[:40]!r}",
                )
        if n < len(h11_reading.messages) and h11_reading.messages[n].start != mine.start:
            raise Finding(
                "request-line-differs-from-h11",
                f"{mine.start!r} vs {h11_reading.messages[n].start!r}",
            )
