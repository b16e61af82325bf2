"""Issue 11.9: `y` shows the selected request as a curl command with nothing else on its rows
(no border a mouse selection would pick up), and asks the terminal to copy it (OSC 52).

The screen is drawn into pyte; the rows the command takes are then run by bash with the real
curl against the same server, and the request that arrives must be the one selected.
"""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
import subprocess
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from httplab.trace.records import ExchangeRecord
from tests.tui.harness import screen_session, send_raw
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)
T = TypeVar("T")

BODY = b'{"name": "Ada O\'Neil", "age": 36}'
REQUEST = (
    b"POST /users?via=curl HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b'X-Note: it\'s "quoted" $HOME `x`\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'
    % len(BODY)
) + BODY
OSC52 = re.compile(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def command_rows(terminal: EmulatedTerminal) -> list[str]:
    """The rows from the one starting with `curl` to the one not ending in a backslash."""
    lines = [line.rstrip() for line in terminal.lines]
    start = next(i for i, line in enumerate(lines) if line.startswith("curl "))
    end = next(i for i in range(start, len(lines)) if not lines[i].endswith("\\"))
    return lines[start : end + 1]


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
def test_y_shows_a_borderless_command_that_runs_and_copies_it(size: tuple[int, int]) -> None:
    terminal = EmulatedTerminal(*size)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(send_raw, s.server.port, REQUEST)
            c = s.controller
            await s.until(lambda: c.state.current is not None, "an exchange")
            s.press("y")
            await s.until(lambda: c.overlay == "curl", "the curl view")
            await s.until(lambda: any(x.startswith("curl ") for x in terminal.lines), "drawn")
            await s.until(
                lambda: any("copied with OSC 52" in x for x in terminal.lines), "the status line"
            )
            assert c.curl_text is not None
            rows = command_rows(terminal)
            assert "\n".join(rows) == c.curl_text  # the rows are the command, nothing more
            assert not any(ch in "".join(rows) for ch in "│┃┌┐└┘─")
            assert "select the lines below with the mouse" in terminal.text
            assert "w write it to a file" in terminal.lines[-1]

            copied = OSC52.findall(bytes(terminal.written))
            assert copied and base64.b64decode(copied[-1]).decode() == c.curl_text

            if shutil.which("curl") is None:
                return  # the screen and the clipboard are checked; running needs curl
            before = len(c.state.records)
            done = await asyncio.to_thread(
                subprocess.run,
                ["bash", "-c", "\n".join(rows)],
                capture_output=True,
                timeout=15,
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.startswith(b"HTTP/1.1 201 Created")
            await s.until(lambda: len(c.state.records) > before, "the request curl sent")
            same_request(c.state.records[0], c.state.records[-1])

            s.press("\x1b")
            await s.until(lambda: c.overlay is None, "back")
            await s.until(lambda: any("exchanges 2" in x for x in terminal.lines), "the list")

    run(scenario())


def same_request(first: ExchangeRecord, again: ExchangeRecord) -> None:
    assert first.request is not None and again.request is not None
    assert (again.request.method, again.request.target) == ("POST", "/users?via=curl")
    assert again.request.body == BODY
    sent = list(again.request.headers)
    for field in first.request.headers:
        if field.lower_name != b"content-length":
            assert any(f.name == field.name and f.value == field.value for f in sent), field


def test_no_curl_for_a_request_that_did_not_parse() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            await asyncio.to_thread(send_raw, s.server.port, b"GET /\x00 HTTP/1.1\r\n\r\n")
            c = s.controller
            await s.until(lambda: c.state.current is not None, "an exchange")
            s.press("y")
            await s.until(lambda: "did not parse" in c.message, "the reason")
            assert c.overlay is None

    run(scenario())
