"""The trace screen driven headless: real server and bus, keys through a pipe, DummyOutput."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from httplab.trace.lint import exchange_notes
from httplab.trace.transcript import read_transcript
from httplab.tui.keys import KEY_HELP
from tests.client.servers import RawServer, answer_each
from tests.tui.harness import http_get, screen_session, send_raw
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)
T = TypeVar("T")


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def test_exchanges_arrive_and_the_selection_follows_the_newest() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            for target in ("/users", "/users/1", "/nope"):
                await asyncio.to_thread(http_get, s.server.port, target)
            await s.until(lambda: len(s.controller.state.visible) == 3, "three exchanges")
            assert s.controller.state.current.target == "/nope"
            assert s.controller.state.follow

    run(scenario())


def test_moving_up_stops_following_and_G_resumes() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            for target in ("/a", "/b"):
                await asyncio.to_thread(http_get, s.server.port, target)
            state = s.controller.state
            await s.until(lambda: len(state.visible) == 2, "two exchanges")
            s.press("k")
            await s.until(lambda: state.current.target == "/a", "selection on /a")
            assert not state.follow
            await asyncio.to_thread(http_get, s.server.port, "/c")
            await s.until(lambda: len(state.visible) == 3, "a third exchange")
            assert state.current.target == "/a", "scrolled away: the selection stays"
            s.press("G")
            await s.until(lambda: state.current.target == "/c", "back on the newest")
            assert state.follow

    run(scenario())


def test_filter_prompt_narrows_the_list_and_escape_restores_it() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            for target in ("/users", "/missing", "/users?page=1"):
                await asyncio.to_thread(http_get, s.server.port, target)
            state = s.controller.state
            await s.until(lambda: len(state.visible) == 3, "three exchanges")
            assert [r.status // 100 for r in state.visible] == [2, 4, 2]
            s.press("/4xx")
            await s.until(lambda: len(state.visible) == 1, "only the 404 while typing")
            s.press("\x1b")
            await s.until(lambda: s.controller.prompt is None, "Esc to close the prompt")
            assert len(state.visible) == 3, "Esc brings all back"
            s.press("/GET /users\r")
            await s.until(lambda: s.controller.message.startswith("filter 'GET"), "the filter")
            assert s.controller.prompt is None
            assert [r.target for r in state.visible] == ["/users", "/users?page=1"]
            assert state.filter.text == "GET /users"

    run(scenario())


def test_detail_fields_walk_the_parsed_request_in_wire_order() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            await asyncio.to_thread(http_get, s.server.port, "/users", b"X-Lab: 1\r\n")
            c = s.controller
            await s.until(lambda: c.state.current is not None, "an exchange")
            assert c.selected_field is None, "no highlight while in the list"
            s.press("\r")
            await s.until(lambda: c.zone == "detail", "the detail zone")
            assert c.selected_field == "request-line"
            s.press("jjj")
            await s.until(lambda: c.selected_field == "version", "the version field")
            s.press("jj")
            await s.until(lambda: c.selected_field == "header:1", "the second header")
            s.press("\x1b")
            await s.until(lambda: c.zone == "list", "back in the list")

    run(scenario())


def test_replay_sends_the_same_bytes_again() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            raw = b"GET /users?x=1 HTTP/1.1\r\nHost: lab\r\nX-Odd:  spaced \r\n\r\n"
            await asyncio.to_thread(send_raw, s.server.port, raw)
            state = s.controller.state
            await s.until(lambda: len(state.visible) == 1, "the first exchange")
            s.press("r")
            await s.until(lambda: len(state.visible) == 2, "the replayed exchange")
            assert state.visible[1].raw_request == raw
            assert state.visible[1].connection_id != state.visible[0].connection_id
            await s.until(lambda: s.controller.client.result is not None, "the pane result")
            assert s.controller.client.result.response_bytes.startswith(b"HTTP/1.1 200")

    run(scenario())


def test_client_pane_sends_shorthand_and_the_exchange_shows_up() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            s.press("GET /users")
            s.press("\x13")  # Ctrl-S
            await s.until(lambda: len(c.state.visible) == 1, "the pane's exchange in the list")
            record = c.state.visible[0]
            assert record.method == "GET" and record.target == "/users"
            assert record.status == 200
            await s.until(lambda: c.client.result is not None, "the response in the pane")
            assert c.client.result.response_bytes.startswith(b"HTTP/1.1 200 OK\r\n")

    run(scenario())


def test_a_sent_request_clears_the_input_and_up_brings_it_back() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            buffer = s.screen.application.current_buffer

            def recalled() -> bool:
                if buffer.text == "":
                    s.press("\x1b[A")  # ↑ on the first line: history (loads in the background)
                return buffer.text == "GET /users"

            s.press("GET /users\x13")
            await s.until(lambda: len(c.state.visible) == 1, "the exchange")
            assert buffer.text == "", "the input is ready for the next request"
            await s.until(recalled, "the sent request back from the history")
            s.press("\x15")  # Ctrl-U empties the input…
            await s.until(lambda: buffer.text == "", "an empty input")
            await s.until(recalled, "…and the history still has it")

    run(scenario())


def test_ctrl_k_cuts_to_the_line_end_and_ctrl_o_pins_content_length() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            buffer = s.screen.application.current_buffer
            s.press("GET /users?page=2\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D")  # 7 × ←
            await s.until(lambda: buffer.cursor_position == len("GET /users"), "the cursor")
            s.press("\x0b")  # Ctrl-K: the usual kill-line, not a toggle
            await s.until(lambda: buffer.text == "GET /users", "the line cut at the cursor")
            assert not c.client.pin_length
            s.press("\x0f")  # Ctrl-O pins Content-Length
            await s.until(lambda: c.client.pin_length, "Content-Length pinned")
            assert buffer.text == "GET /users"

    run(scenario())


def test_a_request_line_the_pane_cannot_read_is_an_error_not_a_crash() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            buffer = s.screen.application.current_buffer
            s.press("GET http://[::1/x\x13")  # urlsplit: "Invalid IPv6 URL"
            await s.until(lambda: c.message_level == "error", "the error")
            assert "cannot read the request line" in c.message
            assert buffer.text == "GET http://[::1/x", "still there to fix"
            assert not s.task.done(), "the screen is still running"

    run(scenario())


def test_a_send_nothing_answered_puts_the_request_back() -> None:
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        refused_port = closed.getsockname()[1]

    async def scenario() -> None:
        async with screen_session(to_host="127.0.0.1", to_port=refused_port) as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            buffer = s.screen.application.current_buffer
            s.press("GET /users\x13")
            await s.until(lambda: c.message_level == "error", "the connection error")
            await s.until(lambda: buffer.text == "GET /users", "the request back to retry")

    run(scenario())


def test_client_pane_raw_lines_get_crlf_and_the_ending_empty_line() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            s.press("GET /users HTTP/1.1\rHost: typed\r")  # Enter adds a line
            s.press("\x1b\r")  # Alt-Enter sends
            await s.until(lambda: len(c.state.visible) == 1, "the exchange")
            assert c.state.visible[0].raw_request == b"GET /users HTTP/1.1\r\nHost: typed\r\n\r\n"

    run(scenario())


def test_enter_in_the_client_pane_does_not_copy_the_leading_spaces_to_the_next_line() -> None:
    """A body line that starts with a space (lesson 10's ` "age": 85}`) must not indent the
    lines typed after it: prompt_toolkit's own Enter copied the margin, so the last chunk's
    `0` went out as ` 0` and the server answered 400 (an invalid chunk-size line)."""

    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            s.press("POST /users HTTP/1.1\rHost: lab\rTransfer-Encoding: chunked\r\r")
            s.press("2\r  \r0\r\r")  # a chunk of two spaces, then the last chunk
            s.press("\x13")
            await s.until(lambda: len(c.state.visible) == 1, "the exchange")
            record = c.state.visible[0]
            assert record.raw_request.endswith(b"\r\n\r\n2\r\n  \r\n0\r\n\r\n")

    run(scenario())


def test_a_chunked_body_sent_at_its_last_chunk_gets_the_empty_line_the_repl_adds() -> None:
    """Ctrl-S right after `0`: the pane adds the empty line that ends the trailer section, as
    the repl does, and says so; it sent `0` alone and the server waited for the rest."""

    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            s.press("c")
            await s.until(lambda: c.zone == "client", "the client pane")
            s.press("POST /users HTTP/1.1\rHost: lab\rTransfer-Encoding: chunked\r")
            s.press("Content-Type: application/x-www-form-urlencoded\r\rf\rname=Ada&age=36\r0")
            s.press("\x13")
            await s.until(lambda: len(c.state.visible) == 1, "the exchange")
            record = c.state.visible[0]
            assert record.raw_request.endswith(b"\r\n\r\nf\r\nname=Ada&age=36\r\n0\r\n\r\n")
            assert record.response is not None and record.response.status == 201
            assert c.client.result is not None
            assert any("after the last chunk" in n for n in c.client.result.notes)

    run(scenario())


def test_edit_and_resend_recomputes_content_length() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            c = s.controller
            body = b'{"name": "Ann", "age": 30}'
            raw = (
                b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await asyncio.to_thread(send_raw, s.server.port, raw)
            await s.until(lambda: len(c.state.visible) == 1, "the POST")
            s.press("e")
            await s.until(lambda: c.zone == "client", "the request in the pane")
            s.press("\x1b[F")  # End: after the body's last character (the buffer ends there)
            s.press("XYZ")
            s.press("\x13")
            await s.until(lambda: len(c.state.visible) == 2, "the edited request")
            sent = c.state.visible[1].raw_request
            assert sent.endswith(body + b"XYZ")
            assert f"Content-Length: {len(body) + 3}\r\n".encode() in sent
            # The record reaches the list through the server's bus, possibly before the pane
            # has its answer and says what it did to the length.
            await s.until(lambda: "recomputed" in c.message, "the Content-Length message")
            assert c.message_level == "warning"

    run(scenario())


def test_save_asks_before_replacing_an_existing_file(tmp_path: Path) -> None:
    """s with the name of a file that exists: the first Enter keeps it and says so, the
    second replaces it; Esc after the first keeps it."""
    target = tmp_path / "mine.transcript"
    target.write_text("my notes\n", encoding="utf-8")

    async def scenario() -> None:
        async with screen_session(save_dir=tmp_path) as s:
            c = s.controller
            await asyncio.to_thread(http_get, s.server.port, "/users")
            await s.until(lambda: len(c.state.visible) == 1, "an exchange")
            s.press("s")
            await s.until(lambda: c.prompt == "save", "the save prompt")
            s.press("\x15" + str(target) + "\r")
            await s.until(lambda: "exists: Enter again replaces it" in c.message, "the question")
            assert c.prompt == "save" and target.read_text(encoding="utf-8") == "my notes\n"
            s.press("\x1b")  # Esc: kept
            await s.until(lambda: c.prompt is None, "the prompt closed")
            assert target.read_text(encoding="utf-8") == "my notes\n"
            s.press("s")
            await s.until(lambda: c.prompt == "save", "the save prompt again")
            s.press("\x15" + str(target) + "\r")
            await s.until(lambda: "exists" in c.message and c.prompt == "save", "asked again")
            s.press("\r")  # Enter again: replaced
            await s.until(lambda: c.message.startswith("saved 1 exchange"), "saved")
            assert read_transcript(target).exchanges()

    run(scenario())


def test_a_terminal_too_small_for_the_view_says_the_size_it_needs() -> None:
    """prompt_toolkit's own "Window too small..." said no size; the view says both."""
    terminal = EmulatedTerminal(30, 8)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await s.until(lambda: "needs at least" in terminal.text, "the size it needs")
            assert "The terminal is 30×8." in terminal.text
            assert "Window too small" not in terminal.text
            s.press("q")
            await s.until(lambda: s.task.done(), "q quits")

    run(scenario())


def test_save_writes_a_transcript_of_the_marked_exchanges(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with screen_session(save_dir=tmp_path) as s:
            for target in ("/users", "/users/1", "/nope"):
                await asyncio.to_thread(http_get, s.server.port, target)
            state = s.controller.state
            await s.until(lambda: len(state.visible) == 3, "three exchanges")
            s.press(" kk ")  # mark the newest and the oldest
            await s.until(lambda: len(state.marked) == 2, "two marks")
            target = tmp_path / "two.http"
            s.press("s")
            await s.until(lambda: s.controller.prompt == "save", "the save prompt")
            s.press("\x15" + str(target) + "\r")  # Ctrl-U clears the suggested path
            await s.until(lambda: target.exists(), "the transcript file")
            exchanges = read_transcript(target).exchanges()
            assert [e.request.split(b" ")[1] for e in exchanges] == [b"/users", b"/nope"]

    run(scenario())


def test_curl_overlay_and_writing_it_to_a_file(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with screen_session(save_dir=tmp_path) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users?name=a%20b")
            c = s.controller
            await s.until(lambda: c.state.current is not None, "an exchange")
            s.press("y")
            await s.until(lambda: c.overlay == "curl", "the curl overlay")
            assert c.curl_text is not None
            assert f"'http://127.0.0.1:{s.server.port}/users?name=a%20b'" in c.curl_text
            s.press("w")
            await s.until(lambda: c.prompt == "curl-file", "the file prompt")
            s.press("\r")
            script = tmp_path / "request.sh"
            await s.until(script.exists, "the script")
            assert c.curl_text in script.read_text()

    run(scenario())


def test_clear_hexdump_help_and_quit_status() -> None:
    async def scenario() -> int:
        async with screen_session() as s:
            await asyncio.to_thread(http_get, s.server.port, "/users")
            c = s.controller
            await s.until(lambda: c.state.current is not None, "an exchange")
            s.press("h")
            await s.until(lambda: c.hexdump, "hexdump on")
            s.press("?")
            await s.until(lambda: c.overlay == "help", "the help overlay")
            s.press("q")  # q closes the overlay first, it does not quit
            await s.until(lambda: c.overlay is None, "the overlay closed")
            assert not s.task.done()
            s.press("x")
            await s.until(lambda: "x again clears" in c.message, "x asks once")
            assert c.state.visible
            s.press("j")  # any other key keeps them
            s.press("x")
            await s.until(lambda: "x again clears" in c.message and c.clear_asked, "asked again")
            s.press("x")
            await s.until(lambda: not c.state.visible, "an empty list")
            s.press("q")
            return await s.task

    assert run(scenario()) == 0


def test_ctrl_c_quits_with_status_0_even_from_the_client_pane() -> None:
    async def scenario() -> int:
        async with screen_session() as s:
            s.press("c")
            await s.until(lambda: s.controller.zone == "client", "the client pane")
            s.press("GET /")
            s.press("\x03")
            return await s.task

    assert run(scenario()) == 0


def test_the_bindings_are_the_keymap_and_the_help_names_every_bound_key() -> None:
    """One table: every (key, context, action) row is bound, nothing else is, and the help
    text of each row names each of its keys."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from httplab.tui.app import TraceApp
    from httplab.tui.controller import TraceOptions
    from httplab.tui.keys import bindings, display_key

    with create_pipe_input() as keys:
        app = TraceApp(TraceOptions(), input=keys, output=DummyOutput())
    bound = [
        tuple(k.value if hasattr(k, "value") else k for k in binding.keys)
        for binding in app.application.key_bindings.bindings  # type: ignore[union-attr]
    ]
    aliases = {"enter": "c-m", "tab": "c-i", "sigint": "<sigint>"}
    table = [
        tuple(aliases.get(key, key) for key in sequence)
        for sequence, context, _ in bindings()
        if context not in ("lesson", "lesson-pane")
    ]
    assert sorted(bound) == sorted(table)
    for entry in KEY_HELP:
        if not entry.binds:
            assert entry.name in ("newline", "complete", "history", "editing"), entry.name
        for bind in entry.binds:
            for key in bind.keys:
                word = display_key(key)
                if key.isdigit():
                    word = "1-4"
                assert word in entry.keys, f"{key!r} bound but {entry.keys!r} does not say it"


def test_pane_to_a_foreign_server_keeps_the_bytes_after_a_204() -> None:
    response = b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"

    async def scenario() -> None:
        with RawServer(answer_each(response)) as raw:
            async with screen_session(to_host="127.0.0.1", to_port=raw.port) as s:
                c = s.controller
                s.press("c")
                await s.until(lambda: c.zone == "client", "the client pane")
                s.press("GET /204")
                s.press("\x13")  # Ctrl-S
                await s.until(lambda: len(c.state.visible) == 1, "the pane's exchange")
                record = c.state.visible[0]
                assert record.raw_response == response
                codes = {note.code for note in exchange_notes(record)}
                assert {"body-not-allowed", "bytes-after-response"} <= codes
                await s.until(lambda: c.client.result is not None, "the pane result")
                assert any("bytes after the response" in n for n in c.client.result.notes)

    run(scenario())


def test_a_suggested_file_name_never_replaces_an_earlier_save(tmp_path: Path) -> None:
    """`s` suggested trace-1-exchange.transcript (and `w` request.sh) even when that file was
    there from an earlier save: Enter replaced it, and the class's first recording was lost."""
    earlier = tmp_path / "trace-1-exchange.transcript"
    earlier.write_text("the first class\n", encoding="utf-8")
    (tmp_path / "request.sh").write_text("#!/bin/sh\necho mine\n", encoding="utf-8")

    async def scenario() -> None:
        async with screen_session(save_dir=tmp_path) as s:
            await asyncio.to_thread(http_get, s.server.port, "/users")
            c = s.controller
            await s.until(lambda: len(c.state.visible) == 1, "an exchange")
            s.press("s")
            await s.until(lambda: c.prompt == "save", "the save prompt")
            s.press("\r")
            second = tmp_path / "trace-1-exchange-2.transcript"
            await s.until(second.exists, "the new transcript")
            s.press("y")
            await s.until(lambda: c.overlay == "curl", "the curl overlay")
            s.press("w")
            await s.until(lambda: c.prompt == "curl-file", "the file prompt")
            s.press("\r")
            await s.until((tmp_path / "request-2.sh").exists, "the new script")

    run(scenario())
    assert earlier.read_text(encoding="utf-8") == "the first class\n"
    assert (tmp_path / "request.sh").read_text(encoding="utf-8") == "#!/bin/sh\necho mine\n"


def test_a_filter_that_hides_every_exchange_says_so_not_waiting_for_requests() -> None:
    """With a filter no exchange matched, the raw pane said "waiting for requests on … try:
    curl …" though 13 were there (found by a new-user check): it names the filter instead."""
    from httplab.render import THEMES
    from httplab.tui.rich_bridge import make_console
    from httplab.tui.views import PaneViews

    async def scenario() -> None:
        async with screen_session() as s:
            for target in ("/users", "/missing"):
                await asyncio.to_thread(http_get, s.server.port, target)
            state = s.controller.state
            await s.until(lambda: len(state.visible) == 2, "two exchanges")
            s.press("/nowhere\r")
            await s.until(lambda: s.controller.message.startswith("filter 'now"), "the filter")
            assert state.visible == []
            views = PaneViews(s.controller, make_console(THEMES["default"]))
            text = str(views.raw().build())
            assert "waiting for requests" not in text
            assert (
                text.startswith("no exchange matches the filter 'nowhere") and "(2 in all)" in text
            )
            s.press("/" + "\x7f" * len("nowhere") + "\r")  # the prompt opens with the filter
            await s.until(lambda: len(state.visible) == 2, "an empty filter shows all")

    run(scenario())
