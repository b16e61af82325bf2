"""--plain never shows a traceback, whatever is typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from httplab.lessons import load_lesson
from tests.lessons.conftest import plain_lesson

ODD_INPUTS = [
    ["\x1b[2J\x1b]0;pwned\x07", "GET /\x00", ":", ":lang xx", ":nope \x1b"],
    ["GET /users HTTP/1.1", "Host: x", "Content-Length: 5", "", "hi"],  # body short, input ends
    ["POST /users HTTP/1.1", "Host: x", "Content-Length: zz", ""],
    ["x" * 20000],
    ["GET http://[::1/", "GET /users HTTP/9.9", "", "\udcff"],
    [":hint", ":hint", ":hint", ":hint", ":next", ":prev", ":step", ":board", ":help", ":last"],
]


@pytest.mark.parametrize("lines", ODD_INPUTS)
def test_odd_input_is_answered_not_crashed(lines: list[str], tmp_path: Path) -> None:
    plain, out = plain_lesson(load_lesson(1), tmp_path)
    assert plain.run(iter(lines)) == 1
    assert "Traceback" not in out.getvalue()
    assert "\x1b" not in out.getvalue()  # escapes reach the terminal only escaped


def test_commands_switch_language_and_show_hints(tmp_path: Path) -> None:
    plain, out = plain_lesson(load_lesson(1), tmp_path)
    plain.run(iter([":lang ru", ":hint", ":quit", "GET /users"]))
    text = out.getvalue()
    assert "Шаг 1/3" in text and "[намёк]" in text
    assert "✓" not in text.split(":quit")[0] or "пройдено" not in text  # quit before sending


def test_a_request_in_a_task_is_shown_line_by_line(tmp_path: Path) -> None:
    """An indented block (the request to type) keeps its lines and its empty line; prose
    around it is wrapped."""
    lesson = load_lesson(9)
    plain, out = plain_lesson(lesson, tmp_path)
    plain.run(iter([":quit"]))
    shown = out.getvalue()
    assert "\n    Content-Length: 16\n\n    name=Petya&age=7\n" in shown
    assert "    POST /users HTTP/1.1\n    Host: lab\n" in shown


def test_a_body_typed_after_the_empty_line_is_explained(tmp_path: Path) -> None:
    """Lesson 9 in --plain: the empty line sent a request without Content-Length, so the body
    line that follows is one word, which a shorthand would read as a server's name."""
    plain, out = plain_lesson(load_lesson(9), tmp_path)
    form = "Content-Type: application/x-www-form-urlencoded"
    plain.run(iter(["POST /users HTTP/1.1", "Host: lab", form, "", "name=Petya&age=7"]))
    text = out.getvalue()
    assert "'name=Petya&age=7' was not sent: one word alone is read as a server's name" in text
    assert "Content-Length: N before the empty line" in text
    assert "names another server" not in text


@pytest.mark.parametrize("line", [":lang xx", ":lang"])
def test_lang_without_en_or_ru_says_how_to_use_it(line: str, tmp_path: Path) -> None:
    """`:lang xx` (or `:lang` alone) said 'unknown command :lang', though :help lists it."""
    plain, out = plain_lesson(load_lesson(1), tmp_path)
    plain.run(iter([line, ":quit"]))
    text = out.getvalue()
    assert "unknown command" not in text
    assert ":lang en or :lang ru (the lesson is in en now)" in text


def test_a_byte_order_mark_at_the_start_of_a_piped_walkthrough_is_left_out() -> None:
    """A walkthrough saved by Notepad starts with EF BB BF, which made `GET` an unknown
    method; one mark at the start is left out and said, a later one is the learner's."""
    import io

    from httplab.lessons.plain_input import read_lines

    said: list[str] = []
    piped = io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfGET /users\n\xef\xbb\xbfGET /\n"))
    assert list(read_lines(piped, note=said.append)) == ["GET /users", "\ufeffGET /"]
    assert len(said) == 1 and "byte order mark" in said[0]


def test_piped_bytes_that_are_not_utf8_reach_the_server_as_they_are(tmp_path: Path) -> None:
    """`lesson N --plain` read a pipe with errors="replace": a Latin-1 é went out as EF BF BD.
    Read with surrogateescape, a raw request sends the byte itself; the server saw it."""
    import io

    from httplab.lessons.plain_input import read_lines

    piped = io.TextIOWrapper(io.BytesIO(b"GET /caf\xe9 HTTP/1.1\nHost: x\n\n"))
    lines = list(read_lines(piped))
    assert lines == ["GET /caf\udce9 HTTP/1.1", "Host: x", ""]
    plain, out = plain_lesson(load_lesson(2), tmp_path)
    plain.run(iter(lines))
    assert plain.repl is not None
    assert plain.repl.last_sent == b"GET /caf\xe9 HTTP/1.1\r\nHost: x\r\n\r\n"
    assert "server saw: " in out.getvalue() and "GET /caf\\xe9 HTTP/1.1 400" in out.getvalue()
