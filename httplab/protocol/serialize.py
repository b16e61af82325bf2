"""Messages in, bytes out: status line or request line, field lines, CRLF, body — one buffer."""

from __future__ import annotations

import re

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response, body_forbidden

CRLF = b"\r\n"
DEFAULT_CHUNK_SIZE = 4096


def _field_block(headers: Headers, extra: bytes = b"") -> bytes:
    """Field lines, each ending in CRLF, then `extra` (already formatted lines)."""
    lines = [field.name + b": " + field.value for field in headers]
    if not lines:
        return extra
    block = b"\r\n".join(lines)
    # A CR, LF or NUL inside a name or value would split the message (response splitting):
    # refuse it here rather than trust every caller. Counting is three C-speed scans.
    separators = len(lines) - 1
    if block.count(b"\r") != separators or block.count(b"\n") != separators or b"\0" in block:
        for field in headers:
            if any(c in field.name + field.value for c in (b"\r", b"\n", b"\0")):
                raise ValueError(f"field {field.name!r} has CR, LF or NUL in it")
    return block + CRLF + extra


def serialize_response_head(
    response: Response, request_method: str = "GET", *, add_length: bool = True
) -> bytes:
    """The status line and fields; `add_length=False` when the caller frames the body itself
    (a streamed body: chunked, close-delimited, or its Content-Length already set)."""
    return _response_parts(response, request_method, add_length)[0]


def serialize_response(response: Response, request_method: str = "GET") -> bytes:
    """The whole response in one buffer; Content-Length added when the body is allowed and
    neither Content-Length nor Transfer-Encoding is set; no body for HEAD, 1xx, 204, 304."""
    head, body = _response_parts(response, request_method)
    return head + body if body else head


FRAMING_FIELDS = frozenset({b"content-length", b"transfer-encoding"})


def _response_parts(
    response: Response, request_method: str, add_length: bool = True
) -> tuple[bytes, bytes]:
    headers = response.headers
    status = response.status
    body = response.body
    lines, framed = _head_lines(response)
    no_body = body_forbidden(status, request_method)
    if framed:
        has_length = b"content-length" in headers
        chunked = "chunked" in headers.tokens(b"transfer-encoding")
    else:
        has_length = chunked = False
    # RFC 9110 §9.3.2: HEAD gets the fields GET would have had, Content-Length included
    wants_length = not no_body or (
        request_method == "HEAD" and not (100 <= status < 200 or status in (204, 304))
    )
    if wants_length and not chunked and not has_length and add_length:
        head = lines + b"Content-Length: %d\r\n\r\n" % len(body)
    else:
        head = lines + CRLF
    if no_body:
        return head, b""
    if chunked:
        return head, encode_chunked(body, trailers=response.trailers)
    return head, body


_HEADS: dict[tuple[object, ...], tuple[bytes, bool]] = {}
HEAD_CACHE = 256
"""Heads kept (see `_head_lines`); when full, the cache starts afresh."""
HEAD_CACHE_BYTES = 2048
"""Longest head kept: a few usual fields. An app's big fields are made each time."""


def _head_lines(response: Response) -> tuple[bytes, bool]:
    """The status line and the field lines, each ending in CRLF, and whether a field frames
    the body (Content-Length, Transfer-Encoding). A field is a value that never changes, so
    the same status line and fields always make the same bytes: they are made once and kept
    (a server's `Date` changes once a second, so it makes each of its heads once a second)."""
    key = (response.version, response.status, response.reason, *response.headers)
    made = _HEADS.get(key)
    if made is not None:
        return made
    # the head in one join: status line, then name ": " value CRLF for every field
    parts = [_status_line(response.version, response.status, response.reason)]
    framed = False
    names_ok = True
    for field in response.headers:
        if field.lower_name in FRAMING_FIELDS:
            framed = True
        # a name is a token (RFC 9110 §5.1), judged alone: in the joined lines a name such as
        # "X: " could not be told from the ": " after it ("X: : v" reads as X with ": v")
        if names_ok and _token(field.name) is None:
            names_ok = False
        parts += (field.name, b": ", field.value, CRLF)
    lines = b"".join(parts)
    # A CR, LF or NUL inside the reason, a name or a value would split the message (response
    # splitting): refuse it here rather than trust every caller. Every line ends in one CRLF,
    # so there are as many CRs and LFs as lines; counting is three C-speed scans.
    count = (len(parts) - 1) // 4 + 1  # the status line, then 4 parts per field line
    if lines.count(b"\r") != count or lines.count(b"\n") != count or b"\0" in lines:
        _refuse_separators(response)
    # and what a recipient must be able to parse (RFC 9110 §5.1, §5.5, RFC 9112 §4): a name is
    # a token, a value and the reason are visible bytes, SP and HTAB; an ESC or a space in a
    # name would go out as the app wrote it. One C-speed match, when a head is made.
    if not names_ok or _VALID_HEAD.fullmatch(lines) is None:
        _refuse_invalid(response)
    made = (lines, framed)
    if len(lines) <= HEAD_CACHE_BYTES:
        if len(_HEADS) >= HEAD_CACHE:  # many different heads (an ETag per user): bounded
            _HEADS.clear()
        _HEADS[key] = made
    return made


_STATUS_LINES: dict[tuple[str, int, str], bytes] = {}
STATUS_LINE_CACHE = 256


def _status_line(version: str, status: int, reason: str) -> bytes:
    """`HTTP/1.1 200 OK` CRLF, made once per (version, status, reason)."""
    key = (version, status, reason)
    line = _STATUS_LINES.get(key)
    if line is None:
        line = f"{version} {status} {reason}\r\n".encode("latin-1")
        if len(_STATUS_LINES) < STATUS_LINE_CACHE:  # an app may make up reasons: bounded
            _STATUS_LINES[key] = line
    return line


_TEXT = rb"[\t\x20-\x7e\x80-\xff]*"  # HTAB, SP, VCHAR, obs-text
_VALID_HEAD = re.compile(
    rb"HTTP/[0-9]\.[0-9] [0-9]{3} " + _TEXT + rb"\r\n"
    rb"(?:[-!#$%&'*+.^_`|~0-9A-Za-z]+: " + _TEXT + rb"\r\n)*"
)
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_token = _TOKEN.fullmatch
_VALUE = re.compile(_TEXT)


def _refuse_invalid(response: Response) -> None:
    """Say which part of a head `_VALID_HEAD` refused (ValueError)."""
    for field in response.headers:
        if _TOKEN.fullmatch(field.name) is None:
            raise ValueError(f"the field name {field.name!r} is not a token (RFC 9110 §5.1)")
        if _VALUE.fullmatch(field.value) is None:
            raise ValueError(
                f"field {field.name!r} has a control character in its value (RFC 9110 §5.5)"
            )
    raise ValueError(
        f"the status line ({response.version!r} {response.status} {response.reason!r}) "
        "is not HTTP/x.y, three digits and visible text (RFC 9112 §4)"
    )


def _refuse_separators(response: Response) -> None:
    for field in response.headers:
        if any(c in field.name + field.value for c in (b"\r", b"\n", b"\0")):
            raise ValueError(f"field {field.name!r} has CR, LF or NUL in it")
    raise ValueError(f"the reason phrase {response.reason!r} has CR, LF or NUL in it")


def serialize_request(request: Request, *, chunked: bool = False) -> bytes:
    """Request line, fields and body; Content-Length (or chunked coding) set for a body."""
    headers = request.headers.copy()
    body = request.body
    if chunked:
        headers.remove(b"content-length")
        if "chunked" not in headers.tokens(b"transfer-encoding"):
            headers.add(b"Transfer-Encoding", b"chunked")
        payload = encode_chunked(body, trailers=request.trailers)
    else:
        if body and b"content-length" not in headers and b"transfer-encoding" not in headers:
            headers.add(b"Content-Length", str(len(body)).encode("ascii"))
        payload = body
    line = f"{request.method} {request.target} {request.version}\r\n".encode("latin-1")
    return line + _field_block(headers) + CRLF + payload


def encode_chunked(
    body: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE, trailers: Headers | None = None
) -> bytes:
    """RFC 9112 §7.1: hex size CRLF data CRLF … then "0" CRLF, trailer fields, CRLF."""
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")
    out = bytearray()
    for start in range(0, len(body), chunk_size):
        piece = body[start : start + chunk_size]
        out += b"%x\r\n" % len(piece) + piece + CRLF
    out += b"0\r\n"
    if trailers:
        out += _field_block(trailers)
    out += CRLF
    return bytes(out)
