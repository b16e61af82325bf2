"""Transcripts as curl commands: `httplab replay FILE… --curl` prints one per request.

Each command is runnable as printed in bash or zsh and sends the same request line, fields
and body as the transcript (curl adds its own User-Agent and Accept unless the request has
them, and computes Content-Length itself):

    curl -sS -i --path-as-is -X POST 'http://127.0.0.1:53210/users' \\
      -H 'Content-Type: application/json' --data-binary '{"name": "ada"}'

Quoting: a word of printable ASCII is single-quoted (`'` written as `'\\''`); anything with
other bytes becomes a bash ANSI-C string `$'…'` with `\\xNN` escapes; a body holding a NUL
byte (which no shell string can carry) is fed through `printf '%b' … | curl --data-binary @-`.
A request the parser cannot read (the malformed ones) has no curl equivalent: it is printed as
a comment pointing to `httplab send --raw`.
"""

from __future__ import annotations

from httplab.client.connection import split_requests
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, RequestHead
from httplab.protocol.request_parser import RequestParser
from httplab.trace.transcript import Transcript
from httplab.trace.wire_text import escape_decoded, escape_wire, first_line

_SKIPPED = {b"content-length", b"transfer-encoding"}
"""Fields curl writes itself from how it sends the body."""


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


def request_body(raw: bytes) -> bytes:
    """The request's body with its framing removed (chunks joined)."""
    parser = RequestParser()
    parser.feed(raw)
    parser.feed(b"")
    body = b""
    while True:
        try:
            event = parser.next_event()
        except ProtocolError:  # a broken body: the bytes before the break
            return body
        if isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage) or not isinstance(event, RequestHead):
            return body


def curl_command(request: bytes, base_url: str) -> str:
    """One curl command for `request` (one request's bytes); a comment when it cannot be."""
    pieces = split_requests(request)
    head = pieces[0].head if len(pieces) == 1 and pieces[0].complete else None
    if head is None or not head.target.startswith("/"):
        first = escape_wire(first_line(request, 80))
        return f"# not sent by curl (use httplab send --raw): {first}"
    words = ["curl", "-sS", "-i", "--path-as-is"]
    if head.version == "HTTP/1.0":
        words.append("--http1.0")
    if head.method == "HEAD":
        words.append("--head")
    elif head.method != "GET" or head.framing.kind != "none":
        words += ["-X", shell_quote(head.method.encode("latin-1"))]
    words.append(shell_quote((base_url + head.target).encode("latin-1")))
    chunked = False
    for field in head.headers:
        lower = field.name.lower()
        if lower == b"transfer-encoding" and b"chunked" in field.value.lower():
            chunked = True
        if lower in _SKIPPED:
            continue
        words += ["-H", shell_quote(field.name + b": " + field.value)]
    if chunked:
        words += ["-H", "'Transfer-Encoding: chunked'"]
    body = request_body(pieces[0].raw)
    if head.framing.kind == "none" and not body:
        return " ".join(words)
    if b"\x00" in body:  # no shell string holds a NUL: printf writes the bytes instead
        escaped = "".join(
            chr(b) if 0x20 <= b < 0x7F and b not in b"'\\%" else f"\\x{b:02x}" for b in body
        )
        feed = f"printf '%b' '{escaped}' | "
        return feed + " ".join([*words, "--data-binary", "@-"])
    return " ".join([*words, "--data-binary", shell_quote(body)])


def curl_commands(transcript: Transcript, base_url: str) -> list[str]:
    """A comment line per exchange (its label) and the command that sends its request."""
    lines = []
    for number, connection in enumerate(transcript.connections, 1):
        for index, exchange in enumerate(connection.exchanges, 1):
            label = exchange.label  # escaped already (as read from the file)
            label = label if label.isprintable() else escape_decoded(label)
            lines.append(f"# {number}.{index} {label}")
            lines.append(curl_command(exchange.request, base_url))
    return lines
