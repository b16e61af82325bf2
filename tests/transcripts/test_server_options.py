"""`# server: OPTIONS` lines: the fresh server a file is replayed against starts with them; a
line that cannot be read is an error naming its line (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.client.server_options import read_server_options
from httplab.protocol.limits import Limits
from httplab.trace.transcript import TranscriptError
from tests.transcripts.fresh import server_for

TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"
HEAD = "httplab-transcript 1\ntitle: t\n"
ONE_EXCHANGE = (
    "== connection 1\n-- exchange 1: GET /users\n"
    "> GET /users HTTP/1.1\\r\\n\n> Host: example.test\\r\\n\n> \\r\\n\nexpect status 200\n"
)


def test_the_options_add_up() -> None:
    text = HEAD + "# server: --name example.test --max-body 16\n#server: not this\n"
    text += "# server:\t--seed 3   --max-fields 7\n" + ONE_EXCHANGE
    options = read_server_options(text)
    assert options.name == "example.test" and options.seed == 3
    assert options.limits == Limits(max_body=16, max_fields=7)
    assert str(options) == "--name example.test --max-body 16 --seed 3 --max-fields 7"
    assert read_server_options(HEAD + ONE_EXCHANGE).words == ()


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("# server: --port 80", "unknown option '--port' (known: --name, --max-request-line"),
        ("# server: --max-body", "--max-body needs a value"),
        ("# server: --max-body ten", "--max-body takes a whole number, got 'ten'"),
        ("# server: --max-body -1", "takes a whole number"),
        ("# server: --max-request-line 8", "--max-request-line must be at least 16"),
        ("# server: --seed 100001", "--seed must be at least 0 and at most 100000"),
        ("# server: --max-body \u0663", "takes a whole number"),  # an Arabic-Indic 3
    ],
)
def test_a_bad_line_names_its_line(line: str, said: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        read_server_options(HEAD + "# ok\n" + line + "\n" + ONE_EXCHANGE)
    assert caught.value.line_number == 4 and said in str(caught.value)


def test_replay_starts_the_server_with_them_and_reports_bad_ones(tmp_path: Path) -> None:
    good = tmp_path / "vhost.transcript"
    good.write_text(HEAD + "# server: --name example.test\n" + ONE_EXCHANGE)
    result = CliRunner().invoke(app, ["replay", str(good)])
    assert result.exit_code == 0, result.output
    assert "started with --name example.test" in result.output
    other = tmp_path / "other.transcript"
    other.write_text(HEAD + "# server: --name other.test\n" + ONE_EXCHANGE)
    result = CliRunner().invoke(app, ["replay", str(other)])
    assert result.exit_code == 1 and "421" in result.output
    bad = tmp_path / "bad.transcript"
    bad.write_text(HEAD + "# server: --nmae x\n" + ONE_EXCHANGE)
    result = CliRunner().invoke(app, ["replay", str(good), str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}: line 3: # server: unknown option '--nmae'" in result.output
    assert "replaying" not in result.output  # every file is read before any is replayed


def test_with_to_a_file_that_wants_options_gets_a_note() -> None:
    path = TRANSCRIPTS / "virtual-host.transcript"
    with server_for(path) as server:
        to = f"127.0.0.1:{server.port}"
        result = CliRunner().invoke(app, ["replay", str(path), "--to", to])
    assert result.exit_code == 0, result.output
    assert "note: written for a server started with --name example.test" in result.output


@pytest.mark.parametrize(
    ("name", "statuses"),
    [
        ("limits-target.transcript", {414}),
        ("limits-headers.transcript", {431}),
        ("limits-body.transcript", {413}),
        ("virtual-host.transcript", {421}),
        ("smuggling.transcript", {400}),
    ],
)
def test_each_limit_has_its_worked_example(name: str, statuses: set[int]) -> None:
    from httplab.trace.transcript import read_transcript

    path = TRANSCRIPTS / name
    exchanges = read_transcript(path).exchanges()
    assert statuses <= {e.expect.status for e in exchanges}
    text = path.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    assert len(comments) >= len(exchanges)  # written to be read: a comment per exchange at least
