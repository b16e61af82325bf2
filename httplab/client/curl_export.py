"""Transcripts as curl commands: `httplab export --curl FILE…` prints one per request.

Each command is runnable as printed in bash or zsh and sends the same request line, fields
and body as the transcript; curl computes Content-Length itself (and chunks the body itself
for `Transfer-Encoding: chunked`):

    curl -sS -i --path-as-is -g -X 'POST' 'http://127.0.0.1:53210/users' \\
      -H 'Content-Type: application/json' -H 'User-Agent:' -H 'Accept:' \\
      --data-binary '{"name": "ada"}'

What curl would add on its own is switched off (`-H 'User-Agent:'`, `-H 'Accept:'`, and
`-H 'Content-Type:'` for a body without one); a field with an empty value is written
`-H 'Name;'` (curl's way: `Name:` would remove it). `--path-as-is` keeps dot segments, `-g`
keeps `[]{}` literal; a target curl's URL parser would change (a `#`, bytes outside RFC 3986,
the asterisk or absolute form) goes in `--request-target` as is. HEAD is `--head`, an
HTTP/1.0 request `--http1.0`.

Quoting: a word of printable ASCII is single-quoted (`'` written as `'\\''`); anything with
other bytes becomes a bash ANSI-C string `$'…'` with `\\xNN` escapes; a body holding a NUL
byte (which no shell string can carry) is fed through `printf '%b' '\\0ooo…' | curl
--data-binary @-` (octal escapes: the POSIX `%b` form, also in dash).

A request curl cannot send as it stands gets a `#` comment saying why instead of a wrong
command: one the parser cannot read (the malformed ones: send them with `httplab send
--raw`), two Host fields (curl keeps one). What curl sends differently but equivalently is
said in a `# note:` line above the command (trailers dropped, bare LF line ends as CRLF).
"""

from __future__ import annotations

from dataclasses import dataclass

from httplab.client.connection import split_requests
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import ConnectionClosed, Data, EndOfMessage, RequestHead
from httplab.protocol.headers import Headers
from httplab.protocol.request_parser import RequestParser
from httplab.trace.transcript import Transcript
from httplab.trace.wire_text import escape_decoded, escape_wire, first_line

_SKIPPED = {b"content-length", b"transfer-encoding"}
"""Fields curl writes itself from how it sends the body."""
_CURL_DEFAULTS = (b"User-Agent", b"Accept")
"""Fields curl adds to every request unless told not to (Host is handled on its own)."""
_URL_SAFE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%[]"
)
"""Target bytes curl's URL parser passes through unchanged (with --path-as-is and -g):
RFC 3986 unreserved, sub-delims, pct-encoded and the delimiters a path and query use."""
NOT_SENT = "# not sent by curl"
"""How a comment that stands for a request curl cannot send starts."""


def shell_quote(data: bytes) -> str:
    """`data` as one shell word: '…' for printable ASCII, $'…' with \\xNN escapes otherwise."""
    if all(0x20 <= byte < 0x7F for byte in data):
        return "'" + data.decode("ascii").replace("'", "'\\''") + "'"
    parts = []
    for byte in data:
        if 0x20 <= byte < 0x7F and byte not in b"'\\":
            parts.append(chr(byte))
        else:
            parts.append(f"\\x{byte:02x}")
    return "$'" + "".join(parts) + "'"


def _printf_feed(body: bytes) -> str:
    """`printf '%b' '…' | ` writing `body` exactly: octal `\\0ooo` for every byte that is not
    plain printable ASCII (a NUL included), readable by every POSIX printf."""
    escaped = "".join(
        chr(b) if 0x20 <= b < 0x7F and b not in b"'\\%" else f"\\0{b:03o}" for b in body
    )
    return f"printf '%b' '{escaped}' | "


@dataclass(frozen=True, slots=True)
class RequestBody:
    data: bytes
    trailers: Headers


def _read_body(raw: bytes) -> RequestBody:
    parser = RequestParser()
    parser.feed(raw)
    parser.feed(b"")
    body = b""
    while True:
        try:
            event = parser.next_event()
        except ProtocolError:  # a broken body: the bytes before the break
            return RequestBody(body, Headers())
        if isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage):
            return RequestBody(body, event.trailers)
        elif not isinstance(event, RequestHead):
            return RequestBody(body, Headers())


def request_body(raw: bytes) -> bytes:
    """The request's body with its framing removed (chunks joined)."""
    return _read_body(raw).data


def _parse_error(request: bytes) -> str:
    """Why the parser refuses `request`, in its own words (the RFC rule it enforces)."""
    parser = RequestParser()
    parser.feed(request)
    parser.feed(b"")
    try:
        while not isinstance(parser.next_event(), EndOfMessage | ConnectionClosed):
            pass
    except ProtocolError as exc:
        return f"the parser refuses it: {exc.one_line()}"
    return "the parser cannot read it as one request"


def _unsendable(request: bytes, why: str) -> str:
    first = escape_wire(first_line(request, 80))
    why = why if why.isprintable() else escape_decoded(why)
    return f"{NOT_SENT} ({why}; use httplab send --raw): {first}"


def _header_words(head: RequestHead, has_body: bool) -> list[str]:
    words: list[str] = []
    names = {field.name.lower() for field in head.headers}
    if b"host" not in names:
        words += ["-H", "'Host:'"]  # curl would add one
    chunked = False
    for field in head.headers:
        lower = field.name.lower()
        if lower == b"transfer-encoding" and b"chunked" in field.value.lower():
            chunked = True
        if lower in _SKIPPED:
            continue
        if field.value:
            words += ["-H", shell_quote(field.name + b": " + field.value)]
        else:  # `Name:` tells curl to remove the field; `Name;` sends it empty
            words += ["-H", shell_quote(field.name + b";")]
    if chunked:
        words += ["-H", "'Transfer-Encoding: chunked'"]
    defaults = [*_CURL_DEFAULTS, *((b"Content-Type",) if has_body else ())]
    for name in defaults:
        if name.lower() not in names:
            words += ["-H", shell_quote(name + b":")]
    return words


def curl_lines(request: bytes, base_url: str) -> list[str]:
    """`# note:` lines, then one curl command for `request` (one request's bytes), or a
    single `# not sent by curl (…)` comment when curl cannot send it as it stands."""
    pieces = split_requests(request)
    if len(pieces) == 1 and pieces[0].head is not None and not pieces[0].complete:
        why = "the request stops before its body ends; curl sends a whole body"
        return [_unsendable(request, why)]
    if len(pieces) != 1 or not pieces[0].complete or pieces[0].head is None:
        return [_unsendable(request, _parse_error(request))]
    head = pieces[0].head
    if len(head.headers.get_all("host")) > 1:
        return [_unsendable(request, "two Host fields: curl sends one")]
    words = ["curl", "-sS", "-i", "--path-as-is", "-g"]
    if head.version == "HTTP/1.0":
        words.append("--http1.0")
    body = _read_body(pieces[0].raw)
    has_body = head.framing.kind != "none" or bool(body.data)
    if head.method == "HEAD":
        if has_body:
            return [_unsendable(request, "a HEAD with a body: curl --head sends none")]
        words.append("--head")  # not -X HEAD: curl would then wait for a body
    elif head.method != "GET" or has_body:
        words += ["-X", shell_quote(head.method.encode("latin-1"))]
    target = head.target.encode("latin-1")
    if head.target_form == "origin" and all(byte in _URL_SAFE for byte in target):
        words.append(shell_quote(base_url.encode("latin-1") + target))
    else:  # curl's URL parser would change it: the target goes on the request line as is
        words += [shell_quote(base_url.encode("latin-1")), "--request-target", shell_quote(target)]
    words += _header_words(head, has_body)
    notes = []
    if len(body.trailers):
        notes.append("# note: curl sends no trailers (the transcript's are left out)")
    if b"\n" in head.raw.replace(b"\r\n", b""):
        notes.append("# note: curl ends every line with CRLF (the transcript has bare LF)")
    if not has_body:
        return [*notes, " ".join(words)]
    if b"\x00" in body.data:  # no shell string holds a NUL: printf writes the bytes instead
        return [*notes, _printf_feed(body.data) + " ".join([*words, "--data-binary", "@-"])]
    return [*notes, " ".join([*words, "--data-binary", shell_quote(body.data)])]


def curl_command(request: bytes, base_url: str) -> str:
    """The one line that sends `request` (or the comment saying why curl cannot)."""
    return curl_lines(request, base_url)[-1]


def curl_commands(transcript: Transcript, base_url: str) -> list[str]:
    """Per exchange: a comment with its label, any `# note:` lines, then the command (or the
    comment that stands for it) — always the last line of the group."""
    lines = []
    for number, connection in enumerate(transcript.connections, 1):
        for index, exchange in enumerate(connection.exchanges, 1):
            label = exchange.label  # escaped already (as read from the file)
            label = label if label.isprintable() else escape_decoded(label)
            lines.append(f"# {number}.{index} {label}")
            lines += curl_lines(exchange.request, base_url)
    return lines
