"""Lesson files: both languages exist and name the same steps; the format is enforced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from httplab.lessons import LessonError, list_lessons, load_lesson, load_lesson_folder
from httplab.lessons.model import Lesson

HEADING = re.compile(r"^#{1,3} ", re.MULTILINE)


def test_there_are_lessons_numbered_from_1() -> None:
    numbers = [info.number for info in list_lessons()]
    assert numbers[0] == 1
    assert numbers == sorted(set(numbers))


def test_both_languages_exist_with_the_same_shape(lesson: Lesson) -> None:
    folder = Path(lesson.path)
    for name in ("lesson.md", "lesson.ru.md", "steps.toml", "walkthrough.txt"):
        assert (folder / name).is_file(), name
    assert len(HEADING.findall(lesson.text.en)) == len(HEADING.findall(lesson.text.ru))
    for step in lesson.steps:  # every text of every step is there in both languages
        for text in (step.title, step.task, step.notice, *step.hints):
            assert text.en and text.ru
        for mistake in step.mistakes:
            assert mistake.hint.en and mistake.hint.ru


def test_texts_end_with_what_to_build(lesson: Lesson) -> None:
    """Both texts close with the build-your-own-server section and its four commands."""
    n = lesson.number
    commands = (
        f"httplab lesson start {n}\n",
        "python3 server.py 8080\n",
        f'httplab lesson check {n} --cmd "python3 server.py {{port}}"\n',
        f"httplab lesson hint {n}\n",
    )
    for lang, heading in (("en", "## Build it\n"), ("ru", "## Напишите сами\n")):
        text = lesson.text.get(lang)
        assert heading in text, lang
        section = text[text.index(heading) :]
        assert HEADING.findall(section) == ["## "], lang  # the last section of the text
        for command in commands:
            assert command in section, (lang, command)


def test_notices_name_an_rfc_section(lesson: Lesson) -> None:
    for step in lesson.steps:
        assert "RFC" in step.notice.en and "RFC" in step.notice.ru, step.id


def _write(tmp_path: Path, steps: str) -> Path:
    folder = tmp_path / "01-sample"
    folder.mkdir()
    (folder / "lesson.md").write_text("# x\n", encoding="utf-8")
    (folder / "lesson.ru.md").write_text("# x\n", encoding="utf-8")
    (folder / "steps.toml").write_text(steps, encoding="utf-8")
    return folder


GOOD_STEP = """
title = { en = "T", ru = "Т" }
[[step]]
id = "one"
title = { en = "a", ru = "а" }
task = { en = "a", ru = "а" }
notice = { en = "a", ru = "а" }
check = { status = [200] }
"""


def test_a_good_folder_loads(tmp_path: Path) -> None:
    lesson = load_lesson_folder(_write(tmp_path, GOOD_STEP))
    assert lesson.number == 1 and lesson.steps[0].id == "one"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("check = { status = [200] }", "check = { stauts = [200] }"),
            "step 'one': check: unknown key 'stauts'",
        ),
        (
            ('task = { en = "a", ru = "а" }', 'task = { en = "a" }'),
            "step 'one': task: the 'ru' text",
        ),
        (("check = { status = [200] }", "check = {}"), "step 'one': check: an empty check"),
        (("check = { status = [200] }", "check = { status = [42] }"), "step 'one': check.status"),
        (('id = "one"', 'id = "One Step"'), "id: a step needs an id"),
        (("[[step]]", "[[stepp]]"), "unknown key 'stepp'"),
        (("[[step]]", "[[step]"), "not valid TOML"),
        (
            (
                "check = { status = [200] }",
                "check = { status = [200] }\n[step.server]\nmax_body = -1",
            ),
            "server.max_body",
        ),
        (("check = { status = [200] }", 'check = { framing = "zip" }'), "check.framing: one of"),
    ],
)
def test_errors_name_the_file_and_the_step(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    folder = _write(tmp_path, GOOD_STEP.replace(*change))
    with pytest.raises(LessonError) as caught:
        load_lesson_folder(folder)
    assert str(folder / "steps.toml") in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_lesson_names_those_there_are(tmp_path: Path) -> None:
    load_lesson_folder(_write(tmp_path, GOOD_STEP))
    with pytest.raises(LessonError, match="there is no lesson 7; the lessons are 1"):
        load_lesson(7, tmp_path)
