"""Recording: a session written as a transcript after every exchange (temporary file, then a
rename), complete after a SIGKILL, and green when replayed against a fresh server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from httplab.cli import app
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.recorder import TranscriptRecorder
from httplab.trace.transcript import TranscriptExchange, read_transcript

REQUESTS = [
    b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b'Content-Length: 15\r\nConnection: close\r\n\r\n{"name": "ada"}',
    b"GET /users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /users/1 HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n",
]


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_a_recorded_session_replays_green_against_a_fresh_server(tmp_path: Path) -> None:
    path = tmp_path / "session.transcript"
    recorder = TranscriptRecorder(path, title="a session")
    with HTTPServer(UsersApp(), port=0, tracer=recorder) as server:
        for request in REQUESTS:
            _exchange(server.port, request)
    recorder.close()
    assert recorder.recorded == 3 and recorder.error is None
    transcript = read_transcript(path)
    assert transcript.title == "a session" and len(transcript.exchanges()) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["session.transcript"]  # no temp files
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 passed, 0 failed" in result.output


def test_client_exchanges_share_a_connection_by_key(tmp_path: Path) -> None:
    path = tmp_path / "client.transcript"
    with TranscriptRecorder(path) as recorder:
        for request in REQUESTS[1:]:
            recorder.add(TranscriptExchange("GET", request), connection="repl")
    assert [len(c.exchanges) for c in read_transcript(path).connections] == [2]
    with TranscriptRecorder(path, append=True) as recorder:
        recorder.add(TranscriptExchange("GET", REQUESTS[1]))
    assert [len(c.exchanges) for c in read_transcript(path).connections] == [2, 1]


def test_an_unwritable_record_file_is_one_line() -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--record", "/nonexistent/x/s.t"])
    assert result.exit_code == 2
    assert "--record: cannot write /nonexistent/x/s.t" in result.output


def _wait_for_exchanges(path: Path, count: int) -> int:
    """The number of exchanges in the file once it holds `count` (each read sees a whole
    file: it is replaced by a rename); gives up after many polls (the assertion is on the
    count, never on how long it took)."""
    found = 0
    for _ in range(2000):
        try:
            found = len(read_transcript(path).exchanges())
        except (OSError, ValueError):
            found = 0
        if found >= count:
            break
        time.sleep(0.01)
    return found


def test_serve_record_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "killed.transcript"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    command = [sys.executable, "-m", "httplab", "serve", "--port", "0", "--record", str(path)]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        port = int(banner.split("127.0.0.1:")[1].split("/")[0])
        for number, request in enumerate(REQUESTS, 1):
            _exchange(port, request)
            assert _wait_for_exchanges(path, number) == number
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    transcript = read_transcript(path)  # complete, though the server never shut down
    assert len(transcript.exchanges()) == 3
    assert not [p for p in tmp_path.iterdir() if p.name != "killed.transcript"]
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.output


def test_send_record_appends_and_replays_green(tmp_path: Path) -> None:
    from httplab.client.send_cli import main_send

    path = tmp_path / "sent.transcript"
    with HTTPServer(UsersApp(), port=0) as server:
        to = ["--to", f"127.0.0.1:{server.port}", "--record", str(path), "-p", "h"]
        assert main_send(["POST /users?name=ada&age=36", *to]) == 0
        assert main_send(["GET /users/1", *to]) == 0
    transcript = read_transcript(path)
    assert [e.label for e in transcript.exchanges()] == [
        "POST /users?name=ada&age=36 HTTP/1.1",
        "GET /users/1 HTTP/1.1",
    ]
    assert transcript.exchanges()[0].expect.status == 201
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.output


def test_send_record_to_a_file_that_is_not_a_transcript(tmp_path: Path) -> None:
    from httplab.client.send_cli import main_send

    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    assert main_send(["GET /", "--to", "127.0.0.1:1", "--record", str(notes)]) == 2
    assert notes.read_text() == "my notes\n"  # never overwritten


def test_repl_record_keeps_a_connection_together(tmp_path: Path) -> None:
    import io

    from httplab.client.repl import Repl

    path = tmp_path / "repl.transcript"
    with HTTPServer(UsersApp(), port=0) as server:
        out = io.StringIO()
        repl = Repl("127.0.0.1", server.port, stream=out)
        repl.handle(f":record {path}")
        repl.handle("POST /users?name=ada&age=36")
        repl.handle("GET /users")
        repl.handle(":close")
        repl.handle("GET /users/1")
        repl.handle(":record off")
        repl.handle("GET /users")  # not recorded
        repl.connection.close()
    assert "recording to" in out.getvalue() and "recorded 3 exchange(s)" in out.getvalue()
    transcript = read_transcript(path)
    assert [len(c.exchanges) for c in transcript.connections] == [2, 1]
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.output
