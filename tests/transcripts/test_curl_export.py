"""`httplab export --curl FILE`: each printed curl command, run against a fresh server, gets
the status the transcript expects; quoting holds for any bytes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.client.curl_export import NOT_SENT, curl_lines, shell_quote
from httplab.trace.transcript import read_transcript
from tests.transcripts.fresh import server_for

TRANSCRIPTS = sorted((Path(__file__).parents[2] / "transcripts").glob("*.transcript"))


@pytest.mark.parametrize("data", [b"plain", b"it's", b"caf\xc3\xa9 \\ '\x1b\r\n", b""])
def test_shell_quote_round_trips_through_bash(data: bytes) -> None:
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    done = subprocess.run(
        ["bash", "-c", f"printf %s {shell_quote(data)}"], capture_output=True, check=True
    )
    assert done.stdout == data


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None, reason="curl")
@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.name for p in TRANSCRIPTS])
def test_each_curl_command_gets_the_expected_status(path: Path) -> None:
    transcript = read_transcript(path)
    with server_for(path) as server:
        url = f"http://127.0.0.1:{server.port}"
        for exchange in transcript.exchanges():
            command = curl_lines(exchange.request, url)[-1]
            if command.startswith(NOT_SENT):
                continue
            run = f"{command} -o /dev/null -w '%{{http_code}}' --max-time 10"
            done = subprocess.run(["bash", "-c", run], capture_output=True, text=True, check=False)
            assert done.stdout == str(exchange.expect.status), (command, done.stdout, done.stderr)


def test_the_curl_option_prints_and_sends_nothing() -> None:
    result = CliRunner().invoke(app, ["export", "--curl", str(TRANSCRIPTS[0]), "--to", "h:1"])
    assert result.exit_code == 0
    assert "curl -sS -i --path-as-is" in result.output and "http://h:1/" in result.output


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash")
def test_the_whole_export_is_a_valid_bash_script(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--curl", *map(str, TRANSCRIPTS)])
    assert result.exit_code == 0
    script = tmp_path / "all.sh"
    script.write_text(result.output, encoding="utf-8")
    checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    commands = [line for line in result.output.splitlines() if not line.startswith("#")]
    assert all(command.isascii() for command in commands)  # every other byte escaped
    exchanges = sum(len(read_transcript(path).exchanges()) for path in TRANSCRIPTS)
    comments = result.output.count("\n# not sent by curl (")
    assert len(commands) + comments == exchanges
