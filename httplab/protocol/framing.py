"""The fields that decide framing and persistence (RFC 9112 §6, §9.3), read in one pass.

List elements are matched on bytes with the RFC's own whitespace (RFC 9110 §5.6.1, §5.6.3:
OWS is SP / HTAB, nothing else), never with `str.strip()`, which also strips `\xa0`, `\x85`,
`\x0b`, `\x0c` and `\x1c`-`\x1f`: "chunked\x85" is not "chunked", "\xa0close" is not "close".
"""

from __future__ import annotations

from httplab.protocol.headers import Field
from httplab.protocol.notes import Note

FRAMING_FIELDS = frozenset(
    (b"host", b"content-length", b"transfer-encoding", b"connection", b"expect")
)
Selected = dict[bytes, list[bytes]]


def select_framing_fields(fields: list[Field]) -> Selected:
    """The values of the fields that decide framing and persistence, in one pass."""
    selected: Selected = {}
    for field in fields:
        name = field.lower_name
        if name in FRAMING_FIELDS:
            selected.setdefault(name, []).append(field.value)
    return selected


def list_tokens(values: list[bytes] | None) -> list[bytes]:
    """Comma-separated list elements, OWS (SP / HTAB) trimmed, ASCII lower-cased, empties
    dropped (RFC 9110 §5.6.1)."""
    if not values:
        return []
    out: list[bytes] = []
    for value in values:
        for element in value.split(b","):
            element = element.strip(b" \t")
            if element:
                out.append(element.lower())  # bytes.lower() touches A-Z only
    return out


def keep_alive_of(version: str, selected: Selected) -> bool:
    """RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive"."""
    tokens = list_tokens(selected.get(b"connection"))
    if b"close" in tokens:
        return False
    if version == "HTTP/1.1":
        return True
    return b"keep-alive" in tokens


def note_repeated_transfer_encoding() -> Note:
    return Note(
        "repeated-transfer-encoding",
        "Transfer-Encoding on more than one line; its codings are read as one list",
        "RFC 9112 §6.1",
        "info",
    )
