"""What every connection of one server shares: settings fixed when the server is built, and the
state that changes while it serves (as uvicorn keeps `Config` apart from `ServerState`).

    ServerSettings  frozen: the app, limits, timeouts, caps, hooks — read by every connection
    ServerState     mutable: the port once listening, the connection cap in force, who is
                    connected, bytes held, stopping — one per running server
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from httplab import __version__
from httplab.protocol.headers import Field
from httplab.protocol.limits import Limits
from httplab.protocol.messages import Request, Response
from httplab.server.access_log import AccessEntry
from httplab.server.answer_heads import AnswerHeads
from httplab.server.dates import DateCache
from httplab.server.outbox import Outbox
from httplab.trace.intercept import Intercept
from httplab.trace.records import TraceItem

App = Callable[[Request], Response]
AccessLog = Callable[[AccessEntry], None]

SERVER_HEADER = f"httplab/{__version__}".encode("ascii")
IDLE_TIMEOUT = 60.0
"""Seconds a keep-alive connection may wait for its next request."""
HEADER_TIMEOUT = 60.0
"""Seconds from the first byte of a request to the end of its head: bounds slowloris, yet
leaves a person time to type a request into `nc`."""
MIN_BODY_RATE = 1024
"""Bytes per second a request body must average once its first idle timeout has passed:
a body trickling in a byte at a time cannot hold a connection for ever."""
MAX_CONNECTIONS = 10_000
"""Connections served at once; one more is answered 503 and closed."""
MEMORY_BUDGET = 64 * 1024 * 1024
"""Request bytes all connections together may hold (heads being read, bodies being gathered,
pipelined requests waiting); a request that would go beyond it is answered 503."""
SMALL_REQUEST = 16 * 1024
"""A request holding no more than this may use the reserve above the memory budget: a fresh
client sending an ordinary request is answered while big requests fill the budget."""
SMALL_RESERVE_SHARE = 4
"""The reserve for small requests is budget / 4: the bytes held never pass 1.25 x budget."""
LINGER_TIMEOUT = 2.0
"""Seconds to drain a closing connection so a client still sending sees our answer, not RST."""
STOP_LINGER_TIMEOUT = 0.1
"""The same while the server stops: enough to drain a request already sent."""


class Tracer(Protocol):
    def publish(self, item: TraceItem) -> None: ...


class Served(Protocol):
    """What the server needs of a connection (keeps this module free of `connection`)."""

    id: int
    deadline: float

    def on_deadline(self) -> None: ...

    def stop(self) -> None: ...

    def abort(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How the server was asked to behave; never changes while it serves."""

    app: App
    limits: Limits = field(default_factory=Limits)
    tracer: Tracer | None = None
    access_log: AccessLog | None = None
    idle_timeout: float = IDLE_TIMEOUT
    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS
    server_name: str | None = None
    memory_budget: int = MEMORY_BUDGET
    server_header: bytes = SERVER_HEADER
    intercept: Intercept | None = None  # serve --trace: requests the trace view may hold


@dataclass(eq=False)
class ServerState:
    """What changes while the server runs; touched only on the server's loop thread."""

    settings: ServerSettings
    clock: Callable[[], float] = time.monotonic  # deadlines' clock; a fake one in unit tests
    # the loop's call_soon, to give other connections a turn; None: no turns (unit tests)
    defer: Callable[[Callable[[], None]], object] | None = None
    outbox: Outbox | None = None  # answers written at the end of the turn; None: at once
    port: int = 0
    connection_cap: int = MAX_CONNECTIONS  # max_connections, clamped to the open-file limit
    stopping: bool = False
    next_connection_id: int = 0
    active: int = 0  # connections being served (refused ones excluded)
    held_bytes: int = 0  # request bytes held by all connections (see MEMORY_BUDGET)
    on_connection_lost: Callable[[], None] | None = None
    connections: set[Served] = field(default_factory=set)
    dates: DateCache = field(default_factory=DateCache)
    answer_heads: AnswerHeads = field(default_factory=AnswerHeads)  # see answer_heads
    server_field: Field = field(init=False)  # `Server: httplab/x.y`, made once
    # the `source` of its trace records: "app" when the user's app answers (serve --app)
    record_source: str = field(init=False)

    def __post_init__(self) -> None:
        self.server_field = Field(b"Server", self.settings.server_header)
        self.record_source = getattr(self.settings.app, "record_source", "server")
