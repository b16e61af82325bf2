"""`httplab lesson list / reset / N`: the command group, options and messages."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from httplab.cli import app
from httplab.lessons import Progress

runner = CliRunner()


def test_list_shows_numbers_titles_and_progress(tmp_path: Path) -> None:
    progress_file = tmp_path / "p.json"
    Progress.load(progress_file).mark_passed(1, "first-request")
    done = runner.invoke(app, ["lesson", "list", "--progress", str(progress_file), "--lang", "ru"])
    assert done.exit_code == 0
    assert "  1. … Что такое запрос  [1/3]" in done.output
    assert str(progress_file) in done.output


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
