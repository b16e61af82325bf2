"""Bytes as they crossed the wire: escaped text with visible CRLF, and a hexdump."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from httplab.protocol.events import Span
from httplab.render.escape import escaped_text
from httplab.trace.wire_text import ascii_column, hex_column, hexdump_line

RAW_LIMIT = 64 * 1024
"""Bytes shown by RawBytesView before the rest is summarised in a note."""
RAW_LINES = 200
"""Wire lines shown by RawBytesView at most."""
RAW_CONTEXT = 5
"""Lines shown before the highlighted one when RawBytesView starts further on."""
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
    """Wire bytes, one wire line per screen line, with `highlight` (a byte span) marked.

    At most `limit` bytes and `RAW_LINES` lines are rendered (a head of thousands of fields
    must not cost seconds a key press): from the start, or around the highlight when it lies
    further on; a line says how much comes before, another how much after.
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.data:
            yield Text("(no bytes)", style="trace.muted")
            return
        start, end = self._window()
        highlight = self.highlight
        if highlight is not None:
            low, high = (max(start, min(x, end)) - start for x in highlight)
            highlight = (low, high)
        if start:
            lines = self.data.count(b"\n", 0, start)
            yield Text(
                f"… {start:,} bytes ({lines:,} lines) before not shown", style="wire.truncated"
            )
        yield escaped_text(self.data[start:end], highlight)
        if end < len(self.data):
            yield truncation_note(end, len(self.data))

    def _window(self) -> tuple[int, int]:
        """(start, end) byte offsets to render: whole lines, at most `limit` bytes and
        `RAW_LINES` lines, holding the start of the highlight."""
        data = self.data
        end = self._end(0)
        if self.highlight is None or min(self.highlight[0], len(data)) < end:
            return 0, end
        anchor = min(self.highlight[0], len(data))
        start = anchor  # back up to the highlighted line, and a few lines of context
        for _ in range(RAW_CONTEXT + 1):
            start = data.rfind(b"\n", 0, max(0, start - 1)) + 1
            if start == 0:
                break
        start = max(start, anchor - self.limit // 2)
        return start, self._end(start)

    def _end(self, start: int) -> int:
        data, end = self.data, start
        for _ in range(RAW_LINES):
            lf = data.find(b"\n", end, start + self.limit)
            if lf < 0:
                return min(len(data), start + self.limit)
            end = lf + 1
        return end


class HexdumpView(_BytesView):
    """Offset, bytes in hex and the printable ASCII column; 16 bytes a line (8 when narrow)."""

    default_limit = HEX_LIMIT

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.data:
            yield Text("(no bytes)", style="trace.muted")
            return
        per_line = 16 if options.max_width >= 78 else 8
        first = 0
        if self.highlight is not None and self.highlight[0] >= self.limit:
            # start a few lines before the highlight, on a line boundary, so it is shown
            first = max(0, (self.highlight[0] // per_line - 4) * per_line)
        end = min(len(self.data), first + self.limit)
        if first:
            yield Text(f"… {first:,} bytes before not shown", style="wire.truncated")
        shown = self.data[:end]
        for start in range(first, end, per_line):
            yield self._line(shown, start, per_line)
        if end < len(self.data):
            yield truncation_note(end, len(self.data))

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
