"""How long `httplab send` takes from process start to its request on the wire.

A listener in this process records the moment the request's first bytes arrive; the time is
measured from just before the child process is spawned. `python -c pass` (the interpreter's
own start-up) and a bare `python -c 'socket connect + send'` are measured the same way in the
same run, so the figure reads against this machine. Target: `httplab send` ≤ 100 ms.

    python bench/bench_send_startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

RESPONSE = b"HTTP/1.1 204 No Content\r\n\r\n"
# Every case runs this checkout's code, whatever the installed package points at.
TREE_ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


class ArrivalListener:
    """Accepts connections; notes the time the first bytes of each arrive, answers 204."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.arrived = threading.Event()
        self.arrival = 0.0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(65536)
                self.arrival = time.perf_counter()
                self.arrived.set()
                if data:
                    conn.sendall(RESPONSE)

    def measure(self, command: list[str], *, expect_bytes: bool = True) -> float:
        """Milliseconds from spawn to arrival (or to exit when nothing is sent)."""
        self.arrived.clear()
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=TREE_ENV
        )
        if expect_bytes:
            if not self.arrived.wait(10):
                process.kill()
                raise RuntimeError(f"no request arrived from {command}")
            elapsed = self.arrival - started
            process.wait(10)
        else:
            process.wait(10)
            elapsed = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"{command} failed: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        return elapsed * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    listener = ArrivalListener()
    to = f"127.0.0.1:{listener.port}"
    python = sys.executable
    bare_send = (
        f"import socket; s = socket.create_connection(('127.0.0.1', {listener.port}));"
        "s.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'); s.recv(100)"
    )
    cases = [
        ("python -c pass (to exit)", [python, "-c", "pass"], False),
        ("python socket send", [python, "-c", bare_send], True),
        ("python -m httplab send", [python, "-m", "httplab", "send", "GET /", "--to", to], True),
    ]
    # The console script next to this interpreter, as a user runs it; not a `which` hit, which
    # may be a pyenv shim (a bash script that starts more processes) or another checkout.
    beside = Path(sys.executable).with_name("httplab")
    script = str(beside) if beside.exists() else shutil.which("httplab")
    if script is not None:
        cases.append(("httplab send (script)", [script, "send", "GET /", "--to", to], True))
    results: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    for _ in range(args.runs):  # interleaved, so drift in machine load hits every case alike
        for name, command, expect in cases:
            results[name].append(listener.measure(command, expect_bytes=expect))
    baseline = statistics.median(results[cases[0][0]])
    bare_send = statistics.median(results[cases[1][0]])
    print(f"{'':30} {'median ms':>10} {'min ms':>8} {'vs python -c pass':>18}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:30} {median:10.1f} {min(times):8.1f} {median / baseline:17.2f}x")
    for name, _, _ in cases[2:]:
        median = statistics.median(results[name])
        verdict = "within" if median <= 100 else "OVER"
        print(
            f"\n{name}: request on the wire after {median:.1f} ms ({verdict} the 100 ms target;"
            f" {median - bare_send:+.1f} ms over a bare python socket send, measured the same way)"
        )


if __name__ == "__main__":
    main()
