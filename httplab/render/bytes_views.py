"""Bytes as they crossed the wire: escaped text with visible CRLF, and a hexdump."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from httplab.protocol.events import Span
from httplab.render.escape import escaped_text
from httplab.trace.wire_text import ascii_column, hex_column, hexdump_line

RAW_LIMIT = 64 * 1024
"""Bytes shown by RawBytesView before the rest is summarised in a note."""
HEX_LIMIT = 4 * 1024
"""Bytes shown by HexdumpView (a hexdump line holds 16 bytes; 4 KiB is 256 lines)."""


def truncation_note(shown: int, total: int) -> Text:
    return Text(
        f"… {total - shown:,} more bytes not shown ({total:,} bytes in all)", style="wire.truncated"
    )


class _BytesView:
    """Bytes to show, at most `limit` of them, with `highlight` (a byte span) marked."""

    default_limit = RAW_LIMIT

    def __init__(self, data: bytes, highlight: Span | None = None, *, limit: int | None = None):
        self.data = data
        self.highlight = highlight
        self.limit = self.default_limit if limit is None else limit


class RawBytesView(_BytesView):
    """Wire bytes, one wire line per screen line, with `highlight` (a byte span) marked."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.data:
            yield Text("(no bytes)", style="trace.muted")
            return
        shown = self.data[: self.limit]
        highlight = self.highlight
        if highlight is not None:
            highlight = (min(highlight[0], len(shown)), min(highlight[1], len(shown)))
        yield escaped_text(shown, highlight)
        if len(self.data) > len(shown):
            yield truncation_note(len(shown), len(self.data))


class HexdumpView(_BytesView):
    """Offset, bytes in hex and the printable ASCII column; 16 bytes a line (8 when narrow)."""

    default_limit = HEX_LIMIT

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.data:
            yield Text("(no bytes)", style="trace.muted")
            return
        per_line = 16 if options.max_width >= 78 else 8
        shown = self.data[: self.limit]
        for start in range(0, len(shown), per_line):
            yield self._line(shown, start, per_line)
        if len(self.data) > len(shown):
            yield truncation_note(len(shown), len(self.data))

    def _line(self, data: bytes, start: int, per_line: int) -> Text:
        # The layout is wire_text's (shared with `send --hexdump`); only the styles are added.
        line = Text(hexdump_line(data, start, per_line), style="hex.bytes")
        line.stylize("hex.offset", 0, 8)
        count = min(per_line, len(data) - start)
        first, last = ascii_column(0, per_line), ascii_column(count - 1, per_line)
        line.stylize("hex.ascii", first, last + 1)
        if self.highlight is not None:
            low, high = self.highlight[0] - start, self.highlight[1] - start
            for i in range(max(0, low), min(count, high)):
                hex_at, char_at = hex_column(i, per_line), ascii_column(i, per_line)
                line.stylize("wire.highlight", hex_at, hex_at + 2)
                line.stylize("wire.highlight", char_at, char_at + 1)
        return line
