"""Explanations say what is true for what is running: under `serve --app` the user's app
answered (not the users API), and on `httplab proxy`'s legs the upstream did. The HTTP engine's
own work (framing, Host, persistence) is still "this server"'s. Real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from httplab.proxy.engine import ProxyServer
from httplab.proxy.settings import ProxySettings
from httplab.render.explain import Explained, explain_record
from httplab.server.apps.users import UsersApp
from httplab.server.apps.wsgi import WSGIAdapter
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord

SAFETY = 10.0  # seconds before giving up on a record: a guard against a hang, never a measure
POST = (
    b"POST /things HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b"Accept: application/json\r\nUser-Agent: t\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\n{}"
)
ADA = b'{"name": "Ada", "age": 36}'
POST_USERS = POST.replace(b"/things", b"/users").replace(b"Length: 2", b"Length: 26")[:-2] + ADA


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def send(address: tuple[str, int], data: bytes) -> None:
    with socket.create_connection(address, timeout=SAFETY) as sock:
        sock.sendall(data)
        while sock.recv(65536):
            pass


def traced(bus: TraceBus, count: int) -> list[ExchangeRecord]:
    give_up = time.monotonic() + SAFETY
    while True:  # a record is published just after the response is written
        found = [item for item in bus.snapshot() if isinstance(item, ExchangeRecord)]
        if len(found) >= count:
            return found
        assert time.monotonic() < give_up, "no exchange traced"
        time.sleep(0.005)


def rows(record: ExchangeRecord, lang: str = "en") -> dict[str, Explained]:
    return {part.label: part for part in explain_record(record, lang)}


def test_under_an_app_the_app_answered_and_the_engine_framed() -> None:
    bus = TraceBus()
    with HTTPServer(WSGIAdapter(hello), port=0, tracer=bus) as server:
        send(server.address, POST)
        (record,) = traced(bus, 1)
    assert record.source == "app"
    parts = rows(record)
    for label in ("POST", "/things", "Accept", "Content-Type"):
        assert parts[label].done == (
            "your app (--app) answered 200 OK; what it did with this field is its own"
        ), label
        assert not parts[label].read  # shown without "this server:"
    assert "users API" not in parts["Content-Type"].meaning + parts["Content-Type"].done
    assert parts["Content-Length"].done == "took the next 2 bytes as the body: read 2"
    assert parts["Content-Length"].read
    assert parts["User-Agent"].done == (
        "not interpreted by httplab's server; your app (--app) may read it"
    )
    russian = rows(record, "ru")
    assert russian["Accept"].done.startswith("ответило ваше приложение (--app): 200 OK")


def test_the_users_api_still_says_what_it_did() -> None:
    bus = TraceBus()
    with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
        send(server.address, POST_USERS)
        (record,) = traced(bus, 1)
    assert record.source == "server"
    parts = rows(record)
    assert parts["Accept"].done.startswith("answered with application/json")
    assert parts["Content-Type"].done.startswith("the users API reads form and JSON bodies")
    assert parts["User-Agent"].done == "not interpreted by this server"


def test_on_the_proxy_the_upstream_answered() -> None:
    bus = TraceBus()
    with HTTPServer(UsersApp(), port=0) as upstream:
        proxy = ProxyServer(ProxySettings("127.0.0.1", upstream.port, tracer=bus), port=0)
        with proxy:
            send(proxy.address, POST_USERS)
            legs = traced(bus, 2)
    client = next(r for r in legs if r.source == "server")
    sent_upstream = next(r for r in legs if r.source == "upstream")
    parts = rows(client)
    assert parts["Accept"].done == (
        "forwarded upstream, which answered 201 Created; what it did with this field is its own"
    )
    assert parts["Content-Length"].done == "took the next 26 bytes as the body: read 26"
    assert parts["User-Agent"].done == (
        "not interpreted by the proxy; the upstream it went to may read it"
    )
    for part in rows(sent_upstream).values():
        assert part.done.startswith("sent upstream by httplab's proxy; the upstream answered"), (
            part.label
        )
        assert not part.read
