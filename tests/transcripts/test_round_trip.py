"""The round trip of issue 13, as a user does it: `httplab serve --record`, a session driven
with the real curl, the recording replayed green against a fresh server; the app changes an
answer → the replay shows exactly that diff (exit 1); `--update` → green again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.protocol.messages import Request, Response
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from httplab.trace.transcript import read_transcript

ROOT = Path(__file__).parents[2]


@contextmanager
def recording_server(path: Path) -> Iterator[int]:
    """`httplab serve --port 0 --record PATH` in its own process; stopped with SIGINT."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "httplab", "serve", "--port", "0", "--record", str(path)]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        yield int(banner.split("127.0.0.1:")[1].split("/")[0])
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)


def _curl(*args: str) -> str:
    done = subprocess.run(
        ["curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


class ChangedUsers(UsersApp):
    """The users API with one answer changed: a user called "ada" comes back as "eve"."""

    def __call__(self, request: Request) -> Response:
        response = super().__call__(request)
        response.body = response.body.replace(b'"ada"', b'"eve"')  # same length
        return response


@contextmanager
def changed_server() -> Iterator[str]:
    with HTTPServer(ChangedUsers(), port=0) as server:
        yield f"127.0.0.1:{server.port}"


def _replay(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["replay", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")
def test_record_with_curl_replay_change_diff_update(tmp_path: Path) -> None:
    path = tmp_path / "session.transcript"
    with recording_server(path) as port:
        base = f"http://127.0.0.1:{port}"
        assert _curl("-X", "POST", f"{base}/users?name=ada&age=36") == "201"
        assert _curl(f"{base}/users/1") == "200"
        assert (
            _curl("-X", "POST", "--json", '{"name": "linus", "age": 54}', f"{base}/users") == "201"
        )
        assert _curl("-H", "Accept: text/html", f"{base}/users") == "200"
        assert _curl(f"{base}/users/9") == "404"
    transcript = read_transcript(path)
    assert [e.expect.status for e in transcript.exchanges()] == [201, 200, 201, 200, 404]
    assert b"User-Agent: curl/" in transcript.exchanges()[0].request

    code, out = _replay(str(path))  # a fresh server, as the session started from one
    assert code == 0, out
    assert "5 passed, 0 failed" in out

    with changed_server() as to:
        code, out = _replay(str(path), "--to", to)
    assert code == 1
    changed = [
        line.strip()
        for line in out.splitlines()
        if line.strip()[:1] in "-+" and not line.strip().startswith(("---", "+++"))
    ]
    assert changed, out
    assert all("ada" in line for line in changed if line.startswith("-")), changed
    assert all("eve" in line for line in changed if line.startswith("+")), changed
    assert [line.replace("ada", "eve") for line in changed if line.startswith("-")] == [
        "-" + line[1:] for line in changed if line.startswith("+")
    ]
    assert (
        "FAIL 1.1 " in out and "FAIL 2.1 " in out and "ok   3.1 " in out
    )  # one curl, one connection
    assert "3 passed, 2 failed" in out

    before = path.read_text(encoding="utf-8")
    with changed_server() as to:
        code, out = _replay(str(path), "--to", to, "--update")
    assert code == 1 and "updated from this server's answers" in out
    after = path.read_text(encoding="utf-8")
    assert '"eve"' in after and after != before

    with changed_server() as to:
        code, out = _replay(str(path), "--to", to)
    assert code == 0, out
    assert "5 passed, 0 failed" in out
