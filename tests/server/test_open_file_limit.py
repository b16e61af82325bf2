"""`ulimit -n` lower than `--max-connections` (issue 7 #9) and `--host ''` (issue 7 #18).

With the common `ulimit -n 1024` and the default cap of 10,000, the server once ran out of
descriptors at about 1,020 connections: every accept() failed with EMFILE and asyncio logged
a traceback each time (31 MB of stderr), and the client over the limit never got its 503.
"""

from __future__ import annotations

import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import time

from httplab.server.serve_command import exposure_warning, host_error

from .conftest import RawClient, get

FILE_LIMIT = 200
"""The subprocess's RLIMIT_NOFILE (soft and hard, so the server cannot raise it)."""
GUARD = 20.0  # seconds: a guard against hangs, never an assertion about speed


def _lower_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


def test_connections_over_the_open_file_limit_get_503_not_tracebacks() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "httplab", "serve", "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_lower_file_limit,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    sockets: list[socket.socket] = []
    try:
        assert process.stderr is not None
        startup = process.stderr.readline() + process.stderr.readline()
        clamp = re.search(r"serving at most (\d+) connections, not 10000", startup)
        assert clamp, startup
        cap = int(clamp.group(1))
        assert 0 < cap < FILE_LIMIT
        port = int(re.search(r"127\.0\.0\.1:(\d+)/users", startup).group(1))  # type: ignore[union-attr]
        total = cap + 40  # 40 over the cap
        for _ in range(total):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=GUARD))
        # exactly the connections over the cap are answered 503 and closed; the others idle
        answers: dict[int, bytes] = {}
        with selectors.DefaultSelector() as selector:
            for sock in sockets:
                selector.register(sock, selectors.EVENT_READ)
            give_up = time.monotonic() + GUARD
            while len(answers) < total - cap and time.monotonic() < give_up:
                for key, _ in selector.select(timeout=0.5):
                    ready = key.fileobj
                    assert isinstance(ready, socket.socket)
                    data = ready.recv(65536)
                    answers[ready.fileno()] = answers.get(ready.fileno(), b"") + data
                    if not data:
                        selector.unregister(ready)
        refused = [data for data in answers.values() if data]
        assert len(answers) == total - cap, (len(answers), total, cap)
        assert all(data.startswith(b"HTTP/1.1 503 ") for data in refused)
        assert b"Retry-After: 1" in refused[0] and str(cap).encode() in refused[0]
        for sock in sockets:
            sock.close()
        sockets.clear()
        # the slots free up: a fresh client is served again
        for _ in range(200):
            with RawClient(("127.0.0.1", port)) as client:
                if client.request(get("/users")).status == 200:
                    break
            time.sleep(0.02)
        else:
            raise AssertionError("no connection was served after the others closed")
    finally:
        for sock in sockets:
            sock.close()
        process.terminate()
        _, err = process.communicate(timeout=GUARD)
    assert "Traceback" not in err and "cannot accept" not in err, err[-2000:]


def test_an_empty_host_is_refused_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httplab", "serve", "--host", "", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=GUARD,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--host is empty" in result.stderr
    assert host_error("") and host_error(" ") and host_error("127.0.0.1") is None


def test_listening_beyond_loopback_is_said() -> None:
    assert exposure_warning("127.0.0.1") is None
    assert exposure_warning("::1") is None
    assert exposure_warning("localhost") is None
    assert "every interface" in (exposure_warning("0.0.0.0") or "")
    assert "every interface" in (exposure_warning("::") or "")
    assert "192.168.1.5" in (exposure_warning("192.168.1.5") or "")
    assert "may be reachable" in (exposure_warning("lab.example") or "")
