"""The Python load generator: `bench/run.py`'s fallback when `wrk` is not installed.

    python bench/pyload.py --port 8080 --connections 50 --duration 5 [--path /users]

Opens `--connections` keep-alive connections to 127.0.0.1 and keeps one request in flight on
each (send, read the whole response by its Content-Length, send again) for `--duration`
seconds, then prints one JSON line: requests, seconds, p50/p99 latency in ms and errors. One
asyncio loop on one core: it tops out far below wrk, which is why `run.py` also measures its
ceiling against a trivial server and prints it next to the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"  # never anything else: this generates load


@dataclass
class Tally:
    stop_at: float
    done: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


class LoadConnection(asyncio.Protocol):
    """Keeps one request in flight: send, read a whole response, send again."""

    def __init__(self, request: bytes, tally: Tally, finished: asyncio.Future[None]) -> None:
        self.request = request
        self.tally = tally
        self.finished = finished
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent_at = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            total = _response_length(self.buffer)
            if total is None or len(self.buffer) < total:
                return
            now = time.perf_counter()
            tally = self.tally
            if not self.buffer.startswith(b"HTTP/1.1 2"):
                tally.errors += 1
            del self.buffer[:total]
            tally.done += 1
            tally.latencies.append(now - self.sent_at)
            assert self.transport is not None
            if now >= tally.stop_at:
                self.transport.close()
                return
            self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            self.tally.errors += 1
        if not self.finished.done():
            self.finished.set_result(None)


def _response_length(buffer: bytearray) -> int | None:
    """Head plus body length of the response at the start of `buffer`, once its head is in."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError("a response without Content-Length: this generator needs one")
    line_end = head.find(b"\r\n", at + 2)
    digits = head[at + 17 : line_end if line_end > 0 else None].strip(b" \t")
    if not digits.isdigit():
        raise RuntimeError(f"a Content-Length that is not a number: {digits!r}")
    return end + 4 + int(digits)


async def drive(port: int, path: str, connections: int, seconds: float) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode("ascii")
    tally = Tally(stop_at=time.perf_counter() + seconds)
    futures = []
    start = time.perf_counter()
    for _ in range(connections):
        finished: asyncio.Future[None] = loop.create_future()
        futures.append(finished)
        await loop.create_connection(
            lambda f=finished: LoadConnection(request, tally, f),  # type: ignore[misc]
            HOST,
            port,
        )
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - start
    ordered = sorted(tally.latencies) or [float("nan")]
    return {
        "requests": float(tally.done),
        "seconds": elapsed,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] * 1000,
        "errors": float(tally.errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="on 127.0.0.1")
    parser.add_argument("--path", default="/users", help="the request target")
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-d", "--duration", type=float, default=5.0, help="seconds")
    args = parser.parse_args()
    result = asyncio.run(drive(args.port, args.path, args.connections, args.duration))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
