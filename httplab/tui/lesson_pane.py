"""The lesson pane of `httplab lesson N`: the step's task and state, the hints shown so far, the
step's question, progress, the lesson's text (Markdown, via rich) and, in class mode, the board.

    ┌ lesson 1 · step 2/3 · ✓ ● ○ · EN ─────────────────────────────────────────┐
    │ Write the request yourself                                                  │
    │ Task  Now type the whole request: …                                         │
    │ ✗ 400 Bad Request: the request had no Host line. …   (or waiting / ✓ …)     │
    │ Hint 1 (nudge)  …                                                           │
    │ Class  step · passed · most common wrong answer        (--class only)       │
    │ the lesson's text …                                                         │
    └─────────────────────────────────────────────────────────────────────────────┘

`LessonPane` is the lesson's part of the screen's state: every exchange the lesson server
records reaches `feed()` (on the screen's event loop, through the trace controller), is judged
by the engine's `LessonSession` against the current step, and the pane is a view of that
session. The step keys drive the session; in class mode they move the whole class, since every
student's exchange is judged against the instructor's current step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from httplab.lessons import HINT_LEVELS, Lang, LessonSession, ServerOptions, StepState
from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import escape_decoded
from httplab.trace.words import localized
from httplab.tui.rich_control import View
from httplab.tui.start_failure import start_failure

WORDS: dict[str, dict[Lang, str]] = {
    "lesson": {"en": "lesson", "ru": "урок"},
    "step": {"en": "step", "ru": "шаг"},
    "task": {"en": "Task", "ru": "Задание"},
    "waiting": {
        "en": "waiting: send it from the client pane (c), curl or nc to {url}",
        "ru": "ждём запрос: из панели клиента (c), curl или nc на {url}",
    },
    "passed": {"en": "✓ passed", "ru": "✓ пройдено"},
    "notice": {"en": "Notice", "ru": "Обратите внимание"},
    "not-yet": {"en": "✗ not yet", "ru": "✗ пока нет"},
    "hint": {"en": "Hint", "ru": "Подсказка"},
    "nudge": {"en": "nudge", "ru": "намёк"},
    "pointer": {"en": "pointer", "ru": "указатель"},
    "near-answer": {"en": "near-answer", "ru": "почти ответ"},
    "no-hints": {"en": "no more hints for this step", "ru": "подсказок больше нет"},
    "predict": {"en": "Predict", "ru": "Предскажите"},
    "answer-key": {"en": "a: answer", "ru": "a: ответить"},
    "right": {"en": "✓ right", "ru": "✓ верно"},
    "wrong": {"en": "✗ the answer is", "ru": "✗ ответ:"},
    "class": {"en": "Class", "ru": "Класс"},
    "board-step": {"en": "step", "ru": "шаг"},
    "board-passed": {"en": "passed", "ru": "прошли"},
    "students": {"en": "students send to", "ru": "студенты отправляют на"},
    "unrelated": {
        "en": "not what this step asks for (i: a hint)",
        "ru": "это не то, что просит шаг (i: подсказка)",
    },
    "all-passed": {"en": "✓ lesson complete", "ru": "✓ урок пройден"},
    "exposed": {
        "en": "⚠ listening on {host}: anyone who can reach this machine can send to it",
        "ru": "⚠ сервер слушает {host}: отправить ему может любой, кто видит эту машину",
    },
    "restart": {
        "en": "the server restarts with this step's options",
        "ru": "сервер перезапускается с настройками этого шага",
    },
    "lesson-server": {"en": "the lesson server", "ru": "сервер урока"},
    "restart-failed": {
        "en": "{why}; nothing answers now: press p then n to try again, q to leave",
        "ru": "{why}; сейчас никто не отвечает: нажмите p, затем n, чтобы попробовать снова, "
        "q — выйти",
    },
    "not-saved": {
        "en": "{why}; the lesson goes on, its progress is not saved",
        "ru": "{why}; урок продолжается, но прогресс не сохраняется",
    },
}


def word(name: str, lang: Lang, **values: object) -> str:
    return localized(WORDS, name, lang, **values)


class StepServer(Protocol):
    """The lesson's server, as the pane needs it (httplab.lessons.server.LessonServer)."""

    def ensure(self, options: ServerOptions) -> bool: ...


@dataclass(frozen=True, slots=True)
class LessonSetup:
    """What the screen needs to run a lesson."""

    session: LessonSession
    url: str  # where the learner sends, e.g. http://127.0.0.1:53210
    server: StepServer | None = None  # restarted when a step needs other options
    class_mode: bool = False
    class_urls: tuple[str, ...] = ()  # in class mode: where the students send
    exposed: str = ""  # the address when it is not loopback: the pane warns about it


Say = Callable[[str, str], None]
Spawn = Callable[[Coroutine[Any, Any, None]], None]


class LessonPane:
    """The lesson's state on screen and the actions of its keys."""

    def __init__(self, setup: LessonSetup, say: Say, spawn: Spawn) -> None:
        self.setup = setup
        self.session = setup.session
        self._say = say
        self._spawn = spawn
        self.revision = 0  # bumped on every change of the session: the pane's cache key
        self.session.subscribe(self._changed)

    def _changed(self) -> None:
        self.revision += 1

    @property
    def lang(self) -> Lang:
        return self.session.lang

    # what the server saw --------------------------------------------------------------------
    def feed(self, records: list[ExchangeRecord]) -> None:
        for record in records:
            try:
                outcome = self.session.feed(record)
            except OSError as exc:  # ProgressError: a pass judged, the progress file not written
                self._not_saved(exc)
                continue
            label = f"#{record.connection_id}.{record.number}"
            if outcome.verdict == "passed":
                self._say(f"{label}: {word('passed', self.lang)}", "info")
            elif outcome.verdict == "mistake" and outcome.mistake is not None:
                self._say(f"{label}: {word('not-yet', self.lang)}", "warning")
            else:
                self._say(f"{label}: {word('unrelated', self.lang)}", "info")
        if records and self.session.all_passed:
            self._say(word("all-passed", self.lang), "info")

    # the keys --------------------------------------------------------------------------------
    def next_step(self) -> None:
        self._moved(self.session.next)

    def prev_step(self) -> None:
        self._moved(self.session.prev)

    def _moved(self, move: Callable[[], object]) -> None:
        before = self.session.index
        unsaved: OSError | None = None
        try:
            move()
        except OSError as exc:  # ProgressError: the step moved, the progress file not written
            unsaved = exc
        if self.session.index == before:
            return
        step = self.session.current
        self._say(
            f"{word('step', self.lang)} {self.session.index + 1}: {step.title.get(self.lang)}",
            "info",
        )
        if unsaved is not None:
            self._not_saved(unsaved)
        server = self.setup.server
        if server is not None:
            options = self.session.lesson.server_for(step)
            self._spawn(self._ensure(server, options))

    async def _ensure(self, server: StepServer, options: ServerOptions) -> None:
        try:
            restarted = await asyncio.to_thread(server.ensure, options)
        except OSError as exc:  # it stopped, and cannot listen again (the port was taken)
            why = start_failure(exc, word("lesson-server", self.lang), lang=self.lang)
            self._say(word("restart-failed", self.lang, why=why), "error")
            return
        if restarted:
            self._say(word("restart", self.lang), "info")

    def _not_saved(self, exc: OSError) -> None:
        self.revision += 1  # the session changed before the write failed
        self._say(word("not-saved", self.lang, why=escape_decoded(str(exc))), "warning")

    def next_hint(self) -> None:
        if self.session.next_hint() is None:
            self._say(word("no-hints", self.lang), "info")

    def toggle_lang(self) -> None:
        self.session.lang = "ru" if self.session.lang == "en" else "en"
        self.revision += 1

    def asks_prediction(self) -> bool:
        return self.session.current.predict is not None

    def answer(self, text: str) -> None:
        if self.session.current.predict is None:
            return
        result = self.session.answer(text)
        level = "info" if result.right else "warning"
        verdict = word("right", self.lang) if result.right else word("wrong", self.lang)
        self._say(verdict + ("" if result.right else f" {result.answer}"), level)

    # the picture -----------------------------------------------------------------------------
    def title(self) -> str:
        session = self.session
        steps = session.lesson.steps
        marks = " ".join(
            "✓"
            if session.status(step.id).state is StepState.PASSED
            else ("●" if index == session.index else "○")
            for index, step in enumerate(steps)
        )
        lesson = session.lesson
        return (
            f"{word('lesson', self.lang)} {lesson.number}: {lesson.title.get(self.lang)} · "
            f"{word('step', self.lang)} {session.index + 1}/{len(steps)} · {marks} · "
            f"{self.lang.upper()}"
        )

    def view(self) -> View:
        key = ("lesson", self.revision, self.session.index, self.session.lang)
        return View(key, self.renderable)

    def renderable(self) -> RenderableType:
        session, lang = self.session, self.lang
        status = session.status()
        step = status.step
        parts: list[RenderableType] = [Text(step.title.get(lang), style="lesson.title")]
        if step.predict is not None:  # asked before the task
            parts.append(self._prediction())
        parts.append(_labelled(word("task", lang), step.task.get(lang), "lesson.task"))
        if step.screen is not None:  # this view's keys: --plain does not show it
            parts.append(inline(step.screen.get(lang), "lesson.task"))
        parts.append(self._state())
        for level, hint in zip(HINT_LEVELS, step.hints[: status.hints_shown], strict=False):
            label = f"{word('hint', lang)} ({word(level, lang)})"
            parts.append(_labelled(label, hint.get(lang), "lesson.hint"))
        if self.setup.exposed:
            parts.append(Text(word("exposed", lang, host=self.setup.exposed), "lesson.warning"))
        if self.setup.class_mode:
            parts.append(self._board())
        parts.append(Text(""))
        parts.append(
            Markdown(session.lesson.text.get(lang), code_theme="ansi_dark", hyperlinks=False)
        )
        return Group(*parts)

    def _state(self) -> Text:
        status, lang = self.session.status(), self.lang
        if status.state is StepState.PASSED:
            text = Text(word("passed", lang), style="lesson.passed")
            notice = status.step.notice.get(lang)
            if notice:
                text.append(f"  {word('notice', lang)}: ", style="lesson.label")
                text.append_text(inline(notice))
            return text
        if status.state is StepState.MISTAKE and status.last_mistake is not None:
            text = Text(word("not-yet", lang) + "  ", style="lesson.mistake")
            text.append_text(inline(status.last_mistake.hint.get(lang)))
            return text
        return Text(word("waiting", lang, url=self.setup.url), style="lesson.waiting")

    def _prediction(self) -> Text:
        status, lang = self.session.status(), self.lang
        predict = status.step.predict
        assert predict is not None
        text = Text(f"{word('predict', lang)}: ", style="lesson.label")
        text.append_text(inline(predict.question.get(lang)))
        if not status.predicted:
            text.append(f"  ({word('answer-key', lang)})", style="lesson.key")
            return text
        if status.prediction_right:
            text.append(f"  {word('right', lang)}", style="lesson.passed")
        else:
            text.append(f"  {word('wrong', lang)} {predict.answers[0]}", style="lesson.mistake")
        text.append("  ")
        text.append_text(inline(predict.explain.get(lang)))
        return text

    def _board(self) -> RenderableType:
        lang = self.lang
        table = Table(
            title=f"{word('class', lang)} · {word('students', lang)} "
            + ", ".join(self.setup.class_urls or (self.setup.url,)),
            title_justify="left",
            title_style="lesson.label",
            box=None,
            pad_edge=False,
            show_edge=False,
            header_style="lesson.label",
            expand=True,
        )
        passed = word("board-passed", lang)
        table.add_column(word("board-step", lang), no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column(passed, justify="right", no_wrap=True, width=max(len(passed), 4))
        for index, row in enumerate(self.session.board()):
            current = index == self.session.index
            table.add_row(
                f"{'▸' if current else ' '} {index + 1}. {row.title.get(lang)}",
                str(row.passed_clients),
                style="lesson.current" if current else None,
            )
            if row.top_mistake is not None:  # the most common wrong answer, under its step
                wrong = f"✗ {row.top_mistake_clients}× {row.top_mistake.hint.get(lang)}"
                table.add_row(Text("     " + wrong, style="lesson.mistake-row"), "")
        return table


def _labelled(label: str, text: str, style: str) -> Text:
    line = Text(f"{label}  ", style="lesson.label")
    line.append_text(inline(text, style))
    return line


def inline(text: str, style: str = "") -> Text:
    """A lesson sentence with its `code` spans (what to type, the bytes to look at) in the
    code style, without the backticks; an unpaired backtick stays as typed."""
    pieces = text.split("`")
    if len(pieces) % 2 == 0:  # an odd number of backticks: not Markdown code, show as is
        return Text(text, style=style)
    result = Text(style=style)
    for index, piece in enumerate(pieces):
        result.append(piece, style="lesson.code" if index % 2 else None)
    return result
