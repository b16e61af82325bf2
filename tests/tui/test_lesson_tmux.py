"""`httplab lesson 1` in a real terminal at 80×24 and 120×35: the step's text, task and state
are on screen; a request from another process passes the step on screen; q leaves a sane
terminal. (Skipped only when tmux is missing outside CI, like test_tmux.)"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tui.harness import http_get
from tests.tui.test_tmux import assert_left_clean, httplab_in_tmux

pytestmark = pytest.mark.timeout(90)

if shutil.which("tmux") is None and not os.environ.get("CI"):
    pytest.skip("tmux is not installed (CI installs it)", allow_module_level=True)

PORT = r"requests on http://127\.0\.0\.1:(\d+)"


def send_from_another_process(port: int) -> None:
    if shutil.which("curl"):
        subprocess.run(
            ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{port}/users"],
            check=True,
            timeout=10,
        )
    else:
        http_get(port, "/users")


@pytest.mark.parametrize(("columns", "rows"), [(80, 24), (120, 35)])
def test_a_request_from_another_process_passes_the_step_on_screen(
    columns: int, rows: int, tmp_path: Path
) -> None:
    args = ("lesson", "1", "--port", "0", "--lang", "en", "--progress", str(tmp_path / "p.json"))
    with httplab_in_tmux(args, PORT, columns, rows) as (pane, port):
        screen = pane.wait_for(lambda s: "Task" in s and "waiting" in s, "the task and state")
        lines = screen.splitlines()
        assert "lesson 1: What a request is · step 1/3 · ● ○ ○" in lines[0]
        assert "Ask for the users" in screen, "the step's title"
        assert "What a request is" in screen.split("\n", 3)[-1], "the lesson's text"
        assert "quit" in lines[-1], "the footer on the last line"

        send_from_another_process(port)
        screen = pane.wait_for(lambda s: "✓ passed" in s, "the step passed on screen")
        assert "step 1/3 · ✓ ○ ○" in screen.splitlines()[0]

        pane.keys("n")
        pane.wait_for(lambda s: "Write the request yourself" in s, "the next step")
        pane.keys("q")
        assert_left_clean(pane)
