"""The `Date` header value, formatted once per second.

RFC 9110 §6.6.1: an origin server with a clock MUST send `Date` (IMF-fixdate, one-second
resolution). Formatting a date costs more than the rest of a small response's headers, so it
is cached per second of wall-clock time.
"""

from __future__ import annotations

import time
from email.utils import formatdate

from httplab.protocol.headers import Field


class DateCache:
    """`value()` is e.g. b"Sun, 06 Nov 1994 08:49:37 GMT", recomputed when the second changes."""

    __slots__ = ("_ends", "_field", "_starts")

    def __init__(self) -> None:
        # the second the field was made for, [_starts, _ends), as floats: the check made on
        # every response compares floats with floats and makes no number
        self._starts = self._ends = 0.0
        self._field = Field(b"Date", b"")

    def field(self) -> Field:
        """The `Date` field line itself, made once per second (fields are never changed, so
        every response of that second shares it)."""
        now = time.time()
        if not self._starts <= now < self._ends:  # a new second (or the clock went back)
            second = int(now)
            self._field = Field(b"Date", formatdate(second, usegmt=True).encode("ascii"))
            self._starts, self._ends = float(second), float(second + 1)
        return self._field

    def value(self) -> bytes:
        return self.field().value
