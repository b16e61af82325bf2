"""The heads the server keeps for a second (`answer_heads`) are exactly what the long way makes:
every answer is serialized twice on one connection (made, then found) and on a connection of a
fresh server (made), and all three must be the same bytes with the same keep-alive verdict."""

from __future__ import annotations

import itertools

import pytest

from httplab.protocol.events import RequestHead
from httplab.protocol.headers import Field, Headers
from httplab.protocol.messages import Response
from httplab.protocol.parser import RequestParser
from httplab.server.answer_heads import ANSWER_HEADS, AnswerHeads
from httplab.server.dates import DateCache

from .test_connection_unit import Lab


class FixedDates(DateCache):
    """A `Date` that changes only when told (a real one may tick between two answers)."""

    def __init__(self) -> None:
        super().__init__()
        self.now = Field(b"Date", b"Sun, 06 Nov 1994 08:49:37 GMT")

    def field(self) -> Field:
        return self.now


def head_of(request: bytes) -> RequestHead:
    parser = RequestParser()
    parser.feed(request)
    head = parser.next_event()
    assert isinstance(head, RequestHead)
    return head


HEADS = {
    "GET 1.1": head_of(b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n"),
    "HEAD 1.1": head_of(b"HEAD /users HTTP/1.1\r\nHost: a\r\n\r\n"),
    "GET 1.0": head_of(b"GET /users HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
    "POST 1.1": head_of(b"POST /users HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
}
JSON = Field(b"Content-Type", b"application/json")
ANSWERS = {
    "200 json": lambda: Response(200, Headers([JSON, Field(b"Vary", b"Accept")]), b"[1, 2]\n"),
    "200 empty": lambda: Response(200, Headers([JSON])),
    "204": lambda: Response(204, Headers([Field(b"Allow", b"GET")])),
    "304": lambda: Response(304, Headers([Field(b"ETag", b'"x"')])),
    "404 own reason": lambda: Response(404, Headers([JSON]), b"{}", "Gone Fishing"),
    "200 HTTP/1.0": lambda: Response(200, Headers([JSON]), b"x", version="HTTP/1.0"),
    "app's Connection: close": lambda: Response(200, Headers([("Connection", "close")]), b"x"),
    "app's Content-Length": lambda: Response(200, Headers([("Content-Length", "1")]), b"x"),
    "app's chunked": lambda: Response(200, Headers([("Transfer-Encoding", "chunked")]), b"xy"),
    "app's Date": lambda: Response(200, Headers([("Date", "Mon, 07 Nov 1994 08:49:37 GMT")])),
    "app's Server": lambda: Response(200, Headers([("Server", "mine")]), b"x"),
}


def lab() -> Lab:
    made = Lab()
    made.state.dates = FixedDates()
    return made


@pytest.mark.parametrize(
    ("answer", "request_head", "keep_alive"),
    list(itertools.product(ANSWERS, HEADS, (True, False))),
)
def test_a_kept_head_is_what_the_long_way_makes(
    answer: str, request_head: str, keep_alive: bool
) -> None:
    head = HEADS[request_head]
    connection, _ = lab().connect()
    made = connection._serialize(ANSWERS[answer](), head, keep_alive)
    found_response = ANSWERS[answer]()
    found = connection._serialize(found_response, head, keep_alive)
    fresh, _ = lab().connect()
    long_way_response = ANSWERS[answer]()
    long_way = fresh._serialize(long_way_response, head, keep_alive)
    assert made == found == long_way
    # the response as the trace and the access log see it: with the server's fields
    assert list(found_response.headers) == list(long_way_response.headers)


def test_a_new_date_makes_the_head_anew() -> None:
    made = lab()
    dates = made.state.dates
    assert isinstance(dates, FixedDates)
    connection, _ = made.connect()
    head = HEADS["GET 1.1"]
    first, _ = connection._serialize(ANSWERS["200 json"](), head, True)
    dates.now = Field(b"Date", b"Sun, 06 Nov 1994 08:49:38 GMT")
    second, _ = connection._serialize(ANSWERS["200 json"](), head, True)
    assert b"08:49:37" in first and b"08:49:38" in second
    assert first.replace(b"08:49:37", b"08:49:38") == second


def test_heads_kept_are_bounded() -> None:
    heads = AnswerHeads()
    date = Field(b"Date", b"x")
    heads.find((0,), date)  # the date seen first
    for n in range(ANSWER_HEADS * 3):
        heads.keep((n,), date, b"HTTP/1.1 200 OK\r\n\r\n", True)
    assert len(heads._heads) <= ANSWER_HEADS
    heads.keep(("big",), date, b"x" * 100_000, True)
    assert heads.find(("big",), date) is None
