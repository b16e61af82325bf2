"""Bytes as they crossed the wire: escaped text with visible CRLF, and a hexdump."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from httplab.protocol.events import Span
from httplab.render.escape import escaped_text

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
        chunk = data[start : start + per_line]
        line = Text(f"{start:08x}  ", style="hex.offset")
        for i, byte in enumerate(chunk):
            gap = " " if i == per_line // 2 - 1 else ""
            line.append(f"{byte:02x} ", style=self._style(start + i, "hex.bytes"))
            line.append(gap)
        line.append("   " * (per_line - len(chunk)) + (" " if len(chunk) < per_line // 2 else ""))
        line.append(" |")
        for i, byte in enumerate(chunk):
            # Only printable ASCII reaches the screen; everything else is a dot.
            char = chr(byte) if 0x20 <= byte <= 0x7E else "."
            line.append(char, style=self._style(start + i, "hex.ascii"))
        line.append("|")
        return line

    def _style(self, offset: int, base: str) -> str:
        if self.highlight and self.highlight[0] <= offset < self.highlight[1]:
            return "wire.highlight"
        return base
