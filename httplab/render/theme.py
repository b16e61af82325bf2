"""Named styles: renderables say what a thing is (`http.method`), the theme says how it looks.

Three themes with the same names, chosen by name (`--theme dark|light|high-contrast`,
`theme_named`):

- `dark` (`THEME`, also called `default`): for the usual dark terminal;
- `light` (`LIGHT_THEME`): for a light background (a projector, a light terminal): dark
  colours only, no yellow, cyan or bright text that white swallows;
- `high-contrast` (`HIGH_CONTRAST_THEME`): for a projector whatever its background: the
  terminal's own foreground in bold, colours only as backgrounds behind black or white text,
  reverse video for the selection, no dim text.

No theme writes bright white text (SGR 97) on the terminal's own background: it vanishes on a
light one. The tests check every theme for it.
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
    "trace.held",
    "trace.held.time",
)

_DEFAULT = {
    "http.method": "bold cyan",
    "http.target": "bold",
    "http.path": "bold",
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
    "trace.held": "bold black on yellow",
    "trace.held.time": "bold",
}

_LIGHT = {
    # The five basic colours that read on white, also on a 16-colour terminal (no yellow or
    # cyan, no bright foreground, and no 256-colour name that falls back to one of them).
    **_DEFAULT,
    "http.method": "bold magenta",
    "http.query": "magenta",
    "http.version": "blue",
    "http.header.name": "blue",
    "http.header.repeated": "bold red",
    "http.status.1xx": "bold blue",
    "http.status.2xx": "bold green",
    "http.status.3xx": "bold blue",
    "http.status.4xx": "bold magenta",
    "http.status.5xx": "bold white on red",
    "http.status.none": "bold white on red",
    "html.tag": "blue",
    "wire.crlf": "green",
    "wire.bare_lf": "bold white on red",
    "wire.escape": "bold magenta",
    "wire.highlight": "black on yellow",
    "hex.ascii": "blue",
    "note.info": "blue",
    "note.warning": "bold magenta",
    "note.error": "bold red",
    "trace.connection": "magenta",
    "trace.error": "bold red",
    "trace.dropped": "bold red",
    # rich's JSON highlighter names, used by the body preview (its own are bright)
    "json.key": "bold blue",
    "json.str": "green",
    "json.number": "blue",
    "json.bool_true": "italic green",
    "json.bool_false": "italic red",
    "json.null": "italic magenta",
    "json.brace": "bold",
}

_HIGH_CONTRAST = {
    **{name: "bold" for name in STYLE_NAMES},
    "http.method": "bold white on blue",
    "http.header.repeated": "bold black on yellow",
    "http.status.1xx": "bold white on blue",
    "http.status.2xx": "bold black on green",
    "http.status.3xx": "bold black on cyan",
    "http.status.4xx": "bold black on yellow",
    "http.status.5xx": "bold white on red",
    "http.status.none": "bold white on red",
    "wire.crlf": "bold underline",
    "wire.bare_lf": "bold white on red",
    "wire.escape": "bold black on magenta",
    "wire.highlight": "bold black on yellow",
    "wire.truncated": "bold italic",
    "tree.label": "none",
    "tree.selected": "bold reverse",
    "note.warning": "bold black on yellow",
    "note.error": "bold white on red",
    "note.rfc": "italic",
    "trace.error": "bold white on red",
    "trace.dropped": "bold white on red",
    "trace.muted": "none",
    "trace.held": "bold black on yellow",
    # rich's JSON highlighter names, used by the body preview
    "json.key": "bold underline",
    "json.str": "none",
    "json.number": "bold",
    "json.bool_true": "bold black on green",
    "json.bool_false": "bold white on red",
    "json.null": "bold black on magenta",
    "json.brace": "bold",
}

THEME = Theme(_DEFAULT, inherit=True)
LIGHT_THEME = Theme(_LIGHT, inherit=True)
HIGH_CONTRAST_THEME = Theme(_HIGH_CONTRAST, inherit=True)
THEMES: dict[str, Theme] = {
    "dark": THEME,
    "light": LIGHT_THEME,
    "high-contrast": HIGH_CONTRAST_THEME,
    "default": THEME,  # the name `dark` had before there was a light theme
}
THEME_NAMES = ("dark", "light", "high-contrast")
"""The names to offer (`default` is accepted too, as `dark`)."""


def theme_named(name: str) -> Theme:
    """The theme called `name`; ValueError naming the choices for any other name."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}: {', '.join(THEME_NAMES)}") from None


def status_style(status: int) -> str:
    """The style name of a status code's class (`http.status.4xx`); `none` for no response."""
    if 100 <= status <= 599:
        return f"http.status.{status // 100}xx"
    return "http.status.none"
