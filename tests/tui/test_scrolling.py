"""Scrolling the detail views and the client pane's answer: the window arithmetic on its own,
then the real screen (pyte) at 80x24, where a long request cannot fit, and at 200x50."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from httplab.tui.scrolling import PaneScroll, viewport
from tests.tui.harness import http_get, screen_session
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)
T = TypeVar("T")

PAGE_DOWN, PAGE_UP, HOME, END = "\x1b[6~", "\x1b[5~", "\x1b[H", "\x1b[F"


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


# the window arithmetic -------------------------------------------------------------------------
@given(
    line_count=st.integers(0, 200),
    height=st.integers(3, 60),
    top=st.none() | st.integers(-5, 250),
    marked=st.none() | st.integers(0, 199),
)
def test_a_cut_pane_accounts_for_every_line_and_shows_the_marker(
    line_count: int, height: int, top: int | None, marked: int | None
) -> None:
    marked = None if marked is None or marked >= line_count else marked
    shown = viewport(line_count, height, top, marked)
    if line_count <= height:
        assert (shown.top, shown.rows, shown.above, shown.below) == (0, line_count, 0, 0)
        return
    # Nothing hidden silently: the hidden lines above and below are counted on marker rows.
    assert shown.above == shown.top
    assert shown.above + shown.rows + shown.below == line_count
    assert shown.rows >= 1
    assert shown.rows + (shown.above > 0) + (shown.below > 0) == height
    if top is None and marked is not None:
        assert shown.top <= marked < shown.top + shown.rows, "the lit line is in sight"


def test_paging_keeps_one_line_of_the_last_page_and_stops_at_the_ends() -> None:
    scroll = PaneScroll()
    first = scroll.show("record 1", 100, 10, None)
    assert (first.top, first.rows, first.below) == (0, 9, 91)
    scroll.page(1)
    second = scroll.show("record 1", 100, 10, None)
    assert second.top == 8 and second.above == 8, "line 8 was the last one on the first page"
    scroll.end()
    last = scroll.show("record 1", 100, 10, None)
    assert (last.above, last.rows, last.below) == (91, 9, 0)
    scroll.page(1)
    assert scroll.show("record 1", 100, 10, None) == last, "no scrolling past the end"
    scroll.home()
    assert scroll.show("record 1", 100, 10, None).top == 0
    scroll.page(-1)
    assert scroll.show("record 1", 100, 10, None).top == 0


def test_another_record_brings_the_pane_back_to_its_marker() -> None:
    scroll = PaneScroll()
    scroll.show(("raw", 1, "method"), 100, 10, 0)
    scroll.end()
    assert scroll.show(("raw", 1, "method"), 100, 10, 0).top == 91
    assert scroll.show(("raw", 1, "body"), 100, 10, 50).top == 48, "the new field, not the end"
    assert scroll.show(("raw", 2, "body"), 100, 10, None).top == 0


# the real screen -------------------------------------------------------------------------------
def _row_with(terminal: EmulatedTerminal, text: str) -> str | None:
    return next((line for line in terminal.lines if text in line), None)


MANY_FIELDS = b"".join(b"X-Field-%d: %d\r\n" % (n, n) for n in range(40))


def test_on_80x24_pgdn_end_home_scroll_the_visible_tab_and_the_marker_says_what_is_hidden() -> None:
    terminal = EmulatedTerminal(80, 24)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users", MANY_FIELDS)
            await s.until(lambda: _row_with(terminal, "more lines below"), "the cut raw view")
            s.press("\r")  # the detail has the focus; tab 1, the raw request
            await s.until(lambda: s.controller.zone == "detail", "the detail")
            s.press(PAGE_DOWN)
            await s.until(lambda: _row_with(terminal, "more lines above"), "scrolled down")
            assert _row_with(terminal, "more lines below"), "still more below"
            assert not _row_with(terminal, "GET /users HTTP/1.1\\r\\n"), (
                "the first line scrolled away"
            )
            s.press(END)
            await s.until(lambda: _row_with(terminal, "X-Field-39: 39"), "the last field")
            assert not _row_with(terminal, "more lines below")
            s.press(HOME)
            await s.until(
                lambda: _row_with(terminal, "GET /users HTTP/1.1\\r\\n"), "back at the top"
            )
            assert not _row_with(terminal, "more lines above")
            s.press("3" + END)  # the headers tab scrolls on its own
            await s.until(
                lambda: _row_with(terminal, "X-Field-39") and _row_with(terminal, "lines above"),
                "the end of the headers table",
            )
            s.press("1" + END + "j")  # walking the fields brings the lit bytes back in sight
            await s.until(lambda: _row_with(terminal, "GET /users HTTP/1.1\\r\\n"), "the method")
            assert s.controller.selected_field == "method"

    run(scenario())


def test_on_200x50_only_the_current_view_scrolls() -> None:
    terminal = EmulatedTerminal(200, 50)
    fields = b"".join(b"X-Field-%d: %d\r\n" % (n, n) for n in range(60))

    def cut_columns() -> list[int]:
        """Where a '… N more lines below' marker starts, column by column."""
        return [x for line in terminal.lines if (x := line.find("… ")) >= 0 and "below" in line]

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users", fields)
            await s.until(lambda: len(cut_columns()) == 1, "the raw view cut")
            s.press("\r3" + END)  # the detail, the headers view, its end
            await s.until(lambda: _row_with(terminal, "X-Field-59"), "the last header")
            raw_column = 0
            assert _row_with(terminal, "more lines above").find("…") > raw_column
            assert cut_columns() == [0], "the raw view did not move"

    run(scenario())


def test_pgdn_in_the_client_pane_scrolls_the_answer() -> None:
    terminal = EmulatedTerminal(80, 24)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            s.press("c")
            await s.until(lambda: s.controller.zone == "client", "the client pane")
            s.press("GET /users\x13")
            await s.until(lambda: _row_with(terminal, "HTTP/1.1 200 OK"), "the answer")
            await s.until(lambda: _row_with(terminal, "more lines below"), "the answer cut")
            s.press(PAGE_DOWN)
            await s.until(lambda: _row_with(terminal, "more lines above"), "the answer scrolled")
            assert not _row_with(terminal, "HTTP/1.1 200 OK")

    run(scenario())


def test_on_80x24_the_help_scrolls_to_its_last_key_and_the_legend() -> None:
    terminal = EmulatedTerminal(80, 24)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            s.press("?")
            await s.until(lambda: _row_with(terminal, "Exchange list"), "the help")
            assert _row_with(terminal, "more lines below"), "the rest is announced"
            assert "q quit" in terminal.lines[-1], "the footer is not covered"
            s.press(END)
            await s.until(lambda: _row_with(terminal, "marked for saving"), "the legend")
            assert _row_with(terminal, "more lines above")
            # (the legend itself names the marker, so look for one that ends the overlay's line)
            assert not any(re.search(r"more lines below *│", line) for line in terminal.lines)
            s.press(HOME)
            await s.until(lambda: _row_with(terminal, "Exchange list"), "the top again")
            s.press("\x1b")
            await s.until(lambda: s.controller.overlay is None, "the help closed")

    run(scenario())


def test_a_page_asked_for_before_the_first_draw_is_a_whole_page() -> None:
    scroll = PaneScroll()
    scroll.adopt("response")  # a tab never drawn yet, then PgDn before the redraw
    scroll.page(1)
    shown = scroll.show("response", 100, 10, None)
    assert shown.top == 8, "a page of the pane's height, not one line"
