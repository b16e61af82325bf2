"""Drive the real trace screen in-process: a real server and bus, keys through a pipe input.

`screen_session()` starts the users API on an ephemeral port with a TraceBus, builds the
TraceScreen over it and runs it as a task; the test sends keys and waits for conditions with a
deadline (never a fixed sleep as an assertion).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput, Output

from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.intercept import Intercept
from httplab.tui.controller import TraceController, TraceOptions
from httplab.tui.run import TraceScreen

DEADLINE = 10.0


async def wait_for(condition: Callable[[], object], what: str, deadline: float = DEADLINE) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class Session:
    screen: TraceScreen
    keys: PipeInput
    server: HTTPServer
    bus: TraceBus
    task: asyncio.Task[int]

    @property
    def controller(self) -> TraceController:
        return self.screen.controller

    def press(self, text: str) -> None:
        self.keys.send_text(text)

    async def until(self, condition: Callable[[], object], what: str) -> None:
        await wait_for(condition, what)


def http_get(port: int, target: str, extra: bytes = b"") -> bytes:
    """A request from outside the screen (like curl in another terminal), on a real socket."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
            + extra
            + b"\r\n"
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def send_raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@asynccontextmanager
async def screen_session(
    output: Output | None = None, intercept: Intercept | None = None, **options: object
) -> AsyncIterator[Session]:
    """With `intercept`, the server holds requests on it and the view's hold keys work."""
    bus = TraceBus()
    server = HTTPServer(UsersApp(), "127.0.0.1", 0, tracer=bus, intercept=intercept)
    await asyncio.to_thread(server.start)
    try:
        with create_pipe_input() as keys:
            screen = TraceScreen(
                bus,
                TraceOptions(
                    server_host="127.0.0.1",
                    server_port=server.port,
                    intercept=intercept,
                    **options,  # type: ignore[arg-type]
                ),
                input=keys,
                output=output if output is not None else DummyOutput(),
            )
            task = asyncio.create_task(screen.run_async())
            session = Session(screen, keys, server, bus, task)
            await wait_for(lambda: screen.application.is_running, "the screen to start")
            try:
                yield session
            finally:
                if not task.done():
                    keys.send_text("\x03")  # Ctrl-C quits from anywhere
                await asyncio.wait_for(task, DEADLINE)
    finally:
        await asyncio.to_thread(server.stop)
