"""The response editor of a held request: bytes → text to edit → bytes that frame correctly.

The text has the head first, one line per wire line, in the client pane's escape language
(`\\r \\n \\t \\\\ \\xNN`, see `client.raw`), then an empty line, then the body's content:
for a chunked response the content, not its chunks, since the check frames it again. The
body is edited as the UTF-8 text it is (a JSON body keeps its own backslashes); a body that is
not UTF-8 text, or holds control bytes, is shown with the same escapes as the head instead,
and read back the same way (`body_escaped`).

`check_response` turns the text into the bytes to send and refuses what would break the
connection, in one line that says what is wrong: a status line or field the protocol core's
response parser rejects, a 1xx (interim: the client would wait for another response), a body
where the status or the method allows none, several Content-Length fields, a coding other than
chunked. The body is framed again: Content-Length recomputed to its size (added when neither
it nor Transfer-Encoding frames a body), or encoded in chunks when the head says chunked, with
a note, as the client pane does for requests; the result is parsed once more before it goes.
`raw_bytes` is the other way out: the bytes as typed, nothing checked or added.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from httplab.client.raw import escape_for_input, unescape
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, ResponseHead
from httplab.protocol.messages import Response, body_forbidden
from httplab.protocol.response_parser import ResponseParser
from httplab.protocol.serialize import encode_chunked
from httplab.trace.wire_text import escape_wire, split_head

CONTROL = frozenset(range(32)) - {9, 10, 13} | {127}


class EditError(ValueError):
    """The edited text cannot be sent as a valid response; the message says why."""


@dataclass(frozen=True, slots=True)
class EditableResponse:
    text: str
    body_escaped: bool  # the body is shown (and read back) with escapes


@dataclass(slots=True)
class CheckedResponse:
    data: bytes
    response: Response
    notes: list[str] = field(default_factory=list)


def editable_response(data: bytes) -> EditableResponse:
    """Response bytes as editor text (see the module docstring)."""
    head, body = split_head(data)
    if body:
        with contextlib.suppress(EditError):
            response = _parse_whole(data, "GET")
            if b"transfer-encoding" in response.headers:
                body = response.body  # the content: the check encodes it in chunks again
    lines = head.split(b"\r\n")
    while lines and lines[-1] == b"":
        lines.pop()
    head_text = "\n".join(escape_for_input(line) for line in lines)
    try:
        body_text = body.decode("utf-8")
        escaped = any(ord(c) in CONTROL for c in body_text)
    except UnicodeDecodeError:
        escaped = True
    if escaped:
        body_text = "\n".join(escape_for_input(piece) for piece in body.split(b"\n"))
    return EditableResponse(head_text + "\n\n" + body_text, escaped)


def _split(text: str, body_escaped: bool) -> tuple[list[bytes], bytes]:
    head_text, _, body_text = text.partition("\n\n")
    head_text = head_text.lstrip("\n")
    lines = [unescape(line) for line in head_text.split("\n")]
    body = unescape(body_text) if body_escaped else body_text.encode("utf-8")
    return lines, body


def raw_bytes(text: str, *, body_escaped: bool = False) -> bytes:
    """The text as bytes with nothing checked or added: head lines end in CRLF, the empty
    line ends the head, the body follows as typed."""
    lines, body = _split(text, body_escaped)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def check_response(text: str, method: str, *, body_escaped: bool = False) -> CheckedResponse:
    """The bytes to send for `text` as the answer to a `method` request; raises EditError."""
    if not text.strip():
        raise EditError("the response is empty: a status line comes first, e.g. HTTP/1.1 200 OK")
    lines, body = _split(text, body_escaped)
    if any(line[:1] in (b" ", b"\t") for line in lines[1:]):
        raise EditError("a line starts with a space or tab (obs-fold): join it to the line above")
    head = _parse_head(b"\r\n".join(lines) + b"\r\n\r\n", method)
    if head.informational:
        raise EditError(
            f"{head.status} is an interim (1xx) status: the client would wait for a final "
            "response; use 200-599 (or Ctrl-R to send it raw)"
        )
    notes: list[str] = []
    forbidden = body_forbidden(head.status, method)
    if forbidden and body:
        why = "a HEAD request" if method == "HEAD" else f"a {head.status} response"
        raise EditError(
            f"{why} has no body (RFC 9110 §6.4.1): remove the {len(body)} body bytes, or "
            "Ctrl-R sends them raw"
        )
    names = [f.lower_name for f in head.headers]
    lengths = [i for i, name in enumerate(names) if name == b"content-length"]
    if b"transfer-encoding" in names:
        if lengths:
            raise EditError(
                "Content-Length and Transfer-Encoding both: keep one (a sender MUST NOT send "
                "both, RFC 9112 §6.1)"
            )
        codings = head.headers.tokens(b"transfer-encoding")
        if codings != ["chunked"]:
            raise EditError(
                "only Transfer-Encoding: chunked is framed here (the body is sent in chunks); "
                "Ctrl-R sends other codings raw"
            )
        if not forbidden:
            body = encode_chunked(body)
            notes.append("body sent in chunks (Transfer-Encoding: chunked)")
    elif len(lengths) > 1:
        raise EditError(f"{len(lengths)} Content-Length fields: keep one (RFC 9110 §8.6)")
    elif lengths and not forbidden:
        line = 1 + lengths[0]  # field i is on head line i + 1 (no obs-fold, checked above)
        name, _, value = lines[line].partition(b":")
        if value.strip(b" \t") != str(len(body)).encode():
            lines[line] = name + b": " + str(len(body)).encode()
            shown = value.strip(b" \t").decode("latin-1")
            notes.append(f"Content-Length {shown} → {len(body)} recomputed")
    elif not lengths and not forbidden:
        lines.append(b"Content-Length: " + str(len(body)).encode())
        notes.append(f"added Content-Length: {len(body)}, the body's size")
    data = b"\r\n".join(lines) + b"\r\n\r\n" + body
    return CheckedResponse(data, _parse_whole(data, method), notes)


def parsed_response(data: bytes, method: str) -> Response | None:
    """`data` as a Response when it parses as exactly one, else None (for raw bytes)."""
    try:
        return _parse_whole(data, method)
    except EditError:
        return None


def _parse_head(data: bytes, method: str) -> ResponseHead:
    parser = ResponseParser()
    parser.expect(method)
    parser.feed(data)
    try:
        event = parser.next_event()
    except ProtocolError as exc:
        raise EditError(f"not a valid response head: {_why(exc)}") from None
    if not isinstance(event, ResponseHead):
        raise EditError("not a valid response head: it does not end (an empty line ends it)")
    return event


def _parse_whole(data: bytes, method: str) -> Response:
    parser = ResponseParser()
    parser.expect(method)
    parser.feed(data)
    head: ResponseHead | None = None
    body: list[bytes] = []
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, ResponseHead):
                head = event
            elif isinstance(event, Data):
                body.append(event.data)
            elif isinstance(event, EndOfMessage):
                break
            else:  # NEED_DATA: the framing wants more bytes than the body has
                raise EditError(
                    "the body is shorter than its framing says (a chunked body "
                    "needs its last chunk, 0 and an empty line)"
                )
    except ProtocolError as exc:
        raise EditError(f"the response does not parse: {_why(exc)}") from None
    assert head is not None
    if parser.buffered:
        raise EditError(
            f"{parser.buffered} bytes follow the end of the body: the client would read them "
            "as the next response"
        )
    return Response(head.status, head.headers, b"".join(body), head.reason, head.version)


def _why(error: ProtocolError) -> str:
    """The parser's reason, with the bytes it stopped at (escaped: they are typed text)."""
    if not error.offending:
        return error.detail
    return f"{error.detail} ({escape_wire(error.offending[:60])})"
