"""What the connections of one running proxy share (touched on its loop thread only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from httplab.proxy.settings import ProxySettings
from httplab.server.context import SERVER_HEADER
from httplab.server.dates import DateCache


class Served(Protocol):
    """What stopping needs of a connection (keeps this module free of `connection`)."""

    idle: bool  # between requests: it may be closed at once


@dataclass(eq=False)
class ProxyState:
    settings: ProxySettings
    server_header: bytes = SERVER_HEADER
    stopping: bool = False
    last_id: int = 0  # client and upstream connections share one numbering: #1, ↑2, #3 …
    tasks: dict[asyncio.Task[Any], Served] = field(default_factory=dict)  # one per client
    dates: DateCache = field(default_factory=DateCache)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id
