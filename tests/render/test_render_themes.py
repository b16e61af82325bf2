"""Themes by name: dark, light and high-contrast; none writes bright white text (SGR 97),
which a light background swallows (issue 11 #3) — in the trace views, the list, `send`."""

from __future__ import annotations

import io
import re

import pytest
from render_records import make_record, users_record
from rich.console import Console, RenderableType
from rich.style import Style

from httplab.client.connection import ClientResponse
from httplab.client.output import Printer, request_items, response_items
from httplab.protocol.events import EndOfMessage, ResponseHead
from httplab.protocol.messages import Note
from httplab.protocol.parser import ResponseParser
from httplab.render import (
    ConnectionEventView,
    ExchangeSummary,
    ExchangeView,
    HexdumpView,
    ParsedTreeView,
)
from httplab.render.printer import SkippedItems
from httplab.render.theme import STYLE_NAMES, THEME_NAMES, THEMES, theme_named
from httplab.trace.records import ConnectionEvent

SGR = re.compile(r"\x1b\[([0-9;]*)m")
# Foreground colours a light background swallows, by name.
PALE = {"bright_white", "white", "bright_yellow", "yellow", "bright_cyan", "bright_green"}


def foreground_codes(output: str) -> set[int]:
    """The foreground colour codes among the SGR sequences of `output` (30–37, 90–97); the
    parameters of 38/48 (256-colour and truecolour) are skipped, not read as codes."""
    codes: set[int] = set()
    for match in SGR.finditer(output):
        params = [int(p) for p in match.group(1).split(";") if p]
        i = 0
        while i < len(params):
            if params[i] in (38, 48):
                i += 3 if params[i + 1 : i + 2] == [5] else 5
                continue
            if 30 <= params[i] <= 37 or 90 <= params[i] <= 97:
                codes.add(params[i])
            i += 1
    return codes


def rendered(renderable: RenderableType, theme: str, color_system: str) -> str:
    console = Console(
        file=io.StringIO(),
        width=100,
        force_terminal=True,
        color_system=color_system,  # type: ignore[arg-type]
        theme=theme_named(theme),
    )
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def samples() -> list[RenderableType]:
    record = make_record(
        b"GET /users?x=1 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
        status=404,
        notes=[Note("n", "a note", "RFC 9110 §1", "warning")],
    )
    skipped = SkippedItems()
    skipped.add([record, ConnectionEvent(1, "opened", 0.0, "p")])
    return [
        ExchangeView(users_record(), "header:0"),
        ExchangeView(record),
        ExchangeSummary(users_record()),
        ExchangeSummary(record),
        ParsedTreeView(record, "method"),
        HexdumpView(record.raw_request, (0, 3)),
        ConnectionEventView(ConnectionEvent(1, "protocol-error", 0.0, "p", "bad")),
        skipped.line(),
    ]


def test_the_themes_are_chosen_by_name() -> None:
    assert set(THEME_NAMES) <= set(THEMES)
    assert theme_named("default") is theme_named("dark")
    with pytest.raises(ValueError, match="dark, light, high-contrast"):
        theme_named("solarized")


@pytest.mark.parametrize("name", THEME_NAMES)
def test_every_theme_names_every_style(name: str) -> None:
    assert set(STYLE_NAMES) <= set(theme_named(name).styles)


@pytest.mark.parametrize("name", ["light", "high-contrast"])
def test_light_backgrounds_get_no_pale_foreground(name: str) -> None:
    for style_name, style in theme_named(name).styles.items():
        if style_name in STYLE_NAMES or style_name.startswith("json."):
            pale = style.color is not None and style.color.name in PALE
            assert not pale or style.bgcolor is not None, (style_name, str(style))


@pytest.mark.parametrize("name", THEME_NAMES)
@pytest.mark.parametrize("color_system", ["standard", "256", "truecolor"])
def test_no_theme_writes_bright_white_text(name: str, color_system: str) -> None:
    for renderable in samples():
        assert 97 not in foreground_codes(rendered(renderable, name, color_system))


@pytest.mark.parametrize("color_system", ["standard", "256", "truecolor"])
def test_light_output_has_no_pale_codes(color_system: str) -> None:
    for renderable in samples():
        codes = foreground_codes(rendered(renderable, "light", color_system))
        assert not codes & {33, 93, 96, 97}, codes  # yellow, bright yellow/cyan/white


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _response(raw: bytes) -> ClientResponse:
    parser = ResponseParser()
    parser.feed(raw)
    head = parser.next_event()
    assert isinstance(head, ResponseHead)
    body = b""
    while not isinstance(event := parser.next_event(), EndOfMessage):
        body += event.data  # type: ignore[union-attr]
    return ClientResponse(head, body, raw)


@pytest.mark.parametrize("name", THEME_NAMES)
def test_send_output_in_each_theme_has_no_bright_white(name: str) -> None:
    out = FakeTerminal()
    printer = Printer(out, color=True, theme=name)
    printer.write(request_items(b"GET /users HTTP/1.1\r\nHost: a\r\n\r\n"))
    body = b'{"users": [{"id": 1, "name": "ada", "ok": true, "n": null}]}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    raw = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    printer.write(response_items(_response(raw)))
    assert "\x1b[" in out.getvalue()
    assert 97 not in foreground_codes(out.getvalue())
    if name == "light":
        assert not foreground_codes(out.getvalue()) & {33, 93, 96, 97}


def test_style_names_resolve_to_styles() -> None:
    for name in THEME_NAMES:
        for style in theme_named(name).styles.values():
            assert isinstance(style, Style)
