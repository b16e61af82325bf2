"""Issue 13's "How it is checked", against every shipped transcript: replayed against Python's
own `http.server`, the answers differ everywhere — readable diffs, exit 1, never a traceback;
against a port where nothing listens, one line per file."""

from __future__ import annotations

import functools
import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from httplab.trace.transcript import read_transcript

ROOT = Path(__file__).parents[2]
TRANSCRIPTS = sorted((ROOT / "transcripts").glob("*.transcript"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def python_http_server(tmp_path: Path) -> Iterator[int]:
    """The stdlib's file server on an empty folder: GET → 404, other methods → 501."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _replay(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "httplab", "replay", *map(str, TRANSCRIPTS), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_python_http_server_gets_readable_diffs_and_exit_1(python_http_server: int) -> None:
    done = _replay("--to", f"127.0.0.1:{python_http_server}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    total = sum(len(read_transcript(path).exchanges()) for path in TRANSCRIPTS)
    count = len(TRANSCRIPTS)
    assert done.stdout.rstrip().endswith(f"{count} files: 0 passed, {total} failed")
    for path in TRANSCRIPTS:  # a summary per file
        assert f"  {path.name}: 0 passed, " in done.stdout
    assert done.stdout.count("--- expected\n") >= count  # a diff in every file at least
    assert (
        "-HTTP/1.1 201 Created" in done.stdout and "+HTTP/1.0 501 Unsupported method" in done.stdout
    )
    assert "\x1b" not in done.stdout  # the ESC a malformed request carries is shown escaped
    assert "note: written for a server started with --name example.test" in done.stdout


def test_a_port_where_nothing_listens_is_one_line_per_file() -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    done = _replay("--to", f"127.0.0.1:{port}")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.count("connection refused") == len(TRANSCRIPTS), done.stdout
    assert done.stderr.count("is the server running?") == 1
