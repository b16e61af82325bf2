"""A prompt_toolkit control that shows a rich renderable at the pane's real width.

prompt_toolkit asks a control for its content with the width it will get, on every redraw, so
the renderable is laid out for exactly that width (tables and wrapping stay right after a
resize). Laying out is the costly part, so results are cached per (view key, width); the caller
builds the key from what the view depends on (record seq, selection, toggles).

A pane with more lines than rows shows a window of them (`PaneScroll`): around its marker, or
where the user scrolled to, with "… N more lines above/below" on a cut edge.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from prompt_toolkit.data_structures import Point
from prompt_toolkit.layout.controls import GetLinePrefixCallable, UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from rich.console import Console, RenderableType
from rich.style import Style

from httplab.tui.rich_bridge import FragmentLine, RenderedLines, render_fragment_lines
from httplab.tui.scrolling import PaneScroll

WHEEL_LINES = 3  # lines per mouse-wheel step (with --mouse)


@dataclass(frozen=True, slots=True)
class View:
    """What a pane should show now: a cache key and a way to build the renderable."""

    key: Hashable
    build: Callable[[], RenderableType]
    marker: Style | None = None  # scroll the first line showing this style into sight


class RichControl(UIControl):
    """Renders `get_view()` with `console` at the width prompt_toolkit offers."""

    def __init__(
        self,
        get_view: Callable[[], View | None],
        console: Callable[[], Console],
        cache_size: int = 64,
    ) -> None:
        self._get_view = get_view
        self._console = console
        self._cache: OrderedDict[tuple[Hashable, int], RenderedLines] = OrderedDict()
        self._cache_size = cache_size
        self.scroll = PaneScroll()
        self._size: tuple[int, int] | None = None  # (width, height) of the last draw

    def is_focusable(self) -> bool:
        return False

    def clear_cache(self) -> None:
        self._cache.clear()

    def rendered(self, width: int) -> RenderedLines | None:
        view = self._get_view()
        return self._render(view, width) if view is not None else None

    def _render(self, view: View, width: int) -> RenderedLines:
        cache_key = (view.key, width)
        cached = self._cache.get(cache_key)
        if cached is not None:
            self._cache.move_to_end(cache_key)
            return cached
        rendered = render_fragment_lines(self._console(), view.build(), width, view.marker)
        self._cache[cache_key] = rendered
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return rendered

    def preferred_height(
        self,
        width: int,
        max_available_height: int,
        wrap_lines: bool,
        get_line_prefix: GetLinePrefixCallable | None,
    ) -> int | None:
        rendered = self.rendered(width)
        return len(rendered.lines) if rendered is not None else 0

    def create_content(self, width: int, height: int | None) -> UIContent:
        view = self._get_view()
        if view is None:
            return UIContent(line_count=0)
        rendered = self._render(view, width)
        lines = rendered.lines
        if height is not None:
            # The pane draws exactly its window of lines, so the Window never scrolls by itself.
            self._size = (width, height)
            shown = self.scroll.show(view.key, len(lines), height, rendered.marked_line)
            lines = lines[shown.top : shown.top + shown.rows]
            if shown.above:
                lines = [_more_line(shown.above, "above"), *lines]
            if shown.below:
                lines = [*lines, _more_line(shown.below, "below")]

        def get_line(index: int) -> FragmentLine:
            return lines[index] if 0 <= index < len(lines) else []

        return UIContent(
            get_line=get_line,
            line_count=len(lines),
            cursor_position=Point(x=0, y=0),
            show_cursor=False,
        )

    # scrolling (keys, the wheel) ----------------------------------------------------------
    def scroll_page(self, pages: int) -> None:
        self._catch_up().page(pages)

    def scroll_lines(self, count: int) -> None:
        self._catch_up().lines(count)

    def scroll_home(self) -> None:
        self._catch_up().home()

    def scroll_end(self) -> None:
        self._catch_up().end()

    def _catch_up(self) -> PaneScroll:
        """The scroll as of what the pane shows now: a key can arrive before the redraw that
        follows another key (Enter, then PgDn at once), and must act on the new picture."""
        view = self._get_view()
        if view is None:
            return self.scroll
        if self._size is None:  # never drawn yet (a tab not shown so far)
            self.scroll.adopt(view.key)
        else:
            width, height = self._size
            rendered = self._render(view, width)
            self.scroll.show(view.key, len(rendered.lines), height, rendered.marked_line)
        return self.scroll

    def mouse_handler(self, mouse_event: MouseEvent) -> None:
        """With --mouse: the wheel scrolls the pane under the pointer."""
        if mouse_event.event_type == MouseEventType.SCROLL_UP:
            self.scroll_lines(-WHEEL_LINES)
        elif mouse_event.event_type == MouseEventType.SCROLL_DOWN:
            self.scroll_lines(WHEEL_LINES)
        else:
            return NotImplemented  # type: ignore[return-value]
        return None


def _more_line(count: int, where: str) -> FragmentLine:
    return [("class:pane.more", f"… {count} more line{'s' if count != 1 else ''} {where}")]
