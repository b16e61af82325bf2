"""--plain judges exchanges from other clients (curl, students) while it waits for input."""

from __future__ import annotations

import io
import queue
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from httplab.lessons import LessonSettings, Progress, load_lesson
from httplab.lessons.plain import PlainLesson
from httplab.lessons.session import StepState

BY_HAND = 1


def _lines(feed: queue.Queue[str | None]) -> Iterator[str]:
    while (line := feed.get()) is not None:
        yield line


def _send(port: int, data: bytes, source: str = "127.0.0.1") -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass


def _start(
    tmp_path: Path, *, class_mode: bool
) -> tuple[PlainLesson, io.StringIO, queue.Queue[str | None], threading.Thread]:
    out = io.StringIO()
    plain = PlainLesson(
        load_lesson(1),
        Progress.load(tmp_path / "p.json"),
        LessonSettings(port=0, class_mode=class_mode, timeout=2.0),
        out,
    )
    plain.session.go(BY_HAND)
    feed: queue.Queue[str | None] = queue.Queue()
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(plain.run(_lines(feed))))
    runner.start()
    return plain, out, feed, runner


def test_another_client_passes_the_step_while_the_repl_waits(tmp_path: Path) -> None:
    plain, out, feed, runner = _start(tmp_path, class_mode=False)
    passed = threading.Event()
    plain.session.subscribe(
        lambda: passed.set() if plain.session.status("by-hand").state is StepState.PASSED else None
    )
    while plain.server.server is None:  # run() starts the server before reading input
        threading.Event().wait(0.01)
    _send(plain.server.port, b"GET /users HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert passed.wait(30)
    feed.put(":quit")
    feed.put(None)
    runner.join(30)
    assert "✓ passed: Write the request yourself" in out.getvalue()


def test_class_board_in_plain_counts_students(tmp_path: Path) -> None:
    plain, out, feed, runner = _start(tmp_path, class_mode=True)
    judged = threading.Event()
    seen = 0
    lock = threading.Lock()

    def count() -> None:
        nonlocal seen
        row = plain.session.board()[BY_HAND]
        with lock:
            seen = row.passed_clients + row.top_mistake_clients
        if seen >= 12:
            judged.set()

    plain.session.subscribe(count)
    while plain.server.server is None:
        threading.Event().wait(0.01)
    port = plain.server.port
    threads = [
        threading.Thread(
            target=_send,
            args=(port, b"GET /users HTTP/1.1\r\n" + (b"Host: x\r\n" if n < 8 else b"") + b"\r\n"),
            kwargs={"source": f"127.0.0.{n + 2}"},
        )
        for n in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert judged.wait(30)
    feed.put(":board")
    feed.put(None)
    runner.join(30)
    text = out.getvalue()
    assert "2. Write the request yourself: 8 ✓ · 4 ✗" in text
    assert plain.session.index == BY_HAND  # a class moves on only when the instructor says


def test_ctrl_c_ends_the_plain_lesson_with_130(tmp_path: Path) -> None:
    """Ctrl-C in `httplab lesson N --plain` ended it with status 1, the status of a failure,
    where send, replay, repl and lesson check say 130 (found by a new-user check)."""
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "httplab", "lesson", "1", "--plain", "--port", "0"]
    with subprocess.Popen(
        [*command, "--progress", str(tmp_path / "p.json"), "--lang", "en"],
        stdin=subprocess.PIPE,  # kept open: the lesson waits for a line
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as lesson:
        assert lesson.stdout is not None and lesson.stderr is not None
        while not (line := lesson.stdout.readline()).startswith("Task:"):
            assert line, "the lesson ended before its task"
        lesson.send_signal(signal.SIGINT)
        status = lesson.wait(timeout=60)
        assert "Traceback" not in lesson.stderr.read()
    assert status == 130


def test_a_taken_port_is_status_1_in_plain_as_in_the_lesson_view(tmp_path: Path) -> None:
    """`httplab lesson 1 --plain --port P` with P taken exited 2 (a usage problem), the lesson
    view and serve 1 for the same line (found by a new-user check)."""
    import subprocess
    import sys

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "httplab", "lesson", "1", "--plain", "--port", str(port)]
        done = subprocess.run(
            [*command, "--progress", str(tmp_path / "p.json")],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.startswith(f"httplab lesson: cannot listen on 127.0.0.1:{port}: the port")


def test_a_taken_port_is_said_in_the_lessons_language(tmp_path: Path) -> None:
    """`httplab lesson 1 --lang ru` with its port taken said it in English, in the lesson view
    (without a terminal: --plain, said so) and in --plain alike."""
    import subprocess
    import sys

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "httplab", "lesson", "1", "--port", str(port)]
        command += ["--progress", str(tmp_path / "p.json"), "--lang", "ru"]
        done = [
            subprocess.run(
                args,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for args in (command, [*command, "--plain"])
        ]
    view, plain = done
    line = f"httplab lesson: не удаётся слушать 127.0.0.1:{port}: порт уже занят"
    assert view.returncode == plain.returncode == 1
    assert view.stderr.startswith("httplab lesson: нет терминала, урок идёт в режиме --plain\n")
    assert view.stderr.splitlines()[1].startswith(line)
    assert plain.stderr.startswith(line) and plain.stderr.count("\n") == 1
    assert "--port 0 — любой свободный" in plain.stderr and "cannot" not in plain.stderr
