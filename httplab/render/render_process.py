"""Rendering the plain trace in a child process, so it never holds the server's GIL.

`serve --trace` printing to a pipe or a file renders every exchange it prints with rich, which
is pure Python: in the server's process that work holds the interpreter lock the server needs,
and each hand-over of the lock stalls the server for up to the 5 ms switch interval. So the
plain printer can hand its batches to a child process instead (`RenderProcess`): the server's
process only pickles the records (≈ 50 µs each, against ≈ 3 ms to render one) and writes them
to a pipe; the child, at the lowest priority and off a pinned server's cores (`step_aside`),
renders them with the same renderables and writes to the same stdout. When the child falls
behind, the pipe fills, the printer thread waits on it (without the lock), and what piles up
meanwhile is summarised in one line, as in-process.

The child is `python -m httplab.render.render_process --color|--no-color --theme NAME
--width N --lang en|ru`; it reads frames of a 4-byte big-endian length and a pickle of
`(summary, items)` from stdin until EOF, ignores SIGINT (the parent stops it by closing the
pipe, after printing what is left), and exits 0. Only this package's own parent writes to that pipe.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from httplab.trace.records import TraceItem

_LENGTH = struct.Struct(">I")


class RenderProcess:
    """The child that renders; `send` a batch, `close` when done."""

    def __init__(
        self, stdout: IO[Any], *, color: bool, theme: str, width: int, lang: str = "en"
    ) -> None:
        stdout.flush()
        command = [
            sys.executable,
            "-m",
            "httplab.render.render_process",
            "--color" if color else "--no-color",
            "--theme",
            theme,
            "--width",
            str(width),
            "--lang",
            lang,
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout)

    @classmethod
    def for_stream(
        cls, stream: IO[Any], *, color: bool, theme: str, width: int, lang: str = "en"
    ) -> RenderProcess | None:
        """A child writing to `stream`, or None when `stream` is not a real file (a test's
        StringIO) or the child cannot start: then the printer renders in its own thread."""
        try:
            stream.fileno()
        except (AttributeError, OSError, ValueError):
            return None
        try:
            return cls(stream, color=color, theme=theme, width=width, lang=lang)
        except OSError:
            return None

    def send(self, summary: str | None, items: Sequence[TraceItem]) -> None:
        """Hand a batch over; blocks (without the GIL) while the child's pipe is full.
        OSError when the child is gone."""
        try:
            frame = pickle.dumps((summary, list(items)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an odd record (a test's stand-in, a subclass): item by item
            frame = pickle.dumps((summary, [_picklable(item) for item in items]))
        pipe = self.process.stdin
        assert pipe is not None
        pipe.write(_LENGTH.pack(len(frame)) + frame)
        pipe.flush()

    def cpu_seconds(self) -> float | None:
        """CPU time the child has used (Linux /proc), or None where it cannot be read."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def close(self, timeout: float = 5.0) -> bool:
        """End of input: the child prints what it has and exits (killed after `timeout`).
        False when it had to be killed: what it had not printed yet is lost."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):  # the child is gone already
                self.process.stdin.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False
        return True


def _picklable(item: TraceItem) -> TraceItem | str:
    """`item`, or the line the child prints instead when it cannot be sent."""
    try:
        pickle.dumps(item)
    except Exception as exc:
        return f"… trace item #{item.seq} could not be shown ({type(exc).__name__})"
    return item


# the child ---------------------------------------------------------------------------------
def step_aside() -> None:
    """Leave the CPU to the server.

    - **The lowest priority:** nice 19, about 1.5 % of a core against a busy process, all of an
      idle one. (Not SCHED_IDLE: an ordinary user cannot leave it again, and a child starved
      on a busy machine would be killed at stop with its last exchanges unprinted.)
    - **Off the server's cores** when the server was pinned to some of them (`taskset -c 0
      httplab serve …`; the child inherits the pinning). Left free to run on any core, the
      kernel keeps the child beside the printer thread that wakes it, on the server's own
      core, while another core has room. Not pinned, the child may run on any core.
    """
    with contextlib.suppress(OSError):
        os.nice(19 - os.nice(0))
    if not hasattr(os, "sched_setaffinity"):
        return
    every = set(range(os.cpu_count() or 1))
    for cores in (renderer_cores(os.sched_getaffinity(0), every), every):
        try:
            os.sched_setaffinity(0, cores)
            return
        except (OSError, ValueError):
            continue  # a core this process may not use (a cpuset): then any core


def renderer_cores(inherited: set[int], every: set[int]) -> set[int]:
    """Where the render child runs: the cores its parent was not pinned to, when there are
    any; every core otherwise."""
    others = every - inherited
    return others if others else every


def _read_exactly(source: IO[bytes], size: int) -> bytes | None:
    data = source.read(size)
    return data if data is not None and len(data) == size else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m httplab.render.render_process")
    parser.add_argument("--color", action=argparse.BooleanOptionalAction, default=False)
    parser.add_argument("--theme", default="dark")
    parser.add_argument("--width", type=int, default=80)
    parser.add_argument("--lang", choices=("en", "ru"), default="en")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    step_aside()

    from rich.text import Text

    from httplab.render.printer import PlainPrinter, plain_console
    from httplab.render.theme import theme_named
    from httplab.trace.bus import TraceBus

    console = plain_console(sys.stdout, color=args.color, theme=theme_named(args.theme))
    console.width = args.width
    # never started: used for print_item only
    printer = PlainPrinter(TraceBus(), console, lang=args.lang)
    source = sys.stdin.buffer
    while (header := _read_exactly(source, _LENGTH.size)) is not None:
        frame = _read_exactly(source, _LENGTH.unpack(header)[0])
        if frame is None:
            break
        summary, items = pickle.loads(frame)
        with console.capture() as capture:
            if summary:
                console.print(Text(summary, style="trace.dropped"), soft_wrap=True)
            for item in items:
                if isinstance(item, str):
                    console.print(Text(item, style="trace.dropped"))
                else:
                    printer.print_one(item)
        try:
            sys.stdout.write(capture.get())
            sys.stdout.flush()
        except OSError:
            # The reader went away (`| head`): stop quietly, and keep Python from failing
            # again when it flushes stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
