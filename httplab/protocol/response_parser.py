"""Responses from a server, told each request's method; every broken rule is a 502.

Rules enforced here:
- RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ] (a missing SP
  before an empty reason is noted); only HTTP/1.x (RFC 9112 §2.3).
- RFC 9112 §5.2: a user agent replaces each obs-fold with SP (noted).
- RFC 9110 §15.2: 1xx responses are interim, the final one follows; a close between them is
  an incomplete response.
- RFC 9112 §6.3, in its order: no body after HEAD, 1xx, 204, 304 or a 2xx to CONNECT (RFC 9110
  §6.4.1); Transfer-Encoding wins over Content-Length (noted "te-and-cl"), chunked last in
  HTTP/1.1 → chunked, else read until the close; then Content-Length; else until the close.
"""

from __future__ import annotations

from httplab.protocol import grammar
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Framing, ResponseHead
from httplab.protocol.framing import (
    Selected,
    keep_alive_of,
    list_tokens,
    note_repeated_transfer_encoding,
    select_framing_fields,
)
from httplab.protocol.headers import Field, Headers
from httplab.protocol.limits import DEFAULT_LIMITS, Limits
from httplab.protocol.message_parser import NO_BODY, MessageParser, Result, unfold
from httplab.protocol.notes import Note


class ResponseParser(MessageParser):
    """Reads responses from a server; told the request method of each by `expect()`."""

    _head_status = 502
    _too_large_status = 502

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(limits)
        self._method = "GET"
        self._interim_seen = False  # a 1xx arrived; the final response has not

    def _parse_fields(self, lines: list[tuple[bytes, int]]) -> list[Field]:
        # RFC 9112 §5.2: a user agent MUST replace each obs-fold in a response with SP before
        # interpreting the field value (a server rejects them; a client cannot ask again).
        if any(line[:1] in (b" ", b"\t") for line, _offset in lines):
            lines = unfold(lines)
            self._notes.append(
                Note(
                    "obs-fold",
                    "obsolete line folding in a field value (read as one SP; a sender MUST NOT "
                    "fold lines)",
                    "RFC 9112 §5.2",
                )
            )
        return super()._parse_fields(lines)

    def _need_more_or_eof(self) -> Result:
        if self._eof and self._interim_seen:
            raise self._error_at(
                502,
                "the connection closed after an interim (1xx) response, before the final one",
                "RFC 9110 §15.2",
            )
        return super()._need_more_or_eof()

    def _error_at(
        self, status: int, detail: str, rfc: str, offending: bytes = b"", *, code: str = ""
    ) -> ProtocolError:
        # a response that breaks the rules is a bad gateway answer, whatever rule it broke
        return super()._error_at(502, detail, rfc, offending, code=code)

    def expect(self, method: str) -> None:
        """Set the method of the request whose response comes next (HEAD has no body)."""
        self._method = method

    def _too_long_start_line(self) -> ProtocolError:
        return self._error_at(
            502, f"status line exceeds {self.limits.max_request_line} bytes", "RFC 9112 §4"
        )

    def _parse_head(self, head: bytes, prefix: int) -> Result:
        lines = self._split_lines(head, prefix)
        status_line = lines[0][0]
        match = grammar.STATUS_LINE.fullmatch(status_line)
        if match is None:
            raise self._error_at(
                502,
                "malformed status line (expected HTTP/1.1 SP 3-digit code SP reason)",
                "RFC 9112 §4",
                status_line[:80],
            )
        # three ASCII digits (STATUS_LINE): int() sees nothing it would read oddly
        version_bytes, code, reason = match.group(1), int(match.group(2)), match.group(3)
        if not version_bytes.startswith(b"HTTP/1."):
            raise self._error_at(502, "not an HTTP/1.x response", "RFC 9112 §2.3", version_bytes)
        if code < 100:
            raise self._error_at(502, f"status code {code} out of range", "RFC 9110 §15")
        if reason is None:
            self._notes.append(
                Note("no-reason-space", "status line lacks the SP before the reason", "RFC 9112 §4")
            )
        version = "HTTP/1.0" if version_bytes == b"HTTP/1.0" else "HTTP/1.1"
        fields = self._parse_fields(lines[1:])
        headers = Headers.from_fields(fields)
        selected = select_framing_fields(fields)
        framing = self._response_framing(code, version, selected)
        keep_alive = keep_alive_of(version, selected) and framing.kind != "close"
        raw = self._head_consumed()
        response_head = ResponseHead(
            status=code,
            reason=(reason or b"").decode("latin-1"),
            version=version,
            headers=headers,
            raw=raw,
            framing=framing,
            keep_alive=keep_alive,
            notes=tuple(self._notes),
        )
        if 100 <= code < 200 and code != 101:
            # an interim response: the final one for the same request follows
            self._read_another_head()
            self._interim_seen = True
            return response_head
        self._interim_seen = False
        self._start_body(framing)
        return response_head

    def _response_framing(self, code: int, version: str, selected: Selected) -> Framing:
        # RFC 9112 §6.3, in its order.
        method = self._method
        if method == "HEAD" or code in (204, 304) or 100 <= code < 200:
            return NO_BODY
        if method == "CONNECT" and 200 <= code < 300:
            return NO_BODY
        if b"transfer-encoding" in selected:
            if len(selected[b"transfer-encoding"]) > 1:
                self._notes.append(note_repeated_transfer_encoding())
            if b"content-length" in selected:
                self._notes.append(
                    Note(
                        "te-and-cl",
                        "both Transfer-Encoding and Content-Length: Transfer-Encoding frames the "
                        "body, and the message is suspect (request smuggling)",
                        "RFC 9112 §6.3",
                        "error",
                    )
                )
            codings = list_tokens(selected[b"transfer-encoding"])
            if codings and codings[-1] == b"chunked" and version == "HTTP/1.1":
                return Framing("chunked")
            return Framing("close")
        length = self._content_length(selected)
        if length is not None:
            return Framing("length", length)
        return Framing("close")
