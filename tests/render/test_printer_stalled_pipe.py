"""`serve --trace` printing into a pipe nobody reads must not block the server (issue 12.4):
the pipe fills, the renderer waits on it, and what it cannot print is summarised later — the
server goes on answering. A real process, a real pipe left undrained, a real socket."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUEST = b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n"
SUMMARY = b"trace items not printed"
PATIENCE = 240.0
"""A guard against a hang, not a speed requirement. The render child runs at nice 19: beside
busy processes it gets 1.5 % of a core or less, and before the summary it renders the ≈ 80
exchanges it was sent (≈ 0.7 s of CPU), which took 107 s beside two CPU burners and a busy
machine (on a quiet one, well under a second)."""
pytestmark = pytest.mark.timeout(PATIENCE + 60)


def _read_response(sock: socket.socket, buffer: bytes) -> bytes:
    """One Content-Length response (the users API's); returns what follows it."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        rest += chunk
    return rest[length:]


def _drain_until(read_end: int, wanted: bytes) -> bytes:
    """Read the pipe until `wanted` has come (or the pipe was closed)."""
    output = b""
    give_up = time.monotonic() + PATIENCE
    while wanted not in output:
        assert time.monotonic() < give_up, f"{wanted!r} never came: {output[-300:]!r}"
        if select.select([read_end], [], [], 0.1)[0]:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            output += chunk
    return output


def _fill(read_end: int) -> int:
    """Bytes waiting in the pipe (without reading them)."""
    import fcntl
    import termios

    size = bytearray(4)
    fcntl.ioctl(read_end, termios.FIONREAD, size)
    return int.from_bytes(size, sys.byteorder)


def test_a_pipe_nobody_reads_does_not_block_the_server() -> None:
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    filler = 0
    try:  # the pipe is full before the server starts: its first print waits
        while True:
            filler += os.write(write_end, b"." * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "httplab", "serve", "--trace", "--plain", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--no-access-log"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    os.close(write_end)
    output = b""
    try:
        assert server.stderr is not None
        line = server.stderr.readline().decode()
        assert "tracing http://" in line, line
        port = int(line.split("tracing http://")[1].split()[0].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            rest = b""
            for _ in range(50):  # 2,000 exchanges, not one of which can be printed yet
                sock.sendall(REQUEST * 40)
                for _ in range(40):
                    rest = _read_response(sock, rest)
        assert _fill(read_end) == filler, "nothing could be printed"
        # a fresh client is still answered while nothing drains the pipe
        with socket.create_connection(("127.0.0.1", port), timeout=30) as fresh:
            fresh.sendall(REQUEST)
            assert _read_response(fresh, b"") == b""
        assert server.poll() is None
        # Now the pipe is read: what could not be printed is summarised while the server runs.
        # (Waited for here, not after Ctrl-C: a stopping server gives its render child 5 s,
        # which a starved child at nice 19 may not get enough CPU in, and then that is said
        # instead.)
        output = _drain_until(read_end, SUMMARY)
    finally:
        # drain the pipe while the server stops, so it can print what is left and exit
        server.send_signal(signal.SIGINT)
        while server.poll() is None or select.select([read_end], [], [], 0)[0]:
            if select.select([read_end], [], [], 0.1)[0]:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                output += chunk
        server.wait(30)
        os.close(read_end)
        if server.stderr is not None:
            server.stderr.close()
    assert server.returncode == 0
    assert output.startswith(b"." * filler)
    assert SUMMARY in output  # what it could not print is summarised
