"""`HTTPServer`: an asyncio event loop in a background thread, one `HTTPConnection` per socket.

The thread owns the loop; the caller's thread only starts and stops it, so the TUI, the tests
and the lessons keep their main thread. Apps run in the loop thread and must be quick;
streaming apps (WSGI, ASGI) answer from threads of their own (see `streaming.py`), and an app
with `startup()`/`shutdown()` (ASGI lifespan) has them called around serving.

    with HTTPServer(UsersApp(), port=0) as server:
        print(server.address)            # ("127.0.0.1", 41234)
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from types import TracebackType
from typing import Any

from httplab.protocol.limits import Limits
from httplab.server.connection import HTTPConnection
from httplab.server.context import (
    HEADER_TIMEOUT,
    IDLE_TIMEOUT,
    MAX_CONNECTIONS,
    MEMORY_BUDGET,
    AccessLog,
    App,
    ServerSettings,
    ServerState,
    Tracer,
)
from httplab.server.loop_thread import LoopThread
from httplab.server.open_files import connection_ceiling, open_file_limit
from httplab.server.outbox import Outbox
from httplab.server.start_errors import ListenError
from httplab.trace.intercept import Intercept

logger = logging.getLogger("httplab.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 53210
BACKLOG = 1024
STOP_TIMEOUT = 5.0
"""Seconds `stop()` lets in-flight requests finish before dropping their connections."""
START_TIMEOUT = 10.0
STOP_POLL = 0.02
RESOURCE_REPORT_EVERY = 10.0
"""Seconds between two log lines about accept() running out of descriptors or memory."""
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class HTTPServer:
    """Serve `app` on host:port from a background thread; `start()`, `stop()`, or `with`."""

    def __init__(
        self,
        app: App,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        limits: Limits | None = None,
        tracer: Tracer | None = None,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        header_timeout: float = HEADER_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        server_name: str | None = None,
        access_log: AccessLog | None = None,
        stop_timeout: float = STOP_TIMEOUT,
        memory_budget: int = MEMORY_BUDGET,
        intercept: Intercept | None = None,
    ) -> None:
        if idle_timeout <= 0 or header_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if memory_budget < 1:
            raise ValueError("memory_budget must be at least 1 byte")
        self.host = host
        self._requested_port = port
        self.port = port
        self.stop_timeout = stop_timeout
        self.settings = ServerSettings(
            app=app,
            limits=limits if limits is not None else Limits(),
            tracer=tracer,
            access_log=access_log,
            idle_timeout=idle_timeout,
            header_timeout=header_timeout,
            max_connections=max_connections,
            server_name=server_name,
            memory_budget=memory_budget,
            intercept=intercept,
        )
        self.state = ServerState(self.settings, connection_cap=max_connections)
        self._runner = LoopThread("httplab-server")
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._resource_errors = 0
        self._next_resource_report = 0.0

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner.running

    @property
    def _loop(self) -> asyncio.AbstractEventLoop | None:
        return self._runner.loop

    # lifecycle ----------------------------------------------------------------------------
    def start(self) -> HTTPServer:
        """Listen and serve in a background thread; raises a `start_errors.StartError` (an
        OSError: the port in use, the app's startup failed) that says why."""
        if self._runner.started:
            raise RuntimeError("the server is already started")
        startup = getattr(self.settings.app, "startup", None)  # an app with a lifespan
        if startup is not None:
            try:
                startup()  # AppStartupError: no listening
            except BaseException:
                self._shut_app_down()  # e.g. stop the ASGI app's loop
                raise
        self.state = ServerState(self.settings)  # a stopped server can start again afresh
        try:
            self._runner.start(
                self._listen,
                START_TIMEOUT,
                exception_handler=self._on_loop_error,
                prepare=self._clamp_connections,  # after the loop took its own descriptors
            )
        except BaseException:
            self._shut_app_down()
            raise
        return self

    def stop(self) -> None:
        """Stop accepting, let in-flight requests finish (at most `stop_timeout`), close all."""
        self._runner.stop(self._shutdown, self.stop_timeout + 5.0)
        self._shut_app_down()

    def _shut_app_down(self) -> None:
        shutdown = getattr(self.settings.app, "shutdown", None)  # ASGI lifespan shutdown
        if shutdown is not None:
            try:
                shutdown()
            except Exception:
                logger.exception("the app's shutdown failed")

    def __enter__(self) -> HTTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _clamp_connections(self) -> None:
        """Serve no more connections than the open-file limit allows, so one too many gets
        the promised 503 instead of an accept() that fails (see `open_files`)."""
        wanted = self.settings.max_connections
        ceiling = connection_ceiling()
        if ceiling is not None and wanted > ceiling:
            logger.warning(
                "serving at most %d connections, not %d: the open-file limit (ulimit -n) "
                "is %s; raise it (e.g. `ulimit -n %d`) to serve more",
                ceiling,
                wanted,
                open_file_limit(),
                wanted + 100,
            )
            wanted = ceiling
        self.state.connection_cap = wanted

    # in the loop thread -----------------------------------------------------------------------
    def _on_loop_error(self, loop: asyncio.AbstractEventLoop, details: dict[str, Any]) -> None:
        """asyncio reports a failed accept() with a traceback each time; out of descriptors
        that is a flood. Say it in one line, at most every `RESOURCE_REPORT_EVERY` seconds."""
        exc = details.get("exception")
        if isinstance(exc, OSError) and exc.errno in OUT_OF_RESOURCES:
            self._resource_errors += 1
            now = time.monotonic()
            if now >= self._next_resource_report:
                self._next_resource_report = now + RESOURCE_REPORT_EVERY
                logger.error(
                    "cannot accept a connection: %s (%d times so far); new clients wait",
                    exc.strerror or exc,
                    self._resource_errors,
                )
            return
        loop.default_exception_handler(details)

    async def _listen(self) -> None:
        state = self.state
        # deadlines are the server's own numbers, read against its own clock (state.clock,
        # time.monotonic: a C call, where the loop's time() is a Python method around it)
        state.defer = asyncio.get_running_loop().call_soon
        state.outbox = Outbox(state.defer)
        try:
            self._server = await asyncio.get_running_loop().create_server(
                lambda: HTTPConnection(state),
                self.host,
                self._requested_port,
                backlog=BACKLOG,
                reuse_address=True,
            )
        except OSError as exc:  # said the same way by every command (start_errors)
            raise ListenError(exc, self.host, self._requested_port) from exc
        sockets = self._server.sockets
        self.port = sockets[0].getsockname()[1] if sockets else self._requested_port
        state.port = self.port
        self._sweeper = asyncio.create_task(self._sweep_deadlines())

    async def _sweep_deadlines(self) -> None:
        """Fire connection deadlines; one task for all connections instead of a timer each."""
        settings = self.settings
        shortest = min(settings.idle_timeout, settings.header_timeout)
        interval = min(0.5, max(0.01, shortest / 10))
        clock = self.state.clock
        while True:
            await asyncio.sleep(interval)
            self._fire_deadlines(clock())

    def _fire_deadlines(self, now: float) -> None:
        for connection in list(self.state.connections):
            if connection.deadline and connection.deadline <= now:
                try:
                    connection.on_deadline()
                except Exception:
                    logger.exception("deadline handling failed on #%d", connection.id)

    async def _shutdown(self) -> None:
        state = self.state
        state.stopping = True
        loop = asyncio.get_running_loop()
        if self._server is not None:
            # Stop accepting first, and close the listener only after connections accepted a
            # moment ago have their transports: asyncio 3.11 fails to build a transport for a
            # closed server and leaks that socket, open and unanswered. They get 503 instead.
            for sock in self._server.sockets:
                loop.remove_reader(sock.fileno())
            for _ in range(5):
                await asyncio.sleep(0)
            self._server.close()
        for connection in list(state.connections):
            connection.stop()
        give_up = loop.time() + self.stop_timeout
        while state.connections and loop.time() < give_up:
            await asyncio.sleep(STOP_POLL)
            self._fire_deadlines(state.clock())
        if state.connections:
            logger.warning("dropping %d connections still open", len(state.connections))
            for connection in list(state.connections):
                connection.abort()
            await asyncio.sleep(0)  # let connection_lost run
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self._server is not None:
            await self._server.wait_closed()
