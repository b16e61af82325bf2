"""The keys of the trace screen, as data: the footer, the `?` overlay and the README tour all
read this one table, so they cannot disagree with each other.

The bindings themselves live in `app.py`; a test checks that every key listed here is bound.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str  # as shown to the user
    action: str
    zone: str  # "list", "detail", "client" or "any"
    in_footer: bool = False
    short: str = ""  # the footer's word for it

    @property
    def footer_label(self) -> str:
        return self.short or self.action


KEY_HELP: tuple[KeyHelp, ...] = (
    KeyHelp("↑↓ j k", "move through exchanges", "list", True, "move"),
    KeyHelp("PgUp PgDn g G", "page / oldest / newest (G follows new ones)", "list"),
    KeyHelp("Enter", "step into the detail views", "list", True, "detail"),
    KeyHelp("Space", "mark the exchange for saving", "list"),
    KeyHelp(
        "↑↓ j k",
        "step through parsed fields; their bytes light up in the raw view",
        "detail",
        True,
        "field",
    ),
    KeyHelp("← → 1-4", "switch view tab (narrow terminal)", "detail", True, "tab"),
    KeyHelp("Esc", "back to the exchange list", "detail"),
    KeyHelp("Tab", "focus: list → detail → client", "any", True, "focus"),
    KeyHelp("/", "filter: method, status class (4xx), status, path text", "any", True, "filter"),
    KeyHelp("r", "replay the selected request", "any", True, "replay"),
    KeyHelp("e", "edit the selected request in the client pane", "any", True, "edit"),
    KeyHelp("s", "save marked (or selected) exchanges as a transcript", "any", True, "save"),
    KeyHelp("y", "show the request as a curl command (w writes it to a file)", "any", True, "curl"),
    KeyHelp("h", "hexdump on/off", "any", True, "hex"),
    KeyHelp("x", "clear the list", "any"),
    KeyHelp("c", "go to the client pane", "any"),
    KeyHelp("?", "this help", "any", True, "help"),
    KeyHelp("q Ctrl-C", "quit (stops the server)", "any", True, "quit"),
    KeyHelp("Enter", "new line", "client"),
    KeyHelp("Ctrl-S Alt-Enter", "send", "client", True, "send"),
    KeyHelp("Tab", "complete method, header name or path", "client", True, "complete"),
    KeyHelp("↑↓ on first/last line", "input history", "client"),
    KeyHelp("Ctrl-T", "CRLF line ends on/off", "client", True, "CRLF"),
    KeyHelp("Ctrl-K", "pin Content-Length (else recomputed)", "client", True, "pin CL"),
    KeyHelp("Esc", "leave the client pane", "client", True, "leave"),
)

ZONE_TITLES = {
    "list": "Exchange list",
    "detail": "Detail views",
    "client": "Client pane",
    "any": "Everywhere (outside the client pane)",
}


def footer_keys(zone: str) -> list[KeyHelp]:
    if zone == "client":
        return [k for k in KEY_HELP if k.zone == "client" and k.in_footer]
    return [k for k in KEY_HELP if k.zone in (zone, "any") and k.in_footer]


def help_sections() -> list[tuple[str, list[KeyHelp]]]:
    return [(title, [k for k in KEY_HELP if k.zone == zone]) for zone, title in ZONE_TITLES.items()]


def key_tour_markdown() -> str:
    """The README's key tour, generated from the same table."""
    lines: list[str] = []
    for title, keys in help_sections():
        lines.append(f"**{title}**\n")
        lines += [f"- `{k.keys}` — {k.action}" for k in keys]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
