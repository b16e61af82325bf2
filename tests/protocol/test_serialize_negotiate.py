"""Serializers round-trip through the parsers; Accept negotiation with q-values and wildcards."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from httplab.protocol.events import Data, EndOfMessage, RequestHead, ResponseHead
from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.protocol.negotiate import negotiate, parse_accept
from httplab.protocol.serialize import encode_chunked, serialize_request, serialize_response

from .helpers import parse_requests, parse_responses


def test_response_bytes_exactly() -> None:
    response = Response(201, Headers([("Location", "/users/1")]), b"{}")
    assert serialize_response(response) == (
        b"HTTP/1.1 201 Created\r\nLocation: /users/1\r\nContent-Length: 2\r\n\r\n{}"
    )


def test_head_response_keeps_content_length_drops_body() -> None:
    data = serialize_response(Response(200, body=b"hello"), request_method="HEAD")
    assert data == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"


@pytest.mark.parametrize("status", [100, 204, 304])
def test_no_body_statuses(status: int) -> None:
    data = serialize_response(Response(status, body=b"ignored"))
    assert data.endswith(b"\r\n\r\n")
    assert b"Content-Length" not in data


def test_header_injection_is_refused() -> None:
    with pytest.raises(ValueError):
        serialize_response(Response(200, Headers([("X", "a\r\nSet-Cookie: evil")])))


@pytest.mark.parametrize(
    "response",
    [
        Response(200, Headers([("X", "a\nb")])),
        Response(200, Headers([("X", "a\rb")])),
        Response(200, Headers([("X\r\nY", "1")])),
        Response(200, Headers([("X", "a\x00b")])),
        Response(200, Headers([("A", "1"), ("B", "\r"), ("C", "\n")])),  # counts balance
        Response(200, reason="OK\r\nSet-Cookie: evil"),
        Response(200, reason="OK\n"),
    ],
)
def test_every_separator_inside_a_head_line_is_refused(response: Response) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        serialize_response(response)


@pytest.mark.parametrize(
    ("response", "said"),
    [
        (Response(200, Headers([("X A", "1")])), "is not a token"),
        (Response(200, Headers([("X:Y", "1")])), "is not a token"),
        (Response(200, Headers([("Ünï", "1")])), "is not a token"),
        # a name holding ": " would read back as a shorter name and a longer value
        (Response(200, Headers([("X: ", "")])), "is not a token"),
        (Response(200, Headers([("X: a", "b")])), "is not a token"),
        (Response(200, Headers([("X", "a\x1b[2Jb")])), "control character"),
        (Response(200, Headers([("X", "a\x7f")])), "control character"),
        (Response(200, reason="O\x1bK"), "the status line"),
    ],
)
def test_a_head_a_recipient_could_not_parse_is_refused(response: Response, said: str) -> None:
    # RFC 9110 §5.1 / §5.5: a name is a token, a value visible bytes, SP and HTAB
    with pytest.raises(ValueError, match=said):
        serialize_response(response)


_NAMES = st.text("!#$%&'*+-.^_`|~0123456789abcXYZ :\x1b\x7f\xe9", min_size=0, max_size=6)
_VALUES = st.text(" \tab\x1b\x7f\xe9\x00", max_size=6)


@given(st.lists(st.tuples(_NAMES, _VALUES), max_size=4))
@example([("0: ", "")])  # found by hypothesis: went out as "0: : ", read back as 0 with ": "
def test_what_is_serialized_parses_back_to_the_same_fields(fields: list[tuple[str, str]]) -> None:
    # whatever the serializer lets out, a strict parser reads back as the same fields; the
    # rest is refused with ValueError (a server answers 500 instead)
    response = Response(200, Headers(fields), b"ok")
    try:
        data = serialize_response(response)
    except ValueError:
        return
    head = parse_responses(data, ["GET"])[0]
    assert isinstance(head, ResponseHead)
    sent = [(f.name, f.value.strip(b" \t")) for f in Headers(fields)]
    assert [(f.name, f.value) for f in head.headers][: len(sent)] == sent


def test_status_lines_are_made_once_and_say_each_reason() -> None:
    first = serialize_response(Response(299, reason="Made Up"))
    assert first.startswith(b"HTTP/1.1 299 Made Up\r\n")
    assert serialize_response(Response(299, reason="Other")).startswith(b"HTTP/1.1 299 Other\r\n")
    assert serialize_response(Response(299, reason="Made Up")) == first
    assert serialize_response(Response(200, version="HTTP/1.0")).startswith(b"HTTP/1.0 200 OK")


def test_chunked_response_round_trip() -> None:
    response = Response(200, Headers([("Transfer-Encoding", "chunked")]), b"x" * 10000)
    events = parse_responses(serialize_response(response), ["GET"])
    assert b"".join(e.data for e in events if isinstance(e, Data)) == b"x" * 10000


def test_request_round_trip_plain_and_chunked() -> None:
    request = Request("POST", "/users", headers=Headers([("Host", "x")]), body=b"name=a&age=1")
    for chunked in (False, True):
        events = parse_requests([serialize_request(request, chunked=chunked)])
        head = events[0]
        assert isinstance(head, RequestHead)
        assert head.framing.kind == ("chunked" if chunked else "length")
        body = b"".join(e.data for e in events if isinstance(e, Data))
        assert body == b"name=a&age=1"
        assert any(isinstance(e, EndOfMessage) for e in events)


def test_encode_chunked_layout() -> None:
    assert encode_chunked(b"abcde", 2) == b"2\r\nab\r\n2\r\ncd\r\n1\r\ne\r\n0\r\n\r\n"
    assert encode_chunked(b"", trailers=Headers([("T", "1")])) == b"0\r\nT: 1\r\n\r\n"


def test_reason_phrases() -> None:
    assert Response(421).reason == "Misdirected Request"
    assert Response(599).reason == ""
    line = serialize_response(Response(599)).split(b"\r\n")[0]
    assert line == b"HTTP/1.1 599 "
    assert isinstance(parse_responses(serialize_response(Response(599)), ["GET"])[0], ResponseHead)


AVAILABLE = ["application/json", "text/html"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("text/html", "text/html"),
        ("application/json", "application/json"),
        ("text/html;q=0.5, application/json;q=0.9", "application/json"),
        ("text/html, application/json;q=0.9", "text/html"),
        ("text/*", "text/html"),
        ("text/*;q=0.1, */*;q=0.2", "application/json"),
        ("application/json;q=0, */*", "text/html"),
        ("image/png", None),
        ("text/html;q=0", None),
        ("TEXT/HTML", "text/html"),
        ("text/html;q=2", "application/json"),  # invalid q: member skipped → nothing valid left
        ("text/html;level=1;q=0.5, */*;q=0.1", "text/html"),
    ],
)
def test_negotiate(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, AVAILABLE) == chosen


def test_parse_accept_keeps_order_and_q() -> None:
    ranges = parse_accept("text/html;q=0.8, application/*, */*;q=0.01, garbage")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [
        ("text", "html", 0.8),
        ("application", "*", 1.0),
        ("*", "*", 0.01),
    ]


@pytest.mark.parametrize(
    ("status", "phrase"),
    [
        (413, "Content Too Large"),
        (414, "URI Too Long"),
        (422, "Unprocessable Content"),
        (431, "Request Header Fields Too Large"),
        (201, "Created"),
        (204, "No Content"),
    ],
)
def test_reason_phrases_are_rfc_9110s(status: int, phrase: str) -> None:
    assert Response(status).reason == phrase
