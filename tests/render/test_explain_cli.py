"""`httplab serve --trace --plain --lang ru`: the printed explanations are Russian, through the
real command (the render child process gets the language too); a wrong --lang is one line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.harness import send_raw

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]


def test_plain_trace_explains_in_russian() -> None:
    command = [sys.executable, "-m", "httplab", "serve", "--trace", "--plain", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--lang", "ru", "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    printed = b""
    try:
        assert process.stderr is not None
        banner = b""
        while b"tracing" not in banner:
            line = process.stderr.readline()
            assert line, "the server ended before it traced"
            banner += line
        found = re.search(rb"tracing http://127\.0\.0\.1:(\d+)", banner)
        assert found is not None, banner
        send_raw(
            int(found.group(1)), b"GET /users HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n"
        )
        # Stop only once the exchange is printed, as a user reading it would: the render child
        # runs at nice 19, and on a busy machine it may not finish within the grace its parent
        # gives it when stopping (it is killed then): that is not what this test is about.
        assert process.stdout is not None
        while "#1 соединение закрыто".encode() not in printed:  # printed after the exchange
            line = process.stdout.readline()
            assert line, "the server ended before it printed the exchange"
            printed += line
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    text = (printed + out).decode("utf-8")
    assert process.returncode == 0, err
    assert "что значат поля" in text
    assert "закрыл соединение после ответа" in text
    assert "what the fields mean" not in text
    # the printed trace's own words are Russian too; the wire's are as they came
    for title in ("запрос как получен, байтов: ", "разбор", "поля заголовка", "стартовая строка",
                  "ответ как отправлен, байтов: ", "замечания", "соединение открыто"):  # fmt: skip
        assert title in text, title
    for english in ("bytes as received", "parsed", "header fields", "request line",
                    "bytes sent", "notes", "connection opened"):  # fmt: skip
        assert english not in text, english
    assert "GET /users HTTP/1.1\\r\\n" in text and "Host: lab" in text


def test_a_language_it_does_not_have_is_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "httplab", "serve", "--trace", "--lang", "de"],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=30,
    )
    assert done.returncode == 2
    assert b"en or ru" in done.stderr and b"Traceback" not in done.stderr
