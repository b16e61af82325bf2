"""What tracing costs the server's thread per exchange, without sockets or a load generator.

    python bench/trace_cost.py [--requests N] [--mode off|bus|printer] [--tree PATH]
    valgrind --tool=callgrind python bench/trace_cost.py --callgrind   # instructions, all modes

One `HTTPConnection` is fed `GET /users` (the users API with two users) N times through an
in-memory transport, on one thread: the parser, the app, the serializer and, with a tracer,
the record the server builds and the bus's publish — nothing else. Modes:

- `off`: no tracer (`serve --no-access-log`);
- `bus`: a `TraceBus` nobody listens to (records built, compacted, kept in the ring);
- `printer`: the bus with the plain printer's subscription (what `serve --trace --plain`
  adds on the server's thread; its own thread and the render child are not measured here);
- `plain`: the whole of `serve --trace --plain` in the server's process: the bus, and the real
  `PlainPrinter` reading it every `POLL_EVERY` exchanges on the same thread (the tally of what
  it skips, the pickling of the batch for its render child, which is a stand-in here);
- `tui`: the whole of the trace screen's share: the bus, and the screen's real `BusInbox` and
  `TraceController` (the list's state, the flood watch) taking a batch every `POLL_EVERY`
  exchanges on the same thread (their loop is a stand-in that runs what they schedule; no
  redraw: `bench/bench_tui_flood.py` measures those).

The process is the unit that counts (a pinned server has one core for all its threads), so
`plain` and `tui` are what tracing costs a server, per exchange. `--warmup` exchanges are
sent first (by default enough to fill the bus's ring, so what the ring evicts is counted).

Without `--callgrind` it prints CPU µs per exchange (process time; noisy on a busy machine).
With `--callgrind` it runs itself under callgrind for each mode at two request counts and
prints instructions per exchange (the difference divided by the difference of the counts, so
start-up cancels out): the same figure on a quiet or a busy machine. Needs valgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REQUEST = b"GET /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n"
MODES = ("off", "bus", "printer", "plain", "tui")
POLL_EVERY = 1000
"""Exchanges between two reads of a reader (≈ 25 ms at 40k exchanges a second; the plain
printer's pace). The trace screen reads about once a second in a flood (its redraw interval):
`--poll-every 40000` with the real ring, or `--poll-every 10000 --capacity 2500` for the same
proportion under callgrind."""


class MemoryTransport(asyncio.Transport):
    """Counts what the server writes; never blocks, never closes."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        extra = {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}
        return extra.get(name, default)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def can_write_eof(self) -> bool:
        return True

    def get_write_buffer_size(self) -> int:
        return 0


class StandInLoop:
    """What the screen's inbox asks of its event loop, run by hand: `run()` runs what is due
    (every timer at once: the reads come every `POLL_EVERY` exchanges here)."""

    def __init__(self) -> None:
        self.ready: list[Any] = []

    def call_soon_threadsafe(self, callback: Any, *args: Any) -> None:
        self.ready.append((callback, args))

    def call_later(self, _delay: float, callback: Any, *args: Any) -> None:
        self.ready.append((callback, args))

    def run(self) -> None:
        ready, self.ready = self.ready, []
        for callback, args in ready:
            callback(*args)


class StandInRenderer:
    """The render child's side of the pipe: the batch is pickled, as for the child."""

    def send(self, summary: str | None, items: Any) -> None:
        import pickle

        pickle.dumps((summary, list(items)), protocol=pickle.HIGHEST_PROTOCOL)

    def close(self, timeout: float = 5.0) -> bool:
        return True


EXCHANGE_SECONDS = 25e-6
"""For the plain printer's budget of rendering time: the time an exchange takes at the load the
issue measures (≈ 40k a second), so it sends what it would at that load however slowly this
runs (under callgrind, 50 times slower, a wall clock would let it render 50 times more)."""


class LoadClock:
    """Seconds as the server would see them: EXCHANGE_SECONDS per exchange read."""

    def __init__(self) -> None:
        self.exchanges = 0

    def __call__(self) -> float:
        return self.exchanges * EXCHANGE_SECONDS


def reader(mode: str, tracer: Any, clock: LoadClock) -> Any:
    """For `plain` and `tui`: what reads the bus, as a function called every POLL_EVERY."""
    if mode == "plain":
        import io

        from httplab.render.printer import PlainPrinter, RenderBudget, plain_console

        printer = PlainPrinter(
            tracer,
            plain_console(io.StringIO(), color=False),
            renderer=StandInRenderer(),
            budget=RenderBudget(0.1, 0.1, clock=clock),  # PROCESS_SHARE, PROCESS_BURST
        )
        return printer.print_pending
    from httplab.tui.controller import TraceController, TraceOptions
    from httplab.tui.inbox import BusInbox

    loop = StandInLoop()
    controller = TraceController(TraceOptions())
    inbox = BusInbox(loop, tracer, controller.on_records)  # type: ignore[arg-type]
    if hasattr(inbox, "start"):
        inbox.start()  # it polls the bus (a doorbell when quiet)
    else:
        tracer.subscribe(inbox.wake)  # before: a call per item on the server's thread
    return loop.run


def run(
    mode: str,
    requests: int,
    warmup: int | None = None,
    capacity: int | None = None,
    poll_every: int = POLL_EVERY,
) -> float:
    """Feed `requests` exchanges through one connection (after `warmup`); CPU seconds per
    exchange."""
    from httplab.server.apps.users import UsersApp
    from httplab.server.connection import HTTPConnection
    from httplab.server.context import ServerSettings, ServerState
    from httplab.trace.bus import TraceBus

    app = UsersApp()
    app.store.seed(2)
    tracer = None
    read: Any = None
    clock = LoadClock()
    if mode != "off":
        tracer = TraceBus() if capacity is None else TraceBus(capacity)
        if mode in ("plain", "tui"):
            read = reader(mode, tracer, clock)
        if mode == "printer":
            wake = threading.Event()

            def on_publish(_item: object) -> None:  # PlainPrinter._on_publish
                if not wake.is_set():
                    wake.set()

            tracer.subscribe(on_publish)
        from httplab.tui.trace_command import tune_garbage_collector

        tune_garbage_collector()  # as serve --trace does
    connection = HTTPConnection(ServerState(ServerSettings(app=app, tracer=tracer)))
    transport = MemoryTransport()
    connection.connection_made(transport)

    def send(count: int) -> None:
        if read is None:
            for _ in range(count):
                connection.data_received(REQUEST)
            return
        for done in range(count):
            connection.data_received(REQUEST)
            if done % poll_every == poll_every - 1:
                clock.exchanges += poll_every
                read()

    send(warmup if warmup is not None else (tracer.capacity + poll_every if tracer else 0))
    started = time.process_time()
    send(requests)
    spent = time.process_time() - started
    assert transport.written > 0
    return spent / requests


def callgrind(
    mode: str,
    few: int,
    many: int,
    tree: Path | None,
    warmup: int | None,
    capacity: int,
    poll_every: int = POLL_EVERY,
) -> float:
    """Instructions per exchange in `mode`, from two runs under callgrind."""
    counts = []
    for requests in (few, many):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "callgrind.out"
            command = [
                *("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"),
                *(sys.executable, __file__, "--mode", mode, "--requests", str(requests)),
                *(("--tree", str(tree)) if tree is not None else ()),
                *(("--warmup", str(warmup)) if warmup is not None else ()),
                *("--capacity", str(capacity)),
                *("--poll-every", str(poll_every)),
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            found = re.search(r"Collected : (\d+)", done.stderr)
            if found is None:
                raise RuntimeError(f"callgrind said: {done.stderr[-500:]}")
            counts.append(int(found.group(1)))
    return (counts[1] - counts[0]) / (many - few)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mode", default=None, help=f"comma-separated, of {', '.join(MODES)} (default: all)"
    )
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--tree", type=Path, help="the httplab checkout to import")
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="exchanges sent before measuring (default: enough to fill the ring when traced)",
    )
    parser.add_argument(
        "--callgrind", action="store_true", help="instructions per exchange under callgrind"
    )
    parser.add_argument(
        "--capacity",
        type=int,
        default=None,
        help="the bus's ring (default: the bus's own; 1,000 under --callgrind, which counts "
        "instructions: a smaller ring evicts with the same instructions and fills sooner)",
    )
    parser.add_argument(
        "--poll-every",
        type=int,
        default=POLL_EVERY,
        help=f"exchanges between two reads of the plain printer or the screen (default "
        f"{POLL_EVERY}, the printer's pace; the screen reads about once a second in a flood)",
    )
    options = parser.parse_args(argv)
    if options.tree is not None:
        sys.path.insert(0, str(options.tree.resolve()))
    modes = options.mode.split(",") if options.mode else list(MODES)
    if not set(modes) <= set(MODES):
        parser.error(f"--mode: one or more of {', '.join(MODES)}")
    if options.callgrind:
        if shutil.which("valgrind") is None:
            print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
            return 2
        capacity = options.capacity or 1000
        # at least two reads between the two request counts
        few = max(1000, options.poll_every)
        many = few + max(5000, 2 * options.poll_every)
        figures = {
            mode: callgrind(
                mode, few, many, options.tree, options.warmup, capacity, options.poll_every
            )
            for mode in modes
        }
        unit, scale = "instructions", 1.0
    else:
        figures = {
            mode: run(mode, options.requests, options.warmup, options.capacity, options.poll_every)
            for mode in modes
        }
        unit, scale = "µs CPU", 1e6
    import httplab

    print(f"httplab from {Path(httplab.__file__).parent.parent}, {unit} per exchange")
    base = figures.get("off")
    for mode, value in figures.items():
        extra = f"  (+{(value - base) * scale:,.1f} over off)" if base and mode != "off" else ""
        print(f"{mode:8} {value * scale:12,.1f}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
