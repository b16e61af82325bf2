"""Run the trace screen over a running server until the user quits; always leave a clean terminal.

The caller starts the server first (so "port in use" is one line on stderr, not a broken
screen) and passes `stop_server`; it is called however the screen ends — q, Ctrl-C, SIGTERM,
SIGHUP or an exception. prompt_toolkit restores the terminal on its way out; `_restore` repeats
the essentials (main screen, cursor, no mouse reporting) after an exception, in case the
failure happened where prompt_toolkit could not.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable
from typing import Any

from prompt_toolkit.application import Application
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output

from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.tui.app import TraceApp, fail_application, quit_application
from httplab.tui.controller import TraceOptions
from httplab.tui.inbox import BusInbox
from httplab.tui.lesson_pane import LessonSetup

SCREEN_SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the interpreter while another waits for it, while the screen runs
(Python's default is 0.005). A redraw is milliseconds of pure Python on the screen's thread;
the server's thread waiting for the lock meanwhile gets it back within 1 ms instead of 5, so a
request that arrives during a redraw is not held up for long (issue 12.4: p99 with the view
open)."""

COUNTDOWN_TICK = 1.0
"""Seconds between two redraws of the held requests' countdown."""


class TraceScreen:
    """The trace screen bound to a bus: `await run_async()` shows it until the user quits."""

    def __init__(
        self,
        bus: TraceBus,
        options: TraceOptions,
        *,
        input: Input | None = None,
        output: Output | None = None,
        lesson: LessonSetup | None = None,
    ) -> None:
        self.bus = bus
        self.options = options
        self.app = TraceApp(options, publish=bus.publish, input=input, output=output, lesson=lesson)
        self.controller = self.app.controller
        self.application = self.app.application

    async def run_async(self) -> int:
        loop = asyncio.get_running_loop()
        controller = self.controller
        # What arrived before the screen was up; the state skips any seq it has already seen.
        backlog = self.bus.snapshot()
        controller.on_records([i for i in backlog if isinstance(i, ExchangeRecord)])
        inbox = BusInbox(
            loop,
            self.bus,
            controller.on_records,
            delay=self.app.pacer.interval,  # records redraw on a timer, paced by redraw cost
            since=backlog[-1].seq if backlog else 0,
            on_quiet=controller.on_quiet,  # a flood is over: the details catch up
        )
        inbox.start()  # and whatever came between the snapshot and now
        stop_holding = self._watch_held(loop)
        quit_signals = _on_signals(loop, (signal.SIGTERM, signal.SIGHUP), self.application)
        previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(self._on_loop_exception)
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(switch_interval, SCREEN_SWITCH_INTERVAL))
        try:
            # prompt_toolkit's own handler would print over the screen and wait for Enter;
            # ours ends the screen and lets the error surface once the terminal is restored.
            result = await self.application.run_async(set_exception_handler=False)
            return result if isinstance(result, int) else 0
        finally:
            sys.setswitchinterval(switch_interval)
            loop.set_exception_handler(previous_handler)
            stop_holding()
            inbox.close()
            self.app.close()
            for signum in quit_signals:
                loop.remove_signal_handler(signum)

    def _watch_held(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        """Rows for the requests the server holds, and their countdown redrawn each second;
        returns what stops watching."""
        intercept = self.options.intercept
        if intercept is None:
            return lambda: None
        hold = self.controller.hold

        def changed() -> None:  # on the server's thread: hand over to the screen's loop
            with contextlib.suppress(RuntimeError):  # the loop is closed: the screen ended
                loop.call_soon_threadsafe(hold.sync)

        async def tick() -> None:
            while True:
                await asyncio.sleep(COUNTDOWN_TICK)
                if hold.count:
                    self.application.invalidate()

        unsubscribe = intercept.subscribe(changed)
        hold.sync()
        ticker = loop.create_task(tick())

        def stop() -> None:
            unsubscribe()
            ticker.cancel()

        return stop

    def _on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if error is None:
            loop.default_exception_handler(context)
            return
        fail_application(self.application, error)


def run_trace_screen(
    bus: TraceBus,
    options: TraceOptions,
    stop_server: Callable[[], None],
    *,
    input: Input | None = None,
    output: Output | None = None,
    lesson: LessonSetup | None = None,
) -> int:
    """Show the trace of `bus` full-screen (with `lesson`, the lesson view); returns the exit
    status (0 for q / Ctrl-C)."""
    screen: TraceScreen | None = None
    try:
        screen = TraceScreen(bus, options, input=input, output=output, lesson=lesson)
        return asyncio.run(screen.run_async())
    except BaseException:
        if screen is not None:
            _restore(screen.application.output)
        raise
    finally:
        stop_server()


def _on_signals(
    loop: asyncio.AbstractEventLoop,
    signals: tuple[signal.Signals, ...],
    application: Application[int],
) -> list[signal.Signals]:
    installed = []
    for signum in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, quit_application, application)
            installed.append(signum)
    return installed


def _restore(output: Output) -> None:
    with contextlib.suppress(Exception):
        output.disable_mouse_support()
        output.quit_alternate_screen()
        output.show_cursor()
        output.reset_attributes()
        output.flush()
