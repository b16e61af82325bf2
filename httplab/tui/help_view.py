"""The `?` overlay as a rich renderable: every key of the table, and the legend.

It is drawn by a `RichControl` like the panes, so on a small terminal it scrolls (↑↓ PgUp PgDn)
and says how much is below instead of being cut silently; a wide one gets two columns.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from httplab.tui.keys import LEGEND, LEGEND_RU, LEGEND_TITLE, LEGEND_TITLE_RU, help_sections

TWO_COLUMNS = 150  # overlay width from which the sections sit side by side
KEY_WIDTH = 27  # the keys' column: the longest key list on one line (a wrapped last key
# sat alone on the next row, as if it had no action)


def _section(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(style="help.key", width=KEY_WIDTH)
    table.add_column(ratio=1)
    table.title = Text(title, style="help.title")
    table.title_justify = "left"
    for keys, meaning in rows:
        table.add_row(keys, meaning)
    return table


class HelpView:
    """Every key, section by section, then the legend; two columns when there is room."""

    def __init__(self, *, lesson: bool = False, lang: str = "en") -> None:
        self.lesson = lesson  # the lesson view: its keys come first
        self.lang = lang  # the lesson view's: the lesson's language

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lang = self.lang
        sections = [
            _section(title, [(k.keys_in(lang), k.action_in(lang)) for k in keys])
            for title, keys in help_sections(lesson=self.lesson, lang=lang)
        ]
        if lang == "ru":
            sections.append(_section(LEGEND_TITLE_RU, list(LEGEND_RU)))
        else:
            sections.append(_section(LEGEND_TITLE, list(LEGEND)))
        if options.max_width < TWO_COLUMNS:
            yield from _spaced(sections)
            return
        # List, detail and client keys on the left; the keys for everywhere and the legend right.
        grid = Table.grid(padding=(0, 4), expand=True)
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(Group(*_spaced(sections[:3])), Group(*_spaced(sections[3:])))
        yield grid


def _spaced(sections: list[Table]) -> list[RenderableType]:
    spaced: list[RenderableType] = []
    for section in sections:
        if spaced:
            spaced.append(Text(""))
        spaced.append(section)
    return spaced
