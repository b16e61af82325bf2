"""Content negotiation by `Accept` (RFC 9110 §12.5.1): media ranges with q-values and wildcards.

Accept = #( media-range [ weight ] )
media-range = ( "*/*" / ( type "/*" ) / ( type "/" subtype ) ) parameters
weight = OWS ";" OWS "q=" qvalue
qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )

OWS is SP / HTAB only (RFC 9110 §5.6.3): `str.strip()` would also take `\xa0` and `\x85`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)")  # ASCII digits only
_OWS = " \t"


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    subtype: str
    q: float = 1.0
    params: dict[str, str] = field(default_factory=dict)

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + (1 if self.params else 0)

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return (self.type in ("*", kind)) and (self.subtype in ("*", sub))


def parse_accept(value: str | None) -> list[MediaRange]:
    """Media ranges of an Accept value, in the order given; malformed members are skipped
    (a server SHOULD be lenient here: a bad member must not hide the good ones)."""
    if value is None:
        return []
    ranges: list[MediaRange] = []
    for member in value.split(","):
        member = member.strip(_OWS)
        if not member:
            continue
        media, *params = [p.strip(_OWS) for p in member.split(";")]
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        extra: dict[str, str] = {}
        valid = True
        for param in params:
            name, eq, val = param.partition("=")
            name = name.strip(_OWS).lower()
            val = val.strip(_OWS)
            if name == "q":
                if not eq or _QVALUE.fullmatch(val) is None:
                    valid = False
                    break
                q = float(val)  # the qvalue grammar above: nothing float() reads oddly
            elif name:
                extra[name] = val.strip('"')
        if valid:
            ranges.append(MediaRange(kind, sub, q, extra))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q the most specific matching range gives `media_type` (0 when none matches)."""
    best: MediaRange | None = None
    for media_range in ranges:
        if media_range.matches(media_type) and (
            best is None or media_range.specificity > best.specificity
        ):
            best = media_range
    return best.q if best is not None else 0.0


def negotiate(accept: str | None, available: list[str]) -> str | None:
    """The best of `available` for an Accept value, or None when nothing is acceptable.

    A missing or empty Accept accepts anything: the first of `available` wins. Ties keep the
    server's order of preference (`available` order)."""
    if accept is None or not accept.strip(_OWS):
        return available[0] if available else None
    ranges = parse_accept(accept)
    if not ranges:
        return available[0] if available else None
    best, best_q = None, 0.0
    for media_type in available:
        q = quality(ranges, media_type)
        if q > best_q:
            best, best_q = media_type, q
    return best
