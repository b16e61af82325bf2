"""Body framing: Content-Length, chunked, Transfer-Encoding rules, smuggling patterns,
100-continue, keep-alive and pipelining."""

from __future__ import annotations

import pytest

from httplab.protocol.events import ConnectionClosed, Data, EndOfMessage, RequestHead

from .helpers import comparable, first_head, merge_data, one_error, parse_requests

GET = b"GET / HTTP/1.1\r\nHost: x\r\n"


def body_of(events: list[object]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


def test_content_length_body() -> None:
    events = parse_requests([b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"])
    assert body_of(events) == b"hello"
    end = events[2]
    assert isinstance(end, EndOfMessage)
    assert end.raw.endswith(b"\r\n\r\nhello")


@pytest.mark.parametrize("value", [b"+5", b"-5", b"5.0", b"0x5", b"5 5", b"", b"five", b"\xbd"])
def test_content_length_must_be_digits(value: bytes) -> None:
    error = one_error(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + b"\r\n\r\n")
    assert error.status == 400


def test_repeated_equal_content_length_is_accepted_with_a_note() -> None:
    head = first_head(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi"
    )
    assert head.framing.length == 2
    assert any(n.code == "repeated-content-length" for n in head.notes)


@pytest.mark.parametrize(
    "fields",
    [b"Content-Length: 2\r\nContent-Length: 3\r\n", b"Content-Length: 2, 3\r\n"],
)
def test_conflicting_content_length_is_400(fields: bytes) -> None:
    assert one_error(b"POST / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\nhi").status == 400


def test_te_and_cl_together_are_refused() -> None:
    error = one_error(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n"
    )
    assert error.status == 400
    assert error.close is True
    assert "smuggling" in error.detail


@pytest.mark.parametrize(
    ("coding", "status"),
    [
        (b"gzip, chunked", 501),
        (b"x-custom, chunked", 501),
        (b"chunked, gzip", 400),  # chunked not final: length unknowable
        (b"gzip", 400),
        (b"chunked, chunked", 400),
        (b"", 400),
    ],
)
def test_transfer_codings(coding: bytes, status: int) -> None:
    error = one_error(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + b"\r\n\r\n")
    assert error.status == status


def test_transfer_encoding_in_http_1_0_is_refused() -> None:
    data = b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert one_error(data).status == 400


def test_chunked_body_with_extensions_and_trailers() -> None:
    data = (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4;name=value\r\nWiki\r\n5 ; quoted="a b"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n'
        b"0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n"
    )
    events = merge_data(parse_requests([data]))
    assert body_of(events) == b"Wikipedia in\r\n\r\nchunks."
    end = events[-2]
    assert isinstance(end, EndOfMessage)
    assert end.trailers.raw() == [(b"Expires", b"never"), (b"X-Sum", b"1")]
    assert end.raw == data


@pytest.mark.parametrize(
    "body",
    [
        b"0x5\r\nhello\r\n0\r\n\r\n",  # not hex digits only
        b"-5\r\nhello\r\n0\r\n\r\n",
        b" 5\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX\r\n0\r\n\r\n",  # data longer than its size
        b"zz\r\n",
        b"5;=x\r\nhello\r\n0\r\n\r\n",  # extension without a name
        b"5 \r\nhello\r\n0\r\n\r\n",  # whitespace after the size
        b"5;a=b \r\nhello\r\n0\r\n\r\n",  # whitespace after an extension
    ],
)
def test_invalid_chunks_are_400(body: bytes) -> None:
    data = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    assert one_error(data).status == 400


@pytest.mark.parametrize(
    "body",
    [
        b"5\nhello\r\n0\r\n\r\n",  # chunk-size line ended by a bare LF
        b"5;ext\nhello\r\n0\r\n\r\n",  # the "funky chunks" form: LF inside an extension
        b"5\r\nhello\n0\r\n\r\n",  # chunk data ended by a bare LF
        b"5\r\nhello\r\n0\n\r\n",  # last-chunk line ended by a bare LF
    ],
    ids=["size-line", "extension", "after-data", "last-chunk"],
)
def test_bare_lf_in_chunked_framing_is_400(body: bytes) -> None:
    # RFC 9112 §7.1 frames chunks with CRLF; the §2.2 leniency for a bare LF covers the start
    # line and fields only. A body whose end depends on which line ending a reader accepts is
    # a request smuggling vector, so the server refuses it rather than guess.
    data = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    error = one_error(data)
    assert error.status == 400
    assert error.rfc_ref == "RFC 9112 §7.1"
    assert "CRLF" in error.detail


def test_expect_100_continue_is_flagged_only_with_a_body() -> None:
    with_body = first_head(
        b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    )
    assert with_body.expect_continue is True
    without = first_head(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n")
    assert without.expect_continue is False


def test_unknown_expectation_is_417() -> None:
    assert one_error(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n").status == 417


@pytest.mark.parametrize(
    ("version", "connection", "keep"),
    [
        (b"HTTP/1.1", b"", True),
        (b"HTTP/1.1", b"Connection: close\r\n", False),
        (b"HTTP/1.1", b"Connection: Keep-Alive, CLOSE\r\n", False),
        (b"HTTP/1.0", b"", False),
        (b"HTTP/1.0", b"Connection: keep-alive\r\n", True),
    ],
)
def test_keep_alive(version: bytes, connection: bytes, keep: bool) -> None:
    head = first_head(b"GET / " + version + b"\r\nHost: x\r\n" + connection + b"\r\n")
    assert head.keep_alive is keep


def test_pipelined_requests_come_out_in_order() -> None:
    data = (
        GET
        + b"\r\n"
        + b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"
        + b"GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    events = parse_requests([data])
    targets = [e.target for e in events if isinstance(e, RequestHead)]
    assert targets == ["/", "/b", "/c"]
    assert isinstance(events[-1], ConnectionClosed)


def test_parser_pauses_until_start_next() -> None:
    from httplab.protocol.events import PAUSED
    from httplab.protocol.parser import RequestParser

    parser = RequestParser()
    parser.feed(GET + b"\r\n" + GET + b"\r\n")
    assert isinstance(parser.next_event(), RequestHead)
    assert isinstance(parser.next_event(), EndOfMessage)
    assert parser.next_event() is PAUSED
    assert not parser.idle  # the second request is buffered
    parser.start_next()
    assert isinstance(parser.next_event(), RequestHead)


def test_eof_in_the_middle_is_an_error_and_pending_raw_is_kept() -> None:
    from httplab.protocol.errors import ProtocolError
    from httplab.protocol.parser import RequestParser

    parser = RequestParser()
    parser.feed(b"GET / HTTP/1.1\r\nHo")
    parser.next_event()
    parser.feed(b"")
    with pytest.raises(ProtocolError):
        parser.next_event()
    assert parser.pending_raw == b"GET / HTTP/1.1\r\nHo"


def test_errors_are_sticky() -> None:
    from httplab.protocol.errors import ProtocolError
    from httplab.protocol.parser import RequestParser

    parser = RequestParser()
    parser.feed(b"BAD\r\n\r\n")
    for _ in range(2):
        with pytest.raises(ProtocolError):
            parser.next_event()


def test_one_byte_at_a_time_matches_all_at_once() -> None:
    data = (
        b"\r\nPOST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\nT: 1\r\n\r\n" + GET + b"\r\n"
    )
    whole = comparable(parse_requests([data]))
    bytewise = comparable(parse_requests([data[i : i + 1] for i in range(len(data))]))
    assert whole == bytewise


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    "message",
    [
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",  # no body: no reader, the end comes next
        b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",  # an empty line first (strict parser)
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ],
)
def test_the_raw_message_is_the_head_then_what_follows_it(message: bytes, fast_path: bool) -> None:
    """The head's bytes are kept apart from the body's once the head is parsed: `pending_raw`,
    `idle`, `forget_raw` and `EndOfMessage.raw` still see the whole message."""
    from httplab.protocol.parser import RequestParser

    parser = RequestParser(fast_path=fast_path)
    assert parser.idle
    parser.feed(message + b"GET")
    head = parser.next_event()
    assert isinstance(head, RequestHead)
    assert not parser.idle
    assert parser.pending_raw == message + b"GET"
    events = [parser.next_event()]
    while not isinstance(events[-1], EndOfMessage):
        events.append(parser.next_event())
    end = events[-1]
    assert isinstance(end, EndOfMessage)
    assert end.raw == message
    assert end.raw[: len(head.raw)] == head.raw
    assert not parser.idle  # done, the next request not yet started
    parser.start_next()
    assert parser.pending_raw == b"GET"
    assert not parser.idle  # a byte of the next request is here


def test_forget_raw_counts_the_head_and_the_body_together() -> None:
    from httplab.protocol.parser import RequestParser

    head = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
    parser = RequestParser()
    parser.feed(head + b"hello")
    assert isinstance(parser.next_event(), RequestHead)
    assert parser.next_event() == Data(b"hello")
    assert parser.forget_raw(len(head) + 2) == 3  # the body beyond its first 2 bytes
    assert parser.pending_raw == head + b"he"
    assert parser.forget_raw(4) == len(head) - 4 + 2  # into the head (no caller does)
    end = parser.next_event()
    assert isinstance(end, EndOfMessage)
    assert end.raw == head[:4]
