"""Notes on an exchange: the parser's own, and the few checks that need the whole exchange.

What a message broke, or what the parser tolerated while reading it — a bare LF, obs-fold,
repeated or conflicting Content-Length, Transfer-Encoding with Content-Length, a missing or
repeated Host, empty lines before the start line — is noted by the parser itself with its RFC
section (`RequestHead.notes`, `ResponseHead.notes`, and `ProtocolError.notes` for a message it
refused): one home for every rule. A record without a parsed head (a refused request, a foreign
server's response) gets those notes by asking the parser again, over the raw bytes.

The checks left here need both directions or the bytes actually sent: Content-Length against
the body, a body on a status or method that has none, Content-Length on 1xx/204, a missing
Date. They never raise: a record that cannot be checked simply gets fewer notes.

(httplint, the REDbot library, was considered: its notes are Markdown/HTML templates without
section numbers and it pulls in ten dependencies; these few checks are simpler here.)
"""

from __future__ import annotations

from collections.abc import Iterable

from httplab.protocol import grammar
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, RequestHead, ResponseHead
from httplab.protocol.headers import Headers
from httplab.protocol.messages import Note, body_forbidden
from httplab.protocol.notes import NoteLevel
from httplab.protocol.parser import RequestParser, ResponseParser
from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import split_head


def _note(code: str, message: str, rfc_ref: str, level: NoteLevel = "warning") -> Note:
    return Note(code, message, rfc_ref, level)


def split_final_response(raw: bytes) -> tuple[bytes, bytes]:
    """(head, body) of the final response, skipping interim 1xx responses sent before it."""
    head, rest = split_head(raw)
    while rest and head[9:10] == b"1" and head.startswith(b"HTTP/"):
        head, rest = split_head(rest)
    return head, rest


# --- the parser's notes, for a record that has no parsed head ---------------------------------
def request_parser_notes(raw: bytes) -> list[Note]:
    """What the request parser notes reading the first request of `raw` (then the close)."""
    parser = RequestParser()
    parser.feed(raw)
    parser.feed(b"")
    notes: list[Note] = []
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, RequestHead):
                notes = list(event.notes)
            elif isinstance(event, EndOfMessage):
                return list(event.notes)
            elif not isinstance(event, Data):  # NEED_DATA, PAUSED or ConnectionClosed
                return notes
    except ProtocolError as error:
        return list(error.notes)


def response_parser_notes(raw: bytes, method: str) -> list[Note]:
    """What the response parser notes reading the final response in `raw` to `method`."""
    parser = ResponseParser()
    parser.expect(method)
    parser.feed(raw)
    parser.feed(b"")
    notes: list[Note] = []
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, ResponseHead):
                notes = list(event.notes)
                if event.status == 101:
                    return notes
            elif isinstance(event, EndOfMessage):
                return list(event.notes)
            elif not isinstance(event, Data):  # NEED_DATA, PAUSED or ConnectionClosed
                return notes
    except ProtocolError as error:
        return list(error.notes)


# --- whole-exchange checks --------------------------------------------------------------------
def _lenient_fields(head: bytes) -> tuple[bytes, Headers]:
    """(start line, field lines) of a response head the parser may have refused, split on the
    first colon: enough to find its status and its Content-Length for the checks below."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    while lines and not lines[0]:
        lines.pop(0)
    headers = Headers()
    for line in lines[1:]:
        if not line:
            break
        name, colon, value = line.partition(b":")
        if colon and name and name == name.strip(b" \t"):
            headers.add(name, value.strip(b" \t"))
    return (lines[0] if lines else b""), headers


def response_notes(record: ExchangeRecord) -> list[Note]:
    notes: list[Note] = []
    head_bytes, body_bytes = split_final_response(record.raw_response)
    response = record.response
    if response is not None:
        status, headers = response.status, response.headers
    else:
        # Not parsed (a foreign server's broken answer): check the bytes that came back.
        status_line, headers = _lenient_fields(head_bytes)
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or grammar.DIGITS.fullmatch(parts[1]) is None or len(parts[1]) != 3:
            return notes
        status = int(parts[1])  # three ASCII digits, checked above
    method = record.method or "GET"
    sent_body = body_bytes if record.raw_response or response is None else response.body
    if body_forbidden(status, method) and sent_body:
        notes.append(
            _note(
                "body-not-allowed",
                f"a {status} response to {method} carries {len(sent_body)} "
                "body bytes; it has no content",
                "RFC 9110 §6.4.1",
                "error",
            )
        )
    lengths = headers.get_all_raw("content-length")
    if lengths and (100 <= status < 200 or status == 204):
        notes.append(
            _note(
                "content-length-not-allowed",
                f"a {status} response must not send Content-Length",
                "RFC 9110 §8.6",
            )
        )
    elif (
        len(lengths) == 1
        and grammar.DIGITS.fullmatch(lengths[0]) is not None
        and len(lengths[0]) <= 18
        and not body_forbidden(status, method)
        and "transfer-encoding" not in headers
    ):
        declared = int(lengths[0])  # ASCII digits only, checked above
        sent = len(sent_body)
        if declared != sent:
            notes.append(
                _note(
                    "content-length-mismatch",
                    f"Content-Length says {declared} but {sent} body bytes were sent",
                    "RFC 9112 §6.2",
                    "error",
                )
            )
    if status >= 200 and "date" not in headers:
        notes.append(
            _note("missing-date", "response without a Date field", "RFC 9110 §6.6.1", "info")
        )
    return notes


def lint_exchange(record: ExchangeRecord) -> list[Note]:
    """The parser's notes a record does not carry yet (no parsed request head: asked again over
    the raw bytes; the response: over the bytes sent), then the whole-exchange checks."""
    notes: list[Note] = []
    if record.head is None and record.raw_request:
        notes += request_parser_notes(record.raw_request)
    if record.raw_response:
        notes += response_parser_notes(record.raw_response, record.method or "GET")
    return notes + response_notes(record)


def merge_notes(*groups: Iterable[Note]) -> list[Note]:
    """Notes in order, each once (the server copies its head's notes into the record)."""
    seen: set[Note] = set()
    out: list[Note] = []
    for group in groups:
        for note in group:
            if note not in seen:
                seen.add(note)
                out.append(note)
    return out


def exchange_notes(record: ExchangeRecord) -> list[Note]:
    """Every note of an exchange: the parser's, the server's, then the whole-exchange checks."""
    parser_notes = record.head.notes if record.head else ()
    return merge_notes(parser_notes, record.notes, lint_exchange(record))
