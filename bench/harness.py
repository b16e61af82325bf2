"""Process plumbing for `bench/run.py`: cores, children that always get cleaned up, a process
tree's CPU time and memory read from /proc, and a request sent by hand.

Every child starts in its own session (so one signal reaches its whole tree, printer processes
included) and, on Linux, asks the kernel for SIGTERM should this harness die first.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HOST = "127.0.0.1"  # never anything else: everything here generates load
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PR_SET_PDEATHSIG = 1
try:  # loaded here, not in the forked child, where loading could meet a lock held by a thread
    _LIBC: Any = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


@dataclass(frozen=True)
class Cores:
    """Where the server and the load generator run: different cores when there are two."""

    server: int | None
    generator: int | None

    @classmethod
    def pick(cls) -> Cores:
        allowed = sorted(os.sched_getaffinity(0))
        if len(allowed) < 2:
            return cls(None, None)
        return cls(allowed[0], allowed[1])

    def describe(self) -> str:
        if self.server is None:
            return "not pinned (fewer than two cores)"
        return f"server on CPU {self.server}, generator on CPU {self.generator}"

    def taskset(self, core: int | None) -> list[str]:
        """A command prefix pinning to `core` (for commands run by a shell, e.g. in tmux)."""
        return [] if core is None else ["taskset", "-c", str(core)]


def _child_setup(core: int | None) -> Callable[[], None]:
    def setup() -> None:
        if core is not None:
            os.sched_setaffinity(0, {core})
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return setup


@dataclass
class Children:
    """Every process this run started; `stop_all` ends those still running (also on Ctrl-C)."""

    running: list[subprocess.Popen[Any]] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def start(
        self,
        command: Sequence[str],
        core: int | None,
        *,
        stdin: int | IO[Any] | None = subprocess.DEVNULL,
        stdout: int | IO[Any] | None = subprocess.DEVNULL,
        stderr: int | IO[Any] | None = subprocess.DEVNULL,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        text: bool = False,
    ) -> subprocess.Popen[Any]:
        child = subprocess.Popen(
            list(command),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=cwd,
            text=text,
            start_new_session=True,
            preexec_fn=_child_setup(core),  # children start from the main thread only
        )
        self.running.append(child)
        return child

    def stop(self, child: subprocess.Popen[Any], grace: float = 10.0) -> None:
        """SIGINT to the child's whole group (as Ctrl-C would), SIGKILL after `grace` s."""
        if child.poll() is None:
            _signal_group(child.pid, signal.SIGINT)
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(child.pid, signal.SIGKILL)
                child.wait()
        _signal_group(child.pid, signal.SIGKILL)  # what the group left behind (printers)
        if child in self.running:
            self.running.remove(child)

    def stop_all(self) -> None:
        while self.cleanups:
            with contextlib.suppress(Exception):
                self.cleanups.pop()()
        for child in list(self.running):
            with contextlib.suppress(Exception):
                self.stop(child, grace=3.0)


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_answering(port: int, path: str, alive: Callable[[], bool], timeout: float = 30.0) -> None:
    """Until `GET path` on 127.0.0.1:`port` gets a response (a started server, not just a
    listening socket); RuntimeError when the server dies or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the server exited before it answered")
        with contextlib.suppress(OSError):
            if request_by_hand(port, path, timeout=2.0) >= 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on {HOST}:{port} within {timeout:g} s")


def request_by_hand(port: int, path: str, timeout: float = 10.0) -> float:
    """Milliseconds for one `GET` on a fresh connection, as a person would send it (connect,
    send, read the response head)."""
    start = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode("ascii"))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise OSError("the connection closed before a response")
            data += chunk
    if not data.startswith(b"HTTP/1."):
        raise OSError(f"not an HTTP response: {data[:40]!r}")
    return (time.perf_counter() - start) * 1000


# /proc readings --------------------------------------------------------------------------------
def _stat_fields(pid: int) -> list[str]:
    # the command name (field 2) may hold spaces and parentheses: split after the last ")"
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def descendants(pid: int) -> list[int]:
    """`pid` and every live process below it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parents.setdefault(int(_stat_fields(int(entry))[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and its live descendants (and children it reaped)."""
    total = 0
    for member in descendants(pid):
        with contextlib.suppress(OSError, IndexError):
            fields = _stat_fields(member)
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


def tree_rss_mib(pid: int) -> float:
    """Resident memory of `pid` and its live descendants, in MiB."""
    total_kib = 0
    for member in descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
    return total_kib / 1024


def raise_open_files(wanted: int) -> int:
    """Lift this process's soft RLIMIT_NOFILE towards `wanted` (children inherit it)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft
