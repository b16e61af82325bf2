"""Notes: what the parser observed about a message (tolerated or rejected), with its RFC section.

Parsers record what they tolerated (a bare LF, obs-fold in a response) and what they refused (a
note for the rule broken, carried by `ProtocolError.notes`); lint adds the checks that need a
whole exchange. Apart from `messages.py` so that code which only parses (the parsers,
`httplab send`) does not build the Request and Response classes it never uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NoteLevel = Literal["info", "warning", "error"]


@dataclass(slots=True, frozen=True)
class Note:
    """An observation about a message, with the RFC section it comes from (a lint note)."""

    code: str
    message: str
    rfc_ref: str
    level: NoteLevel = "warning"

    def one_line(self) -> str:
        return f"{self.message} ({self.rfc_ref})"
