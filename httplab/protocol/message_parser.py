"""What the request and response parsers share: the buffer, the state table, head splitting,
field lines, body framing and the body readers (see `parser.py` for the theory of operation).
"""

from __future__ import annotations

import re

from httplab.protocol import grammar
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Event,
    Framing,
    Sentinel,
)
from httplab.protocol.framing import Selected
from httplab.protocol.headers import Field, Headers
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.notes import Note

HEAD_END = re.compile(rb"\n\r?\n")
CRLF_HEAD_END = re.compile(rb"\r\n\r\n")
BARE_LF = re.compile(rb"(?<!\r)\n")

_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _CLOSE, _DONE, _ERROR = range(9)

NO_BODY = Framing("none")

Result = Event | Sentinel


def unfold(lines: list[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
    """RFC 9112 §5.2: each obs-fold (OWS CRLF RWS) becomes one SP; a continuation line with no
    field before it stays, for the field-line check to refuse."""
    out: list[tuple[bytes, int]] = []
    for line, offset in lines:
        if line[:1] in (b" ", b"\t") and out:
            previous, start = out[-1]
            out[-1] = (previous.rstrip(b" \t") + b" " + line.strip(b" \t"), start)
        else:
            out.append((line, offset))
    return out


def note_bare_lf() -> Note:
    return Note(
        "bare-lf",
        "a line ended with a bare LF instead of CRLF (accepted, but a sender MUST use CRLF)",
        "RFC 9112 §2.2",
    )


class MessageParser:
    """What request and response parsers share: the buffer, head splitting, fields, bodies."""

    _head_status = 400  # status for errors in a head (a response parser says 502)

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._buf = bytearray()
        self._pos = 0  # start of unconsumed bytes in _buf
        self._scan = 0  # where the search for the end of the head resumes
        self._raw = bytearray()  # consumed bytes of the message in progress
        self._state = _HEAD
        self._eof = False
        self._error: ProtocolError | None = None
        self._remaining = 0  # bytes left in a Content-Length body or in a chunk
        self._body_size = 0
        self._framing_bytes = 0  # chunked framing bytes of the body in progress
        self._empty_lines = 0  # empty lines skipped before the start line in progress
        self._trailers: list[Field] = []
        self._notes: list[Note] = []
        self._closed_reported = False

    # feeding ------------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        """Append bytes from the peer; `b""` means the peer will send nothing more."""
        if not data:
            self._eof = True
            return
        if self._pos and self._pos == len(self._buf):
            self._buf.clear()
            self._pos = self._scan = 0
        self._buf += data

    @property
    def idle(self) -> bool:
        """No byte of a new message has arrived (a keep-alive wait, not a slow request)."""
        return self._state in (_HEAD, _DONE) and not self._raw and self._pos == len(self._buf)

    @property
    def pending_raw(self) -> bytes:
        """Every byte received of the message in progress, consumed or not."""
        return bytes(self._raw) + bytes(self._buf[self._pos :])

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    @property
    def body_expected(self) -> bool:
        """A head announced a body that has not fully arrived."""
        if self._state == _LENGTH:
            return self._remaining > 0
        return self._state in (_CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _CLOSE)

    def start_next(self) -> None:
        """Go on to the next message after `EndOfMessage`."""
        if self._state == _DONE:
            self._state = _HEAD
            self._raw.clear()
            self._notes = []
            self._empty_lines = 0

    def _read_another_head(self) -> None:
        """After an interim (1xx) head: the final head of the same exchange comes next."""
        self._raw.clear()
        self._notes = []
        self._empty_lines = 0
        self._state = _HEAD

    def next_event(self) -> Result:
        if self._error is not None:
            raise self._error
        try:
            return self._next()
        except ProtocolError as error:
            self._error = error
            self._state = _ERROR
            raise

    # the state table ----------------------------------------------------------------------
    def _next(self) -> Result:
        state = self._state
        if state == _HEAD:
            return self._read_head()
        if state == _LENGTH:
            return self._read_length_body()
        if state in (_CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS):
            return self._read_chunked()
        if state == _CLOSE:
            return self._read_until_close()
        return PAUSED

    def _take(self, n: int) -> bytes:
        """Consume n buffered bytes into the raw record of the message."""
        start = self._pos
        chunk = bytes(self._buf[start : start + n])
        self._pos = start + n
        self._raw += chunk
        if self._pos > 65536 and self._pos * 2 > len(self._buf):
            del self._buf[: self._pos]
            self._scan = max(0, self._scan - self._pos)
            self._pos = 0
        return chunk

    def _end_message(self) -> EndOfMessage:
        self._state = _DONE
        trailers = Headers(self._trailers)
        self._trailers = []
        return EndOfMessage(trailers, bytes(self._raw), tuple(self._notes))

    def _error_at(
        self, status: int, detail: str, rfc: str, offending: bytes = b""
    ) -> ProtocolError:
        return ProtocolError(status, detail, rfc, offending=offending)

    # the head -----------------------------------------------------------------------------
    def _read_head(self) -> Result:
        buf, pos = self._buf, self._pos
        if pos == len(buf):  # the usual state between keep-alive requests
            return self._need_more_or_eof()
        # RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) received prior
        # to the request-line.
        skipped = self._empty_lines  # counted across reads: the limit must not depend on them
        while pos < len(buf) and buf[pos] in (13, 10):
            if buf[pos] == 10:
                pos += 1
            elif pos + 1 < len(buf):
                if buf[pos + 1] != 10:
                    raise self._error_at(400, "bare CR before the start line", "RFC 9112 §2.2")
                pos += 2
            else:
                break  # a lone CR at the end: wait for its LF
            skipped += 1
            if skipped > self.limits.max_leading_empty_lines:
                raise self._error_at(
                    400, "too many empty lines before the start line", "RFC 9112 §2.2"
                )
        self._empty_lines = skipped
        if pos > self._pos:
            self._take(pos - self._pos)
            self._scan = max(self._scan, pos)
        if pos == len(buf) or buf[pos] == 13:
            return self._need_more_or_eof()

        match = HEAD_END.search(buf, max(self._scan, pos))
        if match is None:
            self._scan = max(pos, len(buf) - 2)
            self._check_partial_head(pos)
            return self._need_more_or_eof()
        end = match.end()
        self._scan = end
        head = self._take(end - pos)
        prefix = len(self._raw) - len(head)
        return self._parse_head(head, prefix)

    def _need_more_or_eof(self) -> Result:
        if not self._eof:
            return NEED_DATA
        # RFC 9112 §2.2: empty lines before a start line are ignored, so a peer that sent a
        # stray CRLF after its last message and closed has closed cleanly.
        if self._pos < len(self._buf) or self._raw.strip(b"\r\n"):
            raise self._error_at(
                self._head_status,
                "the connection closed in the middle of a message head",
                "RFC 9112 §8",
            )
        if self._closed_reported:
            return NEED_DATA
        self._closed_reported = True
        return ConnectionClosed()

    def _check_partial_head(self, pos: int) -> None:
        """Refuse a head that is already too long, or whose start line is already wrong, before
        it is even complete."""
        self._check_partial_start_line(pos)
        buf = self._buf
        first_lf = buf.find(b"\n", pos)
        if first_lf < 0:
            if len(buf) - pos > self.limits.max_request_line:
                raise self._too_long_start_line()
            return
        block = len(buf) - first_lf - 1
        if block > self.limits.max_header_block:
            raise self._error_at(
                431, f"header section exceeds {self.limits.max_header_block} bytes", "RFC 6585 §5"
            )
        last_lf = buf.rfind(b"\n", pos)
        if len(buf) - last_lf - 1 > self.limits.max_header_line:
            raise self._error_at(
                431, f"a field line exceeds {self.limits.max_header_line} bytes", "RFC 6585 §5"
            )

    def _check_partial_start_line(self, pos: int) -> None:
        """Refuse a start line whose first bytes can never become valid (requests only)."""

    def _too_long_start_line(self) -> ProtocolError:
        return self._error_at(
            414, f"request line exceeds {self.limits.max_request_line} bytes", "RFC 9112 §3"
        )

    def _split_lines(self, head: bytes, prefix: int) -> list[tuple[bytes, int]]:
        """Lines of the head with their offsets in the raw message; CRLF or bare LF ends one."""
        crlf = head.count(b"\r\n")
        if head.count(b"\r") != crlf:
            at = head.find(b"\r")
            while at >= 0 and head[at + 1 : at + 2] == b"\n":
                at = head.find(b"\r", at + 1)
            raise self._error_at(
                400,
                "bare CR (a CR not followed by LF) in the message head",
                "RFC 9112 §2.2",
                head[max(0, at - 20) : at + 20],
            )
        lines: list[tuple[bytes, int]] = []
        offset = prefix
        if crlf == head.count(b"\n"):  # the usual case: CRLF everywhere
            for line in head.split(b"\r\n")[:-2]:
                lines.append((line, offset))
                offset += len(line) + 2
            return lines
        self._notes.append(note_bare_lf())
        for line in head.split(b"\n")[:-2]:
            if line.endswith(b"\r"):
                lines.append((line[:-1], offset))
            else:
                lines.append((line, offset))
            offset += len(line) + 1
        return lines

    def _parse_fields(self, lines: list[tuple[bytes, int]]) -> list[Field]:
        limits = self.limits
        if len(lines) > limits.max_fields:
            raise self._error_at(431, f"more than {limits.max_fields} field lines", "RFC 6585 §5")
        fields: list[Field] = []
        block = 0
        max_line = limits.max_header_line
        well_formed = grammar.FIELD_LINE.fullmatch
        for line, _offset in lines:
            block += len(line) + 2
            if len(line) > max_line:
                raise self._error_at(
                    431, f"a field line exceeds {max_line} bytes", "RFC 6585 §5", line[:40]
                )
            match = well_formed(line)
            if match is None:
                raise self._diagnose_field_line(line)
            fields.append(Field(*match.group(1, 2)))
        if block > limits.max_header_block:
            raise self._error_at(
                431, f"header section exceeds {limits.max_header_block} bytes", "RFC 6585 §5"
            )
        return fields

    def _diagnose_field_line(self, line: bytes) -> ProtocolError:
        """Which rule a field line broke, for a line the well-formed pattern refused."""
        if line[:1] in (b" ", b"\t"):
            # RFC 9112 §5.2: a server MUST reject obs-fold with 400 (or replace it with SP).
            return self._error_at(
                400,
                "obsolete line folding (a field line starting with whitespace)",
                "RFC 9112 §5.2",
                line[:40],
            )
        colon = line.find(b":")
        if colon < 0:
            return self._error_at(400, "a field line without a colon", "RFC 9112 §5", line[:40])
        name = line[:colon]
        if grammar.TOKEN.fullmatch(name) is None:
            if name and name.rstrip(b" \t") != name:
                return self._error_at(
                    400,
                    "whitespace between a field name and the colon",
                    "RFC 9112 §5.1",
                    line[:40],
                )
            return self._error_at(400, "invalid field name", "RFC 9110 §5.1", line[:40])
        return self._error_at(
            400,
            "invalid byte (NUL, CR, LF or another control character) in a field value",
            "RFC 9110 §5.5",
            line[:60],
        )

    def _parse_head(self, head: bytes, prefix: int) -> Result:
        raise NotImplementedError

    # framing ------------------------------------------------------------------------------
    def _content_length(self, selected: Selected) -> int | None:
        values = selected.get(b"content-length")
        if not values:
            return None
        items = [item.strip(b" \t") for value in values for item in value.split(b",")]
        for item in items:
            if grammar.DIGITS.fullmatch(item) is None:
                raise self._error_at(
                    400, f"Content-Length must be digits only, got {item!r}", "RFC 9110 §8.6", item
                )
        if len(set(items)) > 1:
            raise self._error_at(
                400,
                "repeated Content-Length with different values",
                "RFC 9112 §6.3",
                b",".join(items),
            )
        if len(items) > 1:
            self._notes.append(
                Note(
                    "repeated-content-length",
                    "Content-Length repeated with the same value (accepted; send it once)",
                    "RFC 9110 §8.6",
                )
            )
        if len(items[0].lstrip(b"0")) > 18:
            raise self._error_at(
                self._too_large_status, "Content-Length is absurdly large", "RFC 9110 §15.5.14"
            )
        return int(items[0])

    _too_large_status = 413

    def _start_body(self, framing: Framing) -> None:
        self._body_size = 0
        self._framing_bytes = 0
        if framing.kind == "length":
            assert framing.length is not None
            if framing.length > self.limits.max_body:
                raise self._error_at(
                    self._too_large_status,
                    f"body of {framing.length} bytes exceeds the limit of {self.limits.max_body}",
                    "RFC 9110 §15.5.14",
                )
            self._remaining = framing.length
            self._state = _LENGTH
        elif framing.kind == "chunked":
            self._state = _CHUNK_SIZE
        elif framing.kind == "close":
            self._state = _CLOSE
        else:  # no body: the next event is EndOfMessage
            self._remaining = 0
            self._state = _LENGTH

    # bodies -------------------------------------------------------------------------------
    def _read_length_body(self) -> Result:
        if self._remaining == 0:
            return self._end_message()
        available = len(self._buf) - self._pos
        if available == 0:
            if self._eof:
                raise self._error_at(
                    self._head_status,
                    f"the connection closed {self._remaining} bytes before the end of the body",
                    "RFC 9112 §6.3",
                )
            return NEED_DATA
        chunk = self._take(min(available, self._remaining))
        self._remaining -= len(chunk)
        return Data(chunk)

    def _read_until_close(self) -> Result:
        available = len(self._buf) - self._pos
        if available:
            self._body_size += available
            if self._body_size > self.limits.max_body:
                raise self._error_at(
                    self._too_large_status, "body exceeds the limit", "RFC 9110 §15.5.14"
                )
            return Data(self._take(available))
        if self._eof:
            return self._end_message()
        return NEED_DATA

    def _read_line(self, limit: int, what: str) -> bytes | None:
        """One CRLF-terminated line of chunked framing without its CRLF, or None when
        incomplete; a bare LF is refused, and so is a line over `limit` however it arrived."""
        lf = self._buf.find(b"\n", self._pos)
        length = (len(self._buf) if lf < 0 else lf) - self._pos
        if length > limit:
            raise self._error_at(400, f"{what} exceeds {limit} bytes", "RFC 9112 §7.1.1")
        if lf < 0:
            if self._eof:
                raise self._error_at(
                    self._head_status,
                    "the connection closed inside a chunked body",
                    "RFC 9112 §7.1",
                )
            return None
        line = self._take(lf + 1 - self._pos)
        self._count_framing(len(line))
        if line.endswith(b"\r\n"):
            return line[:-2]
        # RFC 9112 §7.1 frames chunks with CRLF; the §2.2 leniency for a bare LF is for the
        # start line and fields. Where a body ends must not depend on which line endings a
        # reader accepts (a proxy that reads "5;ext\nhello" as one line sees another body):
        # that is request smuggling, so refuse.
        raise self._bare_lf_in_chunked(what, line[-40:])

    def _bare_lf_in_chunked(self, what: str, offending: bytes) -> ProtocolError:
        return self._error_at(
            400,
            f"{what} ends in a bare LF; chunked framing needs CRLF (nc -C sends CRLF)",
            "RFC 9112 §7.1",
            offending,
        )

    def _count_framing(self, n: int) -> None:
        """RFC 9112 §7.1.1: "A server ought to limit the total length of chunk extensions
        received in a request ... and generate an appropriate 4xx (Client Error) response if
        that amount is exceeded." Bounded with all framing bytes, relative to the data."""
        self._framing_bytes += n
        if self._framing_bytes > self.limits.max_chunk_framing + self._body_size:
            raise self._error_at(
                400,
                f"chunked framing (size lines, extensions, CRLFs) exceeds the body's size by "
                f"more than {self.limits.max_chunk_framing} bytes: send fewer, larger chunks",
                "RFC 9112 §7.1.1",
            )

    def _read_chunked(self) -> Result:
        while True:
            state = self._state
            if state == _CHUNK_SIZE:
                line = self._read_line(self.limits.max_chunk_line, "a chunk-size line")
                if line is None:
                    return NEED_DATA
                match = grammar.CHUNK_LINE.fullmatch(line)
                if match is None:
                    raise self._error_at(
                        400,
                        "invalid chunk-size line (hex digits, then extensions)",
                        "RFC 9112 §7.1",
                        line[:40],
                    )
                digits = match.group(1)
                if len(digits.lstrip(b"0")) > 15:
                    raise self._error_at(
                        self._too_large_status, "chunk size is absurdly large", "RFC 9112 §7.1"
                    )
                size = int(digits, 16)
                if size == 0:
                    self._state = _TRAILERS
                    continue
                self._body_size += size
                if self._body_size > self.limits.max_body:
                    raise self._error_at(
                        self._too_large_status,
                        f"chunked body exceeds the limit of {self.limits.max_body} bytes",
                        "RFC 9110 §15.5.14",
                    )
                self._remaining = size
                self._state = _CHUNK_DATA
            elif state == _CHUNK_DATA:
                available = len(self._buf) - self._pos
                if available == 0:
                    if self._eof:
                        raise self._error_at(
                            self._head_status,
                            "the connection closed inside a chunk",
                            "RFC 9112 §7.1",
                        )
                    return NEED_DATA
                chunk = self._take(min(available, self._remaining))
                self._remaining -= len(chunk)
                if self._remaining == 0:
                    self._state = _CHUNK_END
                return Data(chunk)
            elif state == _CHUNK_END:
                end = self._buf[self._pos : self._pos + 2]
                if end != b"\r\n":
                    if end[:1] == b"\n":
                        raise self._bare_lf_in_chunked("chunk data", b"\n")
                    if end not in (b"", b"\r"):
                        raise self._error_at(
                            400,
                            "chunk data longer than its size (no CRLF after it)",
                            "RFC 9112 §7.1",
                            bytes(self._buf[self._pos : self._pos + 40]),
                        )
                    if self._eof:
                        raise self._error_at(
                            self._head_status,
                            "the connection closed inside a chunked body",
                            "RFC 9112 §7.1",
                        )
                    return NEED_DATA
                self._take(2)
                self._count_framing(2)
                self._state = _CHUNK_SIZE
            else:  # _TRAILERS
                return self._read_trailers()

    def _read_trailers(self) -> Result:
        # RFC 9112 §7.1: chunked-body = *chunk last-chunk trailer-section CRLF, each trailer
        # field line ending in CRLF: a bare LF here is refused as everywhere in chunked framing
        # (the §2.2 leniency is for the head only), so where the message ends is one rule.
        buf, pos = self._buf, self._pos
        if buf[pos : pos + 2] == b"\r\n":
            self._take(2)
            return self._end_message()
        match = CRLF_HEAD_END.search(buf, pos)
        bare = BARE_LF.search(buf, pos, match.end() if match else len(buf))
        if bare is not None:
            raise self._bare_lf_in_chunked("a trailer line", bytes(buf[pos : bare.end()][-40:]))
        if match is None:
            if len(buf) - pos > self.limits.max_header_block:
                raise self._error_at(431, "trailer section too large", "RFC 6585 §5")
            if self._eof:
                raise self._error_at(
                    self._head_status, "the connection closed inside the trailers", "RFC 9112 §7.1"
                )
            return NEED_DATA
        section = self._take(match.end() - pos)
        lines = self._split_lines(section, 0)
        self._trailers = self._parse_fields(lines)
        return self._end_message()
