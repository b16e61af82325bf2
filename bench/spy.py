"""Where a server's time goes under load: py-spy samples it while the generator runs, and the
folded stacks become two short tables (inclusive and self share of the samples per function).

Used by `bench/run.py --profile NAMES`; needs `py-spy` (pip install py-spy) and the right to
trace the server (root, or kernel.yama.ptrace_scope = 0). Samples are taken with
`--nonblocking` (the server is not paused) and `--gil` (only stacks holding the GIL: the work
that competes for the one core a Python server has), `--function` (per function, not line).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness import Children

TRUNK = 0.9  # functions on more of the stacks than this are the trunk (thread, event loop)
# the stdlib's thread, event loop and `-m` start-up frames: under every stack of their thread
TRUNK_FILES = ("(threading.py)", "(base_events.py)", "(events.py)", "(<frozen runpy>)")


@dataclass(frozen=True)
class Profile:
    samples: int
    inclusive: list[tuple[str, float]]  # function, share of samples with it on the stack
    own: list[tuple[str, float]]  # function, share of samples where it is the innermost


def available() -> str | None:
    """None when py-spy can run here, else why not."""
    return None if shutil.which("py-spy") else "py-spy is not installed (pip install py-spy)"


def start(
    children: Children, pid: int, seconds: float, core: int | None
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start sampling `pid` for `seconds`; `finish` reads the result."""
    folder = Path(tempfile.mkdtemp(prefix="httplab-bench-profile-"))
    output = folder / "stacks.txt"
    command = [
        *("py-spy", "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))),
        *("--rate", "500", "--format", "raw", "--output", str(output)),
        *("--nonblocking", "--gil", "--function", "--subprocesses"),
    ]
    child = children.start(command, core, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return child, output


def finish(
    children: Children, child: subprocess.Popen[bytes], output: Path, top: int = 12
) -> Profile:
    try:
        _, err = child.communicate(timeout=120)
    finally:
        children.stop(child, grace=2.0)
    if not output.exists():
        message = err.decode(errors="replace").strip()[-300:] if err else "no output"
        raise RuntimeError(f"py-spy failed: {message}")
    text = output.read_text(encoding="utf-8", errors="replace")
    shutil.rmtree(output.parent, ignore_errors=True)
    return summarize(text, top)


def summarize(folded: str, top: int = 12) -> Profile:
    """Shares per function from folded stacks (`frame;frame;… COUNT` per line)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(frame) for frame in stack.split(";") if frame]
        if not frames:
            continue
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return Profile(0, [], [])
    branches = [
        (name, n / total)
        for name, n in inclusive.most_common()
        if n / total <= TRUNK and not name.endswith(TRUNK_FILES)
    ]
    return Profile(
        total,
        branches[:top],
        [(name, n / total) for name, n in own.most_common(top)],
    )


def _short(frame: str) -> str:
    """`name (path/to/module.py:12)` → `name (module.py)`: one row per function."""
    if frame.startswith("process "):  # with --subprocesses: which process the stack is in
        words = frame.partition(":")[2].strip('"').split()
        if "-m" in words[:-1]:
            return f"process {words[words.index('-m') + 1]}"  # python -m MODULE …
        return f"process {words[1] if len(words) > 1 else frame}"  # python SCRIPT …
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({where.rsplit('/', 1)[-1]})" if where else name


def table(profile: Profile) -> list[str]:
    lines = [
        f"{profile.samples:,} samples holding the GIL. Inclusive: the function or what it called "
        f"(the trunk — threads, the event loop, frames on more than {TRUNK:.0%} of the stacks — "
        "left out); self: its own code.",
        "",
        "| inclusive | function | | self | function |",
        "|---:|---|---|---:|---|",
    ]
    for index in range(max(len(profile.inclusive), len(profile.own))):
        left = profile.inclusive[index] if index < len(profile.inclusive) else ("", 0.0)
        right = profile.own[index] if index < len(profile.own) else ("", 0.0)
        lines.append(
            f"| {left[1]:.0%} | `{left[0]}` | | {right[1]:.0%} | `{right[0]}` |"
            if left[0] and right[0]
            else f"| {left[1]:.0%} | `{left[0]}` | | | |"
        )
    return lines
