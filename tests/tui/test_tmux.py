"""End to end in a real terminal: `httplab serve --trace` in a tmux session of fixed size,
requests from this (other) process, the screen read back with `tmux capture-pane`.

Skipped only when tmux is missing outside CI; in CI (.ci/run installs tmux) a missing tmux
fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.tui.harness import http_get, send_raw
from tests.tui.test_screen import EVIL, USERS_ROW

pytestmark = pytest.mark.timeout(90)

if shutil.which("tmux") is None and not os.environ.get("CI"):
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
COLUMNS, ROWS = 120, 40
DEADLINE = 20.0


class TmuxPane:
    def __init__(self, socket_name: str, session: str) -> None:
        self.socket_name = socket_name
        self.session = session

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket_name, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return result.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def text(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def alternate_screen_on(self) -> bool:
        return self.tmux("display", "-p", "-t", self.session, "#{alternate_on}").strip() == "1"

    def wait_for(self, condition: Callable[[str], object], what: str) -> str:
        end = time.monotonic() + DEADLINE
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")
            time.sleep(0.05)


@contextmanager
def trace_in_tmux(*extra: str) -> Iterator[tuple[TmuxPane, int]]:
    """The trace view on a free port; after it exits the shell reports status and tty mode."""
    with httplab_in_tmux(
        ("serve", "--trace", "--port", "0", *extra),
        r"requests on http://127\.0\.0\.1:(\d+)",
    ) as started:
        yield started


@contextmanager
def httplab_in_tmux(
    args: tuple[str, ...], port_pattern: str, columns: int = COLUMNS, rows: int = ROWS
) -> Iterator[tuple[TmuxPane, int]]:
    """`httplab ARGS` in a tmux session of `columns` × `rows`, once the screen shows the port
    (the first group of `port_pattern`); the shell then reports exit status and tty mode."""
    socket_name = f"httplab-test-{uuid.uuid4().hex[:8]}"
    command = " ".join([shlex.quote(sys.executable), "-m", "httplab", *map(shlex.quote, args)])
    script = (
        f"{command}; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-*icanon'; sleep 60"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TMUX", None)
    subprocess.run(
        [
            *("tmux", "-L", socket_name, "-f", "/dev/null", "new-session", "-d", "-s", "trace"),
            *("-x", str(columns), "-y", str(rows), "sh", "-c", script),
        ],
        check=True,
        cwd=ROOT,
        env=env,
        timeout=10,
    )
    pane = TmuxPane(socket_name, "trace")
    try:
        screen = pane.wait_for(lambda s: re.search(port_pattern, s), "the server URL")
        port = int(re.search(port_pattern, screen).group(1))  # type: ignore[union-attr]
        yield pane, port
    finally:
        subprocess.run(["tmux", "-L", socket_name, "kill-server"], timeout=10, check=False)


def assert_left_clean(pane: TmuxPane) -> None:
    screen = pane.wait_for(lambda s: "EXIT=" in s and "icanon" in s, "the exit and tty mode")
    assert "EXIT=0" in screen
    assert re.search(r"^icanon$", screen, re.MULTILINE), "the terminal is back in cooked mode"
    assert not pane.alternate_screen_on(), "back on the main screen"


def test_trace_view_shows_requests_from_another_process_and_q_quits_cleanly() -> None:
    with trace_in_tmux() as (pane, port):
        assert pane.alternate_screen_on()
        http_get(port, "/users")
        screen = pane.wait_for(lambda s: USERS_ROW.search(s), "the exchange row")
        lines = screen.splitlines()
        assert lines[0].lstrip().startswith("exchanges 1")
        assert any("raw request" in line and "│ parsed" in line for line in lines), "2×2 views"
        assert "Host: 127.0.0.1\\r\\n" in screen, "the raw view with visible CRLF"

        send_raw(port, EVIL)
        screen = pane.wait_for(lambda s: "exchanges 2" in s, "the second exchange")
        screen = pane.wait_for(lambda s: "\\x1b[2J" in s, "the escaped bytes")
        lines = screen.splitlines()
        assert lines[0].lstrip().startswith("exchanges 2"), "the screen was not cleared"
        assert USERS_ROW.search(screen), "the first row is still there"
        assert "quit" in lines[-1], "the footer is still on the last line"

        pane.keys("q")
        assert_left_clean(pane)


def test_client_pane_in_a_real_terminal_and_ctrl_c_quits_cleanly() -> None:
    with trace_in_tmux("--theme", "high-contrast") as (pane, _port):
        pane.keys("c")
        pane.wait_for(lambda s: "leave" in s.splitlines()[-1], "the client pane footer")
        pane.text("GET /users?from=pane")
        pane.keys("C-s")
        screen = pane.wait_for(
            lambda s: re.search(r"GET +/users\?from=pane +200 ", s), "the pane's exchange"
        )
        assert "HTTP/1.1 200 OK\\r\\n" in screen, "the response in the pane"
        pane.keys("Escape")
        pane.wait_for(lambda s: "quit" in s.splitlines()[-1], "back in the list")
        pane.keys("C-c")
        assert_left_clean(pane)
