"""Which parsed field came from which bytes: the link between the parsed and raw views.

A field key is a key of `record.head.spans` ("request-line", "method", "target", "version",
"header:N", "header:N:name", "header:N:value") or "body". Spans are byte offsets into
`record.raw_request`, which starts with the head exactly as received.
"""

from __future__ import annotations

from httplab.protocol.events import Span
from httplab.trace.records import ExchangeRecord

BODY = "body"


def selectable_keys(record: ExchangeRecord) -> list[str]:
    """The keys a user steps through, in wire order: request line parts, each header, body."""
    head = record.head
    if head is None:
        return []
    keys = [k for k in ("request-line", "method", "target", "version") if k in head.spans]
    keys += [f"header:{i}" for i in range(len(head.headers)) if f"header:{i}" in head.spans]
    if len(record.raw_request) > len(head.raw):
        keys.append(BODY)
    return keys


def field_span(record: ExchangeRecord, key: str | None) -> Span | None:
    """The bytes of `record.raw_request` that field `key` was read from, or None."""
    head = record.head
    if key is None or head is None:
        return None
    if key == BODY:
        if len(record.raw_request) > len(head.raw):
            return (len(head.raw), len(record.raw_request))
        return None
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
