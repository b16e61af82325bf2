"""Raw mode: escapes are exact, real line breaks follow the CRLF switch, nothing is added."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from httplab.client.raw import escape_for_input, prepare_raw, to_crlf, unescape, unescape_bytes


def test_named_escapes_become_their_bytes() -> None:
    assert unescape(r"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    assert unescape(r"a\tb\\c\x00\x1b\xff") == b"a\tb\\c\x00\x1b\xff"


def test_unknown_escape_and_lone_backslash_are_sent_as_typed() -> None:
    assert unescape(r"C:\path\q") == b"C:\\path\\q"
    assert unescape("end\\") == b"end\\"
    assert unescape(r"\xZZ") == b"\\xZZ"


def test_non_ascii_text_is_sent_as_utf8() -> None:
    assert unescape("Вася") == "Вася".encode()


def test_to_crlf_turns_bare_lf_only() -> None:
    assert to_crlf(b"a\nb\r\nc\n\n") == b"a\r\nb\r\nc\r\n\r\n"


def test_prepare_raw_converts_typed_line_breaks_but_never_escaped_ones() -> None:
    typed = b"GET / HTTP/1.1\nHost: x\\n\n"
    assert prepare_raw(typed, crlf=True) == b"GET / HTTP/1.1\r\nHost: x\n\r\n"
    assert prepare_raw(typed, crlf=False) == b"GET / HTTP/1.1\nHost: x\n\n"


def test_prepare_raw_adds_nothing() -> None:
    assert prepare_raw(b"GET /", crlf=True) == b"GET /"


@given(st.binary(max_size=300))
def test_unescape_inverts_escape_for_input(data: bytes) -> None:
    text = escape_for_input(data)
    assert text.isascii() and text.isprintable()
    assert unescape(text) == data


@given(st.binary(max_size=300))
def test_bytes_without_backslash_pass_unchanged(data: bytes) -> None:
    plain = data.replace(b"\\", b"")
    assert unescape_bytes(plain) == plain
