"""Every limit is named, configurable, and answered with the status RFC 9110/6585 gives."""

from __future__ import annotations

from httplab.protocol.limits import MAX_FIELDS, MAX_REQUEST_LINE, Limits

from .helpers import one_error, parse_requests

SMALL = Limits(
    max_request_line=64, max_header_line=64, max_header_block=256, max_fields=5, max_body=100
)


def test_long_request_line_is_414_even_before_it_ends() -> None:
    assert one_error(b"GET /" + b"a" * 100, SMALL).status == 414
    events = parse_requests([b"GET /" + b"a" * 100], SMALL, eof=False)
    assert events[-1].status == 414  # type: ignore[attr-defined]


def test_long_request_line_complete_is_414() -> None:
    assert one_error(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n", SMALL).status == 414


def test_default_limit_is_the_named_constant() -> None:
    line = b"GET /" + b"a" * MAX_REQUEST_LINE + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert one_error(line).status == 414


def test_long_field_line_is_431() -> None:
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"v" * 100 + b"\r\n\r\n"
    assert one_error(data, SMALL).status == 431
    partial = parse_requests([data[:-4]], SMALL, eof=False)
    assert partial[-1].status == 431  # type: ignore[attr-defined]


def test_too_many_fields_is_431() -> None:
    fields = b"".join(b"X-%d: 1\r\n" % i for i in range(6))
    assert one_error(b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n", SMALL).status == 431
    many = b"".join(b"X-%d: 1\r\n" % i for i in range(MAX_FIELDS + 1))
    assert one_error(b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").status == 431


def test_header_block_too_large_is_431() -> None:
    fields = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 50) for i in range(4)) + b"Y: 1\r\n" * 0
    limits = Limits(max_header_block=150, max_fields=50)
    assert one_error(b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n", limits).status == 431


def test_body_too_large_is_413_at_the_head() -> None:
    data = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n"
    assert one_error(data, SMALL).status == 413


def test_absurd_content_length_is_413_not_a_crash() -> None:
    data = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * 5000 + b"\r\n\r\n"
    assert one_error(data, Limits(max_header_line=10000)).status == 413


def test_chunked_body_too_large_is_413() -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"40\r\n"
        + b"a" * 64
        + b"\r\n"
        + b"40\r\n"
        + b"a" * 64
        + b"\r\n0\r\n\r\n"
    )
    assert one_error(data, SMALL).status == 413


def test_huge_chunk_size_is_refused() -> None:
    data = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 40 + b"\r\n"
    assert one_error(data).status == 413
