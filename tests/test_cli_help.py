"""The help texts read well at 80 columns: whole command descriptions, `FILE...` once, option
names never broken at a hyphen."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from httplab.cli import app


def help_text(*args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "80"}, prog_name="httplab")
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_list_is_not_cut_mid_sentence() -> None:
    text = help_text()
    commands = text.split("Commands:")[1].split("\n\n")[0]
    assert "..." not in commands
    for name in ("serve", "send", "repl", "replay", "lesson", "class"):
        assert re.search(rf"^  {name} +\S", commands, re.MULTILINE), name


def test_replay_names_its_files_once() -> None:
    text = help_text("replay")
    assert "Usage: httplab replay [OPTIONS] FILE...\n" in text
    assert "{" not in text and "<list" not in text
    assert text.count("FILE...") == 2  # the usage line and the Arguments entry


@pytest.mark.parametrize("command", ["serve", "repl", "replay"])
def test_option_names_are_not_broken(command: str) -> None:
    for line in help_text(command).splitlines():
        assert not re.search(r"(^|\s)--?[a-z][a-z0-9-]*-$", line), line
        assert not line.rstrip().endswith("high-"), line


def test_the_lesson_command_list_is_not_cut_mid_sentence() -> None:
    commands = help_text("lesson").split("Commands:")[1].split("\n\n")[0]
    assert "..." not in commands
    for name in ("list", "reset", "start", "check", "hint", "demo"):
        assert re.search(rf"^  {name} +\S", commands, re.MULTILINE), name


@pytest.mark.parametrize(
    "command", [("serve",), ("proxy",), ("lesson", "open"), ("lesson", "demo")]
)
def test_the_theme_default_is_named_dark_not_default(command: tuple[str, ...]) -> None:
    text = help_text(*command)
    assert "[default: default]" not in text
    assert "'dark' (the default)" in text or "dark (the default)" in text


def test_class_status_names_its_paths_once() -> None:
    text = help_text("class", "status")
    assert "Usage: httplab class status [OPTIONS] PATH...\n" in text
    assert "{" not in text and "<list" not in text
    assert "Examples:" in help_text("class")
    assert "..." not in help_text("class").split("Commands:")[1]


def test_repl_help_names_every_prompt_command() -> None:
    """`repl --help` listed the prompt's commands without :record FILE (README and :help
    have it): a user reading the help did not learn that a REPL session can be recorded."""
    from httplab.client.repl import COMMANDS

    prompt = help_text("repl").split("At the prompt:")[1]
    for command in COMMANDS:
        assert command in prompt, command


def test_lesson_demo_refuses_an_unknown_theme_as_the_other_commands_do() -> None:
    """`httplab lesson demo 1 --theme pink` started the demo in the default colours, where
    `httplab lesson 1 --theme pink` and `serve --trace --theme pink` refuse the name. A real
    process: it must stop before starting the solution."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "httplab", "lesson", "demo", "1", "--theme", "pink", "--plain"],
        capture_output=True, text=True, timeout=30, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Invalid value for --theme: dark, light or high-contrast" in done.stderr


def test_lesson_n_help_names_the_command_as_typed() -> None:
    """`httplab lesson 3 --help` said "Usage: httplab lesson open [OPTIONS] {N}", a hidden
    command no list shows (found by a new-user check)."""
    text = help_text("lesson", "3")
    assert text.startswith("Usage: httplab lesson N [OPTIONS]\n")
    assert "lesson open" not in text
