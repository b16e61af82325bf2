"""Where the lessons (and the recorded transcripts) are, in a clone and in an installed wheel.

A clone or an editable install reads the top-level `lessons/` and `transcripts/` folders next
to the `httplab` package; a wheel carries copies inside the package, at `httplab/_data/lessons`
and `httplab/_data/transcripts` (pyproject: hatch force-include). `data_dir()` is the one place
that decides, so every command finds the same files in both installs.
"""

from __future__ import annotations

from pathlib import Path

from httplab.lessons.load import LessonError, load_lesson_folder, parse_folder_name
from httplab.lessons.model import Lesson, LessonInfo

_PACKAGE = Path(__file__).resolve().parent.parent  # .../httplab


def data_dir(name: str) -> Path:
    """`lessons` or `transcripts`: the copy inside the package if this is an installed wheel,
    else the folder of the clone the package was imported from."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def lessons_dir() -> Path:
    return data_dir("lessons")


def transcripts_dir() -> Path:
    return data_dir("transcripts")


def list_lessons(root: Path | None = None) -> list[LessonInfo]:
    """Every lesson folder (NN-slug), by number."""
    base = root if root is not None else lessons_dir()
    found = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return []
    for entry in entries:
        parsed = parse_folder_name(entry.name)
        if parsed is not None and entry.is_dir():
            found.append(LessonInfo(parsed[0], parsed[1], str(entry)))
    return sorted(found, key=lambda info: info.number)


def find_lesson(number: int, root: Path | None = None) -> LessonInfo:
    """The lesson numbered `number`; LessonError naming the ones there are otherwise."""
    lessons = list_lessons(root)
    for info in lessons:
        if info.number == number:
            return info
    if not lessons:
        where = root if root is not None else lessons_dir()
        raise LessonError(f"no lessons found in {where}")
    numbers = ", ".join(str(info.number) for info in lessons)
    raise LessonError(f"there is no lesson {number}; the lessons are {numbers}")


def load_lesson(number: int, root: Path | None = None) -> Lesson:
    """Read lesson `number` (LessonError if it is missing or malformed)."""
    return load_lesson_folder(Path(find_lesson(number, root).path))
