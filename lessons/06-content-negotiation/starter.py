"""Your HTTP server after lesson 05: the users API — routing by method and path.

    POST /users?name=Vasya&age=42   → 201 Created, Location: /users/1    (RFC 9110 §15.3.2)
    GET  /users                     → the list
    GET  /users/1                   → one user, or 404                   (RFC 9110 §15.5.5)
    DELETE /users                   → 405 with Allow                     (RFC 9110 §15.5.6)

Run it:    python3 server.py 8080      (then: httplab lesson check N, N = the lesson you are on)
"""

import json
import socket
import sys
from urllib.parse import parse_qs

HOST = "127.0.0.1"
NAMES = {"localhost", "127.0.0.1"}  # the names this server answers for (plus argv[2])
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
JSON = "application/json"


class HTTPError(Exception):
    """An answer the server gives instead of handling the request (400, 404, ...)."""

    def __init__(self, status: int, detail: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or []


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

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.target.partition("?")[2])


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body


def json_response(status: int, data: object) -> Response:
    body = json.dumps(data)
    return Response(status, [("Content-Type", JSON)], body.encode("utf-8"))


class UsersApp:
    """The users API; it never sees a socket: a Request in, a Response out."""

    def __init__(self) -> None:
        self.users: dict[int, dict[str, object]] = {}
        self.next_id = 1  # never len(users) + 1: ids must not come back after a delete

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/users":
            if request.method in ("GET", "HEAD"):
                return self.list_users(request)
            if request.method == "POST":
                return self.create_user(request)
            allow = [("Allow", "GET, HEAD, POST")]
            raise HTTPError(405, f"{request.method} is not allowed on /users", allow)
        if path.startswith("/users/"):
            digits = path[len("/users/") :]
            if digits.isascii() and digits.isdigit() and not digits.startswith("0"):
                if request.method not in ("GET", "HEAD"):
                    allow = [("Allow", "GET, HEAD")]
                    raise HTTPError(405, f"{request.method} is not allowed on {path}", allow)
                return self.get_user(request, int(digits))
        raise HTTPError(404, f"nothing at {path}; this server has /users and /users/ID")

    def create_user(self, request: Request) -> Response:
        fields = request.query
        names, ages = fields.get("name", []), fields.get("age", [])
        if len(names) != 1 or not names[0]:
            raise HTTPError(400, "name: give it once, not empty")
        if len(ages) != 1 or not (ages[0].isascii() and ages[0].isdigit()) or len(ages[0]) > 3:
            raise HTTPError(400, "age: give it once, as a whole number")
        user = {"id": self.next_id, "name": names[0], "age": int(ages[0])}
        self.users[self.next_id] = user
        self.next_id += 1
        response = json_response(201, user)
        response.headers.append(("Location", f"/users/{user['id']}"))
        return response

    def list_users(self, request: Request) -> Response:
        # TODO(lesson 6): answer JSON or HTML as the Accept field prefers (q-values; q=0 is
        #   "not this"), JSON when there is no Accept, 406 when neither is acceptable.
        # TODO(урок 6): отвечать JSON или HTML, как предпочитает поле Accept (значения q;
        #   q=0 — «только не это»), JSON, когда Accept нет, 406, когда не подходит ни то, ни другое.
        return json_response(200, list(self.users.values()))

    def get_user(self, request: Request, user_id: int) -> Response:
        user = self.users.get(user_id)
        if user is None:
            raise HTTPError(404, f"no user with id {user_id}")
        return json_response(200, user)


def serve_client(conn: socket.socket, app: UsersApp) -> None:
    rfile = conn.makefile("rb")
    try:
        request = read_request(rfile)
        check_host(request, NAMES)
        response = app.handle(request)
        send(conn, response.status, response.body, response.headers)
    except HTTPError as error:
        send(conn, error.status, f"{error.status} {error.detail}\n".encode(), error.headers)
    except ClientGone:
        pass  # the client closed in the middle of its request: nothing to answer


class ClientGone(Exception):
    """The client closed the connection (or stayed silent) before a whole request."""


def read_request(rfile) -> Request:
    request = read_request_line(rfile)
    request.fields = read_fields(rfile)
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


def check_host(request: Request, names: set[str] | str) -> None:
    """One Host in an HTTP/1.1 request (RFC 9112 §3.2), naming this server (RFC 9110 §7.4)."""
    hosts = [value for name, value in request.fields if name == "host"]
    if not hosts:
        if request.version == "HTTP/1.1":
            raise HTTPError(400, "an HTTP/1.1 request needs a Host field")
        return
    if len(hosts) > 1:
        raise HTTPError(400, "more than one Host field")
    host, _, given_port = hosts[0].lower().rpartition(":")
    if not host or not given_port.isdigit():  # no port: the whole value is the host
        host = hosts[0].lower()
    # The name decides, as in nginx's server_name: behind a proxy or a relay the port in
    # Host is the one the client used, not the one this process listens on.
    known = {names} if isinstance(names, str) else names
    if host not in known:
        raise HTTPError(421, f"this server is not {hosts[0]}")


def send(conn: socket.socket, status: int, body: bytes, headers: list | None = None) -> None:
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
    for name, value in headers or []:
        head += f"{name}: {value}\r\n"
    head += f"Content-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode("latin-1") + body)


def serve(port: int) -> None:
    app = UsersApp()
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
                    serve_client(conn, app)
                except OSError as error:  # the client vanished: serve the next one
                    print(f"client failed: {error!r}", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 2:
        NAMES.add(sys.argv[2].lower())
    try:
        serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    except KeyboardInterrupt:
        print("stopped")
