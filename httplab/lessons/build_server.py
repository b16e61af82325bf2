"""Start a learner's server for a build check, wait until it listens, stop it afterwards.

`--cmd "python3 server.py {port}"` is split like a shell would (no shell runs), `{port}` filled
with a free port, and started in its own process group with its output going to temporary
files (a chatty server never blocks on a full pipe). Every way it can go wrong is one line for
the learner: the command is not found, the server exits (its last lines of stderr are shown),
the port is taken ("address already in use"), or it never starts listening.

"Listening" is seen without connecting: a connection the check then closed unused would be the
first request of a blocking learner server, and a naive one loops forever on it. Binding the
port ourselves fails while someone listens there, so that is the probe.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from httplab.lessons.model import Localized

START_TIMEOUT = 10.0
POLL = 0.03
STOP_GRACE = 2.0
STDERR_LINES = 8
SETTLE = 0.05
"""Seconds between seeing the port bound and the first case (bind() comes before listen())."""


class ServerStartError(Exception):
    """The learner's server could not be started or never listened; the message is one line
    (plus, for a crash, the last lines of its stderr); `said` has it in Russian too when the
    server exited."""

    def __init__(self, message: str, said: Localized | None = None) -> None:
        super().__init__(message)
        self.said = said or Localized(message, message)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def port_in_use(host: str, port: int) -> bool:
    """Is something bound to host:port? (Checked by binding, never by connecting.)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def command_words(command: str, port: int) -> list[str]:
    """`command` split as a shell would, `{port}` filled in; `python3` means this Python when
    no `python3` is on PATH (a venv on Windows)."""
    if "{port}" not in command:
        raise ServerStartError(
            f"--cmd must say where the port goes with {{port}}, e.g. "
            f'--cmd "python3 server.py {{port}}" (got {command!r})'
        )
    try:
        words = shlex.split(command.replace("{port}", str(port)))
    except ValueError as exc:
        raise ServerStartError(f"cannot split --cmd {command!r}: {exc}") from None
    if not words:
        raise ServerStartError("--cmd is empty")
    return words


class LearnerServer:
    """The learner's server process: `start()`, `problem()`, `stop()`; or use `with`."""

    def __init__(self, command: str, host: str = "127.0.0.1", cwd: Path | None = None) -> None:
        self.command = command
        self.host = host
        self.cwd = cwd
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stdout: IO[bytes] | None = None

    def __enter__(self) -> LearnerServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, port: int | None = None, timeout: float = START_TIMEOUT) -> int:
        """Start the server on `port` (a free one when None), wait until it listens."""
        self.port = port if port is not None else free_port(self.host)
        if port is not None and port_in_use(self.host, port):
            raise ServerStartError(f"port {port} is already in use: another server runs there")
        words = command_words(self.command, self.port)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._stdout = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        environment = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            self.process = subprocess.Popen(
                words,
                stdin=subprocess.DEVNULL,
                stdout=self._stdout,
                stderr=self._stderr,
                cwd=self.cwd,
                env=environment,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise ServerStartError(f"cannot start {words[0]!r}: command not found") from None
        except OSError as exc:
            raise ServerStartError(f"cannot start {words[0]!r}: {exc.strerror}") from None
        self._wait_listening(timeout)
        return self.port

    def _wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            gone = self.problem()
            if gone is not None:
                raise ServerStartError(gone.en, gone)
            if port_in_use(self.host, self.port):
                time.sleep(SETTLE)
                return
            time.sleep(POLL)
        self.stop()
        raise ServerStartError(
            f"the server did not listen on {self.host}:{self.port} within {timeout:g} s "
            f"(does it read the port from its arguments? started: {self.shown_command()})"
        )

    def shown_command(self) -> str:
        """The command as started; this Python shown as `python3` (its path is noise)."""
        words = command_words(self.command, self.port)
        if words and words[0] == sys.executable:
            words[0] = "python3"
        return shlex.join(words)

    def stderr_tail(self, lines: int = STDERR_LINES) -> list[str]:
        if self._stderr is None:
            return []
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")
        return text.rstrip("\n").splitlines()[-lines:] if text.strip() else []

    def problem(self) -> Localized | None:
        """Why the server is gone (it exited), or None while it runs; in both languages (the
        lines of its stderr as they are)."""
        if self.process is None:
            return Localized("the server was not started", "сервер не был запущен")
        code = self.process.poll()
        if code is None:
            return None
        tail = self.stderr_tail()
        text = "\n".join(tail)
        if "Address already in use" in text or "Errno 98" in text or "Errno 48" in text:
            return Localized(
                f"the server exited: address already in use (port {self.port} was taken)",
                f"сервер завершился: адрес занят (порт {self.port} уже кем-то занят)",
            )
        first = Localized(
            f"the server exited with code {code}", f"сервер завершился с кодом {code}"
        )
        if code < 0:
            first = Localized(
                f"the server was killed by signal {-code}", f"сервер убит сигналом {-code}"
            )
        if not tail:
            return Localized(
                first.en + " (nothing on its stderr)", first.ru + " (в его stderr пусто)"
            )
        shown = "\n".join("    │ " + line for line in tail)
        return Localized(
            f"{first.en}; the last lines of its stderr:\n{shown}",
            f"{first.ru}; последние строки его stderr:\n{shown}",
        )

    def stop(self) -> None:
        """Stop what `start()` started (its process group), politely, then firmly."""
        process = self.process
        if process is not None and process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(STOP_GRACE)
        for stream in (self._stdout,):
            if stream is not None:
                stream.close()
        self._stdout = None

    def close(self) -> None:
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _signal(self, number: int) -> None:
        process = self.process
        assert process is not None
        try:
            if sys.platform != "win32":
                os.killpg(process.pid, number)  # the group start() created: ours alone
            else:
                process.send_signal(number)
        except (ProcessLookupError, PermissionError):
            pass
