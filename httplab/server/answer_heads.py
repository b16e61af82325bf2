"""Whole heads of the answers made this second, kept (issue 12: the server's per-request work).

An app answers the same request the same way many times a second: the same status, the same
field lines (fields are values that never change, so an app keeps them ready-made), a body of
the same length. The server then adds `Date` (one value per second) and `Server`, the
serializer adds `Content-Length` and checks every line for CR, LF and NUL — the same work giving
the same bytes each time. `AnswerHeads` keeps the head made the first time, keyed by everything
that decides it, and starts afresh when the `Date` changes.

Only answers the server adds nothing else to are kept: an HTTP/1.1 request, a connection that
stays open, and an app that set none of the fields the server checks (`Date`, `Server`,
`Connection`, `Content-Length`, `Transfer-Encoding`), so a kept head is exactly what
`HTTPConnection._serialize` makes the long way (tests/server/test_answer_heads.py compares them).
"""

from __future__ import annotations

from httplab.protocol.headers import Field

ANSWER_HEADS = 256
"""Heads kept for one second at most; when full, it starts afresh (an ETag per user makes many
different heads: bounded)."""
ANSWER_HEAD_BYTES = 2048
"""Longest head kept: an app's big fields are made each time."""

AnswerKey = tuple[object, ...]
"""(status, reason, version, request method, body length, *the app's fields)"""


class AnswerHeads:
    """head bytes, and whether the body follows them, by `AnswerKey`, for one `Date` value."""

    __slots__ = ("_date", "_heads")

    def __init__(self) -> None:
        self._date: Field | None = None
        self._heads: dict[AnswerKey, tuple[bytes, bool]] = {}

    def find(self, key: AnswerKey, date: Field) -> tuple[bytes, bool] | None:
        if date is not self._date:  # a new second: every head kept had the old Date
            self._date = date
            self._heads.clear()
            return None
        return self._heads.get(key)

    def keep(self, key: AnswerKey, date: Field, head: bytes, with_body: bool) -> None:
        if date is not self._date or len(head) > ANSWER_HEAD_BYTES:
            return
        if len(self._heads) >= ANSWER_HEADS:
            self._heads.clear()
        self._heads[key] = (head, with_body)
