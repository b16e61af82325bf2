"""A prompt_toolkit control that shows a rich renderable at the pane's real width.

prompt_toolkit asks a control for its content with the width it will get, on every redraw, so
the renderable is laid out for exactly that width (tables and wrapping stay right after a
resize). Laying out is the costly part, so results are cached per (view key, width); the caller
builds the key from what the view depends on (record seq, selection, toggles).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from prompt_toolkit.data_structures import Point
from prompt_toolkit.layout.controls import GetLinePrefixCallable, UIContent, UIControl
from rich.console import Console, RenderableType
from rich.style import Style

from httplab.tui.rich_bridge import RenderedLines, render_fragment_lines


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

    def is_focusable(self) -> bool:
        return False

    def clear_cache(self) -> None:
        self._cache.clear()

    def rendered(self, width: int) -> RenderedLines | None:
        view = self._get_view()
        if view is None:
            return None
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
        rendered = self.rendered(width)
        if rendered is None:
            return UIContent(line_count=0)
        lines = rendered.lines
        # The cursor is invisible; it only tells the Window which line must be in sight.
        cursor_line = rendered.marked_line or 0
        if height is not None and len(lines) > height >= 2 and cursor_line < height - 1:
            # Shown from the top and cut at the bottom: say so, instead of a silent cut.
            hidden = len(lines) - (height - 1)
            more = f"… {hidden} more line{'s' if hidden != 1 else ''} below"
            lines = [*lines[: height - 1], [("class:pane.more", more)]]

        def get_line(index: int) -> list[tuple[str, str]]:
            return lines[index] if 0 <= index < len(lines) else []

        return UIContent(
            get_line=get_line,
            line_count=len(lines),
            cursor_position=Point(x=0, y=cursor_line),
            show_cursor=False,
        )
