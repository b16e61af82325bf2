"""Transcripts as a HAR 1.2 log (`httplab replay FILE… --har OUT.har`), for browser devtools.

Each exchange becomes one entry: the request from its `>` bytes, the response from its
recorded `<` bytes (or, for a hand-written transcript without them, from what it expects).
Transcripts carry no times, so `startedDateTime` counts milliseconds from the moment of the
export and `time` and `timings` are 0. Bodies that are not UTF-8 are base64 (`encoding`).
A request the parser cannot read is exported with what its first line says and no headers.

Each transcript is one page (`log.pages`, its entries' `pageref`), titled with its title. A
transcript written for a server started with options (`# server: --max-body 16`, see
`server_options`) keeps that line as its page's `comment` (HAR 1.2 allows a comment on every
object), so `replay FILE.har` and `send -f FILE.har` read it back (`har_import`).
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from httplab import __version__
from httplab.client.connection import split_requests
from httplab.client.curl_export import request_body
from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import Data, EndOfMessage, ResponseHead
from httplab.protocol.headers import Headers
from httplab.protocol.response_parser import ResponseParser
from httplab.trace.transcript import Transcript, TranscriptExchange
from httplab.trace.wire_text import first_words


def _headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": f.name.decode("latin-1"), "value": f.value.decode("latin-1")} for f in headers]


def _text(body: bytes) -> dict[str, Any]:
    try:
        return {"text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"text": base64.b64encode(body).decode("ascii"), "encoding": "base64"}


def _parsed_response(raw: bytes, method: str) -> tuple[ResponseHead, bytes] | None:
    """The final response in the recorded bytes, with its body; None when unreadable."""
    parser = ResponseParser()
    parser.expect(method)
    parser.feed(raw)
    parser.feed(b"")
    head: ResponseHead | None = None
    body = b""
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, ResponseHead):
                head, body = event, b""
            elif isinstance(event, Data):
                body += event.data
            elif isinstance(event, EndOfMessage):
                if head is not None and head.status >= 200:
                    return head, body
                parser.start_next()
            else:
                return (head, body) if head is not None and head.status >= 200 else None
    except ProtocolError:
        return None


def _request(exchange: TranscriptExchange, base_url: str) -> tuple[dict[str, Any], str]:
    pieces = split_requests(exchange.request)
    head = pieces[0].head if pieces else None
    if head is None:
        method, target = first_words(exchange.request)
        return {
            "method": method.decode("latin-1"),
            "url": base_url + target.decode("latin-1"),
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": -1,
        }, method.decode("latin-1")
    url = head.target if "://" in head.target else base_url + head.target
    body = request_body(pieces[0].raw)
    request: dict[str, Any] = {
        "method": head.method,
        "url": url,
        "httpVersion": head.version,
        "headers": _headers(head.headers),
        "queryString": [
            {"name": name, "value": value}
            for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        ],
        "cookies": [],
        "headersSize": len(head.raw),
        "bodySize": len(body),
    }
    if body or head.framing.kind != "none":
        mime = head.headers.get("content-type") or "application/octet-stream"
        request["postData"] = {"mimeType": mime, **_text(body)}
    return request, head.method


def _response(exchange: TranscriptExchange, method: str) -> dict[str, Any]:
    parsed = _parsed_response(exchange.recorded_response, method)
    if parsed is not None:
        head, body = parsed
        status, reason, version = head.status, head.reason, head.version
        headers, headers_size = _headers(head.headers), len(head.raw)
        mime = head.headers.get("content-type") or ""
        location = head.headers.get("location") or ""
    else:  # no recorded response: what the transcript expects
        expect = exchange.expect
        status, reason, version = expect.status or 0, "", "HTTP/1.1"
        headers = [{"name": n, "value": v} for n, v in expect.headers if v is not None]
        headers_size = -1
        body = expect.body or b""
        mime = next((v for n, v in expect.headers if n.lower() == "content-type" and v), "")
        location = next((v for n, v in expect.headers if n.lower() == "location" and v), "")
    return {
        "status": status,
        "statusText": reason,
        "httpVersion": version,
        "headers": headers,
        "cookies": [],
        "content": {"size": len(body), "mimeType": mime, **_text(body)},
        "redirectURL": location,
        "headersSize": headers_size,
        "bodySize": len(body),
    }


def har_log(
    transcripts: list[Transcript], base_url: str, server_lines: Sequence[str] = ()
) -> dict[str, Any]:
    """A HAR 1.2 document with one entry per exchange of `transcripts`, in order, and one page
    per transcript; `server_lines[i]` is transcript i's `# server:` line ("" for none)."""
    start = datetime.datetime.now(datetime.UTC)
    entries: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for number, transcript in enumerate(transcripts, 1):
        page: dict[str, Any] = {
            "startedDateTime": (start + datetime.timedelta(milliseconds=len(entries))).isoformat(
                timespec="milliseconds"
            ),
            "id": f"transcript_{number}",
            "title": transcript.title or f"transcript {number}",
            "pageTimings": {},
        }
        server_line = server_lines[number - 1] if number <= len(server_lines) else ""
        if server_line:
            page["comment"] = server_line
        pages.append(page)
        for exchange in transcript.exchanges():
            request, method = _request(exchange, base_url)
            started = start + datetime.timedelta(milliseconds=len(entries))
            entries.append(
                {
                    "pageref": page["id"],
                    "startedDateTime": started.isoformat(timespec="milliseconds"),
                    "time": 0,
                    "request": request,
                    "response": _response(exchange, method),
                    "cache": {},
                    "timings": {"send": 0, "wait": 0, "receive": 0},
                    "comment": exchange.label,
                }
            )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "httplab", "version": __version__},
            "pages": pages,
            "entries": entries,
        }
    }


def har_text(
    transcripts: list[Transcript],
    base_url: str,
    server_lines: Sequence[str] = (),
    *,
    ascii_only: bool = False,
) -> str:
    """The HAR as JSON text; `ascii_only` escapes every non-ASCII character as \\uXXXX (for a
    terminal: a header value decoded as ISO-8859-1 may hold C1 control characters)."""
    document = har_log(transcripts, base_url, server_lines)
    return json.dumps(document, indent=2, ensure_ascii=ascii_only) + "\n"
