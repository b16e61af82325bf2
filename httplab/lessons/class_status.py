"""`httplab class status DIR…`: the class's build progress from the learners' progress files.

Each learner is one progress file (the lesson engine's JSON; build checks write under the key
"build" of each lesson: passed, last_passed, runs, failed, fail_counts, hints). The learner's
name is the file's stem, or its folder's name when the file is called progress.json. A file
that is not progress is named and skipped, never a traceback.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from httplab.lessons.build_commands import PROGRESS_KEY, BuildError
from httplab.render.escape import escape_text
from httplab.trace.wire_text import escape_surrogateescaped

MAX_FILES = 2000
TOP_CASES = 8


@dataclass
class Learner:
    name: str
    path: Path
    passed: set[int] = field(default_factory=set)
    tried: set[int] = field(default_factory=set)
    failing: dict[int, list[str]] = field(default_factory=dict)  # lesson → last failed cases
    hints: int = 0

    @property
    def stuck_at(self) -> int | None:
        """The first lesson tried and not passed; None when every lesson tried passed."""
        open_lessons = sorted(self.tried - self.passed)
        return open_lessons[0] if open_lessons else None


def progress_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.json") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise BuildError(f"{escape_surrogateescaped(str(path))}: no such file or folder")
    return found[:MAX_FILES]


def read_learner(path: Path) -> Learner | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):  # nested too deeply too
        return None
    lessons = data.get("lessons") if isinstance(data, dict) else None
    if not isinstance(lessons, dict):
        return None
    name = path.parent.name if path.name == "progress.json" else path.stem
    learner = Learner(name, path)
    for key, entry in lessons.items():
        build = entry.get(PROGRESS_KEY) if isinstance(entry, dict) else None
        # ASCII digits only: str.isdigit() also takes "²" and "١", which int() refuses or reads
        if not (isinstance(build, dict) and key.isascii() and key.isdigit() and len(key) < 5):
            continue
        number = int(key)
        learner.tried.add(number)
        if build.get("passed"):
            learner.passed.add(number)
        failed = build.get("failed")
        if isinstance(failed, list):
            learner.failing[number] = [str(f) for f in failed]
        hints = build.get("hints", 0)
        learner.hints += hints if isinstance(hints, int) else 0
    return learner


def _fail_counts(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    try:
        lessons = json.loads(path.read_text(encoding="utf-8")).get("lessons", {})
        for entry in lessons.values():
            for case, count in entry.get(PROGRESS_KEY, {}).get("fail_counts", {}).items():
                if isinstance(count, int):
                    counts[str(case)] += count
    except (OSError, ValueError, RecursionError, AttributeError):
        pass
    return counts


def print_class_status(paths: list[Path], console: Console) -> int:
    files = progress_files(paths)
    learners: list[Learner] = []
    for path in files:
        learner = read_learner(path)
        if learner is None:
            console.print(
                f"skipped {escape_surrogateescaped(str(path))}: not an httplab progress file",
                markup=False,
            )
        else:
            learners.append(learner)
    if not learners:
        console.print("no learners' progress found")
        return 1
    how_many = f"{len(learners)} learner" + ("s" if len(learners) != 1 else "")
    table = Table(title=f"build progress of {how_many}", title_justify="left")
    for column in ("learner", "lessons passed", "stuck at", "failing there", "hints"):
        table.add_column(column)
    for learner in sorted(learners, key=lambda one: (-len(one.passed), one.name)):
        stuck = learner.stuck_at
        failing = ", ".join(learner.failing.get(stuck, [])[:4]) if stuck else ""
        # A progress file is the learner's: its name and case keys are shown as plain text
        # (escaped, never read as rich markup), like every other untrusted string. The name
        # is a file name: a byte that is not UTF-8 shows as itself (\xff).
        table.add_row(
            Text(escape_surrogateescaped(learner.name)),
            _ranges(learner.passed) or "none",
            f"lesson {stuck}" if stuck else "—",
            Text(escape_text(failing)),
            str(learner.hints),
        )
    console.print(table)
    stuck_where = Counter(one.stuck_at for one in learners if one.stuck_at is not None)
    if stuck_where:
        console.print(
            "stuck: "
            + ", ".join(f"lesson {n}: {count}" for n, count in sorted(stuck_where.items()))
        )
    totals: Counter[str] = Counter()
    for path in files:
        totals += _fail_counts(path)
    if totals:
        console.print("most failed cases (failed runs, all learners):")
        for case, count in totals.most_common(TOP_CASES):
            console.print(f"  {escape_text(case):<10} {count}", markup=False)
    return 0


def _ranges(numbers: set[int]) -> str:
    """{1, 2, 3, 5} → "1-3, 5"."""
    out: list[str] = []
    for number in sorted(numbers):
        if out and out[-1].split("-")[-1] == str(number - 1):
            out[-1] = out[-1].split("-")[0] + f"-{number}"
        else:
            out.append(str(number))
    return ", ".join(out)
