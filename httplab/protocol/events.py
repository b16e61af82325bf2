"""Events a parser yields: a head, pieces of body, the end of a message.

A parser's `next_event()` returns one of these, `NEED_DATA` when it must be fed more bytes,
`PAUSED` when a whole message is out and the caller has not asked for the next one, or raises
`ProtocolError`. Spans are byte offsets `(start, end)` into `raw`, so a view can highlight the
exact bytes a parsed field came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Literal

from httplab.protocol.headers import Headers
from httplab.protocol.notes import Note

if TYPE_CHECKING:
    from httplab.protocol.messages import Request

Span = tuple[int, int]


class LazySpans(Mapping[str, Span]):
    """Spans computed on first use: only a view that links parsed fields to raw bytes needs
    them, so a server under load never pays for them."""

    __slots__ = ("_build", "_data", "_raw")

    def __init__(self, build: Callable[[bytes], dict[str, Span]], raw: bytes) -> None:
        self._build: Callable[[bytes], dict[str, Span]] | None = build
        self._raw = raw  # the head's own bytes: nothing else is kept alive
        self._data: dict[str, Span] = {}

    def _spans(self) -> dict[str, Span]:
        if self._build is not None:
            self._data = self._build(self._raw)
            self._build = None
            self._raw = b""
        return self._data

    def __getitem__(self, key: str) -> Span:
        return self._spans()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans())

    def __len__(self) -> int:
        return len(self._spans())

    def __repr__(self) -> str:
        return f"LazySpans({self._spans()!r})"


class Sentinel(Enum):
    NEED_DATA = "need data"
    PAUSED = "paused"

    def __repr__(self) -> str:
        return self.name


NEED_DATA = Sentinel.NEED_DATA
PAUSED = Sentinel.PAUSED


FramingKind = Literal["none", "length", "chunked", "close"]
TargetForm = Literal["origin", "absolute", "authority", "asterisk"]


@dataclass(frozen=True, slots=True)
class Framing:
    """How the body is delimited (RFC 9112 §6.3)."""

    kind: FramingKind
    length: int | None = None


@dataclass(slots=True)
class RequestHead:
    method: str
    target: str
    version: str  # as normalised: "HTTP/1.1" or "HTTP/1.0"
    headers: Headers
    raw: bytes  # the head exactly as received, leading empty lines and final CRLF included
    target_form: TargetForm
    framing: Framing
    keep_alive: bool
    expect_continue: bool
    raw_version: str = ""
    notes: tuple[Note, ...] = ()
    spans: Mapping[str, Span] = field(default_factory=dict)

    def to_request(self, body: bytes = b"", trailers: Headers | None = None) -> Request:
        from httplab.protocol.messages import Request  # only a server builds requests

        return Request(
            self.method,
            self.target,
            self.version,
            self.headers,
            body,
            trailers if trailers is not None else Headers(),
        )


@dataclass(slots=True)
class ResponseHead:
    status: int
    reason: str
    version: str
    headers: Headers
    raw: bytes
    framing: Framing
    keep_alive: bool
    notes: tuple[Note, ...] = ()
    spans: Mapping[str, Span] = field(default_factory=dict)

    @property
    def informational(self) -> bool:
        return 100 <= self.status < 200


@dataclass(frozen=True, slots=True)
class Data:
    data: bytes


@dataclass(frozen=True, slots=True)
class EndOfMessage:
    trailers: Headers = field(default_factory=Headers)
    raw: bytes = b""  # the whole message as received: head, body framing, trailers
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed its side between messages (after `feed(b"")` with nothing pending)."""


Event = RequestHead | ResponseHead | Data | EndOfMessage | ConnectionClosed
