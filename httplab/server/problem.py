"""Error responses a person can learn from, in the format the client asked for.

Every error the server or an app sends goes through `problem_response`: the status, the
registered reason, a one-line detail and, when one applies, the RFC section that was enforced.
The body is JSON, plain text or HTML by `Accept`; an error is never itself refused with 406
(RFC 9110 §12.1 lets a server ignore `Accept` rather than send a worse error), so when nothing
fits, the preferred default is sent.

The detail stays English, also when a lesson is in Russian: it is bytes on the wire, the same
for every client of one server (a class shares one), and lesson checks match it
(`response_body_contains`). A Russian lesson explains it in its own hints, which name the
English words the learner sees.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Literal

from httplab.protocol.errors import reason_phrase
from httplab.protocol.headers import Headers
from httplab.protocol.messages import Response
from httplab.protocol.negotiate import negotiate

MediaType = Literal["application/json", "text/plain", "text/html"]
JSON: MediaType = "application/json"
TEXT: MediaType = "text/plain"
HTML: MediaType = "text/html"

CONTENT_TYPES: dict[MediaType, bytes] = {
    JSON: b"application/json",
    TEXT: b"text/plain; charset=utf-8",
    HTML: b"text/html; charset=utf-8",
}

TEXT_FIRST: tuple[MediaType, ...] = (TEXT, JSON, HTML)
"""Order for errors raised before an application sees the request (readable in `nc`)."""
JSON_FIRST: tuple[MediaType, ...] = (JSON, TEXT, HTML)
"""Order for an API whose resources default to JSON."""


def problem_response(
    status: int,
    detail: str,
    *,
    rfc_ref: str = "",
    accept: str | None = None,
    prefer: Iterable[MediaType] = TEXT_FIRST,
    extra: Mapping[str, object] | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """A response whose body explains `status`; `extra` adds JSON members (field errors)."""
    order = list(prefer)
    chosen = negotiate(accept, list(order)) if accept else None
    media_type = next((kind for kind in order if kind == chosen), order[0])
    reason = reason_phrase(status)
    if media_type == JSON:
        document: dict[str, object] = {"status": status, "error": reason, "detail": detail}
        if rfc_ref:
            document["rfc"] = rfc_ref
        if extra:
            document.update(extra)
        body = json.dumps(document, ensure_ascii=False).encode("utf-8") + b"\n"
    elif media_type == HTML:
        where = f"<p>See {html.escape(rfc_ref)}.</p>" if rfc_ref else ""
        body = (
            f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{status} '
            f"{html.escape(reason)}</title></head>\n<body><h1>{status} {html.escape(reason)}</h1>"
            f"<p>{html.escape(detail)}</p>{where}</body></html>\n"
        ).encode()
    else:
        where = f" ({rfc_ref})" if rfc_ref else ""
        body = f"{status} {reason}: {detail}{where}\n".encode()
    response_headers = Headers([("Content-Type", CONTENT_TYPES[media_type]), ("Vary", "Accept")])
    for name, value in headers:
        response_headers.add(name, value)
    return Response(status, response_headers, body)
