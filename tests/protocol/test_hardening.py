"""Regression tests for the holes found from outside (issue 7), each naming its RFC rule.

Every case failed before its fix; the numbers are the findings' numbers in issue 7.
"""

from __future__ import annotations

import pytest

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, RequestHead
from httplab.protocol.headers import Headers
from httplab.protocol.limits import Limits
from httplab.protocol.messages import Request
from httplab.protocol.parser import RequestParser

from .helpers import first_head, one_error, parse_requests

H = b"Host: x\r\n"


# 1 — RFC 9112 §3.2 / RFC 3986 §3.2.2: an absolute-form target's authority is a host, an
# IP-literal in brackets is an IPv6 address; anything else is a 400 from the parser.
@pytest.mark.parametrize(
    "target",
    [
        b"http://[/users",
        b"http://a]/",
        b"http://[zz]/",
        b"http://[::1/",
        b"http://[:::::]/",
        b"http://[1.2.3.4]/",
        b"http://a[::1]/",
        b"http://[::1]x/",
        b"http://[::1]:8o/",
        b"http://a:b:c/",
    ],
)
def test_invalid_authority_in_absolute_form_is_400(target: bytes) -> None:
    error = one_error(b"GET " + target + b" HTTP/1.1\r\n" + H + b"\r\n")
    assert error.status == 400
    assert "RFC 9112 §3.2" in error.rfc_ref or "RFC 3986" in error.rfc_ref


@pytest.mark.parametrize(
    "target", [b"http://u@example.com/p", b"HTTPS://u:pw@example.com:80/", b"http://@h/"]
)
def test_userinfo_in_an_http_absolute_form_target_is_400(target: bytes) -> None:
    # RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an http(s) URI as an error
    error = one_error(b"GET " + target + b" HTTP/1.1\r\n" + H + b"\r\n")
    assert (error.status, error.rfc_ref) == (400, "RFC 9110 §4.2.4")
    assert error.code == "userinfo-in-target"
    assert "userinfo" in error.detail


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        (b"http://[::1]:8080/users?a=1", "/users", "a=1"),
        (b"http://example.com", "/", ""),
        (b"http://example.com?x", "/", "x"),
        (b"ftp://u@example.com:80/p", "/p", ""),
    ],
)
def test_valid_absolute_form_paths(target: bytes, path: str, query: str) -> None:
    head = first_head(b"GET " + target + b" HTTP/1.1\r\n" + H + b"\r\n")
    request = head.to_request()
    assert (request.path, request.query_string) == (path, query)


@pytest.mark.parametrize("target", ["http://[/users", "http://a]/", "http://[zz]/", "x://[::1"])
def test_request_path_never_raises(target: str) -> None:
    # a Request built by hand (not by the parser) must not make a view die either
    request = Request("GET", target)
    assert isinstance(request.path, str) and isinstance(request.query_string, str)


@pytest.mark.parametrize("host", [b"[zz]", b"[:::::]", b"[1.2.3.4]", b"[::1"])
def test_invalid_ip_literal_in_host_is_400(host: bytes) -> None:
    error = one_error(b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    assert error.status == 400


# 3 — RFC 9110 §5.6.3: OWS is SP / HTAB only; \xa0, \x85 and friends are not whitespace.
@pytest.mark.parametrize(
    "value",
    [b"\xa0chunked\xa0", b"\x85chunked", b"chunked\x85", b"chunked, \xa0", b"\xa0chunked"],
)
def test_transfer_encoding_is_matched_on_bytes(value: bytes) -> None:
    # RFC 9112 §6.3: chunked is not the final coding → 400 and close; never read as chunked
    data = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: " + value + b"\r\n\r\n"
    events = parse_requests([data + b"0\r\n\r\nGET /smuggled HTTP/1.1\r\n" + H + b"\r\n"])
    assert not any(isinstance(e, RequestHead) for e in events)
    error = events[-1]
    assert error.status in (400, 501) and error.close  # type: ignore[attr-defined]


def test_unknown_transfer_coding_is_501_and_closes() -> None:
    # RFC 9112 §6.1: a coding the server does not understand → 501 (then close)
    data = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: br, chunked\r\n\r\n0\r\n\r\n"
    error = one_error(data)
    assert error.status == 501 and error.close


@pytest.mark.parametrize("value", [b"keep-alive\x85", b"\xa0keep-alive", b"keep-alive\xa0"])
def test_connection_keep_alive_is_matched_on_bytes(value: bytes) -> None:
    head = first_head(b"GET / HTTP/1.0\r\nConnection: " + value + b"\r\n\r\n")
    assert head.keep_alive is False  # RFC 9112 §9.3: 1.0 persists only with "keep-alive"


@pytest.mark.parametrize("value", [b"\xa0close", b"close\x85", b"close\x0c"[:-1] + b"\xa0"])
def test_connection_close_is_matched_on_bytes(value: bytes) -> None:
    head = first_head(b"GET / HTTP/1.1\r\n" + H + b"Connection: " + value + b"\r\n\r\n")
    assert head.keep_alive is True  # not the token "close" (RFC 9110 §7.6.1)


@pytest.mark.parametrize("value", [b"100-continue\xa0", b"\x85100-continue"])
def test_expect_is_matched_on_bytes(value: bytes) -> None:
    data = b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nExpect: " + value + b"\r\n\r\nx"
    assert one_error(data).status == 417  # RFC 9110 §10.1.1: not the 100-continue token


def test_header_tokens_trim_only_sp_and_htab() -> None:
    headers = Headers([("Connection", "\xa0close, \tkeep-alive ,,x\x85")])
    assert headers.tokens("connection") == ["\xa0close", "keep-alive", "x\x85"]


# 4 — reject early: a byte that can never be part of a request line is refused at once.
@pytest.mark.parametrize(
    "first",
    [
        b"\x00",
        b"\x16\x03\x01\x02\x00\x01",
        b"G\x00",
        b"GET /\x01",
        b"\xff\xfe",
        b"GET / HTTP/1.1 x",
    ],
)
def test_impossible_request_line_byte_is_rejected_before_the_line_ends(first: bytes) -> None:
    events = parse_requests([first], eof=False)
    assert events, "waited for more bytes instead of rejecting"
    assert events[-1].status == 400  # type: ignore[attr-defined]


def test_tls_client_hello_is_named_in_words() -> None:
    hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32))
    for pieces in ([hello], [hello[:1], hello[1:]], [hello[:2]]):
        events = parse_requests(pieces, eof=False)
        error = events[-1]
        assert "TLS handshake on the plain-HTTP port" in error.detail  # type: ignore[attr-defined]
        assert "use http://, not https://" in error.detail  # type: ignore[attr-defined]


def test_http2_preface_has_its_own_answer() -> None:
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    error = one_error(preface)
    assert error.status == 505
    assert "HTTP/2" in error.detail and "RFC 9113" in error.rfc_ref


def test_early_rejection_agrees_with_the_whole_line() -> None:
    # the status never depends on how the bytes were split (a NUL past the line limit is a 414)
    limits = Limits(max_request_line=32)
    long_line = b"GET /" + b"a" * 40 + b"\x00 HTTP/1.1\r\n" + H + b"\r\n"
    whole = parse_requests([long_line], limits)
    split = parse_requests([bytes([b]) for b in long_line], limits)
    assert whole[-1].status == split[-1].status == 414  # type: ignore[attr-defined]
    early = b"G\x00T " + b"a" * 40 + b" HTTP/1.1\r\n" + H + b"\r\n"
    assert parse_requests([early], limits)[-1].status == 400  # type: ignore[attr-defined]
    assert parse_requests([early[:2]], limits, eof=False)[-1].status == 400  # type: ignore[attr-defined]


def test_bad_target_byte_is_400_even_with_a_bad_version() -> None:
    # the target is judged before the version, as the bytes arrive
    assert one_error(b"GET /\x01 HTTP/2.0\r\n" + H + b"\r\n").status == 400


# 5, 6 — RFC 9112 §7.1.1: a server limits chunk extensions and framing with a 4xx.
CHUNKED = b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"


def test_chunk_size_line_over_the_limit_is_400_in_one_write() -> None:
    line = b"1;a=" + b"b" * 100_000 + b"\r\nX\r\n0\r\n\r\n"
    assert one_error(CHUNKED + line).status == 400


def test_chunk_size_line_limit_does_not_depend_on_read_boundaries() -> None:
    limits = Limits(max_chunk_line=64)
    line = b"1;a=" + b"b" * 70 + b"\r\nX\r\n0\r\n\r\n"
    for pieces in ([CHUNKED + line], [CHUNKED, line], [CHUNKED + line[:10], line[10:]]):
        assert parse_requests(pieces, limits)[-1].status == 400  # type: ignore[attr-defined]


def test_extension_bytes_across_chunks_are_bounded() -> None:
    chunk = b"1;a=" + b"b" * 4000 + b"\r\nX\r\n"
    parser = RequestParser()
    parser.feed(CHUNKED)
    assert isinstance(parser.next_event(), RequestHead)
    with pytest.raises(ProtocolError) as caught:
        for _ in range(1000):  # 4 MB of extensions for a 1 KB body
            parser.feed(chunk)
            while isinstance(parser.next_event(), Data):
                pass
    assert caught.value.status == 400
    assert "RFC 9112 §7.1.1" in caught.value.rfc_ref


def test_one_byte_chunks_are_bounded() -> None:
    events = parse_requests([CHUNKED + b"1\r\nX\r\n" * 200_000 + b"0\r\n\r\n"])
    assert events[-1].status == 400  # type: ignore[attr-defined]


def test_ordinary_small_chunks_pass() -> None:
    body = b"".join(b"10\r\n" + b"x" * 16 + b"\r\n" for _ in range(5000)) + b"0\r\n\r\n"
    events = parse_requests([CHUNKED + body], eof=False)
    assert isinstance(events[-1], EndOfMessage)


# 16 — RFC 9112 §7.1: chunked framing is CRLF throughout, the last line too (README's rule).
@pytest.mark.parametrize(
    "ending", [b"0\r\n\n", b"0\r\nX-T: 1\n\r\n", b"0\r\nX-T: 1\r\n\n", b"0\r\nX-T: 1\n\n"]
)
def test_bare_lf_ending_a_chunked_body_is_400(ending: bytes) -> None:
    assert one_error(CHUNKED + ending).status == 400
    # and the same answer when the bytes arrive one at a time
    data = CHUNKED + ending
    assert parse_requests([bytes([b]) for b in data])[-1].status == 400  # type: ignore[attr-defined]


def test_crlf_trailers_still_pass() -> None:
    events = parse_requests([CHUNKED + b"0\r\nX-T: 1\r\n\r\n"], eof=False)
    assert isinstance(events[-1], EndOfMessage)
    assert events[-1].trailers.get("x-t") == "1"


# found by bench/fuzz.py — RFC 9112 §2.2: the limit on empty lines before a request line is
# one count across reads, so the answer never depends on how the bytes were split
def test_empty_line_limit_does_not_depend_on_read_boundaries() -> None:
    data = b"\r\n" * 20 + b"GET / HTTP/1.1\r\n" + H + b"\r\n"
    whole = parse_requests([data])
    split = parse_requests([data[i : i + 4] for i in range(0, len(data), 4)])
    assert whole[-1].status == split[-1].status == 400  # type: ignore[attr-defined]


def test_error_details_name_a_value_without_a_python_bytes_repr() -> None:
    # A learner reads these in the 400 body: b'+15' is Python's notation, not HTTP's.
    for raw, shown in [
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +15\r\n\r\n", 'got "+15"'),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xa015\r\n\r\n", "got other bytes"),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ch@nked\r\n\r\n", '"ch@nked"'),
    ]:
        detail = one_error(raw).detail
        assert shown in detail
        assert "b'" not in detail
