"""The users API through the proxy: the session, every shipped transcript replayed through it,
both legs in the trace, Via, hop-by-hop removal and keep-alive on both sides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from httplab.client.replay_cli import run_replay
from httplab.proxy.engine import ProxyServer
from httplab.render.exchange_views import exchange_label
from httplab.trace.bus import TraceBus
from httplab.trace.records import ConnectionEvent
from tests.proxy.conftest import ask, closed_by_peer, connect, records, settled, start_proxy
from tests.transcripts.fresh import server_for

TRANSCRIPTS = sorted((Path(__file__).parents[2] / "transcripts").glob("*.transcript"))
CHANGED_BY_A_PROXY = {
    "limits-body": "the upstream closes after its 413; the proxy read the whole request, so "
    "the client's connection stays open (connections are hop-by-hop)",
    "limits-headers": "byte-exact header limits: the proxy adds Via (one more field line) and "
    "keeps the client's connection open when the upstream closes its own",
    "virtual-host": "an HTTP/1.0 request without Host goes upstream as HTTP/1.1 with the "
    "upstream's own address as Host, which a server started with --name answers 421",
    "limits-target": "byte-exact request-line limits: an absolute-form target goes upstream in "
    "origin form (shorter), and the client's connection stays open after the upstream's 414",
}
"""Worked examples of a server's own limits and name, started with tiny limits: what a proxy
changes on purpose makes them differ (the proxy's own limits are the defaults)."""
PROXIED = [p for p in TRANSCRIPTS if p.stem not in CHANGED_BY_A_PROXY]


def test_the_users_session_on_one_kept_alive_connection(users_proxy: ProxyServer) -> None:
    with connect(users_proxy.address) as sock:
        created = ask(sock, b"POST /users?name=Vasya&age=42 HTTP/1.1\r\nHost: lab\r\n\r\n", "POST")
        assert created.status == 201
        assert json.loads(created.body) == {"id": 1, "name": "Vasya", "age": 42}
        assert created.header("location") == "/users/1"
        listed = ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n")
        assert json.loads(listed.body) == [{"id": 1, "name": "Vasya", "age": 42}]
        body = b'{"name": "Petya", "age": 7}'
        updated = ask(
            sock,
            b"PUT /users/1 HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
            "PUT",
        )
        assert updated.status == 200
        head = ask(sock, b"HEAD /users/1 HTTP/1.1\r\nHost: lab\r\n\r\n", "HEAD")
        assert head.status == 200 and head.body == b""
        assert head.header("content-length") is not None  # HEAD keeps what GET would say
        gone = ask(sock, b"DELETE /users/1 HTTP/1.1\r\nHost: lab\r\n\r\n", "DELETE")
        assert gone.status == 204
        missing = ask(sock, b"GET /users/1 HTTP/1.1\r\nHost: lab\r\n\r\n")
        assert missing.status == 404


@pytest.mark.parametrize("path", PROXIED, ids=[p.stem for p in PROXIED])
def test_every_transcript_replays_green_through_the_proxy(path: Path) -> None:
    with server_for(path) as upstream:  # with the file's `# server:` options
        proxy = start_proxy(upstream.port)
        try:
            lines: list[str] = []
            status = run_replay(
                [path],
                f"127.0.0.1:{proxy.port}",
                timeout=10.0,
                out=lines.append,
                err=lines.append,
                fresh_server=None,  # type: ignore[arg-type]
                update=False,
            )
        finally:
            proxy.stop()
    assert status == 0, "\n".join(lines)


def test_both_legs_are_trace_records(users_proxy: ProxyServer, bus: TraceBus) -> None:
    with connect(users_proxy.address) as sock:
        ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\nAccept: application/json\r\n\r\n")
    settled(bus, 1)
    (client_leg,) = records(bus, "server")
    (upstream_leg,) = records(bus, "upstream")
    # what the client sent, exactly
    assert (
        client_leg.raw_request
        == b"GET /users HTTP/1.1\r\nHost: lab\r\nAccept: application/json\r\n\r\n"
    )
    # what went upstream: the same request, with Via
    assert upstream_leg.raw_request.startswith(b"GET /users HTTP/1.1\r\n")
    assert b"\r\nVia: 1.1 httplab\r\n" in upstream_leg.raw_request
    assert upstream_leg.peer == f"127.0.0.1:{users_proxy.settings.upstream_port}"
    # what came back, and what the client got (the same answer, with Via)
    assert upstream_leg.raw_response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert upstream_leg.raw_response.count(b"HTTP/1.1") == 1  # the head once, then the body
    assert upstream_leg.raw_response.endswith(b"\r\n\r\n" + upstream_leg.response.body)
    assert b"Via:" not in upstream_leg.raw_response
    assert client_leg.raw_response.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nVia: 1.1 httplab\r\n" in client_leg.raw_response
    assert client_leg.response is not None and upstream_leg.response is not None
    assert client_leg.response.body == upstream_leg.response.body
    assert upstream_leg.response.body.startswith(b"[]")
    # each leg says where the other one is
    label = f"↑{upstream_leg.connection_id}.{upstream_leg.number}"
    assert any(label in note.message for note in client_leg.notes)
    assert any("#1.1" in note.message for note in upstream_leg.notes)
    assert upstream_leg.connection_id != client_leg.connection_id
    assert upstream_leg.head is not None and upstream_leg.head.method == "GET"
    assert exchange_label(upstream_leg) == label and exchange_label(client_leg) == "#1.1"


def test_connection_events_for_both_sides(users_proxy: ProxyServer, bus: TraceBus) -> None:
    with connect(users_proxy.address) as sock:
        ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n")
        assert closed_by_peer(sock)
    users_proxy.stop()
    kinds = [(e.connection_id, e.kind) for e in bus.snapshot() if isinstance(e, ConnectionEvent)]
    assert (1, "opened") in kinds and (1, "closed") in kinds
    assert (2, "opened") in kinds and (2, "closed") in kinds


def test_an_upstream_leg_starts_after_its_connection_opened(
    users_proxy: ProxyServer, bus: TraceBus
) -> None:
    """The plain trace prints the upstream's `opened` line, then its leg: the leg's time is
    when its request went upstream, never before that connection was opened."""
    with connect(users_proxy.address) as sock:
        for _ in range(2):
            assert ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n").status == 200
    settled(bus, 2)
    opened = {
        e.connection_id: e.at
        for e in bus.snapshot()
        if isinstance(e, ConnectionEvent) and e.kind == "opened"
    }
    upstream_legs = records(bus, "upstream")
    client_legs = records(bus, "server")
    for client_leg, upstream_leg in zip(client_legs, upstream_legs, strict=True):
        assert opened[upstream_leg.connection_id] <= upstream_leg.started_at, upstream_leg
        assert client_leg.started_at <= upstream_leg.started_at


def test_keep_alive_on_both_sides(users_proxy: ProxyServer, bus: TraceBus) -> None:
    with connect(users_proxy.address) as sock:
        for _ in range(3):
            assert ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n").status == 200
    settled(bus, 3)
    client_legs = records(bus, "server")
    upstream_legs = records(bus, "upstream")
    assert {r.connection_id for r in client_legs} == {1}
    assert [r.number for r in client_legs] == [1, 2, 3]
    assert {r.connection_id for r in upstream_legs} == {2}  # one upstream connection, reused
    assert [r.number for r in upstream_legs] == [1, 2, 3]
    opened = [e for e in bus.snapshot() if isinstance(e, ConnectionEvent) and e.kind == "opened"]
    assert len(opened) == 2


def test_two_clients_get_their_own_upstream_connections(
    users_proxy: ProxyServer, bus: TraceBus
) -> None:
    with connect(users_proxy.address) as first, connect(users_proxy.address) as second:
        ask(first, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n")
        ask(second, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n")
        ask(first, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n")
    settled(bus, 3)
    by_client = {}
    for record in records(bus, "upstream"):
        by_client.setdefault(record.connection_id, []).append(record.number)
    assert sorted(by_client.values()) == [[1], [1, 2]]


def test_via_is_appended_to_an_existing_via(users_proxy: ProxyServer, bus: TraceBus) -> None:
    with connect(users_proxy.address) as sock:
        ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\nVia: 1.1 edge\r\n\r\n")
    settled(bus, 1)
    (upstream_leg,) = records(bus, "upstream")
    assert upstream_leg.request is not None
    assert upstream_leg.request.headers.get_all("via") == ["1.1 edge", "1.1 httplab"]


def test_an_http10_client_is_named_in_via_and_kept_alive_when_it_asks(
    users_proxy: ProxyServer, bus: TraceBus
) -> None:
    with connect(users_proxy.address) as sock:
        answer = ask(sock, b"GET /users HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert answer.status == 200
        assert answer.header("connection") == "keep-alive"
        assert ask(sock, b"GET /users HTTP/1.0\r\n\r\n").status == 200
        assert closed_by_peer(sock)  # HTTP/1.0 without keep-alive: closed after the answer
    settled(bus, 2)
    first = records(bus, "upstream")[0]
    assert first.request is not None
    assert first.request.headers.get("via") == "1.0 httplab"
    assert first.request.headers.get("host") is not None  # HTTP/1.1 upstream needs one


def test_hop_by_hop_fields_are_not_forwarded(users_proxy: ProxyServer, bus: TraceBus) -> None:
    request = (
        b"GET /users HTTP/1.1\r\nHost: lab\r\nConnection: keep-alive, X-Secret\r\n"
        b"X-Secret: for the proxy only\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive"
        b"\r\nTE: trailers\r\nUpgrade: websocket\r\nX-End-To-End: kept\r\n\r\n"
    )
    with connect(users_proxy.address) as sock:
        assert ask(sock, request).status == 200
    settled(bus, 1)
    (upstream_leg,) = records(bus, "upstream")
    sent = upstream_leg.raw_request.lower()
    for name in (
        b"connection:",
        b"x-secret",
        b"keep-alive:",
        b"proxy-connection",
        b"te:",
        b"upgrade",
    ):
        assert name not in sent
    assert b"x-end-to-end: kept" in sent
    (client_leg,) = records(bus, "server")
    assert any(note.code == "proxy-hop-by-hop" for note in client_leg.notes)


def test_connect_is_refused_with_501_and_close(users_proxy: ProxyServer, bus: TraceBus) -> None:
    with connect(users_proxy.address) as sock:
        answer = ask(sock, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        assert answer.status == 501
        assert answer.header("connection") == "close"
        assert closed_by_peer(sock)
    settled(bus, 1)
    assert records(bus, "upstream") == []


def test_an_absolute_form_target_goes_upstream_in_origin_form(
    users_proxy: ProxyServer, bus: TraceBus
) -> None:
    with connect(users_proxy.address) as sock:
        answer = ask(sock, b"GET http://lab:80/users?x=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        assert answer.status == 200
    settled(bus, 1)
    (upstream_leg,) = records(bus, "upstream")
    assert upstream_leg.raw_request.startswith(b"GET /users?x=1 HTTP/1.1\r\n")
    assert upstream_leg.request is not None
    # RFC 9112 §3.2.2: the target's authority says which host, not the Host field
    assert upstream_leg.request.headers.get_all("host") == ["lab:80"]


def test_a_malformed_request_is_answered_by_the_proxy(
    users_proxy: ProxyServer, bus: TraceBus
) -> None:
    with connect(users_proxy.address) as sock:
        answer = ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\nBad Name: x\r\n\r\n")
        assert answer.status == 400
        assert closed_by_peer(sock)
    settled(bus, 1)
    assert records(bus, "upstream") == []
    (rejected,) = records(bus, "server")
    assert rejected.error is not None and rejected.request is None
