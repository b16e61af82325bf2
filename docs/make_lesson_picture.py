"""Draw the README picture of `httplab lesson 1`: the real lesson view, not a mock-up.

The lesson view runs in-process against the engine's lesson server; requests come from sockets
as curl's would; the VT100 output goes into a pyte terminal emulator whose grid is written as
SVG by rich (the same path as docs/make_trace_picture.py).

    python docs/make_lesson_picture.py    # writes docs/lesson-view.svg and
                                          # docs/lesson-view-{light,high-contrast}.svg
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from rich.text import Text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docs.make_trace_picture import LIGHT_TERMINAL, _send, grid_as_text, save_svg  # noqa: E402
from tests.tui.lesson_harness import lesson_run  # noqa: E402
from tests.tui.terminal import EmulatedTerminal  # noqa: E402

COLUMNS, ROWS = 120, 35


async def capture(theme: str) -> Text:
    terminal = EmulatedTerminal(COLUMNS, ROWS)
    async with lesson_run(output=terminal.output, theme=theme) as r:
        curl = b"User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
        host = f"Host: 127.0.0.1:{r.port}\r\n".encode()
        await asyncio.to_thread(_send, r.port, b"GET /users HTTP/1.1\r\n" + host + curl)
        await r.until(lambda: r.session.passed_count() == 1, "step 1 passed")
        r.press("n")
        await r.until(lambda: r.session.index == 1, "step 2")
        # Typed by hand, but the Host line forgotten: the server answers 400.
        await asyncio.to_thread(_send, r.port, b"GET /users HTTP/1.1\r\n\r\n")
        await r.until(lambda: r.session.status().last_mistake is not None, "the mistake")
        r.press("i")
        await r.until(lambda: r.session.status().hints_shown == 1, "a hint")
        await asyncio.sleep(0.3)  # let the last redraw land (a picture, not an assertion)
        return grid_as_text(terminal)


def main() -> None:
    for theme, name, terminal in (
        ("dark", "lesson-view", None),
        ("light", "lesson-view-light", LIGHT_TERMINAL),
        ("high-contrast", "lesson-view-high-contrast", None),
    ):
        picture = asyncio.run(capture(theme))
        target = ROOT / "docs" / f"{name}.svg"
        save_svg(picture, target, f"httplab lesson 1 --theme {theme}", terminal, COLUMNS)
        print(target)


if __name__ == "__main__":
    main()
