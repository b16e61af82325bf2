"""`httplab serve` as a user runs it: a real process, its stderr, signals and exit codes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
import typer

from httplab.cli import app
from httplab.protocol.limits import Limits
from httplab.server import context

from .conftest import RawClient, get, post


class ServeProcess:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "httplab", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stderr is not None
        self.startup = self.process.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/users", self.startup)
        self.port = int(found.group(1)) if found else 0

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=15)
        return self.process.returncode, err


@pytest.fixture
def serve() -> Iterator[ServeProcess]:
    running = ServeProcess("--port", "0", "--idle-timeout", "5")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_startup_line_access_log_and_ctrl_c(serve: ServeProcess) -> None:
    assert serve.port, serve.startup
    with RawClient(("127.0.0.1", serve.port)) as client:
        assert client.request(post("/users?name=Vasya&age=42")).status == 201
        assert client.request(get("/users/%1b[31m")).status == 404
        assert client.request(get("/users", "Connection: close")).status == 200
    code, err = serve.stop(signal.SIGINT)
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("#")]
    assert len(lines) == 3, err
    assert re.fullmatch(
        r"#1\.1 127\.0\.0\.1:\d+ POST /users\?name=Vasya&age=42 201 \d+B [\d.]+ms", lines[0]
    )
    assert " GET /users/%1b[31m 404 " in lines[1]
    assert "Traceback" not in err


def test_ctrl_c_right_after_an_exchange_logs_it_before_stopping(serve: ServeProcess) -> None:
    """The access log is handed to stderr in batches on a timer: Ctrl-C sent as soon as the
    answer arrived (the line still waiting for its batch) must not put `stopping` first."""
    with RawClient(("127.0.0.1", serve.port)) as client:
        for number in range(1, 4):
            assert client.request(get(f"/users/{number}")).status == 404
        code, err = serve.stop(signal.SIGINT)
    assert code == 0, err
    lines = err.splitlines()
    stopping = lines.index("httplab: stopping (finishing requests in flight)")
    logged = [n for n, line in enumerate(lines) if line.startswith("#1.")]
    assert len(logged) == 3 and max(logged) < stopping, err


def test_sigterm_stops_cleanly(serve: ServeProcess) -> None:
    code, err = serve.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err


def test_port_in_use_is_one_line_and_nonzero_exit() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "httplab", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "already in use" in result.stderr and str(port) in result.stderr


def test_limits_options_reach_the_server() -> None:
    running = ServeProcess("--port", "0", "--max-body", "10", "--name", "example.local")
    try:
        with RawClient(("127.0.0.1", running.port)) as client:
            assert client.request(post("/users", b"x" * 11)).status == 413
        with RawClient(("127.0.0.1", running.port)) as client:
            assert client.request(get("/users", "Host: other")).status == 421
    finally:
        code, _ = running.stop()
    assert code == 0


def test_cli_defaults_match_the_named_constants() -> None:
    command = typer.main.get_command(app)
    serve_command = command.commands["serve"]  # type: ignore[attr-defined]
    params = {p.name: p.default for p in serve_command.params}
    limits = Limits()
    assert params["port"] == 53210 and params["host"] == "127.0.0.1"
    assert params["max_request_line"] == limits.max_request_line
    assert params["max_header_line"] == limits.max_header_line
    assert params["max_header_block"] == limits.max_header_block
    assert params["max_fields"] == limits.max_fields
    assert params["max_body"] == limits.max_body
    assert params["idle_timeout"] == context.IDLE_TIMEOUT
    assert params["header_timeout"] == context.HEADER_TIMEOUT
    assert params["max_connections"] == context.MAX_CONNECTIONS
    assert params["memory_budget"] * 1024 * 1024 == context.MEMORY_BUDGET


def test_access_log_never_blocks_the_server_on_a_stuck_stderr() -> None:
    import io
    import threading

    from httplab.server.access_log import AccessEntry
    from httplab.server.serve_command import AccessLogWriter

    release = threading.Event()

    class StuckStream(io.StringIO):
        def write(self, text: str) -> int:
            release.wait(10)
            return super().write(text)

    stream = StuckStream()
    writer = AccessLogWriter(stream, max_queued=5)
    entry = AccessEntry(1, 1, "127.0.0.1:1", "GET", "/", 200, 10, 0.1)
    for _ in range(50):
        writer(entry)  # returns at once although the stream is stuck
    assert writer.dropped >= 40
    release.set()
    writer.close()
    assert f"{writer.dropped} access-log lines dropped" in stream.getvalue()
    assert stream.getvalue().count("GET / 200") <= 10


def test_ctrl_c_stops_even_when_nobody_reads_stderr() -> None:
    # `httplab serve 2>&1 | less` without scrolling: the pipe fills with access-log lines.
    # Ctrl-C once blocked forever writing "stopping" to that pipe; now it exits 0.
    process = subprocess.Popen(
        [sys.executable, "-m", "httplab", "serve", "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        found = re.search(rb":(\d+)/users", process.stderr.readline())
        assert found
        pipe_capacity = 1 << 16  # Linux default; an access line is ~60 bytes
        requests = 2 * pipe_capacity // 40
        with RawClient(("127.0.0.1", int(found.group(1)))) as client:
            for _ in range(requests // 200):
                client.send(get("/users/1") * 200)
                for _ in range(200):
                    client.read_response()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_no_access_log_is_quiet() -> None:
    running = ServeProcess("--port", "0", "--no-access-log")
    try:
        with RawClient(("127.0.0.1", running.port)) as client:
            assert client.request(get("/users")).status == 200
    finally:
        code, err = running.stop()
    assert code == 0
    assert not [line for line in err.splitlines() if line.startswith("#")], err


def test_access_lines_from_the_loop_go_out_in_batches() -> None:
    # issue 12.2: no queue put and thread switch per request; one per batch
    import asyncio
    import io

    from httplab.server.access_log import AccessEntry
    from httplab.server.log_writer import BATCH_LINES, AccessLogWriter

    stream = io.StringIO()
    writer = AccessLogWriter(stream)
    handed: list[int] = []
    original = writer._hand_over

    def counting(batch: list[str]) -> None:
        handed.append(len(batch))
        original(batch)

    writer._hand_over = counting  # type: ignore[method-assign]

    async def serve_requests() -> None:
        for number in range(1, BATCH_LINES + 11):
            writer(AccessEntry(1, number, "127.0.0.1:1", "GET", "/", 200, 10, 0.1))
        await asyncio.sleep(0.2)  # the flush timer fires (not an assertion about time)

    asyncio.run(serve_requests())
    writer.close()
    assert handed == [BATCH_LINES, 10]
    assert stream.getvalue().count(" GET / 200 ") == BATCH_LINES + 10
