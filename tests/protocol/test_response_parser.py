"""The response parser the client uses: framing by status and method, 1xx, close-delimited."""

from __future__ import annotations

import pytest

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, ResponseHead

from .helpers import parse_responses


def kinds(events: list[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_content_length_response() -> None:
    events = parse_responses(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", ["GET"])
    assert kinds(events) == ["ResponseHead", "Data", "EndOfMessage"]
    head = events[0]
    assert isinstance(head, ResponseHead)
    assert (head.status, head.reason, head.keep_alive) == (200, "OK", True)


def test_close_delimited_body_ends_at_eof() -> None:
    events = parse_responses(b"HTTP/1.1 200 OK\r\n\r\nuntil the end", ["GET"])
    assert events[1] == Data(b"until the end")
    assert isinstance(events[2], EndOfMessage)
    assert events[0].keep_alive is False  # type: ignore[attr-defined]


def test_chunked_with_trailers() -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n"
    events = parse_responses(data, ["GET"])
    assert events[1] == Data(b"hi")
    assert events[2].trailers.get("x-t") == "1"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "method"), [(204, "GET"), (304, "GET"), (200, "HEAD"), (200, "CONNECT")]
)
def test_responses_without_body(status: int, method: str) -> None:
    data = b"HTTP/1.1 %d X\r\nContent-Length: 10\r\n\r\n" % status
    events = parse_responses(data + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", [method])
    assert kinds(events)[:2] == ["ResponseHead", "EndOfMessage"]


def test_interim_100_then_final() -> None:
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    events = parse_responses(data, ["POST"])
    assert [e.status for e in events if isinstance(e, ResponseHead)] == [100, 201]
    assert kinds(events) == ["ResponseHead", "ResponseHead", "EndOfMessage"]


def test_pipelined_responses() -> None:
    one = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
    events = parse_responses(one * 3, ["GET", "GET", "GET"])
    assert kinds(events) == ["ResponseHead", "Data", "EndOfMessage"] * 3


def test_head_response_has_no_body_even_with_content_length() -> None:
    head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"
    get_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
    events = parse_responses(head_answer + get_answer, ["HEAD", "GET"])
    assert kinds(events) == ["ResponseHead", "EndOfMessage", "ResponseHead", "Data", "EndOfMessage"]


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTTP/1.1 200 OK\r\n\r\n",
        b"<html>hello</html>",
        b"HTTP/2.0 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    ],
)
def test_garbage_responses_raise_protocol_error(data: bytes) -> None:
    events = parse_responses(data, ["GET"])
    assert isinstance(events[-1], ProtocolError)


def test_reason_phrase_is_optional() -> None:
    events = parse_responses(b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", ["GET"])
    assert events[0].reason == ""  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n",
        b"HTTP/1.1 200 OK\rX: 1\r\n\r\n",
    ],
)
def test_bad_response_heads_are_502_whatever_rule_broke(data: bytes) -> None:
    events = parse_responses(data, ["GET"])
    assert isinstance(events[-1], ProtocolError)
    assert events[-1].status == 502


def test_obs_fold_in_a_response_is_read_as_one_space() -> None:
    # RFC 9112 §5.2: a user agent MUST replace each obs-fold (OWS CRLF RWS) in a response with
    # SP before interpreting the value; it was refused with 502 (found against h11).
    data = b"HTTP/1.1 200 OK\r\nX-A: one \r\n\t two\r\nX-B: b\r\nContent-Length: 0\r\n\r\n"
    events = parse_responses(data, ["GET"])
    head = events[0]
    assert isinstance(head, ResponseHead)
    assert head.headers.raw() == [(b"X-A", b"one two"), (b"X-B", b"b"), (b"Content-Length", b"0")]
    assert [n.code for n in head.notes] == ["obs-fold"]
    start, end = head.spans["header:0:value"]
    assert head.raw[start:end] == b"one \r\n\t two"
    start, end = head.spans["header:1"]
    assert head.raw[start:end] == b"X-B: b"
    assert isinstance(events[-1], EndOfMessage)


def test_obs_fold_in_response_trailers_is_read_as_one_space() -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n"
    events = parse_responses(data, ["GET"])
    end = events[-1]
    assert isinstance(end, EndOfMessage)
    assert end.trailers.raw() == [(b"X-T", b"a b")]


def test_a_continuation_line_before_any_field_is_still_502() -> None:
    events = parse_responses(b"HTTP/1.1 200 OK\r\n folded\r\nContent-Length: 0\r\n\r\n", ["GET"])
    assert isinstance(events[-1], ProtocolError)
    assert events[-1].status == 502


def test_close_after_a_1xx_without_the_final_response_is_502() -> None:
    # an interim response is not an answer: EOF before the final one is a truncated exchange
    # (it was reported as a clean close; found against h11)
    events = parse_responses(b"HTTP/1.1 100 Continue\r\n\r\n", ["GET"])
    assert isinstance(events[0], ResponseHead)
    assert isinstance(events[-1], ProtocolError)
    assert events[-1].status == 502
