"""What tracing costs: server throughput with the trace bus on vs off, and memory after 100,000
exchanges through the bus.

    python bench/bench_trace.py [--requests 20000] [--rounds 3] [--memory-requests 100000]
                                [--gc-only]

The server (users app) runs in this process; the load comes from separate processes (so the
clients do not share the server's GIL), each holding keep-alive connections and sending
`GET /users/1` one request at a time per connection. Trace off and on alternate, and the
median of the rounds is reported. The target (issue 4) is on ≥ 75 % of off.

Memory: one server with a default TraceBus (10,000 items) takes `--memory-requests` requests;
resident memory (VmRSS) is read after the ring first fills and at the end.
`serve --trace` tunes the garbage collector (see httplab.tui.trace_command), so the trace-on
rounds do too; `--no-gc-tuning` measures without it. Every round starts from a collected heap.
Throughput is measured after a warm-up that fills the ring (`--warmup 0` for a cold start:
while the ring grows the heap grows too, and that phase costs more). The bus keeps at most
10,000 items and 128 MiB of wire bytes, so RSS must stop growing once the ring is full.

Collector pauses: `--memory-requests` exchanges are published through a bus in this process
with the records kept parsed (as before issue 12.4) and compact, and every collection is timed
with `gc.callbacks` (count, total, p99 and longest pause).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import socket
import statistics
import time
from dataclasses import dataclass

from httplab.server import HTTPServer
from httplab.server.apps.users import UsersApp
from httplab.trace.bus import TraceBus
from httplab.trace.records import ExchangeRecord
from httplab.tui.trace_command import tune_garbage_collector

REQUEST = b"GET /users/1 HTTP/1.1\r\nHost: bench\r\n\r\n"
CREATE = (
    b"POST /users HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
    b'Content-Length: 23\r\n\r\n{"name":"ada","age":36}'
)


def read_response(sock: socket.socket, buffer: bytes) -> bytes:
    """Read one Content-Length response; returns the bytes after it."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed")
        rest += chunk
    return rest[length:]


def client_process(port: int, connections: int, requests: int, start: object) -> None:
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
    buffers = [b""] * connections
    start.wait()  # type: ignore[attr-defined]
    for n in range(requests):
        i = n % connections
        socks[i].sendall(REQUEST)
        buffers[i] = read_response(socks[i], buffers[i])
    for sock in socks:
        sock.close()


def run_load(port: int, total: int, processes: int, connections: int) -> float:
    """Requests per second for `total` requests spread over the client processes."""
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    per_process = total // processes
    workers = [
        ctx.Process(target=client_process, args=(port, connections, per_process, start))
        for _ in range(processes)
    ]
    for w in workers:
        w.start()
    time.sleep(0.3)  # let every connection open before the clock starts
    began = time.perf_counter()
    start.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    if any(w.exitcode for w in workers):
        raise RuntimeError("a load process failed")
    return per_process * processes / elapsed


def seed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(CREATE)
        read_response(sock, b"")


@dataclass
class Run:
    rate: float  # requests per second (wall clock)
    cpu_us: float  # CPU time of this process (the server's threads) per request, microseconds


def throughput(
    traced: bool, total: int, processes: int, connections: int, warmup: int, tune_gc: bool
) -> Run:
    # A previous round's server is kept alive by reference cycles (asyncio, threads) until a
    # full collection; start every round from a collected heap so none inherits another's ring.
    gc.collect()
    bus = TraceBus() if traced else None
    # `serve --trace` tunes the collector (httplab.tui.trace_command); `serve` does not.
    restore = tune_garbage_collector() if traced and tune_gc else (lambda: None)
    try:
        with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
            seed(server.port)
            if warmup:
                run_load(server.port, warmup, processes, connections)
            cpu = time.process_time()
            rate = run_load(server.port, total, processes, connections)
            cpu = time.process_time() - cpu
    finally:
        restore()
    if bus is not None:
        assert bus.last_seq >= total + warmup, "the bus did not see every exchange"
    return Run(rate, cpu / total * 1e6)


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory(total: int, processes: int, connections: int, tune_gc: bool) -> None:
    bus = TraceBus()
    restore = tune_garbage_collector() if tune_gc else (lambda: None)
    try:
        with HTTPServer(UsersApp(), port=0, tracer=bus) as server:
            seed(server.port)
            before = rss_mib()
            run_load(server.port, bus.capacity, processes, connections)  # fill the ring once
            full = rss_mib()
            run_load(server.port, total - bus.capacity, processes, connections)
            end = rss_mib()
    finally:
        restore()
    exchanges = sum(isinstance(i, ExchangeRecord) for i in bus.snapshot())
    wire = bus.held_bytes / 2**20
    print(
        f"memory: {bus.last_seq:,} trace items published ({bus.dropped:,} dropped), "
        f"{len(bus):,} held ({exchanges:,} exchanges, {wire:.1f} MiB wire bytes)"
    )
    print(
        f"  RSS before load {before:.1f} MiB, ring full {full:.1f} MiB, "
        f"after {bus.last_seq:,} items {end:.1f} MiB "
        f"(growth after the ring filled: {end - full:+.1f} MiB)"
    )


def gc_pauses(total: int, compact: bool, tune_gc: bool) -> None:
    """Publish `total` exchanges (parsed afresh, as the server builds them) through a bus and
    time every collection with gc.callbacks; `compact=False` keeps the parsed objects (before
    issue 12.4's compact records)."""
    from httplab.trace.records import parse_request, parse_response

    raw_request = b"GET /users?limit=2 HTTP/1.1\r\nHost: bench\r\nAccept: */*\r\n\r\n"
    raw_response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nVary: Accept\r\n"
        b"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: httplab\r\nContent-Length: 3\r\n\r\n[]\n"
    )
    gc.collect()
    pauses: list[float] = []
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started[0])

    bus = TraceBus()
    restore = tune_garbage_collector() if tune_gc else (lambda: None)
    if not compact:
        bus_compact, ExchangeRecord.compact = ExchangeRecord.compact, lambda self: False  # type: ignore[method-assign]
    gc.callbacks.append(on_gc)
    began = time.perf_counter()
    try:
        for number in range(total):
            parsed = parse_request(raw_request)
            assert parsed is not None
            head, request = parsed
            bus.publish(
                ExchangeRecord(
                    1,
                    number,
                    time.time(),
                    "127.0.0.1:1",
                    raw_request,
                    raw_response,
                    request,
                    head,
                    parse_response(raw_response, "GET"),
                )
            )
    finally:
        elapsed = time.perf_counter() - began
        gc.callbacks.remove(on_gc)
        restore()
        if not compact:
            ExchangeRecord.compact = bus_compact  # type: ignore[method-assign]
    pauses.sort()
    worst = pauses[-1] * 1000 if pauses else 0.0
    p99 = pauses[int(len(pauses) * 0.99)] * 1000 if pauses else 0.0
    print(
        f"gc, {total:,} exchanges through the bus, records {'compact' if compact else 'parsed'}"
        f" (collector tuning {'on' if tune_gc else 'off'}): {len(pauses)} collections, "
        f"{sum(pauses) * 1000:.0f} ms in all, p99 {p99:.2f} ms, longest {worst:.1f} ms; "
        f"{elapsed / total * 1e6:.1f} us per exchange (parse + publish)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4, help="per load process")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument(
        "--warmup",
        type=int,
        default=10_000,
        help="requests before measuring, on both servers (fills the ring: a server that has "
        "run a while); 0 measures from a cold start, where the ring is still growing",
    )
    parser.add_argument(
        "--no-gc-tuning",
        action="store_true",
        help="trace on without the collector tuning `serve --trace` applies (for comparison)",
    )
    parser.add_argument(
        "--gc-only",
        action="store_true",
        help="only the collector measurement: pauses with records compact vs parsed",
    )
    args = parser.parse_args()
    tune_gc = not args.no_gc_tuning
    for compact in (False, True):
        gc_pauses(args.memory_requests, compact, tune_gc)
    if args.gc_only:
        return

    memory(args.memory_requests, args.processes, args.connections, tune_gc)  # a clean baseline
    off: list[Run] = []
    on: list[Run] = []
    for _ in range(args.rounds):
        load = (args.requests, args.processes, args.connections, args.warmup, tune_gc)
        off.append(throughput(False, *load))
        on.append(throughput(True, *load))
    off_rate = statistics.median(r.rate for r in off)
    on_rate = statistics.median(r.rate for r in on)
    off_cpu = statistics.median(r.cpu_us for r in off)
    on_cpu = statistics.median(r.cpu_us for r in on)
    print(
        f"throughput ({args.requests:,} requests x {args.rounds} rounds after "
        f"{args.warmup:,} warm-up requests, "
        f"{args.processes} load processes x {args.connections} keep-alive connections, "
        f"collector tuning {'on' if tune_gc else 'off'}):"
    )
    for name, rate, cpu, runs in (("off", off_rate, off_cpu, off), ("on ", on_rate, on_cpu, on)):
        rounds = ", ".join(f"{r.rate:,.0f}" for r in runs)
        print(f"  trace {name} {rate:,.0f} req/s, {cpu:.0f} us server CPU/request  ({rounds})")
    print(f"  on/off = {on_rate / off_rate:.0%} (target >= 75%)")
    # Wall-clock rates move with whatever else the machine runs; CPU per request does not.
    print(f"  CPU per request off/on = {off_cpu / on_cpu:.0%} (the same ratio, less noisy)")


if __name__ == "__main__":
    main()
