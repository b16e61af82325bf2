"""`HTTPConnection` without sockets or sleeps: a fake transport records what the connection
writes and asks of it, a fake clock is moved by hand, and deadlines are fired as the server's
sweeper would (as uvicorn tests its protocols with a MockTransport and a MockLoop).
The socket tests next to this one keep checking the same behaviour over real TCP."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from httplab.protocol.limits import Limits
from httplab.server.apps.users import UsersApp
from httplab.server.connection import HTTPConnection, Phase
from httplab.server.context import SMALL_REQUEST, ServerSettings, ServerState

from .conftest import get, post

IDLE = 5.0
HEAD = 3.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.eof_written = False
        self.closed = False
        self.aborted = False
        self.reading = True
        self.high_water: int | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 50000) if name == "peername" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.high_water = high

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed and not self.eof_written, "write after close"
        self.written += data

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        self.eof_written = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def is_closing(self) -> bool:
        return self.closed or self.eof_written

    def take(self) -> bytes:
        """What was written since the last take."""
        data = bytes(self.written)
        self.written.clear()
        return data


class Lab:
    """One server state with a fake clock; `connect()` gives connections on fake transports."""

    def __init__(self, **settings: Any) -> None:
        self.clock = FakeClock()
        options: dict[str, Any] = {"idle_timeout": IDLE, "header_timeout": HEAD, **settings}
        self.state = ServerState(ServerSettings(UsersApp(), **options), clock=self.clock)

    def connect(self) -> tuple[HTTPConnection, FakeTransport]:
        connection = HTTPConnection(self.state)
        transport = FakeTransport()
        connection.connection_made(transport)
        return connection, transport

    def advance(self, seconds: float) -> None:
        """Move the clock and fire due deadlines, as the server's sweeper does."""
        self.clock.now += seconds
        for connection in list(self.state.connections):
            if connection.deadline and connection.deadline <= self.clock.now:
                connection.on_deadline()


def statuses(data: bytes) -> list[int]:
    """Status codes of the responses in `data` (the users API's bodies hold no status line)."""
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", data)]


def test_a_request_is_answered_in_one_write_and_the_connection_waits_idle() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    assert transport.high_water is not None  # the per-connection output budget is set
    connection.data_received(get("/users"))
    assert statuses(transport.take()) == [200]
    assert connection.phase is Phase.IDLE and connection.exchange is None
    assert connection.deadline == lab.clock.now + IDLE
    assert lab.state.held_bytes == 0


def test_pipelined_requests_are_answered_in_order() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    connection.data_received(
        post("/users?name=a&age=1") + get("/users/1") + get("/users/2", "Connection: close")
    )
    assert statuses(transport.take()) == [201, 200, 404]
    assert connection.phase is Phase.CLOSING and transport.eof_written


def test_an_idle_connection_closes_quietly_at_its_deadline() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    lab.advance(IDLE - 0.1)
    assert not transport.closed
    lab.advance(0.2)
    assert transport.closed and transport.take() == b""
    assert connection.ended_by == "timeout"


def test_a_slow_head_gets_408_and_its_clock_is_not_extended() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    connection.data_received(b"GET /users HTTP/1.1\r\n")
    assert connection.phase is Phase.HEAD
    for _ in range(5):  # a byte now and then does not buy time
        lab.advance(HEAD / 6)
        connection.data_received(b"X")
    lab.advance(HEAD / 6 + 0.01)
    data = transport.take()
    assert statuses(data) == [408] and b"for the request head" in data
    assert connection.phase is Phase.CLOSING


def test_a_stalled_body_gets_408() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    connection.data_received(b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nname")
    assert connection.phase is Phase.BODY
    lab.advance(IDLE + 0.1)
    assert statuses(transport.take()) == [408]


def test_a_client_that_does_not_read_holds_the_next_request_until_it_does() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    connection.pause_writing()  # the transport's buffer passed its high-water mark
    connection.data_received(get("/users") + get("/users/7"))
    assert statuses(transport.take()) == [200]  # the first answer was already being written
    assert connection.phase is Phase.WAITING and not transport.reading
    connection.resume_writing()
    assert statuses(transport.take()) == [404]
    assert connection.phase is Phase.IDLE and transport.reading


def test_a_client_that_never_reads_is_dropped_at_the_deadline() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    connection.data_received(get("/users"))
    connection.pause_writing()
    lab.advance(IDLE + 0.1)
    assert transport.aborted


def test_eof_after_pipelined_requests_answers_them_once_the_client_reads() -> None:
    lab = Lab()
    connection, transport = lab.connect()
    connection.pause_writing()
    connection.data_received(get("/users") + get("/users"))
    assert connection.eof_received() is True  # keep the half-open socket: answers are due
    connection.resume_writing()
    assert statuses(transport.take()) == [200, 200]
    assert transport.closed


def test_stop_closes_an_idle_connection_and_lets_a_request_finish() -> None:
    lab = Lab()
    idle, idle_transport = lab.connect()
    busy, busy_transport = lab.connect()
    busy.data_received(b"POST /users?name=a&age=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n")
    lab.state.stopping = True
    idle.stop()
    busy.stop()
    assert idle_transport.closed and not busy_transport.is_closing()
    busy.data_received(b"a=b")
    data = busy_transport.take()
    assert b"Connection: close" in data and busy_transport.eof_written


def test_a_protocol_error_is_answered_and_closes() -> None:
    lab = Lab(limits=Limits(max_request_line=64))
    connection, transport = lab.connect()
    connection.data_received(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n\r\n")
    assert statuses(transport.take()) == [414]
    assert connection.closing and transport.eof_written
    connection.data_received(get("/users"))  # drained, never answered
    assert transport.take() == b""


def test_over_the_connection_cap_the_answer_is_503() -> None:
    lab = Lab()
    lab.state.connection_cap = 1
    lab.connect()
    refused, transport = lab.connect()
    data = transport.take()
    assert statuses(data) == [503] and b"Retry-After: 1" in data
    assert lab.state.active == 1 and not refused.counted


# the memory budget, shared by every connection of the server ------------------------------------
BUDGET = 256 * 1024


def test_bytes_held_for_a_request_are_counted_and_released() -> None:
    lab = Lab(memory_budget=BUDGET, limits=Limits(max_body=BUDGET))
    connection, transport = lab.connect()
    connection.data_received(post("/users", b"x" * 1000)[:-500])
    assert lab.state.held_bytes == connection.held > 500
    connection.data_received(b"x" * 500)
    assert statuses(transport.take()) == [415]  # answered: nothing is held any more
    assert lab.state.held_bytes == connection.held == 0
    connection.connection_lost(None)
    assert lab.state.held_bytes == 0


def test_a_body_that_cannot_fit_the_budget_is_refused_before_it_is_read() -> None:
    lab = Lab(memory_budget=BUDGET, limits=Limits(max_body=4 * BUDGET))
    first, first_transport = lab.connect()
    head = b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
    first.data_received(head % (BUDGET // 2) + b"x" * (BUDGET // 2 - 1000))  # in progress
    assert first_transport.take() == b""
    second, second_transport = lab.connect()
    second.data_received(head % (BUDGET // 2 + 10_000) + b"x" * 100)
    data = second_transport.take()
    assert statuses(data) == [503] and b"Retry-After: 1" in data and b"MiB" in data
    assert second.closing and second.held == 0
    # a small request is still read (the reserve above the budget is for those)
    third, third_transport = lab.connect()
    third.data_received(get("/users"))
    assert statuses(third_transport.take()) == [200]
    assert lab.state.held_bytes == first.held


def test_many_heads_just_under_the_limits_cannot_hold_more_than_the_budget() -> None:
    limits = Limits(max_header_block=64 * 1024, max_header_line=8 * 1024, max_fields=100)
    lab = Lab(memory_budget=BUDGET, limits=limits)
    line = b"X-Pad: " + b"p" * 8000 + b"\r\n"
    head_start = b"GET /users HTTP/1.1\r\nHost: x\r\n" + line * 7  # ~56 KiB, never finished
    refused = 0
    for _ in range(50):
        connection, transport = lab.connect()
        connection.data_received(head_start)
        if statuses(transport.take()) == [503]:
            refused += 1
    assert refused > 0
    assert lab.state.held_bytes <= BUDGET


def test_small_requests_use_a_reserve_and_nothing_goes_past_it() -> None:
    lab = Lab(memory_budget=BUDGET)
    small = b"GET /users HTTP/1.1\r\nHost: x\r\n" + (b"X-Pad: " + b"p" * 5000 + b"\r\n") * 3
    assert len(small) < SMALL_REQUEST
    answers = []
    for _ in range(2 * BUDGET // SMALL_REQUEST):  # small heads, never finished
        connection, transport = lab.connect()
        connection.data_received(small)
        answers.append(statuses(transport.take()))
    assert lab.state.held_bytes <= BUDGET + BUDGET // 4
    assert answers.count([]) > BUDGET // SMALL_REQUEST  # the reserve was used
    assert answers[-1] == [503]  # and then refused


def test_pipelined_requests_of_a_client_that_never_reads_stay_within_the_budget() -> None:
    lab = Lab(memory_budget=BUDGET)
    connection, transport = lab.connect()
    connection.pause_writing()
    connection.data_received(get("/users") * 100)  # first answered, 99 held
    assert connection.phase is Phase.WAITING
    more = get("/users") * ((BUDGET // len(get("/users"))) + 1)
    connection.data_received(more)  # what a kernel buffer could still deliver
    assert statuses(transport.take())[-1] == 503
    assert lab.state.held_bytes == 0


@pytest.mark.parametrize("phase", list(Phase))
def test_every_phase_has_a_name(phase: Phase) -> None:
    assert phase.value == phase.name.lower()


def test_a_long_pipeline_is_answered_in_turns() -> None:
    # a client pipelining thousands of requests must not make a fresh client wait for them all
    from httplab.server.connection import FAIR_TURN

    lab = Lab()
    turns: list[Any] = []
    lab.state.defer = turns.append
    connection, transport = lab.connect()
    connection.data_received(get("/users/1") * (FAIR_TURN * 2 + 1))
    assert len(statuses(transport.take())) == FAIR_TURN
    assert not transport.reading and len(turns) == 1
    turns.pop()()
    assert len(statuses(transport.take())) == FAIR_TURN
    turns.pop()()
    assert len(statuses(transport.take())) == 1
    assert transport.reading and not turns and connection.phase is Phase.IDLE


def test_expect_100_continue_gets_100_or_a_503_that_spares_the_upload() -> None:
    lab = Lab(memory_budget=BUDGET, limits=Limits(max_body=4 * BUDGET))
    head = b"POST /users HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n"
    fits, fits_transport = lab.connect()
    fits.data_received(head % 100)
    assert fits_transport.take() == b"HTTP/1.1 100 Continue\r\n\r\n"
    too_big, too_big_transport = lab.connect()
    too_big.data_received(head % (2 * BUDGET))  # the client has not sent a byte of it yet
    data = too_big_transport.take()
    assert statuses(data) == [503] and b"100 Continue" not in data


def test_the_date_line_is_shared_within_a_second_and_made_anew_after() -> None:
    from httplab.server.dates import DateCache

    dates = DateCache()
    first = dates.field()
    assert dates.field() is first or dates.field().value != first.value  # a second may tick
    assert re.fullmatch(rb"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", first.value)
    dates._starts -= 5  # as if the clock had moved on
    dates._ends -= 5
    assert dates.field() is not first


def with_outbox(lab: Lab) -> list[Any]:
    """Give the lab an outbox whose end-of-turn callback is kept here, to be run by hand."""
    from httplab.server.outbox import Outbox

    turn_ends: list[Any] = []
    lab.state.outbox = Outbox(turn_ends.append)
    return turn_ends


def test_answers_wait_for_the_end_of_the_turn_and_leave_together() -> None:
    lab = Lab()
    turn_ends = with_outbox(lab)
    (first, first_transport), (second, second_transport) = lab.connect(), lab.connect()
    first.data_received(get("/users"))
    second.data_received(get("/users/1"))
    assert first_transport.take() == b"" and second_transport.take() == b""
    assert len(turn_ends) == 1  # one flush for the whole turn
    turn_ends.pop()()
    assert statuses(first_transport.take()) == [200]
    assert statuses(second_transport.take()) == [404]
    assert first.phase is Phase.IDLE and first.deadline == lab.clock.now + IDLE


def test_a_lone_client_is_answered_at_once() -> None:
    lab = Lab()
    turn_ends = with_outbox(lab)
    connection, transport = lab.connect()
    connection.data_received(get("/users"))
    assert statuses(transport.take()) == [200] and not turn_ends


def test_a_waiting_answer_goes_before_what_the_connection_does_next() -> None:
    lab = Lab()
    turn_ends = with_outbox(lab)
    lab.connect()  # another client, so answers wait for the end of the turn
    connection, transport = lab.connect()
    # pipelined: the second answer sends both at once, in order; the third closes after them
    connection.data_received(get("/users") + get("/users/1"))
    assert statuses(transport.take()) == [200, 404]
    connection.data_received(get("/users", "Connection: close"))
    assert statuses(transport.take()) == [200] and transport.eof_written  # FIN after it
    # an answer, then the server stops: the answer goes before the close
    other, other_transport = lab.connect()
    other.data_received(get("/users"))
    other.stop()
    assert statuses(other_transport.take()) == [200] and other_transport.closed
    for flush in turn_ends:  # nothing is left to write, and nothing is written twice
        flush()
    assert transport.take() == b"" and other_transport.take() == b""
