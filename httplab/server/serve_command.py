"""What `httplab serve` does once its options are parsed: build the server, run it until
SIGINT or SIGTERM, print one access-log line per exchange to stderr (unless
`--no-access-log`; the lines are written in batches, see `log_writer`)."""

from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import threading
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

from httplab import __version__
from httplab.protocol.limits import Limits
from httplab.server.apps.users import UsersApp
from httplab.server.context import (
    HEADER_TIMEOUT,
    IDLE_TIMEOUT,
    MAX_CONNECTIONS,
    MEMORY_BUDGET,
    AccessLog,
    App,
    Tracer,
)
from httplab.server.engine import DEFAULT_HOST, DEFAULT_PORT, HTTPServer
from httplab.server.log_writer import AccessLogWriter
from httplab.server.open_files import FD_HEADROOM, raise_open_file_limit
from httplab.server.start_errors import start_failure
from httplab.trace.intercept import Intercept


@dataclass(frozen=True)
class ServeOptions:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    name: str | None = None
    limits: Limits = field(default_factory=Limits)
    idle_timeout: float = IDLE_TIMEOUT
    header_timeout: float = HEADER_TIMEOUT
    max_connections: int = MAX_CONNECTIONS
    memory_budget: int = MEMORY_BUDGET
    access_log: bool = True  # one line per exchange on stderr; --no-access-log turns it off
    seed: int = 0  # sample users to start with (--seed N)
    app: App | None = None  # the user's app (--app MODULE:CALLABLE); None: the users API
    app_label: str = ""  # how the banner names it, e.g. "WSGI app hello:app"


def host_error(host: str) -> str | None:
    """Why `--host` cannot be used, in one line, or None. An empty host would make asyncio
    listen on every interface while the banner shows `http://:PORT/`."""
    if not host.strip(" \t"):
        return (
            "httplab serve: --host is empty; give an address, e.g. --host 127.0.0.1 (this "
            "machine only) or --host 0.0.0.0 (every interface, reachable from the network)"
        )
    return None


def exposure_warning(host: str) -> str | None:
    """A warning when `--host` makes the lab reachable from other machines, else None."""
    if host == "localhost":
        return None
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return (
            f"httplab: warning: listening on {host!r}, which may be reachable from the "
            "network; the lab has no authentication (--host 127.0.0.1 keeps it local)"
        )
    if address.is_loopback:
        return None
    where = "every interface" if address.is_unspecified else str(address)
    return (
        f"httplab: warning: listening on {where}: anyone who can reach this machine can use "
        "the lab, which has no authentication (--host 127.0.0.1 keeps it local)"
    )


def make_server(
    options: ServeOptions,
    tracer: Tracer | None = None,
    access_log: AccessLog | None = None,
    intercept: Intercept | None = None,
) -> HTTPServer:
    """The users API server `httplab serve` runs (not started); `--trace` passes a tracer.
    Raises the soft open-file limit towards what `max_connections` needs (the server clamps
    the cap to what the limit allows, see `open_files`)."""
    raise_open_file_limit(options.max_connections + 2 * FD_HEADROOM)
    app: App
    if options.app is not None:
        app = options.app
        if hasattr(app, "server_name"):  # a WSGI adapter: SERVER_NAME (the port it learns
            app.server_name = options.name or options.host  # from each connection)
    else:
        users = UsersApp()
        users.store.seed(options.seed)
        app = users
    return HTTPServer(
        app,
        options.host,
        options.port,
        options.limits,
        tracer,
        idle_timeout=options.idle_timeout,
        header_timeout=options.header_timeout,
        max_connections=options.max_connections,
        memory_budget=options.memory_budget,
        server_name=options.name,
        access_log=access_log,
        intercept=intercept,
    )


def serve_until_signal(
    options: ServeOptions, err: TextIO | None = None, tracer: Tracer | None = None
) -> int:
    """Serve until SIGINT (Ctrl-C) or SIGTERM, then stop gracefully; the exit status.
    `tracer` gets every exchange (`serve --record` passes its recorder)."""
    stream = err if err is not None else sys.stderr
    logging.basicConfig(
        stream=stream, level=logging.WARNING, format="httplab: %(levelname)s %(message)s"
    )
    access_log = AccessLogWriter(stream)
    server = make_server(
        options, tracer=tracer, access_log=access_log if options.access_log else None
    )
    try:
        server.start()
    except OSError as exc:  # cannot listen, or the app's own startup (ASGI lifespan) failed
        access_log.close()
        stream.write(start_failure(exc, "httplab serve") + "\n")
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        vhost = f", virtual host {options.name}" if options.name else ""
        if options.app is not None:
            what = f"{options.app_label} at {server.url}/"
        else:
            what = f"the users API at {server.url}/users"
        stream.write(f"httplab {__version__}: {what}{vhost} (Ctrl-C stops)\n")
        stream.flush()
        while not stop.wait(0.25):
            pass
        # through the writer: stderr may be a pipe nobody reads, and Ctrl-C must still stop
        access_log.say("httplab: stopping (finishing requests in flight)")
    finally:
        server.stop()
        access_log.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
