"""Draw the README picture of `httplab serve --trace`: the real screen, not a mock-up.

The trace screen runs in-process against the real server; its VT100 output goes into a pyte
terminal emulator; the emulator's grid (characters and colours) is written as SVG by rich.

    python docs/make_trace_picture.py    # writes docs/trace-view.svg and docs/trace-keys.md
"""

from __future__ import annotations

import asyncio
import io
import socket
import sys
from pathlib import Path

from rich.console import Console
from rich.style import Style
from rich.text import Text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tui.harness import screen_session  # noqa: E402
from tests.tui.terminal import EmulatedTerminal  # noqa: E402

COLUMNS, ROWS = 168, 46
# pyte names the 16 ANSI colours after the old xterm ones ("brown" is yellow).
_PYTE_COLOURS = {
    "black": "black",
    "red": "red",
    "green": "green",
    "brown": "yellow",
    "blue": "blue",
    "magenta": "magenta",
    "cyan": "cyan",
    "white": "white",
    "brightblack": "bright_black",
    "brightred": "bright_red",
    "brightgreen": "bright_green",
    "brightbrown": "bright_yellow",
    "brightblue": "bright_blue",
    "brightmagenta": "bright_magenta",
    "brightcyan": "bright_cyan",
    "brightwhite": "bright_white",
}


def _colour(name: str) -> str | None:
    if name == "default":
        return None
    if name in _PYTE_COLOURS:
        return _PYTE_COLOURS[name]
    return f"#{name}" if len(name) == 6 else None


def grid_as_text(terminal: EmulatedTerminal) -> Text:
    screen = terminal.screen
    picture = Text()
    for y in range(screen.lines):
        row = screen.buffer[y]
        for x in range(screen.columns):
            char = row[x]
            fg, bg = _colour(char.fg), _colour(char.bg)
            if char.reverse:
                fg, bg = bg or "black", fg or "white"
            picture.append(
                char.data or " ",
                Style(
                    color=fg,
                    bgcolor=bg,
                    bold=char.bold,
                    italic=char.italics,
                    underline=char.underscore,
                ),
            )
        picture.append("\n")
    return picture


def _send(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass


async def capture() -> Text:
    terminal = EmulatedTerminal(COLUMNS, ROWS)
    async with screen_session(output=terminal.output) as s:
        port = s.server.port
        host = f"Host: 127.0.0.1:{port}\r\n".encode()
        session = [
            b"POST /users?name=Vasya&age=42 HTTP/1.1\r\n"
            + host
            + b"User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
            b"GET /users HTTP/1.1\r\n" + host + b"User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
            b"GET /users HTTP/1.1\r\n" + host + b"Accept: text/html\r\n\r\n",
            b"GET /users/7 HTTP/1.1\r\n" + host + b"Accept: */*\r\n\r\n",
            b"GET /\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /users HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
            b'Content-Length: 27\r\n\r\n{"name": "Anna", "age": 31}',
        ]
        for request in session:
            await asyncio.to_thread(_send, port, request)
        state = s.controller.state
        await s.until(lambda: len(state.visible) == len(session), "the session in the list")
        s.press("c")
        await s.until(lambda: s.controller.zone == "client", "the client pane")
        s.press("GET /users")
        s.press("\x13")
        await s.until(lambda: len(state.visible) == len(session) + 1, "the pane's exchange")
        await s.until(lambda: s.controller.client.result is not None, "the pane's answer")
        s.press("\x1b")
        await s.until(lambda: s.controller.zone == "list", "back in the list")
        s.press("kkkkkkk\r")  # the first POST, into the detail views
        await s.until(lambda: s.controller.zone == "detail", "the detail views")
        s.press("jj")  # the target: its bytes light up in the raw view
        await s.until(lambda: s.controller.selected_field == "target", "the target field")
        await asyncio.sleep(0.3)  # let the last redraw land (a picture, not an assertion)
        return grid_as_text(terminal)


def main() -> None:
    from httplab.tui.keys import key_tour_markdown

    (ROOT / "docs" / "trace-keys.md").write_text(key_tour_markdown(), encoding="utf-8")
    picture = asyncio.run(capture())
    console = Console(
        record=True,
        width=COLUMNS,
        force_terminal=True,
        color_system="truecolor",
        file=io.StringIO(),  # only the recording matters
    )
    console.print(picture, end="", overflow="crop", no_wrap=True)
    target = ROOT / "docs" / "trace-view.svg"
    console.save_svg(str(target), title="httplab serve --trace")
    print(target)


if __name__ == "__main__":
    main()
