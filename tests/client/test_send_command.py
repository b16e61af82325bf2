"""`httplab send` end to end: the real httplab server, odd raw servers, exit statuses, output."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from httplab.client.send import SendOptions, Streams, run_send
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.client.servers import RawServer, answer_each


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


def send(options: SendOptions, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_send(options, Streams(io.BytesIO(stdin), out, err))
    return status, out.getvalue(), err.getvalue()


def to(port: int) -> str:
    return f"127.0.0.1:{port}"


def test_get_users_shows_request_and_response_with_visible_crlf(server: HTTPServer) -> None:
    status, out, err = send(SendOptions("GET /users", to=to(server.port)))
    assert status == 0 and err == ""
    assert "> GET /users HTTP/1.1\\r\\n\n" in out
    assert f"> Host: 127.0.0.1:{server.port}\\r\\n\n" in out
    assert "< HTTP/1.1 200 OK\\r\\n\n" in out
    assert "* connect " in out and " last byte " in out


def test_post_with_query_creates_a_user(server: HTTPServer) -> None:
    status, out, _ = send(
        SendOptions("POST /users?name=Vasya&age=42", to=to(server.port), parts="b")
    )
    assert status == 0
    assert json.loads(out)["name"] == "Vasya"  # -p b prints just the body


def test_json_format_one_object_per_exchange(server: HTTPServer) -> None:
    raw = b"GET /users HTTP/1.1\r\nHost: a\r\n\r\nHEAD /users HTTP/1.1\r\nHost: a\r\n\r\n"
    status, out, _ = send(
        SendOptions("-", to=to(server.port), raw=True, output_format="json"), stdin=raw
    )
    assert status == 0
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["request"]["method"] for o in objects] == ["GET", "HEAD"]
    assert [o["status"] for o in objects] == [200, 200]
    assert objects[0]["responses"][0]["json"] == json.loads(objects[0]["responses"][0]["body"])
    assert objects[1]["responses"][0]["body"] == ""
    assert (
        objects[0]["request"]["raw"].encode("latin-1")
        + objects[1]["request"]["raw"].encode("latin-1")
        == raw
    )


def test_raw_without_host_gets_the_servers_400(server: HTTPServer) -> None:
    status, out, _ = send(SendOptions("GET / HTTP/1.1\\r\\n\\r\\n", to=to(server.port), raw=True))
    assert status == 0  # any response is a success without --check-status
    assert "< HTTP/1.1 400 Bad Request\\r\\n" in out


def test_check_status_maps_classes_to_exit_codes(server: HTTPServer) -> None:
    assert send(SendOptions("GET /nope", to=to(server.port), check_status=True))[0] == 4
    assert send(SendOptions("GET /nope", to=to(server.port)))[0] == 0


def test_http_file_runs_each_request_on_one_connection(server: HTTPServer, tmp_path: Path) -> None:
    http = tmp_path / "r.http"
    http.write_text(
        f"@base = http://127.0.0.1:{server.port}\n\n###\nPOST {{{{base}}}}/users\n"
        'Content-Type: application/json\n\n{"name": "Ann", "age": 30}\n\n'
        "###\nGET {{base}}/users\n"
    )
    status, out, _ = send(SendOptions(file=str(http), output_format="json"))
    first, second = (json.loads(line) for line in out.splitlines())
    assert status == 0 and (first["status"], second["status"]) == (201, 200)
    assert second["timings_ms"]["connect"] is None  # kept alive


def test_refused_prints_request_then_one_error_line() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    status, out, err = send(SendOptions("GET /users", to=to(port)))
    assert status == 1
    assert "> GET /users HTTP/1.1\\r\\n" in out
    assert err.count("\n") == 1 and "is `httplab serve` running?" in err


def test_unparseable_response_shows_escaped_bytes_and_reason() -> None:
    with RawServer(answer_each(b"HTTP/1.1 2OO OK\r\n\x1b[2J\x00\r\n\r\n", close=True)) as raw:
        status, out, err = send(SendOptions("GET /", to=to(raw.port)))
    assert status == 1
    assert "\x1b" not in out + err and "\x00" not in out + err
    assert "< \\x1b[2J\\x00\\r\\n" in out
    assert "malformed status line" in err and "HTTP/1.1 2OO OK\\r\\n" in err


def test_control_characters_in_body_are_escaped() -> None:
    body = b"line\r\n\x1b]0;pwned\x07\x9b"
    response = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with RawServer(answer_each(response)) as raw:
        status, out, _ = send(SendOptions("GET /", to=to(raw.port), parts="b"))
    assert status == 0
    assert out == "line\\r\n\\x1b]0;pwned\\x07\\x9b\n"


def test_timeout_is_one_line_and_exit_1() -> None:
    with RawServer(lambda conn: conn.recv(1000) and conn.recv(1000)) as raw:
        status, _, err = send(SendOptions("GET /", to=to(raw.port), timeout=0.3))
    assert status == 1 and "timed out after 0.3 s" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SendOptions("GET /a b c"), "malformed shorthand"),
        (SendOptions("POST /", data="@/no/such/file"), "cannot read"),
        (SendOptions(file="/no/such.http"), "cannot read"),
        (SendOptions(None), "what to send"),
    ],
)
def test_input_mistakes_exit_2_with_one_line(options: SendOptions, message: str) -> None:
    status, out, err = send(options)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_offline_prints_and_sends_nothing() -> None:
    status, out, _ = send(SendOptions("PUT /users/1", json_data='{"a": 1}', offline=True))
    assert status == 0
    assert "would send" in out and '{"a": 1}' in out
    assert "> Content-Type: application/json\\r\\n" in out


def test_data_from_stdin_and_hexdump() -> None:
    status, out, _ = send(SendOptions("POST /", data="-", offline=True, hexdump=True), b"\x00\x01")
    assert status == 0 and "|POST / HTTP/1.1.|" in out and "00 01" in out


def test_cli_entry_point_pipes_plain_json_to_scripts(server: HTTPServer) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "httplab", "send", "GET /users", "--to", to(server.port),
         "--format", "json"],
        capture_output=True, text=True, env=env, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == 200


def test_cli_raw_from_stdin(server: HTTPServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httplab", "send", "--raw", "-", "--to", to(server.port)],
        input=b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n",
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout.decode()  # not a terminal: no colour
    assert b"< HTTP/1.1 200 OK\\r\\n" in result.stdout


def test_bad_print_letters_are_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httplab", "send", "GET /", "-p", "Hx", "--offline"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "--print" in result.stderr


def test_argparse_front_end_maps_every_option(
    server: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from httplab.client.send_cli import main_send

    status = main_send(
        ["POST /users", "--to", to(server.port), "-H", "X-A: 1", "-q", "name=Bo Li", "-q", "age=7",
         "--format", "json", "--timeout", "2", "--check-status"]
    )  # fmt: skip
    exchange = json.loads(capsys.readouterr().out)
    assert status == 0 and exchange["status"] == 201
    assert exchange["request"]["target"] == "/users?name=Bo%20Li&age=7"
    assert ["X-A", "1"] in exchange["request"]["headers"]


def test_typer_command_forwards_arguments_untouched() -> None:
    from typer.testing import CliRunner

    from httplab.cli import app

    result = CliRunner().invoke(app, ["send", "--offline", "-p", "H", "--", "GET /x", "-H", "A: b"])
    assert result.exit_code == 0, result.output
    assert "> GET /x HTTP/1.1\\r\\n" in result.output and "> A: b\\r\\n" in result.output


def test_data_is_sent_as_a_form_so_the_users_api_accepts_it(server: HTTPServer) -> None:
    status, out, _ = send(
        SendOptions("POST /users", to=to(server.port), data="name=Petya&age=7", check_status=True)
    )
    assert status == 0, out
    assert "> Content-Type: application/x-www-form-urlencoded\\r\\n" in out
    assert "< HTTP/1.1 201 Created\\r\\n" in out


def test_an_ipv6_destination_is_shown_in_brackets() -> None:
    _, out, _ = send(SendOptions("GET http://[::1]:8080/", offline=True))
    assert out.startswith("* would send 76 bytes to [::1]:8080\n")


def test_body_only_to_a_pipe_is_the_exact_bytes() -> None:
    """`-p b > file` saves a download as sent; everything else on a pipe stays escaped."""
    body = bytes(range(256)) + b"\x1b[2J"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
    answer = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    with RawServer(answer_each(answer)) as raw_server:
        target = ["GET /bin", "--to", f"127.0.0.1:{raw_server.port}"]
        only_body = subprocess.run(
            [sys.executable, "-m", "httplab", "send", *target, "-p", "b"],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
        everything = subprocess.run(
            [sys.executable, "-m", "httplab", "send", *target],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    assert only_body.returncode == 0, only_body.stderr
    assert only_body.stdout == body
    assert b"\x1b" not in everything.stdout and b"\\x1b[2J" in everything.stdout


def test_bytes_after_a_204_are_shown_escaped_and_marked() -> None:
    response = b"HTTP/1.1 204 No Content\r\nContent-Length: 6\r\n\r\nhi\x1b[2J"
    with RawServer(answer_each(response)) as raw:
        status, out, err = send(SendOptions("GET /204", to=to(raw.port)))
        _, json_out, _ = send(SendOptions("GET /204", to=to(raw.port), output_format="json"))
    assert status == 0 and err == ""
    marker = "6 bytes after the response — not part of it (RFC 9110 §6.4.1 / RFC 9112 §6.3)"
    assert f"* {marker}:\n< hi\\x1b[2J\n" in out
    assert "\x1b" not in out
    document = json.loads(json_out)
    assert document["extra"] == "hi\x1b[2J"
    assert document["extra_note"].startswith("bytes after the response")
    assert document["response_raw"].encode("latin-1") == response


def test_http_file_text_output_has_titles_separators_and_a_summary(
    server: HTTPServer, tmp_path: Path
) -> None:
    http = tmp_path / "r.http"
    http.write_text(
        f"@base = http://127.0.0.1:{server.port}\n\n### list them\nGET {{{{base}}}}/users\n\n"
        "###\nGET {{base}}/nope\n\n###\n# @name again\nGET {{base}}/users\n"
    )
    status, out, _ = send(SendOptions(file=str(http)))
    lines = out.splitlines()
    titles = [line for line in lines if line.startswith("### ")]
    assert titles == ["### 1/3 list them (line 4)", "### 2/3 line 7", "### 3/3 again (line 11)"]
    assert lines[lines.index(titles[1]) - 1] == ""  # an empty line between exchanges
    assert lines[-1] == "* 3 requests: 200 ×2, 404"
    assert status == 0


def test_http_file_summary_says_what_was_not_sent(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as unused:
        port = unused.getsockname()[1]
    http = tmp_path / "r.http"
    http.write_text(f"GET http://127.0.0.1:{port}/a\n\n###\nGET http://127.0.0.1:{port}/b\n")
    status, out, _ = send(SendOptions(file=str(http)))
    assert status == 1
    assert out.splitlines()[-1] == "* 2 requests: error; 1 not sent (stopped at the error)"


def test_json_format_with_a_body_nested_too_deeply_has_no_json_member() -> None:
    """--format json adds the body parsed as "json" when it is JSON; `[[[[…]]]]` made
    json.loads raise RecursionError (not ValueError) and ended `send` with a traceback."""
    deep = b"[" * 5000 + b"]" * 5000
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    with RawServer(answer_each(head % len(deep) + deep)) as raw:
        status, out, err = send(SendOptions("GET /", to=to(raw.port), output_format="json"))
    assert status == 0, err
    (response,) = json.loads(out)["responses"]
    assert "json" not in response and response["body"] == deep.decode()
