"""The pure parts: hop-by-hop removal, Via, framing fields, targets, --listen and --to, and the
parser's `forget_raw` that lets a body stream without the parser keeping it."""

from __future__ import annotations

import pytest

from httplab.protocol.events import Data, EndOfMessage, RequestHead
from httplab.protocol.headers import Headers
from httplab.protocol.request_parser import RequestParser
from httplab.proxy.fields import (
    chunk,
    end_to_end,
    last_chunk,
    origin_form,
    request_head,
    set_framing,
    via_value,
)
from httplab.proxy.settings import AddressError, parse_listen, parse_upstream


def test_end_to_end_drops_the_fixed_list_and_what_connection_names() -> None:
    headers = Headers(
        [
            ("Host", "a"),
            ("Connection", "close, X-Mine"),
            ("X-Mine", "1"),
            ("Keep-Alive", "5"),
            ("TE", "trailers"),
            ("Transfer-Encoding", "chunked"),
            ("Upgrade", "h2c"),
            ("Proxy-Connection", "x"),
            ("Accept", "*/*"),
        ]
    )
    kept, removed = end_to_end(headers)
    assert kept.items() == [("Host", "a"), ("Accept", "*/*")]
    assert removed == [
        b"Connection",
        b"X-Mine",
        b"Keep-Alive",
        b"TE",
        b"Transfer-Encoding",
        b"Upgrade",
        b"Proxy-Connection",
    ]


def test_connection_tokens_are_read_as_bytes_with_ows_only() -> None:
    kept, _ = end_to_end(Headers([("Connection", "\xa0x-a"), ("x-a", "1")]))
    assert kept.get("x-a") == "1"  # "\xa0x-a" is not the token "x-a"


def test_via_names_the_received_version() -> None:
    assert via_value("HTTP/1.1") == b"1.1 httplab"
    assert via_value("HTTP/1.0") == b"1.0 httplab"


def test_framing_fields_are_set_afresh() -> None:
    headers = Headers([("Content-Length", "5"), ("Content-Length", "5")])
    set_framing(headers, "length", 5)
    assert headers.get_all("content-length") == ["5"]
    set_framing(headers, "chunked")
    assert headers.items() == [("Transfer-Encoding", "chunked")]
    set_framing(headers, "close")
    assert headers.items() == []


def test_chunks_and_the_last_chunk() -> None:
    assert chunk(b"hello") == b"5\r\nhello\r\n"
    assert last_chunk(Headers()) == b"0\r\n\r\n"
    assert last_chunk(Headers([("X-Sum", "1")])) == b"0\r\nX-Sum: 1\r\n\r\n"


def test_a_field_with_cr_or_lf_is_refused() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        request_head("GET", "/", Headers([("X", "a\r\nInjected: 1")]))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/a?b", ("/a?b", None)),
        ("*", ("*", None)),
        ("http://h:8/p?q", ("/p?q", "h:8")),
        ("http://h", ("/", "h")),
        ("http://h?q=1", ("/?q=1", "h")),
        ("http://user@h/p", ("/p", "h")),
    ],
)
def test_origin_form(target: str, expected: tuple[str, str | None]) -> None:
    assert origin_form(target) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8080", ("127.0.0.1", 8080)),
        (":8080", ("127.0.0.1", 8080)),
        ("0", ("127.0.0.1", 0)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:8080", ("::1", 8080)),
    ],
)
def test_listen_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["", "host", "host:", "host:99999", "::1:80", "８０８０", "1:2:3"])
def test_bad_listen_addresses(text: str) -> None:
    with pytest.raises(AddressError, match="--listen"):
        parse_listen(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("http://example.test:80/", ("example.test", 80)),
        ("[::1]:8000", ("::1", 8000)),
    ],
)
def test_upstream_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_upstream(text) == expected


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("8000", "expected HOST:PORT"),
        (":8000", "expected HOST:PORT"),
        ("host:0", "expected HOST:PORT"),
        ("host:x", "expected HOST:PORT"),
        ("http://h:1/path", "without a path"),
        ("https://h:443", "HTTPS"),
    ],
)
def test_bad_upstream_addresses(text: str, said: str) -> None:
    with pytest.raises(AddressError, match=said):
        parse_upstream(text)


def test_forget_raw_keeps_the_head_and_drops_the_body_already_passed_on() -> None:
    parser = RequestParser()
    head_bytes = b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"
    parser.feed(head_bytes + b"01234")
    head = parser.next_event()
    assert isinstance(head, RequestHead)
    assert isinstance(parser.next_event(), Data)
    assert parser.forget_raw(len(head_bytes) + 2) == 3
    assert parser.forget_raw(len(head_bytes) + 2) == 0
    parser.feed(b"56789")
    assert parser.next_event() == Data(b"56789")
    end = parser.next_event()
    assert isinstance(end, EndOfMessage)
    assert end.raw == head_bytes + b"01" + b"56789"  # the kept start, then what came after
