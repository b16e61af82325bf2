"""Your HTTP server after lesson 02: it reads the request line byte by byte, by the grammar.

    request-line = method SP request-target SP HTTP-version CRLF      (RFC 9112 §3)

Exactly one space between the parts (split(b" "), never split()), a method made of token
characters, a target without spaces or controls, a version HTTP/1.1 (or 1.0). A broken request
line gets 400, another HTTP version 505.

Run it:    python3 server.py 8080      (then: httplab lesson check N, N = the lesson you are on)
"""

import socket
import sys

HOST = "127.0.0.1"
MAX_LINE = 64 * 1024  # longest line read at once: a limit, so a client cannot fill memory
TIMEOUT = 30.0  # seconds a client may stay silent before the server hangs up
TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "Content Too Large",
    414: "URI Too Long",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class HTTPError(Exception):
    """An answer the server gives instead of handling the request (400, 404, ...)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Request:
    def __init__(self, method: str, target: str, version: str) -> None:
        self.method = method
        self.target = target
        self.version = version


def serve_client(conn: socket.socket, server_name: str) -> None:
    rfile = conn.makefile("rb")
    try:
        request = read_request(rfile)
        body = f"you asked for {request.target} with {request.method}\n".encode()
        send(conn, 200, body)
    except HTTPError as error:
        send(conn, error.status, f"{error.status} {error.detail}\n".encode())
    except ClientGone:
        pass  # the client closed in the middle of its request: nothing to answer


class ClientGone(Exception):
    """The client closed the connection (or stayed silent) before a whole request."""


def read_request(rfile) -> Request:
    request = read_request_line(rfile)
    # TODO(lesson 3): read the header lines up to the empty line into request.fields:
    #   split each at the FIRST colon (partition(b":")), reject a name that is not a token
    #   (a space before the colon: 400), strip spaces and tabs around the value.
    # TODO(урок 3): прочитайте строки полей до пустой строки в request.fields: делите каждую
    #   по ПЕРВОМУ двоеточию (partition(b":")), отклоняйте имя, которое не token (пробел перед
    #   двоеточием: 400), убирайте пробелы и табуляции вокруг значения.
    while True:  # the header lines are not read yet: skip them up to the empty line
        line = rfile.readline(MAX_LINE + 1)
        if not line:
            raise ClientGone
        if line in (b"\r\n", b"\n"):
            return request


def read_line(rfile, too_long: int = 400) -> bytes:
    """One line without its line end (CRLF, or a bare LF: RFC 9112 §2.2 lets a server
    accept it); ClientGone at the end of the stream."""
    try:
        line = rfile.readline(MAX_LINE + 1)
    except (TimeoutError, ConnectionError):
        raise ClientGone from None
    if len(line) > MAX_LINE:
        raise HTTPError(too_long, f"a line longer than {MAX_LINE} bytes")
    if not line.endswith(b"\n"):
        raise ClientGone  # the stream ended in the middle of a line
    return line[:-2] if line.endswith(b"\r\n") else line[:-1]


def read_request_line(rfile) -> Request:
    line = read_line(rfile, too_long=414)
    while line == b"":  # RFC 9112 §2.2: ignore empty lines before a request line
        line = read_line(rfile, too_long=414)
    parts = line.split(b" ")  # exactly one SP between the parts: never split() (RFC 9112 §3)
    if len(parts) != 3:
        raise HTTPError(400, "the request line is: method SP request-target SP HTTP-version")
    method, target, version = parts
    if not method or any(byte not in TOKEN for byte in method):
        raise HTTPError(400, "the method must be a token (letters, digits, !#$%&'*+-.^_`|~)")
    if not target or any(byte <= 0x20 or byte >= 0x7F for byte in target):
        raise HTTPError(400, "the request-target must be visible ASCII without spaces")
    if (
        len(version) != 8
        or not version.startswith(b"HTTP/")
        or version[6:7] != b"."
        or not version[5:6].isdigit()
        or not version[7:8].isdigit()
    ):
        raise HTTPError(400, "the version must look like HTTP/1.1 (RFC 9112 §2.3)")
    if version[:6] != b"HTTP/1":
        raise HTTPError(505, f"{version.decode()} is not supported here; use HTTP/1.1")
    return Request(method.decode("ascii"), target.decode("ascii"), version.decode("ascii"))


def send(conn: socket.socket, status: int, body: bytes, headers: list | None = None) -> None:
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
    for name, value in headers or []:
        head += f"{name}: {value}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode("latin-1") + body)


def serve(port: int, server_name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
        listener.listen()
        print(f"listening on http://{HOST}:{port}/", flush=True)
        while True:  # one client at a time: simple, and enough to learn HTTP
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                try:
                    serve_client(conn, server_name)
                except OSError as error:  # the client vanished: serve the next one
                    print(f"client failed: {error!r}", file=sys.stderr)


if __name__ == "__main__":
    try:
        name = sys.argv[2].lower() if len(sys.argv) > 2 else "localhost"
        serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8080, name)
    except KeyboardInterrupt:
        print("stopped")
