"""The keys of the trace screen, as data: the footer, the `?` overlay and the key tour in
docs/trace-keys.md all read this one table, so they cannot disagree with each other.

The bindings themselves live in `app.py`; a test checks that every key listed here is bound.
The footer has one line: per focus, `FOOTER_PRIORITY` says which keys it keeps first when the
terminal is narrow (at 80 columns the most useful ones still fit); `?` always lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

# Keys that messages name too (a warning about Content-Length says how to unpin it).
PIN_LENGTH_KEY = "Ctrl-O"
SEND_KEY = "Ctrl-S"


@dataclass(frozen=True, slots=True)
class KeyHelp:
    name: str  # what FOOTER_PRIORITY refers to
    keys: str  # as shown to the user
    action: str
    zone: str  # "list", "detail", "client" or "any"
    short: str = ""  # the footer's word for it
    footer_keys: str = ""  # the keys as the footer writes them, when shorter than `keys`

    @property
    def footer_label(self) -> str:
        return self.short or self.action

    @property
    def footer_key_text(self) -> str:
        return self.footer_keys or self.keys

    @property
    def footer_width(self) -> int:
        """Cells taken in the footer: " keys label "."""
        return len(self.footer_key_text) + len(self.footer_label) + 3


KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp("move", "↑↓ j k", "move through exchanges", "list", "move", "↑↓"),
    KeyHelp("page", "PgUp PgDn g G", "page / oldest / newest (G follows new ones)", "list"),
    KeyHelp("detail", "Enter", "step into the detail views", "list", "detail"),
    KeyHelp("mark", "Space", "mark the exchange for saving", "list", "mark"),
    KeyHelp(
        "field",
        "↑↓ j k",
        "step through parsed fields; their bytes light up in the raw view",
        "detail",
        "field",
        "↑↓",
    ),
    KeyHelp(
        "scroll",
        "PgUp PgDn Home End",
        "scroll the current view (a long body, many headers)",
        "detail",
        "scroll",
        "PgUp/Dn",
    ),
    KeyHelp(
        "view",
        "← → 1-4",
        "current view: the tab on a narrow terminal, the one PgUp/PgDn scroll",
        "detail",
        "view",
        "←→",
    ),
    KeyHelp("back", "Esc", "back to the exchange list", "detail", "back"),
    KeyHelp("newline", "Enter", "new line", "client"),
    KeyHelp(
        "send",
        f"{SEND_KEY} Alt-Enter",
        "send; the input clears (↑ brings it back)",
        "client",
        "send",
        SEND_KEY,
    ),
    KeyHelp("complete", "Tab", "complete method, header name or path", "client", "complete"),
    KeyHelp("history", "↑↓ on first/last line", "input history", "client", "history", "↑"),
    KeyHelp("clear", "Ctrl-U", "clear the input (↑ brings it back)", "client", "clear"),
    KeyHelp(
        "editing",
        "Ctrl-A Ctrl-E Ctrl-K Ctrl-Y",
        "line start / line end / cut to line end / paste (emacs keys)",
        "client",
    ),
    KeyHelp("answer", "PgUp PgDn", "scroll the answer", "client", "answer", "PgUp/Dn"),
    KeyHelp("crlf", "Ctrl-T", "CRLF line ends on/off", "client", "CRLF"),
    KeyHelp(
        "pin", PIN_LENGTH_KEY, "pin Content-Length as typed (else recomputed)", "client", "pin CL"
    ),
    KeyHelp("leave", "Esc", "leave the client pane", "client", "leave"),
    KeyHelp("focus", "Tab", "focus: list → detail → client", "any", "focus"),
    KeyHelp(
        "filter", "/", "filter: method, status class (4xx), status, path text", "any", "filter"
    ),
    KeyHelp("replay", "r", "replay the selected request", "any", "replay"),
    KeyHelp("edit", "e", "edit the selected request in the client pane", "any", "edit"),
    KeyHelp("save", "s", "save marked (or selected) exchanges as a transcript", "any", "save"),
    KeyHelp(
        "curl", "y", "show the request as a curl command (w writes it to a file)", "any", "curl"
    ),
    KeyHelp("hex", "h", "hexdump on/off", "any", "hex"),
    KeyHelp("clear-list", "x", "clear the list", "any", "clear"),
    KeyHelp("client", "c", "go to the client pane", "any", "client"),
    KeyHelp("help", "?", "this help", "any", "help"),
    KeyHelp("quit", "q Ctrl-C", "quit (stops the server)", "any", "quit", "q"),
)

# Per focus: the footer's keys, most useful first; it keeps as many as fit, in this order.
FOOTER_PRIORITY: dict[str, tuple[str, ...]] = {
    "list": ("move", "detail", "replay", "edit", "filter", "save", "client", "curl", "hex"),
    "detail": ("field", "scroll", "view", "back", "replay", "hex", "edit", "filter", "save"),
    "client": ("send", "leave", "complete", "crlf", "pin", "clear", "history", "answer"),
}
# Shown whatever the width, at the end (q and ? type text in the client pane, so not there).
FOOTER_ALWAYS: dict[str, tuple[str, ...]] = {
    "list": ("help", "quit"),
    "detail": ("help", "quit"),
    "client": (),
}

ZONE_TITLES = {
    "list": "Exchange list",
    "detail": "Detail views",
    "client": "Client pane",
    "any": "Everywhere (outside the client pane)",
}

# What the list and the panes show besides keys.
LEGEND: tuple[tuple[str, str], ...] = (
    ("#3.1", "exchange 1 on connection 3 to this server"),
    ("→3.1", "exchange 1 the client pane made with the --to server (its connection 3)"),
    ("●", "marked for saving"),
    ("… 12 more lines below", "the view goes on: PgDn / PgUp (detail focused)"),
)
LEGEND_TITLE = "In the list and the views"

_BY_NAME = {key.name: key for key in KEY_HELP}


def key_named(name: str) -> KeyHelp:
    return _BY_NAME[name]


def footer_keys(zone: str, columns: int) -> list[KeyHelp]:
    """The keys the footer shows for `zone` in `columns` cells: by priority, then the musts."""
    must = [_BY_NAME[name] for name in FOOTER_ALWAYS.get(zone, ())]
    room = columns - sum(key.footer_width for key in must)
    chosen: list[KeyHelp] = []
    for name in FOOTER_PRIORITY.get(zone, ()):
        key = _BY_NAME[name]
        if key.footer_width <= room:
            chosen.append(key)
            room -= key.footer_width
    return chosen + must


def help_sections() -> list[tuple[str, list[KeyHelp]]]:
    return [(title, [k for k in KEY_HELP if k.zone == zone]) for zone, title in ZONE_TITLES.items()]


def key_tour_markdown() -> str:
    """The key tour in docs/trace-keys.md, generated from the same table."""
    lines: list[str] = []
    for title, keys in help_sections():
        lines.append(f"**{title}**\n")
        lines += [f"- `{k.keys}` — {k.action}" for k in keys]
        lines.append("")
    lines.append(f"**{LEGEND_TITLE}**\n")
    lines += [f"- `{shown}` — {meaning}" for shown, meaning in LEGEND]
    return "\n".join(lines).rstrip() + "\n"
