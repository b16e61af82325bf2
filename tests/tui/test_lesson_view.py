"""The lesson view headless: exchanges from real sockets are judged against the current step,
and the lesson keys (hint, next/previous step, answer, language) drive the session."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from httplab.lessons import ServerOptions, StepState
from httplab.render import THEME
from httplab.tui.keys import key_named
from httplab.tui.lesson_pane import LessonPane
from httplab.tui.styles import with_help_styles
from tests.tui.harness import http_get, send_raw
from tests.tui.lesson_harness import lesson_run
from tests.tui.terminal import EmulatedTerminal

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def text_console(width: int) -> Console:
    theme = with_help_styles(THEME, "default")
    return Console(file=io.StringIO(), width=width, theme=theme, color_system=None)


def pane_text(pane: LessonPane, width: int = 80) -> str:
    console = text_console(width)
    with console.capture() as capture:
        console.print(pane.renderable())
    return capture.get()


def test_a_request_from_another_socket_passes_the_step() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            assert r.controller.zone == "lesson", "the lesson view starts on the lesson pane"
            assert "waiting" in pane_text(r.pane)
            assert "Task" in pane_text(r.pane)
            await asyncio.to_thread(http_get, r.port, "/users")
            await r.until(lambda: r.session.status().state is StepState.PASSED, "a pass")
            text = pane_text(r.pane)
            assert "✓ passed" in text and "RFC 9112 §2.1" in text, "what to notice"
            assert "✓ passed" in r.controller.message
            assert "step 1/3 · ✓ ○ ○" in r.pane.title()

    run(scenario())


def test_a_typical_mistake_shows_its_hint() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            await asyncio.to_thread(http_get, r.port, "/user")
            await r.until(lambda: r.session.status().state is StepState.MISTAKE, "a mistake")
            text = pane_text(r.pane)
            assert "✗ not yet" in text and "404 Not Found: nothing lives at that path" in text

    run(scenario())


def test_hints_come_one_key_at_a_time_then_say_there_are_no_more() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            hints = r.session.current.hints
            for shown in range(1, len(hints) + 1):
                r.press("i")
                await r.until(lambda s=shown: r.session.status().hints_shown == s, "a hint")
            text = " ".join(pane_text(r.pane, 200).split())
            assert "Hint (nudge)" in text and "Hint (near-answer)" in text
            assert hints[-1].en in text
            r.press("i")
            await r.until(lambda: "no more hints" in r.controller.message, "no more hints")

    run(scenario())


def test_step_keys_move_and_the_progress_file_follows(tmp_path: Path) -> None:
    progress = tmp_path / "progress.json"

    async def scenario() -> None:
        async with lesson_run(progress=progress) as r:
            r.press("n")
            await r.until(lambda: r.session.index == 1, "step 2")
            assert "Write the request yourself" in pane_text(r.pane)
            r.press("p")
            await r.until(lambda: r.session.index == 0, "step 1 again")
            r.press("p")  # already at the first step: stays
            r.press("n")
            await r.until(lambda: r.session.index == 1, "step 2 again")

    run(scenario())
    saved = json.loads(progress.read_text())
    assert saved["lessons"]["1"]["current"] == "by-hand"


def test_a_prediction_is_asked_answered_and_explained() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            r.press("a")  # step 1 asks nothing
            await r.until(lambda: "asks no question" in r.controller.message, "no question")
            r.press("nn")
            await r.until(lambda: r.session.index == 2, "step 3")
            assert "(a: answer)" in pane_text(r.pane)
            r.press("a")
            await r.until(lambda: r.controller.prompt == "predict", "the answer prompt")
            r.press("405\r")
            await r.until(lambda: r.session.status().predicted, "the answer")
            assert "the answer is 404" in r.controller.message
            assert "✗ the answer is 404" in pane_text(r.pane)

    run(scenario())


def test_the_language_key_switches_the_pane_to_russian() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            r.press("l")
            await r.until(lambda: r.session.lang == "ru", "Russian")
            text = pane_text(r.pane)
            assert "Задание" in text and "Запросите пользователей" in text
            assert r.pane.title().startswith("урок 1")

    run(scenario())


def test_after_the_language_key_the_footer_speaks_russian_too() -> None:
    """The footer (the screen's status line) and the lesson pane's edge line follow the
    lesson's language: `l` switches their words, the keys stay; `l` again brings English back."""
    terminal = EmulatedTerminal(120, 35)

    async def scenario() -> None:
        async with lesson_run(output=terminal.output) as r:
            await r.until(lambda: "q quit" in terminal.lines[-1], "the English footer")
            assert "i hint" in terminal.lines[-1] and "n next" in terminal.lines[-1]
            assert "more lines below" in terminal.text
            r.press("l")
            await r.until(lambda: "q выход" in terminal.lines[-1], "the Russian footer")
            footer = terminal.lines[-1]
            for words in ("c клиент", "i подсказка", "n дальше", "a ответить", "? справка"):
                assert words in footer, footer
            for english in ("hint", "next", "prev", "answer", "help", "quit"):
                assert english not in footer, footer
            # the lesson pane's own "more below" line too (its text is longer than the screen)
            await r.until(lambda: "… ниже ещё строк: " in terminal.text, "the pane's edge")
            assert "more lines below" not in terminal.text
            r.press("l")
            await r.until(lambda: "q quit" in terminal.lines[-1], "English again")

    run(scenario())


def test_the_footer_has_a_russian_word_for_every_key_the_lesson_view_shows() -> None:
    from httplab.tui.keys import FOOTER_ALWAYS, FOOTER_PRIORITY, FOOTER_RU, TRACE_ONLY_ZONES

    zones = ("lesson", "list", "detail", "client", "prompt", "curl")
    for zone in zones:
        for name in (*FOOTER_PRIORITY[zone], *FOOTER_ALWAYS[zone]):
            row = key_named(name)
            if row.context not in TRACE_ONLY_ZONES:
                assert name in FOOTER_RU, (zone, name)


def test_the_client_pane_passes_a_step_and_esc_comes_back_to_the_lesson() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            r.press("c")
            await r.until(lambda: r.controller.zone == "client", "the client pane")
            r.press("GET /users")
            r.press("\x13")  # Ctrl-S
            await r.until(lambda: r.session.status().state is StepState.PASSED, "a pass")
            await r.until(lambda: not r.controller.client.busy, "the answer")
            r.press("\x1b")
            await r.until(lambda: r.controller.zone == "lesson", "back on the lesson pane")

    run(scenario())


def test_the_help_lists_the_lesson_keys_first() -> None:
    from httplab.tui.help_view import HelpView

    console = text_console(100)
    with console.capture() as capture:
        console.print(HelpView(lesson=True))
    text = capture.get()
    assert text.index("Lesson") < text.index("Exchange list")
    assert "the next hint" in text and "next step" in text
    with console.capture() as capture:
        console.print(HelpView())
    assert "next step" not in capture.get(), "the trace view has no lesson keys"


def test_a_step_with_server_options_restarts_the_server() -> None:
    calls: list[ServerOptions] = []

    class FakeServer:
        def ensure(self, options: ServerOptions) -> bool:
            calls.append(options)
            return True

    async def scenario() -> None:
        async with lesson_run() as r:
            r.pane.setup = type(r.pane.setup)(r.session, r.pane.setup.url, FakeServer(), False, ())
            r.press("n")
            await r.until(lambda: calls, "the server asked to run the step's options")
            await r.until(lambda: "restarts" in r.controller.message, "the restart message")

    run(scenario())


def test_a_server_that_cannot_listen_again_is_a_message_in_the_pane() -> None:
    """Moving to a step restarts the lesson's server; when its port was taken meanwhile, the
    pane says so and what to do, and the screen goes on (no traceback, no internal error)."""
    import socket

    from httplab.lessons.server import LessonServer
    from httplab.trace.bus import TraceBus

    async def scenario() -> None:
        async with lesson_run() as r:
            with socket.create_server(("127.0.0.1", 0)) as taken:
                blocked = LessonServer("127.0.0.1", taken.getsockname()[1], TraceBus())
                r.pane.setup = type(r.pane.setup)(r.session, r.pane.setup.url, blocked, False, ())
                r.press("n")
                await r.until(lambda: "lesson server" in r.controller.message, "the message")
            message = r.controller.message
            assert r.controller.message_level == "error"
            assert message.startswith("the lesson server: cannot listen on 127.0.0.1:")
            assert "press p then n to try again" in message and "internal error" not in message
            assert r.session.index == 1 and not r.task.done()

    run(scenario())


def test_progress_that_cannot_be_written_is_a_message_in_the_pane(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")

    async def scenario() -> None:
        async with lesson_run(progress=not_a_folder / "progress.json") as r:
            r.press("n")
            await r.until(lambda: "not saved" in r.controller.message, "the step not saved")
            assert "cannot write progress to" in r.controller.message
            assert r.session.index == 1 and "step 2/3" in r.pane.title()
            await asyncio.to_thread(http_get, r.port, "/users")
            await r.until(lambda: len(r.controller.state.visible) == 1, "the exchange")
            assert not r.task.done()

    run(scenario())


def test_garbage_from_a_socket_is_judged_without_breaking_the_view() -> None:
    async def scenario() -> None:
        async with lesson_run() as r:
            await asyncio.to_thread(send_raw, r.port, b"\x16\x03\x01\x00\xff garbage\r\n\r\n")
            await r.until(lambda: len(r.controller.state.visible) == 1, "the exchange")
            await r.until(lambda: r.controller.message, "a verdict")
            assert not r.task.done()

    run(scenario())


def test_the_lesson_picture_exists() -> None:
    root = Path(__file__).resolve().parents[2]
    assert (root / "docs" / "lesson-view.svg").stat().st_size > 10_000
    assert "](docs/lesson-view.svg)" in (root / "README.md").read_text(encoding="utf-8")


def test_a_non_loopback_bind_is_warned_about_in_the_pane() -> None:
    from httplab.tui.lesson_command import _loopback

    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("192.168.1.5")

    async def scenario() -> None:
        async with lesson_run(class_mode=True) as r:
            r.pane.setup = type(r.pane.setup)(
                r.session, r.pane.setup.url, None, True, ("http://192.0.2.7:53210",), "0.0.0.0"
            )
            r.pane.revision += 1
            text = " ".join(pane_text(r.pane, 100).split())
            assert "⚠ listening on 0.0.0.0: anyone who can reach this machine" in text
            assert "students send to http://192.0.2.7:53210" in text

    run(scenario())


def test_the_server_restarts_for_a_step_and_the_client_pane_still_reaches_it() -> None:
    """Lesson 4 has a step served with --name example.local: moving there restarts the
    lesson's server on the same port; the pane's kept-alive connection is gone, the next
    request gets through anyway and is judged."""

    async def scenario() -> None:
        async with lesson_run(4) as r:
            c = r.controller
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("GET /users")
            r.press("\x13")
            await r.until(lambda: len(c.state.visible) == 1, "the first exchange")
            await r.until(lambda: not c.client.busy, "its answer")
            r.press("\x1b")
            await r.until(lambda: c.zone == "lesson", "the lesson pane")
            steps = r.session.lesson.steps
            target = next(i for i, s in enumerate(steps) if s.server.name)
            port = r.port
            r.press("n" * target)
            await r.until(lambda: r.session.index == target, "the step with its own server")
            await r.until(lambda: "restarts" in c.message, "the restart")
            await r.until(lambda: r.server.options is not None and r.server.options.name, "name")
            assert r.server.port == port, "the same port"
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane again")
            r.press("GET /users")
            r.press("\x13")
            await r.until(lambda: len(c.state.visible) == 2, "an exchange with the new server")
            await r.until(lambda: not c.client.busy, "its answer")
            assert c.client.result is not None and not c.client.result.error

    run(scenario())


def test_code_spans_in_lesson_sentences_lose_their_backticks_and_get_the_code_style() -> None:
    from httplab.tui.lesson_pane import inline

    text = inline("Send `GET /users` now")
    assert text.plain == "Send GET /users now"
    assert any(span.style == "lesson.code" for span in text.spans)
    assert inline("an odd ` backtick").plain == "an odd ` backtick"


def test_lesson_9_body_without_content_length_is_made_in_the_pane_then_fixed() -> None:
    """Issue 11.4: the unframed-body mistake of lesson 9 is reachable in the client pane —
    Ctrl-O sends as typed (the step's screen note under the task says so) — and auto mode then
    frames the same text."""
    head = "POST /users HTTP/1.1\rHost: lab\rContent-Type: application/x-www-form-urlencoded\r\r"

    async def scenario() -> None:
        async with lesson_run(9) as r:
            c = r.controller
            screen = r.session.current.screen
            assert screen is not None and "Ctrl-O" in screen.get("en")
            assert "Ctrl-O" in pane_text(r.pane, 200), "the pane shows its keys under the task"
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("\x0f")  # Ctrl-O: Content-Length as typed
            await r.until(lambda: c.client.pin_length, "as typed")
            assert "a body typed without one goes unframed" in c.message
            r.press(head + "name=Petya&age=7")
            r.press("\x13")  # Ctrl-S
            await r.until(lambda: r.session.status().state is StepState.MISTAKE, "the mistake")
            status = r.session.status()
            assert status.last_mistake is not None
            assert "read no body at all" in status.last_mistake.hint.get("en")
            await r.until(lambda: c.client.result is not None and not c.client.busy, "answer")
            result = c.client.result
            assert result is not None
            assert result.response_bytes.startswith(b"HTTP/1.1 400 ")
            assert any("arrive as the start of another request" in n for n in result.notes)

            r.press("\x0f")  # auto again: the pane adds Content-Length: 16 and says so
            await r.until(lambda: not c.client.pin_length, "auto")
            r.press(head + "name=Petya&age=7")
            r.press("\x13")
            await r.until(lambda: r.session.status().state is StepState.PASSED, "a pass")
            await r.until(lambda: not c.client.busy and c.client.result is not result, "answer")
            assert c.client.result is not None
            assert any("added Content-Length: 16" in n for n in c.client.result.notes)

    run(scenario())


def test_lesson_12_bare_lf_step_is_done_in_the_pane_with_the_key_its_screen_note_names() -> None:
    """The step's task says `:crlf` (--plain); its screen note names the pane's Ctrl-T, and
    that key really sends the chunked request with bare LFs, so the step passes."""
    chunked = (
        "POST /users HTTP/1.1\rHost: lab\rContent-Type: application/x-www-form-urlencoded\r"
        "Transfer-Encoding: chunked\r\rf\rname=Ada&age=36\r0\r\r"
    )

    async def scenario() -> None:
        async with lesson_run(12) as r:
            c = r.controller
            steps = [step.id for step in r.session.lesson.steps]
            r.session.go(steps.index("bare-lf-in-chunks"))
            r.session.answer("no")
            screen = r.session.current.screen
            assert screen is not None and "Ctrl-T" in screen.get("en")
            assert "Ctrl-T" in screen.get("ru") and "`:crlf`" in screen.get("ru")
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("\x14")  # Ctrl-T: CRLF off
            await r.until(lambda: not c.client.crlf, "bare LF")
            r.press(chunked)
            r.press("\x13")  # Ctrl-S
            await r.until(lambda: r.session.status().state is StepState.PASSED, "a pass")

    run(scenario())


def _screen_says(step: Any, *words: str) -> None:
    """The step has a full-screen note naming `words` in both languages."""
    assert step.screen is not None, step.id
    for word in words:
        assert word in step.screen.get("en") and word in step.screen.get("ru"), (step.id, word)


def test_lesson_10_chunked_steps_are_done_in_the_pane_as_their_screen_notes_say() -> None:
    """The tasks say "the empty line after `0` sends it" (--plain, the REPL); in the pane
    Ctrl-S sends, so the notes say to type that empty line first, and doing so passes each
    step (without it the server would wait for the rest of the body)."""
    head = "POST /users HTTP/1.1\rHost: lab\rTransfer-Encoding: chunked\r"
    form = head + "Content-Type: application/x-www-form-urlencoded\r\rf\rname=Ada&age=36\r0\r"
    bodies = {
        "one-chunk": form + "\r",
        "two-chunks": head
        + 'Content-Type: application/json\r\r11\r{"name": "Grace",\rb\r "age": 85}\r0\r\r',
        "trailer": form + "Checksum: 5f2d\r\r",
    }

    async def scenario() -> None:
        async with lesson_run(10) as r:
            c = r.controller
            steps = [step.id for step in r.session.lesson.steps]
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            for step_id, typed in bodies.items():
                r.session.go(steps.index(step_id))
                if r.session.current.predict is not None:
                    r.session.answer("x")
                _screen_says(r.session.current, "Enter", "Ctrl-S")
                r.press(typed)
                r.press("\x13")  # Ctrl-S
                await r.until(
                    lambda step_id=step_id: r.session.status(step_id).state is StepState.PASSED,
                    step_id,
                )
                await r.until(lambda: not c.client.busy, "the answer")
            mistake = r.session.lesson.steps[0].mistakes
            crlf_hint = next(m.hint for m in mistake if m.when.note == "bare-lf")
            assert "Ctrl-T" in crlf_hint.get("en") and "Ctrl-T" in crlf_hint.get("ru")

    run(scenario())


def test_lesson_11_is_done_in_the_pane_as_its_screen_notes_say() -> None:
    """The REPL's `:close` has no pane key: the notes say the pane keeps its connection (two
    sends reuse it) and that two requests typed on their lines go in one write (pipelined)."""

    async def scenario() -> None:
        async with lesson_run(11) as r:
            c = r.controller
            steps = [step.id for step in r.session.lesson.steps]
            _screen_says(r.session.current, "Ctrl-S")
            assert "`:close`" in r.session.current.hints[1].get("en")
            assert "client pane" in r.session.current.hints[1].get("en")
            assert "панель клиента" in r.session.current.hints[1].get("ru")
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            for _ in range(2):
                r.press("GET /users")
                r.press("\x13")  # Ctrl-S
                await r.until(lambda: not c.client.busy and c.client.result is not None, "200")
            await r.until(lambda: r.session.status("reuse").state is StepState.PASSED, "reuse")
            r.session.go(steps.index("pipelining"))
            r.session.answer("200 404")
            _screen_says(r.session.current, "Enter", "Ctrl-S")
            r.press("GET /users HTTP/1.1\rHost: lab\r\rGET /nope HTTP/1.1\rHost: lab\r\r")
            r.press("\x13")
            await r.until(lambda: r.session.status("pipelining").state is StepState.PASSED, "2")

    run(scenario())


def test_lesson_7_hexdump_note_names_the_key_outside_the_pane() -> None:
    """The task says `:hexdump` in the REPL, `h` in the lesson view; the note says `h` works
    outside the client pane (Esc first), and it does."""

    async def scenario() -> None:
        async with lesson_run(7) as r:
            c = r.controller
            steps = [step.id for step in r.session.lesson.steps]
            r.session.go(steps.index("predict-length"))
            _screen_says(r.session.current, "`h`", "`Esc`")
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("\x1b")
            await r.until(lambda: c.zone != "client", "out of the pane")
            r.press("h")
            await r.until(lambda: c.hexdump, "the hexdump on")

    run(scenario())


def test_lesson_1_is_done_in_the_pane_as_its_screen_notes_say() -> None:
    """Lesson 1's tasks speak of Enter and the empty line (--plain); their screen notes say
    that in the pane Enter is a new line and Ctrl-S sends, the empty line added if missing."""

    async def scenario() -> None:
        async with lesson_run(1) as r:
            c = r.controller
            first, by_hand = r.session.lesson.steps[:2]
            assert first.screen is not None and by_hand.screen is not None
            assert "Ctrl-S" in first.screen.get("en") and "Ctrl-S" in first.screen.get("ru")
            assert "Ctrl-S" in by_hand.screen.get("en") and "Ctrl-S" in by_hand.screen.get("ru")
            assert "Ctrl-S" in pane_text(r.pane, 200)
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("GET /users")
            r.press("\x13")  # Ctrl-S
            await r.until(lambda: r.session.status(first.id).state is StepState.PASSED, "1")
            await r.until(lambda: not c.client.busy, "the answer")
            r.session.go(1)  # as `n` would, outside the pane
            r.press("GET /users HTTP/1.1\rHost: localhost")  # no empty line typed
            r.press("\x13")
            await r.until(lambda: r.session.status(by_hand.id).state is StepState.PASSED, "2")
            await r.until(lambda: not c.client.busy and c.client.result is not None, "answer")
            assert c.client.result is not None
            assert any("added the empty line" in note for note in c.client.result.notes)

    run(scenario())


def test_the_client_pane_messages_follow_the_lesson_language() -> None:
    """What the message line says about the pane (sent, answered, CRLF, Content-Length mode)
    is Russian after `l`, English again after `l`."""

    async def scenario() -> None:
        async with lesson_run(1) as r:
            c = r.controller
            said: list[str] = []  # every message, in order (the lesson's own come in between)
            say = c.say

            def record(message: str, level: str = "info") -> None:
                said.append(message)
                say(message, level)

            c.say = record  # type: ignore[method-assign]
            r.press("l")
            await r.until(lambda: r.session.lang == "ru", "Russian")
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("GET /users")
            r.press("\x13")  # Ctrl-S
            await r.until(lambda: any("клиент: пришло байтов: " in m for m in said), "answer")
            assert any(m.startswith("отправляем байты (") for m in said), said
            r.press("\x14")  # Ctrl-T
            await r.until(lambda: "концы строк CRLF: выкл., одиночный LF, как набрано" in said, "T")
            r.press("\x0f")  # Ctrl-O
            await r.until(lambda: any(m.startswith("Content-Length как набран") for m in said), "O")
            r.press("\x1b")  # Esc: back to the lesson pane, where l is the language key
            await r.until(lambda: c.zone != "client", "out of the pane")
            r.press("l")
            await r.until(lambda: r.session.lang == "en", "English")
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane again")
            r.press("\x14")
            await r.until(lambda: "CRLF line ends on" in said, "English again")

    run(scenario())


def test_the_trace_side_of_a_russian_lesson_speaks_russian() -> None:
    """The list title, the tabs, the units of a row, the client pane's title and the `?`
    help were English in a Russian lesson; `l` switches them with the lesson."""
    terminal = EmulatedTerminal(140, 40)
    english = ("exchanges 1", "raw request", "CRLF on", "Content-Length auto", " ms", "following")

    async def scenario() -> None:
        async with lesson_run(lang="ru", output=terminal.output) as r:
            await asyncio.to_thread(http_get, r.port, "/users")
            await r.until(lambda: "обмены: 1 · показываю новые" in terminal.text, "the list")
            text = terminal.text
            assert "запрос как есть" in text and "разбор" in text and "ответ" in text
            assert " мс" in text and " Б " in text
            assert "клиент → 127.0.0.1:" in text and "CRLF вкл." in text
            for word in english:
                assert word not in text, word
            r.press("?")
            await r.until(lambda: "Список обменов" in terminal.text, "the help in Russian")
            assert "Esc или ? закрывает" in terminal.text
            assert "move through exchanges" not in terminal.text
            r.press("\x1b")
            await r.until(lambda: "Список обменов" not in terminal.text, "the help closed")
            r.press("l")
            await r.until(lambda: "exchanges 1 · following" in terminal.text, "English")
            assert "raw request" in terminal.text and "CRLF on" in terminal.text

    run(scenario())


def test_the_status_line_of_a_russian_lesson_speaks_russian(tmp_path: Path) -> None:
    """'saved 1 exchange to …', 'copied with OSC 52 …', 'clear 1 exchange? …' and the other
    messages of the list's keys were English in a Russian lesson; `l` switches them back."""

    async def scenario() -> None:
        async with lesson_run(lang="ru") as r:
            c = r.controller
            c.options.save_dir = tmp_path
            await asyncio.to_thread(http_get, r.port, "/users")
            await r.until(lambda: len(c.state.visible) == 1, "the exchange")
            r.press("\t")
            await r.until(lambda: c.zone == "list", "the list")
            r.press("s")
            await r.until(lambda: c.prompt == "save", "the save prompt")
            r.press("\r")
            await r.until(lambda: "сохранено обменов: 1" in c.message, "saved, in Russian")
            r.press("y")
            await r.until(lambda: c.overlay == "curl", "the curl view")
            assert "скопировано через OSC 52" in c.message or "выделите текст" in c.message
            r.press("\x1b")
            await r.until(lambda: c.overlay is None, "the curl view closed")
            r.press("x")
            await r.until(lambda: "очистить список (обменов: 1)?" in c.message, "the question")
            r.press("x")
            await r.until(lambda: "список очищен" in c.message, "cleared, in Russian")
            r.press("l")
            await r.until(lambda: r.session.lang == "en", "English")
            r.press("x")  # nothing to clear: English again, as the rest of the view
            await r.until(lambda: c.message.startswith("cleared 0 exchanges"), "English again")

    run(scenario())


def test_the_pane_says_what_it_did_to_a_request_in_the_lesson_language() -> None:
    """The compose notes (an empty line or a Content-Length added) were English."""

    async def scenario() -> None:
        async with lesson_run(1, lang="ru") as r:
            c = r.controller
            r.press("c")
            await r.until(lambda: c.zone == "client", "the client pane")
            r.press("GET /users HTTP/1.1\rHost: lab")
            r.press("\x13")  # Ctrl-S
            await r.until(lambda: not c.client.busy and c.client.result is not None, "answer")
            assert c.client.result is not None
            notes = c.client.result.notes
            assert "добавлена пустая строка, которой кончается заголовок" in notes, notes
            r.press("POST /users HTTP/1.1\rHost: lab\rContent-Type: text/plain\r\rab")
            r.press("\x13")
            await r.until(
                lambda: c.client.result is not None and c.client.result.notes != notes, "notes"
            )
            await r.until(lambda: not c.client.busy, "the second answer")
            assert c.client.result is not None
            said = c.client.result.notes
            assert any(n.startswith("добавлен Content-Length: 2, размер тела") for n in said)

    run(scenario())


def test_every_help_row_and_section_has_its_russian() -> None:
    from httplab.tui.keys import HELP_RU, KEYMAP, LEGEND, LEGEND_RU, ZONE_TITLES, ZONE_TITLES_RU

    assert {row.name for row in KEYMAP if row.action} == set(HELP_RU)
    assert ZONE_TITLES.keys() == ZONE_TITLES_RU.keys()
    assert len(LEGEND) == len(LEGEND_RU)
    assert [shown for shown, _ in LEGEND[:4]] == [shown for shown, _ in LEGEND_RU[:4]]


def test_the_empty_panes_of_a_russian_lesson_say_what_to_do_in_russian() -> None:
    terminal = EmulatedTerminal(120, 35)

    async def scenario() -> None:
        async with lesson_run(lang="ru", output=terminal.output) as r:
            await r.until(lambda: "ждём запросов на http://127.0.0.1:" in terminal.text, "raw")
            assert "попробуйте: curl -i" in terminal.text
            await r.until(lambda: "наберите запрос (GET /users" in terminal.text, "client")
            assert "waiting for requests" not in terminal.text
            r.press("l")
            await r.until(lambda: "waiting for requests on" in terminal.text, "English")
            r.press("l")
            await r.until(lambda: "ждём запросов на" in terminal.text, "Russian again")
            await asyncio.to_thread(http_get, r.port, "/users")  # a record: its notes pane
            await r.until(lambda: "замечаний нет" in terminal.text, "no notes, in Russian")

    run(scenario())


def test_esc_from_the_client_pane_back_to_the_zoomed_lesson_pane_keeps_the_view() -> None:
    """`z` (the lesson pane gets the whole screen), `c` (the client pane), `Esc`: the view
    ended with a traceback ('Window does not appear in the layout': the exchange list, where
    the lesson zone's focus lives, is not on the zoomed screen). A learner's natural keys."""

    async def scenario() -> None:
        async with lesson_run() as r:
            r.press("z")
            await r.until(lambda: r.controller.zoomed, "the zoom")
            r.press("c")
            await r.until(lambda: r.controller.zone == "client", "the client pane")
            r.press("\x1b")
            await r.until(lambda: r.controller.zone == "lesson", "back on the lesson pane")
            r.press("i")  # a lesson key works again: the focus left the client pane
            await r.until(lambda: r.session.status().hints_shown == 1, "a hint")
            assert not r.task.done(), "the view is still running"
            r.press("z")
            await r.until(lambda: not r.controller.zoomed, "the zoom off")
            r.press("i")
            await r.until(lambda: r.session.status().hints_shown == 2, "another hint")

    run(scenario())
