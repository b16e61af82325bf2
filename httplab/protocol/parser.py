"""Incremental, sans-IO HTTP/1.1 parsers: bytes in, events out.

Theory of operation
-------------------
A parser owns a byte buffer and a state. `feed(data)` only appends (`b""` means the peer closed
its side); `next_event()` looks at the buffer in the current state and returns one event, or
`NEED_DATA` when the buffer does not yet hold a whole piece, or raises `ProtocolError`:

    HEAD ──head──▶ BODY (length | chunked | close) ──▶ DONE ──start_next()──▶ HEAD
      │                                                  │
      └──────── any state: ProtocolError ──▶ ERROR ◀────┘ (sticky: the connection is over)

Events come out the same however the bytes were split: one at a time or many requests at once
(pipelining). After `EndOfMessage` the parser answers `PAUSED` until `start_next()`, so a server
finishes its response before it even looks at the next request.

The rules are RFC 9112 (message syntax and framing) and RFC 9110 (semantics); each check names
its section in the error it raises.
"""

from __future__ import annotations

from httplab.protocol.request_parser import RequestParser
from httplab.protocol.response_parser import ResponseParser

__all__ = ["RequestParser", "ResponseParser"]
