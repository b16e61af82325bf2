"""Each mistake's example input gets that mistake's hint, for every step of every lesson."""

from __future__ import annotations

from pathlib import Path

import pytest

from httplab.lessons import list_lessons, load_lesson_folder
from httplab.lessons.session import StepState
from tests.lessons.conftest import flat, input_lines, plain_lesson

CASES = [
    pytest.param(
        info.path, step_index, mistake_index, id=f"{info.number:02d}-{step.id}-{mistake_index}"
    )
    for info in list_lessons()
    for step_index, step in enumerate(load_lesson_folder(Path(info.path)).steps)
    for mistake_index, _ in enumerate(step.mistakes)
]


@pytest.mark.parametrize(("folder", "step_index", "mistake_index"), CASES)
def test_example_makes_the_mistake(
    folder: str, step_index: int, mistake_index: int, tmp_path: Path
) -> None:
    lesson = load_lesson_folder(Path(folder))
    step = lesson.steps[step_index]
    mistake = step.mistakes[mistake_index]
    assert mistake.example, f"{step.id}: mistake {mistake_index} has no example"
    plain, out = plain_lesson(lesson, tmp_path)
    plain.session.go(step_index)
    if step.predict is not None:
        plain.session.answer(step.predict.answers[0])
    plain.run(iter([*input_lines(mistake.example), ":quit"]))
    status = plain.session.status(step.id)
    assert status.state is StepState.MISTAKE, out.getvalue()[-3000:]
    assert status.last_mistake == mistake, out.getvalue()[-3000:]
    assert flat(mistake.hint.en) in flat(out.getvalue())


def test_every_step_has_hints() -> None:
    for info in list_lessons():
        lesson = load_lesson_folder(Path(info.path))
        for step in lesson.steps:
            assert step.hints, f"{info.path}: step {step.id} has no hints"
