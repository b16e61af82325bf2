"""Wire bytes ↔ printable ASCII text, losslessly.

The rules every view and every transcript share (render/escape.py styles this text for the
terminal; transcripts store it in files):

- printable ASCII (0x20–0x7e) stays as it is, except the backslash, written `\\\\`;
- CR, LF and TAB are written `\\r`, `\\n`, `\\t` — so a CRLF line ending reads `\\r\\n`;
- every other byte (C0 controls, ESC, NUL, DEL, and all bytes ≥ 0x80) is written `\\xNN`.

So the text never holds a control character or a non-ASCII character: it cannot move a cursor,
clear a screen or hide a byte, and `unescape_wire(escape_wire(b)) == b` for every `b`.
"""

from __future__ import annotations

import re

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


def unescape_wire(text: str) -> bytes:
    """The bytes `text` stands for (the inverse of `escape_wire`).

    Raises ValueError on a character that `escape_wire` never writes (a non-ASCII character
    or a control character) or on a lone backslash, so a hand-edited transcript with a typo is
    reported instead of silently sending other bytes.
    """
    out = bytearray()
    i = 0
    while i < len(text):
        m = _ESCAPE_TOKEN.match(text, i) if text[i] == "\\" else None
        if m:
            token = m.group(1)
            if token[0] == "x":
                out.append(int(token[1:], 16))
            else:
                out.append({"r": 0x0D, "n": 0x0A, "t": 0x09, "\\": 0x5C}[token])
            i = m.end()
            continue
        ch = text[i]
        if ch == "\\":
            raise ValueError(f"lone backslash at column {i + 1}: write \\\\ for a backslash")
        if not " " <= ch <= "~":
            raise ValueError(f"character {ch!r} at column {i + 1} must be escaped as \\xNN")
        out.append(ord(ch))
        i += 1
    return bytes(out)
