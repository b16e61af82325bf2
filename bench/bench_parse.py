"""Parse microbenchmark: requests per second through `RequestParser`, sans IO.

Run it on two trees to compare a change (each run imports the tree on PYTHONPATH):

    PYTHONPATH=/work/main python3 bench/bench_parse.py
    PYTHONPATH=$PWD python3 bench/bench_parse.py --rounds 7

Prints the best of `--rounds` rounds (µs per request) for each workload: a typical GET from
curl, a small JSON POST, a chunked POST, and 100 pipelined GETs in one buffer.
"""

from __future__ import annotations

import argparse
import time

from httplab.protocol.events import NEED_DATA, ConnectionClosed, EndOfMessage, RequestHead
from httplab.protocol.parser import RequestParser

GET = (
    b"GET /users?page=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.5.0\r\n"
    b"Accept: */*\r\n\r\n"
)
POST = (
    b"POST /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/8.5.0\r\n"
    b"Accept: */*\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n"
    b'{"name":"Vasya","age":42}'
)
CHUNKED = (
    b"POST /users HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'a\r\n{"name":"V\r\nf\r\nasya","age":42}\r\n0\r\n\r\n'
)
WORKLOADS = {
    "get": (GET, 1),
    "post": (POST, 1),
    "chunked": (CHUNKED, 1),
    "pipelined": (GET * 100, 100),
}


def parse_all(data: bytes) -> int:
    """The requests in `data` (then the end of the stream), each event taken as a server takes
    them, until the end of the last request: where parsers.py's h11 loop stops too (it does
    not go on to read the close)."""
    parser = RequestParser()
    parser.feed(data)
    parser.feed(b"")
    count = 0
    while True:
        event = parser.next_event()
        if type(event) is RequestHead:
            for _field in event.headers:  # the header list, walked once as the users app
                pass  # walks it
        elif type(event) is EndOfMessage:
            count += 1
            if not parser.buffered:
                return count
            parser.start_next()
        elif event is NEED_DATA or type(event) is ConnectionClosed:
            return count


def measure(data: bytes, per_buffer: int, seconds: float) -> float:
    """CPU µs per request over about `seconds` of CPU time (process time: steadier than wall
    time on a shared machine)."""
    runs = 0
    start = time.process_time()
    deadline = start + seconds
    while time.process_time() < deadline:
        for _ in range(50):
            assert parse_all(data) == per_buffer
        runs += 50
    return (time.process_time() - start) / (runs * per_buffer) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="best of this many rounds")
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round")
    args = parser.parse_args()
    for name, (data, per_buffer) in WORKLOADS.items():
        best = min(measure(data, per_buffer, args.seconds) for _ in range(args.rounds))
        print(f"{name:10} {best:7.2f} µs/request  ({1e6 / best:,.0f} requests/s)")


if __name__ == "__main__":
    main()
