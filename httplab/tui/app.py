"""The `serve --trace` screen: a prompt_toolkit full-screen Application.

Built in the usual order (as prompt_toolkit's examples are): widgets (`layout.build_widgets`)
→ layout (`layout.build_layout`) → key bindings, generated from the one keymap
(`key_bindings.build_key_bindings`) → style → Application. The screen is a view of
`TraceController` state: every text that changes is a function re-run on redraw.

The controller gets what it needs of the screen (redraw, background work, the client pane's
text) as `ScreenHooks` when it is built: `TraceApp` passes its own methods, which reach the
application and widgets it builds right after.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.filters import Condition, Filter
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import Layout
from prompt_toolkit.output import ColorDepth, Output

from httplab.render import THEMES
from httplab.trace.records import ExchangeRecord
from httplab.tui.controller import (
    LESSON_ZONES,
    Extension,
    ScreenHooks,
    TraceController,
    TraceOptions,
)
from httplab.tui.curl import osc52
from httplab.tui.key_bindings import Action, build_key_bindings
from httplab.tui.layout import build_layout, build_widgets, set_text, sync_focus
from httplab.tui.lesson_pane import LessonPane, LessonSetup
from httplab.tui.lesson_screen import lesson_actions, lesson_area, lesson_contexts, lesson_control
from httplab.tui.rich_bridge import make_console
from httplab.tui.rich_control import LayoutWorker
from httplab.tui.styles import chrome_style, with_help_styles


def color_depth() -> ColorDepth | None:
    """True colour only when the terminal says so; otherwise prompt_toolkit's default."""
    forced = ColorDepth.from_env()
    if forced is not None:
        return forced
    if os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return ColorDepth.TRUE_COLOR
    return None


REDRAW_SHARE = 0.02
"""Most of the wall-clock time that redraws for arriving records may take: a redraw of the
whole screen costs milliseconds of the interpreter (and, on a server pinned to one core, of
the core) the server also needs (issue 12.4); at ~5-10 ms a redraw that is 2-4 redraws a
second while exchanges pour in (wrk c=50 under tmux: p99 36 -> 15-19 ms against 0.05)."""
RECORD_REDRAW_INTERVAL = 0.1
"""Arriving records redraw the screen at most this often (10 a second)…"""
SLOWEST_RECORD_REDRAW_INTERVAL = 1.0
"""…and at least this often, however slow a redraw is."""
QUIET_GAP = 0.5
"""An exchange that arrives this long after the last redraw is drawn after
`RECORD_REDRAW_INTERVAL`, whatever a redraw costs: nothing was drawn for a while, so the server
is not being flooded (a student's curl shows at once, not after cost / `REDRAW_SHARE`: 0.5 s
for a 10 ms redraw). Records that follow each other closely are paced."""
FLOOD_REDRAW_INTERVAL = 1.0
"""While exchanges flood in (`flood.FloodWatch`), they redraw the screen once a second: the list
moves and its title counts, nothing is there to be read faster, and a redraw (~5 ms of layout
even with the details waiting) is time the server's thread waits for the interpreter."""


class RedrawPacer:
    """Times every redraw and says how long arriving records should wait for the next one:
    `RECORD_REDRAW_INTERVAL` after a quiet moment (`QUIET_GAP`); while records keep coming,
    longer when redraws are slow, so that they take at most `REDRAW_SHARE` of the time, and
    `FLOOD_REDRAW_INTERVAL` during a flood. Keys redraw at once (the Application's own
    pacing)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.perf_counter,
        flooding: Callable[[], bool] = lambda: False,
    ) -> None:
        self.redraws = 0
        self.cost = 0.0  # seconds per redraw, a moving average
        self._clock = clock
        self._flooding = flooding
        self._started = 0.0
        self._ended: float | None = None  # when the last redraw ended

    def attach(self, application: Application[Any]) -> None:
        application.before_render += self._before
        application.after_render += self._after

    def _before(self, _sender: object) -> None:
        self._started = self._clock()

    def _after(self, _sender: object) -> None:
        self._ended = self._clock()
        spent = self._ended - self._started
        self.cost = spent if not self.redraws else 0.7 * self.cost + 0.3 * spent
        self.redraws += 1

    def interval(self) -> float:
        """Seconds arriving records wait before the redraw that shows them."""
        if self._flooding():
            wanted = max(self.cost / REDRAW_SHARE, FLOOD_REDRAW_INTERVAL)
        elif self._ended is None or self._clock() - self._ended >= QUIET_GAP:
            return RECORD_REDRAW_INTERVAL
        else:
            wanted = self.cost / REDRAW_SHARE
        return min(SLOWEST_RECORD_REDRAW_INTERVAL, max(RECORD_REDRAW_INTERVAL, wanted))


class TraceApp:
    """The controller and the Application that draws it, built in that order."""

    def __init__(
        self,
        options: TraceOptions,
        *,
        publish: Callable[[ExchangeRecord], None] | None = None,
        input: Input | None = None,
        output: Output | None = None,
        lesson: LessonSetup | None = None,
    ) -> None:
        hooks = ScreenHooks(
            invalidate=self._invalidate,
            spawn=self._spawn,
            set_client_text=lambda text: set_text(self.widgets.client_input, text),
            get_client_text=lambda: self.widgets.client_input.text,
            copy_to_clipboard=self._copy_to_clipboard,
            set_editor_text=lambda text: set_text(self.widgets.response_editor, text),
            sync_focus=lambda: sync_focus(self.controller, self.widgets, self.layout),
        )
        self.lesson = None
        extension = None
        if lesson is not None:
            self.lesson = LessonPane(lesson, self._say, self._spawn)
            extension = Extension(
                zones=LESSON_ZONES,
                on_records=self.lesson.feed,
                prompts={"predict": self.lesson.answer},
                lang=lambda: self.lesson.lang if self.lesson is not None else options.lang,
            )
        self.controller = TraceController(options, publish, hooks, extension)
        theme = with_help_styles(THEMES.get(options.theme, THEMES["default"]), options.theme)
        console = make_console(theme)
        self.worker = LayoutWorker(make_console(theme), self._invalidate)
        self.widgets = build_widgets(self.controller, console, self.worker)
        extra_actions: dict[str, Action] = {}
        extra_contexts: dict[str, Filter] = {}
        area = None
        if self.lesson is not None:
            control = lesson_control(self.lesson, console)
            area = lesson_area(self.controller, self.lesson, control)
            extra_actions = lesson_actions(self.controller, self.widgets, self.lesson, control)
            extra_contexts = lesson_contexts(self.controller, self.widgets)
        self.layout = build_layout(self.controller, self.widgets, area)
        bindings = build_key_bindings(
            self.controller,
            self.widgets,
            self.layout,
            quit=lambda: quit_application(self.application),
            fail=fail_application,
            extra=extra_actions,
            extra_contexts=extra_contexts,
        )
        self.application = build_application(
            self.controller, self.layout, bindings, input=input, output=output
        )
        self.pacer = RedrawPacer(flooding=lambda: self.controller.flood.active)
        self.pacer.attach(self.application)

    def close(self) -> None:
        """After the screen ended: stop the layout worker and the client pane's connection."""
        self.worker.close()
        self.controller.client.close()

    def _say(self, message: str, level: str) -> None:
        self.controller.say(message, level)

    def _copy_to_clipboard(self, text: str) -> bool:
        """Ask the terminal to put `text` on the clipboard (OSC 52); False when too long."""
        sequence = osc52(text)
        if sequence is None:
            return False
        self.application.output.write_raw(sequence)
        self.application.output.flush()
        return True

    def _invalidate(self) -> None:
        self.application.invalidate()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Background work whose failure becomes a message on screen, not a traceback."""

        async def guard() -> None:
            try:
                await work
            except Exception as exc:  # a bug in one send must not break the screen
                self.controller.client.busy = False
                self.controller.say(f"internal error: {type(exc).__name__}: {exc}", "error")
                self.application.invalidate()

        self.application.create_background_task(guard())


def build_application(
    controller: TraceController,
    layout: Layout,
    key_bindings: KeyBindings,
    *,
    input: Input | None = None,
    output: Output | None = None,
) -> Application[int]:
    application: Application[int] = Application(
        layout=layout,
        key_bindings=key_bindings,
        style=chrome_style(controller.options.theme),
        full_screen=True,
        mouse_support=Condition(lambda: controller.options.mouse),
        color_depth=color_depth(),
        min_redraw_interval=0.03,
        input=input,
        output=output,
    )
    application.ttimeoutlen = 0.05  # Esc alone must not wait long for an Alt-key sequence
    # Esc is a key of its own here (leave the pane) and also the prefix of Alt-keys (emacs
    # Alt-/ completes): a short wait keeps "Esc, then /" from being read as Alt-/
    application.timeoutlen = 0.1
    return application


def quit_application(application: Application[int]) -> None:
    """Exit with status 0, once (a second q or a SIGTERM while quitting is ignored)."""
    if _still_running(application):
        application.exit(result=0)


def fail_application(application: Application[int], error: BaseException) -> None:
    """End the screen so that `run_async` raises `error` after restoring the terminal."""
    if _still_running(application):
        application.exit(exception=error)


def _still_running(application: Application[int]) -> bool:
    future = application.future
    return application.is_running and future is not None and not future.done()
