"""The chunked reader's fast path (`ChunkedReader._whole_chunk`) against its step-by-step
reader, the reference.

The invariant, as for the fast path of heads (`test_common_head.py`): for any input, however it
is split, the parser with the fast paths and the strict parser give the same events or the same
error — and consume the same bytes before each event (what `forget_raw` and `pending_raw` see).
Bodies are drawn at the edges of the fast path: plain and extended size lines, sizes with
leading zeros or too many digits, data shorter or longer than announced, bare LF, trailers,
the limits on chunk lines, framing and body size, and bodies cut anywhere.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import NEED_DATA, PAUSED, ConnectionClosed, Data
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.parser import RequestParser

from .test_common_head import exact
from .test_properties import split

HEAD = b"POST /users HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

Step = tuple[object, int]  # an event (or the error) and how many bytes were consumed by then


def steps(pieces: list[bytes], limits: Limits, *, fast_path: bool) -> list[Step]:
    """Every event with the length of the raw record when it came out, then EOF."""
    parser = RequestParser(limits, fast_path=fast_path)
    out: list[Step] = []

    def drain() -> None:
        while True:
            event = parser.next_event()
            if event is NEED_DATA:
                return
            if event is PAUSED:
                parser.start_next()
                continue
            out.append((event, len(parser.pending_raw) - parser.buffered))
            if isinstance(event, ConnectionClosed):
                return

    try:
        for piece in [*pieces, b""]:
            parser.feed(piece)
            drain()
    except ProtocolError as error:
        out.append((error, -1))
    return out


def assert_same(pieces: list[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    fast = steps(pieces, limits, fast_path=True)
    strict = steps(pieces, limits, fast_path=False)
    assert exact([e for e, _ in fast]) == exact([e for e, _ in strict])
    assert [n for _, n in fast] == [n for _, n in strict]


SIZES = st.sampled_from(["plain", "upper", "zeros", "long", "ext", "space", "bad", "wrong"])


@st.composite
def chunk(draw: st.DrawFn) -> bytes:
    data = draw(st.binary(min_size=1, max_size=20))
    size = len(data)
    how = draw(SIZES)
    if how == "plain":
        line = b"%x" % size
    elif how == "upper":
        line = b"%X" % size
    elif how == "zeros":
        line = b"0" * draw(st.integers(1, 16)) + b"%x" % size
    elif how == "long":
        line = b"0" * 20 + b"%x" % size
    elif how == "ext":
        line = b"%x;name=value" % size
    elif how == "space":
        line = b"%x " % size
    elif how == "bad":
        line = draw(st.sampled_from([b"0x%x" % size, b"+%x" % size, b"%x_0" % size, b"g"]))
    else:  # data longer or shorter than announced
        line = b"%x" % (size + draw(st.sampled_from([-1, 1])))
    end = draw(st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r"]))
    after = draw(st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"", b"x\r\n"]))
    return line + end + data + after


@st.composite
def chunked_bodies(draw: st.DrawFn) -> bytes:
    chunks = draw(st.lists(chunk(), max_size=5))
    last = draw(st.sampled_from([b"0\r\n", b"0\r\n", b"000\r\n", b"0;x=1\r\n", b"0\n", b""]))
    trailers = draw(
        st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"X-T: 1\r\n\r\n", b"\n", b"X-T: 1\n\n", b""])
    )
    return b"".join(chunks) + last + trailers


LIMITS = st.sampled_from(
    [
        DEFAULT_LIMITS,
        Limits(max_body=20),
        Limits(max_chunk_line=3),
        Limits(max_chunk_framing=6),
        Limits(max_chunk_framing=0),
    ]
)


@pytest.mark.timeout(240)  # a guard against a hang, not a speed limit
@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunked_bodies(),
    st.lists(st.integers(0, 10_000), max_size=4),
    LIMITS,
    st.sampled_from([b"", HEAD]),
)
@example(b'a\r\n{"name":"V\r\nf\r\nasya","age":42}\r\n0\r\n\r\n', [], DEFAULT_LIMITS, b"")
@example(b"3\r\nabc\r\n0\r\n\r\n", [80, 83], DEFAULT_LIMITS, HEAD)  # cut inside "\r\n" after data
@example(b"14\r\n" + b"x" * 20 + b"\r\n0\r\n\r\n", [], Limits(max_body=20), b"")  # at the limit
@example(b"003\r\nabc\r\n0\r\n\r\n", [], Limits(max_chunk_line=3), b"")  # a line over the limit
@example(b"03\r\nabc\r\n0\r\n\r\n", [], Limits(max_chunk_line=3), b"")  # just within it
def test_fast_and_strict_chunked_readers_agree(
    body: bytes, cuts: list[int], limits: Limits, pipelined: bytes
) -> None:
    data = HEAD + body + pipelined
    assert_same([data], limits)
    assert_same(split(data, cuts), limits)


def test_a_whole_chunked_body_takes_the_fast_path() -> None:
    """One Data per chunk, as the step-by-step reader gives; the fast path really runs."""
    body = b"a\r\n0123456789\r\nF\r\n" + b"y" * 15 + b"\r\n0\r\n\r\n"
    parser = RequestParser()
    parser.feed(HEAD + body)
    parser.next_event()
    reader = parser._reader
    assert reader is not None
    first = reader._whole_chunk(parser, reader.phase)  # type: ignore[attr-defined]
    assert first == Data(b"0123456789")
    assert parser.next_event() == Data(b"y" * 15)
    assert_same([HEAD + body])
    assert_same([HEAD + body[:-1], body[-1:]])  # the final CRLF not all here yet
