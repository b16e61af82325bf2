"""The fast path for common heads (`common_head`) against the strict parser, its reference.

The invariant: for any input, however it is split, the parser with the fast path and the parser
without it give the same events — every field of every head, notes and spans included — or the
same error (status, detail, RFC section, offending bytes, notes). The fast path may only ever
decline; it must never answer differently.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from httplab.protocol.common_head import parse_common_head
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import RequestHead
from httplab.protocol.limits import DEFAULT_LIMITS, Limits

from .helpers import Collected, parse_requests
from .test_differential import pipelines
from .test_properties import requests, split


def exact(events: Collected) -> list[object]:
    """Events as values that keep everything (dataclass fields; an error's every attribute)."""
    out: list[object] = []
    for event in events:
        if isinstance(event, ProtocolError):
            out.append(
                (
                    "error",
                    *(event.status, event.detail, event.rfc_ref, event.offending),
                    *(event.code, event.notes),
                )
            )
        elif isinstance(event, RequestHead):
            out.append((event, dict(event.spans), event.headers.raw()))
        else:
            out.append(event)
    return out


def assert_same(pieces: list[bytes], limits: Limits | None = None) -> None:
    fast = parse_requests(pieces, limits, fast_path=True)
    strict = parse_requests(pieces, limits, fast_path=False)
    assert exact(fast) == exact(strict)


def head_of(data: bytes) -> bytes:
    return data[: data.index(b"\r\n\r\n") + 4]


COMMON = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",  # what wrk sends
    b"GET /users?page=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.5.0\r\n"
    b"Accept: */*\r\n\r\n",
    b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 25\r\n\r\n{"name":"Vasya","age":42}',
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"DELETE /users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: x\r\nX-Empty: \r\nX-Tabs: \t a \t b\t \r\nX-Obs: \x80\xff\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: Chunked \r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'a\r\n{"name":"V\r\nf\r\nasya","age":42}\r\n0\r\n\r\n',
    b"PUT /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nab",
    # names that end like a framing field's, and a value that looks like a field line
    b"GET / HTTP/1.1\r\nX-Host: b\r\nHost: a\r\nX-Content-Length: 9\r\nB: host: x\r\n\r\n",
]

DECLINED = [
    b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",  # an empty line first (noted)
    b"GET / HTTP/1.1\nHost: a\r\n\r\n",  # a bare LF (noted)
    b"GET / HTTP/1.2\r\nHost: a\r\n\r\n",  # a higher minor (noted)
    b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
    b"get / HTTP/1.1\r\nHost: a\r\n\r\n".replace(b"get", b"G(T"),
    b"CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",  # no Host
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
    # a colon not followed by exactly one SP: valid, but not the common shape
    b"GET / HTTP/1.1\r\nHost:a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-Tab:\tb\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX:b: c\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
    b"\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
    b"0\r\n\r\n",
    b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + b"9" * 19 + b"\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n",  # over max_body
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",  # over max_request_line
    b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 9000 + b"\r\n\r\n",  # over max_header_line
]


@pytest.mark.parametrize("data", COMMON)
def test_common_heads_take_the_fast_path(data: bytes) -> None:
    head = parse_common_head(head_of(data), DEFAULT_LIMITS)
    assert head is not None
    assert_same([data])


@pytest.mark.parametrize("data", DECLINED)
def test_unusual_heads_go_to_the_strict_parser(data: bytes) -> None:
    assert parse_common_head(head_of(data), DEFAULT_LIMITS) is None
    assert_same([data])


def test_the_limits_of_the_parser_apply_to_the_fast_path() -> None:
    data = b"GET /abc HTTP/1.1\r\nHost: a\r\nX-One: 1\r\nX-Two: 2\r\n\r\n"
    assert parse_common_head(head_of(data), DEFAULT_LIMITS) is not None
    for limits in (
        Limits(max_request_line=16),
        Limits(max_header_line=16),
        Limits(max_header_block=16),
        Limits(max_fields=2),
        Limits(max_body=0),
    ):
        with_body = data.replace(b"X-Two: 2", b"Content-Length: 1") + b"x"
        for case in (data, with_body):
            assert_same([case], limits)
    assert parse_common_head(head_of(data), Limits(max_fields=2)) is None


@pytest.mark.timeout(240)  # a guard against a hang, not a speed limit
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(pipelines(), st.lists(st.integers(0, 10_000), max_size=4))
@example([b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 3], [30, 31])
def test_fast_and_strict_agree_on_grammar_aware_inputs(
    pieces: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(pieces)
    assert_same([data])
    assert_same(split(data, cuts))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A common request with a byte replaced, inserted or removed: the edge of the fast path."""
    data = draw(st.sampled_from(COMMON) | requests())
    at = draw(st.integers(0, len(data)))
    edges = st.sampled_from([0, 9, 10, 13, 32, 35, 44, 58, 91, 127, 128, 255])
    byte = bytes([draw(edges | st.integers(0, 255))])
    how = draw(st.sampled_from(["replace", "insert", "delete"]))
    if how == "replace":
        return data[:at] + byte + data[at + 1 :]
    if how == "insert":
        return data[:at] + byte + data[at:]
    return data[:at] + data[at + 1 :]


@st.composite
def near_common(draw: st.DrawFn) -> bytes:
    """Requests of the common shape with every piece drawn evenly from the usual and the edge
    cases the fast path must decline (so most inputs sit right at its boundary)."""
    method = draw(st.sampled_from([b"GET", b"POST", b"CONNECT", b"OPTIONS", b"G(T", b"M-X"]))
    target = draw(st.sampled_from([b"/", b"/a?b=c", b"/a#f", b"*", b"http://h/", b"/\x7f", b"/%"]))
    versions = [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.2", b"HTTP/2.0", b"HTTP/1.1 "]
    version = draw(st.sampled_from(versions))
    names = [b"Host", b"host", b"Content-Length", b"Transfer-Encoding", b"Expect", b"Connection"]
    names += [b"X-A", b"X A", b"X-A ", b""]
    values = [b"a", b"a:1", b"[::1]", b"a b", b"0", b"5", b"05", b"1,1", b"close", b"keep-alive"]
    values += [b"chunked", b"100-continue", b"", b" \t", b"\x80", b"a\x00", b"9" * 19]
    lines = [method + b" " + target + b" " + version]
    for _ in range(draw(st.integers(0, 4))):
        lines.append(draw(st.sampled_from(names)) + b": " + draw(st.sampled_from(values)))
    end = draw(st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n"]))
    body = draw(st.binary(max_size=6))
    return b"\r\n".join(lines) + end + b"\r\n" + body


@pytest.mark.timeout(240)
@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(near_common(), min_size=1, max_size=3), st.lists(st.integers(0, 9999), max_size=3))
def test_fast_and_strict_agree_at_the_edge_of_the_common_shape(
    batch: list[bytes], cuts: list[int]
) -> None:
    data = b"".join(batch)
    assert_same([data])
    assert_same(split(data, cuts))


@pytest.mark.timeout(240)
@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated(), min_size=1, max_size=3), st.lists(st.integers(0, 10_000), max_size=3))
def test_fast_and_strict_agree_on_mutated_requests(batch: list[bytes], cuts: list[int]) -> None:
    data = b"".join(batch)
    assert_same([data])
    assert_same(split(data, cuts))


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_fast_and_strict_agree_on_any_bytes(data: bytes) -> None:
    assert_same([b"GET / HTTP/1.1\r\n" + data])
    assert_same([data])
