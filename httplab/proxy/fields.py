"""What a proxy changes in a message it forwards, as pure functions on `Headers` and bytes.

- RFC 9110 §7.6.1: hop-by-hop fields describe one connection and are not forwarded: those the
  Connection field names, Connection itself, and Proxy-Connection, Keep-Alive, TE,
  Transfer-Encoding and Upgrade (the proxy frames each message afresh on its own connection).
- RFC 9110 §7.6.3: each intermediary appends `Via: <received-protocol> <pseudonym>`.
- RFC 9112 §7.1: a body forwarded in pieces is chunk-coded here, one chunk per piece.
"""

from __future__ import annotations

from httplab.protocol.headers import Field, Headers

CRLF = b"\r\n"
PSEUDONYM = b"httplab"
HOP_BY_HOP = frozenset(
    {b"connection", b"proxy-connection", b"keep-alive", b"te", b"transfer-encoding", b"upgrade"}
)
"""Removed whether or not Connection names them (RFC 9110 §7.6.1's list)."""
FRAMING = frozenset({b"content-length", b"transfer-encoding"})


def end_to_end(headers: Headers) -> tuple[Headers, list[bytes]]:
    """A copy of `headers` without hop-by-hop fields, and the names removed (as sent)."""
    named = {token.encode("latin-1") for token in headers.tokens(b"connection")}
    drop = HOP_BY_HOP | named
    kept: list[Field] = []
    removed: list[bytes] = []
    for field in headers:
        if field.lower_name in drop:
            if field.name not in removed:
                removed.append(field.name)
        else:
            kept.append(field)
    return Headers(kept), removed


def via_value(version: str) -> bytes:
    """`1.1 httplab` for a message received as HTTP/1.1 (RFC 9110 §7.6.3 received-protocol:
    the version number alone when the protocol is HTTP)."""
    number = version.removeprefix("HTTP/").encode("latin-1")
    return number + b" " + PSEUDONYM


def set_framing(headers: Headers, kind: str, length: int | None = None) -> None:
    """Frame a forwarded body: `length` (Content-Length), `chunked`, or `none`/`close`
    (no framing field; a HEAD or 304 answer keeps the Content-Length it was sent)."""
    if kind == "length":
        headers.remove(b"transfer-encoding")
        headers.set(b"Content-Length", b"%d" % (length or 0))
    elif kind == "chunked":
        headers.remove(b"content-length")
        headers.set(b"Transfer-Encoding", b"chunked")
    elif kind == "close":
        headers.remove(b"content-length")
        headers.remove(b"transfer-encoding")


def field_lines(headers: Headers) -> bytes:
    """`name: value CRLF` for each field; a CR, LF or NUL would split the message."""
    out = bytearray()
    for field in headers:
        line = field.name + b": " + field.value
        if b"\r" in line or b"\n" in line or b"\0" in line:
            raise ValueError(f"field {field.name!r} has CR, LF or NUL in it")
        out += line + CRLF
    return bytes(out)


def request_head(method: str, target: str, headers: Headers) -> bytes:
    """An HTTP/1.1 request head (the proxy speaks HTTP/1.1 upstream whatever the client spoke)."""
    line = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
    return line + field_lines(headers) + CRLF


def response_head(status: int, reason: str, headers: Headers) -> bytes:
    """An HTTP/1.1 status line and fields (RFC 9110 §2.5: a proxy sends its own version)."""
    line = b"HTTP/1.1 %d " % status + reason.encode("latin-1") + CRLF
    return line + field_lines(headers) + CRLF


def chunk(data: bytes) -> bytes:
    """One chunk; never call it with b"" (a zero-size chunk ends the body)."""
    return b"%x\r\n" % len(data) + data + CRLF


def last_chunk(trailers: Headers) -> bytes:
    """The last chunk, the trailer fields that came with the body, and the final CRLF."""
    return b"0\r\n" + field_lines(trailers) + CRLF


def origin_form(target: str) -> tuple[str, str | None]:
    """The target to send upstream and the authority it named, if any: an absolute-form
    target (`http://host/path?q`, from a client that takes us for a forward proxy) becomes
    origin-form, and its authority is what the request is for (RFC 9112 §3.2.2: it wins over
    Host). Other forms are kept, with no authority."""
    if target.startswith("/") or target == "*" or "://" not in target:
        return target, None
    after = target.partition("://")[2]
    cut = min((i for i in (after.find("/"), after.find("?")) if i >= 0), default=None)
    authority = after if cut is None else after[:cut]
    authority = authority.rpartition("@")[2]  # userinfo is not part of Host
    if cut is None:
        return "/", authority
    rest = after[cut:]
    return (rest if rest.startswith("/") else "/" + rest), authority
