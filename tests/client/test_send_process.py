"""`httplab send` as a process: what a shell user sees on Ctrl-C, a closed pipe, bad options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.servers import ctrl_c_while_waiting


def httplab_send(*args: str) -> list[str]:
    return [sys.executable, "-m", "httplab", "send", *args]


def test_ctrl_c_while_waiting_is_one_line_and_status_130() -> None:
    status, err = ctrl_c_while_waiting(
        lambda to: httplab_send("GET /", "--to", to, "--timeout", "30")
    )
    assert status == 130
    assert err == "httplab: interrupted\n"


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 50_000 + b"\r\n")  # > a pipe buffer
    process = subprocess.Popen(
        httplab_send("--offline", "--raw", f"@{big}"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.close()  # like `| head -0`
    err = process.stderr.read() if process.stderr else ""
    process.wait(20)
    assert process.returncode == 1
    assert "Traceback" not in err and err == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_one_line_not_a_traceback() -> None:
    with open("/dev/full", "w") as full:  # every write fails: No space left on device
        done = subprocess.run(
            httplab_send("--offline", "GET /"),
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == "httplab: error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon", "1e308", "86401"])
@pytest.mark.parametrize("option", ["--timeout", "--max-time"])
def test_durations_must_be_positive_numbers(option: str, value: str) -> None:
    result = subprocess.run(
        httplab_send("GET /", option, value),
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"argument {option}: expected a number of seconds above 0" in result.stderr


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ([b"GET /us\xffers"], "'GET /us\\xffers'"),
        ([b"GET /", b"-H", b"X-A: \xe9"], "'X-A: \\xe9'"),
        ([b"GET /", b"-q", b"a=\xe9"], "'a=\\xe9'"),
    ],
)
def test_bytes_that_are_not_utf8_in_arguments_are_one_line_exit_2(
    args: list[bytes], shown: str
) -> None:
    command = [a.encode() for a in httplab_send()] + args + [b"--offline"]
    result = subprocess.run(command, capture_output=True, timeout=30, check=False)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert shown in err and "not UTF-8 text" in err


def test_raw_bytes_from_the_shell_are_sent_exactly() -> None:
    command = [a.encode() for a in httplab_send("--raw", "--offline", "--hexdump")]
    result = subprocess.run(
        [*command, b"GET /\xff HTTP/1.1\\r\\n\\r\\n"], capture_output=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert b" ff " in result.stdout


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("GET /users\n###\nFOO BAR BAZ QUX\n", "line 3: malformed shorthand"),
        ("httplab-transcript 1\n", "this is an httplab transcript, not a .http file"),
    ],
)
def test_an_error_in_a_http_file_names_the_file(tmp_path: Path, text: str, said: str) -> None:
    """`send -f a.http` said 'httplab: error: line 3: malformed shorthand …' with no file
    name: with several files in a script, which one? Replay names its file; so does send."""
    path = tmp_path / "requests.http"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [*httplab_send("-f", str(path), "--offline")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"httplab: error: {path}: {said}" + result.stderr.split(said, 1)[1]
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
