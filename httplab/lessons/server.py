"""The lesson's own server: the users API on an `HTTPServer`, with the current step's options.

Both `--plain` and the lesson view run one. `ensure(options)` restarts it on the same port when
a step needs other options (small limits, `--name`), keeping the users created so far.
"""

from __future__ import annotations

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
