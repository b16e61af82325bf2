"""Your HTTP server after lesson 03: it reads the header section into fields.

    field-line = field-name ":" OWS field-value OWS                    (RFC 9112 §5)

The name ends at the first colon (a value may hold more: Host: localhost:8080), names compare
case-insensitively, spaces around the value are not part of it, and a space before the colon
is an error (400).

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
        self.fields: list[tuple[str, str]] = []  # (lower-case name, value), in order

    def header(self, name: str) -> str | None:
        """The value of field `name` (any case), or None; repeated fields joined by ", "."""
        values = [value for key, value in self.fields if key == name.lower()]
        return ", ".join(values) if values else None


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
    request.fields = read_fields(rfile)
    # TODO(lesson 4): write check_host(request, server_name) and call it in
    #   serve_client(): exactly one Host field in an HTTP/1.1 request (else 400), naming this
    #   server — its name, with or without a port (else 421 Misdirected Request).
    # TODO(урок 4): напишите check_host(request, server_name) и вызовите её в serve_client():
    #   в запросе HTTP/1.1 ровно одно поле Host (иначе 400), и оно называет этот сервер —
    #   его имя, с портом или без (иначе 421 Misdirected Request).
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


def read_fields(rfile) -> list[tuple[str, str]]:
    """The header section: (lower-case name, value) per line, in order (RFC 9112 §5)."""
    fields: list[tuple[str, str]] = []
    while True:
        line = read_line(rfile)
        if line == b"":
            return fields
        if line[:1] in (b" ", b"\t"):
            raise HTTPError(400, "a header line starting with a space (obsolete line folding)")
        name, colon, value = line.partition(b":")  # the FIRST colon: values may hold more
        if not colon or not name or any(byte not in TOKEN for byte in name):
            raise HTTPError(400, "a header line is name:value, no space before the colon")
        value = value.strip(b" \t")
        if any(byte in b"\r\n\x00" for byte in value):
            raise HTTPError(400, "a header value with CR, LF or NUL")
        fields.append((name.decode("ascii").lower(), value.decode("latin-1")))


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
