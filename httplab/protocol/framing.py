"""The fields that decide framing and persistence (RFC 9112 §6, §9.3), read in one pass."""

from __future__ import annotations

from httplab.protocol.headers import Field

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


def list_tokens(values: list[bytes] | None) -> list[str]:
    """Comma-separated list elements, lower-cased, empties dropped (RFC 9110 §5.6.1)."""
    if not values:
        return []
    out: list[str] = []
    for value in values:
        out.extend(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return out


def keep_alive_of(version: str, selected: Selected) -> bool:
    """RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive"."""
    tokens = list_tokens(selected.get(b"connection"))
    if "close" in tokens:
        return False
    if version == "HTTP/1.1":
        return True
    return "keep-alive" in tokens
