"""The trace's readers poll the bus (issue 12): with the plain printer or the screen's inbox
reading, the server's thread calls nobody per exchange, yet every exchange reaches them, and
one after a quiet moment is taken at once (the bus's doorbell rings).

Real sockets on 127.0.0.1; waits are for a condition, never assertions on time.
"""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
from collections.abc import Callable

from httplab.render.exchange_views import ExchangeSummary, duration
from httplab.render.printer import PlainPrinter, RenderBudget, plain_console
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.tui.inbox import BusInbox

PATIENCE = 30.0  # seconds before a wait gives up (a failure, not a measurement)


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def _exchange(port: int, paths: list[str]) -> None:
    """One keep-alive connection, one request at a time."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for path in paths:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
            received = b""
            while not _whole(received):
                chunk = sock.recv(65536)
                assert chunk, "the server closed"
                received += chunk


def _whole(received: bytes) -> bool:
    """Whether `received` holds a whole response framed by Content-Length."""
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return len(body) >= int(value)
    return True


def test_the_plain_printer_reads_every_exchange_with_no_call_per_item() -> None:
    out = io.StringIO()
    bus = TraceBus()
    with (
        HTTPServer(UsersApp(), port=0, tracer=bus) as server,
        PlainPrinter(bus, plain_console(out), budget=RenderBudget(1.0, 1e6)) as printer,
    ):
        assert bus._subscribers == (), "the printer polls: nothing runs per item on the server"
        _exchange(server.port, [f"/users?n={n}" for n in range(20)])
        _until(lambda: printer.printed == 20, "20 exchanges printed")
        # a quiet moment, then one more exchange: the doorbell brings it
        _until(lambda: printer._watch.armed, "the printer waiting for the next item")
        _exchange(server.port, ["/users?n=after-the-quiet"])
        _until(lambda: "after-the-quiet" in out.getvalue(), "the exchange after the quiet")
    text = out.getvalue()
    assert all(f"/users?n={n} HTTP/1.1" in text for n in range(20))
    assert "connection opened" in text and "connection closed" in text


def test_the_screens_inbox_reads_every_exchange_with_no_call_per_item() -> None:
    delivered: list[ExchangeRecord] = []
    bus = TraceBus()

    async def scenario(port: int) -> None:
        loop = asyncio.get_running_loop()
        inbox = BusInbox(loop, bus, lambda records, dropped: delivered.extend(records), 0.01)
        inbox.start()
        assert bus._subscribers == ()
        sender = threading.Thread(target=_exchange, args=(port, [f"/u{n}" for n in range(30)]))
        sender.start()
        while len(delivered) < 30:
            await asyncio.sleep(0.005)
        sender.join()
        while not inbox._watch or not inbox._watch.armed:  # quiet: the doorbell is armed
            await asyncio.sleep(0.005)
        await loop.run_in_executor(None, _exchange, port, ["/after-the-quiet"])
        while len(delivered) < 31:
            await asyncio.sleep(0.005)
        inbox.close()

    with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
        asyncio.run(asyncio.wait_for(scenario(server.port), PATIENCE))
    assert [r.target for r in delivered] == [*(f"/u{n}" for n in range(30)), "/after-the-quiet"]
    assert [r.seq for r in delivered] == sorted(r.seq for r in delivered)


def test_a_fast_exchange_shows_its_duration_not_zero() -> None:
    bus = TraceBus()
    with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
        _exchange(server.port, ["/users"] * 5)
        _until(lambda: sum(isinstance(i, ExchangeRecord) for i in bus.snapshot()) == 5, "5")
    records = [i for i in bus.snapshot() if isinstance(i, ExchangeRecord)]
    assert all(r.compacted and r.total_ms > 0 for r in records)
    for record in records:
        shown = ExchangeSummary(record).text().plain
        assert shown.endswith(f"{duration(record.total_ms)} ms")
        assert not shown.endswith(" 0.0 ms")
    assert duration(0.0421) == "0.042" and duration(0.25) == "0.2" and duration(12.34) == "12.3"
    assert duration(0.0) == "0.0"  # no timings (a record built by hand)
