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

    def available(self) -> int: ...
    def at_eof(self) -> bool: ...
    def take(self, n: int) -> bytes: ...
    def peek(self, n: int) -> bytes: ...
    def line_length(self) -> int | None: ...
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
        available = source.available()
        if available == 0:
            if source.at_eof():
                raise source.error(
                    source.incomplete_status(),
                    f"the connection closed {self.remaining} bytes before the end of the body",
                    "RFC 9112 §6.3",
                )
            return NEED_DATA
        chunk = source.take(min(available, self.remaining))
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


class ChunkedReader:
    """The chunked coding: size lines, data, the CRLF after it, then the trailer section."""

    __slots__ = ("framing_bytes", "phase", "remaining", "size")

    def __init__(self) -> None:
        self.phase = ChunkPhase.SIZE
        self.remaining = 0  # bytes left in the current chunk
        self.size = 0  # data bytes announced so far
        self.framing_bytes = 0

    @property
    def expecting(self) -> bool:
        return True

    def read(self, source: Source) -> BodyResult:
        while True:
            phase = self.phase
            if phase is ChunkPhase.SIZE:
                line = self._line(source, source.limits.max_chunk_line, "a chunk-size line")
                if line is None:
                    return NEED_DATA
                self._start_chunk(source, line)
            elif phase is ChunkPhase.DATA:
                available = source.available()
                if available == 0:
                    if source.at_eof():
                        raise source.error(
                            source.incomplete_status(),
                            "the connection closed inside a chunk",
                            "RFC 9112 §7.1",
                        )
                    return NEED_DATA
                chunk = source.take(min(available, self.remaining))
                self.remaining -= len(chunk)
                if self.remaining == 0:
                    self.phase = ChunkPhase.DATA_END
                return Data(chunk)
            elif phase is ChunkPhase.DATA_END:
                if not self._data_end(source):
                    return NEED_DATA
            else:
                return self._trailers(source)

    def _start_chunk(self, source: Source, line: bytes) -> None:
        match = grammar.CHUNK_LINE.fullmatch(line)
        if match is None:
            raise source.error(
                400,
                "invalid chunk-size line (hex digits, then extensions)",
                "RFC 9112 §7.1",
                line[:40],
            )
        digits = match.group(1)
        if len(digits.lstrip(b"0")) > 15:
            raise source.error(
                source.too_large_status(), "chunk size is absurdly large", "RFC 9112 §7.1"
            )
        size = int(digits, 16)  # hex digits only: the pattern allows nothing else
        if size == 0:
            self.phase = ChunkPhase.TRAILERS
            return
        self.size += size
        if self.size > source.limits.max_body:
            raise source.error(
                source.too_large_status(),
                f"chunked body exceeds the limit of {source.limits.max_body} bytes",
                "RFC 9110 §15.5.14",
            )
        self.remaining = size
        self.phase = ChunkPhase.DATA

    def _line(self, source: Source, limit: int, what: str) -> bytes | None:
        """One CRLF-terminated line without its CRLF, or None when incomplete; a line over
        `limit` is refused however it arrived, and so is a bare LF."""
        length = source.line_length()
        if length is None:
            if source.available() > limit:
                raise source.error(400, f"{what} exceeds {limit} bytes", "RFC 9112 §7.1.1")
            if source.at_eof():
                raise self._closed(source)
            return None
        if length > limit:
            raise source.error(400, f"{what} exceeds {limit} bytes", "RFC 9112 §7.1.1")
        line = source.take(length + 1)
        self._count_framing(source, len(line))
        if line.endswith(b"\r\n"):
            return line[:-2]
        raise self._bare_lf(source, what, line[-40:])

    def _data_end(self, source: Source) -> bool:
        end = source.peek(2)
        if end == b"\r\n":
            source.take(2)
            self._count_framing(source, 2)
            self.phase = ChunkPhase.SIZE
            return True
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
        return False

    def _trailers(self, source: Source) -> BodyResult:
        if source.peek(2) == b"\r\n":
            source.take(2)
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

    def _count_framing(self, source: Source, n: int) -> None:
        # RFC 9112 §7.1.1: "A server ought to limit the total length of chunk extensions
        # received in a request ... and generate an appropriate 4xx (Client Error) response
        # if that amount is exceeded."
        self.framing_bytes += n
        limit = source.limits.max_chunk_framing
        if self.framing_bytes > limit + self.size:
            raise source.error(
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


def _no_body(framing: Framing) -> BodyReader:
    return ContentLengthReader(0)


def _length(framing: Framing) -> BodyReader:
    return ContentLengthReader(framing.length or 0)


def _chunked(framing: Framing) -> BodyReader:
    return ChunkedReader()


def _close(framing: Framing) -> BodyReader:
    return CloseDelimitedReader()


READERS: dict[FramingKind, Callable[[Framing], BodyReader]] = {
    "none": _no_body,
    "length": _length,
    "chunked": _chunked,
    "close": _close,
}
"""Which reader reads a body of each framing kind."""
