"""Every lesson's walkthrough completes it in --plain (new lessons are picked up by folder)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from httplab.lessons.model import Lesson
from tests.lessons.conftest import flat, input_lines, plain_lesson


def test_walkthrough_passes_every_step(lesson: Lesson, tmp_path: Path) -> None:
    text = (Path(lesson.path) / "walkthrough.txt").read_text(encoding="utf-8")
    plain, out = plain_lesson(lesson, tmp_path)
    status = plain.run(iter(input_lines(text)))
    assert status == 0, out.getvalue()[-3000:]
    assert plain.session.all_passed
    assert plain.progress.passed_steps(lesson.number) == {s.id for s in lesson.steps}


def test_walkthrough_in_russian_passes_too(lesson: Lesson, tmp_path: Path) -> None:
    text = (Path(lesson.path) / "walkthrough.txt").read_text(encoding="utf-8")
    plain, out = plain_lesson(lesson, tmp_path, lang="ru")
    assert plain.run(iter(input_lines(text))) == 0, out.getvalue()[-3000:]
    assert flat(lesson.steps[-1].notice.ru) in flat(out.getvalue())


def test_input_ending_early_exits_1(lesson: Lesson, tmp_path: Path) -> None:
    plain, out = plain_lesson(lesson, tmp_path)
    assert plain.run(iter([])) == 1
    assert f"0/{len(lesson.steps)}" in out.getvalue()


def _httplab(*args: str, stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "httplab", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )


def test_cli_plain_runs_lesson_1_from_a_pipe(tmp_path: Path) -> None:
    walkthrough = Path(__file__).resolve().parents[2] / "lessons" / "01-what-is-a-request"
    text = (walkthrough / "walkthrough.txt").read_text(encoding="utf-8")
    progress = tmp_path / "p.json"
    done = _httplab(
        "lesson", "1", "--plain", "--port", "0", "--progress", str(progress),
        stdin=text, tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    listed = _httplab("lesson", "list", "--progress", str(progress), stdin="", tmp_path=tmp_path)
    assert "[3/3]" in listed.stdout


def test_cli_without_terminal_falls_back_to_plain_with_a_note(tmp_path: Path) -> None:
    done = _httplab(
        "lesson", "1", "--port", "0", "--progress", str(tmp_path / "p.json"),
        stdin="GET /users\n", tmp_path=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    assert "no terminal; using --plain" in done.stderr
    assert "✓ passed" in done.stdout
