"""Hypothesis profiles: random exploration on a developer's machine, a fixed derandomized run in
CI (CI=true), so a CI result never depends on luck and a failure there reproduces exactly. And
a floor under the suite's size (MIN_TESTS), so a part of it cannot drop out unnoticed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline (Hypothesis's default is 200 ms): it is a timed assertion, and on a
# loaded machine one slow example fails the test as "Unreliable test timings" although the
# property held. A hung example is still stopped by pytest-timeout.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile("dev", print_blob=True, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored
# across exec: a suite launched as `bash .ci/run &` would start every `httplab` child deaf to
# Ctrl-C (Python installs its KeyboardInterrupt handler only when SIGINT is not ignored), and
# the tests that press Ctrl-C on a child would wait for nothing. A handled signal is reset to
# the default on exec, so handling it here gives every child the Ctrl-C a terminal would.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# --- the suite's size --------------------------------------------------------------------------
# pytest fails a run that collects no test (exit 5), but not one that lost a part of the suite:
# a module renamed without its test_ prefix, a module-level skip or importorskip that now always
# skips, a parametrize list that came out empty. A run of the whole suite (`python3 -m pytest`,
# as .ci/run does) that collects fewer than MIN_TESTS stops at once and says so. Adding tests
# never needs a change here. After removing tests on purpose, set MIN_TESTS to the new count
# (`python3 -m pytest --co -q | tail -1`), a little below it if you like.
MIN_TESTS = 2850
TESTS_DIR = Path(__file__).resolve().parent
_skipped_modules: list[str] = []


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped and isinstance(report.longrepr, tuple):
        _skipped_modules.append(f"{report.nodeid} ({report.longrepr[2].removeprefix('Skipped: ')})")


def runs_whole_suite(config: pytest.Config) -> bool:
    """No paths given (testpaths), or exactly the tests folder; -k, -m and --lf still count
    as the whole suite, since the count is taken before they deselect."""
    if config.args_source is pytest.Config.ArgsSource.TESTPATHS:
        return True
    base = config.invocation_params.dir
    return [(base / arg).resolve() for arg in config.args] == [TESTS_DIR]


def shortfall(collected: int, minimum: int, skipped: list[str]) -> str | None:
    """Why a whole-suite run is too small, in one line; None when it is not."""
    if collected >= minimum:
        return None
    why = f"; skipped at collection: {', '.join(skipped)}" if skipped else ""
    return (
        f"the suite collected {collected} tests, fewer than MIN_TESTS = {minimum} in "
        f"tests/conftest.py: a part of it is no longer collected{why}. If tests were removed "
        "on purpose, lower MIN_TESTS to the new count"
    )


@pytest.hookimpl(tryfirst=True)  # before -k, -m and --lf deselect: the whole count
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if runs_whole_suite(config):
        problem = shortfall(len(items), MIN_TESTS, _skipped_modules)
        if problem is not None:
            pytest.exit(problem, returncode=pytest.ExitCode.TESTS_FAILED)
