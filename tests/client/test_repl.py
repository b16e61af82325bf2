"""The REPL: when Enter sends, what each input does, and a headless session over a pipe."""

from __future__ import annotations

import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from httplab.client.connection import ClientConnection
from httplab.client.repl import (
    Repl,
    ReplCompleter,
    body_reaches_length,
    input_complete,
    raw_text_to_send,
    run_repl,
)
from httplab.server.apps.users import UsersApp
from httplab.server.engine import HTTPServer
from tests.client.servers import RawServer, answer_each, read_head


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    with HTTPServer(UsersApp(), port=0) as running:
        yield running


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("GET /users", True),
        (":help", True),
        ("", True),
        ("GET / HTTP/1.1", False),  # raw: Enter goes on to the headers
        ("GET / HTTP/1.1\nHost: x\n", True),  # Enter on the empty line ends the head
        ("POST / HTTP/1.1\nContent-Length: 3\n", False),  # a body is announced
        ("POST / HTTP/1.1\nContent-Length: 3\n\nabc\n", True),
        ("POST / HTTP/1.1\nContent-Length: 0\n", True),
        ("POST / HTTP/1.1\nTransfer-Encoding: chunked\n", False),
    ],
)
def test_when_enter_sends(text: str, complete: bool) -> None:
    assert input_complete(text) is complete


@pytest.mark.parametrize(
    ("text", "reached"),
    [
        ('POST / HTTP/1.1\nContent-Length: 16\n\n{"name":"Vasya"}', True),
        ("POST / HTTP/1.1\nContent-Length: 5\n\nab", False),
        ("POST / HTTP/1.1\nContent-Length: 3\n\na\nb", True),  # a line break is a byte
        ("POST / HTTP/1.1\nContent-Length: 1\n\n\\x00", True),  # an escape is one byte
        ("POST / HTTP/1.1\nContent-Length: 3\n", False),  # no body yet
        ("POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n0", False),
    ],
)
def test_enter_sends_once_the_body_holds_content_length_bytes(text: str, reached: bool) -> None:
    assert body_reaches_length(text) is reached


def test_a_typed_body_is_sent_by_the_enter_that_completes_it(
    server: HTTPServer, tmp_path: Path
) -> None:
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("POST /users?name=Ann&age=3 HTTP/1.1\rHost: x\rContent-Length: 2\r\r")
        pipe.send_text("{}\r")  # one Enter: the body is complete, send (no empty line needed)
        pipe.send_text(":quit\r")
        run_repl(
            "127.0.0.1", server.port, history_path=tmp_path / "history", stream=out,
            input=pipe, output=DummyOutput(),
        )  # fmt: skip
    text = out.getvalue()
    assert text.count("> POST /users") == 1
    assert text.count("< HTTP/1.1 ") == 1


def test_raw_text_gets_its_blank_line_and_keeps_a_typed_body() -> None:
    assert raw_text_to_send("GET / HTTP/1.1\nHost: x\n") == "GET / HTTP/1.1\nHost: x\n\n"
    assert raw_text_to_send("POST / HTTP/1.1\nContent-Length: 3\n\nabc\n") == (
        "POST / HTTP/1.1\nContent-Length: 3\n\nabc"
    )


def test_the_empty_line_after_a_typed_last_chunk_ends_the_chunked_body() -> None:
    head = "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n"
    assert input_complete(head + "f\nname=Ada&age=36\n0\n") is True
    assert raw_text_to_send(head + "f\nname=Ada&age=36\n0\n") == head + "f\nname=Ada&age=36\n0\n\n"
    assert raw_text_to_send(head + "1\nx\n0\nChecksum: 1\n") == head + "1\nx\n0\nChecksum: 1\n\n"
    assert raw_text_to_send(head + "1\nx\n0") == head + "1\nx\n0\n\n"  # Esc Enter on `0`
    # the last chunk typed with escapes is sent as typed
    assert raw_text_to_send(head + "1\nx\n0\\r\\n\\r\\n\n") == head + "1\nx\n0\\r\\n\\r\\n"


def test_a_chunked_body_typed_line_by_line_is_answered(server: HTTPServer) -> None:
    repl = Repl("127.0.0.1", server.port, stream=io.StringIO())
    repl.handle(
        "POST /users HTTP/1.1\nHost: x\nContent-Type: application/x-www-form-urlencoded\n"
        "Transfer-Encoding: chunked\n\n9\nname=Ada&\n6\nage=36\n0\n"
    )
    assert repl.last[0].status == 201


def test_shorthand_then_raw_on_one_kept_alive_connection(server: HTTPServer) -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", server.port, stream=out)
    repl.handle("POST /users?name=Vasya&age=42")
    assert repl.status == "open" and repl.last[0].status == 201
    repl.handle("GET /users HTTP/1.1\nHost: x\n")
    assert repl.last[0].status == 200
    assert repl.last[0].timings.connect_ms is None  # the same connection
    assert repl.last[0].request_bytes == b"GET /users HTTP/1.1\r\nHost: x\r\n\r\n"
    assert "Vasya" in out.getvalue()
    assert "/users?name=Vasya&age=42" in repl.seen_paths and "Host" in repl.seen_headers


def test_prompt_status_shows_the_server_closed_the_connection(server: HTTPServer) -> None:
    repl = Repl("127.0.0.1", server.port, stream=io.StringIO())
    assert repl.status == "not connected"
    repl.handle("GET /users HTTP/1.1\nHost: x\nConnection: close\n")
    assert repl.status == "closed by server"
    repl.handle("GET /users")  # the next request opens a new connection
    assert repl.status == "open" and repl.last[0].timings.connect_ms is not None


def test_commands_toggle_and_switch(server: HTTPServer) -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", 1, stream=out)
    repl.handle(":crlf")
    assert not repl.crlf
    repl.handle(":hexdump")
    assert repl.hexdump
    repl.handle(f":to 127.0.0.1:{server.port}")
    assert repl.connection.port == server.port
    repl.handle(":to nonsense:port")
    assert "usage: :to HOST:PORT" in out.getvalue()
    repl.handle(":bogus")
    assert "unknown command :bogus" in out.getvalue()
    repl.handle(":quit")
    assert not repl.running


def test_crlf_off_sends_bare_lf_and_last_shows_it() -> None:
    with RawServer(answer_each(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as raw:
        out = io.StringIO()
        repl = Repl("127.0.0.1", raw.port, stream=out)
        repl.handle(":crlf")
        repl.handle("GET / HTTP/1.1\nHost: x\n")
        assert repl.last[0].request_bytes == b"GET / HTTP/1.1\nHost: x\n\n"
        out.truncate(0)
        repl.handle(":last")
    assert "> GET / HTTP/1.1\\n\n> Host: x\\n\n> \\n\n< HTTP/1.1 200 OK\\r\\n" in out.getvalue()


def test_errors_are_one_line_and_the_session_goes_on() -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", 1, stream=out, timeout=1)
    repl.handle("GET /a b c")
    repl.handle("GET /")
    assert "malformed shorthand" in out.getvalue()
    assert "connection refused" in out.getvalue() and repl.running


def test_an_error_shows_the_input_escaped_once(tmp_path: Path) -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", 1, stream=out, timeout=1)
    repl.handle("a\x1b[2Jb c d")  # an ESC typed into a shorthand with too many words
    repl.handle(":to [h\\x")  # a backslash typed as such
    repl.handle(f":record {tmp_path}/missing/r\x1b.t")
    shown = out.getvalue()
    assert "\x1b" not in shown  # never a raw ESC on the terminal
    assert "* error: malformed shorthand 'a\\x1b[2Jb c d': expected" in shown
    assert "* error: unclosed '[' in '[h\\\\x': write an IPv6" in shown
    assert f"* error: cannot record to {tmp_path}/missing/r\\x1b.t: No such file" in shown
    assert "\\\\x1b" not in shown  # the escape itself is not escaped again


def test_completion_of_methods_commands_paths_and_headers() -> None:
    repl = Repl("127.0.0.1", 1, stream=io.StringIO())
    repl.seen_paths.add("/users/42")
    completer = ReplCompleter(repl)

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert complete("PO") == ["POST"]
    assert complete(":he") == [":hexdump", ":help"]
    assert complete("GET /us") == ["/users/42"]
    assert "Content-Type: " in complete("GET / HTTP/1.1\ncontent-t")


def test_headless_session_over_a_pipe(server: HTTPServer, tmp_path: Path) -> None:
    out = io.StringIO()
    history = tmp_path / "state" / "history"
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("GET /users\r")
        pipe.send_text("GET /users HTTP/1.1\rHost: x\r\r")
        pipe.send_text(":quit\r")
        status = run_repl(
            "127.0.0.1", server.port, history_path=history, stream=out,
            input=pipe, output=DummyOutput(),
        )  # fmt: skip
    assert status == 0
    text = out.getvalue()
    assert text.count("< HTTP/1.1 200 OK\\r\\n") == 2
    assert "> GET /users HTTP/1.1\\r\\n\n> Host: x\\r\\n\n> \\r\\n" in text
    assert "GET /users" in history.read_text()  # history saved across runs


def test_ctrl_c_while_waiting_returns_to_the_prompt(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # what Ctrl-C raises in the middle of a blocking recv

    out = io.StringIO()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("GET /users\r:quit\r")
        with monkeypatch.context() as patch:
            patch.setattr(ClientConnection, "send", interrupted)
            try:
                status = run_repl(
                    "127.0.0.1", server.port, history_path=tmp_path / "h", stream=out,
                    input=pipe, output=DummyOutput(),
                )  # fmt: skip
            except KeyboardInterrupt:
                pytest.fail("Ctrl-C during a request ended the REPL")
    assert status == 0
    assert "* interrupted; the connection was closed" in out.getvalue()


def test_prompt_shows_an_idle_connection_the_server_closed_and_the_resend_says_so() -> None:
    closed = threading.Event()
    answered = threading.Event()

    def answer_then_close(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        answered.wait(10)  # idle after the answer was read, then closed
        conn.close()  # like an idle timeout: no Connection: close was announced
        closed.set()

    with RawServer(answer_then_close) as raw:
        out = io.StringIO()
        repl = Repl("127.0.0.1", raw.port, stream=out)
        repl.handle("GET /")
        answered.set()
        assert closed.wait(10)
        assert repl.status == "closed by server"
        closed.clear()
        repl.handle("GET /")
    assert repl.last[0].status == 200
    assert "the server had closed the idle connection; sent on a new one" in out.getvalue()


def test_no_header_completion_in_the_body_and_paths_from_history() -> None:
    repl = Repl("127.0.0.1", 1, stream=io.StringIO())
    repl.remember_history(["GET /users/7", "POST /users?name=A HTTP/1.1\nHost: x\n", ":help"])
    completer = ReplCompleter(repl)

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert complete("POST / HTTP/1.1\nContent-Length: 3\n\nab") == []
    assert complete("GET /users") == ["/users/7", "/users?name=A"]


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_repl_timeout_must_be_a_usable_number_of_seconds(value: str) -> None:
    from typer.testing import CliRunner

    from httplab.cli import app

    result = CliRunner().invoke(app, ["repl", "--timeout", value], input=":quit\n")
    assert result.exit_code == 2
    assert "Invalid value for '--timeout'" in result.output


@pytest.mark.parametrize(("word", "hint"), [("help", ":help"), ("exit", ":quit"),
                                           ("quit", ":quit"), ("clear", "Ctrl-L")])  # fmt: skip
def test_shell_words_typed_alone_are_not_sent(word: str, hint: str) -> None:
    out = io.StringIO()
    with RawServer(answer_each(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as raw:
        repl = Repl("127.0.0.1", raw.port, stream=out)
        repl.handle(f" {word} ")
        assert raw.connections == 0
    assert f"'{word}' was not sent" in out.getvalue() and hint in out.getvalue()
    assert repl.running


def test_a_russian_repl_says_its_errors_and_rarer_close_reasons_in_russian() -> None:
    """A lesson in Russian: a refused connection, a server that closes without answering and
    bytes after a response (a close reason with no kind) were said in English."""
    out = io.StringIO()
    Repl("127.0.0.1", 1, stream=out, timeout=1, lang="ru").handle("GET /")
    assert "* ошибка: 127.0.0.1:1 отказал в соединении" in out.getvalue()

    def hang_up(conn: socket.socket) -> None:
        read_head(conn, bytearray())
        conn.shutdown(socket.SHUT_RDWR)

    with RawServer(hang_up) as server:
        out = io.StringIO()
        Repl("127.0.0.1", server.port, stream=out, timeout=2, lang="ru").handle("GET /")
        assert "* ошибка: сервер закрыл соединение, не ответив на GET" in out.getvalue()
        assert "the server closed" not in out.getvalue()

    extra = answer_each(b"HTTP/1.1 204 No Content\r\n\r\nhi")
    with RawServer(extra) as server:
        out = io.StringIO()
        Repl("127.0.0.1", server.port, stream=out, timeout=2, lang="ru").handle("GET /")
        shown = out.getvalue()
        assert "соединение закрыто: после ответа сервер прислал ещё 2 байта" in shown, shown


def test_a_second_close_says_there_is_nothing_to_close(server: HTTPServer) -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", server.port, stream=out)
    repl.handle("GET /users")
    repl.command(":close")
    repl.command(":close")  # it said "connection closed" again
    repl.command(":close now")
    lines = [line for line in out.getvalue().splitlines() if line.startswith("* ")]
    assert lines[-3:] == [
        "* connection closed",
        "* no connection is open: nothing to close",
        "* error: :close takes no argument, got 'now'",
    ]
    assert repl.errors == 1


def test_crlf_and_hexdump_take_on_off_or_nothing_and_refuse_the_rest() -> None:
    out = io.StringIO()
    repl = Repl("127.0.0.1", 1, stream=out)
    repl.command(":crlf maybe")  # it toggled: CRLF went off
    assert repl.crlf is True and repl.errors == 1
    assert "* error: :crlf takes on, off or nothing (a toggle), got 'maybe'" in out.getvalue()
    repl.command(":crlf off")
    assert repl.crlf is False
    repl.command(":crlf off")
    assert repl.crlf is False
    repl.command(":crlf")
    assert repl.crlf is True
    repl.command(":hexdump on")
    repl.command(":hexdump \x1b[2J")
    assert repl.hexdump is True and repl.errors == 2
    assert "\x1b" not in out.getvalue()  # what was typed is shown escaped
