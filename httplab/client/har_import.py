"""A HAR file (a browser's devtools export, or `replay --har`) read as a transcript: requests
only. Each entry becomes one connection with one HTTP/1.1 request built from its method, URL,
headers and postData; nothing is expected of the answers (a browser's HAR of another site
holds another server's answers), so a replay shows each status and passes unless no
response comes back.

HTTP/2 pseudo-header fields (`:authority`, …) are left out, a Host field is added from the
URL when the entry has none, Content-Length is computed again from the body, and
Transfer-Encoding is dropped (the body is sent whole).
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from httplab.trace.transcript import (
    Transcript,
    TranscriptConnection,
    TranscriptError,
    TranscriptExchange,
)

_DROPPED = {"content-length", "transfer-encoding", "connection", "keep-alive"}


def _request_bytes(request: dict[str, Any]) -> tuple[str, bytes]:
    method = str(request["method"])
    url = urlsplit(str(request["url"]))
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    lines = [f"{method} {target} HTTP/1.1"]
    headers = [(str(h["name"]), str(h["value"])) for h in request.get("headers", [])]
    headers = [(n, v) for n, v in headers if not n.startswith(":")]
    if not any(n.lower() == "host" for n, _ in headers):
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
    return f"{method} {target}", head.encode("latin-1") + body


def read_har(path: str | Path) -> Transcript:
    """The requests of the HAR at `path`; TranscriptError (line 1) says what is wrong."""
    try:
        document = json.loads(Path(path).read_bytes())
        entries = document["log"]["entries"]
        transcript = Transcript(title=f"requests of {Path(path).name} (HAR)")
        for entry in entries:
            label, request = _request_bytes(entry["request"])
            exchange = TranscriptExchange(label=label, request=request)
            transcript.connections.append(TranscriptConnection(exchanges=[exchange]))
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError) as exc:
        problem = type(exc).__name__ if isinstance(exc, KeyError | TypeError) else str(exc)
        raise TranscriptError(1, f"not a HAR file httplab can read ({problem})") from None
    if not transcript.connections:
        raise TranscriptError(1, "the HAR file has no entries")
    return transcript
