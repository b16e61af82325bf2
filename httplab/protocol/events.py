"""Events a parser yields: a head, pieces of body, the end of a message.

A parser's `next_event()` returns one of these, `NEED_DATA` when it must be fed more bytes,
`PAUSED` when a whole message is out and the caller has not asked for the next one, or raises
`ProtocolError`. Spans are byte offsets `(start, end)` into `raw`, so a view can highlight the
exact bytes a parsed field came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Literal

from httplab.protocol.headers import Headers
from httplab.protocol.notes import Note
from httplab.protocol.spans import Span, request_spans, response_spans

if TYPE_CHECKING:
    from httplab.protocol.messages import Request


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
    _spans: Mapping[str, Span] | None = field(default=None, repr=False, compare=False)

    # written out rather than generated, so that `spans` may be given (a test or a view that
    # builds a head by hand) or left to be worked out from `raw` on first use
    def __init__(
        self,
        method: str,
        target: str,
        version: str,
        headers: Headers,
        raw: bytes,
        target_form: TargetForm,
        framing: Framing,
        keep_alive: bool,
        expect_continue: bool,
        raw_version: str = "",
        notes: tuple[Note, ...] = (),
        spans: Mapping[str, Span] | None = None,
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.raw = raw
        self.target_form = target_form
        self.framing = framing
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.raw_version = raw_version
        self.notes = notes
        self._spans = spans

    @property
    def spans(self) -> Mapping[str, Span]:
        """Where each parsed piece sits in `raw` (see `spans`), worked out on first use: only
        a view that links parsed fields to raw bytes needs them."""
        if self._spans is None:
            self._spans = request_spans(self.raw) if self.raw else {}
        return self._spans

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
    _spans: Mapping[str, Span] | None = field(default=None, repr=False, compare=False)

    def __init__(  # written out, as RequestHead's is
        self,
        status: int,
        reason: str,
        version: str,
        headers: Headers,
        raw: bytes,
        framing: Framing,
        keep_alive: bool,
        notes: tuple[Note, ...] = (),
        spans: Mapping[str, Span] | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
        self.raw = raw
        self.framing = framing
        self.keep_alive = keep_alive
        self.notes = notes
        self._spans = spans

    @property
    def spans(self) -> Mapping[str, Span]:
        """Where each parsed piece sits in `raw` (see `spans`), worked out on first use."""
        if self._spans is None:
            self._spans = response_spans(self.raw) if self.raw else {}
        return self._spans

    @property
    def informational(self) -> bool:
        return 100 <= self.status < 200


# Data and EndOfMessage are made for every message: plain (not frozen) dataclasses, because a
# frozen one's __init__ sets each field through object.__setattr__, which costs 2-3 times as
# much. Nobody changes an event once it is out.
@dataclass(slots=True)
class Data:
    data: bytes


@dataclass(slots=True)
class EndOfMessage:
    trailers: Headers = field(default_factory=Headers)
    raw: bytes = b""  # the whole message as received: head, body framing, trailers
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed its side between messages (after `feed(b"")` with nothing pending)."""


Event = RequestHead | ResponseHead | Data | EndOfMessage | ConnectionClosed
