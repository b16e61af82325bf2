"""What the full-screen trace view costs its process during a flood of exchanges (issue 12.4).

    python bench/bench_tui_flood.py [--rate 15000] [--seconds 4] [--tree PATH]

The real trace screen (120x35, VT100 output to /dev/null) runs on this process's main thread,
as under `serve --trace`; a second thread publishes ready-made `GET /users` records to its
bus at `--rate` a second, as the server's thread would. Reported: the screen thread's CPU per
record (what the server's core loses to the view), the redraws during the flood (count, wall
time and CPU of each: a redraw holds the interpreter the server needs), and the collector's
pauses. No network and no load generator, so it is steadier on a busy machine than wrk runs;
`--tree` measures another checkout (e.g. before a change) with the same script.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import threading
import time
from pathlib import Path

RAW = b"GET /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n"
BODY = (
    b'[{"id":1,"name":"ada","email":"ada@example.com"},'
    b'{"id":2,"name":"bob","email":"bob@example.com"}]'
)


def thread_cpu(native_id: int) -> float:
    fields = Path(f"/proc/self/task/{native_id}/stat").read_text()
    values = fields[fields.rindex(")") + 2 :].split()
    return (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")


async def flood(rate: float, seconds: float) -> None:
    from prompt_toolkit.data_structures import Size
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output.vt100 import Vt100_Output

    from httplab.trace.bus import TraceBus
    from httplab.tui.controller import TraceOptions
    from httplab.tui.run import TraceScreen
    from tests.tui.records import record_for

    count = int(rate * seconds)
    records = [
        record_for(RAW, 200, BODY, connection_id=1 + i % 50, number=1 + i // 50)
        for i in range(count)
    ]
    for record in records:
        record.seq = 0
    bus = TraceBus()
    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the screen's whole life)
    output = Vt100_Output(sink, lambda: Size(rows=35, columns=120), term="xterm-256color")
    walls: list[float] = []
    cpus: list[float] = []
    started = [0.0, 0.0]
    pauses: list[tuple[int, float]] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    with create_pipe_input() as keys:
        screen = TraceScreen(bus, TraceOptions(), input=keys, output=output)
        application = screen.application

        def before(_: object) -> None:
            started[:] = [time.perf_counter(), time.thread_time()]

        def after(_: object) -> None:
            walls.append(time.perf_counter() - started[0])
            cpus.append(time.thread_time() - started[1])

        application.before_render += before
        application.after_render += after
        task = asyncio.create_task(screen.run_async())
        while not application.is_running:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        done = threading.Event()

        def publish() -> None:
            begin = time.perf_counter()
            sent = 0
            while sent < count:
                due = min(count, int((time.perf_counter() - begin) * rate))
                while sent < due:
                    bus.publish(records[sent])
                    sent += 1
                time.sleep(0.002)
            done.set()

        walls.clear()
        cpus.clear()
        gc.callbacks.append(on_gc)
        native_id = threading.get_native_id()
        cpu_before, wall_before = thread_cpu(native_id), time.perf_counter()
        publisher = threading.Thread(target=publish)
        publisher.start()
        while not done.is_set():
            await asyncio.sleep(0.05)
        cpu_after, wall_after = thread_cpu(native_id), time.perf_counter()
        gc.callbacks.remove(on_gc)
        redraw_walls, redraw_cpus = list(walls), list(cpus)
        publisher.join()
        keys.send_text("q")
        await task
    sink.close()
    wall = wall_after - wall_before
    cpu = cpu_after - cpu_before
    print(f"{count:,} records at {rate:,.0f}/s over {wall:.1f} s")
    share = 100 * cpu / wall
    print(f"screen thread CPU: {1e6 * cpu / count:.2f} µs per record, {share:.1f}% of wall")
    if redraw_walls:
        print(
            f"redraws during the flood: {len(redraw_walls)} ({len(redraw_walls) / wall:.1f}/s); "
            f"wall median {1e3 * statistics.median(redraw_walls):.1f} ms, "
            f"max {1e3 * max(redraw_walls):.1f} ms; CPU median "
            f"{1e3 * statistics.median(redraw_cpus):.1f} ms, max {1e3 * max(redraw_cpus):.1f} ms, "
            f"total {1e3 * sum(redraw_cpus):.0f} ms"
        )
    longest = max((pause for _, pause in pauses), default=0.0)
    print(f"collections during the flood: {len(pauses)}, longest {1e3 * longest:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=15_000, help="records a second")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of flood")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    options = parser.parse_args()
    sys.path.insert(0, str(options.tree.resolve()))
    from httplab.tui.trace_command import tune_garbage_collector

    print(f"tree: {options.tree.resolve()}")
    restore = tune_garbage_collector()  # as `serve --trace` does
    try:
        asyncio.run(flood(options.rate, options.seconds))
    finally:
        restore()


if __name__ == "__main__":
    main()
