"""One access-log line per exchange.

The server calls an `access_log` hook with an `AccessEntry`; the `serve` command formats it with
`format_access_line` and prints it to stderr. The target comes from the peer, so it is escaped
before it can reach a terminal (a request line may carry ESC sequences), as the bytes it was,
with the same rules as every other view (`httplab.trace.wire_text.escape_latin1`), so a log
line can be turned back into the bytes that arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from httplab.trace.wire_text import escape_latin1


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


def format_access_line(entry: AccessEntry) -> str:
    """`#3.1 127.0.0.1:50412 GET /users 200 117B 0.42ms`: connection.exchange, peer, request,
    status, bytes written, milliseconds."""
    return (
        f"#{entry.connection_id}.{entry.number} {entry.peer} "
        f"{escape_latin1(entry.method)} {escape_latin1(entry.target)} "
        f"{entry.status} {entry.bytes_sent}B {entry.duration_ms:.2f}ms"
    )
