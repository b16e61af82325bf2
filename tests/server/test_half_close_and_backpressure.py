"""Clients that close their sending side early, send after the server decided to close, or
never read: every request that arrived in time is answered, nothing after a close is, and a
client that does not read cannot make the server buffer without bound."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from httplab.server.connection import HTTPConnection
from httplab.server.engine import HTTPServer

from .conftest import RawClient, get, post


def test_pipelined_requests_then_half_close_are_all_answered(server: HTTPServer) -> None:
    with RawClient(server.address) as client:
        client.send(post("/users?name=Ann&age=30") + get("/users/1") + get("/nope"))
        client.sock.shutdown(socket.SHUT_WR)
        statuses = [client.read_response().status for _ in range(3)]
        assert statuses == [201, 200, 404]
        assert client.at_eof()


def test_half_close_in_the_middle_of_a_head_is_answered_400(server: HTTPServer) -> None:
    with RawClient(server.address) as client:
        client.send(b"GET /users HTTP/1.1\r\nHo")
        client.sock.shutdown(socket.SHUT_WR)
        response = client.read_response()
        assert response.status == 400
        assert response.header("Connection") == "close"
        assert client.at_eof()


def test_half_close_in_the_middle_of_a_body_is_answered_400(server: HTTPServer) -> None:
    with RawClient(server.address) as client:
        client.send(post("/users", b"name=A")[:-2])
        client.sock.shutdown(socket.SHUT_WR)
        assert client.read_response().status == 400
        assert client.at_eof()


def test_half_close_before_any_byte_closes_quietly(server: HTTPServer) -> None:
    with RawClient(server.address) as client:
        client.sock.shutdown(socket.SHUT_WR)
        assert client.at_eof()


def test_requests_after_connection_close_are_not_answered(server: HTTPServer) -> None:
    with RawClient(server.address) as client:
        client.send(get("/users", "Connection: close") + get("/users/1") + get("/users"))
        first = client.read_response()
        assert first.status == 200
        assert first.header("Connection") == "close"
        # the server may still drain what we send, but it answers none of it
        with contextlib.suppress(OSError):
            client.send(get("/users"))
        assert client.at_eof()


def _buffered_by_server(server: HTTPServer, client_port: int) -> int:
    """Bytes the server holds for one connection: unparsed input plus unsent output."""

    async def probe() -> int:
        for connection in server.state.connections:
            assert isinstance(connection, HTTPConnection)
            if connection.peer.endswith(f":{client_port}") and connection.transport:
                return connection.parser.buffered + connection.transport.get_write_buffer_size()
        raise AssertionError("connection not found")

    loop = server._loop
    assert loop is not None
    return asyncio.run_coroutine_threadsafe(probe(), loop).result(5.0)


def test_a_client_that_never_reads_cannot_grow_server_memory(server: HTTPServer) -> None:
    limit = 64 * 1024 * 1024  # far more than any socket buffer: reaching it means no pause
    request = get("/users")
    with RawClient(server.address) as client:
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        # a send blocked this long is how we learn the server paused (stopping early only
        # makes the check weaker, never wrong)
        client.sock.settimeout(0.5)
        sent = 0
        with contextlib.suppress(TimeoutError):
            while sent < limit:
                sent += client.sock.send(request * 512)
        assert sent < limit
        # asyncio reads at most 256 KiB at a time and the server pauses after the response
        # that crossed the transport's high-water mark: the rest waits in kernel buffers.
        assert _buffered_by_server(server, client.sock.getsockname()[1]) < 1024 * 1024
