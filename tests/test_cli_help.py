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
