"""Your HTTP server after lesson 01: it reads a whole request, however it arrives, and answers.

A request ends with an empty line (CRLF CRLF), and TCP is a stream of bytes: one recv() may hold
half a request or two. So the server keeps reading until it has seen the empty line.

Run it:    python3 server.py 8080      (then: httplab lesson check N, N = the lesson you are on)
"""

import socket
import sys

HOST = "127.0.0.1"
MAX_LINE = 64 * 1024  # longest line read at once: a limit, so a client cannot fill memory
TIMEOUT = 30.0  # seconds a client may stay silent before the server hangs up


def serve_client(conn: socket.socket) -> None:
    buffer = b""
    while b"\r\n\r\n" not in buffer:  # the empty line ends the head (RFC 9112 §2.1)
        chunk = conn.recv(4096)
        if not chunk:  # the client closed before a whole request: nothing to answer
            return
        if len(buffer) > MAX_LINE * 4:
            return  # far too big for a head: hang up (lesson 12 answers properly)
        buffer += chunk
    body = b"hello\n"
    head = b"HTTP/1.1 200 OK\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    conn.sendall(head + body)
    # TODO(lesson 2): read the request line with rfile.readline(), split it into exactly three
    #   parts by single spaces (bytes, split(b" ")), check method, target and version;
    #   answer 400 for a malformed line, 505 for an HTTP version other than 1.x.
    # TODO(урок 2): прочитайте стартовую строку через rfile.readline(), разделите её ровно на
    #   три части по одиночным пробелам (байты, split(b" ")), проверьте метод, цель и версию;
    #   на неверную строку ответьте 400, на версию HTTP не 1.x — 505.


def serve(port: int) -> None:
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
                    serve_client(conn)
                except OSError as error:  # the client vanished: serve the next one
                    print(f"client failed: {error!r}", file=sys.stderr)


if __name__ == "__main__":
    try:
        serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    except KeyboardInterrupt:
        print("stopped")
