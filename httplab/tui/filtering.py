"""The exchange list filter: `GET 4xx /users` keeps GETs answered 4xx whose target has /users.

Words are read one by one: an upper-case word is a method, `2xx`…`5xx` a status class, three
digits an exact status, anything else a substring of the target. Words of one kind are OR-ed
(`GET POST`), kinds are AND-ed. The empty filter keeps everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from httplab.trace.records import ExchangeRecord
from httplab.trace.wire_text import escape_wire, first_line

_STATUS_CLASS = re.compile(r"^[1-5]xx$", re.IGNORECASE)
_STATUS = re.compile(r"^[1-5]\d\d$")
_METHOD = re.compile(r"^[A-Z][A-Z-]*$")


@dataclass(frozen=True, slots=True)
class ExchangeFilter:
    text: str = ""
    methods: frozenset[str] = frozenset()
    status_classes: frozenset[int] = frozenset()  # 4 for 4xx
    statuses: frozenset[int] = frozenset()
    target_parts: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> ExchangeFilter:
        methods: set[str] = set()
        classes: set[int] = set()
        statuses: set[int] = set()
        parts: list[str] = []
        for word in text.split():
            if _STATUS_CLASS.match(word):
                classes.add(int(word[0]))
            elif _STATUS.match(word):
                statuses.add(int(word))
            elif _METHOD.match(word):
                methods.add(word)
            else:
                parts.append(word)
        return cls(
            text.strip(),
            frozenset(methods),
            frozenset(classes),
            frozenset(statuses),
            tuple(parts),
        )

    @property
    def empty(self) -> bool:
        return not (self.methods or self.status_classes or self.statuses or self.target_parts)

    def matches(self, record: ExchangeRecord) -> bool:
        if self.methods and record.method not in self.methods:
            return False
        if self.status_classes or self.statuses:
            status = record.status
            if status // 100 not in self.status_classes and status not in self.statuses:
                return False
        target = record.target or _first_line(record.raw_request)
        return all(part in target for part in self.target_parts)


def _first_line(raw: bytes) -> str:
    # An unparsed request has no target; a path filter still finds it by its first line, as
    # shown on screen (escaped), so what the user sees is what the filter matches.
    return escape_wire(first_line(raw))
