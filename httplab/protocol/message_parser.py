"""What the request and response parsers share: the buffer, the state, head splitting, field
lines, and the door every error goes through (see `parser.py` for the theory of operation).

Rules enforced here (RFC 9112):
- §2.2: a line ends in CRLF; a bare LF is accepted in the start line and fields (noted
  "bare-lf"), a bare CR is refused; empty lines before a start line are skipped (noted), at
  most `Limits.max_leading_empty_lines` of them, however the bytes arrive.
- §3, §5: the start line and the field section are bounded (414 / 431, RFC 6585 §5); a head
  that is already too long is refused before it is complete.
- §5, §5.1: field-line = field-name ":" OWS field-value OWS, OWS being SP / HTAB only; no
  whitespace before the colon; RFC 9110 §5.5: no NUL, CR, LF or other control in a value.
- §5.2: obs-fold refused in requests (the response parser unfolds it, noted).
- §6.3: Content-Length is 1*DIGIT; a list of equal values is one value (noted
  "repeated-content-length"), different values are refused ("conflicting-content-length").
Bodies are read by the readers of `body_readers.py`, one per framing.
"""

from __future__ import annotations

import re
from enum import Enum

from httplab.protocol import grammar
from httplab.protocol.body_readers import END, READERS, BodyReader
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    EndOfMessage,
    Event,
    Framing,
    Sentinel,
)
from httplab.protocol.framing import Selected
from httplab.protocol.headers import NO_FIELDS, Field, Headers, new_headers
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.notes import Note

HEAD_END = re.compile(rb"\n\r?\n")


class State(Enum):
    """Where a parser is in the message it reads."""

    HEAD = "head"  # a start line and fields (after empty lines, if any)
    BODY = "body"  # the body reader of the message's framing has the input
    DONE = "done"  # a whole message is out; PAUSED until start_next()
    ERROR = "error"  # a ProtocolError was raised; it is raised again (sticky)


# Module names for the members: reading `State.HEAD` costs ~130 ns on Python 3.11 (an Enum
# class attribute), a module global ~10 ns, and the state is read on every event.
_HEAD, _BODY, _DONE, _ERROR = State.HEAD, State.BODY, State.DONE, State.ERROR


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


def note_bare_lf(lines: int) -> Note:
    return Note(
        "bare-lf",
        f"the head ends {lines} line(s) with a bare LF instead of CRLF (accepted, but a sender "
        "MUST use CRLF)",
        "RFC 9112 §2.2",
    )


class MessageParser:
    """What request and response parsers share: the buffer, head splitting, fields, bodies."""

    _head_status = 400  # status for errors in a head (a response parser says 502)
    fast_path = False  # see `RequestParser`; body readers read it too (`body_readers`)

    # What every parser starts with, as class attributes: a parser is made per connection (and
    # a benchmark makes one per request), so only what is its own is set in `__init__`.
    _pos = 0  # start of unconsumed bytes in _buf
    _scan = 0  # where the search for the end of the head resumes
    _state = _HEAD
    _eof = False
    _error: ProtocolError | None = None
    _reader: BodyReader | None = None  # the body reader of the message in progress, if any
    _empty_lines = 0  # empty lines skipped before the start line in progress
    _trailers: list[Field] | None = None  # the trailer section of the message in progress
    _closed_reported = False
    # the head of the message in progress once it is parsed (its bytes leave `_raw`, which
    # then holds the body's): a message without a body ends with these bytes as they are
    _head_raw = b""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, *, fast_path: bool = True) -> None:
        self.limits = limits
        self._buf = bytearray()
        self._raw = bytearray()  # consumed bytes of the message in progress (after the head)
        self._notes: list[Note] = []
        if not fast_path:  # the strict parser alone (see `RequestParser`)
            self.fast_path = False

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
        return (
            self._state in (_HEAD, _DONE)
            and not self._raw
            and not self._head_raw
            and self._pos == len(self._buf)
        )

    @property
    def pending_raw(self) -> bytes:
        """Every byte received of the message in progress, consumed or not."""
        return self._head_raw + bytes(self._raw) + bytes(self._buf[self._pos :])

    @property
    def buffered(self) -> int:
        return len(self._buf) - self._pos

    @property
    def body_expected(self) -> bool:
        """A head announced a body that has not fully arrived."""
        return self._state is _BODY and self._reader is not None and self._reader.expecting

    def forget_raw(self, keep: int) -> int:
        """Forget the consumed bytes of the message in progress beyond its first `keep`;
        returns how many were dropped. For a caller that passes a long body on as it arrives
        (the proxy) and must not hold it whole: `EndOfMessage.raw` then holds the first `keep`
        bytes and those consumed after the last call, no longer the whole message."""
        head = len(self._head_raw)
        if keep < head:  # (a caller keeps at least the head)
            dropped = head - keep + len(self._raw)
            self._head_raw = self._head_raw[:keep]
            self._raw.clear()
            return dropped
        dropped = len(self._raw) - (keep - head)
        if dropped <= 0:
            return 0
        del self._raw[keep - head :]
        return dropped

    def start_next(self) -> None:
        """Go on to the next message after `EndOfMessage`."""
        if self._state is _DONE:
            self._state = _HEAD
            self._raw.clear()
            self._head_raw = b""
            if self._notes:
                self._notes = []
            self._empty_lines = 0

    def _read_another_head(self) -> None:
        """After an interim (1xx) head: the final head of the same exchange comes next."""
        self._raw.clear()
        self._head_raw = b""
        self._notes = []
        self._empty_lines = 0
        self._state = _HEAD

    def next_event(self) -> Result:
        """The next event, NEED_DATA or PAUSED; the one place a ProtocolError leaves the parser
        (and makes it sticky)."""
        if self._error is not None:
            raise self._error
        try:
            state = self._state
            if state is _HEAD:
                return self._read_head()
            if state is _BODY:  # the reader of the framing: Data, NEED_DATA or the end
                reader = self._reader
                if reader is None:  # no body (`READERS`): the end of the message is next
                    return self._end_message()
                result = reader.read(self)
                return self._end_message() if result is END else result  # type: ignore[return-value]
            return PAUSED
        except ProtocolError as error:
            self._error = error
            self._state = _ERROR
            raise

    def _take(self, n: int) -> bytes:
        """Consume n buffered bytes into the raw record of the message."""
        start = self._pos
        chunk = bytes(self._buf[start : start + n])
        self._pos = start + n
        self._raw += chunk
        if self._pos > 65536:
            self._compact()
        return chunk

    def _compact(self) -> None:
        """Drop consumed bytes from the buffer once they are more than half of it."""
        if self._pos * 2 > len(self._buf):
            del self._buf[: self._pos]
            self._scan = max(0, self._scan - self._pos)
            self._pos = 0

    def _end_message(self) -> EndOfMessage:
        self._state = _DONE
        self._reader = None
        trailers = self._trailers
        self._trailers = None
        if trailers is None:  # no trailer section: the shared empty one, which refuses changes
            headers = NO_FIELDS
        else:  # `Headers.from_fields(trailers)` without the class method call
            headers = new_headers(Headers)
            headers._fields = trailers  # a fresh list each message: adopted
        # the whole message: the head, then what was consumed after it (body, framing,
        # trailers), if anything was
        raw = self._head_raw + self._raw if self._raw else self._head_raw
        return EndOfMessage(headers, raw, tuple(self._notes) if self._notes else ())

    def _error_at(
        self, status: int, detail: str, rfc: str, offending: bytes = b"", *, code: str = ""
    ) -> ProtocolError:
        """Every rejection is made here: the error carries the notes so far and, when the rule
        has a note code, a note for the rule that was broken (what lint shows)."""
        notes = tuple(self._notes)
        if code:
            notes += (Note(code, detail, rfc, "error"),)
        return ProtocolError(status, detail, rfc, offending=offending, code=code, notes=notes)

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
        if prefix:
            self._notes.append(
                Note(
                    "leading-empty-lines",
                    f"{prefix} byte(s) of empty lines before the start line were skipped",
                    "RFC 9112 §2.2",
                    "info",
                )
            )
        return self._parse_head(head, prefix)

    def _need_more_or_eof(self) -> Result:
        if not self._eof:
            return NEED_DATA
        # RFC 9112 §2.2: empty lines before a start line are ignored, so a peer that sent a
        # stray CRLF after its last message and closed has closed cleanly.
        if self._pos < len(self._buf) or (self._raw and self._raw.strip(b"\r\n")):
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
        self._notes.append(note_bare_lf(head.count(b"\n") - crlf))
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
                code="obs-fold",
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

    def _head_consumed(self) -> bytes:
        """The raw head (empty lines before it included): its bytes move from `_raw` to
        `_head_raw`, where `EndOfMessage.raw` starts."""
        raw = self._head_raw = bytes(self._raw)
        self._raw.clear()
        return raw

    # framing ------------------------------------------------------------------------------
    def _content_length(self, selected: Selected) -> int | None:
        values = selected.get(b"content-length")
        if not values:
            return None
        items = [item.strip(b" \t") for value in values for item in value.split(b",")]
        for item in items:
            if grammar.DIGITS.fullmatch(item) is None:
                shown = grammar.quoted_if_printable(item) or " other bytes"
                raise self._error_at(
                    400,
                    f"Content-Length must be ASCII digits only, got{shown}",
                    "RFC 9110 §8.6",
                    item,
                )
        if len(set(items)) > 1:
            raise self._error_at(
                400,
                "repeated Content-Length with different values",
                "RFC 9112 §6.3",
                b",".join(items),
                code="conflicting-content-length",
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
        return int(items[0])  # ASCII digits only (DIGITS above): no "+", "_" or other digits

    _too_large_status = 413

    def _start_body(self, framing: Framing) -> None:
        if framing.kind == "length" and (framing.length or 0) > self.limits.max_body:
            raise self._error_at(
                self._too_large_status,
                f"body of {framing.length} bytes exceeds the limit of {self.limits.max_body}",
                "RFC 9110 §15.5.14",
            )
        self._reader = READERS[framing.kind](framing)
        self._state = _BODY

    # bodies: the reader of the framing, and the buffer API readers use -------------------------
    def available(self) -> int:
        """Buffered bytes not consumed yet."""
        return len(self._buf) - self._pos

    def at_eof(self) -> bool:
        return self._eof

    take = _take
    """Consume n buffered bytes (they become part of the message's raw record)."""

    def buffer(self) -> tuple[bytearray, int]:
        """The buffer and where its unconsumed bytes start, for a reader that looks ahead
        (it consumes through `take` only)."""
        return self._buf, self._pos

    def take_at_most(self, n: int) -> bytes:
        """Up to n buffered bytes (b"" when none are). `_take` written out: a body piece
        comes through here, and a method call costs as much as the rest."""
        start = self._pos
        end = len(self._buf)
        if start == end:
            return b""
        if start + n < end:
            end = start + n
        chunk = bytes(self._buf[start:end])
        self._pos = end
        self._raw += chunk
        if end > 65536:
            self._compact()
        return chunk

    def take_line(self) -> bytes | None:
        """The bytes up to and including the next LF, or None when no LF is buffered."""
        lf = self._buf.find(b"\n", self._pos)
        return None if lf < 0 else self._take(lf + 1 - self._pos)

    def take_prefix(self, prefix: bytes) -> bool:
        """Consume `prefix` when the buffered bytes start with it."""
        if self._buf.startswith(prefix, self._pos):
            self._take(len(prefix))
            return True
        return False

    def peek(self, n: int) -> bytes:
        return bytes(self._buf[self._pos : self._pos + n])

    def search(self, pattern: re.Pattern[bytes], within: int | None = None) -> int | None:
        """End of the first match of `pattern` in the next `within` bytes (all if None),
        relative to the unconsumed input; None when it does not match."""
        end = len(self._buf) if within is None else self._pos + within
        match = pattern.search(self._buf, self._pos, end)
        return None if match is None else match.end() - self._pos

    def read_trailers(self, section: bytes) -> None:
        """The trailer section of a chunked body (its final empty line included)."""
        self._trailers = self._parse_fields(self._split_lines(section, 0))

    def error(
        self, status: int, detail: str, rfc: str, offending: bytes = b"", *, code: str = ""
    ) -> ProtocolError:
        return self._error_at(status, detail, rfc, offending, code=code)

    def incomplete_status(self) -> int:
        """The status for a message cut short by the close (400, or 502 for a response)."""
        return self._head_status

    def too_large_status(self) -> int:
        return self._too_large_status
