"""Pause and step in the trace view (issue 11.2), headless on a pyte screen: a real server that
holds requests, keys through a pipe input, a client on a real socket in another thread.

Every wait is for a condition (the held row, the answer, the record), never a fixed time."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from httplab.trace.intercept import Decision, DecisionKind, Intercept
from httplab.tui.layout import set_text
from tests.tui.harness import Session, screen_session
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)
T = TypeVar("T")
CTRL_S = "\x13"
CTRL_R = "\x12"
ESC = "\x1b"
HELD_ROW = re.compile(r"‖.*GET +/users.* HELD +\d+ s left")


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def ask(port: int, request: bytes) -> bytes:
    """A client in another thread, as curl would be: it waits as long as it is held."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


GET_USERS = b"GET /users HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n"


def start_client(s: Session, request: bytes = GET_USERS) -> asyncio.Task[bytes]:
    return asyncio.create_task(asyncio.to_thread(ask, s.server.port, request))


async def held(s: Session, count: int = 1) -> None:
    await s.until(lambda: len(s.controller.state.held) == count, f"{count} held row(s)")


def row(terminal: EmulatedTerminal, pattern: re.Pattern[str]) -> str | None:
    return next((line for line in terminal.lines if pattern.search(line)), None)


def test_a_held_request_is_marked_and_a_releases_it() -> None:
    terminal = EmulatedTerminal(80, 24)

    async def scenario() -> None:
        intercept = Intercept(active=True)
        async with screen_session(output=terminal.output, intercept=intercept) as s:
            client = start_client(s)
            await held(s)
            await s.until(lambda: row(terminal, HELD_ROW), "the held row on screen")
            assert "‖ 1 held" in terminal.lines[0]
            footer = terminal.lines[-1]
            assert "‖ 1 held" in footer and "a release" in footer and "A all" in footer
            assert not client.done()
            # the class reads the request in the detail views while it is held
            assert any("GET /users HTTP/1.1" in line for line in terminal.lines)
            s.press("a")
            answer = await asyncio.wait_for(client, 30)
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
            await s.until(lambda: not s.controller.state.held, "the held row gone")
            await s.until(lambda: s.controller.state.records, "the answered record")
            record = s.controller.state.records[-1]
            assert record.status == 200
            assert any("released by the teacher" in n.message for n in record.notes)
            await s.until(lambda: not row(terminal, HELD_ROW), "the held row off the screen")
            assert "hold on" in terminal.lines[0]

    run(scenario())


def test_edit_sends_the_edited_response_with_a_recomputed_length() -> None:
    terminal = EmulatedTerminal(120, 35)

    async def scenario() -> None:
        intercept = Intercept(active=True)
        async with screen_session(output=terminal.output, intercept=intercept) as s:
            client = start_client(s)
            await held(s)
            s.press("E")
            editor = s.screen.app.widgets.response_editor
            await s.until(lambda: s.controller.hold.editing is not None, "the editor")
            await s.until(lambda: row(terminal, re.compile(r"Ctrl-S send checked")), "its keys")
            assert editor.text.startswith("HTTP/1.1 200 OK\n")
            assert s.screen.app.layout.has_focus(editor)
            # a refused edit says why and keeps the request held
            set_text(editor, "HTTP/1.1 204 No Content\n\nno body allowed")
            s.press(CTRL_S)
            await s.until(lambda: "not sent" in s.controller.message, "the refusal")
            assert "204" in s.controller.message and len(intercept) == 1
            set_text(editor, "HTTP/1.1 418 I'm a teapot\nContent-Length: 1\n\nshort and stout")
            s.press(CTRL_S)
            answer = await asyncio.wait_for(client, 30)
            assert answer == (
                b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 15\r\n\r\nshort and stout"
            )
            assert "Content-Length 1 → 15 recomputed" in s.controller.message
            await s.until(lambda: s.controller.state.records, "the record")
            assert s.controller.state.records[-1].status == 418
            assert s.controller.hold.editing is None
            assert not s.screen.app.layout.has_focus(editor)

    run(scenario())


def test_raw_sends_the_bytes_as_typed() -> None:
    async def scenario() -> None:
        intercept = Intercept(active=True)
        async with screen_session(intercept=intercept) as s:
            client = start_client(s)
            await held(s)
            s.press("E")
            await s.until(lambda: s.controller.hold.editing is not None, "the editor")
            editor = s.screen.app.widgets.response_editor
            set_text(editor, "HTTP/1.1 200 OK\nContent-Length: 99\n\nnot 99 bytes")
            s.press(CTRL_R)
            answer = await asyncio.wait_for(client, 30)
            assert answer == b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nnot 99 bytes"

    run(scenario())


def test_escape_keeps_it_held_and_hold_off_releases_all() -> None:
    async def scenario() -> None:
        intercept = Intercept(active=True)
        async with screen_session(intercept=intercept) as s:
            first, second = start_client(s), start_client(s)
            await held(s, 2)
            s.press("E")
            await s.until(lambda: s.controller.hold.editing is not None, "the editor")
            s.press(ESC)
            await s.until(lambda: s.controller.hold.editing is None, "the editor closed")
            assert "still held" in s.controller.message and len(intercept) == 2
            s.press("H")
            answers = await asyncio.wait_for(asyncio.gather(first, second), 30)
            assert all(a.startswith(b"HTTP/1.1 200 OK") for a in answers)
            assert "hold off: 2 held requests released" in s.controller.message
            assert not intercept.active
            s.press("H")
            await s.until(lambda: intercept.active, "hold on again")

    run(scenario())


def test_release_all_key() -> None:
    async def scenario() -> None:
        intercept = Intercept(active=True)
        async with screen_session(intercept=intercept) as s:
            clients = [start_client(s) for _ in range(3)]
            await held(s, 3)
            s.press("A")
            answers = await asyncio.wait_for(asyncio.gather(*clients), 30)
            assert len(answers) == 3 and intercept.active  # still holding the next ones
            assert "released 3 held requests" in s.controller.message

    run(scenario())


def test_a_hold_times_out_on_its_own() -> None:
    async def scenario() -> None:
        intercept = Intercept(active=True, timeout=0.3)
        async with screen_session(intercept=intercept) as s:
            client = start_client(s)
            answer = await asyncio.wait_for(client, 30)  # nobody released it: the clock did
            assert answer.startswith(b"HTTP/1.1 200 OK")
            await s.until(lambda: s.controller.state.records, "the record")
            notes = s.controller.state.records[-1].notes
            assert any("timed out" in n.message for n in notes)
            await s.until(lambda: not s.controller.state.held, "no held row")

    run(scenario())


def test_a_release_while_editing_closes_the_editor_and_says_the_edit_was_not_sent() -> None:
    async def scenario() -> None:
        intercept = Intercept(active=True)
        async with screen_session(intercept=intercept) as s:
            client = start_client(s)
            await held(s)
            s.press("E")
            await s.until(lambda: s.controller.hold.editing is not None, "the editor")
            (ticket,) = intercept.held()
            # what the hold's timer does when it fires (tested on its own above)
            intercept.release(ticket.key, Decision(DecisionKind.TIMEOUT))
            answer = await asyncio.wait_for(client, 30)
            assert answer.startswith(b"HTTP/1.1 200 OK")
            await s.until(lambda: s.controller.hold.editing is None, "the editor closed")
            assert "the edit was not sent" in s.controller.message
            editor = s.screen.app.widgets.response_editor
            assert not s.screen.app.layout.has_focus(editor)

    run(scenario())


def test_hold_keys_say_what_to_do_when_nothing_is_held() -> None:
    async def scenario() -> None:
        async with screen_session(intercept=Intercept()) as s:
            s.press("a")
            await s.until(lambda: "nothing is held" in s.controller.message, "the hint")
            assert "H turns holding on" in s.controller.message

    run(scenario())
