"""`httplab lesson N` in a terminal: the lesson's server, then the trace view with the lesson
pane (the CLI calls `run_lesson_view`; without a terminal, or with `--plain`, it runs
httplab.lessons.plain instead).

The server is the engine's `LessonServer` (the users API with the step's options) publishing
to a `TraceBus`; the screen judges every exchange it records against the current step. In
class mode it listens on every interface and the pane shows where students send and the class
board.
"""

from __future__ import annotations

import ipaddress
import sys

from httplab.lessons import Lesson, LessonSession, LessonSettings, Progress
from httplab.lessons.server import LessonServer, class_urls, local_address
from httplab.trace.bus import TraceBus
from httplab.tui.controller import TraceOptions
from httplab.tui.lesson_pane import LessonSetup
from httplab.tui.run import run_trace_screen
from httplab.tui.start_failure import start_failure
from httplab.tui.trace_command import tune_garbage_collector, users_reset


def run_lesson_view(lesson: Lesson, progress: Progress, settings: LessonSettings) -> int:
    """Run lesson `lesson` full-screen until the user quits; the exit status."""
    bus = TraceBus()
    server = LessonServer(settings.host, settings.port, bus)
    session = LessonSession(lesson, progress, settings.lang)
    try:
        server.ensure(lesson.server_for(session.current))
    except OSError as exc:
        sys.stderr.write(start_failure(exc, "httplab lesson", lang=settings.lang) + "\n")
        return 1
    local = local_address(settings.host)
    setup = LessonSetup(
        session=session,
        url=class_urls(local, server.port)[0],
        server=server,
        class_mode=settings.class_mode,
        class_urls=class_urls(settings.host, server.port) if settings.class_mode else (),
        exposed="" if _loopback(settings.host) else settings.host or "*",
    )
    options = TraceOptions(
        server_host=local,
        server_port=server.port,
        theme=settings.theme,
        reset_users=users_reset(server),
    )
    restore_collector = tune_garbage_collector()
    try:
        return run_trace_screen(bus, options, server.stop, lesson=setup)
    finally:
        restore_collector()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
