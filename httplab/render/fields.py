"""Which parsed field came from which bytes: the link between the parsed and raw views.

A field key is a key of `record.head.spans` ("request-line", "method", "target", "version",
"header:N", "header:N:name", "header:N:value") or "body". Spans are byte offsets into
`record.raw_request`, which starts with the head exactly as received.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from httplab.protocol.events import Span
from httplab.protocol.grammar import CHUNK_LINE
from httplab.trace.records import ExchangeRecord

BODY = "body"
CHUNK = "chunk:"  # "chunk:N", the N-th chunk of a chunked body (0-based; the 0 chunk last)
MAX_CHUNKS = 1000
"""Chunks a user can step through at most (a body of one-byte chunks has thousands)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk of a chunked body as received: size line, data and CRLF (or, for the last
    chunk, the 0 line, any trailer fields and the final CRLF)."""

    span: Span
    size_digits: bytes  # the hex digits as sent
    size: int


def selectable_keys(record: ExchangeRecord) -> list[str]:
    """The keys a user steps through, in wire order: request line parts, each header, body."""
    head = record.head
    if head is None:
        return []
    keys = [k for k in ("request-line", "method", "target", "version") if k in head.spans]
    keys += [f"header:{i}" for i in range(len(head.headers)) if f"header:{i}" in head.spans]
    if len(record.raw_request) > len(head.raw):
        keys.append(BODY)
        keys += [f"{CHUNK}{i}" for i in range(len(chunks(record)))]
    return keys


def chunks(record: ExchangeRecord) -> tuple[Chunk, ...]:
    """The chunks of `record`'s body when it was sent chunked, in order; () otherwise. A body
    the trace trimmed ends with the chunk it cut."""
    head = record.head
    if head is None or head.framing.kind != "chunked":
        return ()
    return _chunks(record.raw_request, len(head.raw))


@lru_cache(maxsize=16)  # bytes cache their hash: a redraw asking again costs a lookup
def _chunks(raw: bytes, start: int) -> tuple[Chunk, ...]:
    found: list[Chunk] = []
    at = start
    while len(found) < MAX_CHUNKS:
        line_end = raw.find(b"\r\n", at)
        match = CHUNK_LINE.fullmatch(raw, at, line_end) if line_end >= 0 else None
        if match is None:
            break  # the parser read this body, so only a trimmed trace ends here
        digits = match.group(1)
        size = int(digits, 16) if len(digits.lstrip(b"0")) <= 15 else 0
        data_start = line_end + 2
        if size == 0:
            if raw.startswith(b"\r\n", data_start):
                end = data_start + 2
            else:  # trailer fields, then the empty line
                final = raw.find(b"\r\n\r\n", data_start)
                end = final + 4 if final >= 0 else len(raw)
            found.append(Chunk((at, end), digits, 0))
            break
        end = min(data_start + size + 2, len(raw))
        found.append(Chunk((at, end), digits, size))
        at = end
    return tuple(found)


def chunk_index(key: str | None) -> int | None:
    """N for "chunk:N"; None for any other key."""
    if not key or not key.startswith(CHUNK):
        return None
    number = key[len(CHUNK) :]
    return int(number) if number.isdigit() else None


def field_span(record: ExchangeRecord, key: str | None) -> Span | None:
    """The bytes of `record.raw_request` that field `key` was read from, or None."""
    head = record.head
    if key is None or head is None:
        return None
    if key == BODY:
        if len(record.raw_request) > len(head.raw):
            return (len(head.raw), len(record.raw_request))
        return None
    index = chunk_index(key)
    if index is not None:
        found = chunks(record)
        return found[index].span if index < len(found) else None
    return head.spans.get(key)


def header_index(key: str | None) -> int | None:
    """N for "header:N", "header:N:name" and "header:N:value"; None for any other key."""
    if not key or not key.startswith("header:"):
        return None
    number = key.split(":")[1]
    return int(number) if number.isdigit() else None


FIELDS_SHOWN = 200
"""Field lines a view renders at most (a record may hold thousands): the rest are counted in
a "… N more fields" line, so a key press re-renders a screenful, not the whole record."""


def field_window(count: int, selected: int | None = None, limit: int = FIELDS_SHOWN) -> range:
    """The indexes of the fields to render: all of them when there are at most `limit`,
    else `limit` of them — from the first, or around `selected` so the selection is shown."""
    if count <= limit:
        return range(count)
    start = 0
    if selected is not None and selected >= limit // 2:
        start = min(selected - limit // 2, count - limit)
    return range(max(0, start), max(0, start) + limit)


def more_fields(count: int) -> str:
    """The line that stands for `count` fields not rendered."""
    return f"… {count:,} more field" + ("" if count == 1 else "s")
