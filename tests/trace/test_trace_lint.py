"""Lint notes: each listed RFC rule produces one line naming its section, and only when broken."""

from __future__ import annotations

import socket

from trace_records import exchange

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Note, Request, Response
from httplab.server import HTTPServer
from httplab.server.apps.users import UsersApp
from httplab.trace.bus import TraceBus
from httplab.trace.lint import (
    exchange_notes,
    lint_exchange,
    request_parser_notes,
    split_final_response,
)
from httplab.trace.records import ExchangeRecord

DATE = ("Date", "Mon, 24 Nov 2025 10:00:00 GMT")


def record(
    raw_request: bytes,
    raw_response: bytes,
    *,
    method: str = "GET",
    version: str = "HTTP/1.1",
    request_headers: list[tuple[str, str]] | None = None,
) -> ExchangeRecord:
    rec = exchange()
    rec.raw_request = raw_request
    rec.raw_response = raw_response
    headers = Headers(request_headers if request_headers is not None else [("Host", "a")])
    rec.request = Request(method, "/", version, headers)
    head, body = split_final_response(raw_response)
    lines = head.decode("latin-1").replace("\r\n", "\n").strip("\n").split("\n")
    status = int(lines[0].split()[1])
    fields = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    rec.response = Response(status, Headers([f for f in fields if len(f) == 2]), body)
    return rec


GOOD_REQUEST = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
GOOD_RESPONSE = b"HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 2\r\n\r\nhi"


def codes(rec: ExchangeRecord) -> list[str]:
    return [n.code for n in lint_exchange(rec)]


def test_a_correct_exchange_has_no_notes() -> None:
    assert lint_exchange(record(GOOD_REQUEST, GOOD_RESPONSE)) == []


def test_missing_host_in_http_1_1_but_not_in_1_0() -> None:
    rec = record(b"GET / HTTP/1.1\r\n\r\n", GOOD_RESPONSE, request_headers=[])
    (note,) = lint_exchange(rec)  # the parser's note, asked again over the raw bytes
    assert (note.code, note.rfc_ref, note.level) == ("missing-host", "RFC 9112 §3.2", "error")
    assert (
        codes(
            record(b"GET / HTTP/1.0\r\n\r\n", GOOD_RESPONSE, version="HTTP/1.0", request_headers=[])
        )
        == []
    )


def test_repeated_and_conflicting_framing_fields() -> None:
    post = b"POST / HTTP/1.1\r\nHost: a\r\n"
    same = post + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nhi"
    assert codes(record(same, GOOD_RESPONSE)) == ["repeated-content-length"]
    different = post + b"Content-Length: 2, 3\r\n\r\nhi"
    assert codes(record(different, GOOD_RESPONSE)) == ["conflicting-content-length"]
    both = post + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"
    (note,) = lint_exchange(record(both, GOOD_RESPONSE))
    assert note.code == "te-and-cl" and note.rfc_ref == "RFC 9112 §6.3"


def test_obs_fold_and_bare_lf_in_the_request_head() -> None:
    folded = b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n"
    assert [n.one_line() for n in lint_exchange(record(folded, GOOD_RESPONSE))] == [
        "obsolete line folding (a field line starting with whitespace) (RFC 9112 §5.2)"
    ]
    bare = b"GET / HTTP/1.1\nHost: a\r\n\n"
    (note,) = lint_exchange(record(bare, GOOD_RESPONSE))
    assert note.code == "bare-lf" and note.rfc_ref == "RFC 9112 §2.2"
    assert "2 line(s) with a bare LF" in note.message


def test_body_on_a_status_that_forbids_one() -> None:
    rec = record(GOOD_REQUEST, b"HTTP/1.1 204 No Content\r\nDate: x\r\n\r\nsurprise")
    (note,) = lint_exchange(rec)
    assert note.one_line() == (
        "a 204 response to GET carries 8 body bytes; it has no content (RFC 9110 §6.4.1)"
    )
    head = record(
        GOOD_REQUEST, b"HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 5\r\n\r\n", method="HEAD"
    )
    assert lint_exchange(head) == []  # a HEAD response announces a length it does not send


def test_content_length_not_matching_the_body() -> None:
    rec = record(GOOD_REQUEST, b"HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 5\r\n\r\nhi")
    (note,) = lint_exchange(rec)
    assert note.one_line() == "Content-Length says 5 but 2 body bytes were sent (RFC 9112 §6.2)"


def test_missing_date_and_interim_responses_are_skipped() -> None:
    rec = record(
        GOOD_REQUEST, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    )
    (note,) = lint_exchange(rec)
    assert note.one_line() == "response without a Date field (RFC 9110 §6.6.1)"


def test_every_note_names_an_rfc_section() -> None:
    rec = record(
        b"GET / HTTP/1.1\nX: 1\r\n 2\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
        request_headers=[("Content-Length", "1"), ("Transfer-Encoding", "chunked")],
    )
    notes = lint_exchange(rec)
    # request: bare LF, then obs-fold (refused); response: bare LF, a body on 304, no Date
    assert [n.code for n in notes] == [
        "bare-lf",
        "obs-fold",
        "bare-lf",
        "body-not-allowed",
        "missing-date",
    ]
    for note in notes:
        assert note.rfc_ref.startswith(("RFC 9112 §", "RFC 9110 §")), note
        assert "\n" not in note.one_line()


def test_parser_and_server_notes_come_first_and_are_not_repeated() -> None:
    rec = record(b"GET / HTTP/1.1\nHost: a\r\n\r\n", GOOD_RESPONSE)
    (parser_note,) = request_parser_notes(rec.raw_request)
    server_note = Note("slow", "handler took 2 s", "RFC 9110 §1", "info")
    rec.notes = [parser_note, server_note]  # the server copies its head's notes
    assert exchange_notes(rec) == [parser_note, server_note]


def test_the_server_records_carry_the_notes() -> None:
    bus = TraceBus()
    server = HTTPServer(UsersApp(), port=0, tracer=bus)
    with server, socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"GET /users HTTP/1.1\nHost: a\nConnection: close\n\n")
        while sock.recv(65536):
            pass
    (rec,) = [i for i in bus.snapshot() if isinstance(i, ExchangeRecord)]
    assert [n.code for n in exchange_notes(rec)] == ["bare-lf"]


def rejected(raw_request: bytes) -> ExchangeRecord:
    """A request the server refused to parse: raw bytes only, as the server records it."""
    rec = record(raw_request, b"HTTP/1.1 400 Bad Request\r\nDate: x\r\nContent-Length: 0\r\n\r\n")
    rec.request = None
    return rec


def test_a_rejected_request_still_gets_its_notes_from_the_raw_head() -> None:
    assert codes(rejected(b"GET / HTTP/1.1\r\n\r\n")) == ["missing-host"]
    assert codes(rejected(b"GET / HTTP/1.0\r\n\r\n")) == []
    two = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"
    assert codes(rejected(two)) == ["conflicting-content-length"]
    both = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert codes(rejected(both)) == ["te-and-cl"]
    folded = b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n"
    assert codes(rejected(folded)) == ["obs-fold"]


def test_the_server_rejecting_a_request_without_host_records_the_note() -> None:
    bus = TraceBus()
    server = HTTPServer(UsersApp(), port=0, tracer=bus)
    with server, socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(b"GET /users HTTP/1.1\r\n\r\n")
        while sock.recv(65536):
            pass
    (rec,) = [i for i in bus.snapshot() if isinstance(i, ExchangeRecord)]
    assert rec.request is None and rec.status == 400
    assert "missing-host" in [n.code for n in exchange_notes(rec)]


def test_empty_lines_before_the_request_line_are_noted_not_misread() -> None:
    rec = record(b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", GOOD_RESPONSE)
    (note,) = lint_exchange(rec)
    assert note.code == "leading-empty-lines" and note.rfc_ref == "RFC 9112 §2.2"


def test_content_length_on_204_is_its_own_note_not_a_length_mismatch() -> None:
    rec = record(GOOD_REQUEST, b"HTTP/1.1 204 No Content\r\nDate: x\r\nContent-Length: 5\r\n\r\n")
    assert codes(rec) == ["content-length-not-allowed"]
    assert lint_exchange(rec)[0].rfc_ref == "RFC 9110 §8.6"


def test_an_unparsed_response_is_linted_from_its_bytes() -> None:
    rec = record(GOOD_REQUEST, GOOD_RESPONSE)
    rec.raw_response = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello"
    rec.response = None
    assert codes(rec) == ["content-length-mismatch", "missing-date"]
