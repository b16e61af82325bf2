"""Serve an ASGI 3 application with httplab's server: `httplab serve --app m:app`.

`ASGIAdapter(app)` runs the application on its own event loop, in one daemon thread apart from
the server's loop (an app that blocks stalls itself, never the server). It is a streaming app
(see `server/streaming.py`): the connection calls `begin(request, stream)`, which schedules the
request on the app's loop; what the app sends goes to the socket as it comes.

- lifespan: `startup()` (the server calls it before listening) sends `lifespan.startup` and
  waits for `.complete` or `.failed` (raised as `AppStartupError`); `shutdown()` (after the
  server stopped) sends `lifespan.shutdown`. An app that raises on the lifespan scope before
  answering does not support it: served anyway (as uvicorn's "auto"), said once in the log.
- `http.request`: the body (gathered by the server, chunked coding removed) in messages of at
  most `BODY_PART` bytes, `more_body` True until the last. Once it is all given, `receive()`
  waits and answers `http.disconnect` when the client closes its side or the connection is
  lost, or when the response is complete.
- `http.response.start` is held until the first `http.response.body`; a first body with
  `more_body` False is the whole response (Content-Length computed), else the head and every
  piece go out as they come (chunked coding for HTTP/1.1 when there is no Content-Length,
  close-delimited for HTTP/1.0). `send` waits while the client reads slowly (backpressure) and
  raises `ClientGone` (an OSError, ASGI spec 2.4) once the client is gone.
- an exception in the app: 500 if nothing was sent yet, else the connection is closed (the
  client sees an incomplete body); the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.server.start_errors import AppStartupError
from httplab.server.streaming import ClientGone, ResponseStream
from httplab.trace.wire_text import escape_decoded, escape_latin1

logger = logging.getLogger("httplab.server")

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]
BODY_PART = 64 * 1024
"""Largest piece of the request body in one http.request message."""
STARTUP_TIMEOUT = 60.0
"""Seconds the app's lifespan startup may take before the server gives up on it."""
SHUTDOWN_TIMEOUT = 10.0
"""Seconds the app's lifespan shutdown may take when the server stops."""
ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}


class ASGIError(Exception):
    """The application broke the ASGI rules (answered 500; the log says how)."""


class ASGIAdapter:
    """A streaming httplab app that serves the ASGI 3 application `app`."""

    streaming = True  # the connection calls begin(request, stream)
    record_source = "app"  # its trace records: the user's app answered (render/explain)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.state: dict[str, Any] = {}  # lifespan state, copied into each request's scope
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._lifespan: _Lifespan | None = None

    def __call__(self, request: Request) -> Response:
        raise TypeError("an ASGI app is served through begin(request, stream), not called")

    # the app's own loop ---------------------------------------------------------------------
    def loop(self) -> asyncio.AbstractEventLoop:
        """The app's event loop, started on first use in a daemon thread."""
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=_run_forever, args=(loop,), name="httplab-asgi", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    def startup(self) -> None:
        """Run the lifespan startup (the server calls it before listening)."""
        lifespan = _Lifespan(self.app, self.state)
        future = asyncio.run_coroutine_threadsafe(lifespan.start(), self.loop())
        try:
            failure = future.result(STARTUP_TIMEOUT)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise AppStartupError(f"it did not finish in {STARTUP_TIMEOUT:g} s") from None
        if failure is not None:
            # Starlette sends the whole traceback as the message: shown once, above the line
            lines = failure.strip().splitlines() or ["(no message)"]
            details = "\n".join(map(escape_decoded, lines)) if len(lines) > 1 else ""
            raise AppStartupError(escape_decoded(lines[-1]), details)
        self._lifespan = lifespan if lifespan.supported else None

    def shutdown(self) -> None:
        """Run the lifespan shutdown (after the server stopped), then stop the app's loop."""
        loop, lifespan = self._loop, self._lifespan
        self._lifespan = None
        if loop is None or loop.is_closed():
            return
        if lifespan is not None:
            future = asyncio.run_coroutine_threadsafe(lifespan.stop(), loop)
            try:
                failure = future.result(SHUTDOWN_TIMEOUT)
            except concurrent.futures.TimeoutError:
                future.cancel()
                failure = f"it did not finish in {SHUTDOWN_TIMEOUT:g}s"
            if failure is not None:
                logger.error("the app's lifespan shutdown failed: %s", failure)
        loop.call_soon_threadsafe(loop.stop)

    # requests -----------------------------------------------------------------------------
    def scope(self, request: Request, stream: ResponseStream) -> dict[str, Any]:
        path = request.path
        raw_path = path.encode("latin-1")
        return {
            "type": "http",
            "asgi": dict(ASGI_VERSION),
            "http_version": request.version.removeprefix("HTTP/"),
            "method": request.method,
            "scheme": "http",
            "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
            "raw_path": raw_path,
            "query_string": request.query_string.encode("latin-1"),
            "root_path": "",
            "headers": [(field.lower_name, field.value) for field in request.headers],
            "client": stream.client,
            "server": stream.server,
            "state": dict(self.state),
        }

    def begin(self, request: Request, stream: ResponseStream) -> None:
        """Called on the server's loop: answer `request` on the app's loop."""
        asyncio.run_coroutine_threadsafe(self.serve(request, stream), self.loop())

    async def serve(self, request: Request, stream: ResponseStream) -> None:
        cycle = _Cycle(request, stream)
        try:
            await self.app(self.scope(request, stream), cycle.receive, cycle.send)
            if not cycle.complete:
                raise ASGIError("the app returned before its response was complete")
        except Exception as exc:
            if stream.gone:
                logger.info("the client went away while the ASGI app was answering")
                return
            if isinstance(exc, ASGIError):
                logger.error("the ASGI app broke the protocol: %s", exc)
            else:
                logger.exception(
                    "the ASGI app failed: %s %s",
                    escape_latin1(request.method),
                    escape_latin1(request.target[:200]),
                )
            stream.fail()
        finally:
            cycle.done()


class _Cycle:
    """One request and its response, as the app sees them through receive() and send()."""

    def __init__(self, request: Request, stream: ResponseStream) -> None:
        body = request.body
        self.parts = [body[i : i + BODY_PART] for i in range(0, len(body), BODY_PART)] or [b""]
        self.given = 0
        self.stream = stream
        self.start: Message | None = None
        self.head_sent = False
        self.complete = False
        self.disconnected = asyncio.Event()  # the client is gone, or the answer complete
        loop = asyncio.get_running_loop()

        def tell(_: object) -> None:
            with contextlib.suppress(RuntimeError):  # the app's loop is closed
                loop.call_soon_threadsafe(self.disconnected.set)

        stream.when_peer_closed().add_done_callback(tell)

    def done(self) -> None:
        self.disconnected.set()

    async def receive(self) -> Message:
        if self.given < len(self.parts):
            self.given += 1
            more = self.given < len(self.parts)
            return {"type": "http.request", "body": self.parts[self.given - 1], "more_body": more}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.stream.gone:
            raise ClientGone("the client closed the connection")
        kind = message.get("type")
        if kind == "http.response.start":
            if self.start is not None:
                raise ASGIError("http.response.start sent twice")
            self.start = message
        elif kind == "http.response.body":
            await self._body(message)
        else:
            raise ASGIError(f"unexpected message type {kind!r}")

    async def _body(self, message: Message) -> None:
        if self.start is None:
            raise ASGIError("http.response.body before http.response.start")
        if self.complete:
            raise ASGIError("http.response.body after the response was complete")
        body = message.get("body", b"")
        if not isinstance(body, bytes | bytearray):
            raise ASGIError(f"http.response.body with a {type(body).__name__} body, not bytes")
        more = bool(message.get("more_body", False))
        stream = self.stream
        if not self.head_sent:
            self.head_sent = True
            response = _response(self.start, bytes(body))
            if not more and "content-length" not in response.headers:
                stream.respond(response)  # the whole response: Content-Length computed
            else:
                stream.start(response)
        else:
            stream.write(bytes(body))
        if not more:
            self.complete = True
            stream.end()
            self.disconnected.set()  # a receive() from now on answers http.disconnect
            return
        waiter = stream.wait_writable()  # ClientGone once the client is gone
        if waiter is not None:
            await asyncio.wrap_future(waiter)


class _Lifespan:
    """The lifespan scope: startup, then (much later) shutdown, on the app's loop."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.supported = True
        self.started: asyncio.Future[str | None] | None = None
        self.stopped: asyncio.Future[str | None] | None = None
        self.shutdown_asked: asyncio.Event | None = None
        self.received = 0

    async def start(self) -> str | None:
        """None when the app started (or does not do lifespan), else why it failed."""
        loop = asyncio.get_running_loop()
        self.started, self.stopped = loop.create_future(), loop.create_future()
        self.shutdown_asked = asyncio.Event()
        task = loop.create_task(self._run())
        task.add_done_callback(_forget)
        return await self.started

    async def stop(self) -> str | None:
        assert self.shutdown_asked is not None and self.stopped is not None
        self.shutdown_asked.set()
        return await self.stopped

    async def _run(self) -> None:
        assert self.started is not None and self.stopped is not None
        scope = {"type": "lifespan", "asgi": dict(ASGI_VERSION), "state": self.state}
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as exc:
            if not self.started.done():
                self.supported = False  # as uvicorn's "auto": an app without lifespan
                logger.info(
                    "the ASGI app does not support lifespan (%s); serving without it",
                    type(exc).__name__,
                )
            elif not self.stopped.done() and self.shutdown_asked is not None:
                if self.shutdown_asked.is_set():
                    _settle(self.stopped, f"{type(exc).__name__}: {exc}")
                else:
                    logger.exception("the ASGI app's lifespan failed while serving")
        finally:
            if not self.started.done():
                self.supported = False
            _settle(self.started, None)
            _settle(self.stopped, None)

    async def _receive(self) -> Message:
        assert self.shutdown_asked is not None
        self.received += 1
        if self.received == 1:
            return {"type": "lifespan.startup"}
        await self.shutdown_asked.wait()
        return {"type": "lifespan.shutdown"}

    async def _send(self, message: Message) -> None:
        assert self.started is not None and self.stopped is not None
        kind = message.get("type")
        why = str(message.get("message", "")) or "(no message)"
        if kind == "lifespan.startup.complete":
            _settle(self.started, None)
        elif kind == "lifespan.startup.failed":
            _settle(self.started, why)
        elif kind == "lifespan.shutdown.complete":
            _settle(self.stopped, None)
        elif kind == "lifespan.shutdown.failed":
            _settle(self.stopped, why)
        else:
            raise ASGIError(f"unexpected lifespan message {kind!r}")


def _response(start: Message, body: bytes) -> Response:
    status = start.get("status")
    if not isinstance(status, int) or not 100 <= status <= 999:
        raise ASGIError(f"http.response.start with status {status!r}, not an int 100..999")
    fields: list[tuple[bytes, bytes]] = []
    for pair in start.get("headers", []):
        name, value = pair
        if not isinstance(name, bytes | bytearray) or not isinstance(value, bytes | bytearray):
            raise ASGIError(f"header {name!r}: {value!r} is not two byte strings")
        fields.append((bytes(name), bytes(value)))
    return Response(status, Headers(fields), body)


def _settle(future: asyncio.Future[str | None], value: str | None) -> None:
    if not future.done():
        future.set_result(value)


def _forget(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" at exit


def _run_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        with contextlib.suppress(Exception):
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
