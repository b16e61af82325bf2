"""Draw the README picture of `httplab serve --trace`: the real screen, not a mock-up.

The trace screen runs in-process against the real server; its VT100 output goes into a pyte
terminal emulator; the emulator's grid (characters and colours) is written as SVG by rich.

    python docs/make_trace_picture.py    # writes docs/trace-view.svg (dark), one picture per
                                         # other theme (trace-view-light.svg, …-high-contrast)
                                         # and docs/trace-keys.md
"""

from __future__ import annotations

import asyncio
import io
import socket
import sys
from pathlib import Path

from rich.console import Console
from rich.style import Style
from rich.terminal_theme import TerminalTheme
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


async def capture(theme: str = "dark") -> Text:
    terminal = EmulatedTerminal(COLUMNS, ROWS)
    async with screen_session(output=terminal.output, theme=theme) as s:
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


# The light theme is drawn on a light terminal (rich's SVG default is a dark one).
LIGHT_TERMINAL = TerminalTheme(
    (255, 255, 255),
    (0, 0, 0),
    [
        (0, 0, 0),
        (194, 54, 33),
        (37, 148, 37),
        (173, 125, 0),
        (37, 73, 194),
        (160, 45, 160),
        (20, 140, 150),
        (208, 208, 208),
    ],
    [
        (104, 104, 104),
        (220, 60, 40),
        (40, 170, 40),
        (190, 140, 0),
        (50, 90, 220),
        (180, 60, 180),
        (30, 160, 170),
        (255, 255, 255),
    ],
)
PICTURES = (
    ("dark", "trace-view", None),
    ("light", "trace-view-light", LIGHT_TERMINAL),
    ("high-contrast", "trace-view-high-contrast", None),
)


def save_svg(
    picture: Text,
    target: Path,
    title: str,
    terminal: TerminalTheme | None,
    columns: int = COLUMNS,
) -> None:
    console = Console(
        record=True,
        width=columns,
        force_terminal=True,
        color_system="truecolor",
        file=io.StringIO(),  # only the recording matters
    )
    console.print(picture, end="", overflow="crop", no_wrap=True)
    if terminal is None:
        console.save_svg(str(target), title=title)
    else:
        console.save_svg(str(target), title=title, theme=terminal)


def main() -> None:
    from httplab.tui.keys import key_tour_markdown

    (ROOT / "docs" / "trace-keys.md").write_text(key_tour_markdown(), encoding="utf-8")
    for theme, name, terminal in PICTURES:
        picture = asyncio.run(capture(theme))
        target = ROOT / "docs" / f"{name}.svg"
        save_svg(picture, target, f"httplab serve --trace --theme {theme}", terminal)
        print(target)


if __name__ == "__main__":
    main()
