"""Requests per second of httplab's server against reference servers, measured in one run.

Every server answers `GET /` with the same tiny JSON over keep-alive connections, in its own
process; a load generator (asyncio, raw sockets, one request in flight per connection) drives
each in turn on 127.0.0.1 and prints the ratios. Numbers depend on the machine: compare ratios,
not absolute figures, and only within one run.

    python bench/bench_server.py                      # 50 connections, 5 s per server
    python bench/bench_server.py -c 100 -d 10 -n 500000
    python bench/bench_server.py --only httplab,stdlib

References: the stdlib's ThreadingHTTPServer always; uvicorn with h11 and with httptools when
importable (dev-only: `pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

HOST = "127.0.0.1"  # never anything else: this generates load
BODY = json.dumps({"hello": "world"}).encode()
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: httplab-bench\r\n\r\n"


# servers, each run as `bench_server.py --serve KIND --port N` in its own process -----------
def serve_httplab(port: int) -> None:
    from httplab.protocol.headers import Headers
    from httplab.protocol.messages import Request, Response
    from httplab.server.engine import HTTPServer

    def tiny_json(request: Request) -> Response:
        return Response(200, Headers([(b"Content-Type", b"application/json")]), BODY)

    with HTTPServer(tiny_json, HOST, port, max_connections=100_000):
        ready_and_wait()


def serve_stdlib(port: int) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as every other contender
        # head and body leave in two writes: without TCP_NODELAY each response would wait
        # for the client's delayed ACK (~40 ms), measuring Nagle rather than the server
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, format: str, *args: object) -> None:
            pass

    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer((HOST, port), Handler)
    server.daemon_threads = True
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready_and_wait()


def serve_uvicorn(port: int, http: str) -> None:
    import uvicorn

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        await send(  # type: ignore[operator]
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(BODY)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": BODY})  # type: ignore[operator]

    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        http=http,
        loop="asyncio",
        log_level="error",
        access_log=False,
        lifespan="off",
        backlog=1024,
    )
    server = uvicorn.Server(config)
    import threading

    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    ready_and_wait()


def ready_and_wait() -> None:
    print("ready", flush=True)
    sys.stdin.read()  # the parent closes stdin to stop us


SERVERS = {
    "httplab": (None, lambda port: serve_httplab(port)),
    "stdlib": (None, lambda port: serve_stdlib(port)),
    "uvicorn-h11": ("h11", lambda port: serve_uvicorn(port, "h11")),
    "uvicorn-httptools": ("httptools", lambda port: serve_uvicorn(port, "httptools")),
}


# the load generator --------------------------------------------------------------------------
@dataclass
class Tally:
    done: int = 0
    errors: int = 0
    budget: int = 0
    stop_at: float = 0.0


class LoadConnection(asyncio.Protocol):
    """Keeps one request in flight: send, read a whole response, send again."""

    def __init__(self, tally: Tally, finished: asyncio.Future[None]) -> None:
        self.tally = tally
        self.finished = finished
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(REQUEST)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            raise RuntimeError(f"no Content-Length in {head!r}")
        line_end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : line_end if line_end > 0 else None])
        total = end + 4 + length
        if len(self.buffer) < total:
            return
        if not head.startswith(b"http/1.1 200"):
            self.tally.errors += 1
        del self.buffer[:total]
        tally = self.tally
        tally.done += 1
        assert self.transport is not None
        if tally.done >= tally.budget or time.perf_counter() >= tally.stop_at:
            self.transport.close()
        else:
            self.transport.write(REQUEST)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


async def drive(port: int, connections: int, budget: int, seconds: float) -> tuple[int, float, int]:
    loop = asyncio.get_running_loop()
    tally = Tally(budget=budget, stop_at=time.perf_counter() + seconds)
    futures = []
    start = time.perf_counter()
    for _ in range(connections):
        finished: asyncio.Future[None] = loop.create_future()
        futures.append(finished)
        await loop.create_connection(lambda f=finished: LoadConnection(tally, f), HOST, port)
    await asyncio.gather(*futures)
    return tally.done, time.perf_counter() - start, tally.errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def measure(kind: str, connections: int, budget: int, seconds: float) -> tuple[float, int]:
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{kind} did not start")
        asyncio.run(drive(port, min(connections, 10), 2000, 1.0))  # warm-up
        done, elapsed, errors = asyncio.run(drive(port, connections, budget, seconds))
        return done / elapsed, errors
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-n", "--requests", type=int, default=300_000, help="cap per server")
    parser.add_argument("-d", "--duration", type=float, default=5.0, help="seconds per server")
    parser.add_argument("--only", default="", help="comma-separated subset of " + ",".join(SERVERS))
    parser.add_argument("--serve", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        SERVERS[args.serve][1](args.port)
        return
    wanted = [k for k in SERVERS if not args.only or k in args.only.split(",")]
    results: dict[str, float] = {}
    print(
        f"{args.connections} keep-alive connections, up to {args.requests} requests or "
        f"{args.duration:g} s per server, GET / → {len(BODY)}-byte JSON, Python "
        f"{sys.version.split()[0]}"
    )
    for kind in wanted:
        module = SERVERS[kind][0]
        if kind.startswith("uvicorn") and (
            importlib.util.find_spec("uvicorn") is None
            or importlib.util.find_spec(module or "") is None
        ):
            print(f"{kind:>18}: skipped (not installed)")
            continue
        rate, errors = measure(kind, args.connections, args.requests, args.duration)
        results[kind] = rate
        note = f"  ({errors} non-200)" if errors else ""
        print(f"{kind:>18}: {rate:10,.0f} req/s{note}", flush=True)
    if results.get("httplab"):
        ours = results["httplab"]
        for kind, rate in results.items():
            if kind != "httplab" and rate:
                print(f"httplab / {kind}: {ours / rate:.2f}x")


if __name__ == "__main__":
    main()
