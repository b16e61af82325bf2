"""The one door from wire bytes to terminal text.

rich's `Text` strips only a few control characters (ESC, NUL, the C1 codes and bidi overrides
pass through) and silently drops `\\r`; prompt_toolkit's `ANSI()` interprets escape sequences.
So a peer's bytes are escaped into printable ASCII here, before anything becomes a renderable:
`\\r\\n` visible and styled `wire.crlf`, a bare LF styled `wire.bare_lf`, every other control or
non-ASCII byte as `\\xNN` styled `wire.escape`. The byte rules themselves live in
`httplab.trace.wire_text`, shared with transcripts, so what a transcript file says and what the
screen shows are the same characters.
"""

from __future__ import annotations

import re

from rich.text import Span as TextSpan
from rich.text import Text

from httplab.protocol.events import Span
from httplab.trace.wire_text import (
    escape_decoded,
    escape_latin1,
    escape_wire,
    escape_wire_lines,
)

# Tokens of escaped text, read left to right (so `\\\\` is never mistaken for the start of one).
_TOKEN = re.compile(r"\\(?:r\\n|x[0-9a-f]{2}|[rnt\\])")


# The rules are wire_text's; these names are the same functions, kept for render's callers.
escape_bytes = escape_wire
"""`data` as one line of printable ASCII: `\\r\\n`, `\\t`, `\\x1b`, `\\x00`, `\\xe9`, `\\\\`."""
escape_text = escape_decoded
"""Decoded text (a query value, a body, a message) with its printable letters kept."""


def text_position(data: bytes, offset: int, *, line_breaks: bool = True) -> int:
    """Where byte `offset` of `data` starts in `escaped_text(data, line_breaks=...)`."""
    offset = max(0, min(offset, len(data)))
    position = len(escape_wire(data[:offset]))
    if line_breaks:
        # A line break follows every LF byte except a final one (no empty last line).
        position += data.count(b"\n", 0, min(offset, len(data) - 1))
    return position


def escaped_text(
    data: bytes,
    highlight: Span | None = None,
    *,
    line_breaks: bool = True,
) -> Text:
    """`data` escaped and styled; one text line per wire line (a break after each LF byte).

    `highlight` is a byte span `(start, end)` into `data`; it is styled `wire.highlight` over
    exactly the characters those bytes became.
    """
    plain = "\n".join(escape_wire_lines(data)) if line_breaks else escape_wire(data)
    spans = [TextSpan(m.start(), m.end(), _token_style(m.group())) for m in _TOKEN.finditer(plain)]
    if highlight is not None:
        start = text_position(data, highlight[0], line_breaks=line_breaks)
        end = text_position(data, highlight[1], line_breaks=line_breaks)
        if end > start:
            spans.append(TextSpan(start, end, "wire.highlight"))
    return Text(plain, spans=spans, no_wrap=False)


def _token_style(token: str) -> str:
    if token == "\\r\\n":
        return "wire.crlf"
    if token == "\\n":
        return "wire.bare_lf"
    return "wire.escape"


def safe_text(text: str, style: str = "") -> Text:
    """A `Text` of decoded, possibly untrusted text (`escape_decoded`), with one style."""
    return Text(escape_decoded(text), style=style)


def safe_wire_text(text: str, style: str = "") -> Text:
    """A `Text` of wire bytes decoded ISO-8859-1 (a method, a target, a reason phrase),
    escaped as those bytes (`escape_latin1`), with one style."""
    return Text(escape_latin1(text), style=style)


def safe_bytes(data: bytes, style: str = "") -> Text:
    """A `Text` of a short wire value (a header name or value) on one line, with one style."""
    return Text(escape_wire(data), style=style)
