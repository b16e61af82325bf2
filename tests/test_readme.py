"""The README stays true: .ci/run runs its test command verbatim, its key list is the
generated one, and the commands it shows exist."""

from __future__ import annotations

import re
import subprocess
import sys
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


def test_the_tour_shows_the_response_fields_the_server_sends() -> None:
    """The tour's `httplab send "POST /users?name=Vasya&age=42"`: the same fields, in the same
    order, as a fresh server sends (Date aside, the values too)."""
    from httplab.client.connection import ClientConnection
    from httplab.server.apps.users import UsersApp
    from httplab.server.engine import HTTPServer

    tour = README.split('$ httplab send "POST /users?name=Vasya&age=42"')[1].split("```")[0]
    shown = [line[2:].removesuffix("\\r\\n") for line in tour.splitlines() if line[:2] == "< "]
    with HTTPServer(UsersApp(), "127.0.0.1", 0) as server:
        host, port = server.address
        request = f"POST /users?name=Vasya&age=42 HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"
        with ClientConnection(host, port) as client:
            (exchange,) = client.send(request.encode())
    head = exchange.response_bytes.split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert [f for f in shown if f and not f.startswith("Date:")] == [
        f for f in head if not f.startswith("Date:")
    ]


def test_the_replay_example_is_what_replay_prints() -> None:
    """`httplab replay transcripts/*.transcript` as the README shows it: every line shown
    (the ports aside; `...` stands for lines left out) is printed, in that order, by a real
    run over the transcripts in the repository."""
    block = README.split("$ httplab replay transcripts/*.transcript\n")[1].split("```")[0]
    shown = [line for line in block.splitlines() if line.strip() != "..."]
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "transcripts").glob("*.transcript"))
    run = subprocess.run(
        [sys.executable, "-m", "httplab", "replay", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr

    def portless(line: str) -> str:
        return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)

    printed = [portless(line) for line in run.stdout.splitlines()]
    at = 0
    for line in map(portless, shown):
        assert line in printed[at:], f"the README shows {line!r}; replay prints:\n{run.stdout}"
        at = printed.index(line, at) + 1
