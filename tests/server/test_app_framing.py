"""The server owns framing: what an app sets wrongly is fixed before it reaches the wire."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.server.engine import HTTPServer

from .conftest import RawClient, get


def careless_app(request: Request) -> Response:
    if request.path == "/204":
        return Response(204, Headers([("Content-Length", "5"), ("Transfer-Encoding", "chunked")]))
    if request.path == "/chunked":
        return Response(200, Headers([("Transfer-Encoding", "chunked")]), b"hello")
    if request.path == "/keep":
        return Response(200, Headers([("Connection", "keep-alive")]), b"ok")
    return Response(404)


@pytest.fixture
def careless_server() -> Iterator[HTTPServer]:
    with HTTPServer(careless_app, port=0) as server:
        yield server


def test_204_never_carries_framing_fields(careless_server: HTTPServer) -> None:
    with RawClient(careless_server.address) as client:
        response = client.request(get("/204"))
        assert response.status == 204
        assert response.header("Content-Length") is None  # RFC 9110 §8.6
        assert response.header("Transfer-Encoding") is None
        assert client.request(get("/keep")).status == 200  # the connection is still in sync


def test_chunked_app_response_to_http_1_0_goes_out_with_content_length(
    careless_server: HTTPServer,
) -> None:
    with RawClient(careless_server.address) as client:
        response = client.request(get("/chunked", version="HTTP/1.0"))
        assert response.header("Transfer-Encoding") is None  # RFC 9112 §6.1
        assert response.header("Content-Length") == "5"
        assert response.body == b"hello"


def test_chunked_app_response_to_http_1_1_stays_chunked(careless_server: HTTPServer) -> None:
    with RawClient(careless_server.address) as client:
        client.send(get("/chunked"))
        data = b""
        while not data.endswith(b"0\r\n\r\n"):
            chunk = client.sock.recv(65536)
            assert chunk, data
            data += chunk
        assert b"Transfer-Encoding: chunked\r\n" in data
        assert data.endswith(b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")


def test_app_keep_alive_is_replaced_when_the_server_closes(careless_server: HTTPServer) -> None:
    with RawClient(careless_server.address) as client:
        response = client.request(get("/keep", "Connection: close"))
        assert response.header_count("Connection") == 1
        assert response.header("Connection") == "close"
        assert client.at_eof()
