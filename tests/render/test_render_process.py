"""The plain printer can render in a child process (issue 12.4): same text, in order, and
back to rendering in its own thread when the child is gone."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from render_records import make_record, users_record

from httplab.render import printer as printer_module
from httplab.render.printer import PlainPrinter, RenderBudget, plain_console
from httplab.render.render_process import RenderProcess, renderer_cores
from httplab.trace.bus import TraceBus
from httplab.trace.records import ConnectionEvent

CHILD_PATIENCE = 120.0
"""How long a test waits for the render child to print and exit: a guard against a hang, not a
speed requirement. The child runs at nice 19, so beside busy processes it gets 1.5 % of a core
or less: its start alone (≈ 0.3 s of CPU, importing rich) took 16 s beside two CPU burners,
more than the 5 s a stopping server allows it (the product's limit, so that Ctrl-C does not
wait; not this test's)."""


@pytest.mark.timeout(CHILD_PATIENCE + 60)
def test_a_child_process_prints_what_the_thread_would(tmp_path: Path) -> None:
    path = tmp_path / "trace.txt"
    with path.open("w") as out:
        renderer = RenderProcess.for_stream(out, color=False, theme="dark", width=80)
        assert renderer is not None
        bus = TraceBus()
        printer = PlainPrinter(bus, plain_console(out), renderer=renderer).start()
        try:
            bus.publish(ConnectionEvent(3, "opened", 1_700_000_000.0, "127.0.0.1:50000"))
            bus.publish(users_record())
            bus.publish(make_record(b"GET /\x1b[2J HTTP/1.1\r\nHost: a\r\n\r\n"))
        finally:
            printer.stop(timeout=CHILD_PATIENCE)
        assert renderer.process.returncode == 0
    text = path.read_text()
    assert printer.printed == 2
    assert text.index("#3 connection opened") < text.index("GET /users?limit=2&tag=a&tag=b")
    assert "GET /\\x1b[2J HTTP/1.1\\r\\n" in text and "\x1b" not in text


def test_a_stream_without_a_file_renders_in_the_thread() -> None:
    import io

    assert RenderProcess.for_stream(io.StringIO(), color=False, theme="dark", width=80) is None


def test_when_the_child_is_gone_the_thread_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every render here seems to take 5 s, as a cold one may on a loaded machine: the printer
    # learns that cost, and the test must not depend on how fast rendering is.
    monkeypatch.setattr(printer_module, "time", SlowClock())
    path = tmp_path / "trace.txt"
    with path.open("w") as out:
        renderer = RenderProcess.for_stream(out, color=False, theme="dark", width=80)
        assert renderer is not None
        renderer.process.kill()
        renderer.process.wait()
        bus = TraceBus()
        printer = PlainPrinter(bus, plain_console(out), renderer=renderer)
        bus.publish(users_record())
        printer.print_pending()  # the first send fails: the batch is rendered here
        assert printer.renderer is None and printer.printed == 1
        # This test is about the fallback, not the budget: one that cannot run out (the
        # allowance when stopping, FINAL_ALLOWANCE, would not pay for a 5 s render)
        printer.budget = RenderBudget(1.0, 1e9)
        bus.publish(users_record())
        printer.print_pending()
        assert printer.printed == 2 and printer.skipped == 0
    assert path.read_text().count("GET /users?limit=2&tag=a&tag=b HTTP/1.1") == 2


class SlowClock:
    """`time` for the printer module: `perf_counter` advances 5 s a call (a render, timed by
    two calls, takes 5 s); the rest is the real module's."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 5.0
        return self.now

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.mark.timeout(CHILD_PATIENCE + 60)
def test_a_record_that_cannot_be_sent_is_named_and_the_rest_printed(tmp_path: Path) -> None:
    path = tmp_path / "trace.txt"
    odd = users_record()
    odd.peer = lambda: None  # type: ignore[assignment]  # pickle refuses a lambda
    with path.open("w") as out:
        renderer = RenderProcess.for_stream(out, color=False, theme="dark", width=80)
        assert renderer is not None
        bus = TraceBus()
        printer = PlainPrinter(bus, plain_console(out), renderer=renderer).start()
        try:
            bus.publish(odd)
            bus.publish(make_record(b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n"))
        finally:
            printer.stop(timeout=CHILD_PATIENCE)
        assert renderer.process.returncode == 0
    text = path.read_text()
    assert "could not be shown" in text
    assert "GET /next HTTP/1.1" in text


def test_a_child_that_cannot_finish_is_said_to_have_been_stopped(tmp_path: Path) -> None:
    """A starved render child (here: stopped with SIGSTOP, so it never reads) is killed when
    its time is up, and one line says the trace may end early instead of ending silently."""
    path = tmp_path / "trace.txt"
    with path.open("w") as out:
        renderer = RenderProcess.for_stream(out, color=False, theme="dark", width=80)
        assert renderer is not None
        os.kill(renderer.process.pid, signal.SIGSTOP)
        bus = TraceBus()
        printer = PlainPrinter(bus, plain_console(out), renderer=renderer)
        bus.publish(users_record())
        printer.print_pending()  # handed to the child, which will never print it
        printer.stop(timeout=0.2)  # not a measure: a stopped child never finishes
        assert renderer.process.returncode is not None
    text = path.read_text()
    assert "GET /users?limit=2" not in text
    assert (
        text.count("\n") == 1
        and "render process was stopped: it had not printed everything" in text
    )


def test_the_child_leaves_a_pinned_servers_cores_to_it() -> None:
    assert renderer_cores({0}, {0, 1}) == {1}  # `taskset -c 0 httplab serve …`
    assert renderer_cores({0, 1}, {0, 1, 2, 3}) == {2, 3}
    assert renderer_cores({0, 1}, {0, 1}) == {0, 1}  # not pinned: any core
    assert renderer_cores({0}, {0}) == {0}  # one core: there is no other
