"""What tracing costs the server's thread per exchange, without sockets or a load generator.

    python bench/trace_cost.py [--requests N] [--mode off|bus|printer] [--tree PATH]
    valgrind --tool=callgrind python bench/trace_cost.py --callgrind   # instructions, all modes

One `HTTPConnection` is fed `GET /users` (the users API with two users) N times through an
in-memory transport, on one thread: the parser, the app, the serializer and, with a tracer,
the record the server builds and the bus's publish — nothing else. Modes:

- `off`: no tracer (`serve --no-access-log`);
- `bus`: a `TraceBus` nobody listens to (records built, compacted, kept in the ring);
- `printer`: the bus with the plain printer's subscription (what `serve --trace --plain`
  adds on the server's thread; its own thread and the render child are not measured here).

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
MODES = ("off", "bus", "printer")


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


def run(mode: str, requests: int) -> float:
    """Feed `requests` exchanges through one connection; CPU seconds per exchange."""
    from httplab.server.apps.users import UsersApp
    from httplab.server.connection import HTTPConnection
    from httplab.server.context import ServerSettings, ServerState
    from httplab.trace.bus import TraceBus

    app = UsersApp()
    app.store.seed(2)
    tracer = None
    if mode != "off":
        tracer = TraceBus()
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
    started = time.process_time()
    for _ in range(requests):
        connection.data_received(REQUEST)
    spent = time.process_time() - started
    assert transport.written > 0
    return spent / requests


def callgrind(mode: str, few: int, many: int, tree: Path | None) -> float:
    """Instructions per exchange in `mode`, from two runs under callgrind."""
    counts = []
    for requests in (few, many):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "callgrind.out"
            command = [
                *("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"),
                *(sys.executable, __file__, "--mode", mode, "--requests", str(requests)),
                *(("--tree", str(tree)) if tree is not None else ()),
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            found = re.search(r"Collected : (\d+)", done.stderr)
            if found is None:
                raise RuntimeError(f"callgrind said: {done.stderr[-500:]}")
            counts.append(int(found.group(1)))
    return (counts[1] - counts[0]) / (many - few)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=MODES, default=None, help="one mode (default: all)")
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--tree", type=Path, help="the httplab checkout to import")
    parser.add_argument(
        "--callgrind", action="store_true", help="instructions per exchange under callgrind"
    )
    options = parser.parse_args(argv)
    if options.tree is not None:
        sys.path.insert(0, str(options.tree.resolve()))
    modes = [options.mode] if options.mode else list(MODES)
    if options.callgrind:
        if shutil.which("valgrind") is None:
            print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
            return 2
        figures = {mode: callgrind(mode, 1000, 6000, options.tree) for mode in modes}
        unit, scale = "instructions", 1.0
    else:
        figures = {mode: run(mode, options.requests) for mode in modes}
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
