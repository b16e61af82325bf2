"""The access log of `httplab serve`: lines gathered on the server's loop, written in batches.

Writing stderr from the loop would stall the server whenever stderr is slow (a pipe nobody
reads); handing every line to a writer thread cost a queue put and a thread switch per request
(half the server's throughput). So the loop only appends the formatted line to a list; a timer
(`FLUSH_EVERY`) or a full batch (`BATCH_LINES`) hands the whole list to the writer thread in
one put, and the thread writes it in one call. A stream that does not keep up costs dropped
lines, counted and reported when the server stops, never a stalled server.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import queue
import threading
from typing import TextIO

from httplab.server.access_log import AccessEntry, format_access_line

ACCESS_LOG_QUEUE = 10_000
"""Access-log lines waiting for stderr before new ones are dropped."""
FLUSH_EVERY = 0.05
"""Seconds a line may wait on the loop before its batch goes to the writer thread."""
BATCH_LINES = 512
"""Lines after which a batch goes at once."""
STUCK_AFTER = 1.0
"""Seconds without a line written after which stopping gives up on stderr."""


class AccessLogWriter:
    """The `access_log` hook: call it with an `AccessEntry` (on the server's loop), `say` a
    line from any thread, `close()` once the server has stopped."""

    def __init__(self, stream: TextIO, max_queued: int = ACCESS_LOG_QUEUE) -> None:
        self.stream = stream
        self.max_queued = max_queued
        self.batches: queue.SimpleQueue[list[str] | None] = queue.SimpleQueue()
        self.pending: list[str] = []  # touched only by the loop thread
        self.flush_scheduled = False
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's, once a line came
        self.said: collections.deque[str] = collections.deque()  # `say` lines, in order
        self.lock = threading.Lock()  # guards the counters shared with the writer thread
        self.in_flight = 0  # lines handed to the writer thread, not yet written
        self.dropped = 0
        self.written = 0
        self.thread = threading.Thread(target=self._write, name="httplab-access-log", daemon=True)
        self.thread.start()

    def __call__(self, entry: AccessEntry) -> None:
        line = format_access_line(entry) + "\n"
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not called from an event loop: no timer to wait for
            self._hand_over([line])
            return
        self.pending.append(line)
        if len(self.pending) >= BATCH_LINES:
            self.flush()
        elif not self.flush_scheduled:
            self.flush_scheduled = True
            self.loop = loop  # here, not per line: this branch runs once per FLUSH_EVERY
            loop.call_later(FLUSH_EVERY, self.flush)

    def say(self, line: str) -> None:
        """One line for stderr, from any thread, without ever waiting for it, after the
        access-log lines logged before it (`httplab: stopping` must not come before the
        last exchanges): the loop hands its gathered lines over first, or `close()` does
        when the loop has stopped."""
        loop = self.loop
        if loop is None:  # no line gathered on a loop yet: nothing to come before it
            self._hand_over([line + "\n"])
            return
        self.said.append(line + "\n")
        with contextlib.suppress(RuntimeError):  # the loop is closed: close() hands it over
            loop.call_soon_threadsafe(self._flush_with_said)

    def _flush_with_said(self) -> None:
        """On the loop thread (or once it has stopped): gathered lines, then said ones."""
        self.flush()
        said: list[str] = []
        with contextlib.suppress(IndexError):
            while True:
                said.append(self.said.popleft())
        if said:
            self._hand_over(said)

    def flush(self) -> None:
        """Hand the lines gathered on the loop to the writer thread (on the loop thread)."""
        self.flush_scheduled = False
        if self.pending:
            batch, self.pending = self.pending, []
            self._hand_over(batch)

    def _hand_over(self, batch: list[str]) -> None:
        with self.lock:
            room = self.max_queued - self.in_flight
            if room < len(batch):
                self.dropped += len(batch) - max(room, 0)
                batch = batch[: max(room, 0)]
            self.in_flight += len(batch)
        if batch:
            self.batches.put(batch)

    def _write(self) -> None:
        while (batch := self.batches.get()) is not None:
            try:
                self.stream.write("".join(batch))
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed: nothing more to say
                return
            with self.lock:
                self.in_flight -= len(batch)
                self.written += len(batch)

    def close(self) -> None:
        """Write what is gathered while the stream takes it, then report dropped lines. A
        stream nobody reads (a full pipe) is given up on after `STUCK_AFTER` without
        progress: a blocking write here would turn Ctrl-C into a hang. Call it once the
        server's loop has stopped."""
        self._flush_with_said()
        self.batches.put(None)
        written = -1
        while self.thread.is_alive() and self.written != written:  # wait while it progresses
            written = self.written
            self.thread.join(STUCK_AFTER)
        if self.dropped and not self.thread.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.stream.write(
                    f"httplab: {self.dropped} access-log lines dropped (stderr slow)\n"
                )
