"""Screen tests: the trace screen drawn through a VT100 output into pyte, asserted on the grid."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from prompt_toolkit.input import create_pipe_input

from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.bus import TraceBus
from httplab.tui.controller import TraceController, TraceOptions
from httplab.tui.run import run_trace_screen
from tests.tui.harness import http_get, screen_session, send_raw
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)
T = TypeVar("T")

EVIL = (
    b"GET /\x1b[2J\x1b[H HTTP/1.1\r\n"
    b"Host: lab\r\n"
    b"X-Title: \x1b]0;pwned\x07\x1b[31mred\x1b[0m\r\n"
    b"X-Bidi: \xe2\x80\xaeevil\r\n\r\n"
)


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def row_with(terminal: EmulatedTerminal, text: str) -> str | None:
    return next((line for line in terminal.lines if text in line), None)


USERS_ROW = re.compile(r"GET +/users +200 ")  # the list's columns are padded


def users_row(terminal: EmulatedTerminal) -> str | None:
    return next((line for line in terminal.lines if USERS_ROW.search(line)), None)


def test_the_list_row_shows_time_connection_method_target_status() -> None:
    terminal = EmulatedTerminal(120, 40)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users")
            await s.until(lambda: users_row(terminal), "the row on screen")
            row = users_row(terminal)
            assert row is not None and "#1.1" in row and " ms" in row
            assert terminal.lines[0].lstrip().startswith("exchanges 1")
            assert "q quit" in terminal.lines[-1]

    run(scenario())


def test_wide_terminal_shows_four_views_and_narrow_one_tabs_then_resize() -> None:
    terminal = EmulatedTerminal(170, 40)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users")
            titles = ("raw request", "│ parsed", "│ headers", "│ response")  # columns

            def four_in_a_row() -> bool:
                return any(all(t in line for t in titles) for line in terminal.lines)

            await s.until(four_in_a_row, "four views side by side")
            assert not row_with(terminal, "1 raw request")

            terminal.resize(80, 30)
            s.screen.application._on_resize()  # what SIGWINCH does in a real terminal
            await s.until(lambda: row_with(terminal, "1 raw request"), "the tab bar")
            assert not four_in_a_row()
            assert all(len(line) == 80 for line in terminal.lines)
            s.press("\r4")  # into the detail, then tab 4: the response
            await s.until(lambda: row_with(terminal, "HTTP/1.1 200 OK"), "the response tab")

    run(scenario())


def test_background_pushes_keep_the_screen_current() -> None:
    terminal = EmulatedTerminal(120, 40)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            count = 150

            def load() -> None:
                threads = [
                    threading.Thread(target=lambda i=i: http_get(s.server.port, f"/users?n={i}"))
                    for i in range(count)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()

            await asyncio.to_thread(load)
            await s.until(
                lambda: terminal.lines[0].lstrip().startswith(f"exchanges {count}"),
                "the count on screen",
            )
            newest = s.controller.state.visible[-1].target
            newest_row = re.compile(rf"GET +{re.escape(newest)} +200 ")
            await s.until(
                lambda: any(newest_row.search(line) for line in terminal.lines), "the newest row"
            )

    run(scenario())


def test_escape_sequences_in_a_request_do_not_reach_the_terminal() -> None:
    terminal = EmulatedTerminal(170, 40)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(send_raw, s.server.port, EVIL)
            await s.until(lambda: row_with(terminal, "\\x1b[2J"), "the escaped bytes")
            # The screen was not cleared or homed: the chrome is where it was drawn.
            assert terminal.lines[0].lstrip().startswith("exchanges 1")
            assert "q quit" in terminal.lines[-1]
            assert "pwned" not in (terminal.screen.title or "")
            grid = terminal.text
            assert "\x1b" not in grid and "\x07" not in grid and "\u202e" not in grid
            # The request's "\x1b[31m" did not turn the text after it red.
            marker = "\\x1b[31mred"
            y = next(i for i, line in enumerate(terminal.lines) if marker in line)
            x = terminal.lines[y].index(marker) + len(marker) - 3
            cells = terminal.screen.buffer[y]
            assert "".join(cells[x + i].data for i in range(3)) == "red"
            assert all(cells[x + i].fg != "red" for i in range(3))

    run(scenario())


def test_an_exception_in_the_ui_stops_the_server_and_leaves_the_main_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = EmulatedTerminal(100, 30)
    stopped: list[bool] = []

    def explode(self: TraceController) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(TraceController, "replay", explode)
    with create_pipe_input() as keys:
        keys.send_text("r")
        with pytest.raises(RuntimeError, match="boom"):
            run_trace_screen(
                TraceBus(),
                TraceOptions(server_port=1),
                lambda: stopped.append(True),
                input=keys,
                output=terminal.output,
            )
    assert stopped == [True], "the server is stopped however the screen ends"
    written = bytes(terminal.written)
    entered = written.rfind(b"\x1b[?1049h")
    assert entered != -1, "the screen ran on the alternate screen"
    assert written.rfind(b"\x1b[?1049l") > entered, "…and left it"
    assert written.rfind(b"\x1b[?25h") > entered, "the cursor is visible again"


def test_stepping_through_parsed_fields_lights_up_their_bytes_in_the_raw_view() -> None:
    terminal = EmulatedTerminal(170, 40)

    def lit_text() -> str:
        """The characters drawn on the highlight background (wire.highlight: on yellow) in
        the views (the explanation under them lights its label the same way)."""
        views_end = next(
            (y for y, line in enumerate(terminal.lines) if "what this field means" in line),
            terminal.screen.lines,
        )
        return "".join(
            char.data
            for y in range(views_end)
            for x, char in sorted(terminal.screen.buffer[y].items())
            if char.bg == "brown"  # pyte's name for ANSI yellow
        )

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users", b"X-Lab: on\r\n")
            await s.until(lambda: users_row(terminal), "the row")
            assert lit_text() == ""
            s.press("\r")  # request line
            await s.until(lambda: lit_text() == "GET /users HTTP/1.1", "the request line lit")
            s.press("j")
            await s.until(lambda: lit_text() == "GET", "the method lit")
            s.press("j")
            await s.until(lambda: lit_text() == "/users", "the target lit")
            s.press("jj")  # version, then the first header
            await s.until(lambda: lit_text() == "Host: 127.0.0.1", "the Host line lit")
            s.press("jj")  # Connection, then X-Lab
            await s.until(lambda: lit_text() == "X-Lab: on", "the X-Lab line lit")

    run(scenario())


def test_the_detail_panes_keep_their_width_while_fields_are_walked() -> None:
    terminal = EmulatedTerminal(200, 50)

    def separators() -> list[int]:
        title = row_with(terminal, " parsed") or ""
        return [x for x, char in enumerate(title) if char == "│"]

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            extra = b"X-A-Rather-Long-Header-Name-For-The-Title: 1\r\n"
            await asyncio.to_thread(http_get, s.server.port, "/users", extra)
            await s.until(lambda: users_row(terminal), "the row")
            before = separators()
            assert len(before) == 3
            s.press("\rjjjjjj")  # into the detail, down to the long header
            await s.until(
                lambda: (
                    row_with(terminal, "X-A-Rather-Long-Header-Name-For-The-Title")
                    and s.controller.selected_field == "header:2"
                ),
                "the long header selected",
            )
            await s.until(
                lambda: "header 3 (X-A-Rather" in (row_with(terminal, " parsed") or ""), "title"
            )
            assert separators() == before, "the panes moved sideways"

    run(scenario())


def test_on_80_columns_the_footer_keeps_help_and_quit_and_a_rejected_request_says_why() -> None:
    terminal = EmulatedTerminal(80, 24)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await s.until(lambda: "quit" in terminal.lines[-1], "the footer")
            footer = terminal.lines[-1]
            assert "? help" in footer and footer.rstrip().endswith("q quit"), footer
            await asyncio.to_thread(send_raw, s.server.port, b"GET /users HTTP/1.1\r\n\r\n")
            await s.until(lambda: row_with(terminal, "GET /users HTTP/1.1"), "the rejected row")
            s.press("\r2")  # the detail, tab 2: parsed
            await s.until(lambda: row_with(terminal, "not parsed: 400"), "why it did not parse")
            assert row_with(terminal, "Host")

    run(scenario())


def test_a_pane_cut_at_the_bottom_says_how_many_lines_are_hidden() -> None:
    terminal = EmulatedTerminal(120, 30)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            extra = b"".join(b"X-Field-%d: %d\r\n" % (n, n) for n in range(40))
            await asyncio.to_thread(http_get, s.server.port, "/users", extra)
            await s.until(lambda: row_with(terminal, "more lines below"), "the cut marked")
            assert not row_with(terminal, "X-Field-39"), "the last field is below the cut"

    run(scenario())


def test_the_client_pane_gives_its_rows_to_the_detail_until_it_has_the_focus() -> None:
    terminal = EmulatedTerminal(80, 24)

    def client_rows() -> int:
        top = next(i for i, line in enumerate(terminal.lines) if "client →" in line)
        return len(terminal.lines) - 1 - top - 1  # below the title, above the footer

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await s.until(lambda: row_with(terminal, "client →"), "the client title")
            assert client_rows() <= 3
            s.press("c")
            await s.until(lambda: "leave" in terminal.lines[-1], "the client footer")
            await s.until(lambda: client_rows() >= 6, "a taller client pane")

    run(scenario())


def test_on_80_columns_each_focus_keeps_its_most_useful_keys() -> None:
    terminal = EmulatedTerminal(80, 24)

    def footer() -> str:
        return terminal.lines[-1]

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users")
            await s.until(lambda: users_row(terminal), "the row")
            for key in ("↑↓ move", "Enter detail", "r replay", "e edit", "/ filter", "s save"):
                assert key in footer(), (key, footer())
            assert footer().rstrip().endswith("? help  q quit"), footer()
            s.press("\r")
            await s.until(lambda: "field" in footer(), "the detail footer")
            for key in ("PgUp/Dn scroll", "←→ view", "Esc back", "r replay", "? help", "q quit"):
                assert key in footer(), (key, footer())
            s.press("c")
            await s.until(lambda: "send" in footer(), "the client footer")
            for key in (
                "Ctrl-S send",
                "Esc leave",
                "Tab complete",
                "Ctrl-T CRLF",
                "Ctrl-O CL auto/typed",
            ):
                assert key in footer(), (key, footer())

    run(scenario())


def test_exchanges_with_the_to_server_read_as_arrows_and_replay_goes_there() -> None:
    terminal = EmulatedTerminal(120, 40)
    other = HTTPServer(UsersApp(), "127.0.0.1", 0)  # not traced: the pane makes the records
    arrow_row = re.compile(r"→\d+\.1 +GET +/users +200 ")

    async def scenario() -> None:
        await asyncio.to_thread(other.start)
        try:
            async with screen_session(
                output=terminal.output, to_host="127.0.0.1", to_port=other.port
            ) as s:
                s.press("c")
                await s.until(lambda: s.controller.zone == "client", "the client pane")
                s.press("GET /users\x13")
                await s.until(
                    lambda: any(arrow_row.search(line) for line in terminal.lines), "the → row"
                )
                assert "#-" not in terminal.text
                s.press("\x1br")  # leave the pane, replay the selected exchange
                state = s.controller.state
                await s.until(lambda: len(state.visible) == 2, "the replayed exchange")
                assert state.visible[1].source == "client", "replayed to the --to server"
                assert state.visible[1].peer == f"127.0.0.1:{other.port}"
                s.press("?\x1b[F")  # the help, at its end: the legend
                await s.until(lambda: row_with(terminal, "→3.1"), "the legend in the help")
        finally:
            await asyncio.to_thread(other.stop)

    run(scenario())


def test_the_list_shrinks_to_what_it_holds_and_z_zooms_the_focused_view() -> None:
    terminal = EmulatedTerminal(100, 30)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            c = s.controller
            for target in ("/users", "/users/1"):
                await asyncio.to_thread(http_get, s.server.port, target)
            await s.until(lambda: len(c.state.visible) == 2, "two exchanges")
            await s.until(lambda: "exchanges 2" in terminal.lines[0], "the list title")
            # Two rows of list, then straight away the views' titles: the views get the rest.
            await s.until(lambda: "raw request" in terminal.lines[3], "the views under 2 rows")
            assert "/users/1" in terminal.lines[2]

            s.press("\r")
            await s.until(lambda: c.zone == "detail", "the detail")
            s.press("z")
            await s.until(
                lambda: terminal.lines[0].lstrip().startswith("raw request"), "the zoomed view"
            )
            assert not any("exchanges 2" in line for line in terminal.lines)
            assert "quit" in terminal.lines[-1], "the footer stays"
            s.press("z")
            await s.until(lambda: "exchanges 2" in terminal.lines[0], "back to all the views")

            s.press("\x1b")
            await s.until(lambda: c.zone == "list", "the list")
            s.press("z")
            await s.until(
                lambda: not any("raw request" in line for line in terminal.lines), "list zoomed"
            )
            assert "exchanges 2" in terminal.lines[0]

    run(scenario())
