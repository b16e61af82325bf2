"""Notes: what the parser observed about a message (tolerated or rejected), with its RFC section.

Apart from `messages.py` so that code which only parses (the parsers, `httplab send`) does not
build the Request and Response classes it never uses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Note:
    """An observation about a message, with the RFC section it comes from (a lint note)."""

    code: str
    message: str
    rfc_ref: str
    level: str = "warning"  # "info" | "warning" | "error"

    def one_line(self) -> str:
        return f"{self.message} ({self.rfc_ref})"
