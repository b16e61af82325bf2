"""Styles of the screen's chrome (titles, footer, selection); the renderables inside the panes
take theirs from the rich theme of the same name (`httplab.render.theme`)."""

from __future__ import annotations

from prompt_toolkit.styles import Style
from rich.theme import Theme

_DEFAULT = {
    "pane.title": "bg:ansibrightblack ansiwhite",
    "pane.title.focused": "bg:ansiblue ansiwhite bold",
    "separator": "ansibrightblack",
    "list.selected": "reverse",
    "list.selected.unfocused": "underline",
    "list.mark": "ansiyellow bold",
    "tab": "bg:ansibrightblack ansiwhite",
    "tab.current": "bg:ansiwhite ansiblack bold",
    "footer": "bg:ansibrightblack ansiwhite",
    "footer.key": "bg:ansibrightblack ansiyellow bold",
    "footer.status": "bg:ansibrightblack ansiwhite",
    "message.info": "ansicyan",
    "message.warning": "ansiyellow bold",
    "message.error": "ansired bold",
    "prompt": "bold",
    "overlay": "bg:ansiblack ansiwhite",
    "overlay.title": "bold ansicyan",
    "overlay.key": "ansiyellow bold",
    "client.input": "",
    "pane.more": "italic ansiyellow",
}

_HIGH_CONTRAST = {
    **_DEFAULT,
    "pane.title": "bg:ansiwhite ansiblack bold",
    "pane.title.focused": "bg:ansiyellow ansiblack bold",
    "separator": "ansiwhite bold",
    "list.selected": "reverse bold",
    "list.selected.unfocused": "underline bold",
    "list.mark": "ansibrightyellow bold",
    "tab": "bg:ansiwhite ansiblack",
    "tab.current": "bg:ansiyellow ansiblack bold",
    "footer": "bg:ansiwhite ansiblack bold",
    "footer.key": "bg:ansiwhite ansiblue bold underline",
    "footer.status": "bg:ansiwhite ansiblack bold",
    "message.info": "ansibrightcyan bold",
    "message.warning": "bg:ansiyellow ansiblack bold",
    "message.error": "bg:ansired ansiwhite bold",
    "overlay": "bg:ansiblack ansiwhite bold",
    "overlay.title": "bold ansibrightyellow underline",
    "overlay.key": "ansibrightyellow bold",
    "pane.more": "bg:ansiyellow ansiblack bold",
}

CHROME_STYLES = {"default": _DEFAULT, "high-contrast": _HIGH_CONTRAST}


def chrome_style(theme: str) -> Style:
    return Style.from_dict(CHROME_STYLES.get(theme, _DEFAULT))


# The help overlay is a rich renderable (it scrolls like the panes): its two style names, in
# the colours of the overlay's chrome above.
_HELP_STYLES = {
    "default": {"help.title": "bold cyan", "help.key": "bold yellow"},
    "high-contrast": {
        "help.title": "bold bright_yellow underline",
        "help.key": "bold bright_yellow",
    },
}


def with_help_styles(theme: Theme, name: str) -> Theme:
    """The renderables' theme plus the help overlay's names."""
    return Theme({**theme.styles, **_HELP_STYLES.get(name, _HELP_STYLES["default"])})
