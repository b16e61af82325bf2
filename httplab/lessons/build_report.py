"""How a build check shows itself: one line per case, and for a failure the bytes that teach.

A failed case shows what was sent and what came back, escaped by the wire-text rules (CRLF
visible as `\\r\\n`, controls and non-ASCII as `\\xNN`) through the same `escaped_text`
renderable as the trace view, a caret under the first wrong byte, what was expected with its
RFC section, and the lesson's hint. On a terminal the wrong byte is also highlighted; in a pipe
the same text comes out without colour.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from httplab.lessons.build_check import CaseResult
from httplab.render.escape import escape_text, escaped_text, text_position

INDENT = "        "
LABELS = {
    "sent": ("sent", "отправлено"),
    "received": ("received", "получено"),
    "why": ("why", "почему"),
    "hint": ("hint", "подсказка"),
    "also": ("also", "ещё"),
    "first wrong byte": ("first wrong byte", "первый неверный байт"),
}
"""The words of a failure block, English and Russian (the lesson's hints are in both)."""


def label(key: str, lang: str = "en") -> str:
    english, russian = LABELS[key]
    return russian if lang == "ru" else english


LABEL_WIDTH = 12
MAX_LINE = 160
LINES_BEFORE = 10
LINES_AFTER = 2
SENT_LINES = 8


def own_text(text: str) -> str:
    """Text of the check's own making (it may quote escaped wire bytes): as it is when
    printable, else escaped — a backslash in `\\r\\n` stays one."""
    return text if text.isprintable() else escape_text(text)


def case_line(result: CaseResult, done: int, total: int) -> Text:
    """`  [3/12] ok    02.1 two spaces in the request line → 400`"""
    width = len(str(total))
    text = Text(f"  [{done:>{width}}/{total}] ")
    title = escape_text(result.case.title)
    if result.ok:
        text.append("ok  ", style="http.status.2xx")
        shown = f" → {result.status}" if result.status is not None else ""
        text.append(f"  {result.case.key} {title}{shown}")
        if result.note:
            text.append(f"\n{INDENT}note: {own_text(result.note)}", style="dim")
        return text
    text.append("FAIL", style="http.status.5xx")
    first = result.failures[0].message if result.failures else result.stopped
    text.append(f"  {result.case.key} {title}: ")
    text.append(own_text(first))
    return text


def _cut(line: Text, column: int | None) -> tuple[Text, int | None]:
    """A long line cut to MAX_LINE characters, keeping `column` (the caret) in view."""
    if len(line) <= MAX_LINE:
        return line, column
    start = 0
    if column is not None and column > MAX_LINE - 20:
        start = column - MAX_LINE // 2
    piece = line[start : start + MAX_LINE]
    if start:
        piece = Text("…") + piece
    if start + MAX_LINE < len(line):
        piece.append("…")
    return piece, None if column is None else column - start + (1 if start else 0)


def wire_block(
    label: str,
    data: bytes,
    offset: int | None = None,
    *,
    max_lines: int,
    caret: str = "first wrong byte",
) -> Text:
    """`data` as escaped lines under a label; a caret under byte `offset` when given."""
    highlight = (offset, offset + 1) if offset is not None and offset < len(data) else None
    text = escaped_text(data, highlight) if data else Text("(nothing)", style="dim")
    lines = text.split("\n", allow_blank=True)
    caret_line = caret_column = None
    if offset is not None and data:
        position = text_position(data, min(offset, len(data)))
        plain = text.plain
        caret_line = plain.count("\n", 0, position)
        caret_column = position - (plain.rfind("\n", 0, position) + 1)
    if caret_line is not None:
        first = max(0, caret_line - LINES_BEFORE)
        last = min(len(lines), caret_line + LINES_AFTER + 1)
    else:
        first, last = 0, min(len(lines), max_lines)
    out = Text()
    for index in range(first, last):
        prefix = (
            f"{INDENT}{label:<{LABEL_WIDTH}}"
            if index == first
            else " " * (len(INDENT) + LABEL_WIDTH)
        )
        column = caret_column if index == caret_line else None
        line, column = _cut(lines[index], column)
        out.append(prefix)
        out.append_text(line)
        out.append("\n")
        if column is not None:
            out.append(" " * (len(INDENT) + LABEL_WIDTH + column))
            out.append(f"^ {caret}", style="wire.highlight")
            out.append("\n")
    if offset is not None and offset >= len(data) and data and caret_line is None:
        out.append(" " * (len(INDENT) + LABEL_WIDTH) + "^ (here: nothing more came)\n")
    hidden = len(lines) - last + first
    if hidden > 0:
        out.append(f"{INDENT}{'':<{LABEL_WIDTH}}({hidden} more lines not shown)\n", style="dim")
    out.rstrip()
    return out


def failure_details(result: CaseResult, lang: str = "en") -> RenderableType:
    """The teaching block under a failed case."""
    parts: list[RenderableType] = []
    if result.stopped:
        parts += [Text(f"{INDENT}{escape_text(text)}") for text in result.stopped.split("\n")]
    if not result.failures:
        return Group(*parts)
    first = result.failures[0]
    caret = label(first.caret, lang) if first.caret in LABELS else first.caret
    parts.append(wire_block(label("sent", lang), result.sent, max_lines=SENT_LINES))
    parts.append(
        wire_block(
            label("received", lang), result.received, first.offset, max_lines=14, caret=caret
        )
    )
    expected = Text(f"{INDENT}{label('why', lang):<{LABEL_WIDTH}}")
    expected.append(own_text(first.message))
    rfc = result.rfc()
    if rfc:
        expected.append(f" ({rfc})", style="dim")
    parts.append(expected)
    for other in result.failures[1:]:
        also = label("also", lang)
        parts.append(Text(f"{INDENT}{'':<{LABEL_WIDTH}}{also}: {own_text(other.message)}"))
    hint = result.hint
    if hint is not None:
        words = hint.ru if lang == "ru" and hint.ru else hint.en
        if words:
            hint_line = Text(f"{INDENT}{label('hint', lang):<{LABEL_WIDTH}}", style="bold")
            # The lesson's own text: shown as written (a backslash stays one) unless it holds
            # a control character.
            hint_line.append(words if words.isprintable() else escape_text(words), style="")
            parts.append(hint_line)
    return Group(*parts)


def summary_line(results: list[CaseResult], total: int) -> str:
    passed = sum(1 for r in results if r.ok)
    failed = len(results) - passed
    skipped = total - len(results)
    text = f"{passed} passed, {failed} failed"
    if skipped:
        text += f", {skipped} not run"
    return text
