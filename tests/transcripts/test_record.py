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
from tests.client.servers import RawServer, read_head

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


def _httplab_send(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    command = [sys.executable, "-m", "httplab", "send", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)


def test_send_record_with_no_server_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "new.transcript"
    with socket.socket() as bound:  # bound, never listening: a connection is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        done = _httplab_send("GET /users", "--to", f"127.0.0.1:{port}", "--record", str(path))
    assert done.returncode == 1
    assert not path.exists() and list(tmp_path.iterdir()) == []
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"connection refused by 127.0.0.1:{port}" in done.stderr
    assert f"is `httplab serve` running? (nothing was recorded to {path})" in done.stderr


def test_send_record_leaves_a_transcript_untouched_when_nothing_answers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kept.transcript"
    with HTTPServer(UsersApp(), port=0) as server:
        done = _httplab_send(
            "GET /users", "--to", f"127.0.0.1:{server.port}", "--record", str(path)
        )
        assert done.returncode == 0, done.stderr
    before = path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns

    def garbage(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"\x1b[2J not HTTP at all\r\n\r\n")
        conn.close()

    with RawServer(garbage) as raw:
        done = _httplab_send("GET /users", "--to", f"127.0.0.1:{raw.port}", "--record", str(path))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "\x1b" not in done.stderr
    assert f"(nothing was recorded to {path})" in done.stderr
    assert (path.read_bytes(), path.stat().st_ino, path.stat().st_mtime_ns) == before
    assert [p.name for p in tmp_path.iterdir()] == ["kept.transcript"]


def test_serve_and_proxy_record_over_a_file_that_is_not_a_transcript_leave_it_alone(
    tmp_path: Path,
) -> None:
    """`httplab serve --record mywork.py` replaced the learner's mywork.py with an empty
    transcript at start and went on rewriting it. A file that holds something else is now
    refused before anything listens; an old transcript is still replaced. Real processes."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    work = tmp_path / "mywork.py"
    work.write_text("import socket\n# lesson 3, half done\n", encoding="utf-8")
    for command, extra in (("serve", []), ("proxy", ["--to", "127.0.0.1:9"])):
        args = [sys.executable, "-m", "httplab", command, *extra, "--record", str(work)]
        args += ["--port", "0"] if command == "serve" else ["--listen", "0"]
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=30)
        assert done.returncode == 2, done.stderr
        assert done.stderr == (
            f"httplab {command}: --record: {work} exists and is not a transcript; it was left "
            "as it is (give a new file name, or an old transcript to replace)\n"
        )
    assert work.read_text(encoding="utf-8") == "import socket\n# lesson 3, half done\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mywork.py"]
