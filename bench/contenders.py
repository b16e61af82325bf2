"""The servers `bench/run.py` measures: what each runs, what it serves, how it starts and stops.

httplab runs as `httplab serve --seed 2` (the users API with two users) from the tree being
measured; `GET /users` answers the two users as JSON. The references answer the same JSON
(see refservers.py). Each server is pinned to the server core; the tmux terminal and the
trace pipe's reader run on the generator's core, as another program on the machine would.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness import HOST, Children, Cores, free_port, wait_answering

BENCH = Path(__file__).resolve().parent
PATH = "/users"
TMUX_SIZE = (120, 35)

Launch = Literal["process", "pipe", "tmux"]
HTTPLAB_SERVES = "httplab users API, GET /users with 2 users (routing, Accept, JSON, ETag)"
REFERENCE_SERVES = (
    "the same 2-user JSON, encoded once and kept as httplab's app keeps its page, ETag + Vary "
    "(no routing)"
)


@dataclass(frozen=True)
class Contender:
    name: str
    label: str
    serves: str
    launch: Launch = "process"
    modules: tuple[str, ...] = ()  # importable modules it needs (the `bench` extra)
    default: bool = True  # measured unless named in --only

    def available(self) -> str | None:
        """None when it can run here, else why not."""
        missing = [m for m in self.modules if importlib.util.find_spec(m) is None]
        if missing:
            return f"{', '.join(missing)} not installed (pip install -e '.[bench]')"
        if self.launch == "tmux" and not _on_path("tmux"):
            return "tmux not installed (apt-get install tmux)"
        return None

    def command(self, port: int) -> list[str]:
        python = sys.executable
        if self.name.startswith("httplab"):
            args = [python, "-m", "httplab", "serve", "--port", str(port), "--seed", "2"]
            if self.name == "httplab-nolog":
                args.append("--no-access-log")
            elif self.name == "httplab-trace-pipe":
                args += ["--trace", "--plain"]
            elif self.name == "httplab-trace-tmux":
                args.append("--trace")
            return args
        if self.name.startswith("uvicorn"):
            http = "h11" if self.name.startswith("uvicorn-h11") else "httptools"
            args = [
                *(python, "-m", "uvicorn", "refservers:app", "--app-dir", str(BENCH)),
                *("--host", HOST, "--port", str(port), "--http", http),
                # `--loop auto` would pick uvloop where it is installed; httplab runs on
                # asyncio's own loop, so the references do too (like with like)
                *("--loop", "asyncio"),
                *("--lifespan", "off", "--backlog", "2048"),
            ]
            if self.name.endswith("-log"):
                return [*args, "--log-level", "info"]  # the access log is an info record
            return [*args, "--no-access-log", "--log-level", "warning"]
        return [python, str(BENCH / "refservers.py"), self.name, str(port)]


CONTENDERS = [
    Contender("minimal", "minimal asyncio.Protocol (generator ceiling)", "fixed response bytes"),
    Contender("httplab-log", "httplab, access log on (to /dev/null)", HTTPLAB_SERVES),
    Contender("httplab-nolog", "httplab --no-access-log", HTTPLAB_SERVES),
    Contender("httplab-trace-pipe", "httplab --trace, printing to a pipe", HTTPLAB_SERVES, "pipe"),
    Contender(
        "httplab-trace-tmux",
        f"httplab --trace, full screen in tmux {TMUX_SIZE[0]}x{TMUX_SIZE[1]}",
        HTTPLAB_SERVES,
        "tmux",
    ),
    Contender("stdlib", "http.server ThreadingHTTPServer, TCP_NODELAY", REFERENCE_SERVES),
    Contender(
        "uvicorn-h11", "uvicorn+h11, access log off", REFERENCE_SERVES, modules=("uvicorn", "h11")
    ),
    Contender(
        "uvicorn-httptools",
        "uvicorn+httptools, access log off",
        REFERENCE_SERVES,
        modules=("uvicorn", "httptools"),
    ),
    Contender(
        "uvicorn-httptools-log",
        "uvicorn+httptools, access log on (to /dev/null)",
        REFERENCE_SERVES,
        modules=("uvicorn", "httptools"),
    ),
]
BY_NAME = {c.name: c for c in CONTENDERS}


def _on_path(program: str) -> bool:
    return shutil.which(program) is not None


@dataclass
class RunningServer:
    """A started contender: `pid` is the server process (its tree's CPU is the server's)."""

    pid: int
    port: int
    alive: Callable[[], bool]
    stop: Callable[[], None]


def start(contender: Contender, tree: Path, cores: Cores, children: Children) -> RunningServer:
    """Start `contender` on a free port and return once it answers `GET /users`."""
    port = free_port()
    env = {**_environ(), "PYTHONPATH": str(tree)}
    command = contender.command(port)
    if contender.launch == "tmux":
        running = _start_in_tmux(command, port, tree, env, cores, children)
    else:
        reader = None
        stdout: int | None = subprocess.DEVNULL
        if contender.launch == "pipe":
            reader = children.start(["cat"], cores.generator, stdin=subprocess.PIPE)
            assert reader.stdin is not None
            stdout = reader.stdin.fileno()
        server = children.start(command, cores.server, stdout=stdout, env=env, cwd=tree)
        if reader is not None and reader.stdin is not None:
            reader.stdin.close()  # the server holds the pipe now

        def stop_process() -> None:
            children.stop(server)
            if reader is not None:
                children.stop(reader, grace=5.0)

        running = RunningServer(server.pid, port, lambda: server.poll() is None, stop_process)
    try:
        wait_answering(port, PATH, running.alive)
    except BaseException:
        running.stop()
        raise
    return running


def _start_in_tmux(
    command: list[str], port: int, tree: Path, env: dict[str, str], cores: Cores, children: Children
) -> RunningServer:
    socket_path = Path(tempfile.gettempdir()) / f"httplab-bench-{uuid.uuid4().hex[:8]}.tmux"
    tmux = ["tmux", "-S", str(socket_path)]
    # `exec`: the pane's process is the server itself, so its pid is the one to measure
    script = "exec " + shlex.join([*cores.taskset(cores.server), *command])
    env.pop("TMUX", None)
    columns, rows = TMUX_SIZE
    created = children.start(
        [
            *(*tmux, "-f", "/dev/null", "new-session", "-d", "-s", "bench"),
            *("-x", str(columns), "-y", str(rows), "sh", "-c", script),
        ],
        cores.generator,  # the tmux server (the terminal) runs beside the generator
        env=env,
        cwd=tree,
    )
    created.wait(10)
    children.running.remove(created)

    def kill_tmux() -> None:
        subprocess.run([*tmux, "kill-server"], timeout=10, check=False, capture_output=True)
        socket_path.unlink(missing_ok=True)

    children.cleanups.append(kill_tmux)
    shown = subprocess.run(
        [*tmux, "display", "-p", "-t", "bench", "#{pane_pid}"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout.strip()
    if not shown.isdigit():
        kill_tmux()
        raise RuntimeError("the tmux session did not start")
    pid = int(shown)

    def alive() -> bool:
        return Path(f"/proc/{pid}").exists()

    def stop() -> None:
        kill_tmux()  # SIGHUP to the pane's process, as closing a terminal does
        deadline = time.monotonic() + 10
        while alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive():
            os.kill(pid, signal.SIGKILL)
        if kill_tmux in children.cleanups:
            children.cleanups.remove(kill_tmux)

    return RunningServer(pid, port, alive, stop)


def _environ() -> dict[str, str]:
    return dict(os.environ)
