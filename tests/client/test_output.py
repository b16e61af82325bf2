"""People output: colour only for terminals, escapes always, parts, hexdump."""

from __future__ import annotations

import io

import pytest

from httplab.client.connection import ClientResponse
from httplab.client.output import (
    Printer,
    body_text,
    hexdump_lines,
    request_items,
    response_items,
    use_color,
    validate_parts,
)
from httplab.protocol.events import EndOfMessage, ResponseHead
from httplab.protocol.parser import ResponseParser


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def parsed(raw: bytes) -> ClientResponse:
    parser = ResponseParser()
    parser.feed(raw)
    parser.feed(b"")  # the whole response is here: never wait for more
    head = parser.next_event()
    assert isinstance(head, ResponseHead)
    body = b""
    while not isinstance(event := parser.next_event(), EndOfMessage):
        body += getattr(event, "data", b"")
    return ClientResponse(head, body, event.trailers, event.raw)


JSON_RESPONSE = (
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"a": 1}\n'
)


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(FakeTerminal()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(FakeTerminal())


def test_colour_output_styles_but_escapes_the_peers_bytes() -> None:
    evil = (
        b"HTTP/1.1 200 OK\r\nX-Name: caf\xe9\r\nContent-Type: text/html\r\n"
        b"Content-Length: 17\r\n\r\n<b>\x1b[2J\x1b]0;t\x07</b>"
    )
    stream = FakeTerminal()
    Printer(stream, color=True, width=100).write(response_items(parsed(evil)))
    text = stream.getvalue()
    assert "\x1b[" in text  # rich styled it
    assert "\x1b[2J" not in text and "\x1b]0" not in text and "\x07" not in text
    assert "\\x1b[2J" in text and "\\x1b]0;t\\x07" in text and "caf\\xe9" in text


def test_json_body_is_highlighted_in_colour_and_plain_in_a_pipe() -> None:
    colour, plain = FakeTerminal(), io.StringIO()
    Printer(colour, color=True, width=80).write(response_items(parsed(JSON_RESPONSE), "b"))
    Printer(plain).write(response_items(parsed(JSON_RESPONSE), "b"))
    assert plain.getvalue() == '{"a": 1}\n'
    assert colour.getvalue() != plain.getvalue() and "\x1b[" in colour.getvalue()


def test_parts_pick_heads_and_bodies() -> None:
    request = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    for parts, expect_head, expect_body in [
        ("H", True, False),
        ("B", False, True),
        ("hb", False, False),
    ]:
        out = io.StringIO()
        Printer(out).write(request_items(request, parts))
        assert ("> POST / HTTP/1.1\\r\\n" in out.getvalue()) is expect_head
        assert ("abc" in out.getvalue()) is expect_body
    with pytest.raises(ValueError, match="--print"):
        validate_parts("Hx")


def test_chunked_body_is_shown_with_its_framing() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"
    out = io.StringIO()
    Printer(out).write(response_items(parsed(raw), "b"))
    assert out.getvalue() == "3\\r\\n\nabc\\r\\n\n0\\r\\n\nX-T: 1\\r\\n\n\\r\\n\n"


def test_bare_lf_in_a_head_is_shown_as_such() -> None:
    out = io.StringIO()
    Printer(out).write(request_items(b"GET / HTTP/1.1\nHost: x\n\n", "H"))
    assert out.getvalue() == "> GET / HTTP/1.1\\n\n> Host: x\\n\n> \\n\n"


def test_body_text_keeps_lines_escapes_the_rest() -> None:
    assert body_text(b"a\nb\tc") == "a\nb\\tc"  # a tab as in every view (wire_text)
    assert body_text("é\x00".encode()) == "é\\x00"
    assert body_text(b"\xff\xfe") == "\\xff\\xfe"


def test_hexdump_layout() -> None:
    (line, second) = hexdump_lines(bytes(range(0x41, 0x41 + 17)))
    assert line == "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|"
    assert second.startswith("00000010  51 ") and second.endswith("|Q|")


def test_a_text_body_ending_in_a_line_break_adds_no_blank_line_in_colour() -> None:
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi\n"
    colour = FakeTerminal()
    Printer(colour, color=True, width=80).write(response_items(parsed(response), "b"))
    assert "\n\n" not in colour.getvalue()
    assert colour.getvalue().count("\n") == 1
