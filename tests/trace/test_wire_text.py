"""wire_text: one escaping rule for every view, lossless; head end; first words; hexdump."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from httplab.client.output import body_text, extra_items, unread_items
from httplab.client.raw import escape_for_input, unescape
from httplab.render.bytes_views import HexdumpView
from httplab.render.escape import escaped_text, safe_bytes, safe_wire_text
from httplab.server.access_log import AccessEntry, format_access_line
from httplab.trace.wire_text import (
    ascii_column,
    escape_decoded,
    escape_latin1,
    escape_surrogateescaped,
    escape_wire,
    escape_wire_lines,
    first_line,
    first_words,
    head_end,
    hex_column,
    hexdump_lines,
    split_head,
    unescape_decoded,
    unescape_wire,
)

# The four characters issue 8 found coming out three different ways.
AWKWARD = "\\\té\u202e"


def _send_lines(items: list) -> list[str]:  # type: ignore[type-arg]
    """The text of `send`'s escaped lines, without the `< ` arrow."""
    return ["".join(text for text, _ in item)[2:] for item in items]


def _plain(renderable: object, width: int = 200) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def views_of(data: bytes) -> dict[str, str]:
    """Every view of wire bytes, each as one line of escaped text."""
    log = format_access_line(AccessEntry(1, 1, "p", "GET", data.decode("latin-1"), 200, 0, 0.0))
    return {
        "escape_wire": escape_wire(data),
        "lines (transcripts, repl, send bodies)": "".join(escape_wire_lines(data)),
        "render raw view": escaped_text(data).plain.replace("\n", ""),
        "render one line": escaped_text(data, line_breaks=False).plain,
        "render field value": safe_bytes(data).plain,
        "render latin-1 text": safe_wire_text(data.decode("latin-1")).plain,
        "send head lines": "".join(_send_lines(unread_items(data))) if data else "",
        "send extra bytes": "".join(_send_lines(extra_items(data)[1:])) if data else "",
        "access log target": log.removeprefix("#1.1 p GET ").removesuffix(" 200 0B 0.00ms"),
        "escape_latin1": escape_latin1(data.decode("latin-1")),
        "raw-mode input": escape_for_input(data),
    }


@given(st.binary(max_size=300))
def test_every_view_escapes_the_same_way_and_unescapes_to_the_bytes(data: bytes) -> None:
    views = views_of(data)
    expected = escape_wire(data)
    assert {name: text for name, text in views.items() if text != expected} == {}
    assert unescape_wire(expected) == data
    assert unescape(expected) == data  # what raw mode reads back


def test_the_awkward_characters_come_out_one_way() -> None:
    data = AWKWARD.encode()
    views = views_of(data)
    assert set(views.values()) == {"\\\\\\t\\xc3\\xa9\\xe2\\x80\\xae"}
    # decoded text keeps the letter, and escapes the rest exactly as the bytes view does
    assert escape_decoded(AWKWARD) == "\\\\\\té\\xe2\\x80\\xae"
    assert body_text(data) == escape_decoded(AWKWARD)


def test_the_access_log_can_be_turned_back_into_the_bytes() -> None:
    target = b"/\xe9\x1b[2J\\\xe2\x80\xae"
    line = format_access_line(AccessEntry(1, 1, "p", "GET", target.decode("latin-1"), 200, 1, 1))
    assert unescape_wire(line.split(" ")[3]) == target


@given(st.text(max_size=100))
def test_decoded_text_round_trips_and_escapes_like_its_utf8_bytes(text: str) -> None:
    shown = escape_decoded(text)
    assert unescape_decoded(shown) == text
    assert all(ch.isprintable() for ch in shown)
    for ch in text:
        if not ch.isprintable() or ch == "\\":
            assert escape_wire(ch.encode("utf-8", "surrogatepass")) in shown


@given(st.text(max_size=100))
def test_a_utf8_body_shown_as_text_unescapes_to_its_bytes(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    lines = body_text(data).split("\n")
    if data.decode("utf-8", "replace") == text:
        assert "\n".join(unescape_decoded(line) for line in lines).encode() == data
    else:  # not UTF-8 (a lone surrogate): shown as the escaped bytes
        assert unescape_wire("\\n".join(lines)) == data


def test_head_end_follows_the_parser() -> None:
    assert head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody") == 27
    assert head_end(b"GET / HTTP/1.1\nHost: a\n\nbody") == 24  # bare LF: RFC 9112 §2.2
    assert head_end(b"GET / HTTP/1.1\nHost: a\n\r\nbody") == 25
    assert head_end(b"GET / HTTP/1.1\r\nHost: a\r\n") is None
    assert head_end(b"GET / HTTP/1.1\r\n\r\nX\r\n\r\n", 18) == 23
    assert split_head(b"HTTP/1.1 200 OK\r\n\r\nhi") == (b"HTTP/1.1 200 OK\r\n\r\n", b"hi")
    assert split_head(b"partial") == (b"partial", b"")


def test_first_words_skip_leading_empty_lines_and_survive_garbage() -> None:
    assert first_words(b"\r\n\r\nGET /users HTTP/1.1\r\nHost: a\r\n\r\n") == (b"GET", b"/users")
    assert first_words(b"") == (b"", b"")
    assert first_words(b"\x16\x03\x01\x02") == (b"\x16\x03\x01\x02", b"")
    assert first_line(b"\nPOST / HTTP/1.1\r\n") == b"POST / HTTP/1.1"
    assert first_line(b"A" * 1000, 10) == b"A" * 10


@given(st.binary(min_size=1, max_size=80), st.sampled_from([8, 16]))
def test_hexdump_columns_hold_each_byte(data: bytes, per_line: int) -> None:
    lines = hexdump_lines(data, per_line)
    assert len(lines) == (len(data) + per_line - 1) // per_line
    for number, line in enumerate(lines):
        chunk = data[number * per_line : (number + 1) * per_line]
        assert line.startswith(f"{number * per_line:08x}  ")
        assert line.isascii() and line.isprintable()
        for i, byte in enumerate(chunk):
            assert int(line[hex_column(i, per_line) : hex_column(i, per_line) + 2], 16) == byte
            char = line[ascii_column(i, per_line)]
            assert char == (chr(byte) if 0x20 <= byte <= 0x7E else ".")
        assert line.endswith("|")


def test_send_and_the_render_hexdump_are_the_same_text() -> None:
    data = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n\x00\xff"
    shown = _plain(HexdumpView(data)).splitlines()
    assert shown == hexdump_lines(data)


@given(st.binary(max_size=40))
def test_text_read_with_surrogateescape_shows_each_byte_that_was_not_utf8_as_itself(
    data: bytes,
) -> None:
    # a file name or a piped line: what is not UTF-8 shows as the byte it was (\xff), the rest
    # as decoded text does (a Cyrillic letter as itself, a control as its escape)
    text = data.decode("utf-8", "surrogateescape")
    shown = escape_surrogateescaped(text)
    assert shown.isprintable() and "\x1b" not in shown
    if data.isascii():
        assert shown == escape_wire(data)
    assert escape_surrogateescaped("al\udcffce Вася\x1b") == "al\\xffce Вася\\x1b"
