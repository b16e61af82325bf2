"""Whole exchanges: the one-line summary for a list, the notes, and the full card."""

from __future__ import annotations

import time

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.rule import Rule
from rich.style import Style
from rich.text import Text

from httplab.protocol.messages import Note
from httplab.render.bytes_views import RawBytesView
from httplab.render.escape import safe_text, safe_wire_text
from httplab.render.explain import ExplanationsView
from httplab.render.request_views import HeadersTable, ParsedTreeView
from httplab.render.response_view import ResponseView
from httplab.render.theme import status_style
from httplab.render.words import word
from httplab.trace.lint import exchange_notes
from httplab.trace.records import ConnectionEvent, ExchangeRecord
from httplab.trace.wire_text import escape_wire, first_line

NOTE_MARKS = {"info": "·", "warning": "!", "error": "✗"}


def clock(at: float) -> str:
    """Wall-clock time of day with milliseconds, local time."""
    return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d}"


def human_size(size: int, lang: str = "en") -> str:
    if size < 1024:
        return word("size-b", lang, size=size)
    if size < 1024 * 1024:
        return word("size-kb", lang, size=f"{size / 1024:.1f}")
    return word("size-mb", lang, size=f"{size / (1024 * 1024):.1f}")


def duration(ms: float) -> str:
    """Milliseconds as the list shows them: one decimal, or three below 0.1 ms (a server
    under load answers in tens of microseconds, which one decimal would show as 0.0)."""
    if 0 < ms < 0.1:
        return f"{ms:.3f}"
    return f"{ms:.1f}"


def exchange_label(record: ExchangeRecord) -> str:
    """How the list names an exchange: `#3.1` is exchange 1 on connection 3 of this server;
    `→3.1` one the client pane made with another server (`--to`), on its own connection 3;
    `↑4.1` what `httplab proxy` sent upstream on its connection 4 (and what came back)."""
    if record.source == "client":
        return f"→{abs(record.connection_id)}.{record.number}"
    if record.source == "upstream":  # `httplab proxy`: the leg it sent to its upstream
        return f"↑{record.connection_id}.{record.number}"
    return f"#{record.connection_id}.{record.number}"


class ExchangeSummary:
    """One line: time, connection.exchange, method, target, status, size, duration.

    Laid out at the width it is given, in columns: the target takes what the fixed columns
    leave and is cut with `…` when too long, so status, size and duration line up row under
    row. `text()` is the same line without the padding (for a rule's title).
    """

    CONNECTION_WIDTH = 9
    METHOD_WIDTH = 7

    def __init__(self, record: ExchangeRecord, lang: str = "en") -> None:
        self.record = record
        self.lang = lang  # of the units (B, ms): a Russian lesson's line says Б, мс

    def _target(self) -> Text:
        r = self.record
        if r.has_request:  # a compact record is not parsed again for its row
            return safe_wire_text(r.target, "http.target")
        # Not parsed: what the first line said, escaped, so a bad request is recognisable.
        shown = escape_wire(first_line(r.raw_request, 200))
        return Text(shown or "(no bytes)", style="trace.error")

    def _tail(self) -> list[Text]:
        r = self.record
        # Where it came from is in the label (`→3.1`), so every row has the same columns.
        return [
            Text(f"{r.status:3d}" if r.status else "---", style=status_style(r.status)),
            Text(f"{human_size(len(r.raw_response), self.lang):>7}", style="trace.size"),
            Text(f"{duration(r.total_ms):>6} {word('ms', self.lang)}", style="trace.duration"),
        ]

    def _head(self, padded: bool, *, milliseconds: bool = True) -> list[Text]:
        r = self.record
        at = clock(r.started_at) if milliseconds else clock(r.started_at)[:8]
        connection = exchange_label(r)
        method = r.method or "?"
        if padded:
            connection = connection.ljust(self.CONNECTION_WIDTH)
            method = method.ljust(self.METHOD_WIDTH)
        return [
            Text(at, style="trace.time"),
            Text(connection, style="trace.connection"),
            safe_wire_text(method, "http.method"),
        ]

    def text(self) -> Text:
        line = Text(" ").join([*self._head(False), self._target(), *self._tail()])
        line.no_wrap = True
        line.overflow = "ellipsis"
        return line

    def columns(self, width: int) -> list[tuple[str, str | Style]] | None:
        """The line laid out in columns at `width` cells, as (text, style) pieces: what
        `__rich_console__` prints. None when too narrow for columns (the plain line then).

        The trace view draws its rows from these pieces without going through rich's
        layout (a flood redraws many rows a second, issue 12.4); one layout serves both."""
        # Below 100 columns the milliseconds give their room to the target.
        head = _spaced(self._head(True, milliseconds=width >= 100))
        tail = _spaced(self._tail())
        room = width - _cells(head) - _cells(tail) - 2
        if room < 8:
            return None
        target = self._target()
        text = target.plain
        length = cell_len(text)
        if length > room:
            text = set_cell_size(text, room - 1) + "…"
        elif length < room:
            text += " " * (room - length)
        return [*head, (" ", ""), (text, target.style), (" ", ""), *tail]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        pieces = self.columns(options.max_width)
        # too narrow for columns: the plain line, cut at the edge
        line = self.text() if pieces is None else Text.assemble(*pieces)
        line.no_wrap = True
        line.overflow = "ellipsis"
        yield line


def _spaced(parts: list[Text]) -> list[tuple[str, str | Style]]:
    """One-style texts as pieces, a space between two."""
    pieces: list[tuple[str, str | Style]] = []
    for part in parts:
        if pieces:
            pieces.append((" ", ""))
        pieces.append((part.plain, part.style))
    return pieces


def _cells(pieces: list[tuple[str, str | Style]]) -> int:
    return sum(cell_len(text) for text, _ in pieces)


def note_line(note: Note) -> Text:
    level = note.level if note.level in NOTE_MARKS else "warning"
    return Text.assemble(
        (f"{NOTE_MARKS[level]} ", f"note.{level}"),
        safe_text(note.message, f"note.{level}"),
        " ",
        safe_text(f"({note.rfc_ref})" if note.rfc_ref else "", "note.rfc"),
    )


class NotesView:
    """The RFC notes of an exchange, one line each, with the section they come from."""

    def __init__(self, record: ExchangeRecord, lang: str = "en") -> None:
        self.record = record
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        notes = exchange_notes(self.record)
        if self.record.error:
            yield Text.assemble(("✗ ", "note.error"), safe_text(self.record.error, "note.error"))
        if not notes and not self.record.error:
            yield Text(word("no-notes", self.lang), style="trace.muted")
        for note in notes:
            yield note_line(note)


def _section(title: str) -> Text:
    return Text(title, style="trace.section")


class ExchangeView:
    """Everything about one exchange, top to bottom: what the plain printer shows (its words
    and the explanations in `lang`, "en" or "ru")."""

    def __init__(
        self, record: ExchangeRecord, selected: str | None = None, *, lang: str = "en"
    ) -> None:
        self.record = record
        self.selected = selected
        self.lang = lang if lang in ("en", "ru") else "en"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        r, lang = self.record, self.lang
        yield Rule(ExchangeSummary(r, lang).text(), align="left", style="trace.muted")
        yield _section(word("request-section", lang, count=f"{len(r.raw_request):,}"))
        yield RawBytesView(r.raw_request)
        if r.request is not None:
            yield _section(word("parsed", lang))
            yield ParsedTreeView(r, self.selected, lang=lang)
            yield _section(word("header-fields", lang))
            yield HeadersTable(r, self.selected, lang=lang)
            yield _section(word("fields-mean", lang))
            yield ExplanationsView(r, lang)
        yield _section(word("response-section", lang, count=f"{len(r.raw_response):,}"))
        # printed, not browsed: no key to press for the bytes
        yield ResponseView(r, bytes_hint=word("not-the-bytes", lang), lang=lang)
        yield _section(word("notes", lang))
        yield NotesView(r, lang)


class ConnectionEventView:
    """One line for a connection opened, closed, timed out or dropped."""

    def __init__(self, event: ConnectionEvent, lang: str = "en") -> None:
        self.event = event
        self.lang = lang

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        e = self.event
        style = (
            "trace.error" if e.kind in ("protocol-error", "refused", "timeout") else "trace.event"
        )
        line = Text.assemble(
            (clock(e.at), "trace.time"),
            " ",
            (f"#{e.connection_id}", "trace.connection"),
            " ",
            (word(e.kind, self.lang), style),
            " ",
            safe_text(e.peer, "trace.muted"),
        )
        if e.detail:
            line.append(" ")
            line.append_text(safe_text(e.detail, "trace.muted"))
        yield line
