"""Issue 7 findings over a real socket: the server's answer, and nothing stored or dropped.

Socket timeouts here guard against hangs; they are never assertions about speed. The head
timeout is set far above them, so an answer that arrives at all arrived "at once".
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator

import pytest

from httplab.render.printer import PlainPrinter, plain_console
from httplab.server.access_log import AccessEntry, format_access_line
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord

GUARD = 5.0
H = b"Host: example.local\r\n"


@pytest.fixture
def traced() -> Iterator[tuple[HTTPServer, TraceBus, list[AccessEntry]]]:
    bus = TraceBus()
    entries: list[AccessEntry] = []
    with HTTPServer(
        UsersApp(),
        port=0,
        tracer=bus,
        access_log=entries.append,
        idle_timeout=60.0,
        header_timeout=60.0,
        server_name="example.local",
    ) as running:
        yield running, bus, entries


def exchange(server: HTTPServer, data: bytes) -> bytes:
    """Send `data`, read until the server closes (or the guard fires)."""
    with socket.create_connection(server.address, timeout=GUARD) as sock:
        sock.sendall(data)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return out


def statuses(raw: bytes) -> list[int]:
    return [int(line[9:12]) for line in raw.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def post_json(body: bytes) -> bytes:
    return (
        b"POST /users HTTP/1.1\r\n" + H + b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    )


def records(bus: TraceBus) -> list[ExchangeRecord]:
    return [item for item in bus.since(0) if isinstance(item, ExchangeRecord)]


# 1 — RFC 9112 §3.2: 400 from the parser, the server and every view keep going
@pytest.mark.parametrize("target", [b"http://[/users", b"http://a]/", b"http://[zz]/"])
def test_bad_authority_is_400_and_views_survive(traced, target: bytes) -> None:  # type: ignore[no-untyped-def]
    server, bus, _ = traced
    out = io.StringIO()
    printer = PlainPrinter(bus, plain_console(out, color=False))
    raw = exchange(server, b"GET " + target + b" HTTP/1.1\r\n" + H + b"\r\n")
    assert statuses(raw) == [400]
    printer.print_pending()
    assert printer.printed >= 1 and "400" in out.getvalue()
    assert statuses(
        exchange(server, b"GET /users HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    ) == [200]


# 2 — RFC 8259 §8.2: a lone surrogate is refused before it is stored
def test_lone_surrogate_in_json_is_400_and_nothing_breaks(traced) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    assert statuses(exchange(server, post_json(b'{"name":"\\ud800","age":1}'))) == [400]
    assert statuses(exchange(server, post_json(b'{"name":"ok","age":1,"x":["\\udfff"]}'))) == [400]
    assert statuses(exchange(server, post_json(b'{"name":"\\ud83d\\ude00","age":1}'))) == [201]
    listing = exchange(server, b"GET /users HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
    assert statuses(listing) == [200]


# 14 — RFC 8259 §4: duplicate names are refused as the query string refuses them
def test_duplicate_json_names_are_400(traced) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    raw = exchange(server, post_json(b'{"name":"a","name":"b","age":1}'))
    assert statuses(raw) == [400] and b"twice" in raw


# 15 — C1 and bidirectional controls in a name
@pytest.mark.parametrize("name", ["a\u009bb", "a\u202eb", "\u2066x", "a\u0085", "a\u2028b"])
def test_c1_and_bidi_controls_in_a_name_are_400(traced, name: str) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    body = json.dumps({"name": name, "age": 1}).encode()
    raw = exchange(server, post_json(body))
    assert statuses(raw) == [400] and b"control characters" in raw


# 3 — RFC 9110 §5.6.3: no smuggling through \xa0 or \x85 around "chunked"
@pytest.mark.parametrize(
    "value", [b"\xa0chunked\xa0", b"\x85chunked", b"chunked\x85", b"chunked, \xa0"]
)
def test_no_smuggling_through_non_ows_whitespace(traced, value: bytes) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    smuggled = b"GET /users/1 HTTP/1.1\r\n" + H + b"\r\n"
    body = b"0\r\n\r\n" + smuggled
    data = (
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: " + value + b"\r\n"
        b"Content-Type: application/json\r\n\r\n" + body
    )
    assert statuses(exchange(server, data)) in ([400], [501])


def test_http_1_0_keep_alive_with_nel_is_not_kept(traced) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    raw = exchange(server, b"GET /users HTTP/1.0\r\nConnection: keep-alive\x85\r\n\r\n")
    assert statuses(raw) == [200]  # and the server closed: exchange() returned at EOF


# 4 — reject at the first impossible byte; the TLS mistake said in words
def test_tls_client_hello_is_answered_at_once_and_named(traced) -> None:  # type: ignore[no-untyped-def]
    server, bus, entries = traced
    hello = b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(40))
    raw = exchange(server, hello)
    assert statuses(raw) == [400]
    assert b"TLS handshake on the plain-HTTP port" in raw
    line = format_access_line(entries[-1])
    assert "TLS handshake on the plain-HTTP port: use http://, not https://" in line
    assert "use http://, not https://" in (records(bus)[-1].error or "")


@pytest.mark.parametrize("first", [b"\x00", b"G\x00", b"\xff"])
def test_garbage_is_answered_at_once(traced, first: bytes) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    assert statuses(exchange(server, first)) == [400]  # not after the 60 s head timeout


def test_http2_preface_gets_its_own_answer(traced) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    raw = exchange(server, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    assert statuses(raw) == [505] and b"HTTP/2 connection preface" in raw


# 5, 6 — RFC 9112 §7.1.1: bounded chunk framing
def test_chunk_extension_stream_is_cut_off(traced) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    head = (
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n"
    )
    chunk = b"1;a=" + b"b" * 4000 + b"\r\nX\r\n"
    with socket.create_connection(server.address, timeout=GUARD) as sock:
        sock.sendall(head)
        answer = b""
        try:
            for _ in range(200):  # 800 KB of extensions; the server must stop it well before
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while data := sock.recv(65536):
                answer += data
        except (TimeoutError, ConnectionResetError):
            pass
    assert statuses(answer) == [400]


def test_long_chunk_size_line_in_one_write_is_400(traced) -> None:  # type: ignore[no-untyped-def]
    server, _, _ = traced
    data = (
        b"POST /users HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\n\r\n1;a=" + b"b" * 100_000 + b"\r\nX\r\n0\r\n\r\n"
    )
    assert statuses(exchange(server, data)) == [400]
