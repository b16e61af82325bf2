"""Memory and latency of `httplab serve` under resource attacks (issue 7 #10, #11, deliver 4).

Starts `httplab serve` (127.0.0.1, a free port) in a subprocess for each scenario, attacks it
from this process for a bounded time, and prints the server's peak RSS (VmHWM) and how long a
fresh client (another thread, a new connection each time) waits for `GET /users/1` meanwhile.
Everything stops by itself. On two cores the attacker shares the CPU with the server.

    python bench/bench_memory.py                 # every scenario, about 2 minutes
    python bench/bench_memory.py --only budget   # one scenario: trace, users, budget
    python bench/bench_memory.py --scale 0.2     # a quick run with a fifth of the load

Scenarios
  trace    `serve --trace --plain` (stdout to /dev/null) and 60 POSTs of 10 MiB in turn
  users    100,000 users, then 200 connections that send `GET /users` (HTML) and never read
  budget   at once: 40 connections uploading 10 MiB bodies, 2,000 connections sending heads just
           under the 64 KiB limit and never finishing them, 20 clients pipelining 1 MiB of
           requests without reading an answer
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"  # never anything else: this generates load
MIB = 1024 * 1024
FRESH_PROBES = 20


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "httplab", "serve", "--port", "0", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        port = None
        for _ in range(5):
            line = self.process.stderr.readline()
            found = re.search(r"127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        if port is None:
            raise SystemExit("the server did not start")
        self.port = port
        # stderr is not read any more: the access log is off in the scenarios that flood it
        self.baseline = rss_mb(self.process.pid)

    def stop(self) -> float:
        peak = rss_mb(self.process.pid, "VmHWM")
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return peak


def request(port: int, data: bytes, timeout: float = 10.0) -> tuple[int, float]:
    """Send one request on a fresh connection; (status, seconds until the status line)."""
    start = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(data)
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, time.perf_counter() - start
            head += chunk
    return int(head[9:12]), time.perf_counter() - start


def get(target: str, *headers: str) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: bench", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def probe(port: int) -> list[float]:
    """Milliseconds a fresh client waits for GET /users/1, FRESH_PROBES times."""
    times = []
    for _ in range(FRESH_PROBES):
        _, seconds = request(port, get("/users/1"))
        times.append(seconds * 1000)
        time.sleep(0.02)
    return times


def report(name: str, server: Server, times: list[float], note: str = "") -> None:
    peak = server.stop()
    p50 = statistics.median(times) if times else float("nan")
    worst = max(times) if times else float("nan")
    print(
        f"{name:7} RSS {server.baseline:6.1f} MB at start, peak {peak:7.1f} MB | fresh "
        f"GET /users/1: median {p50:6.2f} ms, max {worst:7.2f} ms {note}",
        flush=True,
    )


class Flood:
    """Non-blocking sockets that keep sending their payload while `pump()` is called."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self.sockets: list[socket.socket] = []

    def add(self, port: int, payload: bytes) -> None:
        sock = socket.create_connection((HOST, port))
        sock.setblocking(False)
        self.sockets.append(sock)
        self.selector.register(sock, selectors.EVENT_WRITE, [memoryview(payload), 0])

    def pump(self, seconds: float) -> None:
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up:
            for key, _ in self.selector.select(timeout=0.05):
                payload, sent = key.data
                try:
                    sent += key.fileobj.send(payload[sent : sent + 256 * 1024])  # type: ignore[union-attr]
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # refused and closed by the server
                    self.selector.unregister(key.fileobj)
                    continue
                key.data[1] = sent
                if sent >= len(payload):
                    self.selector.unregister(key.fileobj)

    def pump_while_probing(self, port: int, seconds: float) -> list[float]:
        """Keep the flood going for `seconds` while another thread probes from 1 s on."""
        times: list[float] = []

        def probing() -> None:
            time.sleep(1.0)
            times.extend(probe(port))

        thread = threading.Thread(target=probing)
        thread.start()
        self.pump(seconds)
        thread.join()
        return times

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        self.selector.close()


def scenario_trace(scale: float) -> None:
    server = Server("--trace", "--plain")
    body = b"x" * (10 * MIB)
    head = b"POST /users HTTP/1.1\r\nHost: bench\r\nContent-Type: text/plain\r\n"
    uploads = max(1, int(60 * scale))
    for _ in range(uploads):
        request(server.port, head + b"Content-Length: %d\r\n\r\n" % len(body) + body, 60)
    report("trace", server, probe(server.port), f"({uploads} POSTs of 10 MiB under --trace)")


def scenario_users(scale: float) -> None:
    server = Server("--no-access-log")
    users = int(100_000 * scale)
    batch = get("/users?name=u&age=1").replace(b"GET", b"POST", 1)
    with socket.create_connection((HOST, server.port)) as sock:
        for start in range(0, users, 1000):
            count = min(1000, users - start)
            sock.sendall(batch * count)
            received = 0
            while received < count:
                received += sock.recv(1 << 20).count(b"HTTP/1.1 201")
    flood = Flood()
    for _ in range(int(200 * scale) or 1):
        flood.add(server.port, get("/users", "Accept: text/html") * 50)
    times = flood.pump_while_probing(server.port, 6.0)
    flood.close()
    report("users", server, times, f"({users:,} users, {len(flood.sockets)} non-readers)")


def scenario_budget(scale: float) -> None:
    server = Server("--no-access-log")
    flood = Flood()
    body_head = b"POST /users HTTP/1.1\r\nHost: bench\r\nContent-Length: %d\r\n\r\n"
    for _ in range(int(40 * scale) or 1):
        flood.add(server.port, body_head % (10 * MIB) + b"x" * (10 * MIB))
    pad = b"X-Pad: " + b"p" * 8000 + b"\r\n"
    for _ in range(int(2000 * scale) or 1):
        flood.add(server.port, b"GET /users HTTP/1.1\r\nHost: bench\r\n" + pad * 7)
    for _ in range(int(20 * scale) or 1):
        flood.add(server.port, get("/users") * (MIB // len(get("/users"))))
    times = flood.pump_while_probing(server.port, 10.0)
    flood.close()
    report("budget", server, times, f"({len(flood.sockets)} attacking connections)")


SCENARIOS = {"trace": scenario_trace, "users": scenario_users, "budget": scenario_budget}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated scenarios: " + ", ".join(SCENARIOS))
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full load")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    print(f"httplab serve on {HOST}, python {sys.version.split()[0]}, pid {os.getpid()}")
    for name in chosen:
        SCENARIOS[name](args.scale)


if __name__ == "__main__":
    main()
