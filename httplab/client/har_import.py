"""A HAR file (a browser's devtools export, or `export --har`) read as a transcript: requests
only. Each entry becomes one connection with one request built from its method, URL, headers
and postData (HTTP/1.0 when its httpVersion says so, else HTTP/1.1); nothing is expected of
the answers (a browser's HAR of another site holds another server's answers), so a replay
shows each status and passes unless no response comes back.

HTTP/2 pseudo-header fields (`:authority`, …) are left out, a Host field is added from the
URL when an HTTP/1.1 entry has none, Content-Length is computed again from the body, and
Transfer-Encoding is dropped (the body is sent whole).

A `# server: OPTIONS` line in the comment of an entry's page (as `export --har` writes for a
transcript written for a server started with options) or of the entry itself is kept as the
request's `server`: `replay FILE.har` starts its fresh server with it, `send -f` says it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from httplab.protocol.grammar import FIELD_VALUE, TOKEN
from httplab.trace.wire_text import escape_latin1

if TYPE_CHECKING:  # `send -f FILE.har` reads requests only: no transcript (nor its records)
    from httplab.trace.transcript import Transcript


class HarError(ValueError):
    """A file that is not a HAR httplab can read; the message says what is wrong."""


_DROPPED = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True, slots=True)
class HarRequest:
    """One entry's request: where the HAR says it went, and the HTTP/1.1 bytes to send."""

    label: str  # "METHOD TARGET"
    url: str
    data: bytes
    server: str = ""  # the options of a `# server:` line in its page's or its own comment


SERVER_LINE = "# server:"  # as in a transcript (server_options, which needs the transcript)


def _server_words(*comments: object) -> str:
    """The options of the `# server:` lines in `comments` (HAR comment fields), joined."""
    words = []
    for comment in comments:
        if isinstance(comment, str):
            for line in comment.split("\n"):
                if line.startswith(SERVER_LINE):
                    words.append(line[len(SERVER_LINE) :].strip(" \t"))
    return " ".join(w for w in words if w)


def _checked(text: str, what: str, rule: re.Pattern[bytes], rfc: str) -> str:
    """`text` when it is a valid `what`; else HarError. A browser never records a CR or LF in
    a method or a field, and one sent as it is would end the line there: `X: 1\\r\\n\\r\\nGET
    /evil …` in a HAR made two requests on the wire, the second not in the HAR."""
    if rule.fullmatch(text.encode("latin-1", "replace")) is None:
        raise HarError(f"{what} '{escape_latin1(text)}' holds a byte HTTP does not allow ({rfc})")
    return text


def _request_bytes(request: dict[str, Any], server: str = "") -> HarRequest:
    method = _checked(str(request["method"]), "the method", TOKEN, "RFC 9110 §9.1")
    url = urlsplit(str(request["url"]))
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    http10 = str(request.get("httpVersion", "")).upper() == "HTTP/1.0"
    version = "HTTP/1.0" if http10 else "HTTP/1.1"  # HTTP/2 and /3 are sent as HTTP/1.1
    lines = [f"{method} {target} {version}"]
    headers = [(str(h["name"]), str(h["value"])) for h in request.get("headers", [])]
    headers = [
        (
            _checked(name, "the field name", TOKEN, "RFC 9110 §5.1"),
            _checked(value, f"the value of {name}", FIELD_VALUE, "RFC 9110 §5.5"),
        )
        for name, value in headers
        if not name.startswith(":")  # HTTP/2 pseudo-fields (:authority): not sent
    ]
    if not http10 and not any(n.lower() == "host" for n, _ in headers):
        lines.append(f"Host: {url.netloc}")
    lines += [f"{n}: {v}" for n, v in headers if n.lower() not in _DROPPED]
    body = b""
    post = request.get("postData")
    if isinstance(post, dict) and "text" in post:
        text = str(post["text"])
        if post.get("encoding") == "base64":
            body = base64.b64decode(text, validate=True)
        else:
            body = text.encode("utf-8")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    data = head.encode("latin-1") + body
    return HarRequest(f"{method} {target}", str(request["url"]), data, server)


def read_har_requests(path: str | Path) -> list[HarRequest]:
    """The requests of the HAR at `path`, in order; HarError says what is wrong (OSError
    when it cannot be read at all)."""
    try:
        document = json.loads(Path(path).read_bytes())
        pages = {
            page.get("id"): page.get("comment")
            for page in document["log"].get("pages", [])
            if isinstance(page, dict)
        }
        requests = [
            _request_bytes(
                entry["request"],
                _server_words(pages.get(entry.get("pageref")), entry.get("comment")),
            )
            for entry in document["log"]["entries"]
        ]
    except (
        ValueError,
        RecursionError,  # nested too deeply for json.loads
        KeyError,
        TypeError,
        AttributeError,
        binascii.Error,
        UnicodeEncodeError,
    ) as exc:
        if isinstance(exc, KeyError):
            problem = f"no {exc.args[0]!r} field"
        elif isinstance(exc, TypeError | AttributeError):
            problem = "a field of the wrong kind"
        elif isinstance(exc, RecursionError):
            problem = "nested too deeply"
        else:
            problem = str(exc)
        raise HarError(f"not a HAR file httplab can read ({problem})") from None
    if not requests:
        raise HarError("the HAR file has no entries")
    return requests


def read_har(path: str | Path) -> Transcript:
    """The requests of the HAR at `path` as a transcript: one connection per entry;
    TranscriptError (line 1) when it is not a HAR httplab can read."""
    from httplab.trace.transcript import (
        Transcript,
        TranscriptConnection,
        TranscriptError,
        TranscriptExchange,
    )

    try:
        requests = read_har_requests(path)
    except HarError as exc:
        raise TranscriptError(1, str(exc)) from None
    transcript = Transcript(title=f"requests of {Path(path).name} (HAR)")
    for request in requests:
        exchange = TranscriptExchange(label=request.label, request=request.data)
        transcript.connections.append(TranscriptConnection(exchanges=[exchange]))
    return transcript
