"""What the trace carries: one record per exchange, one per connection event.

The server builds these on its own thread and hands them to the bus; everything that shows
traffic (TUI, plain printer, recorder, transcripts) reads only these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from httplab.protocol.events import RequestHead
from httplab.protocol.messages import Note, Request, Response


@dataclass(slots=True)
class Timings:
    """Monotonic seconds (time.perf_counter) of each phase; 0.0 when a phase never happened."""

    first_byte: float = 0.0
    head_parsed: float = 0.0
    handler_done: float = 0.0
    last_byte_written: float = 0.0

    @property
    def total_ms(self) -> float:
        if not self.first_byte or not self.last_byte_written:
            return 0.0
        return (self.last_byte_written - self.first_byte) * 1000.0


@dataclass(slots=True)
class ExchangeRecord:
    """One request/response on a connection, raw bytes both ways plus what was understood."""

    connection_id: int
    number: int  # 1 for the first exchange on the connection
    started_at: float  # wall clock (time.time()) when the first byte arrived
    peer: str
    raw_request: bytes  # exactly as received, also for a malformed request
    raw_response: bytes  # exactly as sent
    request: Request | None  # None when the request could not be parsed
    head: RequestHead | None  # spans and framing of the parsed head
    response: Response | None
    error: str | None = None  # ProtocolError.one_line() when the request was rejected
    timings: Timings = field(default_factory=Timings)
    notes: list[Note] = field(default_factory=list)
    source: str = "server"  # "server" or "client" (an exchange made by the client pane)
    # raw bytes (request, response) the trace left out of a big body; see trace.bus.trim_bodies
    omitted: tuple[int, int] = (0, 0)
    seq: int = 0  # set by the bus: global order of arrival

    @property
    def method(self) -> str:
        return self.request.method if self.request else ""

    @property
    def target(self) -> str:
        return self.request.target if self.request else ""

    @property
    def status(self) -> int:
        return self.response.status if self.response else 0


ConnectionEventKind = Literal["opened", "closed", "timeout", "protocol-error", "refused"]


@dataclass(slots=True)
class ConnectionEvent:
    """A connection opened, closed, timed out, or was dropped for a protocol error."""

    connection_id: int
    kind: ConnectionEventKind  # "refused": 503, over the connection cap or memory budget
    at: float  # wall clock
    peer: str
    detail: str = ""
    seq: int = 0


TraceItem = ExchangeRecord | ConnectionEvent
