"""Helpers for the lesson tests: every lesson folder, and a lesson run in-process on port 0."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from httplab.lessons import LessonSettings, Progress, list_lessons, load_lesson_folder
from httplab.lessons.model import Lesson
from httplab.lessons.plain import PlainLesson

LESSON_INFOS = list_lessons()


def lesson_ids() -> list[str]:
    return [f"{info.number:02d}-{info.slug}" for info in LESSON_INFOS]


@pytest.fixture(params=LESSON_INFOS, ids=lesson_ids())
def lesson(request: pytest.FixtureRequest) -> Lesson:
    return load_lesson_folder(Path(request.param.path))


def plain_lesson(
    lesson: Lesson, tmp_path: Path, lang: str = "en"
) -> tuple[PlainLesson, io.StringIO]:
    out = io.StringIO()
    progress = Progress.load(tmp_path / "progress.json")
    settings = LessonSettings(port=0, lang="ru" if lang == "ru" else "en", timeout=2.0)
    return PlainLesson(lesson, progress, settings, out), out


def input_lines(text: str) -> list[str]:
    """Walkthrough / example text → the lines the REPL reads."""
    return text.split("\n")


def flat(text: str) -> str:
    """Text with every run of whitespace as one space (lesson texts are wrapped when shown)."""
    return " ".join(text.split())
