"""Drive the lesson view in-process: the engine's lesson server on an ephemeral port, the
TraceScreen with a lesson pane over its bus, keys through a pipe input."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput, Output

from httplab.lessons import LessonSession, Progress, load_lesson
from httplab.lessons.server import LessonServer
from httplab.trace.bus import TraceBus
from httplab.tui.controller import TraceController, TraceOptions
from httplab.tui.lesson_pane import LessonPane, LessonSetup
from httplab.tui.run import TraceScreen
from tests.tui.harness import DEADLINE, wait_for


@dataclass
class LessonRun:
    screen: TraceScreen
    keys: PipeInput
    server: LessonServer
    session: LessonSession
    task: asyncio.Task[int]

    @property
    def controller(self) -> TraceController:
        return self.screen.controller

    @property
    def pane(self) -> LessonPane:
        assert self.screen.app.lesson is not None
        return self.screen.app.lesson

    @property
    def port(self) -> int:
        return self.server.port

    def press(self, text: str) -> None:
        self.keys.send_text(text)

    async def until(self, condition: object, what: str) -> None:
        await wait_for(condition, what)  # type: ignore[arg-type]


@asynccontextmanager
async def lesson_run(
    number: int = 1,
    *,
    output: Output | None = None,
    progress: Path | None = None,
    class_mode: bool = False,
    lang: str = "en",
    theme: str = "default",
) -> AsyncIterator[LessonRun]:
    lesson = load_lesson(number)
    bus = TraceBus()
    server = LessonServer("127.0.0.1", 0, bus)
    session = LessonSession(
        lesson,
        Progress.load(progress) if progress else None,
        lang,  # type: ignore[arg-type]
    )
    await asyncio.to_thread(server.ensure, lesson.server_for(session.current))
    try:
        with create_pipe_input() as keys:
            setup = LessonSetup(
                session,
                f"http://127.0.0.1:{server.port}",
                server,
                class_mode,
                (f"http://127.0.0.1:{server.port}",) if class_mode else (),
            )
            screen = TraceScreen(
                bus,
                TraceOptions(server_host="127.0.0.1", server_port=server.port, theme=theme),
                input=keys,
                output=output if output is not None else DummyOutput(),
                lesson=setup,
            )
            task = asyncio.create_task(screen.run_async())
            run = LessonRun(screen, keys, server, session, task)
            await wait_for(lambda: screen.application.is_running, "the screen to start")
            try:
                yield run
            finally:
                if not task.done():
                    keys.send_text("\x03")
                await asyncio.wait_for(task, DEADLINE)
    finally:
        await asyncio.to_thread(server.stop)
