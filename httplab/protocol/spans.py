"""Where each parsed piece of a head sits in its raw bytes: `(start, end)` offsets.

Only a view that links parsed fields to raw bytes needs them, so a head works them out from its
own bytes on first use (`RequestHead.spans`): a server under load never pays.
Keys: "request-line" / "status-line", "method", "target", "version", "status", "reason", and
"header:N", "header:N:name", "header:N:value" for the N-th field line (0-based).
"""

from __future__ import annotations

Span = tuple[int, int]

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


def request_spans(raw: bytes) -> dict[str, Span]:
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


def response_spans(raw: bytes) -> dict[str, Span]:
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
