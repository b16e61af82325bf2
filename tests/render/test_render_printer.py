"""The plain printer prints exchanges from its own thread, without colour off a terminal."""

from __future__ import annotations

import io
from collections.abc import Sequence

from render_records import make_record, users_record

from httplab.render.printer import PlainPrinter, RenderBudget, plain_console
from httplab.render.theme import THEME
from httplab.trace.bus import TraceBus
from httplab.trace.records import ConnectionEvent, TraceItem


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


def _fixed_clock() -> float:
    return 100.0


def test_budget_fills_at_its_share_up_to_the_burst() -> None:
    now = [0.0]
    budget = RenderBudget(share=0.1, burst=0.05, clock=lambda: now[0])
    assert budget.refill() == 0.05
    budget.spend(0.08)  # one render overdrew it
    assert round(budget.refill(), 6) == -0.03
    assert round(budget.wait_for(0.01), 6) == 0.4  # 0.04 s of rendering at 10 % of the time
    now[0] = 0.4
    assert round(budget.refill(), 6) == 0.01
    now[0] = 100.0
    assert budget.refill() == 0.05, "never more than the burst"


def test_a_printer_out_of_budget_summarises_instead_of_rendering() -> None:
    out = io.StringIO()
    bus = TraceBus()
    budget = RenderBudget(share=0.1, burst=0.0, clock=_fixed_clock)
    printer = PlainPrinter(bus, plain_console(out), budget=budget)
    bus.publish(ConnectionEvent(3, "opened", 1_700_000_000.0, "127.0.0.1:50000"))
    for _ in range(3):
        bus.publish(users_record())
    bus.publish(make_record(b"POST /users HTTP/1.1\r\nHost: a\r\n\r\n", status=201))
    assert printer.print_pending() is True
    text = out.getvalue()
    assert printer.printed == 0 and printer.skipped == 5
    assert text == (
        "… 5 trace items not printed to keep up with the server: "
        "4 exchanges (GET 200 ×3, POST 201 ×1), 1 connection event\n"
    )


def test_when_behind_the_newest_are_printed_and_the_older_summarised() -> None:
    out = io.StringIO()
    bus = TraceBus()
    printer = PlainPrinter(
        bus, plain_console(out), budget=RenderBudget(share=0.1, burst=2.0, clock=_fixed_clock)
    )
    printer.cost = 1.0  # as if each render took a second: the budget pays for two
    for n in range(5):
        bus.publish(make_record(f"GET /n{n} HTTP/1.1\r\nHost: a\r\n\r\n".encode()))
    printer.print_pending()
    text = out.getvalue()
    assert printer.printed == 2 and printer.skipped == 3
    assert text.startswith("… 3 trace items not printed to keep up with the server: 3 exchanges")
    assert "GET /n3 HTTP/1.1" in text and "GET /n4 HTTP/1.1" in text
    assert "GET /n0 HTTP/1.1" not in text


def test_the_summary_is_one_line_however_many_kinds() -> None:
    out = io.StringIO()
    bus = TraceBus()
    budget = RenderBudget(share=0.1, burst=0.0, clock=_fixed_clock)
    printer = PlainPrinter(bus, plain_console(out), budget=budget)
    for method in (b"GET", b"PUT", b"PATCH", b"DELETE", b"OPTIONS\x1b[2J"):
        bus.publish(make_record(method + b" /users/1 HTTP/1.1\r\nHost: a\r\n\r\n"))
    printer.print_pending()
    assert out.getvalue().count("\n") == 1
    assert "2 more kinds" in out.getvalue() and "\x1b" not in out.getvalue()


def test_the_render_childs_cost_per_item_is_learnt_from_its_cpu_time() -> None:
    from httplab.render.printer import CHILD_COST_SAMPLE, FIRST_COST_ESTIMATE

    class Child:
        """A render child that uses 8 ms of CPU for every item it is sent."""

        def __init__(self) -> None:
            self.items = 0

        def send(self, summary: str | None, items: Sequence[TraceItem]) -> None:
            self.items += len(items)

        def cpu_seconds(self) -> float:
            return self.items * 0.008

        def close(self, timeout: float = 5.0) -> bool:
            return True

    bus = TraceBus()
    child = Child()
    printer = PlainPrinter(bus, budget=RenderBudget(1.0, burst=1e9), renderer=child)
    assert printer.cost == FIRST_COST_ESTIMATE
    for _ in range(10):
        for _ in range(CHILD_COST_SAMPLE):
            bus.publish(users_record())
        printer.print_pending()
    assert child.items == 10 * CHILD_COST_SAMPLE
    assert abs(printer.cost - 0.008) < 0.0005  # so batches are paced at what drawing costs
