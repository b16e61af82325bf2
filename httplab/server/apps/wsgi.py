"""Serve a WSGI application (PEP 3333) with httplab's server: `httplab serve --app mod:app`.

`WSGIAdapter(app)` is a streaming app (see `server/streaming.py`): for each request the
connection calls `begin(request, stream)` on the loop, which hands the work to a pool of
worker threads (daemon threads: a stuck app does not keep Ctrl-C from exiting), so a slow
handler does not stall other connections. The worker builds the environ, calls the app and
sends what it returns through the stream, each piece as it comes:

- the head goes out with the first non-empty piece (PEP 3333: not before), so an app may still
  replace its status with `start_response(..., exc_info)` until then;
- every piece (yielded, or given to `write()`) is handed over before the next is asked for, and
  the worker waits while the client reads slowly (backpressure: a fast generator cannot fill
  memory);
- framing: the app's Content-Length is kept (and held to); without one, a list of at most one
  piece is sent with a Content-Length the server computes (as PEP 3333 allows), anything else
  chunked to an HTTP/1.1 client and close-delimited to an HTTP/1.0 one;
- `close()` of the returned iterable is always called: at the end, on an error, and when the
  client went away (the next write raised `ClientGone`, and iteration stopped there).
"""

from __future__ import annotations

import io
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response
from httplab.server.streaming import ClientGone, ResponseStream
from httplab.trace.wire_text import escape_latin1

logger = logging.getLogger("httplab.server")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], None]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
WORKER_THREADS = 32
"""WSGI apps answering at once; one request more waits for a free worker."""

# fields the environ carries under their own names (PEP 3333), not as HTTP_*
_OWN_NAMES = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}


class WSGIError(Exception):
    """The application broke PEP 3333 (answered 500; the log says how)."""


class WSGIAdapter:
    """A streaming httplab app that serves the WSGI application `app`."""

    streaming = True  # the connection calls begin(request, stream)
    record_source = "app"  # its trace records: the user's app answered (render/explain)

    def __init__(
        self,
        app: WSGIApp,
        server_name: str = "",
        errors: Any = None,
        workers: int = WORKER_THREADS,
    ) -> None:
        self.app = app
        self.server_name = server_name  # SERVER_NAME; "" means the address listened on
        self.errors = errors if errors is not None else sys.stderr
        self._pool = DaemonPool(workers, "httplab-wsgi")

    def __call__(self, request: Request) -> Response:
        raise TypeError("a WSGI app is served through begin(request, stream), not called")

    def environ(self, request: Request, stream: ResponseStream) -> dict[str, Any]:
        """The PEP 3333 environ for `request`, on the connection `stream` answers."""
        path = request.path
        host, port = stream.server
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            # PEP 3333: the percent-decoded bytes, as a latin-1 "native string"
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1") if path != "*" else "*",
            "QUERY_STRING": request.query_string,
            "SERVER_NAME": self.server_name or host,
            "SERVER_PORT": str(port),  # the port the client reached (right with --port 0)
            "SERVER_PROTOCOL": request.version,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": self.errors,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,  # the body is whole: read() to b"" is safe
        }
        if stream.client is not None:
            environ["REMOTE_ADDR"] = stream.client[0]
            environ["REMOTE_PORT"] = str(stream.client[1])
        joined: dict[str, list[str]] = {}
        for field in request.headers:
            own = _OWN_NAMES.get(field.lower_name)
            key = own or "HTTP_" + field.lower_name.decode("latin-1").upper().replace("-", "_")
            joined.setdefault(key, []).append(field.value.decode("latin-1"))
        for key, values in joined.items():
            environ[key] = ", ".join(values)  # RFC 9110 §5.3: repeated fields join with ", "
        if request.body or "CONTENT_LENGTH" in environ or "HTTP_TRANSFER_ENCODING" in environ:
            # the body arrives decoded (chunked coding removed): say its real length
            environ["CONTENT_LENGTH"] = str(len(request.body))
        return environ

    def begin(self, request: Request, stream: ResponseStream) -> None:
        """Called on the server's loop: answer `request` from a worker thread."""
        self._pool.submit(lambda: self.serve(request, stream))

    def serve(self, request: Request, stream: ResponseStream) -> None:
        """Run the app for `request` and send its answer through `stream` (a worker thread)."""
        answer = _Answer(stream)
        result: Iterable[bytes] | None = None
        try:
            result = self.app(self.environ(request, stream), answer.start_response)
            answer.send_all(result)
        except ClientGone:
            logger.info("the client went away while the WSGI app was answering")
        except Exception:
            logger.exception(
                "the WSGI app failed: %s %s",
                escape_latin1(request.method),
                escape_latin1(request.target[:200]),
            )
            stream.fail()
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    logger.exception("the WSGI app's iterable failed in close()")


class _Answer:
    """One response of a WSGI app: start_response, write, and the pieces it returns."""

    def __init__(self, stream: ResponseStream) -> None:
        self.stream = stream
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.head_sent = False

    def start_response(
        self, status: str, response_headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.head_sent:  # PEP 3333: too late to change the answer
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # no reference cycle through the frame
        elif self.status:
            raise WSGIError("start_response called twice without exc_info")
        if not isinstance(status, str) or not _valid_status(status):
            raise WSGIError(f"bad status {status!r} (want e.g. '200 OK')")
        for name, value in response_headers:
            if not isinstance(name, str) or not isinstance(value, str):
                raise WSGIError(f"header {name!r}: {value!r} is not two native strings")
        self.status = status
        self.headers = list(response_headers)
        return self.write

    def write(self, data: bytes) -> None:
        """PEP 3333's write(): the piece is handed over before write() returns."""
        if not self.status:
            raise WSGIError("write() before start_response")
        if not isinstance(data, bytes | bytearray):
            raise WSGIError(f"write() got {type(data).__name__}, not bytes")
        self.send(bytes(data))

    def send(self, data: bytes) -> None:
        if not data:
            return
        if not self.head_sent:
            self.head_sent = True
            self.stream.start(self.response(data))
            data = b""
        self.stream.write_and_wait(data)

    def send_all(self, result: Iterable[bytes]) -> None:
        if isinstance(result, list | tuple) and len(result) <= 1 and not self.head_sent:
            # one piece, known before anything went out: one buffer, with the Content-Length
            # the server computes, or the app's own when it is right
            body = result[0] if result else b""
            if not isinstance(body, bytes):
                raise WSGIError(f"the app returned {type(body).__name__}, not bytes")
            if not self.status:
                raise WSGIError("the app returned without calling start_response")
            lengths = [value for name, value in self.headers if name.lower() == "content-length"]
            if not lengths or lengths == [str(len(body))]:
                self.head_sent = True
                self.stream.respond(self.response(body))
                return
        for piece in result:
            if not isinstance(piece, bytes):
                raise WSGIError(f"the app yielded {type(piece).__name__}, not bytes")
            if piece and not self.status:
                raise WSGIError("the app yielded a body before start_response")
            self.send(piece)
        if not self.status:
            raise WSGIError("the app returned without calling start_response")
        if not self.head_sent:
            self.head_sent = True
            self.stream.start(self.response(b""))
        self.stream.end()

    def response(self, body: bytes) -> Response:
        code, _, reason = self.status.partition(" ")
        return Response(int(code), Headers(self.headers), body, reason)


class DaemonPool:
    """At most `max_workers` threads that never keep the process alive (a stuck app does
    not block exit after Ctrl-C); more jobs wait in a queue for a free worker."""

    def __init__(self, max_workers: int, name: str) -> None:
        self.max_workers = max_workers
        self.name = name
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0  # workers waiting for a job
        self._queued = 0  # jobs not yet taken

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._queued += 1
            spawn = self._queued > self._idle and self._threads < self.max_workers
            if spawn:
                self._threads += 1
                number = self._threads
        self._jobs.put(job)
        if spawn:
            worker = threading.Thread(target=self._work, name=f"{self.name}-{number}", daemon=True)
            worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            job = self._jobs.get()
            with self._lock:
                self._idle -= 1
                self._queued -= 1
            try:
                job()
            except BaseException:  # a job reports its own errors; the worker lives on
                logger.exception("a worker job failed")
            del job


def _valid_status(status: str) -> bool:
    code, space, reason = status.partition(" ")
    return len(code) == 3 and all("0" <= c <= "9" for c in code) and space == " " and bool(reason)
