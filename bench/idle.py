"""Many idle keep-alive connections: does the server hold them, at what memory, and does a new
request still answer fast? (issue 12's "5,000 idle keep-alive connections" target)

Each connection sends one `GET /users`, reads its response and then stays open, silent. Once
all are held, the server's resident memory (its process tree) is read and requests are sent by
hand on fresh connections, one after another; the held connections are then checked to be
still open (the server did not drop them).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

from harness import HOST, request_by_hand, tree_rss_mib

BATCH = 200  # connections opened at once: a listen backlog takes this without SYN drops


@dataclass(frozen=True)
class IdleResult:
    wanted: int
    held: int
    still_open: int
    rss_before_mib: float
    rss_held_mib: float
    probe_median_ms: float
    probe_max_ms: float
    seconds_to_open: float


async def _open_one(port: int, request: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value.strip(b" \t"))
    await reader.readexactly(length)
    return reader, writer


async def _hold(port: int, path: str, count: int, pid: int, probes: int) -> IdleResult:
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode("ascii")
    rss_before = tree_rss_mib(pid)
    held: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    start = time.perf_counter()
    try:
        for first in range(0, count, BATCH):
            batch = [_open_one(port, request) for _ in range(min(BATCH, count - first))]
            for outcome in await asyncio.gather(*batch, return_exceptions=True):
                if isinstance(outcome, tuple):
                    held.append(outcome)
        opened = time.perf_counter() - start
        await asyncio.sleep(0.5)  # let the server settle before reading its memory
        rss_held = tree_rss_mib(pid)
        loop = asyncio.get_running_loop()
        times = []
        for _ in range(probes):
            times.append(await loop.run_in_executor(None, request_by_hand, port, path))
        still_open = sum(1 for reader, _ in held if not reader.at_eof())
        return IdleResult(
            count,
            len(held),
            still_open,
            rss_before,
            rss_held,
            statistics.median(times),
            max(times),
            opened,
        )
    finally:
        for _, writer in held:
            writer.close()


def measure(port: int, path: str, count: int, pid: int, probes: int = 10) -> IdleResult:
    return asyncio.run(_hold(port, path, count, pid, probes))
