"""An asyncio event loop in a background thread: the one start/stop both engines use.

The server (`engine.HTTPServer`) and the proxy (`httplab.proxy.engine.ProxyServer`) each run
their own loop in a daemon thread so the TUI, tests and lessons keep the main thread. Starting
waits for the first coroutine (listening) and undoes everything if it fails; stopping runs the
last coroutine (a graceful shutdown) within a bound, then stops and closes the loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object]


class LoopThread:
    """One event loop, one daemon thread; `start()` again after `stop()` makes fresh ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @property
    def started(self) -> bool:
        return self.thread is not None

    def start(
        self,
        first: Callable[[], Coroutine[Any, Any, None]],
        timeout: float,
        *,
        exception_handler: ExceptionHandler | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        """Run a new loop in a new thread and wait up to `timeout` for `first()` there.

        `prepare` runs after the loop exists, before the thread starts. If `first()` fails
        (e.g. OSError: port in use), the loop and thread are stopped and the error raised.
        """
        loop = asyncio.new_event_loop()
        if exception_handler is not None:
            loop.set_exception_handler(exception_handler)
        if prepare is not None:
            prepare()
        thread = threading.Thread(target=self._run, args=(loop,), name=self.name, daemon=True)
        self.loop, self.thread = loop, thread
        thread.start()
        future = asyncio.run_coroutine_threadsafe(first(), loop)
        try:
            future.result(timeout)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            self.loop = self.thread = None
            raise

    def stop(self, last: Callable[[], Coroutine[Any, Any, None]], timeout: float) -> None:
        """Run `last()` on the loop (at most `timeout` seconds), then stop and join."""
        loop, thread = self.loop, self.thread
        if loop is None or thread is None:
            return
        if thread.is_alive():
            future = asyncio.run_coroutine_threadsafe(last(), loop)
            try:
                future.result(timeout)
            except Exception:
                logger.exception("%s did not stop cleanly", self.name)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
        self.loop = self.thread = None

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
