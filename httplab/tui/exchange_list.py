"""The exchange list: one `ExchangeSummary` line per visible record, drawn lazily.

prompt_toolkit asks for lines by index, and only for those on screen, so a list of 10,000
exchanges costs as much to draw as one screenful. The cursor (hidden) sits on the selected row,
which is what makes the Window scroll to it — and, while following, to the newest row.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from prompt_toolkit.data_structures import Point
from prompt_toolkit.layout.controls import UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from rich.console import Console
from rich.style import Style

from httplab.render import ExchangeSummary
from httplab.render.held import HeldSummary
from httplab.trace.records import ExchangeRecord
from httplab.tui.controller import TraceController
from httplab.tui.rich_bridge import FragmentLine, render_fragment_lines, style_to_pt

ROW_CACHE_SIZE = 4096


class ExchangeListControl(UIControl):
    def __init__(self, controller: TraceController, console: Callable[[], Console]) -> None:
        self._controller = controller
        self._console = console
        self._rows: OrderedDict[tuple[int, int, str], FragmentLine] = OrderedDict()
        self._styles: dict[str | Style, str] = {}

    def is_focusable(self) -> bool:
        return True

    def clear_cache(self) -> None:
        self._rows.clear()
        self._styles.clear()

    def _row(self, record: ExchangeRecord, width: int) -> FragmentLine:
        lang = self._controller.words_lang  # of the units: a Russian lesson's rows say Б, мс
        key = (record.seq, width, lang)
        row = self._rows.get(key)
        if row is None:
            summary = ExchangeSummary(record, lang)
            pieces = summary.columns(width)
            if pieces is not None:
                # the summary's own columns, styled as rich would: no layout pass per row
                # (a flood brings a screenful of new rows to every redraw, issue 12.4)
                row = [(self._style(style), text) for text, style in pieces if text]
            else:
                lines = render_fragment_lines(self._console(), summary, width).lines
                row = lines[0] if lines else []
            self._rows[key] = row
            if len(self._rows) > ROW_CACHE_SIZE:
                self._rows.popitem(last=False)
        return row

    def _style(self, style: str | Style) -> str:
        """A theme style (name) as prompt_toolkit's style string, worked out once."""
        found = self._styles.get(style)
        if found is None:
            found = self._styles[style] = style_to_pt(
                self._console().get_style(style, default=Style.null())
            )
        return found

    def create_content(self, width: int, height: int | None) -> UIContent:
        state = self._controller.state
        visible = state.visible
        held = state.held
        hold = self._controller.hold
        selected = state.selected
        marked = state.marked
        focused = self._controller.zone == "list"
        selected_style = "class:list.selected" if focused else "class:list.selected.unfocused"

        def get_line(index: int) -> FragmentLine:
            if 0 <= index < len(visible):
                record = visible[index]
                mark = ("class:list.mark", "●" if record.seq in marked else " ")
                row = [mark, *self._row(record, max(width - 1, 1))]
            elif 0 <= index - len(visible) < len(held):
                # held rows change every second (the countdown): drawn afresh, never cached
                record = held[index - len(visible)]
                summary = HeldSummary(record, hold.seconds_left(record))
                lines = render_fragment_lines(self._console(), summary, max(width - 1, 1)).lines
                row = [("class:list.mark", "‖"), *(lines[0] if lines else [])]
            else:
                return []
            if index != selected:
                return row
            used = sum(len(fragment[1]) for fragment in row)
            row.append(("", " " * max(width - used, 0)))  # the bar spans the whole width
            return [(f"{fragment[0]} {selected_style}", fragment[1]) for fragment in row]

        return UIContent(
            get_line=get_line,
            line_count=len(visible) + len(held),
            cursor_position=Point(x=0, y=max(selected, 0)),
            show_cursor=False,
        )

    def mouse_handler(self, mouse_event: MouseEvent) -> None:
        """With --mouse: a click selects a row, the wheel moves the selection."""
        controller = self._controller
        if mouse_event.event_type == MouseEventType.MOUSE_UP:
            controller.move(mouse_event.position.y - controller.state.selected)
            controller.zone = "list"
        elif mouse_event.event_type == MouseEventType.SCROLL_UP:
            controller.move(-1)
        elif mouse_event.event_type == MouseEventType.SCROLL_DOWN:
            controller.move(1)
        else:
            return NotImplemented  # type: ignore[return-value]
        controller.hooks.invalidate()
        return None
