"""Class mode: 30 students, each from its own address on 127.0.0.x, send to the lesson server;
the instructor's board counts distinct clients per step and the most common wrong answer."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Callable

from tests.tui.lesson_harness import lesson_run
from tests.tui.terminal import EmulatedTerminal

STUDENTS = 30


def send_from(address: str, port: int, data: bytes) -> bytes:
    """One request from a client socket bound to `address` (a distinct student)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.bind((address, 0))
        sock.connect(("127.0.0.1", port))
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def get(target: str, *, host: bool = True, agent: bool = True) -> bytes:
    lines = [f"GET {target} HTTP/1.1"]
    if host:
        lines.append("Host: localhost")
    if agent:
        lines.append("User-Agent: curl/8.5.0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def class_sends(port: int, plan: Callable[[int], list[bytes]]) -> None:
    """Every student at once, each on its own thread and address; `plan(n)` their requests."""

    def student(n: int) -> None:
        for request in plan(n):
            send_from(f"127.0.0.{10 + n}", port, request)

    threads = [threading.Thread(target=student, args=(n,)) for n in range(STUDENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def board_row(screen: str, number: int) -> str:
    """Step `number`'s row of the board and the line under it (its most common mistake)."""
    lines = screen.splitlines()
    for index, line in enumerate(lines[:-1]):
        if re.search(rf"^\s*▸?\s*{number}\. ", line):
            return " ".join(part.split("│")[0] for part in lines[index : index + 2])
    return ""


def test_thirty_students_are_counted_on_the_board() -> None:
    terminal = EmulatedTerminal(120, 35)

    async def scenario() -> None:
        async with lesson_run(output=terminal.output, class_mode=True) as r:

            def step_one(n: int) -> list[bytes]:
                if n < 12:  # a wrong path first: 404
                    return [get("/user"), get("/users")]
                if n < 17:  # the wrong method: 405
                    return [b"DELETE /users HTTP/1.1\r\nHost: x\r\n\r\n", get("/users")]
                return [get("/users")]

            await asyncio.to_thread(class_sends, r.port, step_one)
            await r.until(lambda: r.session.board()[0].passed_clients == STUDENTS, "30 passes")
            row = r.session.board()[0]
            assert row.top_mistake_clients == 12
            assert row.top_mistake is not None and "404" in row.top_mistake.hint.en
            await r.until(lambda: "30" in board_row(terminal.text, 1), "the board on screen")
            line = board_row(terminal.text, 1)
            assert re.search(r"Ask for the users\s+30\s+✗ 12× The server answered 404", line), line

            r.press("n")  # the instructor moves the class on
            await r.until(lambda: r.session.index == 1, "step 2")

            def step_two(n: int) -> list[bytes]:
                if n < 7:  # no Host: 400
                    return [get("/users", host=False, agent=False)]
                if n < 20:
                    return [get("/users", agent=False)]
                return []  # ten students have not sent yet

            await asyncio.to_thread(class_sends, r.port, step_two)
            await r.until(lambda: r.session.board()[1].passed_clients == 13, "13 passes")
            await r.until(lambda: "13" in board_row(terminal.text, 2), "row 2 on screen")
            line = board_row(terminal.text, 2)
            assert re.search(r"▸ 2\. Write the request yourself\s+13\s+✗ 7× 400 Bad Request", line)
            assert re.search(r"1\. Ask for the users\s+30\s+✗ 12×", board_row(terminal.text, 1))

    asyncio.run(scenario())
