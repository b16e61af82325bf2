"""Tiny raw socket servers for client tests: each connection runs a script you give it.

A script is `handler(conn: socket.socket) -> None`; `read_head(conn)` reads up to the blank line
that ends a request head. The server counts connections so tests can see keep-alive at work.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
from collections.abc import Callable
from types import TracebackType

Handler = Callable[[socket.socket], None]


def read_head(conn: socket.socket, buffer: bytearray | None = None) -> bytes:
    """Bytes up to and including the first blank line (b"" if the peer closed first)."""
    data = buffer if buffer is not None else bytearray()
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        data += chunk
    end = min(i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := data.find(sep)) >= 0)
    head = bytes(data[:end])
    del data[:end]
    return head


class RawServer:
    """Listens on 127.0.0.1:<ephemeral>; runs `handler` for every connection on a thread."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port: int = self.listener.getsockname()[1]
        self.connections = 0
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._open: list[socket.socket] = []

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(2)
        self.listener.close()
        for conn in self._open:
            conn.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with contextlib.suppress(OSError):
            self.handler(conn)


def answer_each(response: bytes, *, close: bool = False) -> Handler:
    """A handler that answers every request head with `response` (keep-alive unless `close`)."""

    def handler(conn: socket.socket) -> None:
        buffer = bytearray()
        while read_head(conn, buffer):
            conn.sendall(response)
            if close:
                conn.close()
                return

    return handler


def one_byte_at_a_time(response: bytes) -> Handler:
    def handler(conn: socket.socket) -> None:
        if read_head(conn):
            for byte in response:
                conn.sendall(bytes([byte]))
            conn.close()

    return handler


def ctrl_c_while_waiting(command: Callable[[str], list[str]]) -> tuple[int, str]:
    """Run `command(HOST:PORT)` against a server that reads the request and never answers,
    press Ctrl-C once the request has arrived: (exit status, stderr)."""
    arrived, release = threading.Event(), threading.Event()

    def silent(conn: socket.socket) -> None:
        read_head(conn)
        arrived.set()
        release.wait(20)

    with RawServer(silent) as server:
        process = subprocess.Popen(
            command(f"127.0.0.1:{server.port}"),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert arrived.wait(20), "the request never arrived"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
        release.set()
    return process.returncode, err
