"""Your HTTP server, lesson 01: it listens, accepts a connection and hangs up.

Run it:    python3 server.py 8080      (then: httplab lesson check N, N = the lesson you are on)
"""

import socket
import sys

HOST = "127.0.0.1"
MAX_LINE = 64 * 1024  # longest line read at once: a limit, so a client cannot fill memory
TIMEOUT = 30.0  # seconds a client may stay silent before the server hangs up


def serve_client(conn: socket.socket) -> None:
    # TODO(lesson 1): this server hangs up at once. Read the request until its empty line
    #   (b"\r\n\r\n") and answer HTTP/1.1 200 OK with a small body and its Content-Length.
    #   One recv() is not one request: TCP is a stream, a request may come in pieces.
    # TODO(урок 1): этот сервер сразу кладёт трубку. Прочитайте запрос до его пустой строки
    #   (b"\r\n\r\n") и ответьте HTTP/1.1 200 OK с коротким телом и его Content-Length.
    #   Один recv() — не один запрос: TCP — это поток, запрос может прийти по частям.
    pass


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
