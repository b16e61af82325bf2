"""One socket of the proxy and the parser reading it: events in with a deadline, bytes out with
backpressure.

Reads take at most `READ_SIZE` bytes, and a write waits (`drain`) while the peer has not taken
what was written before, so a body passes through in bounded pieces whatever its size: the
proxy holds about one read and one socket buffer per direction, never a whole body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from httplab.protocol.events import NEED_DATA, PAUSED, ConnectionClosed, Event, Sentinel
from httplab.protocol.request_parser import RequestParser
from httplab.protocol.response_parser import ResponseParser

READ_SIZE = 64 * 1024
WRITE_HIGH_WATER = 64 * 1024
"""Bytes buffered for a peer before a write waits for it to read."""

Deadline = Callable[[], float]
"""Returns the loop time by which the next read must complete (it may move while waiting)."""


class PeerGone(Exception):
    """The peer reset or closed the connection while we wrote to it."""


class Wire:
    """A connection's reader and writer with the parser of what it receives."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        parser: RequestParser | ResponseParser,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = parser
        self.loop = asyncio.get_running_loop()
        self.activity = self.loop.time()  # the last read or completed write
        self.eof = False  # the peer closed its side (or reset)
        self.reset = False  # ... by a reset, not a FIN
        writer.transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)

    async def read(self, deadline: Deadline) -> bytes:
        """The next bytes (b"" at the end), or TimeoutError once `deadline()` has passed."""
        while True:
            remaining = deadline() - self.loop.time()
            if remaining <= 0:
                raise TimeoutError
            try:
                async with asyncio.timeout(remaining):
                    data = await self.reader.read(READ_SIZE)
            except TimeoutError:
                continue  # the deadline may have moved on meanwhile: checked above
            except OSError:  # ConnectionResetError and friends: an end, said so in the trace
                self.reset = True
                data = b""
            self.activity = self.loop.time()
            if not data:
                self.eof = True
            return data

    async def next_event(self, deadline: Deadline) -> Event:
        """The parser's next event, reading as needed; raises ProtocolError or TimeoutError."""
        parser = self.parser
        while True:
            event = parser.next_event()
            if event is PAUSED:
                raise RuntimeError("next_event() after the end of a message, before start_next()")
            if event is not NEED_DATA:
                assert not isinstance(event, Sentinel)
                return event
            if self.eof:  # the close was reported once already
                return ConnectionClosed()
            parser.feed(await self.read(deadline))

    def ready_event(self) -> Event | None:
        """The parser's next event if the bytes already read hold it, else None (no wait)."""
        event = self.parser.next_event()
        if event is NEED_DATA:
            return None
        if event is PAUSED:
            raise RuntimeError("ready_event() after the end of a message, before start_next()")
        assert not isinstance(event, Sentinel)
        return event

    async def write(self, data: bytes, timeout: float) -> None:
        """Write, then wait (at most `timeout`) while the peer has too much unread."""
        writer = self.writer
        if writer.is_closing():
            raise PeerGone
        writer.write(data)
        self.activity = self.loop.time()
        if writer.transport.get_write_buffer_size() <= WRITE_HIGH_WATER:
            return
        try:
            async with asyncio.timeout(timeout):
                await writer.drain()
        except TimeoutError:  # an OSError too: said first, so it stays a timeout
            raise
        except OSError as error:
            raise PeerGone from error
        self.activity = self.loop.time()

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()

    def abort(self) -> None:
        self.writer.transport.abort()
