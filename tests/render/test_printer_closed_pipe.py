"""`httplab serve --trace --plain | head -3`: when the reader of the trace exits, the server goes
on serving and says once, on stderr, that the trace is no longer printed. A real process, a
real pipe closed by its reader, real sockets."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)
NOTICE = "httplab: the trace output was closed (its reader exited)"


def _status(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /users HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def test_a_reader_that_exits_is_said_once_and_the_server_goes_on() -> None:
    read_end, write_end = os.pipe()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "httplab", "serve", "--trace", "--plain", "--port", "0"]
    server = subprocess.Popen(
        command, stdout=write_end, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
    )
    os.close(write_end)
    try:
        assert server.stderr is not None
        banner = server.stderr.readline().decode()
        found = re.search(r"127\.0\.0\.1:(\d+)", banner)
        assert found, banner
        port = int(found.group(1))
        assert _status(port) == b"HTTP/1.1 200 OK"
        assert os.read(read_end, 100)  # the trace started printing: now its reader leaves
        os.close(read_end)
        os.set_blocking(server.stderr.fileno(), False)
        said = ""
        deadline = time.monotonic() + 60  # a guard against a hang, not a speed requirement
        while NOTICE not in said and time.monotonic() < deadline:
            assert _status(port) == b"HTTP/1.1 200 OK"  # served all along
            time.sleep(0.1)
            said += (server.stderr.read() or b"").decode()
        assert NOTICE in said
        for _ in range(5):
            assert _status(port) == b"HTTP/1.1 200 OK"
        time.sleep(0.3)
        said += (server.stderr.read() or b"").decode()
        assert said.count(NOTICE) == 1
    finally:
        server.terminate()
        server.wait(30)
