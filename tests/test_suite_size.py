"""The guard under the suite's size (MIN_TESTS in tests/conftest.py), run on a small suite of its
own: the real conftest with two tests, in a real pytest process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import MIN_TESTS, shortfall

HERE = Path(__file__).resolve().parent


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120)


def small_suite(root: Path) -> Path:
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    tests = root / "tests"
    tests.mkdir()
    shutil.copy(HERE / "conftest.py", tests / "conftest.py")
    (tests / "test_two.py").write_text("def test_a():\n    pass\n\n\ndef test_b():\n    pass\n")
    (tests / "test_gone.py").write_text(
        "import pytest\n\npytest.skip('no such tool', allow_module_level=True)\n"
    )
    return tests


def test_a_whole_suite_run_that_collects_too_few_tests_fails_and_says_how_to_update(
    tmp_path: Path,
) -> None:
    tests = small_suite(tmp_path)
    for args in ((), ("--co",), ("tests",), ("-k", "test_a")):
        done = run_pytest(tmp_path, *args)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        said = done.stdout + done.stderr
        assert f"the suite collected 2 tests, fewer than MIN_TESTS = {MIN_TESTS}" in said
        assert "tests/test_gone.py (no such tool)" in said and "lower MIN_TESTS" in said
        assert "Traceback" not in said
    # a part of the suite, chosen by path, is not the whole suite: no guard
    chosen = run_pytest(tmp_path, str(tests / "test_two.py"))
    assert chosen.returncode == 0, chosen.stdout
    assert "2 passed" in chosen.stdout


def test_the_floor_is_below_the_suite_and_the_message_names_the_count() -> None:
    assert shortfall(MIN_TESTS, MIN_TESTS, []) is None
    problem = shortfall(5, 10, [])
    assert problem is not None and problem.startswith("the suite collected 5 tests, fewer than")
    assert "\n" not in problem
