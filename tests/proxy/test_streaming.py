"""50 MiB bodies through the proxy both ways, Content-Length and chunked, in bounded memory:
the peak of Python's allocations (tracemalloc) during the transfer stays a small fraction of
the body, so the proxy never holds a body whole. The upstream and the client here count bytes
into one reused buffer, so what is measured is the proxy."""

from __future__ import annotations

import socket
import threading
import tracemalloc
from collections.abc import Callable

import pytest

from httplab.trace.bus import TraceBus
from tests.proxy.conftest import (
    ScriptedUpstream,
    connect,
    read_request_head,
    records,
    settled,
    start_proxy,
)

MIB = 1024 * 1024
SIZE = 50 * MIB
BLOCK = b"0123456789abcdef" * 4096  # 64 KiB, sent again and again
PEAK_LIMIT = 8 * MIB
"""Far below one body (50 MiB): a proxy that gathered a body would pass it by far."""

Scripted = Callable[[Callable[[socket.socket], None]], ScriptedUpstream]


def drain(conn: socket.socket, count: int, buffer: bytearray) -> int:
    """Read and drop `count` bytes; returns how many arrived."""
    got = 0
    view = memoryview(buffer)
    while got < count:
        n = conn.recv_into(view, min(len(buffer), count - got))
        if n == 0:
            break
        got += n
    return got


def drain_chunked(conn: socket.socket, already: bytes, buffer: bytearray) -> int:
    """Read a chunked body to its end; returns the data bytes (framing parsed on the fly)."""
    pending = bytearray(already)
    total = 0
    while True:
        while b"\r\n" not in pending:
            pending += conn.recv(65536)
        line, _, rest = bytes(pending).partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        pending = bytearray(rest)
        if size == 0:
            while not pending.endswith(b"\r\n") or len(pending) < 2:
                pending += conn.recv(65536)
            return total
        need = size + 2
        if len(pending) >= need:
            pending = pending[need:]
        else:
            missing = need - len(pending)
            pending = bytearray()
            got = drain(conn, missing, buffer)
            assert got == missing
        total += size


def send_body(sock: socket.socket, chunked: bool) -> None:
    piece = b"%x\r\n%s\r\n" % (len(BLOCK), BLOCK) if chunked else BLOCK
    for _ in range(SIZE // len(BLOCK)):
        sock.sendall(piece)
    if chunked:
        sock.sendall(b"0\r\n\r\n")


@pytest.mark.parametrize("chunked_up", [False, True], ids=["length-up", "chunked-up"])
def test_50_mib_both_ways_in_bounded_memory(
    scripted: Scripted, bus: TraceBus, chunked_up: bool
) -> None:
    seen: dict[str, int] = {}

    def upstream(conn: socket.socket) -> None:
        buffer = bytearray(256 * 1024)
        head = read_request_head(conn)
        cut = head.index(b"\r\n\r\n") + 4
        body_start = head[cut:]
        if b"transfer-encoding: chunked" in head.lower():
            seen["up"] = drain_chunked(conn, body_start, buffer)
        else:
            seen["up"] = len(body_start) + drain(conn, SIZE - len(body_start), buffer)
        # answer the other way round: chunked for a Content-Length upload and vice versa
        if chunked_up:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
            send_body(conn, chunked=False)
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            send_body(conn, chunked=True)
        read_request_head(conn)  # wait for the next request, or the close

    proxy = start_proxy(scripted(upstream).port, bus)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with connect(proxy.address) as sock:
            framing = b"Transfer-Encoding: chunked" if chunked_up else b"Content-Length: %d" % SIZE
            sock.sendall(b"PUT /big HTTP/1.1\r\nHost: lab\r\n%s\r\n\r\n" % framing)
            sender = threading.Thread(target=send_body, args=(sock, chunked_up), daemon=True)
            sender.start()
            head = read_request_head(sock)  # the response head (and maybe some body)
            cut = head.index(b"\r\n\r\n") + 4
            buffer = bytearray(256 * 1024)
            if chunked_up:  # a Content-Length answer
                assert b"Content-Length: %d" % SIZE in head
                down = len(head) - cut + drain(sock, SIZE - (len(head) - cut), buffer)
            else:
                assert b"Transfer-Encoding: chunked" in head
                down = drain_chunked(sock, head[cut:], buffer)
            sender.join()
            _, peak = tracemalloc.get_traced_memory()
        settled(bus, 1)
    finally:
        tracemalloc.stop()
        proxy.stop()
    assert seen["up"] == SIZE and down == SIZE
    assert peak < PEAK_LIMIT, f"peak {peak / MIB:.1f} MiB of allocations while streaming"
    # the trace keeps the heads and 64 KiB of each body, and says how much it left out
    (client_leg,) = records(bus, "server")
    (upstream_leg,) = records(bus, "upstream")
    assert len(client_leg.raw_request) < 80 * 1024 and client_leg.omitted[0] > 49 * MIB
    assert len(upstream_leg.raw_response) < 80 * 1024 and upstream_leg.omitted[1] > 49 * MIB
    assert any(note.code == "trace-trimmed-request" for note in client_leg.notes)
