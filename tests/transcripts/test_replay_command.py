"""`httplab replay`: every shipped transcript passes against a fresh server (its own, or one
given with --to); failures and bad files give a clear line and a non-zero exit."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.client.servers import ctrl_c_while_waiting
from tests.transcripts.fresh import server_for

TRANSCRIPTS = sorted((Path(__file__).parents[2] / "transcripts").glob("*.transcript"))


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


def test_transcripts_exist() -> None:
    assert len(TRANSCRIPTS) >= 3


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_replay_passes_against_a_fresh_server(path: Path) -> None:
    with server_for(path) as server:  # started as the file's `# server:` line says
        to = f"127.0.0.1:{server.port}"
        result = CliRunner().invoke(app, ["replay", str(path), "--to", to])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output
    assert "[1/" in result.output  # progress, one line per exchange


def test_all_shipped_transcripts_in_one_command_need_no_server() -> None:
    """What a new user types from a clean checkout: each file gets its own fresh server."""
    command = [sys.executable, "-m", "httplab", "replay", *map(str, TRANSCRIPTS)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(TRANSCRIPTS)
    assert f"[1/{count}] " in done.stdout and f"[{count}/{count}] " in done.stdout
    assert "replaying against a fresh users server on 127.0.0.1:" in done.stdout
    assert f"{count} files: " in done.stdout and " 0 failed" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_port_where_nothing_listens_is_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    result = CliRunner().invoke(app, ["replay", str(TRANSCRIPTS[0]), "--to", f"127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.output.count("connection refused") == 1, result.output


def test_replay_reports_failures_with_exit_1(server: HTTPServer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.transcript"
    bad.write_text(
        "httplab-transcript 1\n== connection 1\n-- exchange 1: GET /nope\n"
        "> GET /nope HTTP/1.1\\r\\n\n> Host: x\\r\\n\n> \\r\\n\nexpect status 200\n"
    )
    result = CliRunner().invoke(app, ["replay", str(bad), "--to", f"127.0.0.1:{server.port}"])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "1 failed" in result.output


def test_unreadable_file_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(tmp_path / "missing.transcript")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_a_transcript_says_so(tmp_path: Path) -> None:
    readme = tmp_path / "notes.md"
    readme.write_text("# caf\u00e9\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["replay", str(readme)])
    assert result.exit_code == 2
    assert "line 1: a transcript starts with 'httplab-transcript 1'" in result.output
    bad = tmp_path / "bad.transcript"
    bad.write_bytes(b"httplab-transcript 1\n# caf\xe9\n")  # not UTF-8 (hints may be)
    result = CliRunner().invoke(app, ["replay", str(bad)])
    assert "line 2: not ASCII: write other bytes as \\xNN escapes" in result.output


def test_the_server_hint_only_when_connecting_failed(server: HTTPServer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.transcript"
    bad.write_text(
        "httplab-transcript 1\n== connection 1\n-- exchange 1: GET /nope\n"
        "> GET /nope HTTP/1.1\\r\\n\n> Host: x\\r\\n\n> \\r\\n\nexpect status 200\n"
    )
    result = CliRunner().invoke(app, ["replay", str(bad), "--to", f"127.0.0.1:{server.port}"])
    assert result.exit_code == 1 and "is the server running?" not in result.output
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    result = CliRunner().invoke(app, ["replay", str(bad), "--to", f"127.0.0.1:{port}"])
    assert result.exit_code == 1 and "is the server running?" in result.output


def test_an_unclosed_ipv6_bracket_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(TRANSCRIPTS[0]), "--to", "[::1"])
    assert result.exit_code == 2 and "unclosed '['" in result.output


def test_a_transcript_without_exchanges_is_not_a_green_run(tmp_path: Path) -> None:
    # what `httplab send … --record FILE` leaves when the server was not running
    empty = tmp_path / "session.transcript"
    empty.write_text("httplab-transcript 1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["replay", str(empty)])
    assert result.exit_code == 1, result.output
    assert "session.transcript: no exchanges in this file: nothing was checked" in result.output
    assert "1 file: 0 passed, 0 failed, 1 without exchanges" in result.output


def test_ctrl_c_during_a_replay_is_one_line_and_status_130() -> None:
    status, err = ctrl_c_while_waiting(
        lambda to: [sys.executable, "-m", "httplab", "replay", "--to", to, "--timeout", "30",
                    str(TRANSCRIPTS[0])]
    )  # fmt: skip
    assert status == 130
    assert err == "httplab: interrupted\n"
