"""`r` (and `y`) on the leg `httplab proxy` sent upstream (`↑N.M`) go to that upstream, not
through the proxy again: the trace view over a real proxy in front of a real users server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from httplab.proxy.engine import ProxyServer
from httplab.proxy.settings import ProxySettings
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.tui.controller import TraceController, TraceOptions
from httplab.tui.run import TraceScreen
from tests.tui.harness import DEADLINE, http_get, wait_for


@asynccontextmanager
async def proxy_screen() -> AsyncIterator[
    tuple[TraceScreen, PipeInput, HTTPServer, ProxyServer, TraceBus]
]:
    """The trace view of `httplab proxy --trace` (the proxy publishes both legs), keys piped."""
    bus = TraceBus()
    upstream = HTTPServer(UsersApp(), "127.0.0.1", 0)  # not traced: only the proxy is
    await asyncio.to_thread(upstream.start)
    proxy = ProxyServer(ProxySettings("127.0.0.1", upstream.port, tracer=bus), port=0)
    await asyncio.to_thread(proxy.start)
    try:
        with create_pipe_input() as keys:
            options = TraceOptions(server_host="127.0.0.1", server_port=proxy.port)
            screen = TraceScreen(bus, options, input=keys, output=DummyOutput())
            task = asyncio.create_task(screen.run_async())
            await wait_for(lambda: screen.application.is_running, "the screen to start")
            try:
                yield screen, keys, upstream, proxy, bus
            finally:
                if not task.done():
                    keys.send_text("\x03")
                await asyncio.wait_for(task, DEADLINE)
    finally:
        await asyncio.to_thread(proxy.stop)
        await asyncio.to_thread(upstream.stop)


def legs(bus: TraceBus, source: str) -> list[ExchangeRecord]:
    return [i for i in bus.snapshot() if isinstance(i, ExchangeRecord) and i.source == source]


def test_replaying_an_upstream_leg_sends_it_to_the_upstream() -> None:
    async def scenario() -> None:
        async with proxy_screen() as (screen, keys, upstream, proxy, bus):
            c: TraceController = screen.controller
            await asyncio.to_thread(http_get, proxy.port, "/users")
            await wait_for(lambda: len(c.state.visible) == 2, "both legs in the list")
            keys.send_text("k")  # up to the ↑ row: the upstream leg is published first
            await wait_for(
                lambda: c.state.current is not None and c.state.current.source == "upstream",
                "the upstream leg selected",
            )
            keys.send_text("r")
            await wait_for(lambda: legs(bus, "client"), "the replayed exchange")
            (replayed,) = legs(bus, "client")
            assert replayed.peer == f"127.0.0.1:{upstream.port}"
            assert replayed.status == 200
            assert replayed.raw_request == legs(bus, "upstream")[0].raw_request
            assert len(legs(bus, "server")) == 1, "nothing went through the proxy again"

    asyncio.run(scenario())


def test_an_upstream_leg_whose_address_cannot_be_read_is_refused_in_one_line() -> None:
    controller = TraceController(TraceOptions())
    record = ExchangeRecord(4, 1, 0.0, "nowhere", b"GET / HTTP/1.1\r\n\r\n", b"", None, None, None)
    record.source = "upstream"
    assert controller.destination(record) == "its upstream address nowhere is not HOST:PORT"
    record.source = "server"
    assert controller.destination(record) == ("127.0.0.1", 53210)
