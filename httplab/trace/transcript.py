"""Transcripts: recorded exchanges as a readable, diffable text file, and what replay checks.

A transcript is one wire line per file line, escaped like the raw view into plain ASCII
(`httplab.trace.wire_text`): `\\r\\n` is visible, so a bare LF or a missing CR shows in a diff.
Only text for people (title, comments, hints) may hold other characters (the file is UTF-8).

    httplab-transcript 1
    title: list the users
    # comments start with '#'

    == connection 1                  (add "pipelined" to send every request before reading)
    -- exchange 1: GET /users
    label.ru: список пользователей    the exchange's name in Russian (lesson checks show it)
    > GET /users HTTP/1.1\\r\\n        request bytes, sent exactly as written after "> "
    > Host: 127.0.0.1\\r\\n
    > \\r\\n
    expect status 200                what replay checks, in any combination:
    expect header Content-Type: application/json     a field with exactly this value
    expect header Location                          a field present, any value
    expect no-header Transfer-Encoding              a field absent
    expect body []                                  the whole body, escaped ("expect body" = empty)
    expect body-contains "name"                     a piece of the body, escaped
    expect close                                    the server closes the connection after it
    expect media-type text/html                     Content-Type's media type (no parameters)
    expect json {"id": *, "name": "ada", ...}       the body as JSON with holes (json_pattern)
    expect header-matches Location: /users/[0-9]+   a field whose whole value matches a regex
    expect body-matches "id": ?[0-9]+               a regex found somewhere in the body
    hint: read until the empty line   a hint (hint.ru: in Russian) and rfc: its RFC section, for
    hint.ru: читайте до пустой строки the expect line above it (or the whole exchange when no
    rfc: RFC 9112 §2.1                expect line precedes it); shown by lesson checks
    article: status 404               the original tutorial's answer, accepted in --article mode
    < HTTP/1.1 200 OK\\r\\n          the response as recorded: for the reader, not checked
                                     (it holds a Date that changes on every run)

Inside a request, a line `~ pause` splits the writes: the bytes before it are sent, then a short
pause, then the rest (a server must not assume one recv() holds a whole request).

`write_transcript(records, path)` records ExchangeRecords, `read_transcript(path)` parses a file,
and `replay_transcript(transcript, host, port)` (in httplab.client.replay: network I/O belongs
to the client) sends it and checks the expectations.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from httplab.protocol.headers import Headers
from httplab.trace.json_pattern import PatternError, parse_pattern
from httplab.trace.records import ExchangeRecord, TraceItem
from httplab.trace.wire_text import (
    escape_latin1,
    escape_wire,
    escape_wire_lines,
    first_line,
    unescape_wire,
)

if TYPE_CHECKING:
    pass

MAGIC = "httplab-transcript 1"
EXPECT_BODY_LIMIT = 2048
"""Recorded bodies up to this size become an exact `expect body`; larger ones are not checked."""
RECORDED_HEADERS = ("content-type", "location", "allow", "content-length", "transfer-encoding")
"""Response fields whose values a recording expects (stable from run to run, unlike Date)."""


class TranscriptError(ValueError):
    """A transcript file that does not follow the format; says which line and why."""

    def __init__(self, line_number: int, message: str) -> None:
        super().__init__(f"line {line_number}: {message}")
        self.line_number = line_number


@dataclass
class Expectation:
    status: int | None = None
    headers: list[tuple[str, str | None]] = field(default_factory=list)  # None: any value
    absent_headers: list[str] = field(default_factory=list)
    body: bytes | None = None
    body_contains: list[bytes] = field(default_factory=list)
    close: bool = False
    media_types: list[str] = field(default_factory=list)  # Content-Type without parameters
    json: list[str] = field(default_factory=list)  # JSON-with-holes patterns, as written
    header_patterns: list[tuple[str, str]] = field(default_factory=list)  # (name, regex)
    body_patterns: list[str] = field(default_factory=list)  # regexes searched in the body


@dataclass
class Hint:
    """What a check says when an expectation fails: the hint in English and Russian, the RFC
    section. `expectation` is the expect line it follows (`status 400`); None: the exchange."""

    expectation: str | None
    en: str = ""
    ru: str = ""
    rfc: str = ""


@dataclass
class TranscriptExchange:
    label: str
    request: bytes
    expect: Expectation = field(default_factory=Expectation)
    recorded_response: bytes = b""
    pauses: list[int] = field(default_factory=list)  # request offsets where the writes pause
    hints: list[Hint] = field(default_factory=list)
    article: Expectation | None = None  # the tutorial's own answer (--article mode)
    label_ru: str = ""  # the name in Russian (`label.ru:`), for lesson check --lang ru
    # where its lines are in the file read (1-based), for `replay --update`
    expect_line_numbers: list[int] = field(default_factory=list, compare=False)
    response_line_numbers: list[int] = field(default_factory=list, compare=False)

    def hint_for(self, expectation: str | None) -> Hint | None:
        """The hint attached to the expect line `expectation`, else the exchange's own."""
        for hint in self.hints:
            if expectation is not None and hint.expectation == expectation:
                return hint
        for hint in self.hints:
            if hint.expectation is None:
                return hint
        return None

    def request_parts(self) -> list[bytes]:
        """The request as the writes that send it (split at the pauses)."""
        cuts = [0, *self.pauses, len(self.request)]
        return [self.request[a:b] for a, b in itertools.pairwise(cuts) if b > a]


@dataclass
class TranscriptConnection:
    exchanges: list[TranscriptExchange] = field(default_factory=list)
    pipelined: bool = False


@dataclass
class Transcript:
    title: str = ""
    connections: list[TranscriptConnection] = field(default_factory=list)

    def exchanges(self) -> list[TranscriptExchange]:
        return [e for c in self.connections for e in c.exchanges]


# writing ------------------------------------------------------------------------------------
def _visible_end(text: str) -> str:
    """Editors strip trailing spaces: write a final space byte as `\\x20`."""
    return text[:-1] + "\\x20" if text.endswith(" ") else text


def _wire_lines(prefix: str, data: bytes) -> list[str]:
    return [prefix + _visible_end(text) for text in escape_wire_lines(data)]


def _expect_lines(expect: Expectation) -> list[str]:
    lines = []
    if expect.status is not None:
        lines.append(f"expect status {expect.status}")
    for name, value in expect.headers:
        lines.append(f"expect header {name}" + (f": {value}" if value is not None else ""))
    lines += [f"expect no-header {name}" for name in expect.absent_headers]
    if expect.body is not None:
        lines.append(f"expect body {_visible_end(escape_wire(expect.body))}".rstrip())
    lines += [
        f"expect body-contains {_visible_end(escape_wire(piece))}".rstrip()
        for piece in expect.body_contains
    ]
    if expect.close:
        lines.append("expect close")
    lines += [f"expect media-type {kind}" for kind in expect.media_types]
    lines += [f"expect json {pattern}" for pattern in expect.json]
    lines += [f"expect header-matches {name}: {regex}" for name, regex in expect.header_patterns]
    lines += [f"expect body-matches {regex}" for regex in expect.body_patterns]
    return lines


expect_line_texts = _expect_lines
"""The `expect …` lines that state `expect`, as written to a file."""
wire_lines = _wire_lines
"""`prefix` + each line of `data`, escaped (`> ` for a request, `< ` for a response)."""


def _hint_lines(hint: Hint) -> list[str]:
    return [
        f"{key}: {text}"
        for key, text in (("hint", hint.en), ("hint.ru", hint.ru), ("rfc", hint.rfc))
        if text
    ]


def _request_lines(exchange: TranscriptExchange) -> list[str]:
    lines: list[str] = []
    for number, part in enumerate(exchange.request_parts()):
        if number:
            lines.append("~ pause")
        lines += _wire_lines("> ", part)
    return lines


def _exchange_lines(exchange: TranscriptExchange) -> list[str]:
    lines = _request_lines(exchange)
    lines += [line for h in exchange.hints if h.expectation is None for line in _hint_lines(h)]
    for line in _expect_lines(exchange.expect):
        lines.append(line)
        lines += [
            hint_line
            for h in exchange.hints
            if h.expectation == line[len("expect ") :]
            for hint_line in _hint_lines(h)
        ]
    if exchange.article is not None:
        lines += ["article: " + line[len("expect ") :] for line in _expect_lines(exchange.article)]
    return lines


def format_transcript(transcript: Transcript) -> str:
    lines = [MAGIC]
    if transcript.title:
        lines.append(f"title: {transcript.title}")
    for c_number, connection in enumerate(transcript.connections, 1):
        lines += ["", f"== connection {c_number}" + (" pipelined" if connection.pipelined else "")]
        for e_number, exchange in enumerate(connection.exchanges, 1):
            label = f": {exchange.label}" if exchange.label else ""
            lines.append(f"-- exchange {e_number}{label}")
            if exchange.label_ru:
                lines.append(f"label.ru: {exchange.label_ru}")
            lines += _exchange_lines(exchange)
            lines += _wire_lines("< ", exchange.recorded_response)
    return "\n".join(lines) + "\n"


def _label(record: ExchangeRecord) -> str:
    if record.request is not None:
        return escape_latin1(f"{record.method} {record.target}")
    return "unparsed: " + escape_wire(first_line(record.raw_request, 60))


def expectation_of(record: ExchangeRecord) -> Expectation:
    """What a replay should see again: status, the stable fields, a small body, a close."""
    response = record.response
    if response is None:
        return Expectation(close=True)
    return expectation_from(response.status, response.headers, response.body, record.method)


def expectation_from(status: int, headers: Headers, body: bytes, method: str) -> Expectation:
    """The expectation a recording writes for a response (the server's or the client's)."""
    expect = Expectation(status=status)
    for name in RECORDED_HEADERS:
        values = headers.get_all(name)
        if len(values) == 1:
            expect.headers.append((name.title(), values[0]))
    if len(body) <= EXPECT_BODY_LIMIT and method != "HEAD":
        expect.body = body
    expect.close = "close" in headers.tokens("connection")
    return expect


def transcript_from_records(
    records: Iterable[TraceItem], *, title: str = "", pipelined: Iterable[int] = ()
) -> Transcript:
    """Group exchange records by connection (in order of first appearance)."""
    by_connection: dict[int, TranscriptConnection] = {}
    pipelined_ids = set(pipelined)
    for record in records:
        if not isinstance(record, ExchangeRecord):
            continue
        connection = by_connection.setdefault(
            record.connection_id,
            TranscriptConnection(pipelined=record.connection_id in pipelined_ids),
        )
        connection.exchanges.append(
            TranscriptExchange(
                label=_label(record),
                request=record.raw_request,
                expect=expectation_of(record),
                recorded_response=record.raw_response,
            )
        )
    return Transcript(title=title, connections=list(by_connection.values()))


def write_transcript(
    records: Iterable[TraceItem],
    path: str | Path,
    *,
    title: str = "",
    pipelined: Iterable[int] = (),
) -> Transcript:
    """Write the exchanges among `records` to `path`; `pipelined` lists connection ids."""
    transcript = transcript_from_records(records, title=title, pipelined=pipelined)
    Path(path).write_text(format_transcript(transcript), encoding="utf-8")
    return transcript


# reading ------------------------------------------------------------------------------------
def _parse_expect(text: str, expect: Expectation, number: int) -> None:
    kind, _, rest = text.partition(" ")  # `rest` unstripped: a body may start with a space
    if kind == "status":
        if not (rest.strip().isdigit() and len(rest.strip()) == 3):
            raise TranscriptError(number, f"status must be 3 digits, got {rest!r}")
        expect.status = int(rest.strip())
    elif kind == "header":
        name, colon, value = rest.partition(":")
        if not name.strip():
            raise TranscriptError(number, "expect header needs a field name")
        expect.headers.append((name.strip(), value.strip() if colon else None))
    elif kind == "no-header":
        expect.absent_headers.append(rest.strip())
    elif kind == "body":
        expect.body = _unescape(rest, number)
    elif kind == "body-contains":
        expect.body_contains.append(_unescape(rest, number))
    elif kind == "close" and not rest.strip():
        expect.close = True
    elif kind == "media-type" and rest.strip():
        expect.media_types.append(rest.strip().lower())
    elif kind == "json" and rest.strip():
        try:
            parse_pattern(rest.strip())
        except PatternError as error:
            raise TranscriptError(number, f"expect json: {error}") from None
        expect.json.append(rest.strip())
    elif kind == "header-matches":
        name, colon, regex = rest.partition(":")
        if not name.strip() or not colon:
            raise TranscriptError(number, "expect header-matches needs NAME: REGEX")
        _compile(regex.strip(" \t"), number)
        expect.header_patterns.append((name.strip(), regex.strip(" \t")))
    elif kind == "body-matches" and rest:
        _compile(rest, number)
        expect.body_patterns.append(rest)
    else:
        raise TranscriptError(number, f"unknown expectation {text!r}")


def _compile(regex: str, number: int) -> None:
    try:
        re.compile(regex)
    except re.error as error:
        raise TranscriptError(number, f"not a regular expression: {error}") from None


def parse_expect_line(line: str) -> Expectation:
    """The one expectation an `expect …` line states (TranscriptError when it is not one)."""
    expect = Expectation()
    _parse_expect(line.removeprefix("expect "), expect, 1)
    return expect


def _add_hint(exchange: TranscriptExchange, attach: str | None, line: str) -> None:
    key, _, text = line.partition(":")
    hint = next((h for h in exchange.hints if h.expectation == attach), None)
    if hint is None:
        hint = Hint(attach)
        exchange.hints.append(hint)
    text = text.strip()
    if key == "hint":
        hint.en = f"{hint.en} {text}".strip()
    elif key == "hint.ru":
        hint.ru = f"{hint.ru} {text}".strip()
    else:
        hint.rfc = text


def _unescape(text: str, number: int) -> bytes:
    try:
        return unescape_wire(text)
    except ValueError as error:
        raise TranscriptError(number, str(error)) from None


def parse_transcript(text: str) -> Transcript:
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r") != MAGIC:
        raise TranscriptError(1, f"a transcript starts with {MAGIC!r}")
    transcript = Transcript()
    connection: TranscriptConnection | None = None
    exchange: TranscriptExchange | None = None
    started: list[tuple[int, TranscriptExchange]] = []  # each exchange with its line
    attach: str | None = None  # the expect line that hint/rfc lines attach to
    for number, raw_line in enumerate(lines[1:], 2):
        line = raw_line.rstrip("\r")  # a CRLF checkout; wire CRs are always escaped
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("title:") and connection is None:
            transcript.title = line[6:].strip()
        elif line.startswith("== connection"):
            words = line.split()
            connection = TranscriptConnection(pipelined="pipelined" in words[2:])
            transcript.connections.append(connection)
            exchange = None
        elif line.startswith("-- exchange"):
            if connection is None:
                raise TranscriptError(number, "an exchange must follow a '== connection' line")
            exchange = TranscriptExchange(label=line.partition(":")[2].strip(), request=b"")
            connection.exchanges.append(exchange)
            started.append((number, exchange))
            attach = None
        elif exchange is None:
            raise TranscriptError(number, f"expected '== connection' or '-- exchange': {line!r}")
        elif line.startswith(">"):
            exchange.request += _unescape(line[2:], number)
        elif line.startswith("<"):
            exchange.recorded_response += _unescape(line[2:], number)
            exchange.response_line_numbers.append(number)
        elif line.startswith("expect "):
            _parse_expect(line[7:], exchange.expect, number)
            exchange.expect_line_numbers.append(number)
            attach = line[7:].strip()
        elif line.rstrip() == "~ pause":
            if not exchange.request or exchange.pauses[-1:] == [len(exchange.request)]:
                raise TranscriptError(number, "'~ pause' must follow request bytes")
            exchange.pauses.append(len(exchange.request))
        elif line.startswith(("hint:", "hint.ru:", "rfc:")):
            _add_hint(exchange, attach, line)
        elif line.startswith("label.ru:"):
            exchange.label_ru = line[len("label.ru:") :].strip()
        elif line.startswith("article:"):
            if exchange.article is None:
                exchange.article = Expectation()
            _parse_expect(line[8:].strip(), exchange.article, number)
        else:
            raise TranscriptError(number, f"unknown line {line!r}")
    for number, started_exchange in started:
        if not started_exchange.request:  # nothing to send: replay would wait for nothing
            raise TranscriptError(number, "this exchange has no request: add '> ' lines")
    return transcript


def read_transcript(path: str | Path) -> Transcript:
    """Parse the transcript at `path`; TranscriptError names the line of a mistake."""
    data = Path(path).read_bytes()
    if not data.startswith(b"httplab-transcript"):
        return parse_transcript(data.decode("ascii", "replace"))  # says what a transcript is
    try:
        text = data.decode("utf-8")  # wire lines must be ASCII (unescape_wire says so)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise TranscriptError(line, "not ASCII: write other bytes as \\xNN escapes") from None
    return parse_transcript(text)
