"""Start, stop, graceful stop, handler failures, 100-continue, tracer and access-log hooks."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable

import pytest

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.server.access_log import AccessEntry, format_access_line
from httplab.server.apps.users import UsersApp
from httplab.server.connection import HTTPConnection
from httplab.server.engine import HTTPServer
from httplab.trace.records import ConnectionEvent, ExchangeRecord, TraceItem
from httplab.trace.wire_text import escape_latin1

from .conftest import RawClient, get, post


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll a condition about server state (a sequencing aid, not a timing assertion)."""
    for _ in range(1000):
        if condition():
            return
        time.sleep(0.005)
    pytest.fail("the server never reached the expected state")


class ListTracer:
    def __init__(self) -> None:
        self.items: list[TraceItem] = []
        self.lock = threading.Lock()

    def publish(self, item: TraceItem) -> None:
        with self.lock:
            self.items.append(item)

    def records(self) -> list[ExchangeRecord]:
        return [i for i in self.items if isinstance(i, ExchangeRecord)]

    def events(self) -> list[tuple[int, str]]:
        return [(i.connection_id, i.kind) for i in self.items if isinstance(i, ConnectionEvent)]


def test_port_zero_gives_the_real_port_and_address() -> None:
    with HTTPServer(UsersApp(), port=0) as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert server.url == f"http://127.0.0.1:{port}"
        with RawClient(server.address) as client:
            assert client.request(get("/users")).status == 200
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_port_in_use_raises_oserror_and_leaves_no_thread() -> None:
    with HTTPServer(UsersApp(), port=0) as server:
        other = HTTPServer(UsersApp(), port=server.port)
        with pytest.raises(OSError):
            other.start()
        assert not other.running


def test_start_twice_is_an_error_and_stop_twice_is_fine() -> None:
    server = HTTPServer(UsersApp(), port=0).start()
    with pytest.raises(RuntimeError):
        server.start()
    server.stop()
    server.stop()
    HTTPServer(UsersApp(), port=0).stop()  # never started


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = HTTPServer(UsersApp(), port=0).start()
    client = RawClient(server.address)
    assert client.request(get("/users")).status == 200
    server.stop()
    assert client.at_eof()
    client.close()


def test_graceful_stop_finishes_a_request_in_flight() -> None:
    server = HTTPServer(UsersApp(), port=0).start()
    client = RawClient(server.address)
    body = b"name=Ann&age=30"
    client.send(
        b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body[:5]
    )
    wait_until(lambda: _request_in_flight(server))
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    wait_until(lambda: server.state.stopping)
    client.send(body[5:])
    response = client.read_response()
    assert response.status == 201
    assert response.header("Connection") == "close"
    assert client.at_eof()
    client.close()
    stopper.join(10)
    assert not stopper.is_alive() and not server.running


def test_stop_is_bounded_when_a_client_never_finishes() -> None:
    server = HTTPServer(UsersApp(), port=0, stop_timeout=0.2).start()
    client = RawClient(server.address)
    client.send(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
    wait_until(lambda: _request_in_flight(server))
    server.stop()  # returns although the body never completes
    assert not server.running
    assert client.at_eof()
    client.close()


def test_a_connection_racing_stop_is_answered_or_closed_never_left_open() -> None:
    for _ in range(20):
        server = HTTPServer(UsersApp(), port=0).start()
        client = RawClient(server.address)
        client.send(get("/users"))
        server.stop()
        try:
            data = client.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        assert data == b"" or data.startswith((b"HTTP/1.1 200 ", b"HTTP/1.1 503 ")), data
        client.close()


def test_handler_exception_is_500_without_traceback(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("secret internal detail")

    with HTTPServer(broken, port=0) as server, RawClient(server.address) as client:
        with caplog.at_level(logging.ERROR, logger="httplab.server"):
            response = client.request(get("/boom", "Accept: application/json"))
        assert response.status == 500
        assert b"secret" not in response.body and b"Traceback" not in response.body
        assert json.loads(response.body)["status"] == 500
        assert client.request(get("/again")).status == 500  # the connection survived
    assert "secret internal detail" in caplog.text
    assert "Traceback" in caplog.text


def test_handler_returning_garbage_is_500() -> None:
    garbage = lambda request: "oops"  # noqa: E731
    with HTTPServer(garbage, port=0) as server, RawClient(server.address) as client:  # type: ignore[arg-type]
        assert client.request(get("/")).status == 500


def test_header_with_crlf_from_app_is_500_not_response_splitting() -> None:
    def splitting(request: Request) -> Response:
        return Response(200, Headers([("X-Evil", "a\r\nSet-Cookie: x=1")]), b"")

    with HTTPServer(splitting, port=0) as server, RawClient(server.address) as client:
        response = client.request(get("/"))
        assert response.status == 500
        assert response.header("Set-Cookie") is None


@pytest.mark.parametrize(
    "field", [("X A", "b"), ("X-Colour", "red\x1b[2J"), ("X-Del", "a\x7f")], ids=str
)
def test_a_field_a_client_could_not_parse_is_500_never_sent(
    field: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    def odd(request: Request) -> Response:
        return Response(200, Headers([field]), b"hi")

    server = HTTPServer(odd, port=0)
    with caplog.at_level(logging.ERROR), server, RawClient(server.address) as client:
        response = client.request(get("/"))
    assert response.status == 500
    assert field[0].encode() + b":" not in response.raw
    assert any("cannot be sent" in r.getMessage() for r in caplog.records)


def test_an_answer_replaced_by_500_is_logged_and_traced_as_500_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the client got a 500: the access log and the trace said 200, and the server's log
    # carried a traceback of the server's insides for what is the app's mistake
    def splitting(request: Request) -> Response:
        return Response(200, Headers([("X-Evil", "a\r\nSet-Cookie: x=1\x1b[2J")]), b"hi")

    entries: list[AccessEntry] = []
    tracer = ListTracer()
    server = HTTPServer(splitting, port=0, access_log=entries.append, tracer=tracer)
    with caplog.at_level(logging.ERROR), server, RawClient(server.address) as client:
        response = client.request(get("/"))
        assert response.status == 500
        assert client.request(get("/")).status == 500  # and the connection goes on
        wait_until(lambda: len(tracer.records()) == 2)
    assert [entry.status for entry in entries] == [500, 500]
    record = tracer.records()[0]
    assert record.status == 500
    assert record.raw_response.startswith(b"HTTP/1.1 500 ")
    assert b"Set-Cookie" not in record.raw_response
    errors = [r for r in caplog.records if "cannot be sent" in r.getMessage()]
    assert len(errors) == 2 and all(r.exc_info is None for r in errors)
    message = errors[0].getMessage()
    assert "X-Evil" in message and "\x1b" not in message and "\n" not in message


def test_100_continue_is_sent_before_the_body() -> None:
    with HTTPServer(UsersApp(), port=0) as server, RawClient(server.address) as client:
        body = b'{"name": "Ann", "age": 30}'
        client.send(
            b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        interim = client.read_response()
        assert (interim.status, interim.reason) == (100, "Continue")
        assert interim.raw == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.send(body)
        final = client.read_response()
        assert final.status == 201


def test_100_continue_not_sent_when_the_body_is_refused() -> None:
    with HTTPServer(UsersApp(), port=0) as server, RawClient(server.address) as client:
        client.send(
            b"POST /users HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Length: 999999999\r\n\r\n"
        )
        assert client.read_response().status == 413
        assert client.at_eof()


def test_tracer_gets_raw_bytes_both_ways_and_connection_events() -> None:
    tracer = ListTracer()
    with HTTPServer(UsersApp(), port=0, tracer=tracer) as server:
        sent = post("/users?name=Ann&age=30") + get("/users/1", "Connection: close")
        with RawClient(server.address) as client:
            client.send(sent)
            first, second = client.read_response(), client.read_response()
            assert client.at_eof()
        with RawClient(server.address) as client:
            client.send(b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n")
            rejected = client.read_response()
    records = tracer.records()
    assert [(r.connection_id, r.number) for r in records] == [(1, 1), (1, 2), (2, 1)]
    assert records[0].raw_request + records[1].raw_request == sent
    assert records[0].raw_response == first.raw and records[1].raw_response == second.raw
    assert records[0].request is not None and records[0].request.method == "POST"
    assert records[0].head is not None and records[0].head.target == "/users?name=Ann&age=30"
    assert records[0].status == 201 and records[0].error is None
    assert records[0].timings.first_byte <= records[0].timings.last_byte_written
    assert records[2].raw_request == b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n"
    assert records[2].request is None and records[2].error and records[2].status == 400
    assert records[2].raw_response == rejected.raw
    kinds = tracer.events()
    assert (1, "opened") in kinds and (1, "closed") in kinds
    assert (2, "protocol-error") in kinds


def test_a_request_sent_before_the_previous_answer_is_noted_as_pipelined() -> None:
    tracer = ListTracer()
    server = HTTPServer(UsersApp(), port=0, tracer=tracer)
    with server, RawClient(server.address) as client:
        client.send(get("/users") + get("/nope"))  # one write: the second did not wait
        assert [client.read_response().status for _ in range(2)] == [200, 404]
        client.send(get("/users"))  # sent after the answers came: keep-alive, no pipelining
        assert client.read_response().status == 200
    notes = [{note.code for note in record.notes} for record in tracer.records()]
    assert ["pipelined" in codes for codes in notes] == [False, True, False]


def test_access_log_hook_gets_one_entry_per_exchange() -> None:
    entries: list[AccessEntry] = []
    server = HTTPServer(UsersApp(), port=0, access_log=entries.append)
    with server, RawClient(server.address) as client:
        client.request(post("/users?name=Ann&age=30"))
        client.request(get("/users/1"))
        client.request(b"BAD\r\n\r\n")
        with RawClient(server.address) as second:  # a rejected head still names its line
            second.request(b"GET /users HTTP/1.1\r\n\r\n")
    assert [(e.method, e.target, e.status) for e in entries] == [
        ("POST", "/users?name=Ann&age=30", 201),
        ("GET", "/users/1", 200),
        ("BAD", "-", 400),
        ("GET", "/users", 400),
    ]
    entries.pop()
    assert all(e.connection_id == 1 and e.bytes_sent > 0 for e in entries)
    assert [e.number for e in entries] == [1, 2, 3]
    line = format_access_line(entries[0])
    assert line.startswith("#1.1 127.0.0.1:") and " POST /users?name=Ann&age=30 201 " in line


def test_access_line_escapes_control_characters() -> None:
    entry = AccessEntry(1, 1, "p", "GET", "/\x1b[31mred\r\n\x00é\\", 200, 10, 1.0)
    line = format_access_line(entry)
    assert "\x1b" not in line and "\r" not in line and "\x00" not in line
    assert "\\x1b[31mred\\r\\n\\x00\\xe9\\\\" in line
    assert escape_latin1("plain /users?a=1") == "plain /users?a=1"


def test_a_stopped_server_starts_again_and_serves() -> None:
    server = HTTPServer(UsersApp(), port=0)
    with server, RawClient(server.address) as client:
        assert client.request(get("/users")).status == 200
    with server, RawClient(server.address) as client:
        assert client.request(get("/users")).status == 200


def _request_in_flight(server: HTTPServer) -> bool:
    return any(
        isinstance(c, HTTPConnection) and c.exchange is not None for c in server.state.connections
    )
