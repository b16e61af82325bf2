"""Replay (httplab.client.replay): a transcript sent through the client connection, every
unmet expectation reported with what was expected and what came back."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from httplab.client.replay import ExchangeResult
from httplab.client.replay import replay_transcript as replay
from httplab.server import HTTPServer
from httplab.server.apps.users import UsersApp
from httplab.trace.bus import TraceBus
from httplab.trace.transcript import (
    Expectation,
    Transcript,
    TranscriptConnection,
    TranscriptExchange,
    read_transcript,
    write_transcript,
)
from tests.transcripts.fresh import server_for

TRANSCRIPTS = sorted((Path(__file__).parents[2] / "transcripts").glob("*.transcript"))


@contextmanager
def canned_server(reply: bytes, *, close: bool) -> Iterator[int]:
    """A one-connection server that reads a request head and sends `reply` (real socket)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            conn.sendall(reply)
            if not close:
                conn.recv(1)  # hold the connection open until the client goes

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(5)


def one_exchange(expect: Expectation) -> Transcript:
    exchange = TranscriptExchange("GET /", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", expect)
    return Transcript("t", [TranscriptConnection([exchange])])


REPLY = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nnope!"


def test_replay_reports_every_unmet_expectation() -> None:
    expect = Expectation(
        status=200,
        headers=[("Content-Type", "application/json"), ("Location", None)],
        absent_headers=["content-length"],
        body=b"[]",
        body_contains=[b"users"],
        close=True,
    )
    with canned_server(REPLY, close=False) as port:
        (result,) = replay(one_exchange(expect), "127.0.0.1", port, timeout=0.5)
    assert not result.ok and result.status == 404
    assert result.failures == [
        "status: expected 200, got 404",
        "header Content-Type: expected 'application/json', got ['text/plain']",
        "header Location: expected it, it is missing",
        "header content-length: expected none, got ['5']",
        "body: expected '[]', got 'nope!'",
        "body: 'users' not found in 'nope!'",
        "expected the server to close the connection; it did not",
    ]
    assert result.response == REPLY


def test_replay_passes_when_the_response_matches() -> None:
    expect = Expectation(404, [("content-type", "text/plain")], [], b"nope!", [b"op"], close=True)
    with canned_server(REPLY, close=True) as port:
        (result,) = replay(one_exchange(expect), "127.0.0.1", port)
    assert result.ok, result.failures


def test_replay_reports_a_truncated_response() -> None:
    with canned_server(REPLY[:-2], close=True) as port:
        (result,) = replay(one_exchange(Expectation(404)), "127.0.0.1", port)
    assert result.failures == [
        "unparseable response: the connection closed 2 bytes before the end of the body"
        " (RFC 9112 §6.3)"
    ]


def test_replay_reports_a_refused_connection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    (result,) = replay(one_exchange(Expectation(200)), "127.0.0.1", port)
    assert result.failures[0].startswith(f"cannot connect to 127.0.0.1:{port}")


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_every_recorded_transcript_replays_against_the_server(path: Path) -> None:
    transcript = read_transcript(path)
    seen: list[tuple[int, int]] = []

    def progress(result: ExchangeResult, done: int, total: int) -> None:
        seen.append((done, total))

    with server_for(path) as server:  # with the file's `# server:` options
        results = replay(transcript, "127.0.0.1", server.port, progress=progress)
    failed = [r.one_line() for r in results if not r.ok]
    assert not failed, "\n".join(failed)
    total = len(transcript.exchanges())
    assert total >= 4 and seen == [(n, total) for n in range(1, total + 1)]


def test_a_live_recording_replays_against_a_fresh_server(tmp_path: Path) -> None:
    bus = TraceBus()
    server = HTTPServer(UsersApp(), port=0, tracer=bus)
    with server, socket.create_connection(server.address, timeout=5) as sock:
        sock.sendall(
            b"POST /users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
            b"Content-Length: 24\r\n\r\n"
            b'{"name":"ada","age":36}\n'
            b"GET /users/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        while sock.recv(65536):
            pass
    path = tmp_path / "live.transcript"
    written = write_transcript(bus.snapshot(), path, title="live", pipelined=[1])
    assert read_transcript(path) == written
    assert [e.expect.status for e in written.exchanges()] == [201, 200]
    with HTTPServer(UsersApp(), port=0) as fresh:
        results = replay(written, "127.0.0.1", fresh.port)
    assert [r.ok for r in results] == [True, True], [r.failures for r in results]


def test_a_mismatch_carries_its_kind_and_both_sides() -> None:
    expect = Expectation(status=200, headers=[("Content-Type", "application/json")], body=b"[]")
    with canned_server(REPLY, close=True) as port:
        (result,) = replay(one_exchange(expect), "127.0.0.1", port)
    status, header, body = result.mismatches
    assert (status.kind, status.expected, status.received) == ("status", "200", "404")
    assert (header.kind, header.name, header.expected, header.received) == (
        "header",
        "Content-Type",
        "application/json",
        "text/plain",
    )
    assert (body.kind, body.expected, body.received) == ("body", "[]", "nope!")
    assert result.exchange is not None and result.final is not None
    assert result.final.body == b"nope!"
    assert not result.connect_failed


def test_a_connection_the_server_closed_is_not_silently_reopened() -> None:
    first = TranscriptExchange("GET /", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", Expectation(404))
    second = TranscriptExchange("GET /", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", Expectation(404))
    transcript = Transcript("t", [TranscriptConnection([first, second])])
    # answers once without announcing a close, then closes: the second request cannot be sent
    with canned_server(REPLY, close=True) as port:
        one, two = replay(transcript, "127.0.0.1", port)
    assert one.ok, one.failures
    assert [m.kind for m in two.mismatches] in (["send"], ["response"])
    assert "closed" in two.failures[0] or "reset" in two.failures[0]  # as the race falls


def test_a_refused_connection_is_a_connect_mismatch() -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    (result,) = replay(one_exchange(Expectation(200)), "127.0.0.1", port)
    assert result.connect_failed and result.exchange is None
    assert result.failures == [f"cannot connect to 127.0.0.1:{port}: connection refused"]


def test_an_exchange_not_sent_names_the_one_the_connection_ended_at() -> None:
    """After an unparseable answer to 1.1, replay printed '1.2 …: not sent: unparseable
    response: …', which reads as 1.2's own answer. It now says where the connection ended."""
    first = TranscriptExchange("GET /", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", Expectation(200))
    second = TranscriptExchange("GET /", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", Expectation(200))
    transcript = Transcript("t", [TranscriptConnection([first, second])])
    garbled = b"HTTP/1.1 200 OK\r\nX: a\x1bb\r\nContent-Length: 0\r\n\r\n"
    with canned_server(garbled, close=False) as port:
        one, two = replay(transcript, "127.0.0.1", port)
    assert "unparseable response" in one.failures[0]
    assert two.exchange is None and [m.kind for m in two.mismatches] == ["send"]
    assert two.failures[0].startswith("not sent: the connection ended at 1.1: unparseable")


DEEP = b"[" * 5000 + b"]" * 5000
"""Valid JSON nested deeper than json.loads goes: it raises RecursionError, not ValueError."""


def test_a_body_nested_too_deeply_is_a_json_mismatch_not_a_traceback() -> None:
    """A learner's server (or any server replayed against) answering `[[[[…]]]]` ended the
    replay and `lesson check` with a RecursionError from json.loads (both in the check and in
    the diff shown under the FAIL line)."""
    from httplab.client.replay_diff import mismatch_diff

    reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    for expect in (Expectation(json=['{"a": 1}']), Expectation(body=b"[]")):
        with canned_server(reply % len(DEEP) + DEEP, close=False) as port:
            (result,) = replay(one_exchange(expect), "127.0.0.1", port, timeout=5)
        assert not result.ok and result.status == 200
        kind = "json" if expect.json else "body"
        assert [m.kind for m in result.mismatches] == [kind], result.failures
        assert any(line.startswith("+[[[[") for line in mismatch_diff(result))


def test_a_field_value_in_a_failure_shows_its_wire_bytes() -> None:
    """A value is escaped as the bytes that came (0x9B as `\\x9b`), as the diff and the raw
    view show it. The media-type line showed the UTF-8 of the decoded character
    (`\\xc2\\x9b`) and the header line doubled its backslashes through repr()."""
    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/\x9b31mhtml\x85\r\nX-A: \xe9t\xe9\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    expect = Expectation(
        headers=[("X-A", "b")], absent_headers=["x-a"], media_types=["application/json"]
    )
    with canned_server(reply, close=False) as port:
        (result,) = replay(one_exchange(expect), "127.0.0.1", port, timeout=5)
    assert result.failures == [
        "header X-A: expected 'b', got ['\\xe9t\\xe9']",
        "header x-a: expected none, got ['\\xe9t\\xe9']",
        "media type: expected application/json, got text/\\x9b31mhtml\\x85",
    ]
    assert [m.received for m in result.mismatches] == [
        "\\xe9t\\xe9",
        "\\xe9t\\xe9",
        "text/\\x9b31mhtml\\x85",
    ]


def test_the_diff_of_a_huge_body_stays_small() -> None:
    """A server answering `expect body []` with 10 MB on one line: the failure's diff printed
    all 10 MB to the terminal, as one line. Now at most BODY_BYTES of it, each line cut."""
    from httplab.client.replay_diff import BODY_BYTES, LINE_CHARS, mismatch_diff

    body = b"a" * 1_000_000 + b"\n" + b"b" * 1_000_000
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with canned_server(reply, close=True) as port:
        (result,) = replay(one_exchange(Expectation(200, body=b"[]\n")), "127.0.0.1", port)
    assert not result.ok
    diff = mismatch_diff(result)
    assert sum(len(line) for line in diff) < BODY_BYTES
    assert max(len(line) for line in diff) <= LINE_CHARS + 1  # +1: the diff's own `+`
    assert f"+… ({len(body) - BODY_BYTES:,} more bytes)" in diff
