"""`httplab export --curl|--har`: the command's errors are one line with a non-zero exit, and
each curl command, run by bash with the real curl against a socket that captures what
arrives, sends the request the transcript holds (same request line, fields and body)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.client.curl_export import curl_lines, request_body
from httplab.protocol.events import NEED_DATA, EndOfMessage, RequestHead
from httplab.protocol.request_parser import RequestParser

TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"
BODIES = str(TRANSCRIPTS / "bodies.transcript")
needs_curl = pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash"
)


def _export(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["export", *args])
    return result.exit_code, result.output


def test_curl_prints_commands_and_sends_nothing() -> None:
    code, out = _export("--curl", BODIES, "--to", "h:1")
    assert code == 0
    assert out.startswith("# ") and "bodies.transcript" in out.splitlines()[0]
    assert "curl -sS -i --path-as-is -g -X 'POST' 'http://h:1/users'" in out


def test_curl_says_how_the_server_was_started() -> None:
    code, out = _export("--curl", str(TRANSCRIPTS / "limits-body.transcript"))
    assert code == 0
    assert out.splitlines()[1] == "# written for a server started as: httplab serve --max-body 16"


def test_har_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    out_path = tmp_path / "b.har"
    code, out = _export("--har", str(out_path), BODIES)
    assert code == 0 and "wrote 4 entries" in out
    on_disk = json.loads(out_path.read_text(encoding="utf-8"))
    code, out = _export("--har", "-", BODIES)
    assert code == 0
    printed = json.loads(out)
    assert len(printed["log"]["entries"]) == len(on_disk["log"]["entries"]) == 4


@pytest.mark.parametrize("options", [[], ["--curl", "--har", "x.har"]])
def test_exactly_one_of_curl_or_har(options: list[str]) -> None:
    code, out = _export(*options, BODIES)
    assert code == 2 and "give exactly one of --curl or --har OUT.har" in out


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    code, out = _export("--curl", str(tmp_path / "gone.transcript"))
    assert code == 2
    missing = f"{tmp_path}/gone.transcript: No such file or directory"
    assert out.strip() == f"httplab: error: cannot read {missing}"


def test_a_bad_transcript_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.transcript"
    bad.write_text("httplab-transcript 1\n== connection 1\nexpect statue 200\n")
    code, out = _export("--har", str(tmp_path / "o.har"), str(bad))
    assert code == 2 and out.count("\n") == 1
    assert out.startswith(f"httplab: error: {bad}: line 3: ")
    assert not (tmp_path / "o.har").exists()


def test_an_unwritable_out_is_one_line(tmp_path: Path) -> None:
    code, out = _export("--har", str(tmp_path / "no" / "such" / "dir.har"), BODIES)
    assert code == 2 and out.count("\n") == 1
    assert "cannot write" in out and "No such file or directory" in out and "Traceback" not in out
    code, out = _export("--har", str(tmp_path), BODIES)  # a directory
    assert code == 2 and "cannot write" in out


def test_the_har_never_overwrites_an_input(tmp_path: Path) -> None:
    copy = tmp_path / "b.transcript"
    copy.write_bytes(Path(BODIES).read_bytes())
    code, out = _export("--har", str(copy), str(copy))
    assert code == 2 and "is one of the input files" in out
    assert copy.read_bytes() == Path(BODIES).read_bytes()


def test_har_on_stdout_is_ascii(tmp_path: Path) -> None:
    odd = tmp_path / "odd.transcript"
    odd.write_text(
        "httplab-transcript 1\n== connection 1\n-- exchange 1: GET /\n"
        "> GET / HTTP/1.1\\r\\n\n> Host: a\\r\\n\n> X-C1: \\x9b31m\\r\\n\n> \\r\\n\n"
        "expect status 200\n"
    )
    code, out = _export("--har", "-", str(odd))
    assert code == 0 and out.isascii() and "\\u009b31m" in out
    assert json.loads(out)["log"]["entries"][0]["request"]["headers"][1]["value"] == "\x9b31m"


def test_a_bad_to_is_a_usage_error() -> None:
    code, out = _export("--curl", BODIES, "--to", "[::1")
    assert code == 2 and "unclosed '['" in out


def test_replay_curl_and_har_still_work_and_point_to_export(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", BODIES, "--curl"])
    assert result.exit_code == 0 and "curl -sS" in result.output
    assert "`replay --curl` is now `httplab export --curl FILE...`" in result.output
    result = CliRunner().invoke(app, ["replay", BODIES, "--har", str(tmp_path / "a.har")])
    assert result.exit_code == 0 and (tmp_path / "a.har").exists()


def test_a_har_exports_as_curl(tmp_path: Path) -> None:
    har = tmp_path / "s.har"
    assert _export("--har", str(har), BODIES)[0] == 0
    code, out = _export("--curl", str(har))
    assert code == 0 and out.count("\ncurl ") == 4


# what curl puts on the wire ------------------------------------------------------------------
def _parsed(raw: bytes) -> tuple[str, list[tuple[bytes, bytes]], bytes]:
    parser = RequestParser()
    parser.feed(raw)
    parser.feed(b"")
    event = parser.next_event()
    assert isinstance(event, RequestHead), event
    head = event
    line = f"{head.method} {head.target} {head.version}"
    fields = sorted(
        (f.name.lower(), f.value)
        for f in head.headers
        if f.name.lower() not in (b"content-length", b"transfer-encoding")
    )
    return line, fields, request_body(raw)


def _read_one_request(connection: socket.socket) -> bytes:
    parser, data = RequestParser(), b""
    while chunk := connection.recv(65536):
        data += chunk
        parser.feed(chunk)
        while (event := parser.next_event()) is not NEED_DATA:
            if isinstance(event, EndOfMessage):
                return data
    return data


@pytest.fixture
def capture() -> Iterator[tuple[int, list[bytes]]]:
    """A socket that takes one request per connection, answers 204 and keeps the bytes."""
    received: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                received.append(_read_one_request(connection))
                connection.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], received
    finally:
        listener.close()


CASES = {
    "repeated and empty fields, binary body": b"PUT /users/1?x=[1] HTTP/1.1\r\nHost: h\r\n"
    b"X-Tag: a\r\nX-Tag: b\r\nX-Empty: \r\nContent-Type: application/octet-stream\r\n"
    b"Content-Length: 6\r\n\r\n\xff\xfe'\\\x1b\x7f",
    "a NUL in the body": b"POST /users HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\na\x00b%c",
    "chunked": b"POST /users HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3\r\nabc\r\n0\r\n\r\n",
    "HEAD": b"HEAD /users HTTP/1.1\r\nHost: h\r\nAccept: text/html\r\n\r\n",
    "HTTP/1.0 without Host": b"GET /users HTTP/1.0\r\nUser-Agent: me\r\n\r\n",
    "asterisk form": b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    "absolute form": b"GET http://example.test/a?b=c HTTP/1.1\r\nHost: example.test\r\n\r\n",
    "odd target bytes": b"GET /a{b}|c^d HTTP/1.1\r\nHost: h\r\n\r\n",
    "empty POST": b"POST /users HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
    "a quote in a field": b'GET / HTTP/1.1\r\nHost: h\r\nIf-Match: "it\'s"\r\n\r\n',
}


@needs_curl
@pytest.mark.parametrize("request_bytes", CASES.values(), ids=list(CASES))
def test_curl_sends_the_transcripts_request(
    capture: tuple[int, list[bytes]], request_bytes: bytes
) -> None:
    port, received = capture
    lines = curl_lines(request_bytes, f"http://127.0.0.1:{port}")
    command = lines[-1]
    assert command.startswith(("curl ", "printf ")), lines
    done = subprocess.run(
        ["bash", "-c", f"{command} -o /dev/null --max-time 20"],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, (command, done.stderr)
    assert len(received) == 1
    assert _parsed(received[0]) == _parsed(request_bytes), command


def test_what_curl_cannot_send_is_a_comment() -> None:
    two_hosts = b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
    assert curl_lines(two_hosts, "http://x:1")[-1].startswith("# not sent by curl (")
    head_with_body = b"HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
    assert "HEAD with a body" in curl_lines(head_with_body, "http://x:1")[-1]
    fragment = b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n"
    comment = curl_lines(fragment, "http://x:1")[-1]
    assert comment.startswith("# not sent by curl (the parser refuses it: 400 Bad Request")
    assert comment.endswith("use httplab send --raw): GET /a#b HTTP/1.1")
    head_only = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n"
    assert "stops before its body ends" in curl_lines(head_only, "http://x:1")[-1]
    escape = b"GET /\x1b[2J HTTP/1.1\r\nHost: a\r\n\r\n"
    assert "\x1b" not in curl_lines(escape, "http://x:1")[-1]


def test_a_forgotten_out_never_overwrites_the_first_transcript(tmp_path: Path) -> None:
    """`httplab export --har a.transcript b.transcript` (OUT.har forgotten; a glob does it
    too) wrote b's HAR over a.transcript. An OUT that exists and cannot be a HAR is refused;
    an old HAR is still replaced. Real processes."""
    import os
    import sys

    first, second = tmp_path / "a.transcript", tmp_path / "b.transcript"
    first.write_bytes(Path(BODIES).read_bytes())
    second.write_bytes((TRANSCRIPTS / "users.transcript").read_bytes())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    command = [sys.executable, "-m", "httplab", "export", "--har"]
    done = subprocess.run(
        [*command, str(first), str(second)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"httplab: error: --har {first} exists and is not a HAR file; it was left as it is "
        "(the file to write comes right after --har: httplab export --har OUT.har FILE…)\n"
    )
    assert first.read_bytes() == Path(BODIES).read_bytes()
    old_har = tmp_path / "old.har"
    old_har.write_text('{"log": {"entries": []}}\n', encoding="utf-8")
    done = subprocess.run(
        [*command, str(old_har), str(second)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(old_har.read_text(encoding="utf-8"))["log"]["entries"]
