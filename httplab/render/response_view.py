"""What the server sent back: status line coloured by class, header fields, body preview."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from httplab.protocol.messages import Response, body_forbidden
from httplab.render.body_preview import BODY_PREVIEW_LIMIT, body_preview
from httplab.render.bytes_views import RawBytesView
from httplab.render.escape import safe_bytes, safe_text
from httplab.render.theme import status_style
from httplab.trace.records import ExchangeRecord


def status_line(response: Response) -> Text:
    return Text.assemble(
        safe_text(response.version, "http.version"),
        " ",
        (str(response.status), status_style(response.status)),
        " ",
        safe_text(response.reason, "http.reason"),
    )


class ResponseView:
    """The response as the server built it; the raw bytes when there is no Response object."""

    def __init__(self, record: ExchangeRecord, *, body_limit: int = BODY_PREVIEW_LIMIT) -> None:
        self.record = record
        self.body_limit = body_limit

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        response = self.record.response
        if response is None:
            if self.record.raw_response:
                yield RawBytesView(self.record.raw_response)
            else:
                yield Text("(no response was sent)", style="trace.muted")
            return
        yield status_line(response)
        for field in response.headers:
            yield Text.assemble(
                safe_bytes(field.name, "http.header.name"),
                ": ",
                safe_bytes(field.value, "http.header.value"),
            )
        yield Text("")
        method = self.record.method or "GET"
        if body_forbidden(response.status, method) and not response.body:
            yield Text(
                f"(no content: {response.status} to {method}, RFC 9110 §6.4.1)",
                style="trace.muted",
            )
            return
        yield body_preview(response.headers, response.body, limit=self.body_limit)
