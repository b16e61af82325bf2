"""Every command that starts a server says why it could not in the same words, from one place
(`server/start_errors`): a port in use names the command and its port option; an ASGI app whose
lifespan startup failed says so (not "cannot listen"), with or without --trace."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.lessons import LessonSettings, Progress, load_lesson
from httplab.tui.lesson_command import run_lesson_view


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        yield busy.getsockname()[1]


def in_use(command: str, port: int, option: str = "--port") -> str:
    return (
        f"{command}: cannot listen on 127.0.0.1:{port}: the port is already in use (another "
        f"server running? pick one with {option} PORT, or {option} 0 for any free port)"
    )


@pytest.mark.parametrize(
    ("arguments", "command", "option"),
    [
        (["serve"], "httplab serve", "--port"),
        (["serve", "--trace", "--plain"], "httplab serve --trace", "--port"),
        (["lesson", "1", "--plain"], "httplab lesson", "--port"),
        (["proxy", "--to", "127.0.0.1:9", "--no-access-log"], "httplab proxy", "--listen"),
        (
            ["proxy", "--to", "127.0.0.1:9", "--trace", "--plain"],
            "httplab proxy --trace",
            "--listen",
        ),
    ],
)
def test_a_port_in_use_is_said_the_same_way_by_every_command(
    busy_port: int, arguments: list[str], command: str, option: str, tmp_path: Path
) -> None:
    progress = ["--progress", str(tmp_path / "p.json")] if arguments[0] == "lesson" else []
    result = CliRunner().invoke(app, [*arguments, *progress, option, str(busy_port)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == in_use(command, busy_port, option)


def test_the_lesson_view_says_it_the_same_way(
    busy_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = LessonSettings(host="127.0.0.1", port=busy_port)
    status = run_lesson_view(load_lesson(1), Progress(tmp_path / "p.json"), settings)
    assert status == 1
    assert capsys.readouterr().err.strip() == in_use("httplab lesson", busy_port)


FAILING_STARTUP = """
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database at db:5432"})
"""


@pytest.mark.parametrize("trace", [[], ["--trace", "--plain"]], ids=["serve", "serve --trace"])
def test_a_failed_app_startup_is_not_called_a_listening_problem(
    tmp_path: Path, trace: list[str]
) -> None:
    (tmp_path / "failing.py").write_text(FAILING_STARTUP)
    arguments = ["serve", "--app", "failing:app", "--app-dir", str(tmp_path), "--port", "0"]
    result = CliRunner().invoke(app, [*arguments, *trace])
    command = "httplab serve --trace" if trace else "httplab serve"
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"{command}: the app's startup failed (ASGI lifespan), so the server did not start: "
        "no database at db:5432; fix the app's startup code and run again"
    )
    assert "cannot listen" not in result.output


def test_a_bind_error_gives_the_systems_words_once() -> None:
    """asyncio wraps the system's words in its own sentence, which names the address again."""
    from httplab.server.start_errors import ListenError

    cause = OSError(
        errno.EADDRNOTAVAIL,
        "error while attempting to bind on address ('10.255.255.1', 8081): "
        "cannot assign requested address",
    )
    line = ListenError(cause, "10.255.255.1", 8081).line("httplab serve")
    assert line.startswith(
        "httplab serve: cannot listen on 10.255.255.1:8081: cannot assign requested address ("
    )
    assert "error while attempting" not in line and "--host 127.0.0.1" in line


def test_a_host_name_that_does_not_resolve_is_said_so() -> None:
    from httplab.server.start_errors import ListenError

    cause = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    line = ListenError(cause, "nosuchhost.invalid", 8081).line("httplab serve")
    assert line == (
        "httplab serve: cannot listen on nosuchhost.invalid:8081: no such host name "
        "(name or service not known)"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ["serve"],
        ["serve", "--trace", "--plain"],
        ["lesson", "1", "--plain"],
        ["lesson", "demo", "1"],
    ],
)
@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("a..b", "bad host 'a..b': each dot-separated part of a host name has 1 to 63"),
        ("\x1b[2J", "bad host '\\x1b[2J': a host has no spaces or control characters"),
        ("h" * 5000, "bad host '" + "h" * 60 + "…': a host name has at most 253 characters"),
    ],
)
def test_a_host_that_cannot_be_listened_on_is_one_line_and_exit_2(
    arguments: list[str], host: str, said: str
) -> None:
    """A real process: `a..b` was a traceback from the IDNA codec when the server started."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    command = [sys.executable, "-m", "httplab", *arguments, "--host", host, "--port", "0"]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr
    assert f"Invalid value for '--host': {said}" in done.stderr
