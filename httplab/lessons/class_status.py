"""`httplab class status DIR…`: the class's build progress from the learners' progress files.

Each learner is one progress file (the lesson engine's JSON; build checks write under the key
"build" of each lesson: passed, last_passed, runs, failed, fail_counts, hints). The learner's
name is the file's stem, or its folder's name when the file is called progress.json. A file
that is not progress is named and skipped, never a traceback.
"""

from __future__ import annotations

import json
import re
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
MAX_LESSON = 99
"""Lesson keys above this (or not plain ASCII digits) are not the course's: skipped."""
MAX_COUNT = 1_000_000
"""A failed-run count above this is not one a learner's checks wrote: skipped."""


@dataclass
class Learner:
    name: str
    path: Path
    passed: set[int] = field(default_factory=set)
    tried: set[int] = field(default_factory=set)
    failing: dict[int, list[str]] = field(default_factory=dict)  # lesson → last failed cases
    hints: int = 0
    fail_counts: Counter[str] = field(default_factory=Counter)  # case → failed runs

    @property
    def covered(self) -> set[int]:
        """The lessons whose rules the learner's server passed: a check of lesson N runs the
        cases of lessons 1..N, so passing it passes every lesson up to N too."""
        return set(range(1, max(self.passed) + 1)) if self.passed else set()

    @property
    def stuck_at(self) -> int | None:
        """The first lesson tried and not passed (nor passed by a later lesson's check);
        None when every lesson tried passed."""
        open_lessons = sorted(self.tried - self.covered)
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


def _lesson_number(key: object) -> int | None:
    """A lesson key of the course ("1".."99"), else None: a hand-edited "-1" or 10**20, and
    "²" or "١", which str.isdigit() takes and int() refuses or reads."""
    text = str(key)
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_LESSON:
        return int(text)
    return None


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
        number = _lesson_number(key)
        if not isinstance(build, dict) or number is None:
            continue
        learner.tried.add(number)
        if build.get("passed") is True:
            learner.passed.add(number)
        failed = build.get("failed")
        if isinstance(failed, list):
            learner.failing[number] = [str(f) for f in failed]
        learner.hints += _count(build.get("hints", 0))
        fail_counts = build.get("fail_counts")
        if isinstance(fail_counts, dict):
            for case, count in fail_counts.items():
                if runs := _count(count):
                    learner.fail_counts[str(case)] += runs
    return learner


def _count(value: object) -> int:
    """A count the checks wrote (0..MAX_COUNT), else 0: a hand edit cannot outweigh a class."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    return 0


def _natural(name: str) -> list[int | str]:
    """student2 before student10 (ASCII digit runs compare as numbers)."""
    parts = re.split(r"([0-9]+)", name)  # text, digits, text, …: the types line up
    return [int(part) if index % 2 else part.lower() for index, part in enumerate(parts)]


def print_class_status(paths: list[Path], console: Console) -> int:
    files = progress_files(paths)
    learners: list[Learner] = []
    for path in files:
        learner = read_learner(path)
        if learner is None:
            console.print(  # one line, never broken inside the path (soft_wrap)
                f"skipped {escape_surrogateescaped(str(path))}: not an httplab progress file",
                markup=False,
                soft_wrap=True,
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
    for learner in sorted(learners, key=lambda one: (-len(one.covered), _natural(one.name))):
        stuck = learner.stuck_at
        failing = ", ".join(learner.failing.get(stuck, [])[:4]) if stuck else ""
        # A progress file is the learner's: its name and case keys are shown as plain text
        # (escaped, never read as rich markup), like every other untrusted string. The name
        # is a file name: a byte that is not UTF-8 shows as itself (\xff).
        table.add_row(
            Text(escape_surrogateescaped(learner.name)),
            _ranges(learner.covered) or "none",
            f"lesson {stuck}" if stuck else "—",
            Text(escape_text(failing)),
            str(learner.hints),
        )
    console.print(table)
    stuck_where = Counter(one.stuck_at for one in learners if one.stuck_at is not None)
    if stuck_where:
        console.print(
            "stuck: "
            + ", ".join(f"lesson {n}: {count}" for n, count in sorted(stuck_where.items())),
            soft_wrap=True,
        )
    totals: Counter[str] = Counter()
    for learner in learners:
        totals += learner.fail_counts
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
