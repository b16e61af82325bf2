"""Serve an ASGI 3 application (HTTP scope) with httplab's server: `httplab serve --app m:app`.

`ASGIAdapter(app)` is an httplab app marked `off_loop`: the server calls it in a worker thread,
where each request gets its own short event loop (`asyncio.run`), so the app cannot stall the
server's loop. The request body is handed over in `http.request` messages of at most
`BODY_PART` bytes (`more_body` True until the last); the response's `http.response.body`
messages are gathered into one response (chunked coding when it has no Content-Length) and
sent once the app says `more_body: False`. A `receive()` after the whole body waits until the
response is complete and then answers `http.disconnect`. Not done: lifespan events, and a
disconnect while the app still works (the server answers once the app has finished).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]
BODY_PART = 64 * 1024
"""Largest piece of the request body in one http.request message."""


class ASGIError(Exception):
    """The application broke the ASGI rules (answered 500; the log says how)."""


class ASGIAdapter:
    """An httplab app that serves the ASGI 3 application `app`."""

    off_loop = True  # the server runs it in a worker thread

    def __init__(self, app: ASGIApp, server_name: str = "127.0.0.1", server_port: int = 0):
        self.app = app
        self.server_name = server_name
        self.server_port = server_port

    def scope(self, request: Request) -> dict[str, Any]:
        path = request.path
        raw_path = path.encode("latin-1")
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": request.version.removeprefix("HTTP/"),
            "method": request.method,
            "scheme": "http",
            "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
            "raw_path": raw_path,
            "query_string": request.query_string.encode("latin-1"),
            "root_path": "",
            "headers": [(field.lower_name, field.value) for field in request.headers],
            "client": None,
            "server": (self.server_name, self.server_port),
        }

    def __call__(self, request: Request) -> Response:
        return asyncio.run(self._serve(request))

    async def _serve(self, request: Request) -> Response:
        body = request.body
        parts = [body[i : i + BODY_PART] for i in range(0, len(body), BODY_PART)] or [b""]
        given = 0
        complete = asyncio.Event()
        start: list[Message] = []
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal given
            if given < len(parts):
                given += 1
                return {
                    "type": "http.request",
                    "body": parts[given - 1],
                    "more_body": given < len(parts),
                }
            await complete.wait()  # the client "goes away" once its answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            kind = message.get("type")
            if kind == "http.response.start":
                if start:
                    raise ASGIError("http.response.start sent twice")
                start.append(message)
            elif kind == "http.response.body":
                if not start:
                    raise ASGIError("http.response.body before http.response.start")
                if complete.is_set():
                    raise ASGIError("http.response.body after the response was complete")
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    complete.set()
            else:
                raise ASGIError(f"unexpected message type {kind!r}")

        try:
            await self.app(self.scope(request), receive, send)
        finally:
            complete.set()  # a receive() still waiting gets http.disconnect
        if not start:
            raise ASGIError("the app finished without http.response.start")
        headers = Headers(
            [(bytes(name), bytes(value)) for name, value in start[0].get("headers", [])]
        )
        response = Response(int(start[0]["status"]), headers, b"".join(chunks))
        if "content-length" not in headers and "transfer-encoding" not in headers:
            headers.add(b"Transfer-Encoding", b"chunked")
        return response
