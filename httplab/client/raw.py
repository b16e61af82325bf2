"""Raw mode: the bytes a learner types, sent exactly — with escapes for the ones a keyboard lacks.

Two separate rules, so that a malformed request is always expressible:

- **Escapes are exact.** `\\r`, `\\n`, `\\t`, `\\\\` and `\\xNN` become exactly that byte, so
  `GET / HTTP/1.1\\nHost: x\\n\\n` sends bare LFs whatever the line-break switch says.
- **Real line breaks follow the switch.** A file, a heredoc or the REPL gives LF line breaks;
  with CRLF on (the default) each bare LF *in the input* becomes CRLF, with it off it stays LF.
  A CRLF already in the input stays CRLF.

Any other backslash is sent as a backslash (a typo should reach the server, not vanish), and
characters beyond ASCII are sent as UTF-8. Nothing is ever added: no Host, no Content-Length.

Where typed raw text ends is the typing surface's business (the repl's Enter on an empty line,
the trace view's Ctrl-S); `chunked_body_end` is the one rule both use for a chunked body.
"""

from __future__ import annotations

import re

from httplab.trace.wire_text import escape_wire

_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|[rnt\\])")
_NAMED = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\"}
_BARE_LF = re.compile(rb"(?<!\r)\n")
CHUNKED_HEAD = re.compile(r"^transfer-encoding\s*:.*chunked", re.IGNORECASE | re.MULTILINE)
_LAST_CHUNK = re.compile(r"^0+[ \t]*(?:;.*)?$", re.MULTILINE)  # `0`, maybe `;ext` (RFC 9112 §7.1)


def unescape_bytes(data: bytes) -> bytes:
    """`data` with the escapes `\\r \\n \\t \\\\ \\xNN` replaced by the bytes they name."""
    if b"\\" not in data:
        return data

    def replace(match: re.Match[bytes]) -> bytes:
        token = match.group(1)
        if token[:1] == b"x":
            return bytes([int(token[1:], 16)])
        return _NAMED[token]

    return _ESCAPE.sub(replace, data)


def unescape(text: str) -> bytes:
    """`text` as bytes (UTF-8) with its escapes replaced; see the module docstring."""
    return unescape_bytes(text.encode("utf-8", "surrogateescape"))


def escape_for_input(data: bytes) -> str:
    """Text that `unescape` turns back into `data` exactly (used by `:last` and the tests):
    the wire-text escaping, whose escapes are exactly the ones raw input reads."""
    return escape_wire(data)


def to_crlf(data: bytes) -> bytes:
    """Every bare LF in `data` made CRLF; CRLF pairs stay as they are."""
    return _BARE_LF.sub(b"\r\n", data)


def prepare_raw(data: bytes, *, crlf: bool = True) -> bytes:
    """The bytes to send for raw input `data`: line breaks per `crlf`, then escapes.

    Line breaks are converted before escapes are read, so an escaped `\\n` is never touched.
    """
    if crlf:
        data = to_crlf(data)
    return unescape_bytes(data)


def chunked_body_end(text: str) -> str | None:
    """The line breaks that end typed raw `text` whose head says chunked and whose body has
    reached its last chunk (`0`): the trailer section after it ends with an empty line
    (RFC 9112 §7.1), which a learner who stops at `0` has not typed. "\n\n" after `0`, "\n"
    after `0` and a line break, "" when the empty line is there; None for any other text
    (not chunked, or no last chunk yet). The repl and the client pane both add it."""
    typed = text.replace("\r\n", "\n").lstrip("\n")
    head, blank, body = typed.partition("\n\n")
    if not blank or not CHUNKED_HEAD.search(head) or not _LAST_CHUNK.search(body):
        return None
    if typed.endswith("\n\n"):
        return ""
    return "\n" if typed.endswith("\n") else "\n\n"
