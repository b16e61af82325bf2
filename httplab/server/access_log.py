"""One access-log line per exchange.

The server calls an `access_log` hook with an `AccessEntry`; the `serve` command formats it with
`format_access_line` and prints it to stderr. The target comes from the peer, so it is escaped
before it can reach a terminal (a request line may carry ESC sequences). The server may not
import `httplab.render`, hence the small escaper here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccessEntry:
    connection_id: int
    number: int  # exchange number on the connection, from 1
    peer: str
    method: str  # "-" when the request line could not be parsed
    target: str
    status: int
    bytes_sent: int  # the whole response as written: status line, headers and body
    duration_ms: float  # first byte of the request to the response written


_PRINTABLE = frozenset(range(0x20, 0x7F)) - {ord("\\")}


def escape_text(text: str) -> str:
    """Control characters, backslash and non-ASCII as visible escapes (`\\x1b`, `\\r`)."""
    if all(ord(ch) in _PRINTABLE for ch in text):
        return text
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if code in _PRINTABLE:
            out.append(ch)
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def format_access_line(entry: AccessEntry) -> str:
    """`#3.1 127.0.0.1:50412 GET /users 200 117B 0.42ms`: connection.exchange, peer, request,
    status, bytes written, milliseconds."""
    return (
        f"#{entry.connection_id}.{entry.number} {entry.peer} "
        f"{escape_text(entry.method)} {escape_text(entry.target)} "
        f"{entry.status} {entry.bytes_sent}B {entry.duration_ms:.2f}ms"
    )
