"""escape.py: wire bytes become printable, styled text and nothing else."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from render_console import SGR, plain, render

from httplab.render.escape import (
    escape_bytes,
    escape_text,
    escaped_text,
    safe_bytes,
    text_position,
)
from httplab.trace.wire_text import unescape_wire

# Characters that must never reach a terminal from a peer: C0, DEL, C1.
FORBIDDEN = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def test_crlf_is_visible_and_lines_break_after_lf() -> None:
    text = escaped_text(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert text.plain == "GET / HTTP/1.1\\r\\n\nHost: a\\r\\n\n\\r\\n"


def test_controls_esc_nul_and_non_ascii_are_escaped() -> None:
    assert escape_bytes(b"a\tb\x1b[2J\x00\x7f\xe9\\") == "a\\tb\\x1b[2J\\x00\\x7f\\xe9\\\\"


def test_bare_lf_and_bare_cr_are_visible() -> None:
    text = escaped_text(b"A\nB\rC")
    assert text.plain == "A\\n\nB\\rC"
    styles = {text.plain[s.start : s.end]: s.style for s in text.spans}
    assert styles == {"\\n": "wire.bare_lf", "\\r": "wire.escape"}


def test_crlf_marker_is_styled_as_one_token() -> None:
    text = escaped_text(b"x\r\n")
    assert [(text.plain[s.start : s.end], s.style) for s in text.spans] == [("\\r\\n", "wire.crlf")]


def test_escaped_backslash_is_not_read_as_a_marker() -> None:
    # The bytes `\r\n` typed literally (backslash, r, backslash, n) are not a line ending.
    text = escaped_text(b"\\r\\n")
    assert text.plain == "\\\\r\\\\n"
    assert {s.style for s in text.spans} == {"wire.escape"}


def test_highlight_covers_exactly_the_bytes_escaped_text() -> None:
    data = b"GET /\x1b HTTP/1.1\r\nHost: a\r\n\r\n"
    host_start = data.index(b"Host")
    text = escaped_text(data, highlight=(4, 6))
    (mark,) = [s for s in text.spans if s.style == "wire.highlight"]
    assert text.plain[mark.start : mark.end] == "/\\x1b"
    text = escaped_text(data, highlight=(host_start, host_start + 7))
    (mark,) = [s for s in text.spans if s.style == "wire.highlight"]
    assert text.plain[mark.start : mark.end] == "Host: a"


@given(st.binary(max_size=200), st.data())
def test_any_byte_span_maps_to_the_text_of_those_bytes(data: bytes, draw: st.DataObject) -> None:
    start = draw.draw(st.integers(0, len(data)))
    end = draw.draw(st.integers(start, len(data)))
    text = escaped_text(data, highlight=(start, end))
    a, b = text_position(data, start), text_position(data, end)
    assert b <= len(text.plain)
    shown = text.plain[a:b].replace("\n", "")
    assert unescape_wire(shown) == data[start:end]


@given(st.binary(max_size=300))
def test_no_control_byte_ever_reaches_the_output(data: bytes) -> None:
    styled = render(escaped_text(data, highlight=(0, len(data))))
    assert "\x1b" in styled or not data  # styling really was on
    assert not FORBIDDEN.search(SGR.sub("", styled))
    assert not FORBIDDEN.search(render(safe_bytes(data), terminal=False))


@given(st.binary(max_size=300))
def test_escaping_is_lossless(data: bytes) -> None:
    assert unescape_wire(escape_bytes(data)) == data
    assert unescape_wire(escaped_text(data).plain.replace("\n", "")) == data


@given(st.text(max_size=100))
def test_decoded_text_comes_out_printable(text: str) -> None:
    shown = escape_text(text)
    assert shown.isprintable()


def test_clear_screen_request_comes_out_escaped() -> None:
    out = plain(escaped_text(b"GET /\x1b[2J\x1b]0;pwned\x07 HTTP/1.1\r\n"))
    assert out == "GET /\\x1b[2J\\x1b]0;pwned\\x07 HTTP/1.1\\r\\n\n"


def test_bidi_override_in_decoded_text_is_escaped_as_its_utf8_bytes() -> None:
    # The same escapes the raw view shows for those bytes: one rule (wire_text).
    assert escape_text("a\u202eb\x9b") == "a\\xe2\\x80\\xaeb\\xc2\\x9b"
    assert escape_bytes("a\u202eb\x9b".encode()) == escape_text("a\u202eb\x9b")
