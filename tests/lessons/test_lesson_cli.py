"""`httplab lesson list / reset / N`: the command group, options and messages."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from typer.testing import CliRunner

from httplab.cli import app
from httplab.lessons import Progress, list_lessons

runner = CliRunner()


def test_list_shows_numbers_titles_and_progress(tmp_path: Path) -> None:
    progress_file = tmp_path / "p.json"
    Progress.load(progress_file).mark_passed(1, "first-request")
    done = runner.invoke(app, ["lesson", "list", "--progress", str(progress_file), "--lang", "ru"])
    assert done.exit_code == 0
    assert re.search(r"^  1\. … Что такое запрос +\[1/3\]$", done.output, re.MULTILINE)
    assert f"прогресс: {progress_file}" in done.output  # its own words in Russian too


def test_list_shows_the_last_build_check_next_to_the_steps(tmp_path: Path) -> None:
    progress_file = tmp_path / "p.json"
    Progress.load(progress_file).mark_passed(1, "first-request")
    folder = {info.number: Path(info.path) for info in list_lessons()}

    def check(number: int, server: Path) -> int:
        command = f"{sys.executable} {server} {{port}}"
        args = ["lesson", "check", str(number), "--cmd", command, "--timeout", "1"]
        return runner.invoke(app, [*args, "--progress", str(progress_file)]).exit_code

    assert check(1, folder[1] / "solution.py") == 0
    assert check(2, folder[1] / "solution.py") == 1  # lesson 2's six new cases fail
    done = runner.invoke(app, ["lesson", "list", "--progress", str(progress_file)])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert re.fullmatch(r"  1\. … What a request is +\[1/3\]  build ✓", lines[0]), lines[0]
    assert re.fullmatch(r"  2\.   The request line +\[0/5\]  build 3/9", lines[1]), lines[1]
    assert re.fullmatch(r"  3\.   Header fields +\[0/4\]", lines[2]), lines[2]
    assert "build: the last `httplab lesson check N`" in done.output
    ru = runner.invoke(app, ["lesson", "list", "--progress", str(progress_file), "--lang", "ru"])
    assert "[0/5]  сервер 3/9" in ru.output
    assert "сервер: последний запуск `httplab lesson check N`" in ru.output


def test_build_records_without_counts_or_with_odd_values_read_safely(tmp_path: Path) -> None:
    progress = Progress.load(tmp_path / "p.json")
    progress.set(1, "build", {"passed": True, "last_passed": False, "failed": ["01.2"]})
    progress.set(2, "build", {"passed": False, "cases": 9, "cases_ok": 12})
    progress.set(3, "build", {"passed": False, "cases": "9", "cases_ok": True})
    progress.set(4, "build", "not a record")
    progress.set(5, "build", {"passed": True})
    result = {n: progress.build_result(n) for n in range(1, 7)}
    assert result[4] is None and result[6] is None
    assert [result[n].mark() for n in (1, 2, 3, 5)] == ["build ✗"] * 3 + ["build ✓"]  # type: ignore[union-attr]
    assert result[1] is not None and result[1].ever_passed
    done = runner.invoke(app, ["lesson", "list", "--progress", str(tmp_path / "p.json")])
    assert done.exit_code == 0, done.output


def test_reset_forgets_one_lesson(tmp_path: Path) -> None:
    progress_file = tmp_path / "p.json"
    progress = Progress.load(progress_file)
    progress.mark_passed(1, "first-request")
    progress.mark_passed(2, "query")
    done = runner.invoke(app, ["lesson", "reset", "1", "--progress", str(progress_file)])
    assert done.exit_code == 0 and "progress forgotten" in done.output
    assert Progress.load(progress_file).passed_steps(1) == set()
    assert Progress.load(progress_file).passed_steps(2) == {"query"}


def test_unknown_lesson_and_bad_options_are_one_clear_line(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["lesson", "reset", "99", "--progress", str(tmp_path / "p")])
    assert missing.exit_code == 2 and "there is no lesson 99" in missing.output
    opened = runner.invoke(app, ["lesson", "99", "--plain"])
    assert opened.exit_code == 2 and "there is no lesson 99" in opened.output
    bad_lang = runner.invoke(app, ["lesson", "1", "--plain", "--lang", "de"])
    assert bad_lang.exit_code == 2 and "en or ru" in bad_lang.output


def test_help_has_examples() -> None:
    done = runner.invoke(app, ["lesson", "--help"])
    assert done.exit_code == 0
    assert "httplab lesson 4 --plain" in done.output
    assert "progress.json" in done.output
