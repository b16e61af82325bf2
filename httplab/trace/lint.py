"""RFC notes on an exchange: what a careful reader of RFC 9110/9112 would point out.

The parser already notes what only it can see while reading (`RequestHead.notes`); these checks
look at the finished exchange — both directions, raw bytes and parsed form — and each note is
one line naming the section it comes from. They never raise: a record that cannot be checked
simply gets fewer notes.

(httplint, the REDbot library, was considered: its notes are Markdown/HTML templates without
section numbers and it pulls in ten dependencies; these few framing checks are simpler here.)
"""

from __future__ import annotations

from collections.abc import Iterable

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Note, body_forbidden
from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import split_head


def _note(code: str, message: str, rfc_ref: str, level: str = "warning") -> Note:
    return Note(code, message, rfc_ref, level)


def split_final_response(raw: bytes) -> tuple[bytes, bytes]:
    """(head, body) of the final response, skipping interim 1xx responses sent before it."""
    head, rest = split_head(raw)
    while rest and head[9:10] == b"1" and head.startswith(b"HTTP/"):
        head, rest = split_head(rest)
    return head, rest


def lenient_fields(head: bytes) -> tuple[bytes, Headers]:
    """(start line, field lines) of a head the parser may have rejected, read loosely.

    A rejected request (no Host, two Content-Length values, ...) has no parsed form, yet its
    notes are the point of the lesson; so the field lines are split on the first colon here,
    for linting only. Leading empty lines are skipped as RFC 9112 §2.2 allows; a line without
    a colon (an obs-fold continuation, garbage) is ignored.
    """
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    while lines and not lines[0]:
        lines.pop(0)
    headers = Headers()
    for line in lines[1:]:
        if not line:
            break
        name, colon, value = line.partition(b":")
        if colon and name and name == name.strip():
            headers.add(name, value.strip(b" \t"))
    return (lines[0] if lines else b""), headers


def wire_line_notes(head: bytes, side: str) -> list[Note]:
    """Bare LF and obs-fold in a message head as it crossed the wire."""
    notes = []
    bare_lf = head.count(b"\n") - head.count(b"\r\n")
    if bare_lf:
        notes.append(
            _note(
                "bare-lf",
                f"{side} head ends {bare_lf} line(s) with a bare LF instead of CRLF",
                "RFC 9112 §2.2",
            )
        )
    lines = head.replace(b"\r\n", b"\n").lstrip(b"\n").split(b"\n")[1:]
    folded = sum(1 for line in lines if line[:1] in (b" ", b"\t"))
    if folded:
        notes.append(
            _note(
                "obs-fold",
                f"{side} has {folded} obsolete line folding(s) (a field line starting with "
                "whitespace)",
                "RFC 9112 §5.2",
            )
        )
    return notes


def framing_notes(headers: Headers, side: str) -> list[Note]:
    """Repeated or conflicting Content-Length / Transfer-Encoding fields."""
    notes = []
    lengths = headers.get_all("content-length")
    values = {v.strip() for item in lengths for v in item.split(",")}
    if len(values) > 1:
        notes.append(
            _note(
                "conflicting-content-length",
                f"{side} has conflicting Content-Length values {sorted(values)}",
                "RFC 9112 §6.3",
                "error",
            )
        )
    elif len(lengths) > 1 or any("," in v for v in lengths):
        notes.append(
            _note(
                "repeated-content-length",
                f"{side} repeats Content-Length (same value); send it once",
                "RFC 9110 §8.6",
            )
        )
    if lengths and "transfer-encoding" in headers:
        notes.append(
            _note(
                "te-and-cl",
                f"{side} has both Transfer-Encoding and Content-Length; Content-Length must be "
                "ignored and the message is suspect (request smuggling)",
                "RFC 9112 §6.3",
                "error",
            )
        )
    if headers.count("transfer-encoding") > 1:
        notes.append(
            _note(
                "repeated-transfer-encoding",
                f"{side} repeats Transfer-Encoding; codings are read as one list",
                "RFC 9112 §6.1",
                "info",
            )
        )
    return notes


def request_notes(record: ExchangeRecord) -> list[Note]:
    notes: list[Note] = []
    raw = record.raw_request
    leading = len(raw) - len(raw.lstrip(b"\r\n"))
    if leading and raw[leading : leading + 1]:
        notes.append(
            _note(
                "leading-empty-lines",
                f"{leading} byte(s) of empty lines before the request line were skipped",
                "RFC 9112 §2.2",
                "info",
            )
        )
    head_bytes = record.head.raw if record.head else split_head(raw.lstrip(b"\r\n"))[0]
    notes += wire_line_notes(head_bytes, "request")
    request = record.request
    if request is not None:
        version, headers = request.version, request.headers
    else:
        # Rejected: lint what arrived, so the note explaining the 4xx is on this exchange.
        request_line, headers = lenient_fields(head_bytes)
        version = request_line.rsplit(b" ", 1)[-1].decode("latin-1")
    hosts = headers.count("host")
    if version == "HTTP/1.1" and hosts == 0:
        notes.append(
            _note("missing-host", "HTTP/1.1 request without a Host field", "RFC 9112 §3.2", "error")
        )
    elif hosts > 1:
        notes.append(
            _note("repeated-host", "request has more than one Host field", "RFC 9112 §3.2", "error")
        )
    notes += framing_notes(headers, "request")
    return notes


def response_notes(record: ExchangeRecord) -> list[Note]:
    notes: list[Note] = []
    head_bytes, body_bytes = split_final_response(record.raw_response)
    if head_bytes:
        notes += wire_line_notes(head_bytes, "response")
    response = record.response
    if response is not None:
        status, headers = response.status, response.headers
    else:
        # Not parsed (a foreign server's broken answer): lint the bytes that came back.
        status_line, headers = lenient_fields(head_bytes)
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return notes
        status = int(parts[1])
    method = record.method or "GET"
    notes += framing_notes(headers, "response")
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
    lengths = headers.get_all("content-length")
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
        and lengths[0].strip().isdigit()
        and not body_forbidden(status, method)
        and "transfer-encoding" not in headers
    ):
        declared = int(lengths[0])
        sent = len(sent_body) + record.omitted[1]  # the trace may keep only a body's start
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
    """This module's checks on `record` (without the parser's or the server's own notes)."""
    return request_notes(record) + response_notes(record)


def merge_notes(*groups: Iterable[Note]) -> list[Note]:
    """Notes in order, dropping one that repeats an earlier note's code."""
    seen: set[str] = set()
    out: list[Note] = []
    for group in groups:
        for note in group:
            if note.code not in seen:
                seen.add(note.code)
                out.append(note)
    return out


def exchange_notes(record: ExchangeRecord) -> list[Note]:
    """Every note of an exchange: the parser's, the server's, then the lint checks."""
    parser_notes = record.head.notes if record.head else ()
    return merge_notes(parser_notes, record.notes, lint_exchange(record))
