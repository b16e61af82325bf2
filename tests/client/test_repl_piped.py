"""`httplab repl` with its standard input not a terminal: plain lines, no prompt_toolkit.

Each test runs the real `httplab repl` process with a pipe for stdin against a server on
127.0.0.1, as `printf 'GET /users\\n' | httplab repl` does in a shell."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from httplab.client.repl import Repl
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.client.servers import RawServer, read_head

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


def repl_piped(to: str, data: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "httplab", "repl", "--to", to]
    return subprocess.run(command, input=data, capture_output=True, env=env, timeout=60)


def without_timings(text: str) -> str:
    text = re.sub(r"Date: [^\\]*", "Date: …", text)
    return "\n".join(line for line in text.splitlines() if not line.startswith("* connect "))


def test_piped_lines_are_read_plainly_and_shown_as_at_the_prompt(server: HTTPServer) -> None:
    to = f"127.0.0.1:{server.port}"
    done = repl_piped(to, b"GET /users\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""  # no "Input is not a terminal" warning
    out = done.stdout.decode()
    assert "\r" not in out and "\x1b" not in out  # no prompt redraws, no colour
    first, _, shown = out.partition("\n")
    assert first == f"* httplab repl → {to}; reading requests from standard input"
    at_the_prompt = io.StringIO()
    Repl("127.0.0.1", server.port, stream=at_the_prompt).handle("GET /users")
    assert without_timings(shown) == without_timings(at_the_prompt.getvalue())
    assert "< HTTP/1.1 200 OK\\r\\n" in shown


def test_a_raw_request_collects_its_lines_and_control_characters_are_escaped(
    server: HTTPServer,
) -> None:
    data = b"GET /x\x1b[2J HTTP/1.1\r\nHost: a\x07b\r\n\r\n:hexdump\n:hexdump\n"
    done = repl_piped(f"127.0.0.1:{server.port}", data)
    out = done.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "> GET /x\\x1b[2J HTTP/1.1\\r\\n\n> Host: a\\x07b\\r\\n\n> \\r\\n\n" in out
    assert "< HTTP/1.1 400 Bad Request\\r\\n" in out
    assert "* hexdump on\n* hexdump off\n" in out
    assert done.returncode == 0 and done.stderr == b""


def test_errors_give_exit_status_1_and_the_input_goes_on(server: HTTPServer) -> None:
    data = b"a\x1bb c d\n\xff\xfe\n:bogus\nGET /users\n"
    done = repl_piped(f"127.0.0.1:{server.port}", data)
    out = done.stdout.decode()
    assert done.returncode == 1 and done.stderr == b""
    assert "* error: malformed shorthand 'a\\x1bb c d': expected" in out
    assert "* error: '\\xff\\xfe' holds bytes that are not UTF-8, and shorthand is text" in out
    assert "* unknown command :bogus; :help lists them\n" in out
    assert "< HTTP/1.1 200 OK\\r\\n" in out  # the request after the errors was still sent


def test_piped_bytes_that_are_not_utf8_are_sent_as_they_are() -> None:
    """A raw request piped with Latin-1 bytes goes out byte for byte (it went out as U+FFFD,
    EF BF BD, or was refused line by line); shorthand is text and says so, exit status 1."""
    received: list[bytes] = []

    def keep(conn: socket.socket) -> None:
        received.append(read_head(conn))
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    with RawServer(keep) as raw:
        data = b"GET /caf\xe9 HTTP/1.1\nHost: x\nX-Name: \xff\xfe\n\nGET /caf\xe9\n"
        done = repl_piped(f"127.0.0.1:{raw.port}", data)
    assert received == [b"GET /caf\xe9 HTTP/1.1\r\nHost: x\r\nX-Name: \xff\xfe\r\n\r\n"]
    out = done.stdout.decode()
    assert "> GET /caf\\xe9 HTTP/1.1\\r\\n\n" in out and "> X-Name: \\xff\\xfe\\r\\n\n" in out
    assert "* error: 'GET /caf\\xe9' holds bytes that are not UTF-8" in out
    assert done.returncode == 1 and done.stderr == b""


def test_no_server_is_an_error_line_and_exit_status_1() -> None:
    with socket.socket() as bound:  # bound, never listening: a connection is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        done = repl_piped(f"127.0.0.1:{port}", b"GET /\n")
    assert done.returncode == 1 and done.stderr == b""
    assert f"* error: connection refused by 127.0.0.1:{port}" in done.stdout.decode()


def test_a_server_sending_garbage_is_an_error_not_a_traceback() -> None:
    def garbage(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"\x1b[2J\x00 nonsense\r\n\r\n")
        conn.close()

    with RawServer(garbage) as raw:
        done = repl_piped(f"127.0.0.1:{raw.port}", b"GET /\n")
    out = done.stdout.decode()
    assert done.returncode == 1 and done.stderr == b""
    assert "\x1b" not in out and "\x00" not in out and "* error: " in out
    assert out.count("unparseable response") == 1  # not again as the reason for the close


def test_end_of_input_sends_a_raw_request_still_being_typed(server: HTTPServer) -> None:
    done = repl_piped(f"127.0.0.1:{server.port}", b"GET /users HTTP/1.1\nHost: x")
    out = done.stdout.decode()
    assert "* end of input: sending the request typed so far\n> GET /users HTTP/1.1\\r\\n" in out
    assert "< HTTP/1.1 200 OK\\r\\n" in out
    assert done.returncode == 0


def test_quit_stops_reading(server: HTTPServer) -> None:
    done = repl_piped(f"127.0.0.1:{server.port}", b":quit\nGET /users\n")
    assert done.returncode == 0
    assert "> GET" not in done.stdout.decode()


def test_empty_input_exits_cleanly(server: HTTPServer) -> None:
    done = repl_piped(f"127.0.0.1:{server.port}", b"")
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.decode().count("\n") == 1  # the banner only


def test_ctrl_c_while_waiting_stops_with_status_130() -> None:
    arrived, release = threading.Event(), threading.Event()

    def silent(conn: socket.socket) -> None:
        read_head(conn)
        arrived.set()
        release.wait(20)

    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    with RawServer(silent) as raw:
        command = [sys.executable, "-m", "httplab", "repl", "--timeout", "30"]
        process = subprocess.Popen(
            [*command, "--to", f"127.0.0.1:{raw.port}"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert process.stdin is not None
        process.stdin.write(b"GET /\nGET /users\n")
        process.stdin.flush()
        assert arrived.wait(20), "the request never arrived"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
        release.set()
    assert process.returncode == 130 and err == b""
    assert out.decode().endswith("* interrupted; the connection was closed\n")
    assert b"GET /users" not in out  # the rest of the input is not sent


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_one_line_not_a_traceback(server: HTTPServer) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "httplab", "repl", "--to", f"127.0.0.1:{server.port}"]
    with open("/dev/full", "w") as full:  # every write fails: No space left on device
        done = subprocess.run(
            command, input=b"GET /users\n", stdout=full, stderr=subprocess.PIPE, env=env,
            timeout=60,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == b"httplab: error: cannot write the output: No space left on device\n"


def test_one_byte_order_mark_at_the_start_of_piped_input_is_left_out(server: HTTPServer) -> None:
    """A file saved by Notepad starts with EF BB BF: it made the first method invalid."""
    done = repl_piped(f"127.0.0.1:{server.port}", b"\xef\xbb\xbfGET /users\n\xef\xbb\xbfGET /\n")
    out = done.stdout.decode()
    assert "* the input starts with a byte order mark (U+FEFF): left out, not sent" in out
    assert "> GET /users HTTP/1.1\\r\\n" in out and "< HTTP/1.1 200 OK\\r\\n" in out
    # only the first line's: a mark further on is the learner's, and shown escaped
    assert out.count("byte order mark") == 1
    assert "* error: malformed shorthand: '\\xef\\xbb\\xbfGET' is not a method name" in out


def test_record_that_records_nothing_leaves_no_file(server: HTTPServer, tmp_path: Path) -> None:
    """`:record FILE` wrote a header-only transcript at once; now FILE comes with the first
    exchange recorded, and the stop line says nothing was recorded."""
    empty, used = tmp_path / "empty.transcript", tmp_path / "used.transcript"
    out = io.StringIO()
    repl = Repl("127.0.0.1", server.port, stream=out)
    repl.handle(f":record {empty}")
    repl.handle(":record off")
    assert not empty.exists()
    assert f"* nothing recorded: {empty} not written" in out.getvalue()
    repl.handle(f":record {used}")
    repl.handle("GET /users")
    repl.handle(":record off")
    assert used.exists() and f"* recorded 1 exchange(s) to {used}" in out.getvalue()
