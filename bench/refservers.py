"""The reference servers of `bench/run.py`, each answering `GET /users` like httplab's users
API with two users: the same 78-byte JSON list with `Content-Type`, `Vary: Accept`, a strong
`ETag` (a hash of the bytes) and `Content-Length`. They skip routing and `Accept` negotiation,
which httplab's app does — that difference is httplab's to pay. Like httplab's app, which keeps
each page it rendered until the users change, they encode the list and hash it once (`page`),
not per request: the users never change during a run, and the servers, not the JSON encoder,
are what is measured.

    python bench/refservers.py stdlib PORT      # http.server.ThreadingHTTPServer, TCP_NODELAY
    python bench/refservers.py minimal PORT     # asyncio.Protocol, one fixed response
    python -m uvicorn refservers:app --app-dir bench --http httptools ...   # the ASGI app

`minimal` is the load generator's ceiling: it answers every request that ends in CRLF CRLF
with fixed bytes, so its req/s is about what the generator can send on its core.
Every server listens on 127.0.0.1 only and stops on SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

HOST = "127.0.0.1"  # never anything else: these are load-test targets
USERS = [{"id": 1, "name": "Vasya", "age": 42}, {"id": 2, "name": "Anna", "age": 31}]


def users_body() -> bytes:
    """What httplab's `GET /users` sends with two users (`--seed 2`), encoded afresh."""
    return json.dumps(USERS, ensure_ascii=False).encode("utf-8") + b"\n"


def etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=8).hexdigest().encode("ascii") + b'"'


_PAGES: dict[str, tuple[bytes, bytes]] = {}


def page() -> tuple[bytes, bytes]:
    """The body and its ETag, made on first use and kept, as httplab's users app keeps a
    rendered page until the users change (they never do during a benchmark)."""
    made = _PAGES.get("users")
    if made is None:
        body = users_body()
        made = _PAGES["users"] = (body, etag(body))
    return made


# ASGI (uvicorn with h11 or httptools) ----------------------------------------------------------
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body, tag = page()
    headers = [
        (b"content-type", b"application/json"),
        (b"vary", b"Accept"),
        (b"etag", tag),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# the stdlib ------------------------------------------------------------------------------------
def serve_stdlib(port: int) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as every other contender
        # head and body leave in separate writes: without TCP_NODELAY each response would wait
        # for the client's delayed ACK (~40 ms), measuring Nagle rather than the server
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            body, tag = page()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Vary", "Accept")
            self.send_header("ETag", tag.decode("ascii"))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # access log off, as for every reference

    class Server(ThreadingHTTPServer):
        request_queue_size = 1024
        daemon_threads = True

    server = Server((HOST, port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


# the generator's ceiling -----------------------------------------------------------------------
def fixed_response() -> bytes:
    body = users_body()
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nVary: Accept\r\nETag: "
        + etag(body)
        + b"\r\nContent-Length: "
        + str(len(body)).encode("ascii")
        + b"\r\n\r\n"
        + body
    )


class MinimalProtocol(asyncio.Protocol):
    """Answers each complete request head with the same bytes; parses nothing else."""

    RESPONSE = fixed_response()

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        data = self.pending + data
        heads = data.count(b"\r\n\r\n")
        self.pending = data[data.rfind(b"\r\n\r\n") + 4 :] if heads else data
        if heads:
            self.transport.write(self.RESPONSE * heads)


async def _serve_minimal(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(MinimalProtocol, HOST, port, backlog=1024)
    stop = loop.create_future()

    def stopping() -> None:
        if not stop.done():
            stop.set_result(None)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping)
    async with server:
        await stop


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("stdlib", "minimal") or not argv[1].isdigit():
        print(__doc__)
        return 2
    port = int(argv[1])
    if argv[0] == "stdlib":
        serve_stdlib(port)
    else:
        asyncio.run(_serve_minimal(port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
