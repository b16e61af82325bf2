"""The `Date` header value, formatted once per second.

RFC 9110 §6.6.1: an origin server with a clock MUST send `Date` (IMF-fixdate, one-second
resolution). Formatting a date costs more than the rest of a small response's headers, so it
is cached per second of wall-clock time.
"""

from __future__ import annotations

import time
from email.utils import formatdate


class DateCache:
    """`value()` is e.g. b"Sun, 06 Nov 1994 08:49:37 GMT", recomputed when the second changes."""

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def value(self) -> bytes:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._value = formatdate(now, usegmt=True).encode("ascii")
            self._second = second
        return self._value
