"""What happened in one exchange, as the facts a lesson check can name.

Most facts are read from what the server recorded (the parsed request, the response, the
parser's notes). A rejected request has no parsed form, so for it the request line's words and
the field names are read from the raw head here — only to say *what the learner sent* (e.g.
"no Host line"), never to decide whether it was valid: the parser already did that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import ResponseHead
from httplab.protocol.parser import ResponseParser
from httplab.trace.records import ExchangeRecord

_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(slots=True)
class Facts:
    method: str
    target: str
    path: str
    version: str
    status: int
    parsed: bool
    request_fields: dict[str, list[str]]  # lower-case name → values (latin-1 text)
    response_fields: dict[str, list[str]]
    trailer_fields: dict[str, list[str]]  # after a chunked body (RFC 9112 §7.1.2)
    body: bytes
    response_body: bytes
    framing: str  # "none" | "length" | "chunked" | "close" | "" (not parsed)
    target_form: str  # "origin" | "absolute" | "authority" | "asterisk" | "" (not parsed)
    notes: set[str] = field(default_factory=set)
    stray_bytes: bool = False
    body_cut_utf8: bool = False
    reused_connection: bool = False


def facts_of(record: ExchangeRecord) -> Facts:
    request = record.request
    if request is not None:
        method, target, version = request.method, request.target, request.version
        path = request.path
        request_fields = _fields(request.headers.raw())
        body = request.body
    else:
        method, target, version, request_fields = _read_rejected(record.raw_request)
        path = target.partition("?")[0]
        body = b""
    notes = {note.code for note in record.notes}
    if record.head is not None:
        notes.update(note.code for note in record.head.notes)
    head = _response_head(record)
    response_fields = _fields(head.headers.raw()) if head is not None else {}
    raw = record.raw_request.lstrip(b"\r\n")
    return Facts(
        method=method,
        target=target,
        path=path,
        version=version,
        status=record.status,
        parsed=request is not None,
        request_fields=request_fields,
        response_fields=response_fields,
        trailer_fields=_fields(request.trailers.raw()) if request is not None else {},
        body=body,
        response_body=record.response.body if record.response is not None else b"",
        framing=record.head.framing.kind if record.head is not None else "",
        target_form=record.head.target_form if record.head is not None else "",
        notes=notes,
        stray_bytes=request is None and bool(raw) and raw[0] not in _TCHAR,
        body_cut_utf8=_cut_inside_character(body),
        reused_connection=record.number > 1,
    )


def _fields(pairs: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        found.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return found


def _read_rejected(raw: bytes) -> tuple[str, str, str, dict[str, list[str]]]:
    """Request-line words and field lines of a request the server refused to parse."""
    head = raw.lstrip(b"\r\n")
    end = head.find(b"\n\n")
    crlf_end = head.find(b"\r\n\r\n")
    ends = [i for i in (end, crlf_end) if i >= 0]
    head = head[: min(ends)] if ends else head
    lines = [line.removesuffix(b"\r") for line in head.split(b"\n")]
    words = lines[0].split(b" ") if lines else []
    method = words[0].decode("latin-1") if words else ""
    target = words[1].decode("latin-1") if len(words) > 1 else ""
    version = words[2].decode("latin-1") if len(words) > 2 else ""
    found: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if colon and name:
            found.setdefault(name.decode("latin-1").lower(), []).append(
                value.strip(b" \t").decode("latin-1")
            )
    return method, target, version, found


def _response_head(record: ExchangeRecord) -> ResponseHead | None:
    """The response head as sent (with the fields the server adds when it serializes)."""
    if not record.raw_response:
        return None
    parser = ResponseParser()
    if record.method == "HEAD":
        parser.expect("HEAD")
    parser.feed(record.raw_response)
    try:
        event = parser.next_event()
    except ProtocolError:
        return None
    return event if isinstance(event, ResponseHead) else None


def _cut_inside_character(body: bytes) -> bool:
    """Does `body` end part-way through a UTF-8 character (a Content-Length that counted
    characters, not bytes, cuts a Cyrillic body like this)?"""
    if not body:
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.end == len(body)
    return False
