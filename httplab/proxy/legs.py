"""The trace of a proxied exchange: two `ExchangeRecord`s, one per leg.

    #3.1  the client's leg:   what the client sent    → what the client got
    ↑4.1  the upstream leg:   what went upstream      → what came back

Both are ordinary records on the same bus, so the trace view, the plain printer and the
recorder show them as they show the server's. The client's leg is `source="server"` (the proxy
is the client's server); the upstream leg is `source="upstream"`, its `peer` the upstream's
address. Notes on each say where the other leg is. A record keeps the heads and the first
`BODY_KEEP` bytes of each body, as the bus would trim them (`record.omitted` counts the rest),
so a 50 MiB body streamed through costs the trace 64 KiB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from httplab.protocol.events import RequestHead, ResponseHead
from httplab.protocol.headers import Headers
from httplab.protocol.messages import Note, Request, Response
from httplab.protocol.request_parser import RequestParser
from httplab.trace.bus import BODY_KEEP
from httplab.trace.records import ExchangeRecord, Timings

UPSTREAM_SOURCE = "upstream"


class ByteSample:
    """The first `limit` bytes of a stream and how many went by in all."""

    __slots__ = ("_parts", "kept", "limit", "total")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._parts: list[bytes] = []
        self.kept = 0
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - self.kept
        if room > 0 and data:
            piece = data if len(data) <= room else data[:room]
            self._parts.append(piece)
            self.kept += len(piece)

    @property
    def value(self) -> bytes:
        return b"".join(self._parts)

    @property
    def omitted(self) -> int:
        return self.total - self.kept


def trimmed_note(what: str, omitted: int) -> Note:
    """The note the bus writes when it trims a body (`trace.bus.trim_bodies`), same code."""
    return Note(
        f"trace-trimmed-{what}",
        f"the trace keeps the first {BODY_KEEP:,} body bytes of this {what}: "
        f"{omitted:,} more bytes went over the wire but are not shown",
        "",
        "info",
    )


@dataclass(slots=True, eq=False)
class ProxiedExchange:
    """What one exchange through the proxy saw on both legs (only what the trace keeps)."""

    client_id: int
    number: int
    peer: str
    head: RequestHead
    first_byte: float  # perf_counter()
    started_at: float = field(default_factory=time.time)
    head_parsed: float = 0.0
    answered: float = 0.0  # the upstream's final head arrived (or the proxy answered itself)
    # client → proxy: raw as received (kept part), decoded body
    client_raw: bytes = b""
    client_omitted: int = 0
    request_body: ByteSample = field(default_factory=lambda: ByteSample(BODY_KEEP))
    request_trailers: Headers = field(default_factory=Headers)
    # proxy → upstream
    upstream_id: int = 0
    upstream_number: int = 0
    upstream_peer: str = ""
    upstream_sent: ByteSample | None = None
    upstream_headers: Headers | None = None
    upstream_target: str = ""
    upstream_started: float = 0.0
    upstream_started_at: float = 0.0  # wall clock of upstream_started: the upstream leg's start
    # upstream → proxy
    response_head: ResponseHead | None = None
    upstream_raw: bytes = b""
    upstream_omitted: int = 0
    response_body: ByteSample = field(default_factory=lambda: ByteSample(BODY_KEEP))
    response_trailers: Headers = field(default_factory=Headers)
    upstream_error: str | None = None
    upstream_notes: list[Note] = field(default_factory=list)
    # proxy → client
    client_sent: ByteSample = field(default_factory=lambda: ByteSample(64 * 1024 + BODY_KEEP))
    status: int = 0
    reason: str = ""
    client_headers: Headers = field(default_factory=Headers)
    client_error: str | None = None
    client_notes: list[Note] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"#{self.client_id}.{self.number}"

    @property
    def upstream_label(self) -> str:
        return f"↑{self.upstream_id}.{self.upstream_number}"

    def client_record(self, done: float) -> ExchangeRecord:
        head = self.head
        request = head.to_request(self.request_body.value, self.request_trailers)
        response = None
        if self.status:
            response = Response(
                self.status, self.client_headers, self._client_body(), self.reason or ""
            )
        notes = list(head.notes) + self.client_notes
        if self.upstream_id:
            notes.append(
                Note(
                    "proxy-forwarded",
                    f"forwarded to {self.upstream_peer} as {self.upstream_label} (the upstream "
                    "leg: what went upstream and what came back)",
                    "RFC 9110 §7.6",
                    "info",
                )
            )
        raw_request, request_omitted = self.client_raw, self.client_omitted
        raw_response = self.client_sent.value
        response_omitted = self.client_sent.omitted
        for what, omitted in (("request", request_omitted), ("response", response_omitted)):
            if omitted:
                notes.append(trimmed_note(what, omitted))
        return ExchangeRecord(
            connection_id=self.client_id,
            number=self.number,
            started_at=self.started_at,
            peer=self.peer,
            raw_request=raw_request,
            raw_response=raw_response,
            request=request,
            head=head,
            response=response,
            error=self.client_error,
            timings=Timings(self.first_byte, self.head_parsed, self.answered, done),
            notes=notes,
            omitted=(request_omitted, response_omitted),
        )

    def _client_body(self) -> bytes:
        """The decoded body the client got: the upstream's, or the proxy's own error body."""
        if self.response_head is not None and self.upstream_error is None:
            return self.response_body.value
        raw = self.client_sent.value
        cut = raw.find(b"\r\n\r\n")
        return raw[cut + 4 :] if cut >= 0 else b""

    def upstream_record(self, done: float) -> ExchangeRecord | None:
        sent = self.upstream_sent
        if not self.upstream_id or sent is None or self.upstream_headers is None:
            return None
        head = self.head
        raw_request = sent.value
        request = Request(
            head.method,
            self.upstream_target,
            "HTTP/1.1",
            self.upstream_headers,
            self.request_body.value,
            self.request_trailers,
        )
        response = None
        response_head = self.response_head
        if response_head is not None:
            response = Response(
                response_head.status,
                response_head.headers,
                self.response_body.value,
                response_head.reason,
                response_head.version,
                self.response_trailers,
            )
        notes = [
            Note(
                "proxy-upstream",
                f"the upstream leg of {self.label}: what httplab sent to {self.upstream_peer} "
                "and what came back",
                "RFC 9110 §7.6",
                "info",
            )
        ]
        if response_head is not None:
            notes.extend(response_head.notes)
        notes.extend(self.upstream_notes)
        omitted = (sent.omitted, self.upstream_omitted)
        for what, count in zip(("request", "response"), omitted, strict=True):
            if count:
                notes.append(trimmed_note(what, count))
        return ExchangeRecord(
            connection_id=self.upstream_id,
            number=self.upstream_number,
            # the upstream leg starts when its request went out, after its connection was
            # opened (that event's time), not when the client's request arrived
            started_at=self.upstream_started_at or self.started_at,
            peer=self.upstream_peer,
            raw_request=raw_request,
            raw_response=self.upstream_raw,
            request=request,
            head=_parsed_head(raw_request),
            response=response,
            error=self.upstream_error,
            timings=Timings(self.upstream_started, self.upstream_started, self.answered, done),
            notes=notes,
            source=UPSTREAM_SOURCE,
            omitted=omitted,
        )


def _parsed_head(raw: bytes) -> RequestHead | None:
    """The head the proxy sent, parsed by the same parser (spans for the views)."""
    parser = RequestParser()
    parser.feed(raw)
    try:
        event = parser.next_event()
    except Exception:  # our own head: cannot fail, but a view must never see a crash
        return None
    return event if isinstance(event, RequestHead) else None


RETRIED_NOTE = Note(
    "proxy-retried",
    "the kept-alive upstream connection had closed meanwhile; the request (idempotent, no "
    "body) was sent again on a new one",
    "RFC 9112 §9.3.1",
    "info",
)


def removed_note(names: list[bytes], what: str) -> Note:
    shown = ", ".join(name.decode("latin-1") for name in names)
    return Note(
        "proxy-hop-by-hop",
        f"hop-by-hop fields of the {what} not forwarded: {shown}",
        "RFC 9110 §7.6.1",
        "info",
    )
