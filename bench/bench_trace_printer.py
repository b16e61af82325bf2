"""Does `serve --trace` printing to a pipe or a file slow the server? (issue 12.4)

    python bench/bench_trace_printer.py [--rounds 5] [--seconds 5] [--connections 1 50]
                                        [--baseline PATH]

Runs `httplab serve` three ways — trace off (`--no-access-log` when the tree has it, else the
access log to /dev/null), `--trace --plain > FILE` and `--trace --plain | cat > /dev/null` —
and loads each with `wrk` (keep-alive, `GET /users`). With two or more cores the server is
pinned to core 0 and wrk (and the pipe's reader) to core 1 with `taskset`. Rounds interleave
the modes; medians are printed with the ratio to trace off from the same rounds. While the load
runs, one request is sent by hand on a fresh connection and its round trip reported (the issue's
"< 50 ms" target). `--baseline PATH` also measures another checkout (e.g. before a change) in
the same rounds, so before/after come from one run.

wrk is required (Debian/Ubuntu: `apt-get install wrk`); the Python load generator of
`bench_server.py` tops out far below the server and would hide the printer's cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUEST = b"GET /users HTTP/1.1\r\nHost: bench\r\n\r\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the server did not listen on {port}")


def by_hand(port: int) -> float:
    """Milliseconds for one request on a fresh connection, as a person would send it."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(REQUEST)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return (time.perf_counter() - start) * 1000


def pinned(core: int) -> list[str]:
    return (
        ["taskset", "-c", str(core)]
        if (os.cpu_count() or 1) >= 2 and shutil.which("taskset")
        else []
    )


def run_one(tree: Path, mode: str, connections: int, seconds: float) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [*pinned(0), sys.executable, "-m", "httplab", "serve", "--port", str(port)]
    help_text = subprocess.run(
        [sys.executable, "-m", "httplab", "serve", "--help"],
        env=env,
        cwd=tree,  # `-m` imports from the working directory first
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    reader = None
    with tempfile.TemporaryFile() as sink:
        if mode == "off":
            if "--no-access-log" in help_text:
                command.append("--no-access-log")
            stdout: Any = subprocess.DEVNULL
        else:
            command += ["--trace", "--plain"]
            stdout = sink
        if mode == "pipe":
            reader = subprocess.Popen(
                [*pinned(1), "cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
            )
            stdout = reader.stdin
        server = subprocess.Popen(
            command,
            env=env,
            cwd=tree,
            stdout=stdout,
            stderr=subprocess.DEVNULL,  # type: ignore[arg-type]
        )
        if reader is not None and reader.stdin is not None:
            reader.stdin.close()  # the server holds the pipe now
        hand: list[float] = []
        timer = threading.Timer(seconds / 2, lambda: hand.append(by_hand(port)))
        try:
            wait_listening(port)
            timer.start()
            cpu_before = _cpu_seconds(server.pid)
            duration = f"-d{max(1, round(seconds))}s"
            url = f"http://127.0.0.1:{port}/users"
            wrk = [*pinned(1), "wrk", "-t1", f"-c{connections}", duration, "--latency", url]
            out = subprocess.run(wrk, capture_output=True, text=True, check=True).stdout
            cpu = _cpu_seconds(server.pid) - cpu_before
            timer.join()
        finally:
            timer.cancel()
            server.send_signal(2)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if reader is not None:
                reader.wait(5)
    result = _parse_wrk(out)
    result["hand_ms"] = hand[0] if hand else float("nan")
    result["cpu_us"] = cpu * 1e6 / max(1.0, result["requests"])
    return result


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _parse_wrk(out: str) -> dict[str, float]:
    result = {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "requests": 0.0}
    for line in out.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(words[1])
        elif len(words) == 2 and words[0] in ("50%", "99%"):
            result["p50" if words[0] == "50%" else "p99"] = _ms(words[1])
        elif "requests in" in line:
            result["requests"] = float(words[0])
    return result


def _ms(text: str) -> float:
    for suffix, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    return float(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--baseline", type=Path, help="another checkout to measure alongside")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk (or build it from its repository)")
        return 2
    trees = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    configs = [
        (name, tree, mode, c)
        for c in args.connections
        for name, tree in trees.items()
        for mode in ("off", "file", "pipe")
    ]
    results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    for number in range(args.rounds):
        for name, tree, mode, c in configs:
            result = run_one(tree, mode, c, args.seconds)
            results.setdefault((name, mode, c), []).append(result)
            print(
                f"round {number + 1} {name:8} {mode:4} c={c:<3} {result['rps']:9,.0f} req/s "
                f"p99 {result['p99']:7.2f} ms  by hand {result['hand_ms']:6.1f} ms",
                flush=True,
            )
    print(f"\nmedians of {args.rounds} interleaved rounds, wrk {args.seconds:g} s, keep-alive")
    print(f"{'tree':8} {'mode':4} {'c':>3} {'req/s':>9} {'×off':>6} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'hand ms':>8} {'cpu µs/req':>10}")  # fmt: skip
    for (name, mode, c), rows in results.items():
        med = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        off = statistics.median(r["rps"] for r in results[(name, "off", c)])
        print(
            f"{name:8} {mode:4} {c:>3} {med['rps']:9,.0f} {med['rps'] / off:6.2f} "
            f"{med['p50']:7.2f} {med['p99']:7.2f} {med['hand_ms']:8.1f} {med['cpu_us']:10.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
