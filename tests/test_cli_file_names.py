"""A file or folder name is shown escaped in every CLI message: an ESC, BEL, C1 control or
bidi control in it never reaches the terminal raw (a name can come from anywhere: an
unpacked archive, a shared class folder, a browser's download)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from httplab.cli import app
from httplab.client.send import SendOptions, Streams, run_send
from httplab.trace.wire_text import escape_unprintable_lines

EVIL = "evil\x1b]0;pwned\x07\x9b\u202e"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def _clean(text: str) -> None:
    assert not any(ch in text for ch in RAW), repr(text)
    assert "evil\\x1b]0;pwned\\x07" in text, repr(text)


def test_escape_unprintable_lines_keeps_printable_lines_and_line_breaks() -> None:
    text = "plain line, ещё строка\nname " + EVIL + "\nC:\\path"
    assert escape_unprintable_lines(text).split("\n") == [
        "plain line, ещё строка",
        "name evil\\x1b]0;pwned\\x07\\xc2\\x9b\\xe2\\x80\\xae",
        "C:\\path",  # printable: as it is, its backslash not doubled
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["class", "status", "{dir}/" + EVIL],
        ["lesson", "list", "--progress", "{dir}/" + EVIL + ".json"],
        ["serve", "--record", "{dir}/" + EVIL + "/gone/x.transcript", "--port", "0"],
    ],
    ids=["class-status", "lesson-progress", "serve-record"],
)
def test_cli_messages_escape_a_file_name(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / (EVIL + ".json")).write_text("{damaged", encoding="utf-8")
    result = CliRunner().invoke(app, [a.replace("{dir}", str(tmp_path)) for a in args])
    _clean(result.output)


def test_lesson_start_shows_its_folder_escaped(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lesson", "start", "1", str(tmp_path / EVIL)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / EVIL / "server.py").is_file()
    _clean(result.output)


@pytest.mark.parametrize("option", ["raw", "file"])
def test_send_errors_escape_a_file_name(tmp_path: Path, option: str) -> None:
    missing = str(tmp_path / (EVIL + ".har"))
    if option == "raw":
        options = SendOptions("@" + missing, raw=True, offline=True)
    else:
        Path(missing).write_text("not json", encoding="utf-8")
        options = SendOptions(file=missing, offline=True)
    err = io.StringIO()
    assert run_send(options, Streams(io.BytesIO(), io.StringIO(), err)) == 2
    _clean(err.getvalue())
