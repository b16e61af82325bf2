"""A prompt_toolkit control that shows a rich renderable at the pane's real width.

prompt_toolkit asks a control for its content with the width it will get, on every redraw, so
the renderable is laid out for exactly that width (tables and wrapping stay right after a
resize). Laying out is the costly part, so results are cached per (view key, width); the caller
builds the key from what the view depends on (record seq, selection, toggles).

A pane with more lines than rows shows a window of them (`PaneScroll`): around its marker, or
where the user scrolled to, with "… N more lines above/below" on a cut edge.

A big picture must not hold up the key that changed it (a request with 4,000 header fields
was 4,000 lines, a second or more of layout, before the views in render/ were capped to what
a screen can use): once a pane's last picture had `BIG_PICTURE` lines (or a view says it is
`heavy`), its next layouts run on a `LayoutWorker` thread while the pane keeps showing its
previous picture, and the screen redraws when the new one is ready. Only the newest wanted
picture is laid out: ten quick ↓ presses cost one layout, not ten.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from prompt_toolkit.data_structures import Point
from prompt_toolkit.layout.controls import GetLinePrefixCallable, UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from rich.console import Console, RenderableType
from rich.style import Style

from httplab.tui.rich_bridge import FragmentLine, RenderedLines, render_fragment_lines
from httplab.tui.scrolling import PaneScroll

WHEEL_LINES = 3  # lines per mouse-wheel step (with --mouse)
BIG_PICTURE = 1_000  # lines: a pane whose last picture had this many lays out off the key's path


@dataclass(frozen=True, slots=True)
class View:
    """What a pane should show now: a cache key and a way to build the renderable."""

    key: Hashable
    build: Callable[[], RenderableType]
    marker: Style | None = None  # scroll the first line showing this style into sight
    heavy: bool = False  # expected to take long to lay out (thousands of fields): off the key


class LayoutWorker:
    """One thread that lays out big pictures, with its own console (a rich Console holds a
    lock while it renders, so sharing the screen's would block the screen anyway)."""

    def __init__(self, console: Console, on_ready: Callable[[], None]) -> None:
        self.console = console
        self.on_ready = on_ready  # thread-safe: prompt_toolkit's invalidate is
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pane-layout")

    def submit(self, job: Callable[[], None]) -> None:
        self._executor.submit(job)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class RichControl(UIControl):
    """Renders `get_view()` with `console` at the width prompt_toolkit offers."""

    def __init__(
        self,
        get_view: Callable[[], View | None],
        console: Callable[[], Console],
        cache_size: int = 64,
        worker: LayoutWorker | None = None,
        lang: Callable[[], str] | None = None,
    ) -> None:
        self._get_view = get_view
        self._lang = lang  # of "… N more lines below" (the lesson pane: the lesson's language)
        self._console = console
        self._cache: OrderedDict[tuple[Hashable, int], RenderedLines] = OrderedDict()
        self._cache_size = cache_size
        self.scroll = PaneScroll()
        self._size: tuple[int, int] | None = None  # (width, height) of the last draw
        self._worker = worker
        self._lock = threading.Lock()  # the cache and the wanted picture, shared with the worker
        self._shown: tuple[Hashable, int, RenderedLines] | None = None  # (key, width, picture)
        self._wanted: tuple[View, int] | None = None  # the newest picture the worker should make
        self._working = False

    def is_focusable(self) -> bool:
        return False

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._shown = None

    def rendered(self, width: int) -> RenderedLines | None:
        view = self._get_view()
        return self._picture(view, width)[1] if view is not None else None

    def _picture(self, view: View, width: int) -> tuple[Hashable, RenderedLines]:
        """The picture of `view` at `width` and the key it belongs to: the view's own, or —
        while a big one is being laid out by the worker — the previous one's."""
        cache_key = (view.key, width)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                self._cache.move_to_end(cache_key)
                self._shown = (view.key, width, cached)
                return view.key, cached
            shown = self._shown
            if shown is not None and shown[1] != width:
                shown = None
            big = shown is not None and len(shown[2].lines) >= BIG_PICTURE
            if self._worker is not None and (big or view.heavy):
                self._wanted = (view, width)
                if not self._working:
                    self._working = True
                    self._worker.submit(self._work)
                if shown is None:
                    return ("laying-out", view.key), _LAYING_OUT
                return shown[0], shown[2]
        rendered = render_fragment_lines(self._console(), view.build(), width, view.marker)
        with self._lock:
            self._store(view.key, width, rendered)
            self._shown = (view.key, width, rendered)
        return view.key, rendered

    def _store(self, key: Hashable, width: int, rendered: RenderedLines) -> None:
        self._cache[(key, width)] = rendered
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _work(self) -> None:
        """On the worker: lay out the newest wanted picture until none is left, then redraw."""
        assert self._worker is not None
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, None
                if wanted is None:
                    self._working = False
                    break
            view, width = wanted
            try:
                rendered = render_fragment_lines(
                    self._worker.console, view.build(), width, view.marker
                )
            except Exception:  # drawn on the screen's thread instead, where errors surface
                with self._lock:
                    self._working = False
                    self._shown = None
                break
            with self._lock:
                self._store(view.key, width, rendered)
        self._worker.on_ready()

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
        key, rendered = self._picture(view, width)
        lines = rendered.lines
        if height is not None:
            # The pane draws exactly its window of lines, so the Window never scrolls by itself.
            self._size = (width, height)
            shown = self.scroll.show(key, len(lines), height, rendered.marked_line)
            lines = lines[shown.top : shown.top + shown.rows]
            lang = self._lang() if self._lang is not None else "en"
            if shown.above:
                lines = [_more_line(shown.above, "above", lang), *lines]
            if shown.below:
                lines = [*lines, _more_line(shown.below, "below", lang)]

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
            key, rendered = self._picture(view, width)
            self.scroll.show(key, len(rendered.lines), height, rendered.marked_line)
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


_LAYING_OUT = RenderedLines([[("class:pane.more", "… laying out (a big message)")]], None)


MORE_RU = {"above": "… выше ещё строк: {count}", "below": "… ниже ещё строк: {count}"}


def _more_line(count: int, where: str, lang: str = "en") -> FragmentLine:
    if lang == "ru":
        return [("class:pane.more", MORE_RU[where].format(count=count))]
    return [("class:pane.more", f"… {count} more line{'s' if count != 1 else ''} {where}")]
