"""The lesson checks through the proxy: every case of the last lesson (which holds all the
others) against the reference solution behind `httplab proxy` passes, as it does directly.
A malformed request is then refused by the proxy's own parser (the same core), so those cases
check the proxy; the well-formed ones reach the learner's server through it."""

from __future__ import annotations

import sys

import pytest

from httplab.client import connection as client_connection
from httplab.lessons.build_check import check_cases, run_cases
from httplab.lessons.build_commands import build_lessons, load_checks
from httplab.lessons.build_server import LearnerServer
from tests.proxy.conftest import start_proxy

LESSONS = {
    n: lesson
    for n, lesson in build_lessons().items()
    if (lesson.folder / "check.transcript").is_file()
}
LAST = max(LESSONS)


@pytest.fixture(autouse=True)
def _short_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_connection, "PAUSE_SECONDS", 0.03)


def test_the_last_lessons_check_passes_through_the_proxy() -> None:
    solution = LESSONS[LAST].folder / "solution.py"
    cases = check_cases(load_checks(LAST))
    with LearnerServer(f"{sys.executable} {solution} {{port}}") as server:
        port = server.start()
        proxy = start_proxy(port)
        try:
            results = run_cases(
                cases, "127.0.0.1", proxy.port, timeout=2.0, mode="rfc", server_gone=server.problem
            )
        finally:
            proxy.stop()
            server.close()
    failed = {r.case.key: r.failures for r in results if not r.ok}
    assert not failed, failed
    assert len(results) == len(cases)
