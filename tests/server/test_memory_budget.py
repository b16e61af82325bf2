"""The memory budget over real sockets (issue 7, deliver 4; bench/bench_memory.py measures
RSS and latency at full size): many large bodies at once, heads just under the limits, a
pipelining client that never reads. Bounds are asserted on bytes held, never on time."""

from __future__ import annotations

import select
import socket
import time

from httplab.protocol.limits import Limits
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer

from .conftest import RawClient, get

BUDGET = 1024 * 1024
GUARD = 10.0  # seconds: a guard against hangs, never an assertion about speed


def _wait_for(predicate: object, what: str) -> None:
    give_up = time.monotonic() + GUARD
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > give_up:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


def test_large_bodies_heads_and_pipelining_stay_within_the_budget() -> None:
    limits = Limits(max_body=BUDGET, max_header_block=64 * 1024, max_header_line=8 * 1024)
    with HTTPServer(UsersApp(), port=0, limits=limits, memory_budget=BUDGET) as server:
        state = server.state
        held: list[socket.socket] = []
        try:
            # ten uploads of 400 KiB each, sent but for their last byte: 4 MiB for a 1 MiB budget
            body_head = b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
            for _ in range(10):
                sock = socket.create_connection(server.address, timeout=GUARD)
                sock.sendall(body_head % (400 * 1024) + b"x" * (400 * 1024 - 1))
                held.append(sock)
            # twenty heads just under the 64 KiB block limit, never finished
            line = b"X-Pad: " + b"p" * 8000 + b"\r\n"
            for _ in range(20):
                sock = socket.create_connection(server.address, timeout=GUARD)
                sock.sendall(b"GET /users HTTP/1.1\r\nHost: x\r\n" + line * 7)
                held.append(sock)
            # a client pipelining a megabyte of requests without reading an answer
            sock = socket.create_connection(server.address, timeout=GUARD)
            sock.setblocking(False)
            pipelined = get("/users") * (BUDGET // len(get("/users")))
            sent = 0
            try:
                while sent < len(pipelined):
                    sent += sock.send(pipelined[sent : sent + 65536])
            except BlockingIOError:
                pass  # its buffers are full: the server stopped reading from it
            held.append(sock)
            # every connection has been read or refused; what is held stays in the budget
            _wait_for(lambda: state.next_connection_id >= 31, "all connections accepted")
            time.sleep(0.2)  # let the loop read what was sent (not an assertion)
            assert state.held_bytes <= BUDGET + BUDGET // 4
            # a fresh client is still answered
            with RawClient(server.address) as fresh:
                assert fresh.request(get("/users")).status == 200
            answered, _, _ = select.select(held[:30], [], [], GUARD)
            refused = [sock.recv(12) for sock in answered]
            assert refused and all(data == b"HTTP/1.1 503" for data in refused)
        finally:
            for sock in held:
                sock.close()
        _wait_for(lambda: state.held_bytes == 0, "everything released after the clients left")
