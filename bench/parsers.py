"""Parser microbenchmark: httplab's `RequestParser` against h11 and httptools, same requests.

Each parser gets the whole buffer of bench_parse.py's workloads (a curl GET, a JSON POST, a
chunked POST; 100 pipelined GETs where the parser can take them without responses being sent
— h11 cannot) and is run until every request's end (its EndOfMessage or last callback; none
goes on to read the close); the figure is CPU µs per request, the best of `rounds` rounds.
Every parser builds what a server needs: the method, the target, the header list and the body.
What each side builds, and nothing less:
- httplab: a `RequestHead` (method and target as str, version, `Headers` of one `Field` per
  line — name, value, lower-case name — walked once as the users app walks them, the framing,
  keep-alive, notes; spans are worked out only when a view asks), a `Data` per body piece (per
  chunk), an `EndOfMessage` with the trailers and the whole raw message;
- h11: its `Request` event (its header list of (raw name, lower name, value) per line), a
  `Data` per body piece, its `EndOfMessage`;
- httptools: the callbacks of `_HttptoolsSink` (target, (name, value) pairs, body pieces).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from typing import Any

import bench_parse

Parse = Callable[[bytes], int]  # a buffer in, the number of complete requests out

WORKLOADS: dict[str, tuple[bytes, int]] = bench_parse.WORKLOADS
PARSERS = ("httplab", "h11", "httptools")


def httplab_parse(data: bytes) -> int:
    return bench_parse.parse_all(data)


def h11_parse(data: bytes) -> int:
    import h11

    connection = h11.Connection(h11.SERVER)
    connection.receive_data(data)
    connection.receive_data(b"")
    while True:
        event = connection.next_event()
        if type(event) is h11.EndOfMessage:
            return 1
        if event is h11.NEED_DATA or event is h11.PAUSED or type(event) is h11.ConnectionClosed:
            return 0


class _HttptoolsSink:
    """The callbacks a server gives httptools: keep the target, headers and body."""

    __slots__ = ("body", "done", "headers", "url")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.done = 0

    def on_url(self, url: bytes) -> None:
        self.url = url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done += 1


def httptools_parse(data: bytes) -> int:
    import httptools

    sink = _HttptoolsSink()
    parser: Any = httptools.HttpRequestParser(sink)
    parser.feed_data(data)
    parser.get_method()
    return sink.done


FUNCTIONS: dict[str, Parse] = {
    "httplab": httplab_parse,
    "h11": h11_parse,
    "httptools": httptools_parse,
}


def available(name: str) -> bool:
    return name == "httplab" or importlib.util.find_spec(name) is not None


def supports(name: str, per_buffer: int) -> bool:
    return per_buffer == 1 or name != "h11"


def cpu_us_per_request(parse: Parse, data: bytes, per_buffer: int, seconds: float) -> float:
    """CPU µs per request over about `seconds` of process time (steadier than wall time on a
    shared machine)."""
    if parse(data) != per_buffer:
        raise RuntimeError(f"{parse.__name__} did not find {per_buffer} request(s)")
    runs = 0
    start = time.process_time()
    deadline = start + seconds
    while time.process_time() < deadline:
        for _ in range(20):
            parse(data)
        runs += 20
    return (time.process_time() - start) / (runs * per_buffer) * 1e6


def measure(
    rounds: int, seconds: float, progress: Callable[[str], None]
) -> dict[str, dict[str, float]]:
    """{workload: {parser: best CPU µs per request}}; parsers not installed are left out.
    Rounds interleave the parsers, so a burst of load from elsewhere hits them alike."""
    results: dict[str, dict[str, float]] = {}
    for number in range(rounds):
        for workload, (data, per_buffer) in WORKLOADS.items():
            row = results.setdefault(workload, {})
            for name in PARSERS:
                if not available(name) or not supports(name, per_buffer):
                    continue
                cost = cpu_us_per_request(FUNCTIONS[name], data, per_buffer, seconds)
                row[name] = min(cost, row.get(name, cost))
        progress(
            f"parser round {number + 1}/{rounds}: "
            + ", ".join(f"{w} {r.get('httplab', 0):.2f} µs" for w, r in results.items())
            + " (httplab)"
        )
    return results


def main() -> None:
    """`python bench/parsers.py ROUNDS SECONDS`: the table as JSON on stdout, progress on
    stderr (run.py runs this in a child so that PYTHONPATH picks the httplab measured)."""
    import json
    import sys

    rounds, seconds = int(sys.argv[1]), float(sys.argv[2])
    results = measure(rounds, seconds, lambda line: print(line, file=sys.stderr, flush=True))
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
