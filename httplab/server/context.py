"""What every connection of one server shares, built once when the server starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from httplab import __version__
from httplab.protocol.limits import Limits
from httplab.protocol.messages import Request, Response
from httplab.server.access_log import AccessEntry
from httplab.server.dates import DateCache
from httplab.trace.records import TraceItem

if TYPE_CHECKING:
    from httplab.server.connection import HTTPConnection

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
LINGER_TIMEOUT = 2.0
"""Seconds to drain a closing connection so a client still sending sees our answer, not RST."""
STOP_LINGER_TIMEOUT = 0.1
"""The same while the server stops: enough to drain a request already sent."""


class Tracer(Protocol):
    def publish(self, item: TraceItem) -> None: ...


@dataclass(eq=False)
class ServerContext:
    app: App
    limits: Limits
    tracer: Tracer | None
    access_log: AccessLog | None
    idle_timeout: float
    header_timeout: float
    max_connections: int
    server_name: str | None
    port: int = 0
    stopping: bool = False
    next_connection_id: int = 0
    active: int = 0  # connections being served (refused ones excluded)
    on_connection_lost: Callable[[], None] | None = None
    connections: set[HTTPConnection] = field(default_factory=set)
    dates: DateCache = field(default_factory=DateCache)
    server_header: bytes = SERVER_HEADER
