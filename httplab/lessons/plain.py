"""`httplab lesson N --plain`: a lesson as a teaching REPL in a plain terminal or a pipe.

    step text → the learner types a request (as in `httplab repl`) → the client sends it to the
    lesson's own server → both sides shown → each exchange the server recorded is judged →
    passed: what to notice, next step · a known mistake: its hint · else: keep trying

Reading input reuses the client REPL's rules (httplab.client.repl): a shorthand line is sent at
once; a first line ending in `HTTP/1.x` starts a raw request that an empty line ends (or the
body, once it holds its Content-Length). Lines starting with `:` are commands, `#` a comment.
When a step asks for a prediction, the next line is the answer.

The server is an `HTTPServer` in this process (users API, the step's options, a `TraceBus`);
when the next step needs other options it is restarted on the same port, keeping its users.
Exit status: 0 when every step passed, 1 when the input ended first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import IO, TextIO, cast

from rich.text import Text

from httplab.client.repl import Repl, body_reaches_length, input_complete, is_raw_input
from httplab.client.shorthand import ShorthandError, plan_request
from httplab.lessons.checking import Outcome
from httplab.lessons.model import Lang, Lesson, LessonSettings, Step
from httplab.lessons.plain_input import RecordQueue, looks_like_request, read_lines
from httplab.lessons.plain_texts import HELP, UI
from httplab.lessons.progress import Progress, ProgressError
from httplab.lessons.server import LessonServer, class_urls, local_address
from httplab.lessons.session import LessonSession, StepState, client_of
from httplab.render.exchange_views import ExchangeSummary
from httplab.render.printer import plain_console
from httplab.server.start_errors import start_failure
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import escape_unprintable_lines
from httplab.trace.words import localized

RECORD_WAIT = 2.0
"""Seconds to wait for the server's record of an exchange the client already saw answered."""

REPL_COMMANDS = (":crlf", ":hexdump", ":last", ":raw", ":close")


class PlainLesson:
    """One learner's (or one class's) run of a lesson: the server, the client, the session."""

    def __init__(
        self,
        lesson: Lesson,
        progress: Progress,
        settings: LessonSettings,
        stream: IO[str],
    ) -> None:
        self.lesson = lesson
        self.progress = progress
        self.settings = settings
        self.stream = stream
        self.lang: Lang = settings.lang
        self.session = LessonSession(lesson, progress, settings.lang)
        self.bus = TraceBus(capacity=1000)
        self.server = LessonServer(settings.host, settings.port, self.bus)
        self.records = RecordQueue(self.bus)
        self.console = plain_console(cast(TextIO, stream))
        self.repl: Repl | None = None
        self.running = True
        # Held while this side sends and judges its own exchange; the drain thread judges what
        # other clients (curl, students in class) send in between, so nothing waits for input.
        self._busy = threading.RLock()
        self._announced = False
        self.interactive = False  # reading a terminal: a pass from curl waits for Enter
        self.pending: list[str] = []  # lines of a raw request being typed
        self._stopping = threading.Event()
        self._drain_thread = threading.Thread(
            target=self._drain, name="httplab-lesson-judge", daemon=True
        )

    def say(self, text: str = "") -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def tell(self, text: str) -> None:
        """A lesson text, wrapped to the terminal (80 columns in a pipe), later lines indented;
        an indented block (a request to type, as in Markdown) keeps its lines as written."""
        width = min(shutil.get_terminal_size((80, 24)).columns, 100) - 1
        blocks = []
        for block in text.split("\n\n"):
            if all(line.startswith("    ") for line in block.split("\n")):
                blocks.append(block)
            else:
                blocks.append(
                    textwrap.fill(block, width, subsequent_indent="  ", break_on_hyphens=False)
                )
        self.say("\n\n".join(blocks))

    def show_text(self) -> None:
        """The lesson's text (lesson.md / lesson.ru.md) as written: Markdown reads as text."""
        self.say(self.lesson.text.get(self.lang).rstrip())

    def ui(self, key: str, **values: object) -> str:
        return localized(UI, key, self.lang, **values)

    # the loop ---------------------------------------------------------------------------------
    def run(self, lines: Iterator[str]) -> int:
        """Drive the lesson from `lines` (no line ends); the exit status."""
        if self.session.all_passed:
            self.session = LessonSession(self.lesson, None, self.lang)
            self.session.progress = self.progress  # record again, but start from step 1
            self.say(self.ui("again"))
        self.server.ensure(self.lesson.server_for(self.session.current))
        # typed_bodies off: an unframed body is a mistake lesson 9 lets the learner make
        self.repl = Repl(local_address(self.settings.host), self.server.port,
                         timeout=self.settings.timeout, stream=self.stream,
                         typed_bodies=False, lang=self.lang)  # fmt: skip
        self.show_text()  # starts with its "# Lesson N · title" heading
        self.say()
        self.say(f"{self.ui('server')} {self.server.host}:{self.server.port}")
        if self.settings.class_mode:
            urls = ", ".join(class_urls(self.server.host, self.server.port))
            self.say(self.ui("students", urls=urls))
        self.say(self.ui("usage"))
        self.show_step()
        self._drain_thread.start()
        try:
            for line in lines:
                if not self.pending and self._single_line(line):
                    pass
                else:
                    self.pending.append(line)
                    text = "\n".join(self.pending)
                    complete = input_complete(text, typed_bodies=False)
                    if complete or (is_raw_input(text) and body_reaches_length(text)):
                        self.pending = []
                        self.send(text)
                if not self.running or self.finished:
                    break
            else:
                if self.pending:
                    self.send("\n".join(self.pending) + "\n")
            with self._busy:
                self.judge(self.records.take(0, 0.0))
        finally:
            self._stopping.set()
            self.records.wake()
            self._drain_thread.join(5.0)
            self.repl.connection.close()
            self.records.unsubscribe()
            self.server.stop()
        if self.session.all_passed and not self.settings.class_mode:
            if not self._announced:
                self.say(self.ui("done"))
            return 0
        total = len(self.lesson.steps)
        self.say(self.ui("ended", passed=self.session.passed_count(), total=total))
        return 1

    def _single_line(self, line: str) -> bool:
        """Handle a line that stands alone (command, comment, answer); False for a request."""
        stripped = line.strip()
        if stripped.startswith("#"):
            return True
        if stripped.startswith(":"):
            self.command(stripped)
            return True
        if self.session.needs_prediction():
            if not stripped:
                return True
            if looks_like_request(stripped):
                self.session.skip_prediction()
                self.say(self.ui("skipped"))
                return False
            result = self.session.answer(stripped)
            verdict = self.ui("right") if result.right else f"{self.ui('wrong')} {result.answer}"
            self.say(verdict)
            self.tell(result.explain.get(self.lang))
            self.show_task()
            return True
        return not stripped

    def send(self, text: str) -> None:
        assert self.repl is not None
        if self._elsewhere(text):
            return
        with self._busy:
            try:
                self.repl.handle(text)
            except UnicodeError:  # a lone surrogate (undecodable input) cannot go out as UTF-8
                self.say(self.ui("not-utf8"))
                return
            answered = sum(  # final responses: a 100 Continue has no record of its own
                not r.head.informational for e in self.repl.last for r in e.responses
            )
            self.judge(self.records.take(answered, RECORD_WAIT if answered else 0.2))

    def _drain(self) -> None:
        """Judge exchanges from other clients as they come (between this side's own)."""
        while not self._stopping.is_set():
            if not self.records.wait_any(0.5) or self._stopping.is_set():
                continue
            with self._busy:
                if not self._stopping.is_set():
                    was_finished = self.finished
                    self.judge(self.records.take(0, 0.0))
                    if self.finished and not was_finished and self.interactive:
                        self.say(self.ui("leave"))  # the prompt is still waiting for a line

    def prompt(self) -> str:
        """What the terminal shows before a line: a question, a request, or its next line."""
        if self.pending:
            return "… "
        return self.ui("prompt-answer" if self.session.needs_prediction() else "prompt-lesson")

    @property
    def finished(self) -> bool:
        """Every step passed (a class lesson runs until the instructor leaves)."""
        return not self.settings.class_mode and self.session.all_passed

    def _elsewhere(self, text: str) -> bool:
        """A shorthand URL naming another server would leave the lesson: say so instead."""
        if is_raw_input(text):
            return False
        try:
            plan = plan_request(text, host=self.server.host, port=self.server.port)
        except (ShorthandError, UnicodeError):
            return False  # the REPL reports it
        if (plan.host, plan.port) == (self.server.host, self.server.port):
            return False
        if " " not in text.strip() and "/" not in text:
            # one word read as a server's name: most often a body typed after the empty line
            # that already sent a request without Content-Length (lesson 9)
            self.say(self.ui("bare-word", text=text.strip()))
            return True
        self.say(self.ui("elsewhere", where=f"{plan.host}:{plan.port}"))
        return True

    def judge(self, records: list[ExchangeRecord]) -> None:
        for record in records:
            if self.finished:
                return
            summary = ExchangeSummary(record, self.lang).text()
            step = self.session.current
            outcome = self.session.feed(record)
            if self.settings.class_mode:
                self._class_line(record, summary, outcome)
                continue
            self.console.print(f"{self.ui('server_saw')}: ", end="")
            self.console.print(summary)
            if outcome.verdict == "passed":
                self.say(f"{self.ui('passed')}: {step.title.get(self.lang)}")
                self.tell(f"{self.ui('notice')}: {step.notice.get(self.lang)}")
                self.advance()
            elif outcome.verdict == "mistake" and outcome.mistake is not None:
                self.tell(f"{self.ui('mistake')}: {outcome.mistake.hint.get(self.lang)}")
            else:
                self.say(self.ui("unrelated"))

    def _class_line(self, record: ExchangeRecord, summary: Text, outcome: Outcome) -> None:
        """In class, one line per exchange: who, what, and the verdict in short."""
        if outcome.verdict == "passed":
            mark = "✓"
        elif outcome.mistake is not None:
            hint = outcome.mistake.hint.get(self.lang)
            mark = "✗ " + (hint if len(hint) <= 60 else hint[:59] + "…")
        else:
            mark = "·"
        self.console.print(Text(f"{client_of(record.peer)}  ").append_text(summary), end="")
        self.console.print(f"  {mark}")

    def advance(self) -> None:
        """Move to the next step not passed yet (after the current one, wrapping)."""
        if self.session.all_passed:
            self.say(self.ui("done"))
            self._announced = True
            return
        count = len(self.lesson.steps)
        start = self.session.index
        for offset in range(1, count + 1):
            index = (start + offset) % count
            if self.session.status(self.lesson.steps[index].id).state is not StepState.PASSED:
                self.session.go(index)
                break
        self.show_step()

    # showing ----------------------------------------------------------------------------------
    def show_step(self) -> None:
        step: Step = self.session.current
        if self.server.ensure(self.lesson.server_for(step)):
            self.say(f"({self.ui('restart')})")
        number, total = self.session.index + 1, len(self.lesson.steps)
        self.say()
        self.say(f"── {self.ui('step')} {number}/{total}: {step.title.get(self.lang)} ──")
        if self.session.needs_prediction():
            assert step.predict is not None
            self.tell(f"{self.ui('predict')}: {step.predict.question.get(self.lang)}")
            self.say(f"({self.ui('answer')})")
        else:
            self.show_task()

    def show_task(self) -> None:
        self.tell(f"{self.ui('task')}: {self.session.current.task.get(self.lang)}")

    def show_board(self) -> None:
        """The class board: per step, distinct clients that passed and the top mistake."""
        for number, row in enumerate(self.session.board(), 1):
            line = f"{number:>2}. {row.title.get(self.lang)}: {row.passed_clients} ✓"
            if row.top_mistake is not None:
                hint = row.top_mistake.hint.get(self.lang).split(":")[0]
                line += f" · {row.top_mistake_clients} ✗ {hint}"
            self.say(line)

    def command(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        if name in (":quit", ":q", ":exit"):
            self.running = False
        elif name == ":help":
            self.say(HELP[self.lang])
        elif name == ":hint":
            hint = self.session.next_hint()
            self.tell(
                f"[{self.ui(hint[0])}] {hint[1].get(self.lang)}" if hint else self.ui("no_hints")
            )
        elif name == ":step":
            self.show_step()
        elif name == ":text":
            self.show_text()
        elif name == ":board":
            self.show_board()
        elif name in (":next", ":prev"):
            self.session.next() if name == ":next" else self.session.prev()
            self.show_step()
        elif name == ":lang" and argument in ("en", "ru"):
            self.lang = "ru" if argument == "ru" else "en"
            self.session.lang = self.lang
            if self.repl is not None:
                self.repl.lang = self.lang
            self.show_step()
        elif name == ":lang":
            self.say(self.ui("lang-usage", now=self.lang))
        elif name in REPL_COMMANDS and self.repl is not None:
            self.repl.command(line)
        else:
            self.say(self.ui("unknown", name=name[:40].encode("unicode_escape").decode()))


def run_plain(
    lesson: Lesson,
    progress: Progress,
    settings: LessonSettings,
    *,
    input_stream: IO[str] | None = None,
    stream: IO[str] | None = None,
    errors: IO[str] | None = None,
) -> int:
    """Run the lesson as a REPL; the exit status (0 all passed, 1 input ended, 2 no server).
    Errors go to `errors` (stderr)."""
    out = stream if stream is not None else sys.stdout
    err = errors if errors is not None else sys.stderr
    source = input_stream if input_stream is not None else sys.stdin
    plain = PlainLesson(lesson, progress, settings, out)
    plain.interactive = source.isatty()
    try:
        return plain.run(read_lines(source, plain.prompt, lambda _: plain.say(plain.ui("bom"))))
    except ProgressError as exc:
        err.write(f"httplab lesson: {escape_unprintable_lines(str(exc))}\n")
        return 2
    except BrokenPipeError:  # output piped into `head`, which has gone: nothing left to say
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        return 1
    except OSError as exc:  # the server's own words, as every command says them
        err.write(start_failure(exc, "httplab lesson", lang=settings.lang) + "\n")
        return 1  # as the lesson view and serve: 1 when the server cannot listen
    except KeyboardInterrupt:  # 130, as every other command says Ctrl-C
        out.write("\n")
        return 130
