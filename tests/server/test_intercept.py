"""Hold and release (issue 11.2) on real sockets: a held request is not answered until the
trace view (here: the test, on the `Intercept`) decides; the loop serves others meanwhile."""

from __future__ import annotations

import select
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest

from httplab.protocol.messages import Request, Response
from httplab.server.apps.users import UsersApp
from httplab.server.apps.wsgi import WSGIAdapter
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.intercept import Decision, DecisionKind, HeldExchange, Intercept, NoDraft
from httplab.trace.records import ExchangeRecord
from tests.server.conftest import RawClient, get, post

GUARD = 10.0  # seconds: a guard against a hang, never an assertion about speed


def wait_until(intercept: Intercept, condition: Callable[[], bool], what: str) -> None:
    """Block until `condition()` holds, re-checked each time the held list changes."""
    changed = threading.Event()
    unsubscribe = intercept.subscribe(changed.set)
    try:
        while not condition():
            if not changed.wait(GUARD):
                raise AssertionError(f"timed out waiting for {what}")
            changed.clear()
    finally:
        unsubscribe()


def held_count(intercept: Intercept, count: int) -> list[HeldExchange]:
    wait_until(intercept, lambda: len(intercept) == count, f"{count} held")
    return intercept.held()


def nothing_to_read(client: RawClient) -> bool:
    """Nothing arrived (yet): no byte, no EOF. Asked only after the hold is registered, when
    the server has decided not to write until released; so not a question of timing."""
    return not client.buffer and not select.select([client.sock], [], [], 0)[0]


def read_chunked(client: RawClient) -> bytes:
    """The body of one chunked response (its own few lines of framing, as conftest's)."""
    while b"\r\n\r\n" not in client.buffer:
        assert client._fill(), "closed before a response head"
    head, _, client.buffer = client.buffer.partition(b"\r\n\r\n")
    assert b"\r\ntransfer-encoding: chunked" in head.lower(), head
    body = b""
    while True:
        while b"\r\n" not in client.buffer:
            assert client._fill(), "closed inside a chunked body"
        size_line, _, client.buffer = client.buffer.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        while len(client.buffer) < size + 2:
            assert client._fill(), "closed inside a chunk"
        body += client.buffer[:size]
        client.buffer = client.buffer[size + 2 :]
        if size == 0:
            return body


@pytest.fixture
def intercept() -> Intercept:
    return Intercept(active=True)


@pytest.fixture
def bus() -> TraceBus:
    return TraceBus()


@pytest.fixture
def held_server(intercept: Intercept, bus: TraceBus) -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0, tracer=bus, intercept=intercept) as running:
        yield running


def records(bus: TraceBus, count: int = 1) -> list[ExchangeRecord]:
    """The exchange records once `count` arrived (the server publishes after it writes, so
    a client may read its answer before the record is out)."""
    published = threading.Event()
    unsubscribe = bus.subscribe(lambda item: published.set())
    try:
        while len(found := _records(bus)) < count:
            if not published.wait(GUARD):
                raise AssertionError(f"timed out waiting for {count} records")
            published.clear()
        return found
    finally:
        unsubscribe()


def _records(bus: TraceBus) -> list[ExchangeRecord]:
    return [item for item in bus.snapshot() if isinstance(item, ExchangeRecord)]


def test_a_held_request_is_answered_only_when_released(
    held_server: HTTPServer, intercept: Intercept, bus: TraceBus
) -> None:
    with RawClient(held_server.address) as client:
        client.send(get("/users"))
        (held,) = held_count(intercept, 1)
        assert held.key == (1, 1)
        assert held.record.request is not None and held.record.request.target == "/users"
        assert held.record.response is None and held.record.raw_request.startswith(b"GET /users")
        assert any(note.code == "held" for note in held.record.notes)
        assert nothing_to_read(client)
        assert _records(bus) == []  # the trace records the exchange once it is answered
        assert intercept.release(held.key)
        assert client.read_response().status == 200
        assert not intercept.release(held.key)  # decided once
    (record,) = records(bus)
    assert record.status == 200
    assert any("released by the teacher" in note.message for note in record.notes)


def test_other_connections_are_served_while_one_is_held(
    held_server: HTTPServer, intercept: Intercept
) -> None:
    with RawClient(held_server.address) as first, RawClient(held_server.address) as second:
        first.send(get("/users"))
        held_count(intercept, 1)
        intercept.active = False  # new requests pass; the held one stays held
        assert second.request(get("/users")).status == 200
        assert second.request(post("/users?name=Ann&age=30")).status == 201
        assert len(intercept) == 1 and nothing_to_read(first)
        intercept.release_all()
        assert first.read_response().status == 200


def test_held_requests_are_released_in_any_order_and_all_at_once(
    held_server: HTTPServer, intercept: Intercept
) -> None:
    clients = [RawClient(held_server.address) for _ in range(3)]
    try:
        for index, client in enumerate(clients):
            client.send(get(f"/users?from={index}"))
        held = held_count(intercept, 3)
        newest = held[2]
        assert newest.record.request is not None
        chosen = int(newest.record.request.target.rpartition("=")[2])
        intercept.release(newest.key)  # any one first: the others stay held
        assert clients[chosen].read_response().status == 200
        assert len(intercept) == 2
        assert all(nothing_to_read(c) for i, c in enumerate(clients) if i != chosen)
        assert intercept.release_all() == 2
        for index, client in enumerate(clients):
            if index != chosen:
                assert client.read_response().status == 200
    finally:
        for client in clients:
            client.close()


def test_turning_hold_off_releases_every_held_request(
    held_server: HTTPServer, intercept: Intercept
) -> None:
    with RawClient(held_server.address) as a, RawClient(held_server.address) as b:
        a.send(get("/users"))
        b.send(get("/users/1"))
        held_count(intercept, 2)
        assert intercept.set_active(False) == 2
        assert a.read_response().status == 200
        assert b.read_response().status == 404
        assert b.request(get("/users")).status == 200  # keep-alive, not held any more


def test_the_connection_goes_on_after_a_release(
    held_server: HTTPServer, intercept: Intercept
) -> None:
    """Pipelined requests behind a held one wait their turn, each held in order."""
    with RawClient(held_server.address) as client:
        client.send(post("/users?name=Ann&age=30") + get("/users/1"))
        (first,) = held_count(intercept, 1)
        intercept.release(first.key)
        assert client.read_response().status == 201
        (second,) = held_count(intercept, 1)
        assert second.key == (first.key[0], 2)
        intercept.release(second.key)
        response = client.read_response()
        assert response.status == 200 and b"Ann" in response.body


def test_an_edited_response_goes_out_as_the_view_sent_it(
    held_server: HTTPServer, intercept: Intercept, bus: TraceBus
) -> None:
    with RawClient(held_server.address) as client:
        client.send(get("/users"))
        (held,) = held_count(intercept, 1)
        draft = intercept.draft(held.key)
        assert draft is not None
        drafted = draft.result(GUARD)
        assert drafted.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nDate: " in drafted
        assert intercept.draft(held.key) is draft  # the app is asked once
        edited = b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 6\r\n\r\nteapot"
        response = Response(418, body=b"teapot")
        intercept.release(held.key, Decision(DecisionKind.EDITED, edited, response))
        answer = client.read_response()
        assert answer.raw == edited
        intercept.active = False
        assert client.request(get("/users")).status == 200  # edited, still kept alive
    record = records(bus)[0]
    assert record.raw_response == edited and record.status == 418
    assert any("edited response" in note.message for note in record.notes)


def test_releasing_after_a_draft_sends_the_draft_without_asking_the_app_again(
    intercept: Intercept,
) -> None:
    calls: list[str] = []

    def app(request: Request) -> Response:
        calls.append(request.target)
        return Response(200, body=b"once")

    with HTTPServer(app, port=0, intercept=intercept) as server, RawClient(server.address) as c:
        c.send(get("/x"))
        (held,) = held_count(intercept, 1)
        draft = intercept.draft(held.key)
        assert draft is not None
        drafted = draft.result(GUARD)
        intercept.release(held.key)
        assert c.read_response().raw == drafted
    assert calls == ["/x"]


def test_raw_bytes_go_out_exactly_and_the_connection_closes(
    held_server: HTTPServer, intercept: Intercept
) -> None:
    with RawClient(held_server.address) as client:
        client.send(get("/users"))
        (held,) = held_count(intercept, 1)
        broken = b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nshort"
        intercept.release(held.key, Decision(DecisionKind.RAW, broken))
        received = b""
        while chunk := client.sock.recv(65536):
            received += chunk
        assert received == broken  # then EOF: the framing was the teacher's to break


def test_a_hold_times_out_and_releases_on_its_own(bus: TraceBus) -> None:
    intercept = Intercept(active=True, timeout=0.2)
    with HTTPServer(UsersApp(), port=0, tracer=bus, intercept=intercept) as server:
        with RawClient(server.address) as client:
            client.send(get("/users"))
            assert client.read_response().status == 200  # nobody released it: the clock did
        assert len(intercept) == 0
    (record,) = records(bus)
    assert any("timed out" in note.message for note in record.notes)


def test_a_held_client_gets_503_when_the_server_stops(intercept: Intercept) -> None:
    server = HTTPServer(UsersApp(), port=0, intercept=intercept).start()
    try:
        with RawClient(server.address) as client:
            client.send(get("/users", "Accept: application/json"))
            held_count(intercept, 1)
            server.stop()
            answer = client.read_response()
            assert answer.status == 503 and answer.header("Retry-After") == "1"
            assert answer.header("Connection") == "close" and b"held" in answer.body
            assert client.at_eof()
        assert len(intercept) == 0
    finally:
        server.stop()


def test_a_streaming_app_is_held_then_streams_and_has_no_draft(intercept: Intercept) -> None:
    def hello(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from ", b"a worker"]

    app = WSGIAdapter(hello)
    with HTTPServer(app, port=0, intercept=intercept) as server, RawClient(server.address) as c:
        c.send(get("/a"))
        (held,) = held_count(intercept, 1)
        draft = intercept.draft(held.key)
        assert draft is not None
        with pytest.raises(NoDraft):
            draft.result(GUARD)
        intercept.release(held.key)
        assert read_chunked(c) == b"from a worker"
        c.send(get("/b"))  # the connection goes on, held again
        (held,) = held_count(intercept, 1)
        intercept.release(held.key)
        assert read_chunked(c) == b"from a worker"


def test_an_inactive_intercept_changes_nothing(bus: TraceBus) -> None:
    intercept = Intercept(active=False)
    server = HTTPServer(UsersApp(), port=0, tracer=bus, intercept=intercept)
    with server as running, RawClient(running.address) as client:
        assert client.request(get("/users")).status == 200
    (record,) = records(bus)
    assert not any(note.code == "held" for note in record.notes)


def test_a_client_that_left_while_held_is_no_trouble_on_release(
    held_server: HTTPServer, intercept: Intercept
) -> None:
    gone = RawClient(held_server.address)
    gone.send(get("/users"))
    (held,) = held_count(intercept, 1)
    # a reset, not a FIN: the server's write on release fails
    gone.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    gone.close()
    intercept.release(held.key)
    intercept.active = False
    with RawClient(held_server.address) as client:
        assert client.request(get("/users")).status == 200
