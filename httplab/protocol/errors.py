"""The one error type of the protocol core.

Every malformed input ends here: the parser raises `ProtocolError` and nothing else, carrying
what a server needs to answer (status, reason) and what a learner needs to understand it (a
one-line detail, the RFC section that was enforced, the offending bytes).
"""

from __future__ import annotations

from http import HTTPStatus

from httplab.protocol.notes import Note


class ProtocolError(Exception):
    """A message broke HTTP/1.1 rules; `status` is the response a server should send."""

    def __init__(
        self,
        status: int,
        detail: str,
        rfc_ref: str = "",
        *,
        reason: str | None = None,
        offending: bytes = b"",
        close: bool = True,
        code: str = "",
        notes: tuple[Note, ...] = (),
    ) -> None:
        self.status = status
        self.reason = reason if reason is not None else reason_phrase(status)
        self.detail = detail
        self.rfc_ref = rfc_ref
        self.offending = offending
        self.close = close
        self.code = code  # the broken rule's note code ("te-and-cl"), "" when it has none
        self.notes = notes  # what the parser noted about the message, this rule's note last
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f" ({self.rfc_ref})" if self.rfc_ref else ""
        return f"{self.status} {self.reason}: {self.detail}{where}"


# RFC 9110 §15 renamed a few statuses; Python 3.11's HTTPStatus still has the old phrases.
_RFC_9110_REASONS = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    421: "Misdirected Request",
    422: "Unprocessable Content",
    425: "Too Early",
}


# built once: `HTTPStatus(status)` costs an Enum lookup, and every Response asks
_REASONS = {status.value: status.phrase for status in HTTPStatus} | _RFC_9110_REASONS


def reason_phrase(status: int) -> str:
    """The reason phrase RFC 9110 registers for `status`, or an empty string (RFC 9112 §4)."""
    return _REASONS.get(status, "")
