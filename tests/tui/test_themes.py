"""The screen in each theme, read off a pyte grid: on the terminal's own background the light
theme writes no bright white (SGR 97, which a light background swallows), no yellow and no cyan;
high-contrast writes no bright white there either (issue 11 item 3)."""

from __future__ import annotations

import asyncio

import pytest

from tests.tui.harness import http_get, screen_session
from tests.tui.lesson_harness import lesson_run
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)

# pyte's names: "brown" is yellow.
BRIGHT_WHITE = {"brightwhite"}
LIGHT_SWALLOWS = {"brightwhite", "brown", "brightbrown", "cyan", "brightcyan", "ffff00"}


def colours_on_own_background(terminal: EmulatedTerminal) -> dict[str, str]:
    """Foreground colour → a character drawn in it, for cells on the default background."""
    found: dict[str, str] = {}
    screen = terminal.screen
    for y in range(screen.lines):
        row = screen.buffer[y]
        for x in range(screen.columns):
            char = row[x]
            if char.data.strip() and char.bg == "default" and not char.reverse:
                found.setdefault(char.fg, char.data)
    return found


async def trace_views(theme: str, terminal: EmulatedTerminal) -> list[dict[str, str]]:
    """The list, the detail, the help overlay and the client pane, one grid each."""
    seen = []
    async with screen_session(output=terminal.output, theme=theme) as s:
        await asyncio.to_thread(http_get, s.server.port, "/users")
        await asyncio.to_thread(http_get, s.server.port, "/nowhere")
        await s.until(lambda: len(s.controller.state.visible) == 2, "two exchanges")
        for keys, zone in (("", "list"), ("\r", "detail"), ("\x1bc", "client")):
            s.press(keys)
            await s.until(lambda z=zone: s.controller.zone == z, zone)
            await s.until(lambda: terminal.text.strip(), "a drawn screen")
            await asyncio.sleep(0.1)  # the redraw after the key (a picture, not an assertion)
            seen.append(colours_on_own_background(terminal))
        s.press("\x1b?")
        await s.until(lambda: s.controller.overlay == "help", "the help")
        await asyncio.sleep(0.1)
        seen.append(colours_on_own_background(terminal))
    return seen


async def lesson_view(theme: str, terminal: EmulatedTerminal) -> dict[str, str]:
    async with lesson_run(output=terminal.output, theme=theme) as r:
        await asyncio.to_thread(http_get, r.port, "/user")  # a mistake: its hint in colour
        await r.until(lambda: r.session.status().last_mistake is not None, "the mistake")
        r.press("i")
        await r.until(lambda: r.session.status().hints_shown == 1, "a hint")
        await asyncio.sleep(0.1)
        return colours_on_own_background(terminal)


@pytest.mark.parametrize(
    ("theme", "forbidden"),
    [("light", LIGHT_SWALLOWS), ("high-contrast", BRIGHT_WHITE), ("dark", BRIGHT_WHITE)],
)
def test_no_colour_the_background_swallows(theme: str, forbidden: set[str]) -> None:
    terminal = EmulatedTerminal(120, 35)
    for grid in asyncio.run(trace_views(theme, terminal)):
        assert not set(grid) & forbidden, {c: grid[c] for c in set(grid) & forbidden}
    grid = asyncio.run(lesson_view(theme, EmulatedTerminal(120, 35)))
    assert not set(grid) & forbidden, {c: grid[c] for c in set(grid) & forbidden}
