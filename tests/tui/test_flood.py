"""A flood of exchanges (a load generator) is followed in the list only; the details wait for it
to calm down and then show the newest exchange (issue 12.4). A student's requests, or one burst,
never make a flood. Clocks are fake; the screen test waits on conditions, never on time."""

from __future__ import annotations

import asyncio
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from httplab.render import THEMES, ExchangeSummary
from httplab.tui.controller import ScreenHooks, TraceController, TraceOptions
from httplab.tui.exchange_list import ExchangeListControl
from httplab.tui.flood import FLOOD_RATE, FLOOD_WINDOW, FloodWatch
from httplab.tui.inbox import BusInbox
from httplab.tui.rich_bridge import make_console, render_fragment_lines
from httplab.tui.views import FLOOD_TEXTS, PaneViews
from tests.tui.harness import screen_session
from tests.tui.records import get, record_for
from tests.tui.terminal import EmulatedTerminal

pytestmark = pytest.mark.timeout(60)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def flood_of(watch: FloodWatch, clock: FakeClock, rate: float, seconds: float) -> None:
    """Deliveries every 0.1 s at `rate` exchanges a second."""
    for _ in range(round(seconds / 0.1)):
        clock.now += 0.1
        watch.arrived(round(rate * 0.1))


# the watch ----------------------------------------------------------------------------------
def test_a_sustained_rate_makes_a_flood_and_calm_ends_it() -> None:
    clock = FakeClock()
    watch = FloodWatch(clock)
    watch.arrived(1)  # opens the window
    flood_of(watch, clock, 5 * FLOOD_RATE, FLOOD_WINDOW / 2)
    assert not watch.active, "measured over a whole window first"
    flood_of(watch, clock, 5 * FLOOD_RATE, FLOOD_WINDOW)
    assert watch.active and watch.rate == pytest.approx(5 * FLOOD_RATE, rel=0.2)
    assert watch.calm() is True
    assert not watch.active and watch.calm() is False


def test_a_students_rate_or_one_big_burst_is_no_flood() -> None:
    clock = FakeClock()
    watch = FloodWatch(clock)
    assert watch.arrived(5000) is False  # a backlog, or one script's burst, all at once
    clock.now += 10
    watch.arrived(3)
    flood_of(watch, clock, FLOOD_RATE / 10, 5 * FLOOD_WINDOW)
    assert not watch.active


def test_a_flood_that_slows_down_ends_without_waiting_for_silence() -> None:
    clock = FakeClock()
    watch = FloodWatch(clock)
    watch.arrived(1)
    flood_of(watch, clock, 10 * FLOOD_RATE, 2 * FLOOD_WINDOW)
    assert watch.active
    flood_of(watch, clock, FLOOD_RATE / 5, 2 * FLOOD_WINDOW)
    assert not watch.active


# the controller and the views ---------------------------------------------------------------
def flooded_controller() -> tuple[TraceController, FakeClock, list[int]]:
    clock = FakeClock()
    redraws: list[int] = []
    hooks = ScreenHooks(invalidate=lambda: redraws.append(1))
    controller = TraceController(TraceOptions(), hooks=hooks, flood=FloodWatch(clock))
    number = 0
    for _ in range(1 + round(2 * FLOOD_WINDOW / 0.1)):
        clock.now += 0.1
        batch = []
        for _ in range(round(FLOOD_RATE)):  # 10x the rate
            number += 1
            batch.append(get(f"/load/{number}", number=number))
        controller.on_records(batch)
    return controller, clock, redraws


def test_following_a_flood_the_details_wait_and_the_list_still_follows() -> None:
    controller, _, _ = flooded_controller()
    views = PaneViews(controller, make_console(THEMES["default"]))
    state = controller.state
    assert controller.flood.active and controller.details_paused
    assert state.current is state.visible[-1], "the selection still follows the newest"
    for view in (views.raw(), views.parsed(), views.headers(), views.response(), views.notes()):
        assert view.key[0] == "flood"
    controller.zone = "detail"
    assert controller.selected_field is None  # no field lit, no explanation to lay out


def test_picking_an_exchange_during_a_flood_shows_its_details_and_G_follows_again() -> None:
    controller, _, _ = flooded_controller()
    views = PaneViews(controller, make_console(THEMES["default"]))
    controller.move(-3)
    picked = controller.state.current
    assert picked is not None and not controller.details_paused
    assert views.raw().key[:2] == ("raw", picked.seq)
    controller.to_newest()
    assert controller.details_paused and views.raw().key[0] == "flood"


def test_when_the_flood_calms_the_details_catch_up_with_the_newest() -> None:
    controller, _, redraws = flooded_controller()
    views = PaneViews(controller, make_console(THEMES["default"]))
    before = len(redraws)
    controller.on_quiet()
    newest = controller.state.visible[-1]
    assert not controller.details_paused and len(redraws) == before + 1
    assert views.raw().key[:2] == ("raw", newest.seq)
    assert views.response().key == ("response", newest.seq)
    controller.on_quiet()  # quiet again, nothing changed: no redraw
    assert len(redraws) == before + 1


# the inbox says when the server went quiet --------------------------------------------------
def test_the_inbox_says_quiet_once_nothing_more_is_published() -> None:
    from httplab.trace.bus import TraceBus

    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        bus = TraceBus()
        quiet = asyncio.Event()
        delivered: list[int] = []
        inbox = BusInbox(
            loop,
            bus,
            lambda records, dropped: delivered.append(len(records)),
            delay=0.01,
            on_quiet=quiet.set,
            quiet_after=0.05,
        )
        inbox.start()
        for i in range(50):
            bus.publish(get(f"/{i}"))
        await asyncio.wait_for(quiet.wait(), 10)
        return delivered

    assert sum(asyncio.run(scenario())) == 50


# the real screen ----------------------------------------------------------------------------
def test_the_screen_says_why_the_details_wait_and_shows_them_when_it_calms() -> None:
    terminal = EmulatedTerminal(120, 35)
    clock = FakeClock()

    async def scenario() -> None:
        async with screen_session(output=terminal.output) as s:
            s.controller.flood = FloodWatch(clock)
            seen = 0
            for step in range(3):  # three deliveries, FLOOD_WINDOW apart on the fake clock
                batch = [get(f"/flood/{step}/{i}") for i in range(round(FLOOD_RATE))]
                for record in batch:
                    s.bus.publish(record)
                seen += len(batch)
                await s.until(lambda n=seen: len(s.controller.state.visible) == n, "delivered")
                clock.now += FLOOD_WINDOW
            # the inbox's quiet timer may end the flood early on a slow machine; if it did,
            # the details are back, which the end of this test checks anyway
            if s.controller.details_paused:
                await s.until(lambda: "details wait" in terminal.text, "the flood's line")
                assert "following a flood" in terminal.lines[0]
            # nothing more is published: the inbox says quiet and the details catch up
            await s.until(lambda: not s.controller.flood.active, "the flood to end")
            await s.until(lambda: "following a flood" not in terminal.lines[0], "the title")
            newest = s.controller.state.visible[-1]
            assert s.controller.state.current is newest
            await s.until(lambda: f"/flood/2/{round(FLOOD_RATE) - 1}" in terminal.text, "x")
            await s.until(lambda: "Host:" in terminal.text, "the newest's raw request")
            assert "details wait" not in terminal.text

    asyncio.run(scenario())


def test_the_flood_line_has_each_language() -> None:
    assert set(FLOOD_TEXTS) == {"en", "ru"}


# list rows without rich's layout ------------------------------------------------------------
TARGETS = st.text(  # what a request target may hold (the record is parsed as the server did)
    alphabet=st.sampled_from(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/%"),
    max_size=90,
)


@settings(max_examples=150, deadline=None)
@given(
    target=TARGETS,
    method=st.sampled_from(["GET", "POST", "DELETE", "OPTIONS", "PROPFIND"]),
    status=st.sampled_from([200, 201, 204, 302, 404, 500, 101]),
    size=st.sampled_from([0, 10, 2000, 2_000_000]),
    connection=st.integers(1, 99_999),
    width=st.integers(10, 200),
    theme=st.sampled_from(sorted(THEMES)),
)
def test_a_row_drawn_from_the_summarys_columns_is_what_rich_lays_out(
    target: str,
    method: str,
    status: int,
    size: int,
    connection: int,
    width: int,
    theme: str,
) -> None:
    raw = f"{method} /{target} HTTP/1.1\r\nHost: lab\r\n\r\n".encode("latin-1", "replace")
    record = record_for(raw, status, b"x" * size, connection_id=connection, number=7)
    record.started_at = 1_700_000_000.25
    console: Console = make_console(THEMES[theme])
    control = ExchangeListControl(TraceController(TraceOptions()), lambda: console)
    expected = render_fragment_lines(console, ExchangeSummary(record), width).lines[0]
    assert control._row(record, width) == expected


def test_a_row_of_an_unparsed_request_is_drawn_as_rich_draws_it() -> None:
    record = record_for(b"GET / HTTP/1.1\r\nHost: lab\r\n\r\n")
    record.raw_request = b"BAD\x00\x1b[2J / HTTP/1.1\r\n\r\n"
    record.request = None
    console = make_console(THEMES["default"])
    control = ExchangeListControl(TraceController(TraceOptions()), lambda: console)
    for width in (20, 80, 120):
        expected = render_fragment_lines(console, ExchangeSummary(record), width).lines[0]
        assert control._row(record, width) == expected
        assert all("\x1b" not in text for _, text in control._row(record, width))
