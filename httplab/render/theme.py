"""Named styles: renderables say what a thing is (`http.method`), the theme says how it looks.

Two themes with the same names: `THEME` for a normal terminal and `HIGH_CONTRAST_THEME` for a
classroom projector (bold, reverse video, no dim text, no colours that wash out).
"""

from __future__ import annotations

from rich.theme import Theme

STYLE_NAMES: tuple[str, ...] = (
    "http.method",
    "http.target",
    "http.path",
    "http.query",
    "http.version",
    "http.header.name",
    "http.header.value",
    "http.header.repeated",
    "http.body",
    "http.status.1xx",
    "http.status.2xx",
    "http.status.3xx",
    "http.status.4xx",
    "http.status.5xx",
    "http.status.none",
    "http.reason",
    "html.tag",
    "wire.text",
    "wire.crlf",
    "wire.bare_lf",
    "wire.escape",
    "wire.highlight",
    "wire.truncated",
    "hex.offset",
    "hex.bytes",
    "hex.ascii",
    "tree.label",
    "tree.selected",
    "note.info",
    "note.warning",
    "note.error",
    "note.rfc",
    "trace.section",
    "trace.connection",
    "trace.time",
    "trace.size",
    "trace.duration",
    "trace.event",
    "trace.error",
    "trace.dropped",
    "trace.muted",
)

_DEFAULT = {
    "http.method": "bold cyan",
    "http.target": "bright_white",
    "http.path": "bright_white",
    "http.query": "magenta",
    "http.version": "blue",
    "http.header.name": "cyan",
    "http.header.value": "default",
    "http.header.repeated": "bold yellow",
    "http.body": "default",
    "http.status.1xx": "bold blue",
    "http.status.2xx": "bold green",
    "http.status.3xx": "bold cyan",
    "http.status.4xx": "bold yellow",
    "http.status.5xx": "bold red",
    "http.status.none": "bold red",
    "http.reason": "default",
    "html.tag": "blue",
    "wire.text": "default",
    "wire.crlf": "dim green",
    "wire.bare_lf": "bold red",
    "wire.escape": "bold magenta",
    "wire.highlight": "black on yellow",
    "wire.truncated": "italic dim",
    "hex.offset": "dim",
    "hex.bytes": "default",
    "hex.ascii": "cyan",
    "tree.label": "dim",
    "tree.selected": "reverse",
    "note.info": "blue",
    "note.warning": "yellow",
    "note.error": "bold red",
    "note.rfc": "dim italic",
    "trace.section": "bold underline",
    "trace.connection": "magenta",
    "trace.time": "dim",
    "trace.size": "default",
    "trace.duration": "dim",
    "trace.event": "dim italic",
    "trace.error": "bold red",
    "trace.dropped": "bold red",
    "trace.muted": "dim",
}

_HIGH_CONTRAST = {
    **{name: "bold bright_white" for name in STYLE_NAMES},
    "http.method": "bold bright_white on blue",
    "http.query": "bold bright_magenta",
    "http.header.name": "bold bright_cyan",
    "http.header.repeated": "bold black on bright_yellow",
    "http.status.1xx": "bold bright_white on blue",
    "http.status.2xx": "bold black on bright_green",
    "http.status.3xx": "bold black on bright_cyan",
    "http.status.4xx": "bold black on bright_yellow",
    "http.status.5xx": "bold bright_white on red",
    "http.status.none": "bold bright_white on red",
    "wire.crlf": "bold bright_green",
    "wire.bare_lf": "bold bright_white on red",
    "wire.escape": "bold black on bright_magenta",
    "wire.highlight": "bold black on bright_yellow",
    "wire.truncated": "bold italic",
    "tree.label": "bright_white",
    "tree.selected": "bold reverse",
    "note.warning": "bold bright_yellow",
    "note.error": "bold bright_white on red",
    "note.rfc": "bold bright_white",
    "trace.error": "bold bright_white on red",
    "trace.dropped": "bold bright_white on red",
    # rich's JSON highlighter names, used by the body preview
    "json.key": "bold bright_cyan",
    "json.str": "bold bright_green",
    "json.number": "bold bright_yellow",
    "json.bool_true": "bold bright_green",
    "json.bool_false": "bold bright_red",
    "json.null": "bold bright_magenta",
    "json.brace": "bold bright_white",
}

THEME = Theme(_DEFAULT, inherit=True)
HIGH_CONTRAST_THEME = Theme(_HIGH_CONTRAST, inherit=True)
THEMES: dict[str, Theme] = {"default": THEME, "high-contrast": HIGH_CONTRAST_THEME}


def status_style(status: int) -> str:
    """The style name of a status code's class (`http.status.4xx`); `none` for no response."""
    if 100 <= status <= 599:
        return f"http.status.{status // 100}xx"
    return "http.status.none"
