"""Incremental, sans-IO HTTP/1.1 parsers: bytes in, events out.

Theory of operation
-------------------
A parser owns a byte buffer and a state. `feed(data)` only appends (`b""` means the peer closed
its side); `next_event()` looks at the buffer in the current state and returns one event, or
`NEED_DATA` when the buffer does not yet hold a whole piece, or raises `ProtocolError`:

    HEAD ──head──▶ BODY (length | chunked | close) ──▶ DONE ──start_next()──▶ HEAD
      │                                                  │
      └──────── any state: ProtocolError ──▶ ERROR ◀────┘ (sticky: the connection is over)

Events come out the same however the bytes were split: one at a time or many requests at once
(pipelining). After `EndOfMessage` the parser answers `PAUSED` until `start_next()`, so a server
finishes its response before it even looks at the next request.

The rules are RFC 9112 (message syntax and framing) and RFC 9110 (semantics); each check names
its section in the error it raises.
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
    LazySpans,
    RequestHead,
    ResponseHead,
    Sentinel,
    Span,
)
from httplab.protocol.headers import Field, Headers
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.messages import Note

_HEAD_END = re.compile(rb"\n\r?\n")

_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILERS, _CLOSE, _DONE, _ERROR = range(9)

_NO_BODY = Framing("none")

Result = Event | Sentinel


_SPAN_KEYS = [(f"header:{n}", f"header:{n}:name", f"header:{n}:value") for n in range(128)]


def _span_keys(n: int) -> tuple[str, str, str]:
    if n < len(_SPAN_KEYS):
        return _SPAN_KEYS[n]
    return f"header:{n}", f"header:{n}:name", f"header:{n}:value"


def _field_spans(lines: list[tuple[bytes, int]], spans: dict[str, Span]) -> None:
    for n, (line, offset) in enumerate(lines):
        keys = _span_keys(n)
        colon = line.find(b":")
        rest = line[colon + 1 :]
        value = rest.strip(b" \t")
        value_start = offset + colon + 1 + (len(rest) - len(rest.lstrip(b" \t")))
        spans[keys[0]] = (offset, offset + len(line))
        spans[keys[1]] = (offset, offset + colon)
        spans[keys[2]] = (value_start, value_start + len(value))


def _head_lines(raw: bytes) -> list[tuple[bytes, int]]:
    """The lines of a head that parsed, with offsets, leading empty lines skipped."""
    body = raw.lstrip(b"\r\n")
    offset = len(raw) - len(body)
    lines: list[tuple[bytes, int]] = []
    for line in body.split(b"\n")[:-2]:
        lines.append((line.removesuffix(b"\r"), offset))
        offset += len(line) + 1
    return lines


def _request_spans(raw: bytes) -> dict[str, Span]:
    """Where each parsed piece of a (valid) request head sits in its raw bytes."""
    lines = _head_lines(raw)
    line, offset = lines[0]
    method, target, version = line.split(b" ")
    t0 = offset + len(method) + 1
    v0 = t0 + len(target) + 1
    spans = {
        "request-line": (offset, offset + len(line)),
        "method": (offset, offset + len(method)),
        "target": (t0, t0 + len(target)),
        "version": (v0, v0 + len(version)),
    }
    _field_spans(lines[1:], spans)
    return spans


def _join_folded_lines(raw: bytes, lines: list[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
    """Field lines with each obs-fold continuation joined (as raw bytes) to the line it folds."""
    joined: list[tuple[bytes, int]] = []
    for line, offset in lines:
        if line[:1] in (b" ", b"\t") and joined:
            start = joined[-1][1]
            joined[-1] = (raw[start : offset + len(line)], start)
        else:
            joined.append((line, offset))
    return joined


def _response_spans(raw: bytes) -> dict[str, Span]:
    lines = _head_lines(raw)
    lines[1:] = _join_folded_lines(raw, lines[1:])
    line, offset = lines[0]
    spans = {
        "status-line": (offset, offset + len(line)),
        "version": (offset, offset + 8),
        "status": (offset + 9, offset + 12),
    }
    if len(line) > 13:
        spans["reason"] = (offset + 13, offset + len(line))
    _field_spans(lines[1:], spans)
    return spans


def _unfold(lines: list[tuple[bytes, int]]) -> list[tuple[bytes, int]]:
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


def _note_bare_lf() -> Note:
    return Note(
        "bare-lf",
        "a line ended with a bare LF instead of CRLF (accepted, but a sender MUST use CRLF)",
        "RFC 9112 §2.2",
    )


class _Parser:
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
        skipped = 0
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
        if pos > self._pos:
            self._take(pos - self._pos)
            self._scan = max(self._scan, pos)
        if pos == len(buf) or buf[pos] == 13:
            return self._need_more_or_eof()

        match = _HEAD_END.search(buf, max(self._scan, pos))
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
        """Refuse a head that is already too long before it is even complete."""
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
        self._notes.append(_note_bare_lf())
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
        incomplete; a bare LF is refused."""
        lf = self._buf.find(b"\n", self._pos)
        if lf < 0:
            if len(self._buf) - self._pos > limit:
                raise self._error_at(400, f"{what} exceeds {limit} bytes", "RFC 9112 §7.1")
            if self._eof:
                raise self._error_at(
                    self._head_status,
                    "the connection closed inside a chunked body",
                    "RFC 9112 §7.1",
                )
            return None
        line = self._take(lf + 1 - self._pos)
        if line.endswith(b"\r\n"):
            return line[:-2]
        # RFC 9112 §7.1 frames chunks with CRLF; the §2.2 leniency for a bare LF is for the
        # start line and fields. Where a body ends must not depend on which line endings a
        # reader accepts (a proxy that reads "5;ext\nhello" as one line sees another body):
        # that is request smuggling, so refuse.
        raise self._error_at(
            400,
            f"{what} ends in a bare LF; chunked framing needs CRLF (nc -C sends CRLF)",
            "RFC 9112 §7.1",
            line[-40:],
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
                line = self._read_line(2, "the line after chunk data")
                if line is None:
                    return NEED_DATA
                if line:
                    raise self._error_at(
                        400,
                        "chunk data longer than its size (no CRLF after it)",
                        "RFC 9112 §7.1",
                        line[:40],
                    )
                self._state = _CHUNK_SIZE
            else:  # _TRAILERS
                return self._read_trailers()

    def _read_trailers(self) -> Result:
        buf, pos = self._buf, self._pos
        if buf[pos : pos + 2] == b"\r\n" or buf[pos : pos + 1] == b"\n":
            self._take(2 if buf[pos] == 13 else 1)
            return self._end_message()
        match = _HEAD_END.search(buf, pos)
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


_FRAMING_FIELDS = frozenset(
    (b"host", b"content-length", b"transfer-encoding", b"connection", b"expect")
)
Selected = dict[bytes, list[bytes]]


def _select(fields: list[Field]) -> Selected:
    """The values of the fields that decide framing and persistence, in one pass."""
    selected: Selected = {}
    for field in fields:
        name = field.lower_name
        if name in _FRAMING_FIELDS:
            selected.setdefault(name, []).append(field.value)
    return selected


def _tokens(values: list[bytes] | None) -> list[str]:
    """Comma-separated list elements, lower-cased, empties dropped (RFC 9110 §5.6.1)."""
    if not values:
        return []
    out: list[str] = []
    for value in values:
        out.extend(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return out


def _keep_alive(version: str, selected: Selected) -> bool:
    """RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive"."""
    tokens = _tokens(selected.get(b"connection"))
    if "close" in tokens:
        return False
    if version == "HTTP/1.1":
        return True
    return "keep-alive" in tokens


class RequestParser(_Parser):
    """Reads requests from a client, one after another on the same connection."""

    def _parse_head(self, head: bytes, prefix: int) -> Result:
        lines = self._split_lines(head, prefix)
        request_line = lines[0][0]
        method, target, version, raw_version = self._parse_request_line(request_line)
        fields = self._parse_fields(lines[1:])
        selected = _select(fields)
        target_form = self._target_form(method, target)
        self._check_host(version, selected)
        framing = self._request_framing(version, selected)
        keep_alive = _keep_alive(version, selected)
        expect_continue = self._expectation(version, selected, framing)
        self._start_body(framing)
        raw = bytes(self._raw)
        return RequestHead(
            method=method.decode("ascii"),
            target=target.decode("ascii"),
            version=version,
            headers=Headers.from_fields(fields),
            raw=raw,
            target_form=target_form,
            framing=framing,
            keep_alive=keep_alive,
            expect_continue=expect_continue,
            raw_version=raw_version,
            notes=tuple(self._notes),
            spans=LazySpans(_request_spans, raw),
        )

    def _parse_request_line(self, line: bytes) -> tuple[bytes, bytes, str, str]:
        # RFC 9112 §3: request-line = method SP request-target SP HTTP-version
        if len(line) > self.limits.max_request_line:
            raise self._too_long_start_line()
        parts = line.split(b" ")
        if len(parts) != 3 or not all(parts):
            hint = (
                "HTTP/0.9-style request without a version"
                if len(parts) == 2 and all(parts)
                else "expected exactly: METHOD SP request-target SP HTTP-version"
            )
            raise self._error_at(400, f"malformed request line: {hint}", "RFC 9112 §3", line[:80])
        method, target, version = parts
        if grammar.TOKEN.fullmatch(method) is None:
            raise self._error_at(400, "the method is not a token", "RFC 9110 §9.1", method[:40])
        match = grammar.HTTP_VERSION.fullmatch(version)
        if match is None:
            raise self._error_at(
                400, "invalid HTTP-version (expected HTTP/1.1)", "RFC 9112 §2.3", version[:40]
            )
        major, minor = int(match.group(1)), int(match.group(2))
        if major != 1:
            raise ProtocolError(
                505,
                f"HTTP/{major}.{minor} is not supported on this connection; use HTTP/1.1",
                "RFC 9110 §15.6.6",
                offending=version,
            )
        if minor > 1:
            self._notes.append(
                Note(
                    "higher-minor-version",
                    f"HTTP/1.{minor} treated as HTTP/1.1",
                    "RFC 9110 §6.2",
                    "info",
                )
            )
        if grammar.TARGET_CHARS.fullmatch(target) is None:
            raise self._error_at(
                400, "invalid byte in the request-target", "RFC 9112 §3.2", target[:80]
            )
        if b"#" in target:
            # origin-form is absolute-path [ "?" query ]: a fragment stays in the client
            raise self._error_at(
                400,
                "a fragment (#...) is never part of a request-target",
                "RFC 9112 §3.2",
                target[:80],
            )
        return method, target, "HTTP/1.0" if minor == 0 else "HTTP/1.1", version.decode("ascii")

    def _target_form(self, method: bytes, target: bytes) -> str:
        # RFC 9112 §3.2: origin-form / absolute-form / authority-form / asterisk-form
        if method == b"CONNECT":
            if grammar.AUTHORITY_FORM.fullmatch(target) is None:
                raise self._error_at(
                    400,
                    "CONNECT needs an authority-form target (host:port)",
                    "RFC 9112 §3.2.3",
                    target[:80],
                )
            return "authority"
        if target.startswith(b"/"):
            return "origin"
        if target == b"*":
            if method != b"OPTIONS":
                raise self._error_at(
                    400, "asterisk-form is only for OPTIONS", "RFC 9112 §3.2.4", target
                )
            return "asterisk"
        if grammar.ABSOLUTE_FORM.fullmatch(target) is not None:
            return "absolute"
        raise self._error_at(
            400,
            "request-target must start with '/' (origin-form) or be an absolute URI",
            "RFC 9112 §3.2",
            target[:80],
        )

    def _check_host(self, version: str, selected: Selected) -> None:
        # RFC 9112 §3.2: a server MUST respond with 400 to an HTTP/1.1 request that lacks a
        # Host field, and to any request with more than one Host line or an invalid Host.
        hosts = selected.get(b"host", [])
        if len(hosts) > 1:
            raise self._error_at(400, "more than one Host field line", "RFC 9112 §3.2")
        if not hosts:
            if version == "HTTP/1.1":
                raise self._error_at(400, "an HTTP/1.1 request needs a Host field", "RFC 9112 §3.2")
            return
        if grammar.HOST_VALUE.fullmatch(hosts[0]) is None:
            raise self._error_at(400, "invalid Host value", "RFC 9110 §7.2", hosts[0][:80])

    def _request_framing(self, version: str, selected: Selected) -> Framing:
        # RFC 9112 §6.3, in its order.
        has_te = b"transfer-encoding" in selected
        if has_te:
            if b"content-length" in selected:
                raise self._error_at(
                    400,
                    "both Transfer-Encoding and Content-Length (a request smuggling pattern)",
                    "RFC 9112 §6.3",
                )
            if version == "HTTP/1.0":
                raise self._error_at(
                    400, "Transfer-Encoding in an HTTP/1.0 message", "RFC 9112 §6.1"
                )
            codings = _tokens(selected[b"transfer-encoding"])
            if not codings:
                raise self._error_at(400, "empty Transfer-Encoding", "RFC 9112 §6.1")
            if codings[-1] != "chunked":
                raise self._error_at(
                    400,
                    "chunked is not the final transfer coding, so the body length is unknown",
                    "RFC 9112 §6.3",
                )
            if codings.count("chunked") > 1:
                raise self._error_at(400, "chunked applied more than once", "RFC 9112 §6.1")
            if len(codings) > 1:
                others = ", ".join(c for c in codings if c != "chunked")
                raise ProtocolError(
                    501, f"transfer coding not implemented: {others}", "RFC 9112 §6.1"
                )
            return Framing("chunked")
        length = self._content_length(selected)
        if length is None or length == 0:
            return Framing("length", 0) if length == 0 else _NO_BODY
        return Framing("length", length)

    def _expectation(self, version: str, selected: Selected, framing: Framing) -> bool:
        # RFC 9110 §10.1.1: 100-continue is the only expectation defined.
        values = _tokens(selected.get(b"expect"))
        if not values:
            return False
        if any(v != "100-continue" for v in values):
            raise ProtocolError(
                417, "the only expectation supported is 100-continue", "RFC 9110 §10.1.1"
            )
        has_body = framing.kind == "chunked" or (framing.length or 0) > 0
        return version == "HTTP/1.1" and has_body


class ResponseParser(_Parser):
    """Reads responses from a server; told the request method of each by `expect()`."""

    _head_status = 502
    _too_large_status = 502

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(limits)
        self._method = "GET"
        self._interim_seen = False  # a 1xx arrived; the final response has not

    def _parse_fields(self, lines: list[tuple[bytes, int]]) -> list[Field]:
        # RFC 9112 §5.2: a user agent MUST replace each obs-fold in a response with SP before
        # interpreting the field value (a server rejects them; a client cannot ask again).
        if any(line[:1] in (b" ", b"\t") for line, _offset in lines):
            lines = _unfold(lines)
            self._notes.append(
                Note(
                    "obs-fold",
                    "obsolete line folding in a field value (read as one SP; a sender MUST NOT "
                    "fold lines)",
                    "RFC 9112 §5.2",
                )
            )
        return super()._parse_fields(lines)

    def _need_more_or_eof(self) -> Result:
        if self._eof and self._interim_seen:
            raise self._error_at(
                502,
                "the connection closed after an interim (1xx) response, before the final one",
                "RFC 9110 §15.2",
            )
        return super()._need_more_or_eof()

    def _error_at(
        self, status: int, detail: str, rfc: str, offending: bytes = b""
    ) -> ProtocolError:
        # a response that breaks the rules is a bad gateway answer, whatever rule it broke
        return ProtocolError(502, detail, rfc, offending=offending)

    def expect(self, method: str) -> None:
        """Set the method of the request whose response comes next (HEAD has no body)."""
        self._method = method

    def _too_long_start_line(self) -> ProtocolError:
        return self._error_at(
            502, f"status line exceeds {self.limits.max_request_line} bytes", "RFC 9112 §4"
        )

    def _parse_head(self, head: bytes, prefix: int) -> Result:
        lines = self._split_lines(head, prefix)
        status_line = lines[0][0]
        match = grammar.STATUS_LINE.fullmatch(status_line)
        if match is None:
            raise self._error_at(
                502,
                "malformed status line (expected HTTP/1.1 SP 3-digit code SP reason)",
                "RFC 9112 §4",
                status_line[:80],
            )
        version_bytes, code, reason = match.group(1), int(match.group(2)), match.group(3)
        if not version_bytes.startswith(b"HTTP/1."):
            raise self._error_at(502, "not an HTTP/1.x response", "RFC 9112 §2.3", version_bytes)
        if code < 100:
            raise self._error_at(502, f"status code {code} out of range", "RFC 9110 §15")
        if reason is None:
            self._notes.append(
                Note("no-reason-space", "status line lacks the SP before the reason", "RFC 9112 §4")
            )
        version = "HTTP/1.0" if version_bytes == b"HTTP/1.0" else "HTTP/1.1"
        fields = self._parse_fields(lines[1:])
        headers = Headers.from_fields(fields)
        selected = _select(fields)
        framing = self._response_framing(code, version, selected)
        keep_alive = _keep_alive(version, selected) and framing.kind != "close"
        raw = bytes(self._raw)
        head = ResponseHead(
            status=code,
            reason=(reason or b"").decode("latin-1"),
            version=version,
            headers=headers,
            raw=raw,
            framing=framing,
            keep_alive=keep_alive,
            notes=tuple(self._notes),
            spans=LazySpans(_response_spans, raw),
        )
        if 100 <= code < 200 and code != 101:
            # an interim response: the final one for the same request follows
            self._raw.clear()
            self._notes = []
            self._state = _HEAD
            self._interim_seen = True
            return head
        self._interim_seen = False
        self._start_body(framing)
        return head

    def _response_framing(self, code: int, version: str, selected: Selected) -> Framing:
        # RFC 9112 §6.3, in its order.
        method = self._method
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            return _NO_BODY
        if method == "CONNECT" and 200 <= code < 300:
            return _NO_BODY
        if b"transfer-encoding" in selected:
            codings = _tokens(selected[b"transfer-encoding"])
            if codings and codings[-1] == "chunked" and version == "HTTP/1.1":
                return Framing("chunked")
            return Framing("close")
        length = self._content_length(selected)
        if length is not None:
            return Framing("length", length)
        return Framing("close")
