"""Persistence, pipelining, HEAD, Date and Server, over real sockets (RFC 9112 §9, RFC 9110)."""

from __future__ import annotations

import re
import socket

from httplab import __version__
from httplab.server.engine import HTTPServer

from .conftest import RawClient, get, post

IMF_FIXDATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d\d:\d\d:\d\d GMT"
)


def test_http11_connection_stays_open_for_several_requests(client: RawClient) -> None:
    for _ in range(3):
        response = client.request(get("/users"))
        assert response.status == 200
        assert response.header("Connection") is None
    assert client.request(get("/users")).status == 200


def test_client_connection_close_is_answered_with_close_then_eof(client: RawClient) -> None:
    response = client.request(get("/users", "Connection: close"))
    assert response.status == 200
    assert response.header("Connection") == "close"
    assert client.at_eof()


def test_connection_close_among_other_tokens(client: RawClient) -> None:
    response = client.request(get("/users", "Connection: keep-alive, Close"))
    assert response.header("Connection") == "close"
    assert client.at_eof()


def test_http10_closes_by_default(client: RawClient) -> None:
    response = client.request(get("/users", version="HTTP/1.0"))
    assert response.status == 200
    assert response.version == "HTTP/1.1"
    assert response.header("Connection") == "close"
    assert client.at_eof()


def test_http10_keep_alive_when_asked(client: RawClient) -> None:
    response = client.request(get("/users", "Connection: keep-alive", version="HTTP/1.0"))
    assert response.header("Connection") == "keep-alive"
    second = client.request(get("/users", version="HTTP/1.0"))
    assert second.status == 200
    assert client.at_eof()


def test_app_connection_close_closes_after_the_response() -> None:
    from httplab.protocol.headers import Headers
    from httplab.protocol.messages import Response

    def app(request: object) -> Response:
        return Response(200, Headers([("Connection", "close")]), b"bye")

    with HTTPServer(app, port=0) as server, RawClient(server.address) as client:  # type: ignore[arg-type]
        response = client.request(get("/"))
        assert response.body == b"bye"
        assert response.header_count("Connection") == 1
        assert client.at_eof()


def test_pipelined_requests_are_answered_in_order(client: RawClient) -> None:
    client.send(
        post("/users?name=Ann&age=30")
        + get("/users/1")
        + get("/nowhere")
        + get("/users/2")
        + post("/users?name=Bob&age=31")
        + get("/users/2", "Connection: close")
    )
    statuses = [client.read_response().status for _ in range(6)]
    assert statuses == [201, 200, 404, 404, 201, 200]
    assert client.at_eof()


def test_pipelined_bytes_one_at_a_time(client: RawClient) -> None:
    data = get("/users/1") + post("/users?name=Ann&age=30") + get("/users/1")
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(len(data)):
        client.send(data[i : i + 1])
    assert [client.read_response().status for _ in range(3)] == [404, 201, 200]


def test_many_pipelined_requests_without_reading_all_arrive(server: HTTPServer) -> None:
    # The client writes far more than the socket buffers hold before reading: the server must
    # pause (bounded memory), not drop or reorder; a writer thread avoids a send/recv deadlock.
    import threading

    count = 3000
    with RawClient(server.address) as client:
        data = b"".join(get(f"/users/{i + 1}") for i in range(count))
        writer = threading.Thread(target=client.send, args=(data,))
        writer.start()
        statuses = [client.read_response().status for _ in range(count)]
        writer.join()
    assert statuses == [404] * count


def test_head_gets_get_headers_and_no_body(client: RawClient) -> None:
    client.request(post("/users?name=Ann&age=30"))
    full = client.request(get("/users"))
    head = client.request(get("/users", method="HEAD"), method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.header("Content-Length") == full.header("Content-Length") != "0"
    assert head.header("Content-Type") == full.header("Content-Type")
    # nothing extra was sent after the HEAD response: the next response parses cleanly
    assert client.request(get("/users/1")).status == 200


def test_head_of_an_error_has_no_body(client: RawClient) -> None:
    response = client.request(get("/missing", method="HEAD"), method="HEAD")
    assert response.status == 404 and response.body == b""
    assert client.request(get("/users")).status == 200


def test_date_and_server_on_every_response(client: RawClient) -> None:
    for data in (get("/users"), get("/nowhere"), post("/users?name=A")):
        response = client.request(data)
        assert IMF_FIXDATE.fullmatch(response.header("Date") or ""), response.headers
        assert response.header("Server") == f"httplab/{__version__}"
        assert response.header_count("Date") == 1


def test_date_and_server_on_protocol_errors(client: RawClient) -> None:
    response = client.request(b"GET / HTTP/1.1\r\n\r\n")
    assert response.status == 400
    assert IMF_FIXDATE.fullmatch(response.header("Date") or "")
    assert response.header("Server") == f"httplab/{__version__}"
