"""`serve --app`: WSGI applications (PEP 3333) served by httplab's server on real sockets.

Every test app is wrapped in `wsgiref.validate.validator`, which fails the request (500) when
either side, the app or the server, breaks the PEP.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest

from httplab.protocol.messages import Request, Response
from httplab.server.apps.loading import AppLoadError, load_app
from httplab.server.apps.wsgi import WSGIAdapter
from httplab.server.engine import HTTPServer

SOCKET_TIMEOUT = 5.0  # a guard against hangs, never an assertion about speed
seen: list[dict[str, Any]] = []
release = threading.Event()


def echo_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """GET/HEAD/POST: says what it saw; /stream: a body in parts without Content-Length;
    /write: the write() callable; /fail: an exception after start_response (exc_info)."""
    seen.append({k: v for k, v in environ.items() if isinstance(v, str)})
    path = environ["PATH_INFO"]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (part for part in (b"one ", b"two ", b"three"))
    if path == "/write":
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"and returned"]
    if path == "/fail":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"failed politely"]
    if path == "/crash":
        raise RuntimeError("the app is broken")
    if path == "/block":
        ok = release.wait(SOCKET_TIMEOUT)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"released" if ok else b"never released"]
    if path == "/release":
        release.set()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    text = f"{environ['REQUEST_METHOD']} {path} {environ['QUERY_STRING']} {len(body)}"
    data = text.encode("latin-1") + b"\n" + body
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]


class Closing:
    """An iterable whose close() the server must call."""

    closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        yield b"closing body"

    def close(self) -> None:
        Closing.closed.set()


def closing_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Closing()


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    seen.clear()
    release.clear()
    with HTTPServer(WSGIAdapter(validator(echo_app)), port=0) as running:
        yield running


def request(
    server: HTTPServer, method: str, target: str, body: bytes | None = None, **headers: str
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(*server.address, timeout=SOCKET_TIMEOUT)
    conn.request(method, target, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def raw_exchange(server: HTTPServer, data: bytes) -> bytes:
    with socket.create_connection(server.address, timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_get_environ(server: HTTPServer) -> None:
    conn = http.client.HTTPConnection(*server.address, timeout=SOCKET_TIMEOUT)
    conn.putrequest("GET", "/caf%C3%A9%2Fx?a=1&b=%20")
    conn.putheader("X-Many", "1")
    conn.putheader("X-Many", "2")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 200
    assert response.read() == b"GET /caf\xc3\xa9/x a=1&b=%20 0\n"
    conn.close()
    environ = seen[-1]
    # PEP 3333: the percent-decoded bytes as latin-1; the query string left as sent
    assert environ["PATH_INFO"] == "/caf\xc3\xa9/x"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["QUERY_STRING"] == "a=1&b=%20"
    assert environ["HTTP_X_MANY"] == "1, 2"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert environ["SERVER_NAME"] == "127.0.0.1"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["HTTP_HOST"].startswith("127.0.0.1")


def test_post_body_and_content_headers(server: HTTPServer) -> None:
    response = request(server, "POST", "/form", b"name=Vasya", **{"Content-Type": "x/y"})
    assert response.status == 200
    environ = seen[-1]
    assert environ["CONTENT_TYPE"] == "x/y"
    assert environ["CONTENT_LENGTH"] == "10"
    assert "HTTP_CONTENT_TYPE" not in environ and "HTTP_CONTENT_LENGTH" not in environ


def test_chunked_request_body_is_decoded(server: HTTPServer) -> None:
    data = raw_exchange(
        server,
        b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
        b"\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    )
    assert data.startswith(b"HTTP/1.1 200 ")
    assert data.endswith(b"POST /up  5\nabcde")
    assert seen[-1]["CONTENT_LENGTH"] == "5"


def test_streamed_body_without_length_is_chunked_for_http11(server: HTTPServer) -> None:
    data = raw_exchange(server, b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    assert body.endswith(b"0\r\n\r\n") and b"three" in body


def test_streamed_body_for_http10_has_no_chunked_coding(server: HTTPServer) -> None:
    data = raw_exchange(server, b"GET /stream HTTP/1.0\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head
    assert body == b"one two three"


def test_write_callable(server: HTTPServer) -> None:
    data = raw_exchange(server, b"GET /write HTTP/1.0\r\n\r\n")
    assert data.endswith(b"\r\n\r\nwritten and returned")


def test_head_has_no_body(server: HTTPServer) -> None:
    data = raw_exchange(server, b"HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 ")
    assert data.endswith(b"\r\n\r\n")


def test_start_response_with_exc_info_replaces_the_status(server: HTTPServer) -> None:
    response = request(server, "GET", "/fail")
    assert response.status == 500


def test_crashing_app_gets_500_and_the_server_goes_on(server: HTTPServer) -> None:
    assert request(server, "GET", "/crash").status == 500
    assert request(server, "GET", "/after").status == 200


def test_keep_alive_serves_several_requests(server: HTTPServer) -> None:
    conn = http.client.HTTPConnection(*server.address, timeout=SOCKET_TIMEOUT)
    for n in range(3):
        conn.request("GET", f"/n{n}")
        response = conn.getresponse()
        assert response.read().startswith(f"GET /n{n} ".encode())
    conn.close()


def test_pipelined_requests_answer_in_order(server: HTTPServer) -> None:
    data = raw_exchange(
        server,
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert data.index(b"GET /a ") < data.index(b"GET /b ")


def test_a_blocked_app_does_not_stall_other_connections(server: HTTPServer) -> None:
    answers: list[bytes] = []
    blocked = threading.Thread(
        target=lambda: answers.append(raw_exchange(server, b"GET /block HTTP/1.0\r\n\r\n"))
    )
    blocked.start()
    # the app runs in a worker thread: this request is answered while /block still waits
    assert request(server, "GET", "/release").status == 200
    blocked.join(SOCKET_TIMEOUT * 2)
    assert answers and answers[0].endswith(b"released")
    assert not answers[0].endswith(b"never released")


def test_iterable_is_closed() -> None:
    Closing.closed.clear()
    with HTTPServer(WSGIAdapter(validator(closing_app)), port=0) as running:
        assert request(running, "GET", "/").status == 200
        # The worker calls close() after it handed the last piece over, so the client may
        # have the whole answer first (as with wsgiref): wait for it, the wait only a guard.
        assert Closing.closed.wait(SOCKET_TIMEOUT * 6), "the iterable's close() was not called"


def test_loading_errors(tmp_path: Path) -> None:
    (tmp_path / "mod_ok.py").write_text(
        "def app(environ, start_response):\n    return []\n"
        "def mine(request):\n    return None\nnot_app = 3\n"
    )
    (tmp_path / "mod_broken.py").write_text("import no_such_module_anywhere\n")
    app, kind = load_app("mod_ok:app", tmp_path)
    assert kind == "WSGI" and isinstance(app, WSGIAdapter)
    assert load_app("mod_ok:mine", tmp_path)[1] == "httplab"
    with pytest.raises(AppLoadError, match="no attribute 'nope'"):
        load_app("mod_ok:nope", tmp_path)
    with pytest.raises(AppLoadError, match="is not an application"):
        load_app("mod_ok:not_app", tmp_path)
    with pytest.raises(AppLoadError, match="no module named 'mod_missing'"):
        load_app("mod_missing:app", tmp_path)
    with pytest.raises(AppLoadError, match="importing 'mod_broken' failed") as caught:
        load_app("mod_broken:app", tmp_path)
    details = caught.value.details
    assert "Traceback" in details and "mod_broken.py" in details
    assert "importlib" not in details and "loading.py" not in details  # the user's frames only


def test_httplab_app_by_shape(tmp_path: Path) -> None:
    def mine(request: Request) -> Response:
        return Response(200, body=b"mine " + request.target.encode())

    (tmp_path / "mod_mine.py").write_text(
        "from httplab.protocol.messages import Response\n"
        "def handle(request):\n    return Response(200, body=b'mine')\n"
    )
    app, kind = load_app("mod_mine:handle", tmp_path)
    assert kind == "httplab"
    with HTTPServer(app, port=0) as running:
        assert raw_exchange(running, b"GET / HTTP/1.0\r\n\r\n").endswith(b"\r\n\r\nmine")


def test_bottle_app_answers_its_routes() -> None:
    bottle = pytest.importorskip("bottle")
    web = bottle.Bottle()

    @web.get("/hello/<name>")
    def hello(name: str) -> str:
        return f"Hello, {name}!"

    @web.post("/echo")
    def echo() -> dict[str, str]:
        return {"got": bottle.request.body.read().decode()}

    with HTTPServer(WSGIAdapter(validator(web)), port=0) as running:
        response = request(running, "GET", "/hello/Vasya")
        assert response.status == 200
        conn = http.client.HTTPConnection(*running.address, timeout=SOCKET_TIMEOUT)
        conn.request("GET", "/hello/Vasya")
        assert conn.getresponse().read() == b"Hello, Vasya!"
        conn.request("POST", "/echo", body=b"ping", headers={"Content-Type": "text/plain"})
        answer = conn.getresponse()
        assert answer.status == 200 and answer.read() == b'{"got": "ping"}'
        conn.request("GET", "/missing")
        missing = conn.getresponse()
        missing.read()
        assert missing.status == 404
        conn.close()


def test_exchanges_reach_the_tracer() -> None:
    from httplab.trace.records import ExchangeRecord, TraceItem

    items: list[TraceItem] = []
    done = threading.Event()

    class Collect:
        def publish(self, item: TraceItem) -> None:
            items.append(item)
            if isinstance(item, ExchangeRecord):
                done.set()

    with HTTPServer(WSGIAdapter(validator(echo_app)), port=0, tracer=Collect()) as running:
        raw_exchange(running, b"GET /traced?q=1 HTTP/1.0\r\n\r\n")
        assert done.wait(SOCKET_TIMEOUT)
    records = [item for item in items if isinstance(item, ExchangeRecord)]
    assert records[0].raw_request.startswith(b"GET /traced?q=1 HTTP/1.0")
    assert records[0].response is not None and records[0].response.status == 200
    assert records[0].raw_response.endswith(b"GET /traced q=1 0\n")


def test_serve_app_errors_are_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from httplab.cli import app as cli

    (tmp_path / "mod_value.py").write_text("x = 1\n")
    result = CliRunner().invoke(
        cli, ["serve", "--app", "mod_value:x", "--app-dir", str(tmp_path), "--port", "0"]
    )
    assert result.exit_code == 2
    assert "--app mod_value:x: int is not an application" in result.output
    assert "an ASGI 3 app async def app(scope, receive, send)" in result.output  # all 3 kinds
    assert "Traceback" not in result.output
