"""What a failed replay exchange looks like to a person: a small unified diff, and `--update`.

`mismatch_diff(result)` lays out the lines that matter on both sides — the status line, every
field an expect line checks, the body when one is checked (pretty-printed when it is JSON) —
with what passed shown the same on both sides (context) and only what failed as `-`/`+`:

    --- expected
    +++ received
    @@ -1,3 +1,3 @@
    -HTTP/1.1 201 Created
    +HTTP/1.1 200 OK
     Content-Type: application/json
    -Location: /users/1
    +Location: /users/3

Wire bytes are escaped with `escape_wire` (CRLF and control bytes visible), field values with
`escape_latin1`, as everywhere in httplab.

`updated_text(text, transcript, results)` is `--update`: the file's text with each failed
exchange's expect lines rewritten from what the server answered this time (an expect line that
held stays as written; comments, hints and order are kept), and its recorded `<` lines replaced.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from httplab.client.connection import ClientResponse
from httplab.client.replay import ExchangeResult, check
from httplab.protocol.errors import reason_phrase
from httplab.trace.json_pattern import HOLE, Open, Pattern, parse_pattern
from httplab.trace.transcript import (
    Expectation,
    Transcript,
    TranscriptError,
    expect_line_texts,
    parse_expect_line,
    parse_transcript,
    wire_lines,
)
from httplab.trace.wire_text import escape_latin1, escape_wire, escape_wire_lines

BODY_LINES = 40
"""Most lines of a body shown on each side of a diff."""
BODY_BYTES = 16 * 1024
"""Most bytes of a body laid out for a diff (a 10 MB body was printed whole, on one line)."""
LINE_CHARS = 200
"""Most characters of one body line shown; the rest is cut with `…`."""


def _body_lines(body: bytes) -> list[str]:
    shown = body[:BODY_BYTES]
    try:
        if len(body) > BODY_BYTES:
            raise ValueError("too long to pretty-print")
        text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (UnicodeDecodeError, ValueError, RecursionError):  # nested too deeply too
        lines = escape_wire_lines(shown)
    else:
        lines = [
            escape_latin1(line) if not line.isprintable() else line for line in text.split("\n")
        ]
    lines = [line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…" for line in lines]
    if len(lines) > BODY_LINES:
        lines = [*lines[:BODY_LINES], f"… ({len(lines) - BODY_LINES} more lines)"]
    if len(body) > BODY_BYTES:
        lines.append(f"… ({len(body) - BODY_BYTES:,} more bytes)")
    return lines


def _status_line(status: int) -> str:
    return f"HTTP/1.1 {status} {reason_phrase(status)}".rstrip()


def _sides(expect: Expectation, response: ClientResponse) -> tuple[list[str], list[str]]:
    """Expected and received lines; a check that held contributes the same line to both."""
    head = response.head
    got_status = escape_wire(head.raw.split(b"\r\n", 1)[0].split(b"\n", 1)[0])
    expected: list[str] = []
    received: list[str] = [got_status]
    if expect.status is None or expect.status == head.status:
        expected.append(got_status)
    else:
        expected.append(_status_line(expect.status))
    names: list[str] = []
    for name in [n for n, _ in expect.headers] + [n for n, _ in expect.header_patterns]:
        names.append(name)
    names += expect.absent_headers
    if expect.media_types:
        names.append("Content-Type")
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        values = head.headers.get_all(name)
        shown = [f"{name}: {escape_latin1(v)}" for v in values]
        received += shown
        single = Expectation(
            headers=[h for h in expect.headers if h[0].lower() == name.lower()],
            header_patterns=[h for h in expect.header_patterns if h[0].lower() == name.lower()],
            absent_headers=[n for n in expect.absent_headers if n.lower() == name.lower()],
            media_types=expect.media_types if name.lower() == "content-type" else [],
        )
        if not check(single, response):
            expected += shown
            continue
        for wanted_name, value in single.headers:
            expected.append(f"{wanted_name}: {value if value is not None else '(any value)'}")
        for wanted_name, regex in single.header_patterns:
            expected.append(f"{wanted_name}: (matching /{regex}/)")
        expected += [f"Content-Type: {kind} (any parameters)" for kind in single.media_types]
    body_checked = Expectation(
        body=expect.body,
        body_contains=expect.body_contains,
        json=expect.json,
        body_patterns=expect.body_patterns,
    )
    if body_checked == Expectation():
        return expected, received
    got_body = _body_lines(response.body)
    received += ["", *got_body]
    if not check(body_checked, response):
        return [*expected, "", *got_body], received
    expected.append("")
    if expect.body is not None:
        expected += _body_lines(expect.body)
        if expected[-len(got_body) :] == got_body and expect.body != response.body:
            # the same JSON written differently: show the bytes themselves
            wanted_lines = escape_wire_lines(expect.body)
            del expected[-len(got_body) :]
            expected += wanted_lines
            received[-len(got_body) :] = escape_wire_lines(response.body)
    expected += [f"(containing '{escape_wire(piece)}')" for piece in expect.body_contains]
    expected += [f"(JSON like {pattern})" for pattern in expect.json]
    expected += [f"(matching /{regex}/)" for regex in expect.body_patterns]
    return expected, received


def mismatch_diff(result: ExchangeResult) -> list[str]:
    """The unified diff for a failed exchange with a response; [] when there is nothing to
    compare (it passed, or no response came back: the FAIL line says why)."""
    final = result.final
    if result.ok or final is None:
        return []
    expected, received = _sides(result.expect, final)
    if expected == received:
        return []  # only `expect close` failed: the FAIL line says it
    return list(difflib.unified_diff(expected, received, "expected", "received", lineterm="", n=2))


# --update -----------------------------------------------------------------------------------
def _refilled(pattern: Pattern, value: Any) -> str:
    """`value` as pattern text, keeping the holes of `pattern` where they still fit."""
    if pattern is HOLE:
        return "*"
    is_open = isinstance(pattern, Open)
    wanted = pattern.value if isinstance(pattern, Open) else pattern
    if isinstance(wanted, dict) and isinstance(value, dict):
        keys = list(wanted) if is_open else list(value)
        parts = [
            f"{json.dumps(k)}: {_refilled(wanted.get(k), value[k])}" for k in keys if k in value
        ]
        return "{" + ", ".join([*parts, "..."] if is_open else parts) + "}"
    if isinstance(wanted, list) and isinstance(value, list):
        count = len(wanted) if is_open else len(value)
        parts = [
            _refilled(wanted[i] if i < len(wanted) else None, item)
            for i, item in enumerate(value[:count])
        ]
        return "[" + ", ".join([*parts, "..."] if is_open else parts) + "]"
    return json.dumps(value, ensure_ascii=True)


def _updated_line(line: str, result: ExchangeResult) -> str | None:
    """The expect line `line` rewritten from `result`'s response; None drops it."""
    final = result.final
    assert final is not None
    single = parse_expect_line(line)
    if single.close:
        return None if any(m.kind == "close" for m in result.mismatches) else line
    if not check(single, final):
        return line
    head, body = final.head, final.body
    if single.status is not None:
        return f"expect status {head.status}"
    for name, _ in single.headers + single.header_patterns:
        values = head.headers.get_all(name)
        value = values[0].strip(" \t") if values else ""
        if not values or not (value.isascii() and value.isprintable()):
            return None
        return f"expect header {name}: {value}"
    if single.media_types:
        content_type = head.headers.get("content-type") or ""
        kind = content_type.partition(";")[0].strip(" \t").lower()
        return f"expect media-type {kind}" if kind.isascii() and kind.isprintable() else None
    if single.body is not None:
        return expect_line_texts(Expectation(body=body))[0]
    if single.json:
        try:
            value = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        return "expect json " + _refilled(parse_pattern(single.json[0]), value)
    return None  # absent fields, body-contains, body-matches: no way to guess the intent


def updated_text(text: str, transcript: Transcript, results: list[ExchangeResult]) -> str:
    """`text` (the file `transcript` was read from) with the failed exchanges' expectations
    and recorded responses rewritten from `results`; raises TranscriptError when the result
    would not read back (the file is then left as it was)."""
    lines = text.split("\n")
    replaced: dict[int, list[str]] = {}  # 0-based line index → its new lines ([] drops it)
    for result in results:
        if result.ok or result.final is None or result.exchange is None:
            continue
        exchange = transcript.connections[result.connection - 1].exchanges[result.number - 1]
        for number in exchange.expect_line_numbers:
            new = _updated_line(lines[number - 1].rstrip("\r"), result)
            replaced[number - 1] = [new] if new is not None else []
        recorded = wire_lines("< ", result.exchange.response_bytes)
        if exchange.response_line_numbers:
            first, *rest = exchange.response_line_numbers
            replaced[first - 1] = recorded
            for number in rest:
                replaced[number - 1] = []
    out: list[str] = []
    for index, line in enumerate(lines):
        out += replaced.get(index, [line])
    new_text = "\n".join(out)
    parse_transcript(new_text)  # raises TranscriptError: never write a file that cannot be read
    return new_text


__all__ = ["TranscriptError", "mismatch_diff", "updated_text"]
