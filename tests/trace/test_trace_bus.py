"""TraceBus: order, bounds, subscribers, and many publishing threads at once."""

from __future__ import annotations

import threading

import pytest
from trace_records import exchange, opened

from httplab.trace.bus import TraceBus, wire_size
from httplab.trace.records import TraceItem


def test_publish_stamps_consecutive_seq_and_keeps_order() -> None:
    bus = TraceBus()
    items = [opened(), exchange(1), exchange(2)]
    for item in items:
        bus.publish(item)
    assert [i.seq for i in bus.snapshot()] == [1, 2, 3]
    assert bus.snapshot() == items
    assert bus.last_seq == 3 and len(bus) == 3 and bus.dropped == 0


def test_ring_keeps_the_newest_and_counts_the_dropped() -> None:
    bus = TraceBus(capacity=3)
    for n in range(10):
        bus.publish(exchange(n))
    assert [i.seq for i in bus.snapshot()] == [8, 9, 10]
    assert bus.dropped == 7


def test_byte_budget_evicts_oldest_but_keeps_the_newest() -> None:
    big = exchange(body=b"x" * 1000)
    bus = TraceBus(capacity=100, max_bytes=2 * wire_size(big))
    for _ in range(5):
        bus.publish(exchange(body=b"x" * 1000))
    assert len(bus) == 2 and bus.dropped == 3
    assert bus.held_bytes == 2 * wire_size(big)
    huge = exchange(body=b"y" * 10_000)
    bus.publish(huge)
    assert bus.snapshot() == [huge]


def test_since_returns_only_newer_items_still_held() -> None:
    bus = TraceBus(capacity=5)
    for n in range(8):
        bus.publish(exchange(n))
    assert [i.seq for i in bus.since(6)] == [7, 8]
    assert [i.seq for i in bus.since(0)] == [4, 5, 6, 7, 8]
    assert bus.since(8) == []
    assert TraceBus().since(0) == []


def test_clear_forgets_items_but_seq_goes_on() -> None:
    bus = TraceBus()
    bus.publish(exchange())
    bus.clear()
    assert bus.snapshot() == [] and bus.held_bytes == 0 and bus.dropped == 0
    bus.publish(exchange())
    assert [i.seq for i in bus.snapshot()] == [2]
    assert [i.seq for i in bus.since(0)] == [2]


def test_subscribers_see_each_item_until_they_unsubscribe() -> None:
    bus = TraceBus()
    seen: list[int] = []
    unsubscribe = bus.subscribe(lambda item: seen.append(item.seq))
    bus.publish(exchange())
    bus.publish(exchange())
    unsubscribe()
    bus.publish(exchange())
    assert seen == [1, 2]


def test_a_failing_subscriber_never_reaches_the_publisher() -> None:
    bus = TraceBus()
    seen: list[TraceItem] = []

    def broken(item: TraceItem) -> None:
        raise RuntimeError("viewer crashed")

    bus.subscribe(broken)
    bus.subscribe(seen.append)
    bus.publish(exchange())
    assert bus.subscriber_errors == 1 and len(seen) == 1


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TraceBus(capacity=0)


def test_many_threads_publish_without_losing_or_repeating_a_seq() -> None:
    bus = TraceBus(capacity=1_000)
    seen: list[int] = []
    bus.subscribe(lambda item: seen.append(item.seq))  # list.append is atomic
    threads = [
        threading.Thread(target=lambda: [bus.publish(exchange()) for _ in range(2_000)])
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 16_001))
    held = [i.seq for i in bus.snapshot()]
    assert held == list(range(15_001, 16_001))
    assert bus.dropped == 15_000


# reading without a call per item (issue 12) -------------------------------------------------
def test_publish_without_subscribers_calls_nobody_and_readers_see_the_order() -> None:
    bus = TraceBus()
    rung: list[int] = []
    watch = bus.watch(lambda: rung.append(1))
    assert watch.arm(bus.last_seq)  # nothing new: armed
    for n in range(5):
        bus.publish(exchange(n))
    assert rung == [1], "the doorbell rings once, for the first item after arming"
    assert [i.seq for i in bus.since(0)] == [1, 2, 3, 4, 5]
    assert not watch.arm(0), "items after seq 0 are there: read them, no need to wait"
    assert watch.arm(5)
    bus.publish(opened())
    assert rung == [1, 1]
    watch.close()
    assert watch.arm(bus.last_seq)  # a closed watch may arm, but is never rung
    bus.publish(opened())
    assert rung == [1, 1]


def test_a_failing_wake_is_counted_never_raised() -> None:
    bus = TraceBus()

    def broken() -> None:
        raise RuntimeError("viewer crashed")

    bus.watch(broken).arm(0)
    bus.publish(exchange())
    assert bus.subscriber_errors == 1 and len(bus) == 1


def test_nobody_reading_keeps_the_intake_bounded() -> None:
    from httplab.trace.bus import INTAKE_LIMIT

    bus = TraceBus(capacity=10)
    for n in range(3 * INTAKE_LIMIT):
        bus.publish(exchange(n))
        assert len(bus._intake) <= INTAKE_LIMIT + 1
    assert len(bus) == 10 and bus.dropped == 3 * INTAKE_LIMIT - 10
    assert bus.last_seq == 3 * INTAKE_LIMIT


def test_a_subscriber_joining_keeps_the_order_of_what_came_before() -> None:
    bus = TraceBus()
    bus.publish(exchange(1))
    bus.publish(exchange(2))
    seen: list[int] = []
    bus.subscribe(lambda item: seen.append(item.seq))
    bus.publish(exchange(3))
    assert seen == [3]
    assert [i.seq for i in bus.snapshot()] == [1, 2, 3]
    assert [i.number for i in bus.snapshot()] == [1, 2, 3]  # type: ignore[union-attr]


def test_many_threads_publish_to_a_polled_bus_without_losing_or_repeating_a_seq() -> None:
    bus = TraceBus(capacity=100_000)
    threads = [
        threading.Thread(target=lambda: [bus.publish(exchange()) for _ in range(2_000)])
        for _ in range(8)
    ]
    seen: list[int] = []
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        seen.extend(i.seq for i in bus.since(seen[-1] if seen else 0))
    for t in threads:
        t.join()
    seen.extend(i.seq for i in bus.since(seen[-1] if seen else 0))
    assert seen == list(range(1, 16_001))


def test_a_batch_bigger_than_the_ring_counts_bytes_and_drops_right() -> None:
    bus = TraceBus(capacity=3)
    records = [exchange(n, body=b"x" * n) for n in range(10)]
    for record in records:
        bus.publish(record)  # nobody reads: one batch of ten into a ring of three
    assert bus.snapshot() == records[-3:] and bus.dropped == 7
    assert bus.held_bytes == sum(wire_size(r) for r in records[-3:])
    bus.publish(exchange(body=b"y" * 50))
    assert bus.held_bytes == sum(wire_size(r) for r in bus.snapshot()) and bus.dropped == 8
