"""`ProxyServer`: the proxy's asyncio loop in a background thread, one task per client.

    with ProxyServer(ProxySettings("127.0.0.1", 8000), port=0) as proxy:
        print(proxy.url)                 # http://127.0.0.1:41234, forwarding to :8000

Like `HTTPServer`, the caller's thread only starts and stops it, so the trace view, the tests
and the CLI keep their main thread.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from httplab.protocol.serialize import serialize_response
from httplab.proxy.connection import ProxyConnection
from httplab.proxy.settings import DEFAULT_LISTEN_HOST, STOP_TIMEOUT, ProxySettings
from httplab.proxy.state import ProxyState
from httplab.server.loop_thread import LoopThread
from httplab.server.problem import problem_response
from httplab.server.start_errors import ListenError

logger = logging.getLogger("httplab.proxy")

START_TIMEOUT = 10.0
BACKLOG = 1024


class ProxyServer:
    def __init__(
        self,
        settings: ProxySettings,
        host: str = DEFAULT_LISTEN_HOST,
        port: int = 0,
        *,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.host = host
        self._requested_port = port
        self.port = port
        self.stop_timeout = stop_timeout
        self.state = ProxyState(settings)
        self._runner = LoopThread("httplab-proxy")
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    # lifecycle ------------------------------------------------------------------------------
    def start(self) -> ProxyServer:
        """Listen and serve in a background thread; raises `start_errors.ListenError` (an
        OSError, e.g. the port in use) that says why."""
        if self._runner.started:
            raise RuntimeError("the proxy is already started")
        self.state = ProxyState(self.settings)
        self._runner.start(self._listen, START_TIMEOUT)
        return self

    def stop(self) -> None:
        """Stop accepting, let exchanges in flight finish (at most `stop_timeout`), close."""
        self._runner.stop(self._shutdown, self.stop_timeout + 5.0)

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # in the loop thread -----------------------------------------------------------------------
    async def _listen(self) -> None:
        try:
            self._server = await asyncio.start_server(
                self._accept,
                self.host,
                self._requested_port,
                backlog=BACKLOG,
                reuse_address=True,
                limit=2 * 64 * 1024,
            )
        except OSError as exc:  # said the same way by every command (start_errors)
            raise ListenError(exc, self.host, self._requested_port) from exc
        sockets = self._server.sockets
        self.port = sockets[0].getsockname()[1] if sockets else self._requested_port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state = self.state
        if state.stopping or len(state.tasks) >= self.settings.max_connections:
            await self._refuse(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        connection = ProxyConnection(state, reader, writer)
        state.tasks[task] = connection
        try:
            await connection.run()
        finally:
            state.tasks.pop(task, None)

    async def _refuse(self, writer: asyncio.StreamWriter) -> None:
        response = problem_response(
            503,
            f"the proxy is at its limit of {self.settings.max_connections} connections; retry",
            rfc_ref="RFC 9110 §15.6.4",
            headers=[("Retry-After", "1"), ("Connection", "close")],
        )
        try:
            writer.write(serialize_response(response))
            writer.write_eof()
            await asyncio.sleep(0.1)
        except OSError:
            pass
        writer.close()

    async def _shutdown(self) -> None:
        state = self.state
        state.stopping = True
        if self._server is not None:
            self._server.close()
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.stop_timeout
        while True:
            for task, connection in list(state.tasks.items()):
                if connection.idle:
                    task.cancel()
            if not state.tasks or loop.time() >= give_up:
                break
            await asyncio.sleep(0.02)
        for task in list(state.tasks):
            task.cancel()
        if state.tasks:
            await asyncio.wait(list(state.tasks), timeout=1.0)
