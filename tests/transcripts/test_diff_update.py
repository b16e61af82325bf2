"""Readable mismatches (a small unified diff per failed exchange, summaries, exit 1) and
`--update` (rewrites the failing expectations and recorded responses, atomically)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app

TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"


def _changed_copy(tmp_path: Path) -> Path:
    text = (TRANSCRIPTS / "users.transcript").read_text(encoding="utf-8")
    text = text.replace("expect header Location: /users/1\n", "expect header Location: /users/9\n")
    text = text.replace(
        'expect body {"id": 1, "name": "ada", "age": 36}\\n\n< HTTP/1.1 201',
        'expect body {"id": 1, "name": "eve", "age": 36}\\n\n< HTTP/1.1 201',
    )
    text = text.replace("\ntitle:", "\n# my notes stay\ntitle:", 1)
    path = tmp_path / "users.transcript"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


def test_a_mismatch_is_a_small_unified_diff(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(_changed_copy(tmp_path))])
    assert result.exit_code == 1
    out = result.output
    assert "FAIL 1.2 POST /users: header Location: expected '/users/9'" in out
    diff = out[out.index("--- expected") : out.index("[3/11]")]
    assert [line.strip(" ") for line in diff.splitlines() if line.strip()[:1] in ("-", "+")] == [
        "--- expected",
        "+++ received",
        "-Location: /users/9",
        "+Location: /users/1",
        '-  "name": "eve",',
        '+  "name": "ada",',
    ]
    assert " HTTP/1.1 201 Created" in diff  # the status line as context
    assert "users.transcript: 10 passed, 1 failed" in out
    assert out.rstrip().endswith("1 file: 10 passed, 1 failed")


def test_update_rewrites_the_failing_lines_atomically(tmp_path: Path) -> None:
    path = _changed_copy(tmp_path)
    before = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["replay", str(path), "--update"])
    assert result.exit_code == 1  # what it found; the file is fixed for the next run
    assert "-expect header Location: /users/9" in result.output
    assert "+expect header Location: /users/1" in result.output
    assert "users.transcript: updated from this server's answers" in result.output
    after = path.read_text(encoding="utf-8")
    assert "# my notes stay" in after and after != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.transcript"]  # no temp file
    assert path.stat().st_mode & 0o777 == 0o644
    again = CliRunner().invoke(app, ["replay", str(path)])
    assert again.exit_code == 0, again.output
    # only the failed exchange's lines changed: every other line is as it was
    changed = [a for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert all("Location" in line or "eve" in line or "Date:" in line for line in changed)


def test_update_keeps_json_holes(tmp_path: Path) -> None:
    text = (TRANSCRIPTS / "any-state.transcript").read_text(encoding="utf-8")
    path = tmp_path / "a.transcript"
    wrong = 'expect json {"id": *, "name": "bob", "age": 36}'
    path.write_text(text.replace('expect json {"id": *, "name": "ada", "age": 36}', wrong))
    CliRunner().invoke(app, ["replay", str(path), "--update"])
    assert 'expect json {"id": *, "name": "ada", "age": 36}' in path.read_text()


@pytest.fixture
def python_http_server() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_another_server_gives_readable_diffs(python_http_server: int) -> None:
    to = f"127.0.0.1:{python_http_server}"
    result = CliRunner().invoke(app, ["replay", str(TRANSCRIPTS / "users.transcript"), "--to", to])
    assert result.exit_code == 1
    assert "-HTTP/1.1 200 OK" in result.output and "+HTTP/1.0 501 " in result.output
    assert "Traceback" not in result.output
    assert "0 passed, 11 failed" in result.output
