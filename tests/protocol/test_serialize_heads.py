"""The serializer keeps the heads it made (status line and field lines, by value): a kept head
must be exactly the head it would make again, and the checks it makes must still hold."""

from __future__ import annotations

import pytest

from httplab.protocol import serialize
from httplab.protocol.headers import Field, Headers
from httplab.protocol.messages import Response
from httplab.protocol.serialize import serialize_response


def response(*fields: tuple[bytes, bytes], body: bytes = b"{}", status: int = 200) -> Response:
    return Response(status, Headers([Field(name, value) for name, value in fields]), body)


def test_a_kept_head_is_the_same_bytes_for_equal_fields_and_new_bytes_for_others() -> None:
    serialize._HEADS.clear()
    first = serialize_response(response((b"Content-Type", b"application/json")))
    assert len(serialize._HEADS) == 1
    again = serialize_response(response((b"Content-Type", b"application/json"), body=b"[1]"))
    assert len(serialize._HEADS) == 1  # equal fields, other objects: the kept head
    assert again == first.replace(b"Length: 2", b"Length: 3").replace(b"{}", b"[1]")
    other = serialize_response(response((b"Content-Type", b"text/html")))
    assert b"Content-Type: text/html\r\n" in other and len(serialize._HEADS) == 2
    # the name's case is part of the value: another spelling, another head
    lower = serialize_response(response((b"content-type", b"application/json")))
    assert lower.startswith(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
    head_only = serialize_response(response((b"Content-Type", b"application/json")), "HEAD")
    assert head_only == first[: -len(b"{}")]  # HEAD: the same head, Content-Length included


def test_framing_fields_are_read_from_a_kept_head_too() -> None:
    chunked = response((b"Transfer-Encoding", b"chunked"), body=b"abc")
    for _ in range(2):  # made, then kept
        data = serialize_response(chunked)
        assert data.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n") and b"Content-Length" not in data
        sized = serialize_response(response((b"Content-Length", b"3"), body=b"abc"))
        assert sized.count(b"Content-Length") == 1


def test_a_field_with_a_line_break_is_refused_every_time() -> None:
    bad = response((b"X-Split", b"a\r\nSet-Cookie: x=1"))
    for _ in range(2):  # never kept
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            serialize_response(bad)


def test_the_kept_heads_are_bounded_in_number_and_size() -> None:
    serialize._HEADS.clear()
    for n in range(serialize.HEAD_CACHE + 10):
        serialize_response(response((b"ETag", b'"%d"' % n)))
        assert len(serialize._HEADS) <= serialize.HEAD_CACHE
    serialize._HEADS.clear()
    big = response((b"X-Big", b"x" * serialize.HEAD_CACHE_BYTES))
    assert serialize_response(big) == serialize_response(big)
    assert not serialize._HEADS
