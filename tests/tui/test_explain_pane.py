"""Issue 11.1 in the trace view: the selected field is explained under the views, beside its
bytes lit in the raw view, in the language of --lang (the lesson view's own language there).

Drawn through a VT100 output into pyte at 80×24 (the tab layout) and 120×35 (two by two), so
the assertions read the real grid, colours included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from httplab.tui.controller import Extension, TraceController, TraceOptions
from tests.tui.harness import Session, screen_session, send_raw
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)
T = TypeVar("T")

POST = (
    b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b'Content-Length: 26\r\nConnection: close\r\n\r\n{"name": "Ada", "age": 36}'
)
CHUNKED = (
    b"POST /users HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    b'5\r\n{"nam\r\n15\r\ne": "Ada", "age": 36}\r\n0\r\n\r\n'
)


def run(scenario: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(scenario)


def row_with(terminal: EmulatedTerminal, text: str) -> int | None:
    return next((y for y, line in enumerate(terminal.lines) if text in line), None)


def lit(terminal: EmulatedTerminal, y: int, text: str) -> bool:
    """Is `text` on row `y` drawn in the highlight (black on yellow)?"""
    x = terminal.lines[y].index(text)
    cells = terminal.screen.buffer[y]
    return all(cells[x + i].bg in ("yellow", "brown") for i in range(len(text)))


async def select(s: Session, key: str) -> None:
    """From the list into the detail views, then down to field `key`."""
    c = s.controller
    await s.until(lambda: c.state.current is not None, "an exchange")
    s.press("\r")
    await s.until(lambda: c.zone == "detail", "the detail views")
    for _ in range(40):
        if c.selected_field == key:
            return
        index = c.field_index
        s.press("j")
        await s.until(lambda i=index: c.field_index == i + 1, "the next field")
    raise AssertionError(f"no field {key}: {c.field_keys}")


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
def test_the_selected_field_is_explained_beside_its_lit_bytes(size: tuple[int, int]) -> None:
    terminal = EmulatedTerminal(*size)

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(send_raw, s.server.port, POST)
            assert s.controller.selected_field is None  # in the list: nothing explained
            await select(s, "header:2")
            explained = "Content-Length: 26 — The body is exactly"
            await s.until(lambda: row_with(terminal, explained) is not None, "the explanation")
            screen = terminal.text
            assert "what this field means (↑↓ another field)" in screen
            assert "this server: took the next 26 bytes as the body: read 26" in screen
            assert "RFC 9112 §6.2" in screen
            # the same words lit in the raw view and in the explanation: they belong together
            raw = row_with(terminal, "Content-Length: 26\\r\\n")
            label = row_with(terminal, explained)
            assert raw is not None and label is not None and raw < label
            assert lit(terminal, raw, "Content-Length: 26")
            assert lit(terminal, label, "Content-Length: 26")
            assert not lit(terminal, label, "The body")

            s.press("j")  # the next field: Connection
            await s.until(
                lambda: (
                    row_with(terminal, "this server: closed the connection after the response")
                    is not None
                ),
                "Connection explained",
            )
            s.press("\x1b")  # back to the list: no field, no explanation
            await s.until(lambda: row_with(terminal, "what this field means") is None, "gone")

    run(scenario())


def test_in_russian_with_lang_ru_and_chunks_are_fields_of_their_own() -> None:
    terminal = EmulatedTerminal(120, 35)

    async def scenario() -> None:
        async with screen_session(output=terminal.output, lang="ru") as s:
            await asyncio.to_thread(send_raw, s.server.port, CHUNKED)
            await select(s, "chunk:1")
            await s.until(
                lambda: row_with(terminal, "chunk 2: 15 — Один кусок chunked-тела") is not None,
                "the second chunk explained in Russian",
            )
            assert row_with(terminal, "что значит это поле") is not None
            assert row_with(terminal, "raw request · chunk 2") is not None  # the view's title
            assert row_with(terminal, "этот сервер: прочитал размер 15 (hex) = 21 байт") is not None
            size_line = row_with(terminal, "15\\r\\n")
            assert size_line is not None and lit(terminal, size_line, "15\\r\\n")
            s.press("j")
            await s.until(
                lambda: row_with(terminal, "закончил тело здесь: всего 26 байт") is not None,
                "the last chunk",
            )

    run(scenario())


def test_an_unknown_field_says_it_is_not_interpreted_and_zoom_keeps_the_explanation() -> None:
    terminal = EmulatedTerminal(80, 24)
    request = b"GET /users HTTP/1.1\r\nHost: lab\r\nX-Class: 7b\r\nConnection: close\r\n\r\n"

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            await asyncio.to_thread(send_raw, s.server.port, request)
            await select(s, "header:1")
            await s.until(
                lambda: (
                    row_with(terminal, "X-Class: 7b — an extension or private field") is not None
                ),
                "the unknown field explained",
            )
            assert row_with(terminal, "not interpreted by this server") is not None
            s.press("z")  # a projector: the raw view gets the screen, the explanation stays
            await s.until(lambda: s.controller.zoomed, "zoomed")
            await s.until(
                lambda: row_with(terminal, "exchanges 1") is None, "the list out of the picture"
            )
            assert row_with(terminal, "X-Class: 7b — an extension") is not None

    run(scenario())


def test_the_lesson_view_explains_in_its_own_language() -> None:
    language = ["en"]
    controller = TraceController(
        TraceOptions(lang="en"), extension=Extension(lang=lambda: language[0])
    )
    assert controller.lang == "en"
    language[0] = "ru"  # l in the lesson pane
    assert controller.lang == "ru"
    assert TraceController(TraceOptions(lang="ru")).lang == "ru"
