"""Styles of the screen's chrome (titles, footer, selection); the renderables inside the panes
take theirs from the rich theme of the same name (`httplab.render.theme`: dark, light,
high-contrast), and follow its rules: on the terminal's own background no bright white text
(prompt_toolkit's `ansiwhite` is SGR 97, which a light background swallows), and for light and
high-contrast no yellow or cyan there either; bright colours only as backgrounds behind black
or white text."""

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
    "separator": "bold",
    "list.selected": "reverse bold",
    "list.selected.unfocused": "underline bold",
    "list.mark": "bold",
    "tab": "bg:ansiwhite ansiblack",
    "tab.current": "bg:ansiyellow ansiblack bold",
    "footer": "bg:ansiwhite ansiblack bold",
    "footer.key": "bg:ansiwhite ansiblue bold underline",
    "footer.status": "bg:ansiwhite ansiblack bold",
    "message.info": "bold",
    "message.warning": "bg:ansiyellow ansiblack bold",
    "message.error": "bg:ansired ansiwhite bold",
    "overlay": "bg:ansiblack ansiwhite bold",
    "overlay.title": "bold ansibrightyellow underline",
    "overlay.key": "ansibrightyellow bold",
    "pane.more": "bg:ansiyellow ansiblack bold",
}

_LIGHT = {
    **_DEFAULT,
    "pane.title": "bg:ansigray ansiblack",
    "pane.title.focused": "bg:ansiblue ansiwhite bold",
    "separator": "ansiblack",
    "list.mark": "ansimagenta bold",
    "tab": "bg:ansigray ansiblack",
    "tab.current": "bg:ansiblue ansiwhite bold",
    "footer": "bg:ansigray ansiblack",
    "footer.key": "bg:ansigray ansiblue bold",
    "footer.status": "bg:ansigray ansiblack",
    "message.info": "ansiblue",
    "message.warning": "ansimagenta bold",
    "message.error": "ansired bold",
    "overlay": "bg:ansigray ansiblack",
    "overlay.title": "bold ansiblue",
    "overlay.key": "bold ansimagenta",
    "pane.more": "italic ansimagenta",
}

CHROME_STYLES = {
    "default": _DEFAULT,
    "dark": _DEFAULT,
    "light": _LIGHT,
    "high-contrast": _HIGH_CONTRAST,
}


def chrome_style(theme: str) -> Style:
    return Style.from_dict(CHROME_STYLES.get(theme, _DEFAULT))


# The help overlay and the lesson pane are rich renderables (they scroll like the panes):
# their style names, in the colours of the chrome above. The lesson's must read on a projector:
# no colour carries a meaning alone (✓ ✗ and words say it too), and no dim text.
_TUI_STYLES = {
    "default": {
        "help.title": "bold cyan",
        "help.key": "bold yellow",
        "lesson.title": "bold",
        "lesson.label": "bold cyan",
        "lesson.task": "bold",
        "lesson.waiting": "yellow",
        "lesson.passed": "bold green",
        "lesson.mistake": "bold red",
        "lesson.hint": "",
        "lesson.key": "bold yellow",
        "lesson.current": "bold",
        "lesson.mistake-row": "red",
        "lesson.warning": "bold black on yellow",
        "lesson.code": "bold cyan",
    },
    "high-contrast": {
        "help.title": "bold bright_yellow underline",
        "help.key": "bold bright_yellow",
        "lesson.title": "bold underline",
        "lesson.label": "bold underline",
        "lesson.task": "bold",
        "lesson.waiting": "bold",
        "lesson.passed": "bold black on green",
        "lesson.mistake": "bold white on red",
        "lesson.hint": "bold",
        "lesson.key": "bold reverse",
        "lesson.current": "bold reverse",
        "lesson.mistake-row": "bold",
        "lesson.warning": "bold black on yellow",
        "lesson.code": "bold underline",
    },
}


_TUI_STYLES["dark"] = _TUI_STYLES["default"]
_TUI_STYLES["light"] = {
    "help.title": "bold blue",
    "help.key": "bold magenta",
    "lesson.title": "bold",
    "lesson.label": "bold blue",
    "lesson.task": "bold",
    "lesson.waiting": "magenta",
    "lesson.passed": "bold green",
    "lesson.mistake": "bold red",
    "lesson.hint": "",
    "lesson.key": "bold magenta",
    "lesson.current": "bold",
    "lesson.mistake-row": "red",
    "lesson.warning": "bold black on yellow",
    "lesson.code": "bold blue",
}


def with_help_styles(theme: Theme, name: str) -> Theme:
    """The renderables' theme plus the help overlay's and the lesson pane's names."""
    return Theme({**theme.styles, **_TUI_STYLES.get(name, _TUI_STYLES["default"])})
