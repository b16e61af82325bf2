"""A learner's progress: one small JSON file, rewritten atomically after every change.

    {"version": 1,
     "lessons": {"1": {"passed": ["first-request", "status-line"], "current": "status-line",
                       "build": {"passed": false, "last_passed": false,
                                 "cases": 3, "cases_ok": 2, ...}}}}

"build" is the record of `httplab lesson check N` (build_commands.py writes it; the last check's
cases and how many passed, whether it ever passed, the failed cases and hints);
`build_result(n)` reads it for `httplab lesson list`.

Where: `--progress FILE`, else $XDG_DATA_HOME/httplab/progress.json (by default
~/.local/share/httplab/progress.json). A write goes to a temporary file in the same folder that
then replaces the old one (`os.replace`), so a crash or Ctrl-C leaves the old or the new file,
never half of one. Each change re-reads the file first and applies itself to what is there, so
two processes sharing it (the lesson view and `httplab lesson check` in another terminal) do
not erase each other's records. A file that cannot be read as progress is set aside as
`….corrupt` with a one-line warning, and the learner starts afresh instead of facing a
traceback - unless it is plainly someone's own file (`--progress server.py`, not a `.json`,
or another program's JSON object): that is refused in one line and left as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = 1
BUILD_KEY = "build"
"""The key of a lesson's build-check record (`httplab lesson check N`)."""


@dataclass(frozen=True)
class BuildResult:
    """A lesson's last build check: did it pass, and how many of its cases did."""

    passed: bool
    ever_passed: bool
    cases: int | None  # None: a record written before the counts were kept
    cases_ok: int | None

    def mark(self, word: str = "build") -> str:
        """`build ✓`, `build 5/9`, or `build ✗` (a record without counts)."""
        if self.passed:
            return f"{word} ✓"
        if self.cases is not None and self.cases_ok is not None:
            return f"{word} {self.cases_ok}/{self.cases}"
        return f"{word} ✗"


class ProgressError(OSError):
    """The progress file cannot be written (the message says where and why)."""


def default_progress_path() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(data) / "httplab" / "progress.json"


class Progress:
    """Passed steps per lesson (and what other parts record, e.g. build checks); thread-safe."""

    def __init__(self, path: Path, lessons: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self._lessons: dict[str, dict[str, Any]] = lessons or {}
        self._lock = threading.RLock()
        self.warning = ""  # set by load() when the file was unreadable and set aside

    @classmethod
    def load(cls, path: Path | None = None) -> Progress:
        """Read `path` (default_progress_path()); a missing file is empty progress."""
        target = path if path is not None else default_progress_path()
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            return cls(target)
        except OSError as exc:
            progress = cls(target)
            progress.warning = f"cannot read the progress file {target}: {exc}; starting afresh"
            return progress
        text = data.decode("utf-8", "replace")
        lessons = _parse(text)
        if lessons is None and _someones_file(target, text):
            # `--progress server.py` (or /etc/passwd): someone's file, not a damaged progress
            # file; setting it aside and writing progress in its place would lose it
            raise ProgressError(
                f"{target} is not an httplab progress file; it was left as it is. Give "
                "--progress a new file name, or a file httplab wrote"
            )
        if lessons is None:
            progress = cls(target)
            aside = target.with_name(target.name + ".corrupt")
            try:
                os.replace(target, aside)
                kept = f"the old file is kept as {aside}"
            except OSError:
                kept = "it will be overwritten"
            progress.warning = (
                f"the progress file {target} is not httplab progress (damaged?); "
                f"starting afresh, {kept}"
            )
            return progress
        return cls(target, lessons)

    # reading ----------------------------------------------------------------------------------
    def passed_steps(self, lesson: int) -> set[str]:
        with self._lock:
            return set(self._lessons.get(str(lesson), {}).get("passed", []))

    def current_step(self, lesson: int) -> str | None:
        with self._lock:
            current = self._lessons.get(str(lesson), {}).get("current")
            return current if isinstance(current, str) else None

    def get(self, lesson: int, key: str, default: Any = None) -> Any:
        """Another part's record for a lesson (G's build checks use the key "build")."""
        with self._lock:
            return self._lessons.get(str(lesson), {}).get(key, default)

    def build_result(self, lesson: int) -> BuildResult | None:
        """The last `httplab lesson check` of a lesson, or None when it was never checked."""
        with self._lock:
            entry = self._lessons.get(str(lesson), {}).get(BUILD_KEY)
        if not isinstance(entry, dict):
            return None
        cases, ok = _count(entry.get("cases")), _count(entry.get("cases_ok"))
        if cases is None or ok is None or ok > cases:
            cases = ok = None
        return BuildResult(
            passed=entry.get("last_passed", entry.get("passed")) is True,
            ever_passed=entry.get("passed") is True,
            cases=cases,
            cases_ok=ok,
        )

    # changing (each change is saved at once) -----------------------------------------------------
    def mark_passed(self, lesson: int, step_id: str) -> None:
        with self._lock:
            self._refresh()
            entry = self._lessons.setdefault(str(lesson), {})
            passed = entry.setdefault("passed", [])
            if step_id not in passed:
                passed.append(step_id)
                self.save()

    def set_current(self, lesson: int, step_id: str) -> None:
        with self._lock:
            self._refresh()
            entry = self._lessons.setdefault(str(lesson), {})
            if entry.get("current") != step_id:
                entry["current"] = step_id
                self.save()

    def set(self, lesson: int, key: str, value: Any) -> None:
        """Record `value` (JSON-able) under `key` for a lesson; "passed" and "current" are
        the lesson steps' own keys."""
        if key in ("passed", "current"):
            raise ValueError(f"{key!r} is kept by mark_passed/set_current")
        with self._lock:
            self._refresh()
            self._lessons.setdefault(str(lesson), {})[key] = value
            self.save()

    def reset(self, lesson: int) -> bool:
        """Forget a lesson's progress; True if there was any."""
        with self._lock:
            self._refresh()
            had = self._lessons.pop(str(lesson), None) is not None
            if had:
                self.save()
            return had

    def _refresh(self) -> None:
        """Take in what another process wrote since; keep ours if the file is gone or bad."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        lessons = _parse(text)
        if lessons is not None:
            self._lessons = lessons

    def save(self) -> None:
        """Write the whole file atomically; ProgressError when the folder is not writable."""
        with self._lock:
            text = json.dumps(
                {"version": VERSION, "lessons": self._lessons}, ensure_ascii=False, indent=1
            )
            folder = self.path.parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(
                    prefix=self.path.name + ".", suffix=".tmp", dir=folder
                )
            except OSError as exc:
                raise ProgressError(
                    f"cannot write progress to {self.path}: {exc.strerror}"
                ) from None
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(text + "\n")
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, self.path)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise ProgressError(
                    f"cannot write progress to {self.path}: {exc.strerror}"
                ) from None


def _count(value: Any) -> int | None:
    """A count read from the file, or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _parse(text: str) -> dict[str, dict[str, Any]] | None:
    """The lessons table of a progress file, or None when it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # nested too deeply too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return None
    lessons: dict[str, dict[str, Any]] = {}
    for key, entry in data["lessons"].items():
        if not isinstance(entry, dict):
            return None
        passed = entry.get("passed", [])
        if not isinstance(passed, list) or not all(isinstance(p, str) for p in passed):
            return None
        lessons[str(key)] = entry
    return lessons


def _someones_file(target: Path, text: str) -> bool:
    """Whether a file that is not progress is someone's own (`--progress server.py`,
    `--progress package.json`), to be left alone, rather than progress gone bad (a hand edit, a
    cut write), which is set aside: the default file and a `.json` that is not another
    program's JSON object are taken for progress."""
    if target == default_progress_path() or not text.strip() or '"lessons"' in text:
        return False
    if target.suffix.lower() != ".json":
        return True
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False  # a .json cut short or broken by hand
    return isinstance(data, dict) and bool(data)
