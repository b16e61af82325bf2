"""The README stays true: .ci/run runs its test command verbatim, its key list is the
generated one, and the commands it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    commands = fenced_commands()
    install_and_run, run_tests = commands[0], commands[1]
    assert install_and_run.startswith("python3 -m pip install .")
    assert "httplab serve --trace" in install_and_run
    assert "pytest" in run_tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run_tests in ci.splitlines()


def test_readme_key_list_is_the_generated_one() -> None:
    keys = (ROOT / "docs" / "trace-keys.md").read_text(encoding="utf-8").strip()
    assert keys in README


def test_the_trace_picture_exists() -> None:
    assert (ROOT / "docs" / "trace-view.svg").stat().st_size > 10_000
    assert "](docs/trace-view.svg)" in README
