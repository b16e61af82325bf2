"""Request line: method token, the four target forms, versions, empty lines, bare CR."""

from __future__ import annotations

import pytest

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import EndOfMessage, RequestHead

from .helpers import first_head, one_error, parse_requests


def test_simple_get_yields_head_then_end() -> None:
    events = parse_requests([b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n"])
    head, end = events[0], events[1]
    assert isinstance(head, RequestHead)
    assert (head.method, head.target, head.version) == ("GET", "/users", "HTTP/1.1")
    assert isinstance(end, EndOfMessage)
    assert head.keep_alive is True


@pytest.mark.parametrize(
    ("line", "form"),
    [
        (b"GET /a?b=c HTTP/1.1", "origin"),
        (b"GET http://example.com/x HTTP/1.1", "absolute"),
        (b"GET http://example.com HTTP/1.1", "absolute"),
        (b"CONNECT example.com:443 HTTP/1.1", "authority"),
        (b"OPTIONS * HTTP/1.1", "asterisk"),
    ],
)
def test_target_forms(line: bytes, form: str) -> None:
    assert first_head(line + b"\r\nHost: example.com\r\n\r\n").target_form == form


@pytest.mark.parametrize(
    "line",
    [
        b"GET * HTTP/1.1",  # asterisk only for OPTIONS
        b"GET users HTTP/1.1",  # neither origin nor absolute
        b"CONNECT /x HTTP/1.1",  # CONNECT needs host:port
        b"G(T / HTTP/1.1",  # method not a token
        b"GET  / HTTP/1.1",  # two spaces
        b"GET /",  # HTTP/0.9 style
        b"GET / HTTP/1.1 extra",
        b"GET / http/1.1",  # the name is case-sensitive
        b"GET / HTTP/1.1x",
        b"GET / HTTP/11",
        b"GET /\x7f HTTP/1.1",
    ],
)
def test_malformed_request_lines_get_400(line: bytes) -> None:
    assert one_error(line + b"\r\nHost: x\r\n\r\n").status == 400


@pytest.mark.parametrize("version", [b"HTTP/2.0", b"HTTP/3.0", b"HTTP/0.9"])
def test_other_major_versions_get_505(version: bytes) -> None:
    error = one_error(b"GET / " + version + b"\r\nHost: x\r\n\r\n")
    assert error.status == 505
    assert "RFC 9110" in error.rfc_ref


def test_higher_minor_version_is_treated_as_1_1() -> None:
    head = first_head(b"GET / HTTP/1.9\r\nHost: x\r\n\r\n")
    assert head.version == "HTTP/1.1"
    assert head.raw_version == "HTTP/1.9"
    assert any(n.code == "higher-minor-version" for n in head.notes)


def test_http_1_0_without_host_is_fine_and_closes() -> None:
    head = first_head(b"GET / HTTP/1.0\r\n\r\n")
    assert head.version == "HTTP/1.0"
    assert head.keep_alive is False


def test_leading_empty_lines_are_ignored_but_kept_in_raw() -> None:
    head = first_head(b"\r\n\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head.method == "GET"
    assert head.raw.startswith(b"\r\n\r\n\n")
    start, end = head.spans["method"]
    assert head.raw[start:end] == b"GET"


@pytest.mark.parametrize("stray", [b"\r\n", b"\n", b"\r\n\r\n"])
def test_empty_lines_then_close_are_a_clean_close(stray: bytes) -> None:
    # RFC 9112 §2.2: empty lines before a request-line are ignored, so a client that sends a
    # stray CRLF after its request (old browsers did after a POST body) and closes has closed
    # cleanly; it was "closed in the middle of a message head" (found by differential tests).
    events = parse_requests([b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz" + stray])
    assert [type(e).__name__ for e in events] == [
        "RequestHead",
        "Data",
        "EndOfMessage",
        "ConnectionClosed",
    ]


def test_a_lone_cr_then_close_is_still_an_error() -> None:
    events = parse_requests([b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\r"])
    assert isinstance(events[-1], ProtocolError)


def test_too_many_leading_empty_lines_are_refused() -> None:
    assert one_error(b"\r\n" * 100 + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").status == 400


@pytest.mark.parametrize(
    "data",
    [
        b"GET / HTTP/1.1\rHost: x\r\n\r\n",
        b"GET /\r HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n",
        b"\rGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ],
)
def test_bare_cr_is_400(data: bytes) -> None:
    error = one_error(data)
    assert error.status == 400
    assert "RFC 9112 §2.2" in error.rfc_ref


def test_bare_lf_is_accepted_with_a_note() -> None:
    head = first_head(b"GET / HTTP/1.1\nHost: x\n\n")
    assert head.headers.get("host") == "x"
    assert [n.code for n in head.notes] == ["bare-lf"]


def test_spans_point_at_the_bytes_they_came_from() -> None:
    raw = b"POST /users?x=1 HTTP/1.1\r\nHost:  example.com \r\nX-A: 1\r\n\r\n"
    head = first_head(raw)
    text = {key: raw[a:b] for key, (a, b) in head.spans.items()}
    assert text["method"] == b"POST"
    assert text["target"] == b"/users?x=1"
    assert text["version"] == b"HTTP/1.1"
    assert text["header:0:name"] == b"Host"
    assert text["header:0:value"] == b"example.com"
    assert text["header:1"] == b"X-A: 1"


def test_spans_with_bare_lf_and_response_spans() -> None:
    raw = b"\nGET /x HTTP/1.1\nHost: h\n\n"
    head = first_head(raw)
    assert raw[slice(*head.spans["target"])] == b"/x"
    assert raw[slice(*head.spans["header:0:value"])] == b"h"

    from tests.protocol.helpers import parse_responses

    response = b"HTTP/1.1 404 Not Found\r\nX-A:  v \r\n\r\n"
    rhead = parse_responses(response, ["HEAD"])[0]
    assert response[slice(*rhead.spans["status"])] == b"404"  # type: ignore[union-attr]
    assert response[slice(*rhead.spans["reason"])] == b"Not Found"  # type: ignore[union-attr]
    assert response[slice(*rhead.spans["header:0:value"])] == b"v"  # type: ignore[union-attr]
