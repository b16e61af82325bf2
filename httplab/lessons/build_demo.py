"""`httplab lesson demo N`: the reference solution of lesson N, with every byte shown.

The solution is a separate process (the learner's kind of server: blocking, plain sockets), so
the trace bus of httplab's own server never sees its exchanges. The demo therefore stands in
front of it: it listens where the class sends, relays each connection to the solution on a
private port, and prints what passes in each direction as it passes — escaped by the wire-text
rules (CRLF visible), one numbered block per chunk. Nothing is parsed or changed on the way:
what is shown is exactly what the solution received and sent.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from pathlib import Path

from rich.console import Console
from rich.text import Text

from httplab.lessons.build_check import check_cases, request_for
from httplab.lessons.build_commands import SOLUTION, BuildError, find_lesson, load_checks
from httplab.lessons.build_report import wire_block
from httplab.lessons.build_server import LearnerServer, ServerStartError
from httplab.render.escape import escape_text

CHUNK = 65536
CASE_TIMEOUT = 3.0


class Relay:
    """Accepts on host:port, pipes each connection to the solution, prints both directions."""

    def __init__(self, host: str, port: int, target: int, console: Console) -> None:
        self.target = target
        self.console = console
        self.listener = socket.create_server((host, port))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._count = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self.listener.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self._count += 1
                number = self._count
            threading.Thread(target=self._serve, args=(client, number), daemon=True).start()

    def _serve(self, client: socket.socket, number: int) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
        except OSError as exc:
            self._show(number, f"cannot reach the solution: {exc}", b"")
            client.close()
            return
        upstream.settimeout(None)
        self._show(number, "connection opened", b"")
        pumps = [
            threading.Thread(target=self._pump, args=(client, upstream, number, "→ to server")),
            threading.Thread(target=self._pump, args=(upstream, client, number, "← to client")),
        ]
        for pump in pumps:
            pump.start()
        for pump in pumps:
            pump.join()
        client.close()
        upstream.close()
        self._show(number, "connection closed", b"")

    def _pump(self, source: socket.socket, sink: socket.socket, number: int, way: str) -> None:
        while True:
            try:
                data = source.recv(CHUNK)
            except OSError:
                data = b""
            if not data:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)
                return
            self._show(number, way, data)
            try:
                sink.sendall(data)
            except OSError:
                return

    def _show(self, number: int, what: str, data: bytes) -> None:
        with self._lock:
            head = Text(f"#{number} {what}", style="bold")
            if data:
                head.append(f" ({len(data)} bytes)", style="dim")
            self.console.print(head, soft_wrap=True)
            if data:
                self.console.print(wire_block("", data, max_lines=40), soft_wrap=True)


def _send_cases(number: int, port: int, console: Console) -> None:
    """This lesson's new check cases, one connection each, through the relay."""
    cases = [case for case in check_cases(load_checks(number)) if case.lesson == number]
    console.print(Text(f"sending lesson {number}'s {len(cases)} new check cases:", style="bold"))
    for case in cases:
        console.print(Text(f"— {case.key} {escape_text(case.title)}", style="bold"))
        request, _ = request_for(case.exchange, port)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=CASE_TIMEOUT) as sock:
                sock.sendall(request)
                while sock.recv(CHUNK):
                    pass
        except OSError:
            pass  # a kept-alive connection times out here; the relay has shown it all


def run_demo(number: int, host: str, port: int, cases: bool, console: Console) -> int:
    lesson = find_lesson(number)
    solution = lesson.folder / SOLUTION
    if not solution.is_file():
        raise BuildError(f"lesson {number} has no reference solution yet ({solution})", 1)
    command = f"{_quoted(Path(sys.executable))} {_quoted(solution)} {{port}}"
    server = LearnerServer(command)
    try:
        target = server.start()
    except ServerStartError as exc:
        console.print(f"cannot start the solution: {escape_text(str(exc))}", soft_wrap=True)
        return 1
    try:
        try:
            relay = Relay(host, port, target, console)
        except OSError as exc:
            console.print(f"cannot listen on {host}:{port}: {exc.strerror}", soft_wrap=True)
            return 1
        relay.start()
        console.print(
            Text(f"{lesson.name}: the reference solution, shown byte for byte", style="bold")
        )
        console.print(
            f"listening on http://{host}:{relay.port}/ (relayed to the solution on port "
            f"{target}); Ctrl-C stops",
            soft_wrap=True,
        )
        if cases:
            _send_cases(number, relay.port, console)
        console.print(f"now send your own: curl -i http://{host}:{relay.port}/users")
        threading.Event().wait()
    finally:
        server.close()
    return 0


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
