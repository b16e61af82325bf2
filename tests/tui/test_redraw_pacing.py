"""Arriving records redraw the screen on a timer, not one redraw each (issue 12.4): a flood of
exchanges costs a few redraws, and slow redraws space themselves out."""

from __future__ import annotations

import asyncio

import pytest

from httplab.tui.app import (
    FLOOD_REDRAW_INTERVAL,
    QUIET_GAP,
    RECORD_REDRAW_INTERVAL,
    REDRAW_SHARE,
    SLOWEST_RECORD_REDRAW_INTERVAL,
    RedrawPacer,
)
from tests.tui.harness import screen_session
from tests.tui.records import get

pytestmark = pytest.mark.timeout(60)
BURST = 3000


def test_a_burst_of_records_costs_a_few_redraws_not_one_each() -> None:
    async def scenario() -> None:
        async with screen_session() as s:
            pacer = s.screen.app.pacer
            records = [get(f"/burst/{i}") for i in range(BURST)]

            def publish_all() -> None:
                for record in records:
                    s.bus.publish(record)

            before = pacer.redraws
            await asyncio.to_thread(publish_all)
            await s.until(lambda: len(s.controller.state.visible) == BURST, "every record")
            await s.until(lambda: pacer.redraws > before, "a redraw showing them")
            assert s.controller.state.current.target == f"/burst/{BURST - 1}"
            assert pacer.redraws - before < BURST // 10

    asyncio.run(scenario())


def test_slow_redraws_space_the_record_redraws_out() -> None:
    now = [0.0]
    pacer = RedrawPacer(clock=lambda: now[0])
    assert pacer.interval() == RECORD_REDRAW_INTERVAL  # nothing measured yet

    def redraw(seconds: float) -> None:
        pacer._before(None)
        now[0] += seconds
        pacer._after(None)

    redraw(0.002)  # a cheap redraw: the floor holds
    assert pacer.interval() == RECORD_REDRAW_INTERVAL
    for _ in range(20):
        redraw(0.01)  # a 10 ms redraw: at most REDRAW_SHARE of the time
    assert pacer.interval() == pytest.approx(0.01 / REDRAW_SHARE, rel=0.01)
    for _ in range(20):
        redraw(1.0)
    assert pacer.interval() == SLOWEST_RECORD_REDRAW_INTERVAL
    assert pacer.redraws == 41


def test_a_flood_redraws_the_screen_once_a_second_however_cheap_a_redraw() -> None:
    now = [0.0]
    flooding = [False]
    pacer = RedrawPacer(clock=lambda: now[0], flooding=lambda: flooding[0])
    pacer._before(None)
    now[0] += 0.001  # a cheap redraw
    pacer._after(None)
    assert pacer.interval() == RECORD_REDRAW_INTERVAL
    flooding[0] = True
    assert pacer.interval() == FLOOD_REDRAW_INTERVAL
    flooding[0] = False  # the flood is over: records show at the usual pace again
    assert pacer.interval() == RECORD_REDRAW_INTERVAL


def test_an_exchange_after_a_quiet_moment_is_drawn_at_once_even_when_redraws_are_slow() -> None:
    now = [0.0]
    pacer = RedrawPacer(clock=lambda: now[0])
    for _ in range(5):  # slow redraws (a big screen on a busy machine), one after the other
        pacer._before(None)
        now[0] += 0.04
        pacer._after(None)
    assert pacer.interval() == SLOWEST_RECORD_REDRAW_INTERVAL, "records that keep coming wait"
    now[0] += 2 * QUIET_GAP  # nothing for a moment: a student's next curl
    assert pacer.interval() == RECORD_REDRAW_INTERVAL
