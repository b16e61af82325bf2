"""The lesson's own server: the users API on an `HTTPServer`, with the current step's options.

Both `--plain` and the lesson view run one. `ensure(options)` restarts it on the same port when
a step needs other options (small limits, `--name`), keeping the users created so far.
"""

from __future__ import annotations

import contextlib
import socket

from httplab.lessons.model import ServerOptions
from httplab.server.apps.users import UsersApp
from httplab.server.context import HEADER_TIMEOUT, IDLE_TIMEOUT
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus


class LessonServer:
    """The lesson's server, restarted on the same port when a step needs other options."""

    def __init__(self, host: str, port: int, bus: TraceBus) -> None:
        self.host = host
        self.port = port
        self.bus = bus
        self.app = UsersApp()  # kept across restarts: users created earlier stay
        self.options: ServerOptions | None = None
        self.server: HTTPServer | None = None

    def ensure(self, options: ServerOptions) -> bool:
        """Run with `options`; True when it had to (re)start. OSError if it cannot listen."""
        if self.server is not None and options == self.options:
            return False
        restarted = self.server is not None
        self.stop()
        server = HTTPServer(
            self.app,
            self.host,
            self.port,
            options.limits(),
            self.bus,
            server_name=options.name,
            stop_timeout=1.0,
            idle_timeout=options.idle_timeout or IDLE_TIMEOUT,
            header_timeout=options.header_timeout or HEADER_TIMEOUT,
        )
        server.start()
        self.server, self.options, self.port = server, options, server.port
        return restarted

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


WILDCARDS = frozenset({"0.0.0.0", "::", ""})
"""Bind addresses that mean every interface of this machine."""


def local_address(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host` (loopback for a
    wildcard bind)."""
    if host in WILDCARDS:
        return "::1" if host == "::" else "127.0.0.1"
    return host


def class_urls(host: str, port: int) -> tuple[str, ...]:
    """The URLs students on the network send to: the bound address itself, or for a wildcard
    bind this machine's own addresses (loopback left out, as no student can use it)."""
    if host not in WILDCARDS:
        return (_url(host, port),)
    addresses: list[str] = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.connect(("192.0.2.1", 9))  # TEST-NET-1; a UDP connect only chooses a route
        addresses.append(udp.getsockname()[0])
    with contextlib.suppress(OSError):
        addresses += socket.gethostbyname_ex(socket.gethostname())[2]
    usable = [a for a in dict.fromkeys(addresses) if not a.startswith("127.") and a != "0.0.0.0"]
    return tuple(_url(a, port) for a in usable) or (_url("THIS-MACHINE", port),)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
