"""Does a request's Content-Length match the body that follows its head?

A request loaded for editing keeps its old Content-Length when the body changes. The field is
found by the protocol core's parser (its spans), never by searching the text, so the value
replaced is exactly the one a server would read.
"""

from __future__ import annotations

from dataclasses import dataclass

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import RequestHead
from httplab.protocol.parser import RequestParser


@dataclass(frozen=True, slots=True)
class LengthMismatch:
    declared: bytes  # the value as written
    actual: int  # bytes after the head
    fixed: bytes  # the request with the value replaced by `actual`


def content_length_mismatch(data: bytes) -> LengthMismatch | None:
    """The mismatch of a single Content-Length with the bytes after the head; None when it
    matches, when there is none or several, or when the head does not parse (sending such a
    request as typed is the point of the lab)."""
    head = _parse_head(data)
    if head is None:
        return None
    indexes = [i for i, f in enumerate(head.headers) if f.lower_name == b"content-length"]
    if len(indexes) != 1:
        return None
    start, end = head.spans[f"header:{indexes[0]}:value"]
    declared = data[start:end]
    actual = len(data) - len(head.raw)
    if declared == str(actual).encode():
        return None
    return LengthMismatch(declared, actual, data[:start] + str(actual).encode() + data[end:])


BODY_METHODS = ("POST", "PUT", "PATCH")
"""Methods whose requests carry a body: typed without a length, they get one added."""


def add_content_length(data: bytes) -> tuple[bytes, int | None]:
    """`data` with `Content-Length: N` added at the end of its head when bytes follow the head
    but neither Content-Length nor Transfer-Encoding frames them, and the request means to
    carry a body (a POST, PUT or PATCH, or any request with a Content-Type): without it the
    server reads no body and takes those bytes as the next request (RFC 9112 §6.3). Returns
    the bytes and N, or `data` unchanged and None (a head that does not parse is sent as
    typed, as everywhere in the lab)."""
    head = _parse_head(data)
    if head is None or len(data) == len(head.raw):
        return data, None
    names = {f.lower_name for f in head.headers}
    if b"content-length" in names or b"transfer-encoding" in names:
        return data, None
    if head.method not in BODY_METHODS and b"content-type" not in names:
        return data, None
    eol = b"\r\n" if head.raw.endswith(b"\r\n") else b"\n"
    length = len(data) - len(head.raw)
    cut = len(head.raw) - len(eol)  # before the empty line that ends the head
    return data[:cut] + b"Content-Length: %d" % length + eol + data[cut:], length


def _parse_head(data: bytes) -> RequestHead | None:
    parser = RequestParser()
    parser.feed(data)
    try:
        event = parser.next_event()
    except ProtocolError:
        return None
    return event if isinstance(event, RequestHead) else None
