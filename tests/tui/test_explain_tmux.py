"""End to end in tmux (issue 11.1 and 11.9): `httplab serve --trace` at 80×24 and 120×35, a
request from this process, the selected field explained under its lit bytes, then `y`: the
curl command alone on its rows, and the copy tmux received through OSC 52.

tmux takes an application's OSC 52 only with `set-clipboard on` (its default, `external`,
passes it to the outer terminal but keeps no buffer): the test turns it on and reads the copy
back with `show-buffer`.
"""

from __future__ import annotations

import pytest

from tests.tui.harness import send_raw
from tests.tui.test_tmux import TmuxPane, assert_left_clean, httplab_in_tmux

pytestmark = pytest.mark.timeout(90)

BODY = b'{"name": "Ada", "age": 36}'
POST = (
    b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b"Content-Length: 26\r\nConnection: close\r\n\r\n" + BODY
)
PORT = r"requests on http://127\.0\.0\.1:(\d+)"


def down_to(pane: TmuxPane, label: str) -> str:
    """j until the raw view's title names `label` (the selected field)."""
    for _ in range(12):
        screen = pane.screen()
        if label in screen:
            return screen
        pane.keys("j")
        pane.wait_for(lambda s, before=screen: s != before, "the next field")
    raise AssertionError(f"never selected {label}:\n{pane.screen()}")


@pytest.mark.parametrize(
    ("columns", "rows", "extra"),
    [(80, 24, ()), (120, 35, ("--theme", "light"))],
)
def test_explained_field_and_borderless_curl_in_tmux(
    columns: int, rows: int, extra: tuple[str, ...]
) -> None:
    args = ("serve", "--trace", "--port", "0", *extra)
    with httplab_in_tmux(args, PORT, columns, rows) as (pane, port):
        pane.tmux("set", "-g", "set-clipboard", "on")
        send_raw(port, POST)
        pane.wait_for(lambda s: "POST" in s and "201" in s, "the exchange")
        pane.keys("Enter")
        pane.wait_for(lambda s: "what this field means" in s, "the explanation")
        down_to(pane, "(Content-Length)")
        screen = pane.wait_for(
            lambda s: "took the next 26 bytes as the body: read 26" in s, "Content-Length"
        )
        lines = screen.splitlines()
        raw = next(i for i, line in enumerate(lines) if "Content-Length: 26\\r\\n" in line)
        title = next(i for i, line in enumerate(lines) if "what this field means" in line)
        said = next(i for i, line in enumerate(lines) if "Content-Length: 26 — " in line)
        assert raw < title < said, "the bytes, then right under the views their explanation"

        pane.keys("y")
        screen = pane.wait_for(lambda s: "copied with OSC 52" in s, "the curl view")
        lines = [line.rstrip() for line in screen.splitlines()]
        start = next(i for i, line in enumerate(lines) if line.startswith("curl "))
        end = next(i for i in range(start, len(lines)) if not lines[i].endswith("\\"))
        command = "\n".join(lines[start : end + 1])
        assert '--data-binary \'{"name": "Ada", "age": 36}\'' in command
        assert not any(ch in command for ch in "│┃┌┐└┘")
        assert pane.tmux("show-buffer") == command

        pane.keys("Escape")
        pane.wait_for(lambda s: "what this field means" in s, "back in the detail")
        pane.keys("q")
        assert_left_clean(pane)


def test_russian_explanations_with_lang_ru_in_tmux() -> None:
    args = ("serve", "--trace", "--port", "0", "--lang", "ru")
    with httplab_in_tmux(args, PORT, 80, 24) as (pane, port):
        send_raw(port, POST)
        pane.wait_for(lambda s: "POST" in s and "201" in s, "the exchange")
        pane.keys("Enter")
        pane.wait_for(lambda s: "что значит это поле" in s, "the Russian title")
        down_to(pane, "(Host)")
        pane.wait_for(lambda s: "Host: lab — Для какого сайта запрос" in s, "Host in Russian")
        pane.keys("q")
        assert_left_clean(pane)
