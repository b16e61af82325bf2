"""The plain printer prints exchanges from its own thread, without colour off a terminal."""

from __future__ import annotations

import io

from render_records import make_record, users_record

from httplab.render.printer import PlainPrinter, plain_console
from httplab.render.theme import THEME
from httplab.trace.bus import TraceBus
from httplab.trace.records import ConnectionEvent


def test_printer_prints_published_items_in_plain_text() -> None:
    out = io.StringIO()
    bus = TraceBus()
    with PlainPrinter(bus, plain_console(out)) as printer:
        bus.publish(ConnectionEvent(3, "opened", 1_700_000_000.0, "127.0.0.1:50000"))
        bus.publish(users_record())
        bus.publish(make_record(b"GET /\x1b[2J\x1b]0;x\x07 HTTP/1.1\r\nHost: a\r\n\r\n"))
    text = out.getvalue()
    assert printer.printed == 2
    assert "#3 connection opened 127.0.0.1:50000" in text
    assert "GET /users?limit=2&tag=a&tag=b HTTP/1.1\\r\\n" in text
    assert "GET /\\x1b[2J\\x1b]0;x\\x07 HTTP/1.1\\r\\n" in text
    assert "\x1b" not in text and "\x07" not in text  # no colour, no raw escapes


def test_printer_says_how_many_items_it_could_not_print() -> None:
    out = io.StringIO()
    bus = TraceBus(capacity=2)
    printer = PlainPrinter(bus, plain_console(out))
    for _ in range(5):
        bus.publish(users_record())
    printer.print_pending()  # the items before the last two were evicted already
    assert "… 3 trace items not printed (evicted from the trace)" in out.getvalue()
    assert printer.printed == 2 and printer.skipped == 3


def test_forced_colour_uses_the_theme() -> None:
    out = io.StringIO()
    bus = TraceBus()
    with PlainPrinter(bus, plain_console(out, color=True)):
        bus.publish(users_record())
    assert "\x1b[" in out.getvalue()


def test_plain_output_takes_the_chosen_theme() -> None:
    from httplab.render import HIGH_CONTRAST_THEME

    outputs = []
    for theme in (THEME, HIGH_CONTRAST_THEME):
        out = io.StringIO()
        bus = TraceBus()
        with PlainPrinter(bus, plain_console(out, color=True, theme=theme)):
            bus.publish(users_record())
        outputs.append(out.getvalue())
    assert outputs[0] != outputs[1], "--theme high-contrast changes the colours of --plain"
