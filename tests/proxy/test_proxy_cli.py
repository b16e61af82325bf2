"""`httplab proxy` on the command line: one clear line and a non-zero exit for a bad address
or a port in use, help with examples, and a real run in a subprocess (curl-like client)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.proxy.conftest import SAFETY, ask, connect

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--to", "nowhere"], "httplab proxy: --to: expected HOST:PORT"),
        (
            ["--to", "https://example.com:443"],
            "httplab proxy: --to: 'https://example.com:443' is HTTPS",
        ),
        (["--to", "127.0.0.1:8000", "--listen", "host:port"], "httplab proxy: --listen: expected"),
    ],
)
def test_a_bad_address_is_one_line_and_exit_2(args: list[str], said: str) -> None:
    result = CliRunner().invoke(app, ["proxy", *args])
    assert result.exit_code == 2
    assert result.output.strip().startswith(said)
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--to", "\x1b[2J:80"], "httplab proxy: --to: bad host '\\x1b[2J': a host has no"),
        (["--to", "a b:80"], "httplab proxy: --to: bad host 'a b'"),
        (["--to", "h" * 5000 + ":80"], "httplab proxy: --to: bad host 'hhhh"),
        (["--to", "127.0.0.1:8000", "--listen", "\x07:0"], "httplab proxy: --listen: bad host"),
        (["--to", "127.0.0.1:8000", "--listen", "a..b:0"], "httplab proxy: --listen: bad host"),
    ],
)
def test_a_hostile_host_is_one_escaped_line_and_exit_2(args: list[str], said: str) -> None:
    """A real process: before, the proxy started with the ESC in its banner, and ran."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "httplab", "proxy", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=SAFETY)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(said) and done.stderr.count("\n") == 1, done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr and len(done.stderr) < 300


def test_a_missing_to_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["proxy"])
    assert result.exit_code == 2 and "--to" in result.output


def test_a_port_in_use_is_one_line_and_exit_1() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            app, ["proxy", "--to", "127.0.0.1:9", "--listen", str(port), "--no-access-log"]
        )
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert line == (
        f"httplab proxy: cannot listen on 127.0.0.1:{port}: the port is already in use "
        "(another server running? pick one with --listen PORT, or --listen 0 for any free port)"
    )


def test_a_port_in_use_with_trace_names_the_proxy() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            app, ["proxy", "--to", "127.0.0.1:9", "--listen", str(port), "--trace", "--plain"]
        )
    assert result.exit_code == 1
    assert f"httplab proxy --trace: cannot listen on 127.0.0.1:{port}" in result.output
    assert "--listen 0" in result.output


def test_help_has_examples() -> None:
    result = CliRunner().invoke(app, ["proxy", "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "httplab proxy --listen 8080 --to 127.0.0.1:8000" in result.output
    for option in ("--timeout", "--connect-timeout", "--max-body", "--trace", "--record"):
        assert option in result.output


def test_a_real_run_forwards_and_logs_both_legs_and_stops_on_sigterm(tmp_path: Path) -> None:
    with HTTPServer(UsersApp(), port=0) as upstream:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        record = tmp_path / "s.transcript"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "httplab",
                "proxy",
                "--listen",
                "0",
                "--to",
                f"127.0.0.1:{upstream.port}",
                "--record",
                str(record),
            ],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert process.stderr is not None
            banner = process.stderr.readline()  # waits for it: no timing involved
            assert "proxy http://127.0.0.1:" in banner and f":{upstream.port}/" in banner
            port = int(banner.split("http://127.0.0.1:")[1].split("/")[0])
            with connect(("127.0.0.1", port)) as sock:
                answer = ask(sock, b"GET /users HTTP/1.1\r\nHost: lab\r\n\r\n")
            assert answer.status == 200 and answer.header("via") == "1.1 httplab"
            line = process.stderr.readline()
            assert line.startswith("#1.1 127.0.0.1:") and "GET /users → ↑2.1 200 | 200" in line
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(SAFETY)
    assert process.returncode == 0
    assert "> GET /users HTTP/1.1" in record.read_text(encoding="utf-8")
    assert "Via" not in record.read_text(encoding="utf-8").split("expect")[0]  # client's leg
