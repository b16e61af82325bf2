"""Serve a WSGI application (PEP 3333) with httplab's server: `httplab serve --app mod:app`.

`WSGIAdapter(app)` is an httplab app (`Request → Response`) that builds the environ from the
parsed request, calls the application, and gathers what it returns into one `Response`. It is
marked `off_loop`: the server calls it in a worker thread, so a slow handler does not stall
other connections (see `connection.HTTPConnection._run_off_loop`).

Framing: a response that sets Content-Length keeps it; one that does not is sent with chunked
coding to an HTTP/1.1 client (the server turns it into Content-Length for HTTP/1.0). The body
is gathered whole before the first byte goes out (the server writes one buffer per response).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any
from urllib.parse import unquote_to_bytes

from httplab.protocol.headers import Headers
from httplab.protocol.messages import Request, Response

logger = logging.getLogger("httplab.server")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], None]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# fields the environ carries under their own names (PEP 3333), not as HTTP_*
_OWN_NAMES = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}


class WSGIError(Exception):
    """The application broke PEP 3333 (answered 500; the log says how)."""


class WSGIAdapter:
    """An httplab app that serves the WSGI application `app`."""

    off_loop = True  # the server runs it in a worker thread

    def __init__(
        self,
        app: WSGIApp,
        server_name: str = "127.0.0.1",
        server_port: int = 0,
        errors: Any = None,
    ) -> None:
        self.app = app
        self.server_name = server_name
        self.server_port = server_port
        self.errors = errors if errors is not None else sys.stderr

    def environ(self, request: Request) -> dict[str, Any]:
        """The PEP 3333 environ for `request`."""
        path = request.path
        name, port = self.server_name, str(self.server_port)
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            # PEP 3333: the percent-decoded bytes, as a latin-1 "native string"
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1") if path != "*" else "*",
            "QUERY_STRING": request.query_string,
            "SERVER_NAME": name,
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": request.version,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(request.body),
            "wsgi.errors": self.errors,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
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

    def __call__(self, request: Request) -> Response:
        status_line: list[str] = []
        headers: list[tuple[str, str]] = []
        written: list[bytes] = []

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None:
                try:
                    if status_line and written:  # PEP 3333: too late to change the answer
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None  # no reference cycle through the frame
            elif status_line:
                raise WSGIError("start_response called twice without exc_info")
            if not isinstance(status, str) or not _valid_status(status):
                raise WSGIError(f"bad status {status!r} (want e.g. '200 OK')")
            for name, value in response_headers:
                if not isinstance(name, str) or not isinstance(value, str):
                    raise WSGIError(f"header {name!r}: {value!r} is not two native strings")
            status_line[:] = [status]
            headers[:] = list(response_headers)
            return write

        def write(data: bytes) -> None:
            if not status_line:
                raise WSGIError("write() before start_response")
            written.append(bytes(data))

        result = self.app(self.environ(request), start_response)
        try:
            for chunk in result:
                if not isinstance(chunk, bytes):
                    raise WSGIError(f"the app yielded {type(chunk).__name__}, not bytes")
                if chunk:
                    if not status_line:
                        raise WSGIError("the app yielded a body before start_response")
                    written.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not status_line:
            raise WSGIError("the app returned without calling start_response")
        code, _, reason = status_line[0].partition(" ")
        response = Response(int(code), Headers(headers), b"".join(written), reason)
        if "content-length" not in response.headers and "transfer-encoding" not in (
            response.headers
        ):
            # no length given: chunked to HTTP/1.1 (the server frames HTTP/1.0 itself)
            response.headers.add(b"Transfer-Encoding", b"chunked")
        return response


def _valid_status(status: str) -> bool:
    code, space, reason = status.partition(" ")
    return len(code) == 3 and all("0" <= c <= "9" for c in code) and space == " " and bool(reason)
