"""Scrolling a pane that has more lines than rows.

A pane shows a window of its lines: from the top, or around its marker (the lit bytes, the
selected field) until the user scrolls it. Where the user scrolled to belongs to what the pane
showed then: another exchange or another field brings the pane back to its marker. A cut edge
says how much it hides ("… 12 more lines above"), so nothing is hidden silently.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

_BOTTOM = 1 << 62  # a top beyond any pane's lines


@dataclass(frozen=True, slots=True)
class Viewport:
    """Which lines a pane shows: `rows` lines from `top`, with a marker row per cut edge."""

    top: int
    rows: int
    above: int  # lines hidden above (0: no marker row at the top)
    below: int  # lines hidden below (0: no marker row at the bottom)
    last_top: int  # the top that shows the last line


def viewport(line_count: int, height: int, top: int | None, marked_line: int | None) -> Viewport:
    """The window of `line_count` lines in `height` rows; `top=None` follows the marker."""
    if line_count <= height:
        return Viewport(0, line_count, 0, 0, 0)
    if height < 2:  # no room for a marker row
        last_top = line_count - max(height, 1)
        start = _clamp(top if top is not None else (marked_line or 0), last_top)
        return Viewport(start, max(height, 0), 0, 0, last_top)
    last_top = line_count - (height - 1)  # under an "above" row, the last line ends the pane
    start = _clamp(top if top is not None else _around(marked_line, height), last_top)
    above_row = 1 if start > 0 else 0
    rows = height - above_row
    if start + rows < line_count:  # the bottom is cut too: its marker takes a row
        rows -= 1
        if rows == 0:  # two rows, both edges cut: the lines win over the "above" row
            above_row, rows = 0, 1
    return Viewport(start, rows, start if above_row else 0, line_count - start - rows, last_top)


def _around(marked_line: int | None, height: int) -> int:
    """From the top while the marker fits there, else with up to two lines of context above
    it (fewer in a short pane, where both marker rows leave `height - 2` lines)."""
    if marked_line is None or marked_line <= height - 3:
        return 0
    return marked_line - min(2, max(height - 3, 0) // 2)


def _clamp(value: int, highest: int) -> int:
    return min(max(value, 0), max(highest, 0))


class PaneScroll:
    """Where the user scrolled one pane to; the pane reports what it last drew."""

    def __init__(self) -> None:
        self.top: int | None = None  # None: follow the marker (or the top)
        self.owner: Hashable = None  # what the pane showed when the user scrolled
        self.shown: Viewport | None = None
        # Pages asked for before the pane was ever drawn (a tab switched to, then PgDn at once):
        # a page is only known once the pane has its height.
        self._pending_pages = 0

    def show(
        self, owner: Hashable, line_count: int, height: int, marked_line: int | None
    ) -> Viewport:
        """Called on every draw: the window to draw now."""
        self.adopt(owner)
        shown = viewport(line_count, height, self.top, marked_line)
        if self._pending_pages:
            pages, self._pending_pages = self._pending_pages, 0
            self.top = _clamp(shown.top + pages * max(shown.rows - 1, 1), shown.last_top)
            shown = viewport(line_count, height, self.top, marked_line)
        if self.top is not None:
            self.top = shown.top
        self.shown = shown
        return shown

    def adopt(self, owner: Hashable) -> None:
        """The pane shows `owner` now: a position scrolled to in another picture is void."""
        if owner != self.owner:
            self.owner, self.top, self.shown = owner, None, None
            self._pending_pages = 0

    def page(self, pages: int) -> None:
        """Scroll by whole pages, keeping one line of the last page in sight."""
        if self.shown is None:
            self._pending_pages += pages
            return
        self.lines(pages * max(self.shown.rows - 1, 1))

    def lines(self, count: int) -> None:
        current = self.top
        if current is None:
            current = self.shown.top if self.shown is not None else 0
        highest = self.shown.last_top if self.shown is not None else current + count
        self.top = _clamp(current + count, highest)

    def home(self) -> None:
        self.top = 0

    def end(self) -> None:
        self.top = _BOTTOM  # the next draw clamps it to the top that shows the last line
