"""One small reader per body framing (RFC 9112 §6.3), picked by `READERS` as h11 does.

Every reader has one contract: `read(source)` returns `Data`, the `END` sentinel once the body
(and, for chunked, its trailer section) is complete, or `NEED_DATA`; it raises `ProtocolError`
(through `source.error`) for bytes that break its framing. The source is the parser's buffer.

Rules enforced here:
- RFC 9112 §6.2 / §6.3: a Content-Length body is exactly that many bytes; a close before the
  end is an incomplete message.
- RFC 9112 §6.3 rule 7 (responses only): without a length, the body runs until the close.
- RFC 9112 §7.1: chunked-body = *chunk last-chunk trailer-section CRLF; chunk-size is hex
  digits, then extensions (grammar.CHUNK_LINE); every line of it ends in CRLF — a bare LF
  anywhere in chunked framing, the trailer section and the final line included, is refused:
  where a body ends must not depend on which line endings a reader accepts (smuggling).
- RFC 9112 §7.1.1: chunk extensions are limited with a 4xx — here every framing byte is
  (size lines, extensions, CRLFs: `Limits.max_chunk_framing` over the data's own size).

The chunked reader has a fast path for the common case (`ChunkedReader._whole_chunk`): a size
line of hex digits alone with all of its chunk's data buffered, taken in one step. It only
ever declines to the step-by-step reader below it, which stays the reference; the tests in
`tests/protocol/test_chunked_fast.py` check that both give the same events and errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Protocol

from httplab.protocol import grammar
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import NEED_DATA, Data, Framing, FramingKind, Sentinel
from httplab.protocol.limits import Limits


class BodyEnd(Enum):
    END = "end"


END = BodyEnd.END
BodyResult = Data | BodyEnd | Sentinel

CRLF_SECTION_END = re.compile(rb"\r\n\r\n")
BARE_LF = re.compile(rb"(?<!\r)\n")


class Source(Protocol):
    """The parser's buffer as a reader sees it (`MessageParser` implements it)."""

    limits: Limits
    fast_path: bool  # readers may take the common case in one step (see `ChunkedReader`)

    def buffer(self) -> tuple[bytearray, int]: ...
    def available(self) -> int: ...
    def at_eof(self) -> bool: ...
    def take(self, n: int) -> bytes: ...
    def take_at_most(self, n: int) -> bytes: ...
    def take_line(self) -> bytes | None: ...
    def take_prefix(self, prefix: bytes) -> bool: ...
    def peek(self, n: int) -> bytes: ...
    def search(self, pattern: re.Pattern[bytes], within: int | None = None) -> int | None: ...
    def read_trailers(self, section: bytes) -> None: ...
    def incomplete_status(self) -> int: ...
    def too_large_status(self) -> int: ...
    def error(
        self, status: int, detail: str, rfc: str, offending: bytes = b"", *, code: str = ""
    ) -> ProtocolError: ...


class BodyReader(Protocol):
    @property
    def expecting(self) -> bool:
        """More body bytes are announced (a 100-continue answer is still useful)."""
        ...

    def read(self, source: Source) -> BodyResult: ...


class ContentLengthReader:
    """Exactly `length` bytes (also the empty body of a message without one)."""

    __slots__ = ("remaining",)

    def __init__(self, length: int) -> None:
        self.remaining = length

    @property
    def expecting(self) -> bool:
        return self.remaining > 0

    def read(self, source: Source) -> BodyResult:
        if self.remaining == 0:
            return END
        chunk = source.take_at_most(self.remaining)
        if not chunk:
            if source.at_eof():
                raise source.error(
                    source.incomplete_status(),
                    f"the connection closed {self.remaining} bytes before the end of the body",
                    "RFC 9112 §6.3",
                )
            return NEED_DATA
        self.remaining -= len(chunk)
        return Data(chunk)


class CloseDelimitedReader:
    """Everything until the peer closes (responses only), within `max_body`."""

    __slots__ = ("size",)

    def __init__(self) -> None:
        self.size = 0

    @property
    def expecting(self) -> bool:
        return True

    def read(self, source: Source) -> BodyResult:
        available = source.available()
        if available:
            self.size += available
            if self.size > source.limits.max_body:
                raise source.error(
                    source.too_large_status(), "body exceeds the limit", "RFC 9110 §15.5.14"
                )
            return Data(source.take(available))
        if source.at_eof():
            return END
        return NEED_DATA


class ChunkPhase(Enum):
    SIZE = "chunk-size line"
    DATA = "chunk data"
    DATA_END = "CRLF after chunk data"
    TRAILERS = "trailer section"


# module names for the members (an Enum attribute costs ~130 ns on Python 3.11, read per event)
_SIZE, _DATA, _DATA_END, _TRAILERS = (
    ChunkPhase.SIZE,
    ChunkPhase.DATA,
    ChunkPhase.DATA_END,
    ChunkPhase.TRAILERS,
)


# RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF, in its commonest form:
# a size line of hex digits alone (at most 15 of them: the longer ones are the step-by-step
# reader's to judge), after the CRLF that ends the previous chunk's data when that is due.
# Group 1: the size.
_PLAIN_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,15})\r\n")
_CRLF_PLAIN_SIZE_LINE = re.compile(rb"\r\n([0-9A-Fa-f]{1,15})\r\n")


class ChunkedReader:
    """The chunked coding: size lines, data, the CRLF after it, then the trailer section."""

    __slots__ = ("framing_bytes", "phase", "remaining", "size")

    def __init__(self) -> None:
        self.phase = _SIZE
        self.remaining = 0  # bytes left in the current chunk
        self.size = 0  # data bytes announced so far
        self.framing_bytes = 0

    @property
    def expecting(self) -> bool:
        return True

    def read(self, source: Source) -> BodyResult:
        phase = self.phase
        if (phase is _SIZE or phase is _DATA_END) and source.fast_path:
            result = self._whole_chunk(source, phase)
            if result is not None:
                return result
        while True:
            phase = self.phase
            if phase is _DATA:
                chunk = source.take_at_most(self.remaining)
                if not chunk:
                    if source.at_eof():
                        raise source.error(
                            source.incomplete_status(),
                            "the connection closed inside a chunk",
                            "RFC 9112 §7.1",
                        )
                    return NEED_DATA
                self.remaining -= len(chunk)
                if self.remaining == 0:
                    self.phase = _DATA_END
                return Data(chunk)
            if phase is _SIZE:
                if not self._size_line(source):
                    return NEED_DATA
            elif phase is _DATA_END:
                if not source.take_prefix(b"\r\n"):
                    self._no_crlf_after_data(source)
                    return NEED_DATA
                self.framing_bytes += 2
                self.phase = _SIZE
            else:
                return self._trailers(source)

    def _whole_chunk(self, source: Source, phase: ChunkPhase) -> BodyResult | None:
        """The common case in one step, or None, with nothing consumed, for the steps of
        `read`: the CRLF after the previous chunk's data when due, a plain size line and all
        of the chunk's data; or, after the data, the last chunk and the empty trailer section.

        It consumes exactly what the steps would before the same event, and checks every
        limit as `_size_line` does; anything they would refuse, or that is not all here yet,
        is left to them, so they give the same events and errors."""
        buf, pos = source.buffer()
        limits = source.limits
        after_data = 2 if phase is _DATA_END else 0  # the CRLF that ends the previous data
        if after_data and buf.startswith(b"\r\n0\r\n\r\n", pos):  # the end of the body
            if limits.max_chunk_line < 2 or (
                self.framing_bytes + 5 > limits.max_chunk_framing + self.size
            ):
                return None
            source.take(7)
            self.phase = _TRAILERS
            return END
        line = (_CRLF_PLAIN_SIZE_LINE if after_data else _PLAIN_SIZE_LINE).match(buf, pos)
        if line is None:
            return None
        start = line.end()  # the chunk's data
        framing_bytes = self.framing_bytes + (start - pos)  # the CRLF after data counts too
        if (
            start - pos - after_data - 1 > limits.max_chunk_line
            or framing_bytes > limits.max_chunk_framing + self.size
        ):
            return None
        size = int(line[1], 16)  # hex digits only (the pattern allows nothing else)
        total = self.size + size
        if size == 0 or total > limits.max_body or start + size > len(buf):
            return None  # the last chunk (trailers may follow), too much, or not all here
        piece = source.take(start + size - pos)
        self.framing_bytes = framing_bytes
        self.size = total
        self.phase = _DATA_END
        return Data(piece[start - pos :])

    def _size_line(self, source: Source) -> bool:
        """Read one chunk-size line and start its chunk; False when it is not all here.
        A line over the limit is refused however it arrived, and so is a bare LF."""
        limit = source.limits.max_chunk_line
        line = source.take_line()
        if line is None:
            if source.available() > limit:
                raise source.error(
                    400, f"a chunk-size line exceeds {limit} bytes", "RFC 9112 §7.1.1"
                )
            if source.at_eof():
                raise self._closed(source)
            return False
        if len(line) - 1 > limit:
            raise source.error(400, f"a chunk-size line exceeds {limit} bytes", "RFC 9112 §7.1.1")
        self.framing_bytes += len(line)
        if self.framing_bytes > source.limits.max_chunk_framing + self.size:
            raise self._too_much_framing(source)
        if not line.endswith(b"\r\n"):
            raise self._bare_lf(source, "a chunk-size line", line[-40:])
        match = grammar.CHUNK_LINE.fullmatch(line, 0, len(line) - 2)
        if match is None:
            raise source.error(
                400,
                "invalid chunk-size line (hex digits, then extensions)",
                "RFC 9112 §7.1",
                line[:40],
            )
        digits = match.group(1)
        if len(digits) > 15 and len(digits.lstrip(b"0")) > 15:
            raise source.error(
                source.too_large_status(), "chunk size is absurdly large", "RFC 9112 §7.1"
            )
        size = int(digits, 16)  # hex digits only: the pattern allows nothing else
        if size == 0:
            self.phase = _TRAILERS
            return True
        self.size += size
        if self.size > source.limits.max_body:
            raise source.error(
                source.too_large_status(),
                f"chunked body exceeds the limit of {source.limits.max_body} bytes",
                "RFC 9110 §15.5.14",
            )
        self.remaining = size
        self.phase = _DATA
        return True

    def _no_crlf_after_data(self, source: Source) -> None:
        """Refuse what follows chunk data when it cannot become its CRLF; else wait for it."""
        end = source.peek(2)
        if end[:1] == b"\n":
            raise self._bare_lf(source, "chunk data", b"\n")
        if end not in (b"", b"\r"):
            raise source.error(
                400,
                "chunk data longer than its size (no CRLF after it)",
                "RFC 9112 §7.1",
                source.peek(40),
            )
        if source.at_eof():
            raise self._closed(source)

    def _trailers(self, source: Source) -> BodyResult:
        if source.take_prefix(b"\r\n"):
            return END
        end = source.search(CRLF_SECTION_END)
        bare = source.search(BARE_LF, end)
        if bare is not None:
            raise self._bare_lf(source, "a trailer line", source.peek(bare)[-40:])
        if end is None:
            if source.available() > source.limits.max_header_block:
                raise source.error(431, "trailer section too large", "RFC 6585 §5")
            if source.at_eof():
                raise source.error(
                    source.incomplete_status(),
                    "the connection closed inside the trailers",
                    "RFC 9112 §7.1",
                )
            return NEED_DATA
        source.read_trailers(source.take(end))
        return END

    def _too_much_framing(self, source: Source) -> ProtocolError:
        # RFC 9112 §7.1.1: "A server ought to limit the total length of chunk extensions
        # received in a request ... and generate an appropriate 4xx (Client Error) response
        # if that amount is exceeded." Checked at each size line: the 2 bytes after each
        # chunk's data are counted with the next line.
        limit = source.limits.max_chunk_framing
        return source.error(
            400,
            f"chunked framing (size lines, extensions, CRLFs) exceeds the body's size by "
            f"more than {limit} bytes: send fewer, larger chunks",
            "RFC 9112 §7.1.1",
        )

    def _bare_lf(self, source: Source, what: str, offending: bytes) -> ProtocolError:
        return source.error(
            400,
            f"{what} ends in a bare LF; chunked framing needs CRLF (nc -C sends CRLF)",
            "RFC 9112 §7.1",
            offending,
            code="bare-lf-in-chunked",
        )

    def _closed(self, source: Source) -> ProtocolError:
        return source.error(
            source.incomplete_status(),
            "the connection closed inside a chunked body",
            "RFC 9112 §7.1",
        )


# A message without a body (no framing field, or Content-Length: 0 — most requests) has no
# reader: the parser's next event is its end, without a reader to make and call.
def _no_body(framing: Framing) -> BodyReader | None:
    return None


def _length(framing: Framing) -> BodyReader | None:
    return ContentLengthReader(framing.length) if framing.length else None


def _chunked(framing: Framing) -> BodyReader | None:
    return ChunkedReader()


def _close(framing: Framing) -> BodyReader | None:
    return CloseDelimitedReader()


READERS: dict[FramingKind, Callable[[Framing], BodyReader | None]] = {
    "none": _no_body,
    "length": _length,
    "chunked": _chunked,
    "close": _close,
}
"""Which reader reads a body of each framing kind (None: there is no body to read)."""
