"""Requests from a client, one after another on one connection.

Rules enforced here:
- RFC 9112 §3: request-line = method SP request-target SP HTTP-version, judged as its bytes
  arrive (`grammar.REQUEST_LINE_PREFIX`): the first impossible byte is a 400 at once; a TLS
  ClientHello (0x16 0x03) is named in words, the HTTP/2 preface gets a 505 (RFC 9113 §3.4).
- RFC 9110 §9.1 method is a token; RFC 9112 §2.3 HTTP-version, 505 for a major other than 1
  (RFC 9110 §6.2: a higher minor is read as 1.1, noted).
- RFC 9112 §3.2: the four target forms, no fragment; an absolute-form authority is a host,
  a real [IPv6] literal and a port (RFC 3986 §3.2.2), with no userinfo for http(s) (RFC 9110
  §4.2.4); exactly one valid Host in HTTP/1.1.
- RFC 9112 §6.1, §6.3: Transfer-Encoding with Content-Length → 400 (smuggling); in HTTP/1.0
  → 400; codings matched on bytes (OWS is SP/HTAB), a non-token → 400, chunked not last →
  400, another coding → 501; then Content-Length (message_parser).
- RFC 9112 §9.3: persistence (framing.keep_alive_of); RFC 9110 §10.1.1: Expect is
  100-continue or a 417.
"""

from __future__ import annotations

from httplab.protocol import grammar
from httplab.protocol.body_readers import READERS, ContentLengthReader
from httplab.protocol.common_head import EMPTY_BODY, parse_common_head
from httplab.protocol.events import Framing, RequestHead, TargetForm
from httplab.protocol.framing import (
    Selected,
    keep_alive_of,
    list_tokens,
    note_repeated_transfer_encoding,
    select_framing_fields,
)
from httplab.protocol.headers import Headers
from httplab.protocol.message_parser import _BODY, NO_BODY, MessageParser, Result
from httplab.protocol.notes import Note

_EXACTLY = "expected exactly: METHOD SP request-target SP HTTP-version"
TLS_ON_PLAIN_PORT = "a TLS handshake on the plain-HTTP port: use http://, not https://"


def starts_like_tls(data: bytes) -> bool:
    """RFC 8446 §5.1: a TLS record starts 0x16 (handshake), then 0x03 (the version's major):
    a browser or curl speaking https:// to a plain-HTTP port. No request line starts 0x16."""
    return data[:1] == b"\x16"


class RequestParser(MessageParser):
    """Reads requests from a client, one after another on the same connection.

    A complete head of the common shape is read by the fast path (`common_head`); every other
    head, and every error, by the strict parser below. `fast_path=False` keeps to the strict
    one (what the tests compare the fast path against)."""

    fast_path = True  # `RequestParser(fast_path=False)`: see `MessageParser.__init__`

    def _read_head(self) -> Result:
        buf, pos = self._buf, self._pos
        # no byte of this message consumed yet, and some arrived
        if self.fast_path and pos < len(buf) and not self._raw:
            # where a CRLF CRLF may end: the strict search's `_scan` (less the 3 bytes
            # of one that straddles it), so a head trickling in is not searched over again
            scan = self._scan - 3
            end = buf.find(b"\r\n\r\n", scan if scan > pos else pos)
            if end >= 0:
                end += 4
                # the head's bytes (one copy when the buffer holds just the head, as it
                # most often does)
                head_bytes = bytes(buf) if end == len(buf) and not pos else bytes(buf[pos:end])
                head = parse_common_head(head_bytes, self.limits)
                if head is not None:
                    # what `_take` and `_head_consumed` do, without copying the head again
                    self._pos = self._scan = end
                    self._head_raw = head_bytes
                    if end > 65536:
                        self._compact()
                    # `_start_body`, less its check of max_body (the fast path made it),
                    # written out: most requests have no body, so no reader (`READERS`)
                    framing = head.framing
                    if framing.kind == "length":
                        if framing is not EMPTY_BODY:
                            self._reader = ContentLengthReader(framing.length)  # type: ignore[arg-type]
                    elif framing is not NO_BODY:
                        self._reader = READERS[framing.kind](framing)
                    self._state = _BODY
                    return head
        return super()._read_head()

    def _parse_head(self, head: bytes, prefix: int) -> Result:
        lines = self._split_lines(head, prefix)
        request_line = lines[0][0]
        method, target, version, raw_version = self._parse_request_line(request_line)
        fields = self._parse_fields(lines[1:])
        selected = select_framing_fields(fields)
        target_form = self._target_form(method, target)
        self._check_host(version, selected)
        framing = self._request_framing(version, selected)
        keep_alive = keep_alive_of(version, selected)
        expect_continue = self._expectation(version, selected, framing)
        self._start_body(framing)
        raw = self._head_consumed()
        return RequestHead(
            method=method.decode("ascii"),
            target=target.decode("ascii"),
            version=version,
            headers=Headers.from_fields(fields),
            raw=raw,
            target_form=target_form,
            framing=framing,
            keep_alive=keep_alive,
            expect_continue=expect_continue,
            raw_version=raw_version,
            notes=tuple(self._notes),
        )

    def _check_partial_start_line(self, pos: int) -> None:
        """Judge the request line while its bytes arrive (RFC 9112 §3): a byte that can never
        be part of one is refused at once, not after the head timeout."""
        buf = self._buf
        end = min(len(buf), pos + self.limits.max_request_line)
        lf = buf.find(b"\n", pos, end)
        self._judge_start_line(bytes(buf[pos : end if lf < 0 else lf]))

    def _judge_start_line(self, line: bytes) -> None:
        """Refuse a request line (or its beginning) that no more bytes can make valid, with the
        words the whole-line checks use for the same mistake."""
        if starts_like_tls(line):
            # say it in words: every class makes this mistake
            raise self._error_at(400, TLS_ON_PLAIN_PORT, "RFC 9112 §3", line[:16])
        if grammar.REQUEST_LINE_PREFIX.fullmatch(line) is not None:
            return
        prefix = grammar.REQUEST_LINE_PREFIX.match(line)
        at = prefix.end() if prefix is not None else 0
        bad, part = line[at : at + 1], line[:at].count(b" ")
        if bad == b"\r":
            detail, rfc = "bare CR (a CR not followed by LF) in the message head", "RFC 9112 §2.2"
        elif bad == b" " or part > 2:
            detail, rfc = f"malformed request line: {_EXACTLY}", "RFC 9112 §3"
        elif part == 0:
            detail, rfc = "the method is not a token", "RFC 9110 §9.1"
        elif part == 1:
            detail, rfc = "invalid byte in the request-target", "RFC 9112 §3.2"
        else:
            detail, rfc = "invalid HTTP-version (expected HTTP/1.1)", "RFC 9112 §2.3"
        raise self._error_at(400, detail, rfc, line[max(0, at - 20) : at + 20])

    def _parse_request_line(self, line: bytes) -> tuple[bytes, bytes, str, str]:
        # RFC 9112 §3: request-line = method SP request-target SP HTTP-version
        # A line over the limit is judged on the bytes a partial read would have seen, so the
        # answer never depends on read boundaries (400 for a bad byte first, else 414).
        if len(line) > self.limits.max_request_line:
            self._judge_start_line(line[: self.limits.max_request_line])
            raise self._too_long_start_line()
        if line == b"PRI * HTTP/2.0":
            # RFC 9113 §3.4: the HTTP/2 connection preface ("prior knowledge" h2c)
            raise self._error_at(
                505,
                "an HTTP/2 connection preface (PRI * HTTP/2.0): this server speaks HTTP/1.1 "
                "only; use HTTP/1.1 (curl --http1.1)",
                "RFC 9113 §3.4",
                line,
            )
        parts = line.split(b" ")
        if len(parts) != 3 or not all(parts) or starts_like_tls(line):
            if starts_like_tls(line):  # a ClientHello may hold "\n\n": the words of at once
                self._judge_start_line(line)
            hint = (
                "HTTP/0.9-style request without a version"
                if len(parts) == 2 and all(parts)
                else _EXACTLY
            )
            raise self._error_at(400, f"malformed request line: {hint}", "RFC 9112 §3", line[:80])
        method, target, version = parts
        if grammar.TOKEN.fullmatch(method) is None:
            raise self._error_at(400, "the method is not a token", "RFC 9110 §9.1", method[:40])
        if grammar.TARGET_CHARS.fullmatch(target) is None:
            raise self._error_at(
                400, "invalid byte in the request-target", "RFC 9112 §3.2", target[:80]
            )
        match = grammar.HTTP_VERSION.fullmatch(version)
        if match is None:
            raise self._error_at(
                400, "invalid HTTP-version (expected HTTP/1.1)", "RFC 9112 §2.3", version[:40]
            )
        major, minor = match.group(1)[0] - 0x30, match.group(2)[0] - 0x30
        if major != 1:
            raise self._error_at(
                505,
                f"HTTP/{major}.{minor} is not supported on this connection; use HTTP/1.1",
                "RFC 9110 §15.6.6",
                version,
            )
        if minor > 1:
            self._notes.append(
                Note(
                    "higher-minor-version",
                    f"HTTP/1.{minor} treated as HTTP/1.1",
                    "RFC 9110 §6.2",
                    "info",
                )
            )
        if b"#" in target:
            # origin-form is absolute-path [ "?" query ]: a fragment stays in the client
            raise self._error_at(
                400,
                "a fragment (#...) is never part of a request-target",
                "RFC 9112 §3.2",
                target[:80],
            )
        return method, target, "HTTP/1.0" if minor == 0 else "HTTP/1.1", version.decode("ascii")

    def _target_form(self, method: bytes, target: bytes) -> TargetForm:
        # RFC 9112 §3.2: origin-form / absolute-form / authority-form / asterisk-form
        if method == b"CONNECT":
            authority = grammar.AUTHORITY_FORM.fullmatch(target)
            if authority is None or not grammar.ip_literal_ok(authority.group(1)):
                raise self._error_at(
                    400,
                    "CONNECT needs an authority-form target (host:port)",
                    "RFC 9112 §3.2.3",
                    target[:80],
                )
            return "authority"
        if target.startswith(b"/"):
            return "origin"
        if target == b"*":
            if method != b"OPTIONS":
                raise self._error_at(
                    400, "asterisk-form is only for OPTIONS", "RFC 9112 §3.2.4", target
                )
            return "asterisk"
        absolute = grammar.ABSOLUTE_FORM.fullmatch(target)
        if absolute is not None and grammar.ip_literal_ok(absolute.group("host")):
            # RFC 9110 §4.2.4: a sender MUST NOT put userinfo in an http(s) target URI, and a
            # recipient SHOULD treat its presence as an error: `http://bank.example@evil/`
            # names the host evil, and hides it. Checked before whose host it is (421).
            if absolute.group("userinfo") is not None and absolute.group("scheme").lower() in (
                b"http",
                b"https",
            ):
                raise self._error_at(
                    400,
                    "userinfo ('user@' before the host) in an http(s) request-target is an "
                    "error: it can disguise which host is meant; send the host alone",
                    "RFC 9110 §4.2.4",
                    target[:80],
                    code="userinfo-in-target",
                )
            return "absolute"
        if b"://" in target:
            raise self._error_at(
                400,
                "invalid authority in an absolute-form target (host, [IPv6], then :port)",
                "RFC 9112 §3.2.2; RFC 3986 §3.2.2",
                target[:80],
            )
        raise self._error_at(
            400,
            "request-target must start with '/' (origin-form) or be an absolute URI",
            "RFC 9112 §3.2",
            target[:80],
        )

    def _check_host(self, version: str, selected: Selected) -> None:
        # RFC 9112 §3.2: a server MUST respond with 400 to an HTTP/1.1 request that lacks a
        # Host field, and to any request with more than one Host line or an invalid Host.
        hosts = selected.get(b"host", [])
        if len(hosts) > 1:
            raise self._error_at(
                400, "more than one Host field line", "RFC 9112 §3.2", code="repeated-host"
            )
        if not hosts:
            if version == "HTTP/1.1":
                raise self._error_at(
                    400,
                    "an HTTP/1.1 request needs a Host field",
                    "RFC 9112 §3.2",
                    code="missing-host",
                )
            return
        match = grammar.HOST_VALUE.fullmatch(hosts[0])
        if match is None or (hosts[0].startswith(b"[") and not grammar.ip_literal_ok(match[1])):
            raise self._error_at(400, "invalid Host value", "RFC 9110 §7.2", hosts[0][:80])

    def _request_framing(self, version: str, selected: Selected) -> Framing:
        # RFC 9112 §6.3, in its order.
        has_te = b"transfer-encoding" in selected
        if has_te:
            if b"content-length" in selected:
                raise self._error_at(
                    400,
                    "both Transfer-Encoding and Content-Length (a request smuggling pattern)",
                    "RFC 9112 §6.3",
                    code="te-and-cl",
                )
            if version == "HTTP/1.0":
                raise self._error_at(
                    400, "Transfer-Encoding in an HTTP/1.0 message", "RFC 9112 §6.1"
                )
            if len(selected[b"transfer-encoding"]) > 1:
                self._notes.append(note_repeated_transfer_encoding())
            codings = self._transfer_codings(selected[b"transfer-encoding"])
            if not codings:
                raise self._error_at(400, "empty Transfer-Encoding", "RFC 9112 §6.1")
            if codings[-1] != b"chunked":
                raise self._error_at(
                    400,
                    "chunked is not the final transfer coding, so the body length is unknown",
                    "RFC 9112 §6.3",
                    b", ".join(codings)[:80],
                )
            if codings.count(b"chunked") > 1:
                raise self._error_at(400, "chunked applied more than once", "RFC 9112 §6.1")
            if len(codings) > 1:
                others = b", ".join(c for c in codings if c != b"chunked")
                raise self._error_at(
                    501,
                    f"transfer coding not implemented: {others.decode('ascii')}",
                    "RFC 9112 §6.1",
                    others,
                )
            return Framing("chunked")
        length = self._content_length(selected)
        if length is None or length == 0:
            return Framing("length", 0) if length == 0 else NO_BODY
        return Framing("length", length)

    def _transfer_codings(self, values: list[bytes]) -> list[bytes]:
        """The coding names, lower-cased; an element that is not a token (parameters aside)
        is refused: `\xa0chunked` is neither chunked nor a coding (RFC 9110 §5.6.2)."""
        names = []
        for element in list_tokens(values):
            name = element.partition(b";")[0].rstrip(b" \t")
            if grammar.TOKEN.fullmatch(name) is None:
                shown = grammar.quoted_if_printable(element[:40])
                raise self._error_at(
                    400,
                    f"invalid transfer coding{shown} (a coding is a token)",
                    "RFC 9112 §6.1",
                    element[:40],
                )
            # chunked takes no parameters: "chunked;x=1" stays whole, so it is not "chunked"
            names.append(element if name == b"chunked" and element != name else name)
        return names

    def _expectation(self, version: str, selected: Selected, framing: Framing) -> bool:
        # RFC 9110 §10.1.1: 100-continue is the only expectation defined.
        values = list_tokens(selected.get(b"expect"))
        if not values:
            return False
        if any(v != b"100-continue" for v in values):
            raise self._error_at(
                417, "the only expectation supported is 100-continue", "RFC 9110 §10.1.1"
            )
        has_body = framing.kind == "chunked" or (framing.length or 0) > 0
        return version == "HTTP/1.1" and has_body
