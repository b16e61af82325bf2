"""The progress file: atomic writes, a damaged file set aside with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from httplab.lessons import Progress, ProgressError, default_progress_path

DEEP_JSON = b"[" * 5000 + b"]" * 5000
"""Valid JSON that json.loads refuses with RecursionError (not a ValueError)."""


def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_progress_path() == tmp_path / "httplab" / "progress.json"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_progress_path() == tmp_path / ".local" / "share" / "httplab" / "progress.json"


def test_round_trip_and_reset(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "p.json"
    progress = Progress.load(path)
    progress.mark_passed(1, "a")
    progress.mark_passed(1, "b")
    progress.set_current(1, "b")
    progress.set(1, "build", {"passed": True})
    again = Progress.load(path)
    assert again.passed_steps(1) == {"a", "b"}
    assert again.current_step(1) == "b"
    assert again.get(1, "build") == {"passed": True}
    assert again.reset(1) is True
    assert Progress.load(path).passed_steps(1) == set()
    assert json.loads(path.read_text())["version"] == 1


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.json"
    progress = Progress.load(path)
    progress.mark_passed(1, "a")
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ProgressError, match="cannot write progress to"):
        progress.mark_passed(1, "b")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temporary file left


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"lessons": {"1": 5}}',
        b"\xff\xfe",
        b"",
        pytest.param(DEEP_JSON, id="nested-too-deeply"),
    ],
)
def test_a_damaged_file_is_set_aside_with_a_warning(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(content)
    progress = Progress.load(path)
    assert progress.warning
    assert str(path) in progress.warning
    assert progress.passed_steps(1) == set()
    progress.mark_passed(1, "a")
    assert Progress.load(path).passed_steps(1) == {"a"}


def test_cli_with_a_damaged_file_warns_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{oops")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "httplab", "lesson", "list", "--progress", str(path)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0
    assert "is not httplab progress" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "p.json.corrupt").read_text() == "{oops"


def test_two_processes_sharing_the_file_keep_each_others_records(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    view = Progress.load(path)  # the lesson view, open for a while
    view.mark_passed(3, "a")
    check = Progress.load(path)  # `httplab lesson check 3` in another terminal
    check.set(3, "build", {"passed": True})
    view.mark_passed(3, "b")
    again = Progress.load(path)
    assert again.passed_steps(3) == {"a", "b"}
    assert again.get(3, "build") == {"passed": True}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("server.py", "import socket\n# my lesson 3 work\n"),
        ("passwd", "root:x:0:0:root:/root:/bin/bash\n"),
        ("package.json", '{"name": "my-app", "version": "1.0.0"}\n'),
    ],
)
def test_someones_own_file_given_as_progress_is_refused_and_left_alone(
    tmp_path: Path, name: str, content: str
) -> None:
    """`httplab lesson list --progress server.py` renamed the learner's server.py to
    server.py.corrupt ('not httplab progress (damaged?)') and the next save wrote progress in
    its place; run as root, `--progress /etc/passwd` moved /etc/passwd away. Real processes."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for command in (["lesson", "list"], ["lesson", "hint", "1"], ["lesson", "reset", "1"]):
        done = subprocess.run(
            [sys.executable, "-m", "httplab", *command, "--progress", str(path)],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert done.stderr == (
            f"httplab lesson: {path} is not an httplab progress file; it was left as it is. "
            "Give --progress a new file name, or a file httplab wrote\n"
        )
    assert path.read_text(encoding="utf-8") == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
