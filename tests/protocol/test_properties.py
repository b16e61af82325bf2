"""Properties over large input spaces (hypothesis).

- However the bytes are split, the parser yields the same events (pipelining included).
- Any input parses or raises ProtocolError — no other exception, no hang.
- Serialize → parse gives the message back.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, RequestHead
from httplab.protocol.headers import Headers
from httplab.protocol.limits import Limits
from httplab.protocol.messages import Request
from httplab.protocol.parser import RequestParser, ResponseParser
from httplab.protocol.serialize import serialize_request

from .helpers import comparable, drain, parse_requests

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
tokens = st.text(TOKEN_CHARS, min_size=1, max_size=12)
values = st.binary(max_size=30).map(
    lambda b: bytes(c for c in b if c == 9 or 32 <= c < 127 or c >= 128).strip(b" \t")
)
paths = st.text("abcxyz019-._~%/", max_size=20).map(lambda p: "/" + p)


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]))
    fields = draw(st.lists(st.tuples(tokens, values), max_size=6))
    headers = Headers([("Host", "example.com")])
    for name, value in fields:
        if name.lower() not in ("host", "content-length", "transfer-encoding", "expect"):
            headers.add(name, value)
    body = draw(st.binary(max_size=80))
    chunked = draw(st.booleans())
    return serialize_request(
        Request(method, draw(paths), headers=headers, body=body), chunked=chunked
    )


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return [p for p in pieces if p]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests(), min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=30))
def test_any_split_gives_the_same_events(batch: list[bytes], cuts: list[int]) -> None:
    data = b"".join(batch)
    whole = comparable(parse_requests([data]))
    assert comparable(parse_requests(split(data, cuts))) == whole
    assert comparable(parse_requests([data[i : i + 1] for i in range(len(data))])) == whole
    heads = [e for e in whole if isinstance(e, tuple) and e[0] == "head"]
    assert len(heads) == len(batch)


@settings(max_examples=150)
@given(requests())
def test_serialized_request_round_trips(data: bytes) -> None:
    events = parse_requests([data])
    head = events[0]
    assert isinstance(head, RequestHead)
    body = b"".join(e.data for e in events if isinstance(e, Data))
    rebuilt = serialize_request(
        head.to_request(body),
        chunked=head.framing.kind == "chunked",
    )
    assert comparable(parse_requests([rebuilt])) == comparable(events)


SMALL = Limits(max_request_line=200, max_header_line=200, max_header_block=1000, max_body=500)
http_ish = st.lists(
    st.sampled_from(
        [
            b"GET ",
            b"POST ",
            b"/",
            b" HTTP/1.1",
            b" HTTP/1.0",
            b"\r\n",
            b"\n",
            b"\r",
            b"Host: x",
            b"Content-Length: ",
            b"5",
            b"-1",
            b"Transfer-Encoding: chunked",
            b"0",
            b"ff",
            b";a=b",
            b":",
            b" ",
            b"\t",
            b"\x00",
            b"\xff",
            b"abc",
            b"Expect: 100-continue",
            b"Connection: close",
        ]
    ),
    max_size=40,
).map(b"".join)


@settings(max_examples=400)
@given(st.one_of(st.binary(max_size=300), http_ish), st.lists(st.integers(0, 400), max_size=8))
@pytest.mark.parametrize("parser_type", [RequestParser, ResponseParser])
def test_fuzz_only_events_or_protocol_error(
    parser_type: type[RequestParser] | type[ResponseParser], data: bytes, cuts: list[int]
) -> None:
    parser = parser_type(SMALL)
    out: list[object] = []
    try:
        for piece in [*split(data, cuts), b""]:
            parser.feed(piece)
            drain(parser, out)
    except ProtocolError as error:
        assert 400 <= error.status <= 599
        assert error.rfc_ref.startswith("RFC")
