"""Wire bytes ↔ printable ASCII text, losslessly: the one home of every wire-text rule.

Every view calls this module — `send` (`client/output.py`), the access log, transcripts, replay
diffs, the plain printer and the TUI (through `render/`, which only adds style on top) — so a
byte looks the same wherever it is shown, and the text can always be turned back into it. It
imports nothing heavy (no rich), so `httplab send` starts fast.

**Escaping** (`escape_wire`; the inverse is `unescape_wire`):

- printable ASCII (0x20–0x7e) stays as it is, except the backslash, written `\\\\`;
- CR, LF and TAB are written `\\r`, `\\n`, `\\t` — so a CRLF line ending reads `\\r\\n`;
- every other byte (C0 controls, ESC, NUL, DEL, and all bytes ≥ 0x80) is written `\\xNN`.

So the text never holds a control character or a non-ASCII character: it cannot move a cursor,
clear a screen or hide a byte, and `unescape_wire(escape_wire(b)) == b` for every `b`.

Text that was wire bytes decoded ISO-8859-1 (a method, a target, a field value) is escaped as
those bytes (`escape_latin1`). Text decoded with a declared charset (a UTF-8 body, a decoded
query value) keeps its printable letters — a Cyrillic name reads as itself — and every other
character is written as the escapes of its UTF-8 bytes (`escape_decoded`): a tab is `\\t`, a
backslash `\\\\`, U+202E (which would reverse the line) `\\xe2\\x80\\xae`, exactly as in the
raw view of the same bytes. Text Python decoded with surrogateescape (a file name, a piped
line) shows each byte that was not UTF-8 as that byte (`escape_surrogateescaped`).

**Where a head ends** (`head_end`, `split_head`): at the first empty line, the rule the parser
applies (`httplab.protocol.message_parser.HEAD_END`): lines end in CRLF, and a bare LF is
tolerated as RFC 9112 §2.2 allows a recipient to — so `\\r\\n\\r\\n`, `\\n\\n` and `\\n\\r\\n`.

**First words** (`first_line`, `first_words`): what the request line of a message that may not
have parsed seemed to say, for labels, filters and the access log — after skipping the empty
lines RFC 9112 §2.2 lets a server ignore.

**Hexdump** (`hexdump_line`): `hexdump -C`'s layout, 16 (or 8) bytes a line, with the column of
each byte so a view can style or highlight it.
"""

from __future__ import annotations

import re

from httplab.protocol.message_parser import HEAD_END

_NAMED = {0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t", 0x5C: "\\\\"}


def _escape_for(byte: int) -> str:
    if byte in _NAMED:
        return _NAMED[byte]
    return chr(byte) if 0x20 <= byte <= 0x7E else f"\\x{byte:02x}"


ESCAPES: tuple[str, ...] = tuple(_escape_for(b) for b in range(256))
"""The text for each byte value (index = byte)."""

# Bytes that need escaping, as characters of the latin-1 decoding (one char per byte).
_NEEDS_ESCAPE = re.compile(r"[^\x20-\x5b\x5d-\x7e]")
_ESCAPE_TOKEN = re.compile(r"\\(x[0-9a-fA-F]{2}|[rnt\\])")
_UNESCAPED = {"r": 0x0D, "n": 0x0A, "t": 0x09, "\\": 0x5C}


# escaping ----------------------------------------------------------------------------------
def escape_wire(data: bytes) -> str:
    """`data` as printable ASCII text following the module rules."""
    # Regex over the latin-1 view is fast for the usual, mostly printable, HTTP bytes.
    return _NEEDS_ESCAPE.sub(lambda m: ESCAPES[ord(m.group())], data.decode("latin-1"))


def escape_wire_lines(data: bytes) -> list[str]:
    """`data` escaped, split after every LF byte: one text line per wire line."""
    lines = data.split(b"\n")
    out = [escape_wire(line) + "\\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(escape_wire(lines[-1]))
    return out


def escape_latin1(text: str) -> str:
    """Wire bytes that were decoded ISO-8859-1 (a method, a target, a field value), escaped as
    those bytes: `escape_wire(text.encode("latin-1"))`. Text that cannot have come from the
    wire that way (a character above U+00FF) is escaped as decoded text instead."""
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text
    try:
        return escape_wire(text.encode("latin-1"))
    except UnicodeEncodeError:
        return escape_decoded(text)


def _keeps(ch: str) -> bool:
    return ch.isprintable() and ch != "\\"


def escape_decoded(text: str) -> str:
    """Decoded text (a body in its declared charset, a percent-decoded query value) made safe
    to show: printable characters stay, letters beyond ASCII included; every other character
    becomes the escapes of its UTF-8 bytes (a lone surrogate: of its surrogate-pass bytes).
    `unescape_decoded` turns the result back into `text`."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        ch if _keeps(ch) else escape_wire(ch.encode("utf-8", "surrogatepass")) for ch in text
    )


def escape_unprintable_lines(text: str) -> str:
    """A message for a terminal that may carry a file name or a peer's words: each line stays
    as it is when all its characters are printable, else it is escaped (`escape_decoded`);
    the line breaks stay. An ESC, BEL, C1 control or bidi control never reaches the screen."""
    return "\n".join(
        line if line.isprintable() else escape_decoded(line) for line in text.split("\n")
    )


def escape_surrogateescaped(text: str) -> str:
    """Text Python decoded with surrogateescape (PEP 383: a file name, a pipe the repl reads),
    made safe to show as `escape_decoded` does, except that each byte that was not UTF-8 —
    kept as a surrogate U+DC80–U+DCFF — is shown as that byte: `al\\xffce`, not the
    surrogate's own bytes `al\\xed\\xb3\\xbfce`."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        ESCAPES[ord(ch) - 0xDC00] if "\udc80" <= ch <= "\udcff" else escape_decoded(ch)
        for ch in text
    )


def escape_decoded_lines(text: str) -> list[str]:
    """`text` split at its line feeds (which are not shown), each line escaped: a body shown
    with its own line breaks. A CR before a line feed shows as `\\r`."""
    return [escape_decoded(line) for line in text.split("\n")]


def text_offsets(data: bytes) -> list[int]:
    """Where each byte of `data` starts in `escape_wire(data)`; one extra entry for the end.

    `offsets[i]` is the text position of byte `i`, so a byte span `(s, e)` is the text span
    `(offsets[s], offsets[e])`.
    """
    offsets = [0] * (len(data) + 1)
    position = 0
    for i, byte in enumerate(data):
        offsets[i] = position
        position += len(ESCAPES[byte])
    offsets[len(data)] = position
    return offsets


# unescaping --------------------------------------------------------------------------------
def unescape_wire(text: str) -> bytes:
    """The bytes `text` stands for (the inverse of `escape_wire`).

    Raises ValueError on a character that `escape_wire` never writes (a non-ASCII character
    or a control character) or on a lone backslash, so a hand-edited transcript with a typo is
    reported instead of silently sending other bytes.
    """
    return _unescape(text, decoded=False)


def unescape_decoded(text: str) -> str:
    """The text `escape_decoded` was given (its inverse); ValueError as for `unescape_wire`."""
    return _unescape(text, decoded=True).decode("utf-8", "surrogatepass")


def _unescape(text: str, *, decoded: bool) -> bytes:
    out = bytearray()
    i = 0
    while i < len(text):
        m = _ESCAPE_TOKEN.match(text, i) if text[i] == "\\" else None
        if m:
            token = m.group(1)
            out.append(int(token[1:], 16) if token[0] == "x" else _UNESCAPED[token])
            i = m.end()
            continue
        ch = text[i]
        if ch == "\\":
            raise ValueError(f"lone backslash at column {i + 1}: write \\\\ for a backslash")
        if decoded and _keeps(ch):
            out += ch.encode("utf-8")
        elif " " <= ch <= "~":
            out.append(ord(ch))
        else:
            raise ValueError(f"character {ch!r} at column {i + 1} must be escaped as \\xNN")
        i += 1
    return bytes(out)


# where a head ends, and what it starts with -------------------------------------------------
def head_end(data: bytes, start: int = 0) -> int | None:
    """The index just after the empty line that ends the head starting at `start`, or None
    when `data` holds no such line yet (see the module docstring for the rule)."""
    match = HEAD_END.search(data, start)
    return match.end() if match else None


def split_head(data: bytes) -> tuple[bytes, bytes]:
    """(head with its empty line, the rest); all head when no empty line ends it."""
    end = head_end(data)
    if end is None:
        return data, b""
    return data[:end], data[end:]


def first_line(raw: bytes, limit: int = 512) -> bytes:
    """The first line of a message, without its line ending, at most `limit` bytes; the empty
    lines a server may skip before a request line (RFC 9112 §2.2) are skipped."""
    line = raw.lstrip(b"\r\n")[:limit].split(b"\n", 1)[0]
    return line.removesuffix(b"\r")


def first_words(raw: bytes) -> tuple[bytes, bytes]:
    """(method, target) as the first line of a request that may be broken seemed to say:
    the words before the first and second SP; b"" for what is not there."""
    words = first_line(raw).split(b" ", 2)
    return words[0], words[1] if len(words) > 1 else b""


# hexdump -----------------------------------------------------------------------------------
HEX_OFFSET_WIDTH = 10
"""Columns before the first byte's hex digits: eight offset digits and two spaces."""


def hex_column(index: int, per_line: int = 16) -> int:
    """The column of the hex digits of byte `index` (0-based within its line)."""
    return HEX_OFFSET_WIDTH + 3 * index + (1 if index >= per_line // 2 else 0)


def ascii_column(index: int, per_line: int = 16) -> int:
    """The column of byte `index`'s character in the printable column."""
    return HEX_OFFSET_WIDTH + 3 * per_line + 3 + index


def hexdump_char(byte: int) -> str:
    """The printable column's character: printable ASCII as itself, anything else a dot."""
    return chr(byte) if 0x20 <= byte <= 0x7E else "."


def hexdump_line(data: bytes, start: int, per_line: int = 16) -> str:
    """One `hexdump -C` line for the bytes of `data` from `start`:
    `00000010  48 6f 73 74 3a 20 61 0d  0a 0d 0a              |Host: a....|`."""
    chunk = data[start : start + per_line]
    half = per_line // 2
    hex_part = " ".join(f"{b:02x}" for b in chunk[:half])
    if len(chunk) > half:
        hex_part += "  " + " ".join(f"{b:02x}" for b in chunk[half:])
    text = "".join(map(hexdump_char, chunk))
    return f"{start:08x}  {hex_part:<{3 * per_line}}  |{text}|"


def hexdump_lines(data: bytes, per_line: int = 16) -> list[str]:
    """All of `data` as `hexdump_line`s."""
    return [hexdump_line(data, start, per_line) for start in range(0, len(data), per_line)]
