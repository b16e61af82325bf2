"""What the server sent back: status line coloured by class, header fields, body preview."""

from __future__ import annotations

from itertools import islice

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from httplab.protocol.errors import ProtocolError
from httplab.protocol.events import ResponseHead
from httplab.protocol.headers import Headers
from httplab.protocol.messages import Response, body_forbidden
from httplab.protocol.parser import ResponseParser
from httplab.render.body_preview import BODY_PREVIEW_LIMIT, body_preview
from httplab.render.bytes_views import RawBytesView
from httplab.render.escape import safe_bytes, safe_wire_text
from httplab.render.fields import field_window, more_fields
from httplab.render.theme import status_style
from httplab.trace.records import ExchangeRecord


def status_line(response: Response) -> Text:
    return Text.assemble(
        safe_wire_text(response.version, "http.version"),
        " ",
        (str(response.status), status_style(response.status)),
        " ",
        safe_wire_text(response.reason, "http.reason"),
    )


def sent_head(raw_response: bytes, method: str) -> ResponseHead | None:
    """The head as it went over the wire (the server adds Date, Server, Content-Length and
    Connection to what the app built), read back with the same parser the client uses."""
    parser = ResponseParser()
    parser.expect(method)
    parser.feed(raw_response)
    try:
        while True:
            event = parser.next_event()
            if isinstance(event, ResponseHead) and not event.informational:
                return event
            if not isinstance(event, ResponseHead):
                return None
    except ProtocolError:
        return None


BYTES_HINT = "`h` for the bytes"
"""Where the trace view shows a response's bytes (its hexdump key)."""


class ResponseView:
    """The response as it was sent: status line, fields exactly as serialized, body preview;
    the raw bytes when there is no Response object."""

    def __init__(
        self,
        record: ExchangeRecord,
        *,
        body_limit: int = BODY_PREVIEW_LIMIT,
        bytes_hint: str = BYTES_HINT,
        lang: str = "en",
    ) -> None:
        self.record = record
        self.body_limit = body_limit
        self.bytes_hint = bytes_hint
        self.lang = lang  # of the line saying how the body is shown

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        response = self.record.response
        if response is None:
            if self.record.raw_response:
                yield RawBytesView(self.record.raw_response)
            else:
                yield Text("(no response was sent)", style="trace.muted")
            return
        method = self.record.method or "GET"
        head = sent_head(self.record.raw_response, method)
        fields: Headers = head.headers if head is not None else response.headers
        yield status_line(response)
        shown = field_window(len(fields))
        for field in islice(fields, shown.stop):
            yield Text.assemble(
                safe_bytes(field.name, "http.header.name"),
                ": ",
                safe_bytes(field.value, "http.header.value"),
            )
        if shown.stop < len(fields):
            yield Text(more_fields(len(fields) - shown.stop), style="trace.muted")
        yield Text("")
        if body_forbidden(response.status, method):
            # The app may have built a body (a HEAD answered like a GET), but none went over
            # the wire; what was sent is what this view shows.
            yield Text(
                f"(no content: {response.status} to {method}, RFC 9110 §6.4.1)",
                style="trace.muted",
            )
            return
        yield body_preview(
            fields, response.body, limit=self.body_limit, bytes_hint=self.bytes_hint, lang=self.lang
        )
